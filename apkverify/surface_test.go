package apkverify_test

// A surface file: it calls the exported functions and methods of package
// apkverify as another module would, importing nothing under internal/ and
// no helper of another test file, so that it also builds and passes in a
// module of its own (see public_surface_test.go). The calls on the error
// types, Result.Err and SetResult.Err included, are in
// surface_errors_test.go.

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apktrust/apktrust/apkverify"
	"github.com/apktrust/apktrust/signer"
)

// The SHA-256 of the project's test keys A, B and C (testdata/keys/keys.json).
const (
	surfaceKeyA = "24abac6cdc9fbdb266f14c2312da964c206954dcca18b457cdacb00befc6e7b5"
	surfaceKeyB = "dcd124c696963fd0f9bbe8a479b99a2640fd514953fc89f5fb02308ed27efe15"
	surfaceKeyC = "8c7f3a7cf8b2ff22168ee1721d026f889659f38d86679b0059eb3f6e53252597"
)

// surfaceOpen opens a committed fixture for the io.ReaderAt entry points.
func surfaceOpen(t *testing.T, path string) (*os.File, int64) {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err, "committed fixture")
	t.Cleanup(func() { f.Close() })
	st, err := f.Stat()
	require.NoError(t, err)
	return f, st.Size()
}

// A file signed by key A that rotated to key B: A on API 21-27 (v1, v2), B
// from 28 (v3), pinned by the old key.
func TestSurfaceVerifyFileRotation(t *testing.T) {
	ctx := context.Background()
	policy := &apkverify.Policy{TrustedCertSHA256: []string{surfaceKeyA}, Package: "dev.apktrust.fixture"}
	require.NoError(t, policy.Validate())
	res, err := apkverify.VerifyFile(ctx, "../testdata/apk/min21-v123-rot-ab.apk", apkverify.Options{Policy: policy})
	require.NoError(t, err)
	assert.True(t, res.Verified)
	assert.True(t, res.Trusted)
	assert.True(t, res.Schemes.Has(signer.SchemeV3))
	assert.False(t, res.Schemes.Has(signer.SchemeV31))

	require.Len(t, res.SignersAt(21), 1)
	assert.Equal(t, surfaceKeyA, res.SignersAt(21)[0].CertSHA256)
	assert.Equal(t, signer.SchemeV1, res.SignersAt(21)[0].Scheme)
	require.Len(t, res.SignersAt(34), 1)
	assert.Equal(t, surfaceKeyB, res.SignersAt(34)[0].CertSHA256)
	assert.Nil(t, res.SignersAt(20), "below the checked range")
	certs := res.SignerCertificates()
	require.Len(t, certs, 1)
	assert.Equal(t, surfaceKeyB, certs[0].SHA256Hex(), "apksigner names the newest signer")

	lin := res.LineageOf()
	require.NotNil(t, lin)
	require.Len(t, lin.Nodes, 2)
	assert.Equal(t, surfaceKeyA, lin.Nodes[0].Certificate.SHA256Hex())

	// The policy, applied again to the same Result: the same outcome,
	// with the warning that no History guards the rotation.
	pr := policy.Evaluate(res)
	assert.True(t, pr.Trusted())
	assert.Equal(t, surfaceKeyB, pr.TrustedSigner, "the new key, trusted through its lineage from A")
	require.NotEmpty(t, pr.Warnings)
	assert.Equal(t, apkverify.PolicyRotationWithoutHistory, pr.Warnings[0].Code)
	// With the lineage as History, the next release is judged against it.
	next := &apkverify.Policy{TrustedCertSHA256: []string{surfaceKeyA}, History: lin}
	require.NoError(t, next.Validate())
	pr = next.Evaluate(res)
	assert.True(t, pr.Trusted())
	assert.Empty(t, pr.Warnings)
	// A policy pinning another key rejects the file, naming the rule.
	other := &apkverify.Policy{TrustedCertSHA256: []string{surfaceKeyC}}
	pr = other.Evaluate(res)
	assert.False(t, pr.Trusted())
	require.NotEmpty(t, pr.Violations)
	assert.Equal(t, apkverify.PolicyUntrustedSigner, pr.Violations[0].Code)
}

// A stored Result (its JSON) is judged again with the same verdict.
func TestSurfaceResultJSON(t *testing.T) {
	res, err := apkverify.VerifyFile(context.Background(), "../testdata/apk/min21-v123-rot-ab.apk", apkverify.Options{})
	require.NoError(t, err)
	b, err := res.MarshalJSON()
	require.NoError(t, err)
	byValue, err := json.Marshal(*res)
	require.NoError(t, err)
	assert.JSONEq(t, string(b), string(byValue), "a Result encodes the same by value and by pointer")

	var stored apkverify.Result
	require.NoError(t, stored.UnmarshalJSON(b))
	assert.True(t, stored.Verified)
	require.NotNil(t, stored.LineageOf(), "the lineage is restored from its bytes")
	policy := &apkverify.Policy{TrustedCertSHA256: []string{surfaceKeyB}}
	assert.Equal(t, policy.Evaluate(res).Trusted(), policy.Evaluate(&stored).Trusted())
	assert.True(t, policy.Evaluate(&stored).Trusted())

	s := res.Signers[0]
	sb, err := s.MarshalJSON()
	require.NoError(t, err)
	var back apkverify.Signer
	require.NoError(t, back.UnmarshalJSON(sb))
	require.NotNil(t, back.Certificate, "the certificate comes back from certDer")
	assert.Equal(t, s.CertSHA256, back.Certificate.SHA256Hex())
	assert.Equal(t, s.MinSDK, back.MinSDK)
}

func TestSurfaceVerifyReaderAt(t *testing.T) {
	f, size := surfaceOpen(t, "../testdata/apk/tamper-v2-signature.apk")
	res, err := apkverify.Verify(context.Background(), f, size, apkverify.Options{MinSDK: 24})
	require.NoError(t, err, "a signature that does not verify is a Result, not an error")
	assert.False(t, res.Verified)
	require.NotEmpty(t, res.Errors)
	assert.Equal(t, signer.CodeV2DidNotVerify, res.Errors[0].Code)
	assert.Equal(t, signer.SchemeV2, res.Errors[0].Scheme)
}

func TestSurfaceLogValue(t *testing.T) {
	res, err := apkverify.VerifyFile(context.Background(), "../testdata/apk/min21-v123.apk", apkverify.Options{})
	require.NoError(t, err)
	v := res.LogValue()
	require.Equal(t, slog.KindGroup, v.Kind())
	attrs := map[string]string{}
	for _, a := range v.Group() {
		attrs[a.Key] = a.Value.String()
	}
	assert.Equal(t, "verified", attrs["verdict"])
	assert.Equal(t, "no-policy", attrs["trust"])

	var buf bytes.Buffer
	slog.New(slog.NewTextHandler(&buf, nil)).Info("checked", "apk", res)
	assert.Contains(t, buf.String(), "apk.verdict=verified")
}

func TestSurfaceSourceStampKnown(t *testing.T) {
	// The stamp key of the fixture (key C) is not a key anyone can use, so
	// it is not known; listed by the caller as a test key, it is.
	const stamped = "../testdata/apk/evidence-min21-v1234-stamp.apk"
	res, err := apkverify.VerifyFile(context.Background(), stamped, apkverify.Options{})
	require.NoError(t, err)
	require.True(t, res.SourceStamp.Verified)
	assert.Nil(t, res.SourceStampKnown())

	own := []signer.KnownKey{{CertSHA256: surfaceKeyC, Name: "lab stamp key", Category: signer.KnownKeyTestKey, Source: "our lab"}}
	res, err = apkverify.VerifyFile(context.Background(), stamped, apkverify.Options{KnownKeys: own})
	require.NoError(t, err)
	known := res.SourceStampKnown()
	require.NotNil(t, known)
	assert.Equal(t, "lab stamp key", known.Name)
}

func TestSurfaceAppBundle(t *testing.T) {
	res, err := apkverify.VerifyFile(context.Background(), "../testdata/aab/intact.aab", apkverify.Options{})
	require.NoError(t, err)
	assert.Equal(t, apkverify.KindAppBundle, res.Kind)
	assert.True(t, res.Verified)
	require.NotNil(t, res.Manifest)
	assert.Equal(t, "dev.apktrust.fixture", res.Manifest.Package)
}

func TestSurfaceSets(t *testing.T) {
	ctx := context.Background()
	policy := &apkverify.Policy{TrustedCertSHA256: []string{surfaceKeyA}, Package: "com.apktrust.sets"}

	// The APKs of one install, given one by one.
	var parts []apkverify.Part
	for _, name := range []string{"base.apk", "config.de.apk"} {
		f, size := surfaceOpen(t, "../testdata/sets/"+name)
		parts = append(parts, apkverify.Part{Name: name, R: f, Size: size})
	}
	set, err := apkverify.VerifySet(ctx, parts, apkverify.Options{Policy: policy})
	require.NoError(t, err)
	assert.True(t, set.Verified)
	assert.True(t, set.Trusted)
	assert.Equal(t, int64(7), set.VersionCode)
	apks := set.APKs()
	require.Len(t, apks, 2)
	assert.Equal(t, "", apks[0].Split)
	assert.Equal(t, "config.de", apks[1].Split)

	b, err := set.MarshalJSON()
	require.NoError(t, err)
	var doc struct {
		Kind    string `json:"kind"`
		Trusted bool   `json:"trusted"`
	}
	require.NoError(t, json.Unmarshal(b, &doc))
	assert.Equal(t, apkverify.SetKind, doc.Kind)
	assert.True(t, doc.Trusted)
	ab, err := apks[1].MarshalJSON()
	require.NoError(t, err)
	var apk struct {
		File     string `json:"file"`
		Split    string `json:"split"`
		Verified bool   `json:"verified"`
	}
	require.NoError(t, json.Unmarshal(ab, &apk))
	assert.Equal(t, "config.de.apk", apk.File)
	assert.Equal(t, "config.de", apk.Split)
	assert.True(t, apk.Verified)

	// A bundle, by path and through io.ReaderAt.
	set, err = apkverify.VerifySetFiles(ctx, []string{"../testdata/sets/ok.apks"}, apkverify.Options{})
	require.NoError(t, err)
	assert.True(t, set.Verified)
	assert.Equal(t, "bundletool-apks", set.Layout)
	assert.Len(t, set.Splits, 2)
	f, size := surfaceOpen(t, "../testdata/sets/ok.xapk")
	set, err = apkverify.VerifyBundle(ctx, f, size, apkverify.Options{})
	require.NoError(t, err)
	assert.True(t, set.Verified)
	assert.Equal(t, "xapk", set.Layout)
	assert.Equal(t, "com.apktrust.sets", set.Package)
}
