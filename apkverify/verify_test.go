package apkverify_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/apktrust/apktrust/apkverify"
	"github.com/apktrust/apktrust/internal/scheme"
	"github.com/apktrust/apktrust/signer"
)

// TestSignersPerSDKRange checks the signer identity reported for each
// range of Android versions, which is what a rotation-aware user needs.
func TestSignersPerSDKRange(t *testing.T) {
	type span struct {
		scheme     signer.Scheme
		key        string // fixture key name, or a literal SHA-256
		minSDK     int
		maxSDK     int
		rotatedKey bool
	}
	cases := []struct {
		name string
		file func(t *testing.T) string
		opts apkverify.Options
		want []span
	}{
		{"v1+v2+v3, minSdk 21", func(t *testing.T) string { return fixture(t, "min21-v123.apk") }, apkverify.Options{},
			[]span{{signer.SchemeV1, "rsa-a", 21, 23, false}, {signer.SchemeV2, "rsa-a", 24, 27, false}, {signer.SchemeV3, "rsa-a", 28, scheme.MaxSDK, false}}},
		{"v1+v2+v3 checked from API 28 only: v3 alone counts", func(t *testing.T) string { return fixture(t, "min21-v123.apk") }, apkverify.Options{MinSDK: 28},
			[]span{{signer.SchemeV3, "rsa-a", 28, scheme.MaxSDK, false}}},
		{"v1+v2+v3 checked up to API 23: v1 alone counts", func(t *testing.T) string { return fixture(t, "min21-v123.apk") }, apkverify.Options{MaxSDK: 23},
			[]span{{signer.SchemeV1, "rsa-a", 21, 23, false}}},
		{"v1 only: JAR signature everywhere", func(t *testing.T) string { return fixture(t, "min21-v1-rsa.apk") }, apkverify.Options{},
			[]span{{signer.SchemeV1, "rsa-a", 21, scheme.MaxSDK, false}}},
		{"rotation A to B: old key before P, new key from P", func(t *testing.T) string { return fixture(t, "min21-v123-rot-ab.apk") }, apkverify.Options{},
			[]span{{signer.SchemeV1, "rsa-a", 21, 23, false}, {signer.SchemeV2, "rsa-a", 24, 27, false}, {signer.SchemeV3, "rsa-b", 28, scheme.MaxSDK, true}}},
		{"Play v3.1 key upgrade: new key from the v3.1 signer's API 34", func(t *testing.T) string { return corpusAPK(t, "v31-rsa-2048_2-tgt-34-1-tgt-28.apk") }, apkverify.Options{MinSDK: 30},
			[]span{{signer.SchemeV3, corpusOldKey, 30, 33, false}, {signer.SchemeV31, corpusNewKey, 34, scheme.MaxSDK, true}}},
	}
	ctx := context.Background()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res, err := apkverify.VerifyFile(ctx, c.file(t), c.opts)
			require.NoError(t, err)
			require.True(t, res.Verified, "errors: %v", res.Errors)
			var got []span
			for _, s := range res.Signers {
				got = append(got, span{s.Scheme, s.CertSHA256, s.MinSDK, s.MaxSDK, s.Rotated})
			}
			want := make([]span, len(c.want))
			for i, w := range c.want {
				want[i] = w
				if len(w.key) != 64 {
					want[i].key = keySHA256(t, w.key)
				}
			}
			require.Equal(t, want, got)
		})
	}
}

// TestPlayKeyUpgradeSigners: after Play's key upgrade, Android 13+ uses the
// new key (v3.1) and older versions the old one; the lineage runs old →
// new.
func TestPlayKeyUpgradeSigners(t *testing.T) {
	res, err := apkverify.VerifyFile(context.Background(), realWorldAPK(t, "play-google-calculator_85005519-standalone.apk"), apkverify.Options{})
	require.NoError(t, err)
	require.True(t, res.Verified, "errors: %v", res.Errors)
	require.Equal(t, apkverify.Schemes{V1: true, V2: true, V3: true, V31: true}, res.Schemes)
	last := res.Signers[len(res.Signers)-1]
	require.Equal(t, signer.SchemeV31, last.Scheme)
	require.Equal(t, calculatorNewKey, last.CertSHA256)
	require.Equal(t, 33, last.MinSDK)
	for _, s := range res.Signers[:len(res.Signers)-1] {
		require.Equal(t, calculatorOldKey, s.CertSHA256, "%s signer", s.Scheme)
		require.Less(t, s.MaxSDK, 33)
	}
	require.Len(t, res.Lineage, 2)
	require.Equal(t, calculatorOldKey, res.Lineage[0].CertSHA256)
	require.Equal(t, calculatorNewKey, res.Lineage[1].CertSHA256)
	require.NotNil(t, res.SourceStamp)
	require.True(t, res.SourceStamp.Verified)
}

// TestJSONContract pins the field names of the encoding, which other
// programs parse.
func TestJSONContract(t *testing.T) {
	ctx := context.Background()
	decode := func(t *testing.T, res *apkverify.Result) map[string]any {
		b, err := json.Marshal(res)
		require.NoError(t, err)
		var m map[string]any
		require.NoError(t, json.Unmarshal(b, &m))
		return m
	}
	t.Run("verified file with a policy", func(t *testing.T) {
		res, err := apkverify.VerifyFile(ctx, fixture(t, "min21-v123-rot-ab.apk"), apkverify.Options{Policy: &apkverify.Policy{TrustedCertSHA256: []string{keySHA256(t, "rsa-a")}}})
		require.NoError(t, err)
		m := decode(t, res)
		for _, k := range []string{"file", "verified", "schemes", "signers", "lineage", "manifest", "errors", "warnings", "trusted", "policy"} {
			require.Contains(t, m, k)
		}
		require.Equal(t, true, m["verified"])
		require.Equal(t, true, m["trusted"])
		require.Equal(t, map[string]any{"v1": true, "v2": true, "v3": true, "v31": false, "v4": false}, m["schemes"])
		s := m["signers"].([]any)[2].(map[string]any)
		require.Equal(t, keySHA256(t, "rsa-b"), s["certSha256"])
		require.Equal(t, "CN=apktrust test B,O=apktrust test keys", s["subject"])
		require.Equal(t, float64(28), s["minSdk"])
		require.Equal(t, float64(scheme.MaxSDK), s["maxSdk"])
		require.Equal(t, "v3", s["scheme"])
		l := m["lineage"].([]any)
		require.Len(t, l, 2)
		require.Equal(t, keySHA256(t, "rsa-a"), l[0].(map[string]any)["certSha256"])
		require.Equal(t, []any{"installedData", "sharedUid", "permission", "auth"}, l[0].(map[string]any)["capabilities"])
		man := m["manifest"].(map[string]any)
		require.Equal(t, "dev.apktrust.fixture", man["package"])
		require.Equal(t, float64(7), man["versionCode"])
		require.Equal(t, "1.2.3", man["versionName"])
		require.Equal(t, float64(21), man["minSdk"])
		require.Equal(t, float64(29), man["targetSdk"])
		require.Equal(t, false, man["debuggable"])
		require.Equal(t, []any{}, m["errors"])
		pol := m["policy"].(map[string]any)
		// Trusted through rotation from the pinned key with no history:
		// the policy says so in warnings (omitted when there is none).
		w := pol["warnings"].([]any)
		require.Len(t, w, 1)
		require.Equal(t, string(apkverify.PolicyRotationWithoutHistory), w[0].(map[string]any)["code"])
		delete(pol, "warnings")
		require.Equal(t, map[string]any{"applied": true, "violations": []any{}, "trustedSigner": keySHA256(t, "rsa-b")}, pol)
	})
	t.Run("failed file without a policy", func(t *testing.T) {
		res, err := apkverify.VerifyFile(ctx, fixture(t, "tamper-v2-signature.apk"), apkverify.Options{})
		require.NoError(t, err)
		m := decode(t, res)
		require.NotContains(t, m, "trusted", "trusted is only encoded when a policy was given")
		require.NotContains(t, m, "policy")
		require.Equal(t, false, m["verified"])
		e := m["errors"].([]any)[0].(map[string]any)
		require.Equal(t, "V2_SIG_DID_NOT_VERIFY", e["code"])
		require.Equal(t, "v2", e["scheme"])
		require.NotEmpty(t, e["message"])
	})
	t.Run("untrusted file encodes trusted=false and the violation", func(t *testing.T) {
		res, err := apkverify.VerifyFile(ctx, fixture(t, "min21-v123.apk"), apkverify.Options{Policy: &apkverify.Policy{TrustedCertSHA256: []string{keySHA256(t, "rsa-b")}}})
		require.NoError(t, err)
		m := decode(t, res)
		require.Equal(t, false, m["trusted"])
		v := m["policy"].(map[string]any)["violations"].([]any)[0].(map[string]any)
		require.Equal(t, string(apkverify.PolicyUntrustedSigner), v["code"])
		// A stored result reads back with the same verdicts.
		b, err := json.Marshal(res)
		require.NoError(t, err)
		var back apkverify.Result
		require.NoError(t, json.Unmarshal(b, &back))
		require.Equal(t, res.Verified, back.Verified)
		require.Equal(t, res.Trusted, back.Trusted)
		require.Equal(t, res.Policy.Violations, back.Policy.Violations)
		require.Equal(t, res.Signers[0].CertSHA256, back.Signers[0].CertSHA256)
	})
}

// TestVerifyErrors covers what stops verification: each is an error of a
// documented kind, never a Result.
func TestVerifyErrors(t *testing.T) {
	ctx := context.Background()
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	notZip := filepath.Join(t.TempDir(), "not.apk")
	require.NoError(t, os.WriteFile(notZip, bytes.Repeat([]byte("not a zip "), 100), 0o644))
	cases := []struct {
		name     string
		ctx      context.Context
		path     func(t *testing.T) string
		opts     apkverify.Options
		wantKind error
		wantCode signer.Code
	}{
		{"missing file", ctx, func(t *testing.T) string { return filepath.Join(t.TempDir(), "nope.apk") }, apkverify.Options{}, apkverify.ErrIO, signer.CodeIO},
		{"a directory", ctx, func(t *testing.T) string { return t.TempDir() }, apkverify.Options{}, apkverify.ErrIO, signer.CodeIO},
		{"not a ZIP", ctx, func(t *testing.T) string { return notZip }, apkverify.Options{}, apkverify.ErrNotAPK, "ZIP_EOCD_NOT_FOUND"},
		{"truncated central directory (apksig throws)", ctx, func(t *testing.T) string { return corpusAPK(t, "v2-only-truncated-cd.apk") }, apkverify.Options{}, apkverify.ErrNotAPK, "ZIP_CENTRAL_DIRECTORY_OUT_OF_RANGE"},
		{"no manifest, minSdk needed from it", ctx, func(t *testing.T) string { return corpusAPK(t, "v2-only-empty.apk") }, apkverify.Options{}, apkverify.ErrManifest, "MANIFEST_MISSING"},
		{"no manifest, needed for the sandbox rule", ctx, func(t *testing.T) string { return corpusAPK(t, "v2-only-empty.apk") }, apkverify.Options{MinSDK: 24}, apkverify.ErrManifest, "MANIFEST_MISSING"},
		{"MinSDK above MaxSDK", ctx, func(t *testing.T) string { return fixture(t, "min21-v123.apk") }, apkverify.Options{MinSDK: 30, MaxSDK: 29}, apkverify.ErrInvalidOptions, apkverify.CodeInvalidOptions},
		{"manifest minSdk above MaxSDK", ctx, func(t *testing.T) string { return fixture(t, "min21-v123.apk") }, apkverify.Options{MaxSDK: 20}, apkverify.ErrInvalidOptions, apkverify.CodeInvalidOptions},
		{"unknown required scheme", ctx, func(t *testing.T) string { return fixture(t, "min21-v123.apk") }, apkverify.Options{Policy: &apkverify.Policy{InsecureAcceptAnySigner: true, RequireSchemes: []signer.Scheme{"v9"}}}, apkverify.ErrInvalidOptions, apkverify.CodeInvalidOptions},
		{"cancelled context", cancelled, func(t *testing.T) string { return fixture(t, "min21-v123.apk") }, apkverify.Options{}, context.Canceled, apkverify.CodeContextCancelled},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res, err := apkverify.VerifyFile(c.ctx, c.path(t), c.opts)
			require.Nil(t, res)
			require.ErrorIs(t, err, c.wantKind)
			var ve *signer.Error
			require.True(t, errors.As(err, &ve))
			require.Equal(t, c.wantCode, ve.Code)
		})
	}
}

// TestMaxSDKBelowManifestTarget: an app without the manifest is only an
// error when the range needs it; with an explicit range below API 26 the
// JAR signature decides alone, as apksig does.
func TestNoManifestNeededForOldRange(t *testing.T) {
	res, err := apkverify.VerifyFile(context.Background(), corpusAPK(t, "v1-only-empty.apk"), apkverify.Options{MinSDK: 18, MaxSDK: 25})
	require.NoError(t, err, "the range needs neither minSdk nor targetSandboxVersion")
	require.Nil(t, res.Manifest)
	require.Equal(t, signer.SchemeV1, res.SchemeResults[0].Scheme)
}

// TestV4 covers the .idsig file: verified with its APK, an error with a
// tampered one (apksigner 31 still says "Verifies" there; a device would
// refuse the incremental install).
func TestV4(t *testing.T) {
	cases := []struct {
		name, apk, idsig string
		want             bool
	}{
		{"matching idsig", "min21-v1234.apk", "min21-v1234.apk.idsig", true},
		{"signature tampered", "min21-v1234.apk", "min21-v1234.sig-tampered.idsig", false},
		{"Merkle tree tampered", "min21-v1234.apk", "min21-v1234.tree-tampered.idsig", false},
		{"idsig of another APK", "min24-v1234.apk", "min21-v1234.apk.idsig", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, err := os.Open(fixture(t, c.idsig))
			require.NoError(t, err)
			defer f.Close()
			st, err := f.Stat()
			require.NoError(t, err)
			res, err := apkverify.VerifyFile(context.Background(), fixture(t, c.apk), apkverify.Options{V4Signature: f, V4SignatureSize: st.Size()})
			require.NoError(t, err)
			require.Equal(t, c.want, res.Schemes.V4)
			require.Equal(t, c.want, res.Verified, "errors: %v", res.Errors)
			if !c.want {
				require.NotEmpty(t, res.Errors)
				require.Equal(t, signer.SchemeV4, res.Errors[0].Scheme)
			}
		})
	}
}

// TestAndroidRules checks the platform rules that depend on the manifest
// and the SDK range, each with the issue users see.
func TestAndroidRules(t *testing.T) {
	cases := []struct {
		name         string
		apk          string
		opts         apkverify.Options
		wantVerified bool
		wantError    signer.Code
		wantWarning  signer.Code
	}{
		{"targetSandboxVersion 2 needs v2+", "sandbox2-v1.apk", apkverify.Options{}, false, apkverify.CodeNoSigForSandbox, ""},
		{"targetSandboxVersion 2 is fine below Android O", "sandbox2-v1.apk", apkverify.Options{MaxSDK: 23}, true, "", ""},
		{"targetSandboxVersion 2 with v2", "sandbox2-v123.apk", apkverify.Options{}, true, "", ""},
		{"targetSdk 33 needs v2+", "target33-v1.apk", apkverify.Options{}, false, apkverify.CodeMinSchemeForTargetSDK, ""},
		{"targetSdk 33 does not matter for a range below it", "target33-v1.apk", apkverify.Options{MaxSDK: 23}, true, "", ""},
		{"v2 only needs v1 below API 24", "min21-v2.apk", apkverify.Options{}, false, "JAR_SIG_NO_MANIFEST", ""},
		{"v2 only from API 24", "min21-v2.apk", apkverify.Options{MinSDK: 24}, true, "", ""},
		{"v3 only from API 24: apksig accepts, devices at 24-27 do not", "min21-v3.apk", apkverify.Options{MinSDK: 24}, true, "", apkverify.CodeNoSigBeforeP},
		{"v3 only from API 28", "min21-v3.apk", apkverify.Options{MinSDK: 28}, true, "", ""},
		{"broken v2 does not matter from API 28", "tamper-v2-signature.apk", apkverify.Options{MinSDK: 28}, true, "", ""},
		{"broken v2 matters for API 24-27", "tamper-v2-signature.apk", apkverify.Options{}, false, "V2_SIG_DID_NOT_VERIFY", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res, err := apkverify.VerifyFile(context.Background(), fixture(t, c.apk), c.opts)
			require.NoError(t, err)
			require.Equal(t, c.wantVerified, res.Verified, "errors: %v", res.Errors)
			if c.wantError != "" {
				require.Contains(t, codes(res.Errors), c.wantError)
			}
			if c.wantWarning != "" {
				require.Contains(t, codes(res.Warnings), c.wantWarning)
			} else {
				require.NotContains(t, codes(res.Warnings), apkverify.CodeNoSigBeforeP)
			}
		})
	}
}
