package scheme

import (
	"context"

	"github.com/apktrust/apktrust/internal/apkzip"
)

// VerifyV2 verifies the APK Signature Scheme v2 block (ID 0x7109871a) for
// Android versions minSDK to maxSDK, as Android's apksig does: at most 10
// signers, each with its strongest supported signature verified, the
// public key matching the first certificate, the signature and digest
// algorithm lists equal, and the content digests matching the file.
//
// minSDK is raised to 24, the first version that reads v2. The
// stripping-protection attribute (0xbeeff00d) naming v3 makes a missing
// v3 block an error (V2_SIG_MISSING_APK_SIG_REFERENCED) when maxSDK >= 28.
// Whether v2 counts on a given Android version is for the caller to
// decide; Present is false when the APK has no v2 block. d may be nil, in
// which case content digests are computed privately; pass the same
// ContentDigester to every scheme to compute them once.
func VerifyV2(ctx context.Context, a *apkzip.Archive, d *ContentDigester, minSDK, maxSDK int) *SchemeResult {
	v := newSchemeVerifier(SchemeV2, max(minSDK, SDKNougat), maxSDK)
	v.budget = workBudgetFrom(ctx)
	// Schemes the checked range supports, and which of their blocks the
	// APK has, as apksig's getSupportedSchemeNames / foundSigSchemeIds.
	v.supportedSchemes = map[int]bool{}
	v.foundSchemes = map[int]bool{}
	if maxSDK >= SDKNougat {
		v.supportedSchemes[schemeVersionV2] = true
	}
	if maxSDK >= SDKP {
		v.supportedSchemes[schemeVersionV3] = true
		if _, ok := a.SigningBlock().Find(BlockIDV3); ok {
			v.foundSchemes[schemeVersionV3] = true
		}
	}
	block := v.load(a)
	if block == nil {
		return v.finish()
	}
	v.parseSigners(block)
	if !v.hasErrors() {
		if d == nil {
			d = NewContentDigester(a)
		}
		v.verifyIntegrity(ctx, d)
	}
	return v.finish()
}
