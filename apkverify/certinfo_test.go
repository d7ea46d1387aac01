package apkverify_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apktrust/apktrust/apkverify"
	"github.com/apktrust/apktrust/signer"
)

// TestSignerCertificateFields checks the fingerprints and validity the
// result reports for a fixture signer, against what openssl and
// apksigner print for testdata/keys/rsa-a.x509.pem.
func TestSignerCertificateFields(t *testing.T) {
	res, err := apkverify.VerifyFile(context.Background(), fixture(t, "min21-v123.apk"), apkverify.Options{})
	require.NoError(t, err)
	require.NotEmpty(t, res.Signers)
	b, err := json.Marshal(res)
	require.NoError(t, err)
	var m struct {
		Signers []map[string]any `json:"signers"`
	}
	require.NoError(t, json.Unmarshal(b, &m))
	s := m.Signers[0]
	assert.Equal(t, keySHA256(t, "rsa-a"), s["certSha256"])
	assert.Equal(t, "37a44c2d2343da2ae50585d81737a09c349bd3ba", s["certSha1"])
	assert.Equal(t, "32efc7f704a4c5c3b0022300a341a6d6", s["certMd5"])
	assert.Equal(t, "95689aa76fd8ee4495649fcfb579c6254d1aeea83d37ced35ff2d8db54ccc46a", s["publicKeySha256"])
	assert.Equal(t, "2026-11-28T16:47:44Z", s["notBefore"])
	assert.Equal(t, "2126-11-04T16:47:44Z", s["notAfter"])
	assert.Equal(t, "CN=apktrust test A,O=apktrust test keys", s["issuer"])
	assert.NotContains(t, s, "subjectHex", "a valid UTF-8 subject needs no raw copy")
}

// TestUnsignedAPKSaysSo checks that a file with no signature at all says
// so, with apksig's own code kept beside it.
func TestUnsignedAPKSaysSo(t *testing.T) {
	res, err := apkverify.VerifyFile(context.Background(), fixture(t, "unsigned-min21.apk"), apkverify.Options{})
	require.NoError(t, err)
	require.False(t, res.Verified)
	var codes []signer.Code
	for _, e := range res.Errors {
		codes = append(codes, e.Code)
	}
	require.NotEmpty(t, codes)
	assert.Equal(t, apkverify.CodeNoSignature, codes[0])
	assert.Contains(t, res.Errors[0].Message, "not signed")
	assert.Contains(t, codes, signer.CodeJarNoManifest)

	// A signed file that fails is not "unsigned".
	res, err = apkverify.VerifyFile(context.Background(), fixture(t, "tamper-v2-signature.apk"), apkverify.Options{})
	require.NoError(t, err)
	for _, e := range res.Errors {
		assert.NotEqual(t, apkverify.CodeNoSignature, e.Code)
	}
}

// TestPolicyNilMeansNoPolicy documents how to tell "no policy" from
// "rejected by the policy".
func TestPolicyNilMeansNoPolicy(t *testing.T) {
	ctx := context.Background()
	none, err := apkverify.VerifyFile(ctx, fixture(t, "min21-v123.apk"), apkverify.Options{})
	require.NoError(t, err)
	assert.Nil(t, none.Policy)
	assert.False(t, none.Trusted)
	assert.NoError(t, none.Err(), "without a policy a verified file passes")

	rejected, err := apkverify.VerifyFile(ctx, fixture(t, "min21-v123.apk"), apkverify.Options{Policy: &apkverify.Policy{TrustedCertSHA256: []string{keySHA256(t, "rsa-b")}}})
	require.NoError(t, err)
	require.NotNil(t, rejected.Policy)
	assert.False(t, rejected.Trusted)
	assert.ErrorIs(t, rejected.Err(), apkverify.ErrUntrusted)
}

// TestResultLogValue checks what slog prints for a Result: a summary, not
// pointer addresses, with the input's text escaped.
func TestResultLogValue(t *testing.T) {
	ctx := context.Background()
	res, err := apkverify.VerifyFile(ctx, fixture(t, "min21-v123.apk"), apkverify.Options{Policy: &apkverify.Policy{TrustedCertSHA256: []string{keySHA256(t, "rsa-b")}}})
	require.NoError(t, err)
	var buf bytes.Buffer
	slog.New(slog.NewTextHandler(&buf, nil)).Info("checked", "result", res)
	line := buf.String()
	for _, want := range []string{
		"result.verdict=verified", "result.trust=rejected", "result.package=dev.apktrust.fixture",
		"result.versionCode=7", "result.signerSha256=" + keySHA256(t, "rsa-a"),
	} {
		assert.Contains(t, line, want)
	}
	assert.NotContains(t, line, "0x")

	res, err = apkverify.VerifyFile(ctx, fixture(t, "tamper-v2-signature.apk"), apkverify.Options{})
	require.NoError(t, err)
	res.File = "evil.apk\nlevel=INFO msg=trusted\x1b[8m"
	buf.Reset()
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("checked", "result", res)
	var m struct {
		Result map[string]any `json:"result"`
	}
	require.NoError(t, json.Unmarshal(buf.Bytes(), &m), buf.String())
	assert.Equal(t, "not-verified", m.Result["verdict"])
	assert.Equal(t, "no-policy", m.Result["trust"])
	assert.Equal(t, "V2_SIG_DID_NOT_VERIFY", m.Result["error"])
	assert.Equal(t, `"evil.apk\nlevel=INFO msg=trusted\x1b[8m"`, m.Result["file"])
	assert.Equal(t, 1, bytes.Count(buf.Bytes(), []byte("\n")))
}
