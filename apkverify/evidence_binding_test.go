package apkverify_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apktrust/apktrust/apkverify"
	"github.com/apktrust/apktrust/internal/scheme"
	"github.com/apktrust/apktrust/signer"
)

func issueCodes(l []apkverify.Issue) []signer.Code {
	out := []signer.Code{}
	for _, i := range l {
		out = append(out, i.Code)
	}
	return out
}

// TestEvidenceBindingResignedPlayDelivery is the attack of issue 23 on a
// real Play delivery: its v3 block replaced by one signed with another key
// X over the same content digests. Android 9+ installs the app under X;
// the stamp (content digests only) and the frosting (content + v2 pair)
// still verify, but neither covers X, so neither may count as proof that
// Play delivered this file, whether X is pinned or any signer is accepted.
func TestEvidenceBindingResignedPlayDelivery(t *testing.T) {
	orig := readFile(t, realWorldAPK(t, "play-reasily-base.apk"))
	genuine := verifyBytes(t, orig, apkverify.Options{MinSDK: 28})
	x := newTestKey(t, rand.Reader, "attacker X")
	v3 := resignedSchemeBlock(t, true, x, contentDigests(t, genuine, signer.SchemeV3), 24, scheme.MaxSDK)
	resigned := splitAPK(t, orig).build(replacePair(splitAPK(t, orig).pairs, scheme.BlockIDV3, v3))
	evidence := func(p apkverify.Policy) apkverify.Policy {
		p.RequireSourceStamp, p.RequireFrosting = true, true
		p.TrustedStampCertSHA256 = []string{apkverify.PlayStoreStampCertSHA256}
		return p
	}
	cases := []struct {
		name     string
		file     []byte
		minSDK   int
		policy   apkverify.Policy
		binds    bool
		verified bool
	}{
		{"untouched, API 28+, Play's key pinned", orig, 28, evidence(apkverify.Policy{TrustedCertSHA256: []string{reasilyKey}}), true, true},
		{"untouched, whole range, Play's key pinned", orig, 0, evidence(apkverify.Policy{TrustedCertSHA256: []string{reasilyKey}}), true, true},
		{"untouched, API 28+, any signer", orig, 28, evidence(apkverify.Policy{InsecureAcceptAnySigner: true}), true, true},
		{"v3 re-signed by X, API 28+, X pinned", resigned, 28, evidence(apkverify.Policy{TrustedCertSHA256: []string{x.sha256()}}), false, true},
		{"v3 re-signed by X, API 28+, any signer", resigned, 28, evidence(apkverify.Policy{InsecureAcceptAnySigner: true}), false, true},
		{"v3 re-signed by X, whole range: v3 signer differs from v1/v2", resigned, 0, evidence(apkverify.Policy{InsecureAcceptAnySigner: true}), false, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := c.policy
			res := verifyBytes(t, c.file, apkverify.Options{MinSDK: c.minSDK, Policy: &p})
			require.Equal(t, c.verified, res.Verified, "errors: %v", res.Errors)
			st, fr := res.SourceStamp, res.Frosting
			if !c.verified {
				assert.False(t, res.Trusted)
				assert.True(t, st.Binding == nil || !st.Binding.Binds, "evidence never binds a file that does not verify")
				assert.True(t, fr.Binding == nil || !fr.Binding.Binds)
				return
			}
			require.True(t, st.Verified, "stamp errors: %v", st.Errors)
			require.True(t, fr.Verified, "frosting errors: %v", fr.Errors)
			require.NotNil(t, st.Binding)
			require.NotNil(t, fr.Binding)
			assert.Equal(t, c.binds, st.Binding.Binds)
			assert.Equal(t, c.binds, fr.Binding.Binds)
			assert.Equal(t, []string{reasilyKey}, st.Binding.CoveredSigners, "the stamp covers the JAR signer among the entries")
			assert.Equal(t, []string{reasilyKey}, fr.Binding.CoveredSigners, "frosting covers the JAR and v2 signer")
			assert.Equal(t, c.binds, res.Trusted, "violations: %v", violationCodes(res))
			if c.binds {
				assert.NotContains(t, issueCodes(st.Warnings), signer.StampCodeSignerNotCovered)
				return
			}
			assert.Contains(t, issueCodes(st.Warnings), signer.StampCodeSignerNotCovered)
			assert.Contains(t, issueCodes(fr.Warnings), signer.FrostingCodeSignerNotCovered)
			assert.Contains(t, issueCodes(res.Warnings), signer.StampCodeSignerNotCovered)
			assert.ElementsMatch(t, []signer.Code{apkverify.PolicySourceStampSignerNotCovered, apkverify.PolicyFrostingSignerNotCovered}, violationCodes(res))
		})
	}
}

// TestEvidenceBindingFixtures: stamps made by apksigner --stamp-signer
// (testdata/make-evidence.sh; apksigner says "Verified for SourceStamp:
// true" for all three, testdata/evidence/*.txt) and frosting made here with
// a test key, on files signed by the project's keys.
func TestEvidenceBindingFixtures(t *testing.T) {
	keyA, keyC := keySHA256(t, "rsa-a"), keySHA256(t, "rsa-c")
	x := newTestKey(t, rand.Reader, "attacker X")
	fk, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	frostKeys := []*ecdsa.PublicKey{&fk.PublicKey}

	v1234 := readFile(t, evidenceFixture(t, "evidence-min21-v1234-stamp.apk"))
	v1only := readFile(t, evidenceFixture(t, "evidence-min21-v1-stamp.apk"))
	rot := readFile(t, evidenceFixture(t, "evidence-min21-v123-rot-ab-stamp.apk"))
	genuine := verifyBytes(t, v1234, apkverify.Options{})
	resignV3 := func(b []byte) []byte {
		v3 := resignedSchemeBlock(t, true, x, contentDigests(t, genuine, signer.SchemeV3), 24, scheme.MaxSDK)
		return splitAPK(t, b).build(replacePair(splitAPK(t, b).pairs, scheme.BlockIDV3, v3))
	}
	resignV2 := func(b []byte) []byte {
		v2 := resignedSchemeBlock(t, false, x, contentDigests(t, genuine, signer.SchemeV2), 0, 0)
		return splitAPK(t, b).build(replacePair(splitAPK(t, b).pairs, scheme.BlockIDV2, v2))
	}
	frosted := withFrosting(t, v1234, fk)
	cases := []struct {
		name           string
		file           []byte
		minSDK         int
		stampBinds     bool
		frostingBinds  *bool // nil: no frosting
		stampCovered   []string
		verified       bool
		wantStampState bool // stamp verified
	}{
		{"v1-v4 by A, stamp: binds the JAR signer A", v1234, 0, true, nil, []string{keyA}, true, true},
		{"v1-v4 by A, API 28+ (JAR signature checked for the binding)", v1234, 28, true, nil, []string{keyA}, true, true},
		{"v1 only: the stamp signs MANIFEST.MF only, which names no signer", v1only, 0, false, nil, nil, true, true},
		{"rotation A->B: v3 signer B rotates from the covered A", rot, 0, true, nil, []string{keyA}, true, true},
		{"rotation A->B, API 28+: only B is used, and B's lineage holds A", rot, 28, true, nil, []string{keyA}, true, true},
		{"v3 re-signed by X, API 28+", resignV3(v1234), 28, false, nil, []string{keyA}, true, true},
		{"frosting, untouched", frosted, 28, true, ptr(true), []string{keyA}, true, true},
		{"frosting, v3 re-signed by X, API 28+", resignV3(frosted), 28, false, ptr(false), []string{keyA}, true, true},
		// Re-signing v2 breaks the frosting digest (it hashes the v2
		// pair); the stamp still verifies and, at API 24-27, does not
		// cover X.
		{"v2 re-signed by X, API 24-27", resignV2(v1234), 24, false, nil, []string{keyA}, true, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			opts := apkverify.WithFrostingKeys(apkverify.Options{MinSDK: c.minSDK}, frostKeys)
			if c.name == "v2 re-signed by X, API 24-27" {
				opts.MaxSDK = 27
			}
			p := apkverify.Policy{InsecureAcceptAnySigner: true, RequireSourceStamp: true, TrustedStampCertSHA256: []string{keyC}}
			opts.Policy = &p
			res := verifyBytes(t, c.file, opts)
			require.Equal(t, c.verified, res.Verified, "errors: %v", res.Errors)
			st := res.SourceStamp
			require.Equal(t, c.wantStampState, st.Verified, "stamp errors: %v", st.Errors)
			require.NotNil(t, st.Binding)
			assert.Equal(t, c.stampBinds, st.Binding.Binds)
			want := c.stampCovered
			if want == nil {
				want = []string{}
			}
			assert.Equal(t, want, st.Binding.CoveredSigners)
			assert.Equal(t, c.stampBinds, res.Trusted, "violations %v", violationCodes(res))
			if !c.stampBinds {
				assert.Contains(t, violationCodes(res), apkverify.PolicySourceStampSignerNotCovered)
				assert.Contains(t, issueCodes(st.Warnings), signer.StampCodeSignerNotCovered)
			}
			if c.frostingBinds != nil {
				require.True(t, res.Frosting.Verified, "frosting errors: %v", res.Frosting.Errors)
				assert.Equal(t, *c.frostingBinds, res.Frosting.Binding.Binds)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

// TestUniversalV1Stamp: a v1-only app whose stamp block is a version 1
// block signing the empty digest encoding. Such a signature would fit
// every v1-only APK. apksigner finds no stamp signature, Android 12+
// ignore V1 blocks, and Android 11 needs v2/v3 digests: not verified, and
// a policy requiring the stamp (even pinning that stamp key) fails.
func TestUniversalV1Stamp(t *testing.T) {
	b := readFile(t, evidenceFixture(t, "evidence-min21-v1-stamp.apk"))
	stampKey := loadTestKey(t, "rsa-c")
	sig := stampKey.sign(t, signer.AlgRSAPKCS1SHA256, nil) // over the empty digest encoding
	data := append(lp(stampKey.cert), lp(lp(append(u32(uint32(signer.AlgRSAPKCS1SHA256)), lp(sig)...)))...)
	pairs := replacePair(splitAPK(t, b).pairs, scheme.BlockIDSourceStampV2, nil)
	forged := splitAPK(t, b).build(append(pairs, sbPair{scheme.BlockIDSourceStampV1, lp(data)}))
	for _, minSDK := range []int{0, 30, 31} {
		p := apkverify.Policy{InsecureAcceptAnySigner: true, RequireSourceStamp: true, TrustedStampCertSHA256: []string{stampKey.sha256()}}
		res := verifyBytes(t, forged, apkverify.Options{MinSDK: minSDK, Policy: &p})
		require.True(t, res.Verified, "the app's own signature is intact: %v", res.Errors)
		st := res.SourceStamp
		assert.True(t, st.Present)
		assert.False(t, st.Verified, "API %d+", minSDK)
		assert.Equal(t, 1, st.BlockVersion)
		assert.NotEmpty(t, st.Errors)
		assert.False(t, res.Trusted)
		assert.Contains(t, violationCodes(res), apkverify.PolicySourceStampNotVerified)
	}
}

// TestV4EvidenceFixtures: the apksigner-made .idsig of the stamped fixture
// verifies (apksigner: v4 true), and one with bytes after its Merkle tree
// verifies with a warning (apksigner: v4 true, testdata/evidence).
func TestV4EvidenceFixtures(t *testing.T) {
	for _, c := range []struct {
		apk, idsig string
		warn       []signer.Code
	}{
		{"evidence-min21-v1234-stamp.apk", "evidence-min21-v1234-stamp.apk.idsig", nil},
		{"min21-v1234.apk", "evidence-min21-v1234.trailing.idsig", []signer.Code{signer.V4CodeTrailingBytes}},
	} {
		idsig := readFile(t, evidenceFixture(t, c.idsig))
		res := verifyBytes(t, readFile(t, evidenceFixture(t, c.apk)), apkverify.Options{V4Signature: bytes.NewReader(idsig), V4SignatureSize: int64(len(idsig))})
		assert.True(t, res.Verified, "%s: %v", c.idsig, res.Errors)
		assert.True(t, res.Schemes.V4, c.idsig)
		got := issueCodes(res.V4.Warnings)
		if c.warn == nil {
			assert.Empty(t, got)
		} else {
			assert.Equal(t, c.warn, got)
		}
	}
}

// TestEvidenceBindsOnPlayDeliveries: the seven real Play stamps and both
// frosting blocks verify and bind on the untouched files, on the app's
// range, from API 28 (v3 only, the JAR signature checked for the binding)
// and from API 33 (v3.1 on the rotated apps, whose stamps must then sign
// the v3 block's digests, and whose v3.1 signer rotates from the covered
// key).
func TestEvidenceBindsOnPlayDeliveries(t *testing.T) {
	stamped := []string{"play-google-calculator_85005519-standalone.apk", "play-noteit-split_config.en.apk",
		"play-noteit-split_config.xxhdpi.apk", "play-reasily-base.apk", "play-reasily-split_config.arm64_v8a.apk",
		"play-spotify-split_config.en.apk", "play-youtube-split_config.en.apk"}
	frosted := []string{"play-google-calculator_78000303.apk", "play-reasily-base.apk"}
	n := 0
	for _, name := range slices.Compact(slices.Sorted(slices.Values(append(append([]string{}, stamped...), frosted...)))) {
		path := realWorldAPK(t, name)
		for _, minSDK := range []int{0, 28, 33} {
			res, err := apkverify.VerifyFile(context.Background(), path, apkverify.Options{MinSDK: minSDK})
			require.NoError(t, err)
			require.True(t, res.Verified, "%s API %d+: %v", name, minSDK, res.Errors)
			if slices.Contains(stamped, name) {
				st := res.SourceStamp
				require.True(t, st.Verified, "%s API %d+: %v", name, minSDK, st.Errors)
				require.NotNil(t, st.Binding)
				assert.True(t, st.Binding.Binds, "%s API %d+: %v", name, minSDK, st.Warnings)
				assert.Contains(t, st.VerifiedSchemes, scheme.StampSchemeV3, "%s API %d+", name, minSDK)
				n++
			}
			if slices.Contains(frosted, name) {
				fr := res.Frosting
				require.True(t, fr.Verified, "%s API %d+: %v", name, minSDK, fr.Errors)
				require.NotNil(t, fr.Binding)
				assert.True(t, fr.Binding.Binds, "%s API %d+: %v", name, minSDK, fr.Warnings)
				n++
			}
		}
	}
	t.Logf("%d stamp/frosting verdicts on untouched Play deliveries: all verify and bind", n)
}
