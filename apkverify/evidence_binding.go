package apkverify

import (
	"fmt"
	"slices"

	"github.com/apktrust/apktrust/internal/scheme"
	"github.com/apktrust/apktrust/signer"
)

// Evidence of distribution (a source stamp, Play frosting) proves delivery
// of the file Android installs only when it covers the signers Android
// uses: see signer.EvidenceBinding for what each covers and why. Evidence
// that verified but does not bind is reported with
// SOURCE_STAMP_SIGNER_NOT_COVERED / FROSTING_SIGNER_NOT_COVERED, and a
// policy requiring it fails.

// What each piece of evidence covers, as EvidenceBinding.Covers says it.
const (
	coversStampContent  = "the APK's content (every ZIP entry, the central directory, the EOCD; not the APK Signing Block), so the JAR signatures among its entries, but no v2/v3/v3.1 signer"
	coversStampManifest = "META-INF/MANIFEST.MF only, which names no signer"
	coversFrosting      = "the APK's content and, of the APK Signing Block, only the v2 pair: the JAR and v2 signers, but no v3/v3.1 signer"
)

// bindEvidence decides, for a verified stamp and verified frosting, which
// signers their signatures cover and whether those include every signer
// Android uses on the range (Result.Signers).
func (v *verification) bindEvidence() {
	res := v.res
	st, fr := res.SourceStamp, res.Frosting
	stampOK := st != nil && st.Verified
	frostOK := fr != nil && fr.Verified
	if !stampOK && !frostOK {
		return
	}
	var jar, v2 []*signer.Certificate
	if res.Verified {
		jar = v.coveredJARSigners()
	}
	if stampOK {
		b := &signer.EvidenceBinding{Covers: coversStampManifest}
		var covered []*signer.Certificate
		if slices.Contains(st.VerifiedSchemes, scheme.StampSchemeV2) || slices.Contains(st.VerifiedSchemes, scheme.StampSchemeV3) {
			b.Covers, covered = coversStampContent, jar
		}
		if !v.bind(b, covered) {
			i := Issue{Code: signer.StampCodeSignerNotCovered, Scheme: signer.SchemeStamp, Signer: -1,
				Message: "the source stamp verified, but " + v.notCoveredWhy(covered) + ": it shows that the stamp signer saw this content, not that it delivered the file signed as Android would install it"}
			st.Warnings = append(st.Warnings, i)
			v.warn(i)
		}
		st.Binding = b
	}
	if frostOK {
		b := &signer.EvidenceBinding{Covers: coversFrosting}
		covered := jar
		if res.Verified {
			v2 = v.coveredV2Signers()
		}
		covered = append(slices.Clone(covered), v2...)
		if !v.bind(b, covered) {
			fr.Warnings = append(fr.Warnings, Issue{Code: signer.FrostingCodeSignerNotCovered, Signer: -1,
				Message: "the frosting verified, but " + v.notCoveredWhy(covered) + ": it shows that Google Play saw this content and v2 signature, not that it delivered the file signed as Android would install it"})
		}
		fr.Binding = b
	}
}

// bind fills b with the covered certificates and reports whether every
// signer of the range is covered or rotates from a covered one.
func (v *verification) bind(b *signer.EvidenceBinding, covered []*signer.Certificate) bool {
	b.CoveredSigners = []string{}
	for _, c := range covered {
		if h := certHex(c); !slices.Contains(b.CoveredSigners, h) {
			b.CoveredSigners = append(b.CoveredSigners, h)
		}
	}
	b.Binds = v.res.Verified && len(v.res.Signers) > 0 && v.uncovered(covered) == nil
	return b.Binds
}

// uncovered returns the first signer of the range that is neither a
// covered certificate nor descends from one through its own verified
// proof-of-rotation; nil when there is none.
func (v *verification) uncovered(covered []*signer.Certificate) *Signer {
	for i := range v.res.Signers {
		s := &v.res.Signers[i]
		ok := false
		for _, c := range covered {
			if certEqual(s.Certificate, c) || s.Lineage.Contains(c.SHA256) {
				ok = true
				break
			}
		}
		if !ok {
			return s
		}
	}
	return nil
}

func (v *verification) notCoveredWhy(covered []*signer.Certificate) string {
	if !v.res.Verified || len(v.res.Signers) == 0 {
		return "the APK's signatures did not verify, so no signer is bound"
	}
	s := v.uncovered(covered)
	if len(covered) == 0 {
		return fmt.Sprintf("it covers no signer, and Android uses %s (%s) for %s", describeCert(s.Certificate), s.Scheme, apiRange(s.MinSDK, s.MaxSDK))
	}
	names := make([]string, len(covered))
	for i, c := range covered {
		names[i] = describeCert(c)
	}
	return fmt.Sprintf("Android uses %s (%s) for %s, which is neither the covered signer %v nor rotated from it", describeCert(s.Certificate), s.Scheme, apiRange(s.MinSDK, s.MaxSDK), names)
}

// coveredJARSigners returns the JAR signers of the file whose signatures
// verify: their .SF and signature block entries are part of the content
// that a stamp over v2/v3 digests and frosting cover. The JAR signature is
// checked here when the range did not need it (API 24+ with v2/v3).
func (v *verification) coveredJARSigners() []*signer.Certificate {
	sr := v.v1
	if sr == nil {
		if v.a.Lookup("META-INF/MANIFEST.MF") == nil {
			return nil
		}
		// X-Android-APK-Signed is checked against the v2+ blocks the file
		// has: whether the range needed them is not the question here,
		// only whether the JAR signature holds.
		sr = v.s.v1(v.ctx, v.minSDK, v.maxSDK).Result
	}
	return verifiedCerts(sr)
}

// coveredV2Signers returns the v2 signers whose signatures verify; the v2
// pair is the only part of the APK Signing Block frosting hashes.
func (v *verification) coveredV2Signers() []*signer.Certificate {
	sr := v.v2
	if sr == nil {
		if !v.s.blocks.V2 {
			return nil
		}
		sr = v.s.v2(v.ctx, max(v.minSDK, sdkN), max(v.maxSDK, sdkN))
	}
	return verifiedCerts(sr)
}

func verifiedCerts(sr *signer.SchemeResult) []*signer.Certificate {
	if sr == nil || !sr.Present || !sr.Verified || len(sr.Errors) > 0 {
		return nil
	}
	var out []*signer.Certificate
	for _, s := range sr.Signers {
		if len(s.Errors) > 0 || s.Cert() == nil {
			return nil
		}
		out = append(out, s.Cert())
	}
	return out
}

// addV3UnderV31 adds the v3 block's verified result to checked when the
// v3.1 signers cover the whole range (so v3 was not checked for it). A
// source stamp must sign the v3 block's digests whenever there is one
// (never v3.1's), and a v4 signature file's main signing info pairs with
// the v3 signer, its v3.1 signing info with the v3.1 signer.
func (v *verification) addV3UnderV31(checked map[signer.Scheme]*signer.SchemeResult) {
	if v.v3 != nil || !verified(v.v31) {
		return
	}
	if verified(v.v3UnderV31) {
		checked[signer.SchemeV3] = v.v3UnderV31
	}
}

// checkStampBinding and checkFrostingBinding are the policy rules for
// evidence that verified but does not bind.
func checkStampBinding(st *signer.SourceStampResult, add func(signer.Code, string, ...any)) {
	if st.Binding == nil || !st.Binding.Binds {
		add(PolicySourceStampSignerNotCovered, "%s: %s", signer.StampCodeSignerNotCovered,
			notCoveredReason(st.Warnings, signer.StampCodeSignerNotCovered, "the source stamp verified but does not cover the signers Android uses"))
	}
}

func checkFrostingBinding(fr *signer.FrostingResult, add func(signer.Code, string, ...any)) {
	if fr.Binding == nil || !fr.Binding.Binds {
		add(PolicyFrostingSignerNotCovered, "%s: %s", signer.FrostingCodeSignerNotCovered,
			notCoveredReason(fr.Warnings, signer.FrostingCodeSignerNotCovered, "the Play frosting verified but does not cover the signers Android uses"))
	}
}

// notCoveredReason is the message of the evidence's not-covered warning.
func notCoveredReason(warnings []Issue, code signer.Code, otherwise string) string {
	for _, w := range warnings {
		if w.Code == code {
			return w.Message
		}
	}
	return otherwise
}
