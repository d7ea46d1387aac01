package apkverify

import (
	"fmt"
	"slices"
	"strings"

	"github.com/apktrust/apktrust/signer"
)

// levelReading is what Android reads at one API level: the scheme block
// and the signers of that block it uses there (several only for v1/v2,
// where the set of signers is the identity).
type levelReading struct {
	scheme  signer.Scheme
	sr      *signer.SchemeResult
	signers []*signer.SignerResult
}

// ok reports whether the reading names a signer (set) whose block
// verified: the level is served.
func (r levelReading) ok() bool {
	if !verified(r.sr) || len(r.signers) == 0 {
		return false
	}
	return r.scheme == signer.SchemeV1 || r.scheme == signer.SchemeV2 || len(r.signers) == 1
}

func (r levelReading) same(o levelReading) bool {
	return r.scheme == o.scheme && r.sr == o.sr && slices.Equal(r.signers, o.signers)
}

// covering returns the signers of a v3 or v3.1 result whose SDK range
// holds level. In the v3.1 block a signer targeting a development release
// is skipped on the release build of its first level, which still reports
// the previous SDK number: release devices at that level read the v3
// block. The v3 block ignores that attribute.
//
// Preview builds use such a signer at its first level; when another
// signer also covers that level, they prefer the development-release one.
func covering(sr *signer.SchemeResult, level int, preview bool) []*signer.SignerResult {
	if sr == nil {
		return nil
	}
	var out []*signer.SignerResult
	one := -1 // the only signer found so far
	for i, s := range sr.Signers {
		if s.MinSDK > level || s.MaxSDK < level {
			continue
		}
		if sr.Scheme == signer.SchemeV31 && s.RotationTargetsDevRelease && s.MinSDK == level {
			if preview {
				return []*signer.SignerResult{s}
			}
			continue
		}
		switch {
		case one < 0 && out == nil:
			one = i
		case out == nil:
			out = append(out, sr.Signers[one], s)
		default:
			out = append(out, s)
		}
	}
	if out == nil && one >= 0 {
		// A lone signer, the usual case, is read from the Result's own
		// list (as the v1 and v2 readings are), capped so that no append
		// can write into it: readings are only read.
		return sr.Signers[one : one+1 : one+1]
	}
	return out
}

// readingAt decides, as a release build of Android at API level L does,
// which block it reads and which signer of it it uses: v3.1 when L ≥ 33
// and a v3.1 signer's range holds L (a v3.1 signer claiming levels below
// 33 changes nothing there: those versions do not know v3.1); else v3
// when L ≥ 28 and the APK has a v3 block; else v2 when L ≥ 24 and the APK
// has a v2 block; else the JAR signature. With preview, it decides for a
// preview build of the next version, which reports the SDK number L of
// the last release (previews of Android 13 on report 32). Which block is
// read depends on presence, not on the verdict: the container's blocks
// decide, whether or not the scheme was checked.
func (v *verification) readingAt(level int, preview bool) levelReading {
	if (level >= sdkT || preview && level >= sdkT-1) && v.s.blocks.V31 {
		if c := covering(v.v31, level, preview); len(c) > 0 {
			return levelReading{scheme: signer.SchemeV31, sr: v.v31, signers: c}
		}
	}
	if level >= sdkP && v.s.blocks.V3 {
		return levelReading{scheme: signer.SchemeV3, sr: v.v3, signers: covering(v.v3, level, false)}
	}
	if level >= sdkN && v.s.blocks.V2 {
		r := levelReading{scheme: signer.SchemeV2, sr: v.v2}
		if v.v2 != nil {
			r.signers = v.v2.Signers
		}
		return r
	}
	r := levelReading{scheme: signer.SchemeV1, sr: v.v1}
	if v.v1 != nil {
		r.signers = v.v1.Signers
	}
	return r
}

// v31CoversRange reports whether every level of the range reads the v3.1
// block, so that no device in the range ever reads the v3 block (Android
// 13's apksigner then does not report v3 either). Only levels from 33 on
// can: a v3.1 signer that claims lower levels does not reach them.
func (v *verification) v31CoversRange() bool {
	if v.v31 == nil || v.minSDK < sdkT {
		return false
	}
	for _, seg := range v.segments() {
		if len(covering(v.v31, seg[0], false)) == 0 {
			return false
		}
	}
	return true
}

// segments cuts [minSDK, maxSDK] into ranges on which the reading cannot
// change: at the levels where a scheme starts and at every bound of a
// v3/v3.1 signer's range (and the level after a development-release
// signer's first one).
func (v *verification) segments() [][2]int {
	var buf [16]int // a few signers' cuts fit without an allocation
	cuts := append(buf[:0], v.minSDK, sdkN, sdkP, sdkT-1, sdkT)
	for _, sr := range []*signer.SchemeResult{v.v3, v.v31} {
		if sr == nil {
			continue
		}
		for _, s := range sr.Signers {
			cuts = append(cuts, s.MinSDK, s.MinSDK+1)
			if s.MaxSDK < v.maxSDK {
				cuts = append(cuts, s.MaxSDK+1)
			}
		}
	}
	slices.Sort(cuts)
	cuts = slices.Compact(cuts)
	out := make([][2]int, 0, len(cuts))
	for i, c := range cuts {
		if c < v.minSDK || c > v.maxSDK {
			continue
		}
		end := v.maxSDK
		for _, n := range cuts[i+1:] {
			if n > c && n <= v.maxSDK {
				end = n - 1
				break
			}
		}
		out = append(out, [2]int{c, end})
	}
	return out
}

// levelSpan is a maximal range of API levels with the same reading.
type levelSpan struct {
	from, to int
	levelReading
}

// levels is the per-API-level decision over the whole range, merged into
// spans.
func (v *verification) levels() []levelSpan {
	var spans []levelSpan
	for _, seg := range v.segments() {
		r := v.readingAt(seg[0], false)
		if n := len(spans); n > 0 && spans[n-1].same(r) && spans[n-1].to+1 == seg[0] {
			spans[n-1].to = seg[1]
			continue
		}
		spans = append(spans, levelSpan{from: seg[0], to: seg[1], levelReading: r})
	}
	return spans
}

// levelSigners builds Result.Signers from the per-level decision and
// enforces the invariant: every level of the range has exactly one
// verified signer (set). A level without one is an error unless the run
// already failed for a reason that explains it (a scheme that did not
// verify stops the checks, as in apksig).
func (v *verification) levelSigners() (signers, dev []Signer) {
	spans := v.levels()
	strict := !v.failed()
	signers = presizeSigners(spans)
	var last certSigner
	for _, sp := range spans {
		if !sp.ok() {
			if sp.scheme == signer.SchemeV1 && sp.from >= sdkN && (sp.sr == nil || !sp.sr.Present) {
				// A v3-only APK at API 24-27: apksig accepts it, the
				// NO_SIG_FOR_SDK_24_TO_27 warning says these devices
				// refuse it, and the levels are left out of Signers.
				continue
			}
			if strict {
				v.fail(v.levelIssue(sp))
			}
			continue
		}
		for _, s := range sp.signers {
			signers = append(signers, last.newSigner(sp.scheme, s, sp.from, sp.to))
		}
	}
	if strict {
		v.checkLevelIdentity(spans)
	}
	// Preview builds of the next version report the SDK number of the
	// last release and read v3.1 from 32 on: where they use another v3.1
	// signer than release builds (one targeting a development release,
	// or one whose range ends at 32), that signer is listed too.
	for _, seg := range v.segments() {
		l := seg[0]
		if l < sdkT-1 || l >= v.maxSDK {
			continue
		}
		pr := v.readingAt(l, true)
		if pr.scheme != signer.SchemeV31 || !pr.ok() || pr.same(v.readingAt(l, false)) {
			continue
		}
		for _, s := range pr.signers {
			dev = append(dev, newSigner(signer.SchemeV31, s, seg[0], min(seg[1], v.maxSDK-1)))
		}
	}
	return signers, dev
}

func newSigner(scheme signer.Scheme, s *signer.SignerResult, from, to int) Signer {
	var out Signer
	if c := s.Cert(); c != nil {
		out = signerOf(c)
	}
	out.MinSDK, out.MaxSDK, out.Scheme = from, to, scheme
	out.Rotated, out.Lineage = s.Lineage != nil, s.Lineage
	return out
}

func (v *verification) levelIssue(sp levelSpan) Issue {
	where := apiRange(sp.from, sp.to)
	switch {
	case sp.sr == nil || !sp.sr.Present:
		return Issue{Code: CodeLevelNoSigner, Scheme: sp.scheme, Signer: -1,
			Message: fmt.Sprintf("Android at %s reads the %s signature, which the APK does not have, so it has no signer there", where, sp.scheme)}
	case len(sp.signers) == 0:
		return Issue{Code: CodeLevelNoSigner, Scheme: sp.scheme, Signer: -1,
			Message: fmt.Sprintf("Android at %s reads the %s block, and none of its signers covers these levels, so devices there refuse the APK", where, sp.scheme)}
	case !verified(sp.sr):
		return Issue{Code: CodeLevelNoSigner, Scheme: sp.scheme, Signer: -1,
			Message: fmt.Sprintf("Android at %s reads the %s block, which did not verify", where, sp.scheme)}
	}
	certs := make([]string, len(sp.signers))
	for i, s := range sp.signers {
		certs[i] = describeCert(s.Cert())
	}
	return Issue{Code: CodeLevelMultipleSigners, Scheme: sp.scheme, Signer: -1,
		Message: fmt.Sprintf("Android at %s reads the %s block, and %d of its signers cover these levels (%s); Android accepts exactly one and refuses the APK",
			where, sp.scheme, len(sp.signers), strings.Join(certs, ", "))}
}

// checkLevelIdentity warns where the signing identity changes from one
// span to the next without a proof-of-rotation that explains it: the new
// signer's lineage must hold the previous signer's certificate. (v1/v2
// against v3 is already an error of crossScheme.)
func (v *verification) checkLevelIdentity(spans []levelSpan) {
	for i := 1; i < len(spans); i++ {
		prev, cur := spans[i-1], spans[i]
		if !prev.ok() || !cur.ok() || len(prev.signers) != 1 || len(cur.signers) != 1 {
			continue
		}
		p, c := prev.signers[0], cur.signers[0]
		if p.Cert() == nil || c.Cert() == nil || certEqual(p.Cert(), c.Cert()) || c.Lineage.Contains(p.Cert().SHA256) {
			continue
		}
		v.warnOnce(Issue{Code: CodeLevelSignerChange, Scheme: cur.scheme, Signer: c.Index,
			Message: fmt.Sprintf("Android at %s uses %s (%s), but at %s %s (%s), and no proof-of-rotation links them: the app has a different identity on each",
				apiRange(prev.from, prev.to), describeCert(p.Cert()), prev.scheme,
				apiRange(cur.from, cur.to), describeCert(c.Cert()), cur.scheme)})
	}
}

// SignersAt returns the signer Android uses at API level level (several
// for a v1/v2 signature with several signers: the set is the identity),
// or nil when the level is outside the checked range or has no verified
// signer.
func (r *Result) SignersAt(level int) []Signer {
	var out []Signer
	for _, s := range r.Signers {
		if s.MinSDK <= level && level <= s.MaxSDK {
			out = append(out, s)
		}
	}
	return out
}

// jarReadAt24to27 reports whether Android 7.0-8.1 devices of the range
// read the JAR signature although a newer scheme was found: they know
// only v2, so without a v2 block they fall back on the JAR signature,
// which must then verify (apksig skips it once any v2+ block was found).
func (v *verification) jarReadAt24to27() bool {
	if v.minSDK >= sdkP || v.maxSDK < sdkN || v.s.blocks.V2 {
		return false
	}
	if v.a.Lookup("META-INF/MANIFEST.MF") != nil {
		return true
	}
	for _, e := range v.a.Entries() {
		if strings.HasPrefix(e.Name, "META-INF/") && strings.HasSuffix(strings.ToUpper(e.Name), ".SF") {
			return true
		}
	}
	return false
}
