package apkverify_test

import (
	"context"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/apktrust/apktrust/apkverify"
	"github.com/apktrust/apktrust/signer"
)

// setFixtureFacts is what a model of the installer needs to know of each
// APK of testdata/sets, written down from make-sets.sh, not read by the
// code under test.
type setFixtureFacts struct {
	split, pkg string
	version    int
	// signer names who signs on each API level: "A" all levels by rsa-a,
	// "B" by rsa-b, "AB" rsa-a below 28 and rsa-b (rotated) from 28.
	signer    string
	v1Only    bool // fails under a base targeting API 30
	required  bool // android:isSplitRequired
	configFor string
	usesSplit string
}

var setPool = map[string]setFixtureFacts{
	"base.apk":               {"", "com.apktrust.sets", 7, "A", false, false, "", ""},
	"base-required.apk":      {"", "com.apktrust.sets", 7, "A", false, true, "", ""},
	"base-v8.apk":            {"", "com.apktrust.sets", 8, "A", false, false, "", ""},
	"base-rot.apk":           {"", "com.apktrust.sets", 7, "AB", false, false, "", ""},
	"config.de.apk":          {"config.de", "com.apktrust.sets", 7, "A", false, false, "", ""},
	"config.de-b.apk":        {"config.de", "com.apktrust.sets", 7, "B", false, false, "", ""},
	"config.de-rot.apk":      {"config.de", "com.apktrust.sets", 7, "AB", false, false, "", ""},
	"config.xxhdpi.apk":      {"config.xxhdpi", "com.apktrust.sets", 7, "A", false, false, "", ""},
	"config.xxhdpi-rot.apk":  {"config.xxhdpi", "com.apktrust.sets", 7, "AB", false, false, "", ""},
	"config.es-v1only.apk":   {"config.es", "com.apktrust.sets", 7, "A", true, false, "", ""},
	"config.fr-otherpkg.apk": {"config.fr", "com.apktrust.other", 7, "A", false, false, "", ""},
	"config.it-v8.apk":       {"config.it", "com.apktrust.sets", 8, "A", false, false, "", ""},
	"feat.apk":               {"feat", "com.apktrust.sets", 7, "A", false, false, "", ""},
	"feat.config.de.apk":     {"feat.config.de", "com.apktrust.sets", 7, "A", false, false, "feat", ""},
	"feat2.apk":              {"feat2", "com.apktrust.sets", 7, "A", false, false, "", "feat"},
}

// modelSetCodes is the installer's verdict on a set, from the facts
// alone: which rules the APKs, in this order, break.
func modelSetCodes(names []string) []signer.Code {
	codes := map[signer.Code]bool{}
	var bases []setFixtureFacts
	for _, n := range names {
		if f := setPool[n]; f.split == "" {
			bases = append(bases, f)
		}
	}
	switch {
	case len(bases) == 0:
		codes[apkverify.SetBaseMissing] = true
	case len(bases) > 1:
		codes[apkverify.SetBaseDuplicate] = true
	}
	ref := setPool[names[0]]
	if len(bases) > 0 {
		ref = bases[0]
	}
	splits := map[string]int{}
	for _, n := range names {
		f := setPool[n]
		if f.pkg != ref.pkg {
			codes[apkverify.SetPackageMismatch] = true
		}
		if f.version != ref.version {
			codes[apkverify.SetVersionMismatch] = true
		}
		if f.split == "" {
			continue
		}
		splits[f.split]++
		if splits[f.split] > 1 {
			codes[apkverify.SetSplitDuplicate] = true
		}
		// The base's rules apply only when there is exactly one base.
		if len(bases) == 1 && f.v1Only {
			codes[apkverify.SetAPKNotVerified] = true
		} else if len(bases) > 0 && f.signer != bases[0].signer {
			codes[apkverify.SetSignerMismatch] = true
		}
	}
	if len(bases) > 0 {
		if bases[0].required && len(splits) == 0 {
			codes[apkverify.SetSplitRequiredMissing] = true
		}
		for s := range splits {
			var f setFixtureFacts
			for _, n := range names {
				if setPool[n].split == s {
					f = setPool[n]
				}
			}
			if (f.configFor != "" && splits[f.configFor] == 0) || (f.usesSplit != "" && splits[f.usesSplit] == 0) {
				codes[apkverify.SetSplitDependencyMissing] = true
			}
		}
	}
	var out []signer.Code
	for c := range codes {
		out = append(out, c)
	}
	slices.Sort(out)
	return out
}

// TestSetRulesProperty draws seeded random sets from the fixtures (in any
// order, with repeats) and compares the codes VerifySet reports with the
// model of the installer's rules: a mixed set never passes, and every
// rule it breaks is named.
func TestSetRulesProperty(t *testing.T) {
	pool := make([]string, 0, len(setPool))
	for n := range setPool {
		pool = append(pool, n)
	}
	slices.Sort(pool)
	paths := map[string]string{}
	for _, n := range pool {
		paths[n] = setFile(t, n)
	}
	rng := rand.New(rand.NewPCG(15, 2026))
	n := 400
	if testing.Short() {
		n = 30
	}
	passed := 0
	for i := range n {
		k := 1 + rng.IntN(5)
		names := make([]string, k)
		for j := range names {
			// Bias towards consistent sets: half the draws start from the
			// base and the A-signed splits.
			if rng.IntN(2) == 0 {
				names[j] = []string{"base.apk", "config.de.apk", "config.xxhdpi.apk", "feat.apk", "feat.config.de.apk"}[rng.IntN(5)]
			} else {
				names[j] = pool[rng.IntN(len(pool))]
			}
		}
		files := make([]string, k)
		for j, nm := range names {
			files[j] = paths[nm]
		}
		res, err := apkverify.VerifySetFiles(context.Background(), files, apkverify.Options{})
		require.NoError(t, err)
		want := modelSetCodes(names)
		require.Equal(t, want, setCodes(res), "set %d: %v\n%+v", i, names, res.Errors)
		require.Equal(t, len(want) == 0, res.Verified)
		if res.Verified {
			passed++
		}
	}
	t.Logf("%d random sets agree with the model (%d verified, %d refused)", n, passed, n-passed)
}
