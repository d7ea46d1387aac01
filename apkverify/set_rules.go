package apkverify

import (
	"fmt"
	"slices"
	"strings"

	"github.com/apktrust/apktrust/internal/scheme"
	"github.com/apktrust/apktrust/signer"
)

// setRules applies the installer's rules for the APKs of one install
// (ApkLiteParseUtils.parseClusterPackageLite / composePackageLiteFromApks,
// the certificate check of ParsingPackageUtils for splits, and
// PackageInstallerSession.validateApkInstallLocked). The split
// dependencies (<uses-split>, configForSplit) are checked for every app,
// although the platform resolves them only for apps with
// android:isolatedSplits: a set missing them is not what a build tool
// produces.
func setRules(sr *SetResult, bases int) []SetIssue {
	var out []SetIssue
	add := func(code signer.Code, apk *SetAPK, format string, args ...any) {
		i := SetIssue{Code: code, Message: fmt.Sprintf(format, args...)}
		if apk != nil {
			i.File, i.Split = apk.File, apk.Split
		}
		out = append(out, i)
	}
	for _, u := range sr.Unreadable {
		add(SetAPKNotVerified, u, "%s could not be read as an APK (%s)", u.File, codesOf(u.Result.Errors))
	}
	for _, s := range sr.Standalones {
		if !s.Result.Verified {
			add(SetAPKNotVerified, s, "standalone APK %s did not verify (%s)", s.File, codesOf(s.Result.Errors))
		}
	}
	inSet := 0
	for _, a := range sr.APKs() {
		if a.Result.Manifest != nil && !slices.Contains(sr.Standalones, a) {
			inSet++
		}
	}
	switch {
	case bases == 0 && (inSet > 0 || len(sr.Standalones) == 0):
		add(SetBaseMissing, nil, "no base APK: every APK of the set carries a split name")
	case bases > 1:
		var names []string
		for _, s := range append([]*SetAPK{sr.Base}, sr.Splits...) {
			if s.Split == "" {
				names = append(names, s.File)
			}
		}
		add(SetBaseDuplicate, nil, "%d base APKs (without a split name): %s", bases, strings.Join(names, ", "))
	}
	base := sr.Base
	members := append([]*SetAPK{}, sr.Splits...)
	if base != nil {
		members = append([]*SetAPK{base}, members...)
	}
	if len(members) == 0 {
		return out
	}
	ref := members[0]
	refM := ref.Result.Manifest
	for _, a := range members {
		if !a.Result.Verified {
			add(SetAPKNotVerified, a, "%s did not verify (%s)", describeAPK(a), codesOf(a.Result.Errors))
		}
	}
	// Without a base, the first APK stands in for it, so the other rules
	// still say what else is wrong.
	refName := "the base"
	seen := map[string]*SetAPK{}
	if base == nil {
		refName = "the first APK " + ref.File
		seen[ref.Split] = ref
	}
	for _, a := range members[1:] {
		m := a.Result.Manifest
		if m.Package != refM.Package {
			add(SetPackageMismatch, a, "%s is of package %q, %s %q", describeAPK(a), m.Package, refName, refM.Package)
		}
		if m.VersionCode != refM.VersionCode {
			add(SetVersionMismatch, a, "%s has versionCode %d, %s %d", describeAPK(a), m.VersionCode, refName, refM.VersionCode)
		}
		if a.Split == "" {
			continue // a second base: SET_BASE_DUPLICATE
		}
		if prev := seen[a.Split]; prev != nil {
			add(SetSplitDuplicate, a, "split %s is given twice: %s and %s", a.Split, prev.File, a.File)
		}
		seen[a.Split] = a
		if base != nil && base.Result.Verified && a.Result.Verified {
			if msg := signerMismatch(base.Result, a.Result); msg != "" {
				add(SetSignerMismatch, a, "%s %s", describeAPK(a), msg)
			}
		}
	}
	if base == nil {
		return out
	}
	splitRules(sr, base, seen, add)
	return out
}

// splitRules checks that what the APKs require is in the set: a split
// when the base sets isSplitRequired, every requiredSplitTypes among the
// splits' splitTypes (Android 13 reads the split types: from API 33, a
// base with requiredSplitTypes counts as isSplitRequired, and the
// installer refuses a set whose splits do not provide every type an APK
// requires), and the splits named by <uses-split> and configForSplit.
func splitRules(sr *SetResult, base *SetAPK, splits map[string]*SetAPK, add func(signer.Code, *SetAPK, string, ...any)) {
	if full := base.Result.Manifest.Full; full != nil && full.IsSplitRequired && len(splits) == 0 {
		add(SetSplitRequiredMissing, base, "the base sets android:isSplitRequired, and the set has no split")
	}
	splitTypes := base.Result.MaxSDK >= sdkT
	provided := map[string]bool{}
	for _, s := range sr.Splits {
		for _, t := range s.Types {
			provided[t] = true
		}
	}
	for _, a := range append([]*SetAPK{base}, sr.Splits...) {
		full := a.Result.Manifest.Full
		if full == nil {
			continue
		}
		var missing []string
		for _, t := range full.RequiredSplitTypes {
			if splitTypes && !provided[t] {
				missing = append(missing, t)
			}
		}
		if len(missing) > 0 {
			add(SetSplitRequiredMissing, a, "%s requires splits of type %s (android:requiredSplitTypes), which no split of the set provides: Android 13 and later (API 33+) refuse the install", describeAPK(a), strings.Join(missing, ", "))
		}
		if a == base {
			continue
		}
		if u := full.UsesSplit; u != "" && splits[u] == nil {
			add(SetSplitDependencyMissing, a, "%s depends on split %s (<uses-split>), which is not in the set", describeAPK(a), u)
		}
		if c := full.ConfigForSplit; c != "" && splits[c] == nil {
			add(SetSplitDependencyMissing, a, "%s is a configuration of split %s (configForSplit), which is not in the set", describeAPK(a), c)
		}
	}
}

// signerMismatch compares the signers Android uses for the split with the
// base's, level by level over the range both were verified for: the
// installer requires a split's current signers to match the base's
// exactly (SigningDetails.signaturesMatchExactly), so a split signed by
// the key a rotated base left behind does not match. It returns what
// differs, or "".
func signerMismatch(base, split *Result) string {
	levels := []int{base.MinSDK}
	for _, r := range []*Result{base, split} {
		for _, s := range r.Signers {
			levels = append(levels, s.MinSDK)
			if s.MaxSDK < scheme.MaxSDK {
				levels = append(levels, s.MaxSDK+1)
			}
		}
	}
	slices.Sort(levels)
	levels = slices.Compact(levels)
	// Each level starts a span on which both keep their signers; spans
	// that differ in the same way are reported as one range.
	type diff struct {
		lo, hi int
		b, s   []string
	}
	var diffs []diff
	for k, l := range levels {
		if l < base.MinSDK || l > base.MaxSDK {
			continue
		}
		hi := base.MaxSDK
		if k+1 < len(levels) {
			hi = min(hi, levels[k+1]-1)
		}
		b, s := certSet(base.SignersAt(l)), certSet(split.SignersAt(l))
		if slices.Equal(b, s) {
			continue
		}
		if n := len(diffs); n > 0 && diffs[n-1].hi == l-1 && slices.Equal(diffs[n-1].b, b) && slices.Equal(diffs[n-1].s, s) {
			diffs[n-1].hi = hi
			continue
		}
		diffs = append(diffs, diff{l, hi, b, s})
	}
	var parts []string
	for _, d := range diffs {
		parts = append(parts, fmt.Sprintf("is signed by %s on %s, the base by %s", certList(d.s), apiRange(d.lo, d.hi), certList(d.b)))
	}
	return strings.Join(parts, "; ")
}

func certSet(signers []Signer) []string {
	out := make([]string, 0, len(signers))
	for _, s := range signers {
		out = append(out, s.CertSHA256)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func certList(fps []string) string {
	if len(fps) == 0 {
		return "no verified signer"
	}
	return strings.Join(fps, " and ")
}

func describeAPK(a *SetAPK) string {
	if a.Split == "" {
		return "the base " + a.File
	}
	return "split " + a.Split + " (" + a.File + ")"
}

func codesOf(issues []Issue) string {
	codes := make([]string, 0, len(issues))
	for _, i := range issues {
		codes = append(codes, string(i.Code))
	}
	return strings.Join(dedupe(codes), ", ")
}

// applySetPolicy decides SetResult.Trusted: the Policy is applied to the
// base (signing key with rotation and history, package, minimum
// versionCode, debuggable, testOnly, frosting), whose signers every split
// matches once the set verified; RequireSourceStamp and RequireSchemes
// hold for every APK, since Play stamps each split; standalone APKs must
// each be trusted on their own.
func applySetPolicy(sr *SetResult, p *Policy, keys policyKeys) {
	pr := &PolicyResult{Violations: []Violation{}}
	sr.Policy = pr
	add := func(code signer.Code, format string, args ...any) {
		pr.Violations = append(pr.Violations, Violation{Code: code, Message: fmt.Sprintf(format, args...)})
	}
	if !sr.Verified {
		add(PolicyNotVerified, "the install set did not verify (%s): nothing in it can be trusted", codeList(sr.Errors, func(v Violation) signer.Code { return v.Code }))
	}
	if base := sr.Base; base != nil {
		bp := evaluatePolicy(base.Result, p, keys)
		for _, v := range bp.Violations {
			if v.Code == PolicyNotVerified && !sr.Verified {
				continue // said for the set above
			}
			pr.Violations = append(pr.Violations, v)
		}
		pr.TrustedSigner, pr.InsecureAcceptAnySigner, pr.Warnings = bp.TrustedSigner, bp.InsecureAcceptAnySigner, bp.Warnings
		for _, s := range sr.Splits {
			prefixed := func(code signer.Code, format string, args ...any) {
				add(code, "%s: %s", describeAPK(s), fmt.Sprintf(format, args...))
			}
			if p.RequireSourceStamp {
				checkStamp(s.Result.SourceStamp, keys.stamps, prefixed)
			}
			for _, sc := range p.RequireSchemes {
				if !s.Result.Schemes.Has(sc) {
					prefixed(PolicySchemeMissing, "signature scheme %s is required but did not verify for %s", sc, apiRange(s.Result.MinSDK, s.Result.MaxSDK))
				}
			}
		}
	}
	for _, s := range sr.Standalones {
		if s.Result.Policy == nil {
			continue
		}
		for _, v := range s.Result.Policy.Violations {
			add(v.Code, "standalone %s: %s", s.File, v.Message)
		}
	}
	sr.Trusted = sr.Verified && len(pr.Violations) == 0
}
