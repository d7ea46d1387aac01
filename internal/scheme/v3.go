package scheme

import (
	"context"
	"math"
	"sort"
	"strconv"

	"github.com/apktrust/apktrust/internal/apkzip"
)

// VerifyV3 verifies the APK Signature Scheme v3 block (ID 0xf05368c0) for
// Android versions minSDK to maxSDK, as apksig does. minSDK is raised to
// 28, the first version that reads v3. Each signer declares its own SDK
// range; together the signers must cover the checked range without gaps
// or overlaps (V3_INCONSISTENT_SDK_VERSIONS, V3_MISSING_SDK_VERSIONS), a
// signer targeting a development release (0xc2a6b3ba) may overlap by one.
// Lineages (0x3ba06f8c) are verified node by node, must end with the
// signer's certificate, and must be prefixes of one another.
//
// v31 is the result of VerifyV31 for the same APK and range, or nil when
// v3.1 was not checked. When v31 is present, the v3 signers only need to
// cover the range below the v3.1 rotation-min-sdk, and their
// rotation-min-sdk-version attribute (0x559f8b02) must name that SDK
// (V31_ROTATION_MIN_SDK_MISMATCH); without a v3.1 block that attribute is
// V31_BLOCK_MISSING when maxSDK >= 33.
func VerifyV3(ctx context.Context, a *apkzip.Archive, d *ContentDigester, minSDK, maxSDK int, v31 *SchemeResult) *SchemeResult {
	v := newSchemeVerifier(SchemeV3, max(minSDK, SDKP), maxSDK)
	v.budget = workBudgetFrom(ctx)
	v.rotationMinSDK = rotationMinSDKOf(v31)
	_, v.v32Present = a.SigningBlock().Find(BlockIDV32)
	block := v.load(a)
	if block == nil {
		return v.finish()
	}
	v.verifyV3Block(ctx, a, d, block)
	if v31 != nil && v31.Present && !v.hasErrors() {
		// The lineages of the v3.0 and v3.1 signers describe one key
		// history, so they must merge.
		l3, l31 := SchemeLineage(v.res), SchemeLineage(v31)
		if l3 != nil && l31 != nil {
			if _, ok := mergeLineages(l3, l31); !ok {
				v.addError(CodeV3InconsistentLineages, "the v3.0 and v3.1 lineages do not share one history")
			}
		}
	}
	return v.finish()
}

// VerifyV31 verifies the APK Signature Scheme v3.1 block (ID 0x1b93ad61),
// which carries the rotated signer for Android 13 (SDK 33) and newer, as
// apksig does: with the v3 rules, except that its signers may start at
// any SDK from 33 on (the v3.0 block covers the versions before). A v3.1
// block without a v3.0 block is V31_BLOCK_FOUND_WITHOUT_V3_BLOCK. Callers
// should only ask when maxSDK >= 33, as Android ignores v3.1 below.
func VerifyV31(ctx context.Context, a *apkzip.Archive, d *ContentDigester, minSDK, maxSDK int) *SchemeResult {
	// apksig checks v3.1 only at the top of the range: it lets v3.0
	// cover everything below the rotation.
	v := newSchemeVerifier(SchemeV31, maxSDK, maxSDK)
	v.budget = workBudgetFrom(ctx)
	_, v.v32Present = a.SigningBlock().Find(BlockIDV32)
	block := v.load(a)
	if block == nil {
		return v.finish()
	}
	v.verifyV3Block(ctx, a, d, block)
	if _, ok := a.SigningBlock().Find(BlockIDV3); !ok {
		v.addError(CodeV31WithoutV3, "a v3.1 block requires a v3.0 block")
	}
	return v.finish()
}

// VerifyV32 recognises an APK Signature Scheme v3.2 block (ID 0x70e1c89f).
// Its format is newer than Android's published verifier, so it is only
// reported (Present, with warning V32_SIG_NOT_VERIFIED), never verified;
// stripping it is detected by VerifyV3/VerifyV31 through the signers'
// attributes.
func VerifyV32(a *apkzip.Archive) *SchemeResult {
	r := &SchemeResult{Scheme: SchemeV32}
	if _, ok := a.SigningBlock().Find(BlockIDV32); ok {
		r.Present = true
		r.Warnings = append(r.Warnings, Issue{Code: CodeV32NotVerified, Scheme: SchemeV32,
			Message: "APK Signature Scheme v3.2 block present; its signatures are not verified", Signer: -1})
	}
	return r
}

// VerifyV3Schemes runs VerifyV31 and VerifyV3 in Android's order for the
// range: v3.1 when maxSDK >= 33, then v3 when maxSDK >= 28 (nil results
// for schemes the range does not reach).
func VerifyV3Schemes(ctx context.Context, a *apkzip.Archive, d *ContentDigester, minSDK, maxSDK int) (v3, v31 *SchemeResult) {
	if d == nil {
		d = NewContentDigester(a)
	}
	if maxSDK >= SDKT {
		v31 = VerifyV31(ctx, a, d, minSDK, maxSDK)
	}
	if maxSDK >= SDKP {
		v3 = VerifyV3(ctx, a, d, minSDK, maxSDK, v31)
	}
	return v3, v31
}

// rotationMinSDKOf is the lowest min SDK of the v3.1 signers: the version
// from which the rotated key is used (0 when there is no v3.1 block).
func rotationMinSDKOf(v31 *SchemeResult) int {
	if v31 == nil || !v31.Present {
		return 0
	}
	m := 0
	for i, s := range v31.Signers {
		if i == 0 || s.MinSDK < m {
			m = s.MinSDK
		}
	}
	return m
}

// SchemeLineage returns the proof-of-rotation of a v3 or v3.1 result: its
// signers' lineages merged into one history (VerifyV3 has checked that
// they merge), or nil when no signer has one. This is the lineage apksig
// reports for the scheme.
func SchemeLineage(r *SchemeResult) *Lineage {
	var ls []*Lineage
	for _, s := range r.Signers {
		if s.Lineage != nil {
			ls = append(ls, s.Lineage)
		}
	}
	l, _ := consolidateLineages(ls)
	return l
}

// verifyV3Block parses the signers, checks the content digests and then
// the signers' SDK ranges and lineages, in apksig's order.
func (v *schemeVerifier) verifyV3Block(ctx context.Context, a *apkzip.Archive, d *ContentDigester, block []byte) {
	v.parseSigners(block)
	if v.hasErrors() {
		return
	}
	if d == nil {
		d = NewContentDigester(a)
	}
	v.verifyIntegrity(ctx, d)

	// apksig keys the signers by max SDK (a later signer with the same
	// max replaces an earlier one) and walks them in ascending order.
	byMax := map[int]*signerState{}
	for _, st := range v.signers {
		byMax[st.res.MaxSDK] = st
	}
	keys := make([]int, 0, len(byMax))
	for k := range byMax {
		keys = append(keys, k)
	}
	sort.Ints(keys)
	firstMin, lastMax, lastLineage := 0, 0, 0
	var lineages []*Lineage
	for _, k := range keys {
		st := byMax[k]
		s := st.res
		if firstMin == 0 {
			firstMin = s.MinSDK
		} else if s.MinSDK != lastMax+1 && !(s.MinSDK == lastMax && st.devRelease) {
			v.addError(CodeV3InconsistentSDKs, "signer for SDK %d-%d does not follow the one ending at %d", s.MinSDK, s.MaxSDK, lastMax)
			break
		}
		lastMax = s.MaxSDK
		if s.Lineage != nil {
			if len(s.Lineage.Nodes) < lastLineage {
				v.addError(CodeV3InconsistentLineages, "lineages do not grow with the SDK versions")
				break
			}
			lastLineage = len(s.Lineage.Nodes)
			lineages = append(lineages, s.Lineage)
		}
	}
	need := v.maxSDK
	if v.rotationMinSDK > 0 {
		need = v.rotationMinSDK - 1
	}
	if firstMin > v.minSDK || lastMax < need {
		v.addError(CodeV3MissingSDKVersions, "signers cover SDK %d-%s, checked %d-%s", firstMin, sdkString(lastMax), v.minSDK, sdkString(need))
	}
	if _, ok := consolidateLineages(lineages); !ok {
		v.addError(CodeV3InconsistentLineages, "the signers' lineages do not share one history")
	}
}

func sdkString(n int) string {
	if n == math.MaxInt32 {
		return "max"
	}
	return strconv.Itoa(n)
}
