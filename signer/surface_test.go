package signer_test

// A surface file: it calls the exported functions and methods of package
// signer as another module would, importing nothing under internal/ and no
// helper of another test file, so that it also builds and passes in a
// module of its own (see apkverify/public_surface_test.go). The calls on the
// error type are in surface_errors_test.go.

import (
	"context"
	"encoding/pem"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apktrust/apktrust/apkverify"
	"github.com/apktrust/apktrust/signer"
)

// surfaceKeyA is the SHA-256 of the project's test key A
// (testdata/keys/keys.json); the other keys are read from their PEM files.
const surfaceKeyA = "24abac6cdc9fbdb266f14c2312da964c206954dcca18b457cdacb00befc6e7b5"

// surfaceCert parses the DER of a committed PEM certificate. The DER is
// what a fingerprint is taken over: ParseCertificate keeps the bytes it is
// given as the identity, so PEM text would get the SHA-256 of the text.
func surfaceCert(t *testing.T, path string) *signer.Certificate {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err, "committed fixture")
	blk, _ := pem.Decode(b)
	require.NotNil(t, blk, path)
	c, err := signer.ParseCertificate(blk.Bytes)
	require.NoError(t, err)
	return c
}

func TestSurfaceCertificate(t *testing.T) {
	c := surfaceCert(t, "../testdata/keys/rsa-a.x509.pem")
	assert.Equal(t, surfaceKeyA, c.SHA256Hex())
	assert.Equal(t, "CN=apktrust test A,O=apktrust test keys", c.Subject)
	assert.Equal(t, "RSA", c.PublicKeyAlgorithm)
	assert.Equal(t, 2048, c.KeySize)
}

func TestSurfaceLineage(t *testing.T) {
	a := surfaceCert(t, "../testdata/keys/rsa-a.x509.pem")
	surfaceKeyB := surfaceCert(t, "../testdata/keys/rsa-b.x509.pem").SHA256Hex()
	c := surfaceCert(t, "../testdata/keys/rsa-c.x509.pem")
	b, err := os.ReadFile("../testdata/lineage/rsa-a_to_rsa-b.lineage")
	require.NoError(t, err, "committed fixture")

	file, err := signer.ParseLineageFile(b)
	require.NoError(t, err)
	require.Len(t, file.Nodes, 2)
	assert.Equal(t, surfaceKeyA, file.Nodes[0].Certificate.SHA256Hex())
	assert.Equal(t, surfaceKeyB, file.Nodes[1].Certificate.SHA256Hex())
	assert.True(t, file.Contains(a.SHA256))
	assert.False(t, file.Contains(c.SHA256))
	assert.Equal(t, []string{"installedData", "sharedUid", "permission", "auth"}, signer.CapabilityNames(file.Nodes[0].Flags))
	assert.Equal(t, []string{"rollback"}, signer.CapabilityNames(signer.CapabilityRollback))

	// ParseLineage takes the file too (told apart by its magic), and the
	// attribute encoding that a rotated APK carries.
	same, err := signer.ParseLineage(b)
	require.NoError(t, err)
	assert.Equal(t, file.Nodes[1].Certificate.SHA256, same.Nodes[1].Certificate.SHA256)
	res, err := apkverify.VerifyFile(context.Background(), "../testdata/apk/min21-v123-rot-ab.apk", apkverify.Options{})
	require.NoError(t, err)
	require.True(t, res.Verified)
	var v3 *signer.SignerResult
	for _, s := range res.SchemeResults {
		if s.Scheme == signer.SchemeV3 {
			v3 = s.Signers[0]
		}
	}
	require.NotNil(t, v3, "the rotated fixture has a v3 signer")
	assert.Equal(t, surfaceKeyB, v3.Cert().SHA256Hex(), "the v3 signer is the new key")
	require.NotNil(t, v3.Lineage)
	assert.True(t, v3.Lineage.Contains(a.SHA256), "and its lineage holds the old one")
	assert.Nil(t, (&signer.SignerResult{}).Cert(), "no certificate parsed")
}

func TestSurfaceAlgorithms(t *testing.T) {
	alg := signer.AlgRSAPKCS1SHA256
	assert.True(t, alg.Known())
	assert.Equal(t, "RSA_PKCS1_V1_5_WITH_SHA256", alg.String())
	d, ok := alg.ContentDigest()
	require.True(t, ok)
	assert.Equal(t, signer.DigestChunkedSHA256, d)
	assert.Equal(t, "CHUNKED_SHA256", d.String())
	d, ok = signer.AlgVerityECDSASHA256.ContentDigest()
	require.True(t, ok)
	assert.Equal(t, "VERITY_CHUNKED_SHA256", d.String())

	unknown := signer.SignatureAlgorithmID(0x0999)
	assert.False(t, unknown.Known())
	_, ok = unknown.ContentDigest()
	assert.False(t, ok)
	assert.Contains(t, strings.ToLower(unknown.String()), "999")
}

func TestSurfaceIssue(t *testing.T) {
	i := signer.Issue{Code: signer.CodeJarDidNotVerify, Scheme: signer.SchemeV1, Message: "digest of classes.dex does not match", Signer: 0}
	assert.Equal(t, "v1: JAR_SIG_DID_NOT_VERIFY: digest of classes.dex does not match", i.String())
	assert.Equal(t, i.String(), fmt.Sprint(i))
}

func TestSurfaceKnownKeys(t *testing.T) {
	builtin := signer.BuiltinKnownKeys()
	require.NotEmpty(t, builtin)
	for _, k := range builtin {
		assert.NoError(t, signer.CheckKnownKey(k), k.Name)
	}

	// The AOSP test key is in the built-in table; the project's keys are not.
	m, ok := signer.LookupKnownKey(surfaceCert(t, "../testdata/knownkeys/aosp/testkey.x509.pem"))
	require.True(t, ok)
	assert.Equal(t, signer.KnownKeyTestKey, m.Category)
	a := surfaceCert(t, "../testdata/keys/rsa-a.x509.pem")
	_, ok = signer.LookupKnownKey(a)
	assert.False(t, ok)

	// A caller's own table, read from the file format, comes first.
	own, err := signer.ParseKnownKeys([]byte(`{"format": "` + signer.KnownKeyFormat + `", "keys": [
		{"certSha256": "` + strings.ToUpper(surfaceKeyA) + `", "name": "retired CI key", "category": "test-key", "source": "our incident 42"}]}`))
	require.NoError(t, err)
	require.Len(t, own, 1)
	assert.Equal(t, surfaceKeyA, own[0].CertSHA256, "fingerprints are normalised")
	set, err := signer.NewKnownKeySet(own, builtin)
	require.NoError(t, err)
	m, ok = set.Lookup(a)
	require.True(t, ok)
	assert.Equal(t, "retired CI key", m.Name)
	assert.Equal(t, "certificate", m.MatchedBy)

	assert.Error(t, signer.CheckKnownKey(signer.KnownKey{Name: "no fingerprint", Category: signer.KnownKeyDebug, Source: "here"}))
}

func TestSurfaceSourceStampTrustedBy(t *testing.T) {
	// The stamped fixture's stamp key is test key C, standing in for a store's.
	surfaceKeyC := surfaceCert(t, "../testdata/keys/rsa-c.x509.pem").SHA256Hex()
	res, err := apkverify.VerifyFile(context.Background(), "../testdata/apk/evidence-min21-v1234-stamp.apk", apkverify.Options{})
	require.NoError(t, err)
	stamp := res.SourceStamp
	require.NotNil(t, stamp)
	assert.Equal(t, signer.StampVerified, stamp.Status)
	assert.True(t, stamp.TrustedBy(surfaceKeyC))
	assert.True(t, stamp.TrustedBy(surfaceKeyA, strings.ToUpper(surfaceKeyC)), "any of several, case ignored")
	assert.False(t, stamp.TrustedBy(apkverify.PlayStoreStampCertSHA256))
	assert.False(t, (&signer.SourceStampResult{CertSHA256: surfaceKeyC}).TrustedBy(surfaceKeyC), "a stamp that did not verify is trusted by no one")
}
