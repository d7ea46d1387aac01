package apkverify_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/apktrust/apktrust/apkverify"
	"github.com/apktrust/apktrust/internal/scheme"
	"github.com/apktrust/apktrust/signer"
)

// historyFile is a file made by testdata/make-history.sh; a missing one
// fails the test (it is committed).
func historyFile(t *testing.T, name string) string {
	t.Helper()
	p := filepath.Join(repoRoot(), "testdata", "history", name)
	_, err := os.Stat(p)
	require.NoError(t, err, "committed fixture missing (testdata/make-history.sh makes it)")
	return p
}

func historyLineage(t *testing.T, name string) *signer.Lineage {
	t.Helper()
	b, err := os.ReadFile(historyFile(t, name+".lineage"))
	require.NoError(t, err)
	l, err := signer.ParseLineageFile(b)
	require.NoError(t, err)
	return l
}

// TestPolicyHistory runs the signing-history and rotation-capability rules
// over files signed with apksigner (testdata/make-history.sh): v1/v2 by A,
// v3 by the named key with the named lineage. D is the rsa4096 key.
func TestPolicyHistory(t *testing.T) {
	const (
		cnA = "CN=apktrust test A"
		cnB = "CN=apktrust test B"
	)
	cases := []struct {
		name    string
		file    string
		pins    []string
		history string // testdata/history/NAME.lineage, "" for none
		trusted bool
		codes   []signer.Code
		// messages that must appear in the violations; warning is the
		// expected warning code ("" for none).
		messages []string
		warning  signer.Code
	}{
		// Issue 21: a retired key starts its own branch.
		{name: "fork A→C over history A→B, A pinned", file: "c-lin-ac.apk", pins: []string{"rsa-a"}, history: "hist-ab",
			codes: []signer.Code{apkverify.PolicyHistoryFork}, messages: []string{"branches from the history at 24abac6c", cnA, "rotates it to dcd124c6"}},
		{name: "fork A→C over history A→B, A and B pinned", file: "c-lin-ac.apk", pins: []string{"rsa-a", "rsa-b"}, history: "hist-ab",
			codes: []signer.Code{apkverify.PolicyHistoryFork}, messages: []string{"branches from the history at 24abac6c"}},
		{name: "without a history the same fork passes the pins, with a warning", file: "c-lin-ac.apk", pins: []string{"rsa-a", "rsa-b"},
			trusted: true, warning: apkverify.PolicyRotationWithoutHistory},
		{name: "forward rotation of the current key A→B→C over history A→B", file: "c-hist-abc.apk", pins: []string{"rsa-a"}, history: "hist-ab",
			trusted: true},
		{name: "the current key B over history A→B", file: "b-hist-ab.apk", pins: []string{"rsa-a"}, history: "hist-ab",
			trusted: true},
		{name: "the older key A over history A→B without rollback", file: "a.apk", pins: []string{"rsa-a"}, history: "hist-ab",
			codes: []signer.Code{apkverify.PolicyRollbackNotAllowed}, messages: []string{cnA, cnB, "rollback"}},
		{name: "the older key A over history A→B with rollback", file: "a.apk", pins: []string{"rsa-a"}, history: "hist-ab-rollback",
			trusted: true},
		{name: "a lineage A→D skipping B and C of history A→B→C", file: "d-lin-ad.apk", pins: []string{"rsa-a"}, history: "hist-abc",
			codes: []signer.Code{apkverify.PolicyHistoryFork}, messages: []string{"branches from the history at 24abac6c", "node 1 of 3"}},
		{name: "a lineage A→C skipping B but signed by the current key C (Android accepts it)", file: "c-lin-ac.apk", pins: []string{"rsa-a"}, history: "hist-abc",
			trusted: true},
		{name: "a fork A→B→D from the middle of history A→B→C", file: "d-lin-abd.apk", pins: []string{"rsa-a"}, history: "hist-abc",
			codes: []signer.Code{apkverify.PolicyHistoryFork}, messages: []string{"branches from the history at dcd124c6", cnB, "node 2 of 3"}},
		{name: "a fork A→B→D from the middle, all three history keys pinned", file: "d-lin-abd.apk", pins: []string{"rsa-a", "rsa-b", "rsa-c"}, history: "hist-abc",
			codes: []signer.Code{apkverify.PolicyHistoryFork}},

		// Issue 13: capabilities.
		{name: "pinned A gave up installed-data: its successor B is not trusted", file: "b-lin-ab-noid.apk", pins: []string{"rsa-a"},
			codes: []signer.Code{apkverify.PolicyCapabilityMissing}, messages: []string{"pinned key 24abac6c", "installed-data"}},
		{name: "the successor pinned itself needs no capability", file: "b-lin-ab-noid.apk", pins: []string{"rsa-b"},
			trusted: true},
		{name: "history A→B: the current key B needs no capability of A", file: "b-lin-ab-noid.apk", pins: []string{"rsa-a"}, history: "hist-ab",
			trusted: true},
		{name: "history A→B: rotation to C through a B denied installed-data", file: "c-lin-abc-bnoid.apk", pins: []string{"rsa-a"}, history: "hist-ab",
			codes: []signer.Code{apkverify.PolicyCapabilityMissing}, messages: []string{"current key dcd124c6", "installed-data"}},
		{name: "no history, pinned A keeps installed-data in A→B→C", file: "c-lin-abc-bnoid.apk", pins: []string{"rsa-a"},
			trusted: true, warning: apkverify.PolicyRotationWithoutHistory},
		{name: "no history, pinned B was denied installed-data in A→B→C", file: "c-lin-abc-bnoid.apk", pins: []string{"rsa-b"},
			codes: []signer.Code{apkverify.PolicyCapabilityMissing}, messages: []string{"pinned key dcd124c6"}},

		// Without a history a pinned key keeps its meaning.
		{name: "no history: a rotation from the pin is trusted, with a warning", file: "b-hist-ab.apk", pins: []string{"rsa-a"},
			trusted: true, warning: apkverify.PolicyRotationWithoutHistory},
		{name: "no history: the pinned key itself, no warning", file: "a.apk", pins: []string{"rsa-a"},
			trusted: true},
	}
	ctx := context.Background()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := &apkverify.Policy{}
			for _, k := range c.pins {
				p.TrustedCertSHA256 = append(p.TrustedCertSHA256, keySHA256(t, k))
			}
			if c.history != "" {
				p.History = historyLineage(t, c.history)
			}
			res, err := apkverify.VerifyFile(ctx, historyFile(t, c.file), apkverify.Options{Policy: p})
			require.NoError(t, err)
			require.True(t, res.Verified, "apksigner verifies every history fixture: %+v", res.Errors)
			requirePolicyVerdict(t, res, c.trusted, c.codes, c.messages)
			var warnings []signer.Code
			for _, w := range res.Policy.Warnings {
				warnings = append(warnings, w.Code)
			}
			if c.warning == "" {
				require.Empty(t, warnings)
			} else {
				require.Equal(t, []signer.Code{c.warning}, warnings)
			}
		})
	}
}

// requirePolicyVerdict checks Trusted, the violation codes (all of them, in
// any order) and substrings the violation messages must hold.
func requirePolicyVerdict(t *testing.T, res *apkverify.Result, trusted bool, codes []signer.Code, messages []string) {
	t.Helper()
	require.Equal(t, trusted, res.Trusted, "violations: %+v", res.Policy.Violations)
	require.ElementsMatch(t, codes, violationCodes(res), "violations: %+v", res.Policy.Violations)
	var msgs []string
	for _, v := range res.Policy.Violations {
		msgs = append(msgs, v.Message)
	}
	for _, m := range messages {
		require.Contains(t, strings.Join(msgs, "\n"), m)
	}
}

// TestPolicyHistoryRealRotation applies the history rules to Play's key
// upgrade (v1/v2/v3 by the old key, v3.1 by the new one from API 33) and
// its apksig counterpart, with the history taken from the upgraded release
// itself (Result.LineageOf), as a user would keep it.
func TestPolicyHistoryRealRotation(t *testing.T) {
	ctx := context.Background()
	historyOf := func(t *testing.T, file string) *signer.Lineage {
		res, err := apkverify.VerifyFile(ctx, file, apkverify.Options{})
		require.NoError(t, err)
		require.NotNil(t, res.LineageOf())
		return res.LineageOf()
	}
	cases := []struct {
		name, pin string
		file      func(t *testing.T) string
		history   func(t *testing.T) string
		trusted   bool
		codes     []signer.Code
	}{
		{name: "Calculator 8.6.1 under its own history", pin: calculatorOldKey,
			file:    func(t *testing.T) string { return realWorldAPK(t, "play-google-calculator_85005519-standalone.apk") },
			history: func(t *testing.T) string { return realWorldAPK(t, "play-google-calculator_85005519-standalone.apk") },
			trusted: true},
		{name: "Calculator 7.8 (old key only) under the upgraded history: no rollback", pin: calculatorOldKey,
			file:    func(t *testing.T) string { return realWorldAPK(t, "play-google-calculator_78000303.apk") },
			history: func(t *testing.T) string { return realWorldAPK(t, "play-google-calculator_85005519-standalone.apk") },
			codes:   []signer.Code{apkverify.PolicyRollbackNotAllowed}},
		{name: "apksig v3.1 rotation under its own history", pin: corpusOldKey,
			file:    func(t *testing.T) string { return corpusAPK(t, "v31-rsa-2048_2-tgt-34-1-tgt-28.apk") },
			history: func(t *testing.T) string { return corpusAPK(t, "v31-rsa-2048_2-tgt-34-1-tgt-28.apk") },
			trusted: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := &apkverify.Policy{TrustedCertSHA256: []string{c.pin}, History: historyOf(t, c.history(t))}
			res, err := apkverify.VerifyFile(ctx, c.file(t), apkverify.Options{Policy: p})
			require.NoError(t, err)
			requirePolicyVerdict(t, res, c.trusted, c.codes, nil)
			require.Empty(t, res.Policy.Warnings)
		})
	}
}

// TestPolicyHistoryPreviewSigners: the signer preview builds read (a v3.1
// signer targeting a development release) updates the app on those
// devices, so a known history holds it to the same rule as the signers of
// release builds. Here release builds read the app's current key B
// (lineage A→B) and the preview signer is the retired key A, which the
// history does not let roll back.
func TestPolicyHistoryPreviewSigners(t *testing.T) {
	ka, kb := loadKey(t, "rsa-a"), loadKey(t, "rsa-b")
	base, rec := v3Record(t, fixture(t, "min28-v123.apk"))
	d := rec.digests
	lineageAB := lineageAttr(t, "min21-v123-rot-ab.apk")
	build := func(dev *sbKey, devAttrs ...sbPair) []byte {
		return base.build([]sbPair{
			{scheme.BlockIDV3, makeBlock(kb.signRecord(t, true, d, 24, 34, sbPair{attrLineage, lineageAB}, sbPair{attrRotationMin, u32(34)}))},
			{scheme.BlockIDV31, makeBlock(
				dev.signRecord(t, true, d, 34, 34, append(devAttrs, sbPair{attrDevRelease, u32(1)})...),
				kb.signRecord(t, true, d, 35, maxSDK, sbPair{attrLineage, lineageAB}))},
		})
	}
	for _, tc := range []struct {
		name     string
		history  string
		file     []byte
		trusted  bool
		codes    []signer.Code
		messages []string
	}{
		{name: "preview signer is the current key", history: "hist-ab", file: build(kb, sbPair{attrLineage, lineageAB}), trusted: true},
		{name: "preview signer is the retired key without rollback", history: "hist-ab", file: build(ka),
			codes: []signer.Code{apkverify.PolicyRollbackNotAllowed}, messages: []string{"v31", keySHA256(t, "rsa-a")}},
		{name: "preview signer is the retired key the history lets roll back", history: "hist-ab-rollback", file: build(ka), trusted: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := verifyBytes(t, tc.file, apkverify.Options{Policy: &apkverify.Policy{
				TrustedCertSHA256: []string{keySHA256(t, "rsa-a")},
				History:           historyLineage(t, tc.history),
			}})
			require.True(t, res.Verified, "%v", res.Errors)
			require.Len(t, res.DevReleaseSigners, 1)
			requirePolicyVerdict(t, res, tc.trusted, tc.codes, tc.messages)
		})
	}
}

// TestPinnedRotationPreviewSigners: without a history, a preview signer
// that descends from the pinned key through a lineage denying that key
// installed-data would not be let update the app on preview builds, so
// the pin does not vouch for it.
func TestPinnedRotationPreviewSigners(t *testing.T) {
	ka, kb := loadKey(t, "rsa-a"), loadKey(t, "rsa-b")
	base, rec := v3Record(t, fixture(t, "min28-v123.apk"))
	d := rec.digests
	for _, tc := range []struct {
		name    string
		lineage []byte
		trusted bool
		codes   []signer.Code
	}{
		{name: "lineage grants installed-data", lineage: lineageAttr(t, "min21-v123-rot-ab.apk"), trusted: true},
		{name: "lineage denies installed-data", lineage: lineageAttrAt(t, historyFile(t, "b-lin-ab-noid.apk")),
			codes: []signer.Code{apkverify.PolicyCapabilityMissing}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			file := base.build([]sbPair{
				{scheme.BlockIDV3, makeBlock(ka.signRecord(t, true, d, 24, 34, sbPair{attrRotationMin, u32(34)}))},
				{scheme.BlockIDV31, makeBlock(
					kb.signRecord(t, true, d, 34, 34, sbPair{attrLineage, tc.lineage}, sbPair{attrDevRelease, u32(1)}),
					ka.signRecord(t, true, d, 35, maxSDK))},
			})
			res := verifyBytes(t, file, pinOpts(t, 0, "rsa-a"))
			require.True(t, res.Verified, "%v", res.Errors)
			require.Len(t, res.DevReleaseSigners, 1)
			requirePolicyVerdict(t, res, tc.trusted, tc.codes, nil)
		})
	}
}
