package apkverify_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/apktrust/apktrust/apkverify"
	"github.com/apktrust/apktrust/internal/apkzip"
	"github.com/apktrust/apktrust/internal/scheme"
	"github.com/apktrust/apktrust/signer"
)

// Signing certificates of the real-world Play files.
const (
	// play-reasily-base.apk: stamped by Google Play, with frosting.
	reasilyKey = "eb7562595921795e5936d9c1c90cfdd0fedf79a7f187f3be7b75b9bc30d4e192"
	// A stamp certificate nobody uses.
	otherStampCert = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
)

// withFlippedPairByte copies a real-world APK to a temporary file with the
// last byte of the signing-block pair id flipped. The pairs are not
// covered by each other's signatures, so flipping one breaks only the
// signature that pair holds.
func withFlippedPairByte(t *testing.T, name string, id uint32) string {
	t.Helper()
	src := realWorldAPK(t, name)
	b, err := os.ReadFile(src)
	require.NoError(t, err)
	a, err := apkzip.Open(bytes.NewReader(b), int64(len(b)))
	require.NoError(t, err)
	p, ok := a.SigningBlock().Find(id)
	require.True(t, ok, "%s has no pair 0x%08x", name, id)
	b[p.ValueOffset+p.ValueSize-1] ^= 0x01
	out := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(out, b, 0o600))
	return out
}

// TestEvidencePolicy covers Policy.RequireSourceStamp and
// Policy.RequireFrosting on real Play deliveries and on files that were
// not delivered by Play.
func TestEvidencePolicy(t *testing.T) {
	real := func(name string) func(t *testing.T) string {
		return func(t *testing.T) string { return realWorldAPK(t, name) }
	}
	otherKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	cases := []struct {
		name         string
		file         func(t *testing.T) string
		policy       apkverify.Policy
		frostingKeys []*ecdsa.PublicKey
		// wantVerified is the signature verdict, which evidence never
		// changes.
		wantVerified   bool
		wantTrusted    bool
		wantViolations []signer.Code
		wantMessage    []string
	}{
		{
			name: "Play delivery with the Play stamp and its signing key",
			file: real("play-reasily-base.apk"),
			policy: apkverify.Policy{TrustedCertSHA256: []string{reasilyKey}, RequireSourceStamp: true,
				TrustedStampCertSHA256: []string{apkverify.PlayStoreStampCertSHA256}},
			wantVerified: true, wantTrusted: true,
		},
		{
			name: "stamp certificate pinned in keytool's colon form",
			file: real("play-reasily-base.apk"),
			policy: apkverify.Policy{TrustedCertSHA256: []string{reasilyKey}, RequireSourceStamp: true,
				TrustedStampCertSHA256: []string{colonUpper(apkverify.PlayStoreStampCertSHA256)}},
			wantVerified: true, wantTrusted: true,
		},
		{
			name: "F-Droid build has no Play stamp",
			file: real("fdroid-org.sajeg.fallingblocks_3.apk"),
			policy: apkverify.Policy{InsecureAcceptAnySigner: true, RequireSourceStamp: true,
				TrustedStampCertSHA256: []string{apkverify.PlayStoreStampCertSHA256}},
			wantVerified: true, wantViolations: []signer.Code{apkverify.PolicySourceStampMissing},
			wantMessage: []string{apkverify.PlayStoreStampCertSHA256, "no source stamp"},
		},
		{
			name: "Play stamp when another stamp certificate is required",
			file: real("play-reasily-base.apk"),
			policy: apkverify.Policy{TrustedCertSHA256: []string{reasilyKey}, RequireSourceStamp: true,
				TrustedStampCertSHA256: []string{otherStampCert}},
			wantVerified: true, wantViolations: []signer.Code{apkverify.PolicySourceStampUntrusted},
			wantMessage: []string{"signed by " + apkverify.PlayStoreStampCertSHA256, "expected one of " + otherStampCert},
		},
		{
			name: "stamp requirement does not replace the signing key",
			file: real("play-reasily-base.apk"),
			policy: apkverify.Policy{RequireSourceStamp: true,
				TrustedStampCertSHA256: []string{apkverify.PlayStoreStampCertSHA256}},
			wantVerified: true, wantViolations: []signer.Code{apkverify.PolicyNoTrustedKey},
		},
		{
			name: "stamp whose signature was tampered with",
			file: func(t *testing.T) string {
				return withFlippedPairByte(t, "play-reasily-base.apk", scheme.BlockIDSourceStampV2)
			},
			policy: apkverify.Policy{TrustedCertSHA256: []string{reasilyKey}, RequireSourceStamp: true,
				TrustedStampCertSHA256: []string{apkverify.PlayStoreStampCertSHA256}},
			wantVerified: true, wantViolations: []signer.Code{apkverify.PolicySourceStampNotVerified},
			wantMessage: []string{"did not verify", "proves nothing"},
		},
		{
			name: "stamp of a file whose signatures fail is not checked",
			file: func(t *testing.T) string {
				return withFlippedPairByte(t, "play-reasily-base.apk", scheme.BlockIDV3)
			},
			policy: apkverify.Policy{TrustedCertSHA256: []string{reasilyKey}, RequireSourceStamp: true,
				TrustedStampCertSHA256: []string{apkverify.PlayStoreStampCertSHA256}},
			wantVerified: false, wantViolations: []signer.Code{apkverify.PolicyNotVerified, apkverify.PolicySourceStampNotVerified},
			wantMessage: []string{string(apkverify.CodeStampNotChecked)},
		},
		{
			name:         "Play frosting with the app's signing key",
			file:         real("play-google-calculator_78000303.apk"),
			policy:       apkverify.Policy{TrustedCertSHA256: []string{calculatorOldKey}, RequireFrosting: true},
			wantVerified: true, wantTrusted: true,
		},
		{
			name:         "no frosting on a file built outside Play",
			file:         func(t *testing.T) string { return fixture(t, "min21-v123.apk") },
			policy:       apkverify.Policy{InsecureAcceptAnySigner: true, RequireFrosting: true},
			wantVerified: true, wantViolations: []signer.Code{apkverify.PolicyFrostingMissing},
		},
		{
			name:         "frosting that does not verify with the known keys",
			file:         real("play-google-calculator_78000303.apk"),
			policy:       apkverify.Policy{TrustedCertSHA256: []string{calculatorOldKey}, RequireFrosting: true},
			frostingKeys: []*ecdsa.PublicKey{&otherKey.PublicKey},
			wantVerified: true, wantViolations: []signer.Code{apkverify.PolicyFrostingNotVerified},
			wantMessage: []string{string(signer.FrostingCodeSignatureDidNotVer)},
		},
		{
			name:         "frosting with an unknown key index",
			file:         real("play-google-calculator_78000303.apk"),
			policy:       apkverify.Policy{TrustedCertSHA256: []string{calculatorOldKey}, RequireFrosting: true},
			frostingKeys: []*ecdsa.PublicKey{},
			wantVerified: true, wantViolations: []signer.Code{apkverify.PolicyFrostingNotVerified},
			wantMessage: []string{"unknown key index 0"},
		},
		{
			name: "stamp and frosting both required and both present",
			file: real("play-reasily-base.apk"),
			policy: apkverify.Policy{TrustedCertSHA256: []string{reasilyKey}, RequireFrosting: true,
				RequireSourceStamp: true, TrustedStampCertSHA256: []string{apkverify.PlayStoreStampCertSHA256}},
			wantVerified: true, wantTrusted: true,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := c.policy
			res, err := apkverify.VerifyFile(context.Background(), c.file(t), apkverify.WithFrostingKeys(apkverify.Options{Policy: &p}, c.frostingKeys))
			require.NoError(t, err)
			require.Equal(t, c.wantVerified, res.Verified, "errors: %v", res.Errors)
			require.Equal(t, c.wantTrusted, res.Trusted, "violations: %v", res.Policy.Violations)
			require.ElementsMatch(t, c.wantViolations, violationCodes(res))
			var msgs []string
			for _, v := range res.Policy.Violations {
				msgs = append(msgs, v.Message)
			}
			all := strings.Join(msgs, "\n")
			for _, m := range c.wantMessage {
				require.Contains(t, all, m)
			}
			if c.wantTrusted {
				require.NoError(t, res.Err())
			} else {
				require.ErrorIs(t, res.Err(), apkverify.ErrUntrusted)
			}
		})
	}
}

func colonUpper(h string) string {
	var parts []string
	for i := 0; i < len(h); i += 2 {
		parts = append(parts, strings.ToUpper(h[i:i+2]))
	}
	return strings.Join(parts, ":")
}

// TestFrostingNeverChangesVerdict: whatever happens to frosting, the
// signature verdict, errors and warnings stay those of the signatures.
func TestFrostingNeverChangesVerdict(t *testing.T) {
	otherKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	ctx := context.Background()
	file := realWorldAPK(t, "play-reasily-base.apk")
	base, err := apkverify.VerifyFile(ctx, file, apkverify.Options{})
	require.NoError(t, err)
	require.True(t, base.Verified)
	require.True(t, base.Frosting.Verified)
	for _, c := range []struct {
		name string
		file string
		keys []*ecdsa.PublicKey
	}{
		{"wrong key", file, []*ecdsa.PublicKey{&otherKey.PublicKey}},
		{"no known key", file, []*ecdsa.PublicKey{}},
		{"tampered frosting block", withFlippedPairByte(t, "play-reasily-base.apk", scheme.BlockIDFrosting), nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			res, err := apkverify.VerifyFile(ctx, c.file, apkverify.WithFrostingKeys(apkverify.Options{}, c.keys))
			require.NoError(t, err)
			require.True(t, res.Frosting.Present)
			require.False(t, res.Frosting.Verified)
			require.True(t, res.Verified, "errors: %v", res.Errors)
			require.Equal(t, base.Schemes, res.Schemes)
			require.Equal(t, base.Errors, res.Errors)
			require.Equal(t, base.Warnings, res.Warnings, "frosting problems are reported in Frosting only")
			require.NoError(t, res.Err())
		})
	}
}

// TestEvidenceOptionsValidated: a stamp requirement without trusted stamp
// certificates, or trusted stamp certificates without the requirement,
// is a mistake reported before any file is read.
func TestEvidenceOptionsValidated(t *testing.T) {
	for _, c := range []struct {
		name   string
		policy apkverify.Policy
		want   string
	}{
		{"stamp required, no certificate", apkverify.Policy{InsecureAcceptAnySigner: true, RequireSourceStamp: true}, "TrustedStampCertSHA256"},
		{"certificate without the requirement", apkverify.Policy{InsecureAcceptAnySigner: true, TrustedStampCertSHA256: []string{otherStampCert}}, "RequireSourceStamp"},
		{"malformed stamp certificate", apkverify.Policy{InsecureAcceptAnySigner: true, RequireSourceStamp: true, TrustedStampCertSHA256: []string{"12:34"}}, `"12:34"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := c.policy
			_, err := apkverify.VerifyFile(context.Background(), fixture(t, "min21-v123.apk"), apkverify.Options{Policy: &p})
			require.ErrorIs(t, err, apkverify.ErrInvalidOptions)
			require.ErrorContains(t, err, c.want)
		})
	}
}

// TestEvidenceJSON pins the encoding of sourceStamp, v4 and frosting:
// always present, with every documented key, and no "missing" error for
// evidence a file simply does not have.
func TestEvidenceJSON(t *testing.T) {
	ctx := context.Background()
	stampKeys := []string{"present", "verified", "status", "certSha256", "playStoreCert", "timestamp", "source", "type", "lineage", "errors", "warnings"}
	v4Keys := []string{"present", "verified", "certSha256", "rootHash", "errors", "warnings"}
	frostingKeys := []string{"present", "verified", "keyIndex", "apkSha256", "computedSha256", "errors", "warnings"}
	encode := func(t *testing.T, res *apkverify.Result) map[string]map[string]any {
		b, err := json.Marshal(res)
		require.NoError(t, err)
		var m map[string]any
		require.NoError(t, json.Unmarshal(b, &m))
		out := map[string]map[string]any{}
		for k, keys := range map[string][]string{"sourceStamp": stampKeys, "v4": v4Keys, "frosting": frostingKeys} {
			require.Contains(t, m, k)
			o := m[k].(map[string]any)
			for _, key := range keys {
				require.Contains(t, o, key, "%s.%s", k, key)
			}
			out[k] = o
		}
		// Stored results read back the same.
		var back apkverify.Result
		require.NoError(t, json.Unmarshal(b, &back))
		b2, err := json.Marshal(&back)
		require.NoError(t, err)
		require.JSONEq(t, string(b), string(b2))
		return out
	}
	t.Run("Play delivery", func(t *testing.T) {
		res, err := apkverify.VerifyFile(ctx, realWorldAPK(t, "play-reasily-base.apk"), apkverify.Options{})
		require.NoError(t, err)
		m := encode(t, res)
		st := m["sourceStamp"]
		require.Equal(t, true, st["present"])
		require.Equal(t, true, st["verified"])
		require.Equal(t, apkverify.PlayStoreStampCertSHA256, st["certSha256"])
		require.Equal(t, true, st["playStoreCert"])
		require.Equal(t, "https://play.google.com/store", st["source"])
		require.Equal(t, "STAMP_TYPE_DISTRIBUTION_APK", st["type"])
		require.Greater(t, st["timestamp"], float64(1700000000))
		require.Equal(t, []any{}, st["errors"])
		fr := m["frosting"]
		require.Equal(t, true, fr["present"])
		require.Equal(t, true, fr["verified"])
		require.Equal(t, float64(0), fr["keyIndex"])
		require.Equal(t, map[string]any{"present": false, "verified": false, "certSha256": []any{}, "rootHash": "", "errors": []any{}, "warnings": []any{}}, m["v4"])
	})
	t.Run("stamp without timestamp", func(t *testing.T) {
		res, err := apkverify.VerifyFile(ctx, realWorldAPK(t, "play-noteit-split_config.en.apk"), apkverify.Options{})
		require.NoError(t, err)
		st := encode(t, res)["sourceStamp"]
		require.Equal(t, true, st["verified"])
		require.Nil(t, st["timestamp"], "no timestamp is null, not 1970")
	})
	t.Run("file without any evidence", func(t *testing.T) {
		res, err := apkverify.VerifyFile(ctx, fixture(t, "min21-v123.apk"), apkverify.Options{})
		require.NoError(t, err)
		m := encode(t, res)
		require.Equal(t, false, m["sourceStamp"]["present"])
		require.Equal(t, false, m["sourceStamp"]["verified"])
		require.Equal(t, string(signer.StampMissing), m["sourceStamp"]["status"])
		require.Equal(t, []any{}, m["sourceStamp"]["errors"], "a file without a stamp has nothing wrong with it")
		require.Equal(t, false, m["frosting"]["present"])
		require.Nil(t, m["frosting"]["keyIndex"])
		require.Equal(t, false, m["v4"]["present"])
		for _, w := range res.Warnings {
			require.NotContains(t, w.Code, "SOURCE_STAMP")
		}
	})
	t.Run("v4 file", func(t *testing.T) {
		for _, c := range []struct {
			idsig    string
			verified bool
			code     signer.Code
		}{
			{"min21-v1234.apk.idsig", true, ""},
			{"min21-v1234.sig-tampered.idsig", false, signer.V4CodeDidNotVerify},
		} {
			t.Run(c.idsig, func(t *testing.T) {
				f, err := os.Open(fixture(t, c.idsig))
				require.NoError(t, err)
				defer f.Close()
				st, err := f.Stat()
				require.NoError(t, err)
				res, err := apkverify.VerifyFile(ctx, fixture(t, "min21-v1234.apk"), apkverify.Options{V4Signature: f, V4SignatureSize: st.Size()})
				require.NoError(t, err)
				v4 := encode(t, res)["v4"]
				require.Equal(t, true, v4["present"])
				require.Equal(t, c.verified, v4["verified"])
				require.Equal(t, c.verified, res.Schemes.V4)
				require.Equal(t, c.verified, res.Verified)
				if c.code != "" {
					require.Equal(t, string(c.code), v4["errors"].([]any)[0].(map[string]any)["code"])
				}
			})
		}
	})
}
