package scheme

import (
	"context"
	"math"
	"sort"
	"strconv"

	"github.com/apktrust/apktrust/internal/apkzip"
)

// VerifyV3Schemes verifies the APK Signature Scheme v3.1 block (ID
// 0x1b93ad61) when maxSDK >= 33 and then the v3 block (ID 0xf05368c0)
// when maxSDK >= 28, in Android's order, as apksig does; a result is nil
// for a scheme the range does not reach, and not Present when the APK has
// no such block. blocks are the container's signature blocks
// (FindBlocks); d may be nil (see VerifyV2).
//
// The two blocks are one scheme family, verified by one call so that what
// v3 needs of v3.1 (the level the rotated signers take over from) passes
// forward inside it, never back from the caller:
//
//   - v3.1: the v3 rules, except that its signers may start at any SDK from
//     33 on, checked at the top of the range only (apksig lets v3 cover
//     everything below the rotation); a v3.1 block without a v3 block is
//     V31_BLOCK_FOUND_WITHOUT_V3_BLOCK.
//   - v3: minSDK is raised to 28. Each signer declares its own SDK range;
//     together they must cover the range without gaps or overlaps
//     (V3_INCONSISTENT_SDK_VERSIONS, V3_MISSING_SDK_VERSIONS), a signer
//     targeting a development release (0xc2a6b3ba) may overlap by one.
//     With a v3.1 block they only need to cover the range below its first
//     level, which their rotation-min-sdk-version attribute (0x559f8b02)
//     must name (V31_ROTATION_MIN_SDK_MISMATCH; the attribute without a
//     v3.1 block is V31_BLOCK_MISSING when maxSDK >= 33, a v3.1 block
//     without the attribute V31_ROTATION_MIN_SDK_ATTR_MISSING). Lineages
//     (0x3ba06f8c) are verified node by node, must end with the signer's
//     certificate, must be prefixes of one another, and must merge with
//     the v3.1 signers' lineage.
//
// v3 is verified even when v3.1 failed or covers the whole range: the
// caller decides which block counts on which Android version, and a
// source stamp or v4 file may need the v3 signers' digests.
func VerifyV3Schemes(ctx context.Context, a *apkzip.Archive, d *ContentDigester, blocks Blocks, minSDK, maxSDK int) (v3, v31 *SchemeResult) {
	if d == nil {
		d = NewContentDigester(a)
	}
	if maxSDK >= SDKT {
		v31 = verifyV31(ctx, a, d, blocks, maxSDK)
	}
	if maxSDK >= SDKP {
		v3 = verifyV3(ctx, a, d, blocks, minSDK, maxSDK, v31)
	}
	return v3, v31
}

// verifyV3 verifies the v3 block; v31 is the v3.1 result of the same call
// (nil when the range does not reach v3.1).
func verifyV3(ctx context.Context, a *apkzip.Archive, d *ContentDigester, blocks Blocks, minSDK, maxSDK int, v31 *SchemeResult) *SchemeResult {
	v, block := loadV3Block(ctx, a, SchemeV3, blocks, max(minSDK, SDKP), maxSDK)
	if block == nil {
		return v.finish()
	}
	v.rotationMinSDK = rotationMinSDKOf(v31)
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

// verifyV31 verifies the v3.1 block for a range ending at maxSDK.
func verifyV31(ctx context.Context, a *apkzip.Archive, d *ContentDigester, blocks Blocks, maxSDK int) *SchemeResult {
	// apksig checks v3.1 only at the top of the range: it lets v3.0
	// cover everything below the rotation.
	v, block := loadV3Block(ctx, a, SchemeV31, blocks, maxSDK, maxSDK)
	if block == nil {
		return v.finish()
	}
	v.verifyV3Block(ctx, a, d, block)
	if !blocks.V3 {
		v.addError(CodeV31WithoutV3, "a v3.1 block requires a v3.0 block")
	}
	return v.finish()
}

// loadV3Block starts the verifier of a v3 or v3.1 block for the range
// and reads the block (nil when the APK has none, or it did not read).
func loadV3Block(ctx context.Context, a *apkzip.Archive, s Scheme, blocks Blocks, minSDK, maxSDK int) (*schemeVerifier, []byte) {
	v := newSchemeVerifier(s, minSDK, maxSDK)
	v.budget = workBudgetFrom(ctx)
	v.v32Present = blocks.V32
	return v, v.load(a)
}

// VerifyV32 recognises an APK Signature Scheme v3.2 block (ID 0x70e1c89f)
// among blocks. Its format is newer than Android's published verifier, so
// it is only reported (Present, with warning V32_SIG_NOT_VERIFIED), never
// verified; stripping it is detected by VerifyV3Schemes through the
// signers' attributes.
func VerifyV32(blocks Blocks) *SchemeResult {
	r := &SchemeResult{Scheme: SchemeV32}
	if blocks.V32 {
		r.Present = true
		r.Warnings = append(r.Warnings, Issue{Code: CodeV32NotVerified, Scheme: SchemeV32,
			Message: "APK Signature Scheme v3.2 block present; its signatures are not verified", Signer: -1})
	}
	return r
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
