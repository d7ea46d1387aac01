package apkverify

import (
	"encoding/hex"
	"fmt"
	"slices"
	"strings"

	"github.com/apktrust/apktrust/internal/scheme"
	"github.com/apktrust/apktrust/signer"
)

// evaluatePolicy is Policy.Evaluate with the Policy's keys already
// parsed; it reads res and changes nothing in it. Every rule is
// evaluated, so the violations list everything a release engineer has to
// fix, not just the first problem.
func evaluatePolicy(res *Result, p *Policy, keys policyKeys) *PolicyResult {
	trusted := keys.signers
	pr := &PolicyResult{Violations: []Violation{}, InsecureAcceptAnySigner: p.InsecureAcceptAnySigner && len(trusted) == 0}
	add := func(code signer.Code, format string, args ...any) {
		pr.Violations = append(pr.Violations, Violation{Code: code, Message: fmt.Sprintf(format, args...)})
	}

	if !res.Verified {
		add(PolicyNotVerified, "the signatures did not verify (%s): nothing in the file can be trusted", codeList(res.Errors, func(i Issue) signer.Code { return i.Code }))
	}

	switch {
	case len(trusted) > 0 && !res.Verified && len(res.Signers) == 0:
		// Nothing verified, so there is no signer to name; the violation
		// above already says why.
	case len(trusted) > 0:
		pr.TrustedSigner = checkSigners(res, trusted, add)
	case p.InsecureAcceptAnySigner:
		// Knowingly not checking who signed.
	default:
		add(PolicyNoTrustedKey, "the policy names no trusted signing certificate: set TrustedCertSHA256 (--cert-sha256) to the SHA-256 of the app's signing key (Play Console: App signing key certificate), or set InsecureAcceptAnySigner to knowingly accept any signer")
	}

	checkKnownKeys(res, p, add)
	pr.Warnings = checkHistory(res, p, trusted, add)

	needManifest := p.Package != "" || p.MinVersionCode != 0 || !p.AllowDebuggable || !p.AllowTestOnly
	if m := res.Manifest; m != nil {
		if p.Package != "" && m.Package != p.Package {
			add(PolicyPackageMismatch, "package is %q, expected %q", m.Package, p.Package)
		}
		if p.MinVersionCode != 0 && m.VersionCode < p.MinVersionCode {
			add(PolicyVersionTooLow, "versionCode %d is below the minimum %d: an older build than the policy allows", m.VersionCode, p.MinVersionCode)
		}
		if m.Debuggable && !p.AllowDebuggable {
			add(PolicyDebuggable, "the manifest sets android:debuggable=\"true\": a debug build, not a release (accept with AllowDebuggable / --allow-debuggable)")
		}
		if m.TestOnly && !p.AllowTestOnly {
			add(PolicyTestOnly, "the manifest sets android:testOnly=\"true\": a test build that Play refuses and installs only with adb -t (accept with AllowTestOnly / --allow-test-only)")
		}
	} else if needManifest {
		why := "it is missing"
		if res.ManifestError != "" {
			why = res.ManifestError
		}
		add(PolicyManifestUnavailable, "AndroidManifest.xml could not be read (%s), so the package name, versionCode, debuggable and testOnly cannot be checked", why)
	}

	checkSameRelease(res, p.SameReleaseAs, add)
	for _, s := range p.RequireSchemes {
		if !res.Schemes.Has(s) {
			add(PolicySchemeMissing, "signature scheme %s is required but did not verify for %s", s, apiRange(res.MinSDK, res.MaxSDK))
		}
	}
	if p.RequireSourceStamp {
		checkStamp(res.SourceStamp, keys.stamps, add)
	}
	if p.RequireFrosting {
		checkFrosting(res.Frosting, add)
	}
	return pr
}

// checkStamp requires a source stamp that verified and whose certificate,
// or a certificate of its verified proof-of-rotation, is trusted.
func checkStamp(st *signer.SourceStampResult, trusted [][32]byte, add func(signer.Code, string, ...any)) {
	switch {
	case st == nil || !st.Present:
		add(PolicySourceStampMissing, "the APK has no source stamp (no %s entry); expected one signed by %s: the file was not delivered as a stamped APK (for Google Play, apps installed from Play carry one), or was re-signed since",
			scheme.StampCertDigestEntry, listStampCerts(trusted))
	case !st.Verified:
		why := string(st.Status)
		if len(st.Errors) > 0 {
			codes := make([]string, 0, len(st.Errors))
			for _, e := range st.Errors {
				codes = append(codes, string(e.Code))
			}
			why = strings.Join(dedupe(codes), ", ")
		}
		add(PolicySourceStampNotVerified, "the source stamp (certificate %s) did not verify (%s), so it proves nothing about where the file came from; expected a verified stamp signed by %s",
			describeStamp(st), why, listStampCerts(trusted))
	case !stampTrusted(st, trusted):
		add(PolicySourceStampUntrusted, "the source stamp verified, but it was signed by %s; expected one of %s",
			describeStamp(st), listStampCerts(trusted))
	default:
		checkStampBinding(st, add)
	}
}

func stampTrusted(st *signer.SourceStampResult, trusted [][32]byte) bool {
	certs := append([]string{st.CertSHA256}, st.Lineage...)
	for _, c := range certs {
		fp, ok := parseFingerprint(c)
		if !ok {
			continue
		}
		for _, t := range trusted {
			if fp == t {
				return true
			}
		}
	}
	return false
}

// checkFrosting requires Play frosting that verified with a known key.
func checkFrosting(fr *signer.FrostingResult, add func(signer.Code, string, ...any)) {
	switch {
	case fr == nil || !fr.Present:
		add(PolicyFrostingMissing, "the APK Signing Block has no Google Play frosting: the file is not an APK as Google Play delivered it (or it was re-signed since)")
	case !fr.Verified:
		var why []string
		for _, l := range [][]Issue{fr.Errors, fr.Warnings} {
			for _, i := range l {
				why = append(why, string(i.Code)+": "+i.Message)
			}
		}
		if len(why) == 0 {
			why = append(why, "no reason reported")
		}
		add(PolicyFrostingNotVerified, "the APK has Google Play frosting that did not verify with a known Play key (%s)", strings.Join(why, "; "))
	default:
		checkFrostingBinding(fr, add)
	}
}

// describeStamp names a stamp certificate: "<sha256> (CN=...)", marked
// when it is Google Play's.
func describeStamp(st *signer.SourceStampResult) string {
	s := st.CertSHA256
	if s == "" {
		s = "unknown"
	}
	if st.Certificate != nil && st.Certificate.Subject != "" {
		s += " (" + st.Certificate.Subject + ")"
	}
	if isPlayStampCert(st.CertSHA256) {
		s += " [Google Play's stamp certificate]"
	}
	return s
}

func listStampCerts(fps [][32]byte) string {
	s := make([]string, len(fps))
	for i, fp := range fps {
		s[i] = hex.EncodeToString(fp[:])
		if s[i] == PlayStoreStampCertSHA256 {
			s[i] += " [Google Play's stamp certificate]"
		}
	}
	return strings.Join(s, ", ")
}

// isPlayStampCert reports whether a hex fingerprint is
// PlayStoreStampCertSHA256.
func isPlayStampCert(hexFP string) bool {
	fp, ok := parseFingerprint(hexFP)
	if !ok {
		return false
	}
	play, _ := parseFingerprint(PlayStoreStampCertSHA256)
	return fp == play
}

// checkSigners applies the signer rules of rotation-aware trust, level by
// level: Result.Signers says which key Android uses on each API level of
// the range, and every one of them must be trusted:
//
//   - a signer is an anchor when its certificate is pinned, or its own
//     proof-of-rotation contains a pinned certificate (it descends from a
//     trusted key, which signed the rotation);
//   - every level's signer must be an anchor, or an older key named in
//     the proof-of-rotation of an anchor that Android uses on higher
//     levels of the same file (an APK with several v1/v2 signers needs
//     each of them trusted).
//
// So the Play key-upgrade pattern (v1/v2/v3 by the old key, v3.1 by the
// new key with lineage old → new) is trusted whether the old or the new
// key is pinned, while a file signed only by the old key is trusted only
// when the old key itself is pinned: nothing in it shows the new key's
// consent. A file that uses an unrelated key on some levels (a v3 block
// for Android 9-12 signed by another key beside a v3.1 copy of the
// genuine signer) is refused, naming those levels and that key. The
// signers preview builds use (DevReleaseSigners) are held to the same
// rule. It returns the trusted signer, "" when none.
func checkSigners(res *Result, trusted [][32]byte, add func(signer.Code, string, ...any)) string {
	if res.Kind == KindAppBundle {
		return checkBundleSigners(res, trusted, add)
	}
	if len(res.Signers) == 0 {
		add(PolicyUntrustedSigner, "no verified signer; expected one of %s", listFingerprints(trusted))
		return ""
	}
	all := append(slices.Clone(res.Signers), res.DevReleaseSigners...)
	slices.SortStableFunc(all, func(a, b Signer) int { return a.MinSDK - b.MinSDK })
	anchor := func(s *Signer) bool {
		return s.Certificate != nil && (slices.Contains(trusted, s.Certificate.SHA256) || lineageContainsAny(s.Lineage, trusted))
	}
	var anchors []*Signer
	for i := range all {
		if anchor(&all[i]) {
			anchors = append(anchors, &all[i])
		}
	}
	if len(anchors) == 0 {
		add(PolicyUntrustedSigner, "signed by %s; expected one of %s", describeSigners(all), listFingerprints(trusted))
		return ""
	}
	var outsiders []Signer
	for i := range all {
		s := &all[i]
		if anchor(s) || s.Certificate != nil && slices.ContainsFunc(anchors, func(a *Signer) bool {
			return a.MinSDK > s.MaxSDK && a.Lineage.Contains(s.Certificate.SHA256)
		}) {
			continue
		}
		outsiders = append(outsiders, *s)
	}
	newest := anchors[len(anchors)-1]
	for _, a := range anchors {
		if a.MaxSDK > newest.MaxSDK {
			newest = a
		}
	}
	if len(outsiders) == 0 {
		return newest.CertSHA256
	}
	var uses []Signer
	for _, a := range anchors {
		if certEqual(a.Certificate, newest.Certificate) {
			uses = append(uses, *a)
		}
	}
	add(PolicySignerNotInLineage, "trusted signer %s, but %s, which is neither that key nor in its proof-of-rotation: the app would install under that key there; expected one of %s",
		describeSigners(uses), describeSigners(outsiders), listFingerprints(trusted))
	return ""
}

func lineageContainsAny(l *signer.Lineage, fps [][32]byte) bool {
	for _, fp := range fps {
		if l.Contains(fp) {
			return true
		}
	}
	return false
}

// describeSigners names each distinct signing certificate once, with the
// API levels and schemes it signs for.
func describeSigners(signers []Signer) string {
	type use struct {
		cert   *signer.Certificate
		ranges []string
	}
	var order []string
	uses := map[string]*use{}
	for _, s := range signers {
		u := uses[s.CertSHA256]
		if u == nil {
			u = &use{cert: s.Certificate}
			uses[s.CertSHA256] = u
			order = append(order, s.CertSHA256)
		}
		u.ranges = append(u.ranges, fmt.Sprintf("%s %s", s.Scheme, apiRange(s.MinSDK, s.MaxSDK)))
	}
	parts := make([]string, 0, len(order))
	for _, fp := range order {
		u := uses[fp]
		parts = append(parts, fmt.Sprintf("%s [%s]", describeCert(u.cert), strings.Join(u.ranges, ", ")))
	}
	return strings.Join(parts, " and ")
}

func listFingerprints(fps [][32]byte) string {
	s := make([]string, len(fps))
	for i, fp := range fps {
		s[i] = hex.EncodeToString(fp[:])
	}
	return strings.Join(s, ", ")
}

// apiRange names a range of API levels: "API 21-23", "API 23", or
// "API 28+" for every version from 28 on.
func apiRange(lo, hi int) string {
	switch {
	case hi == scheme.MaxSDK:
		return fmt.Sprintf("API %d+", lo)
	case lo == hi:
		return fmt.Sprintf("API %d", lo)
	}
	return fmt.Sprintf("API %d-%d", lo, hi)
}

func dedupe(s []string) []string {
	seen := map[string]bool{}
	out := s[:0:0]
	for _, x := range s {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

// codeList is the distinct codes of errs, in order and comma-separated,
// for the PolicyNotVerified violation of a file or an install set.
func codeList[T any](errs []T, code func(T) signer.Code) string {
	codes := make([]string, 0, len(errs))
	for _, e := range errs {
		codes = append(codes, string(code(e)))
	}
	return strings.Join(dedupe(codes), ", ")
}
