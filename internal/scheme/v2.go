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
// v3 block (blocks, the container's FindBlocks) an error
// (V2_SIG_MISSING_APK_SIG_REFERENCED) when maxSDK >= 28: the rule checks a
// signer's claim against the container, so it is this verifier's own.
// Whether v2 counts on a given Android version is for the caller to
// decide; Present is false when the APK has no v2 block. d may be nil, in
// which case content digests are computed privately; pass the same
// ContentDigester to every scheme to compute them once.
func VerifyV2(ctx context.Context, a *apkzip.Archive, d *ContentDigester, blocks Blocks, minSDK, maxSDK int) *SchemeResult {
	v := newSchemeVerifier(SchemeV2, max(minSDK, SDKNougat), maxSDK)
	v.budget = workBudgetFrom(ctx)
	// Schemes the checked range supports, and which of their blocks the
	// APK has, as apksig's getSupportedSchemeNames / foundSigSchemeIds.
	// As in apksig, v2 is not among the found schemes while its own
	// signers are read: a v2 signer naming v2 is refused.
	supported, found := blocks.strippable(maxSDK)
	v.foundSchemes = map[int]bool{schemeVersionV3: found[schemeVersionV3]}
	v.supportedSchemes = map[int]bool{}
	for id := range supported {
		v.supportedSchemes[id] = true
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
