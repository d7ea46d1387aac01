package apkverify_test

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/binary"
	"encoding/hex"
	"encoding/pem"
	"io"
	"math/big"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/apktrust/apktrust/apkverify"
	"github.com/apktrust/apktrust/internal/apkzip"
	"github.com/apktrust/apktrust/internal/scheme"
	"github.com/apktrust/apktrust/signer"
)

// evidenceFixture returns testdata/apk/NAME, made by
// testdata/make-evidence.sh and committed: a missing one fails.
func evidenceFixture(t testing.TB, name string) string {
	t.Helper()
	p := filepath.Join(repoRoot(), "testdata", "apk", name)
	require.FileExists(t, p, "committed fixture (testdata/make-evidence.sh)")
	return p
}

// testKey is an ECDSA P-256 signing key with a self-signed certificate.
type testKey struct {
	priv crypto.Signer
	cert []byte
	spki []byte
}

func newTestKey(t testing.TB, rnd io.Reader, cn string) *testKey {
	t.Helper()
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rnd)
	require.NoError(t, err)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), NotAfter: time.Date(2060, 1, 1, 0, 0, 0, 0, time.UTC)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, priv.Public(), priv)
	require.NoError(t, err)
	spki, err := x509.MarshalPKIXPublicKey(priv.Public())
	require.NoError(t, err)
	return &testKey{priv: priv, cert: der, spki: spki}
}

// loadTestKey loads testdata/keys/NAME.pk8 and its certificate.
func loadTestKey(t testing.TB, name string) *testKey {
	t.Helper()
	dir := filepath.Join(repoRoot(), "testdata", "keys")
	return loadKeyFiles(t, filepath.Join(dir, name+".pk8"), filepath.Join(dir, name+".x509.pem"))
}

// loadKeyFiles loads a PKCS #8 private key and its PEM certificate.
func loadKeyFiles(t testing.TB, pk8, certPEM string) *testKey {
	t.Helper()
	k, err := x509.ParsePKCS8PrivateKey(readFile(t, pk8))
	require.NoError(t, err)
	blk, _ := pem.Decode(readFile(t, certPEM))
	require.NotNil(t, blk)
	priv := k.(crypto.Signer)
	spki, err := x509.MarshalPKIXPublicKey(priv.Public())
	require.NoError(t, err)
	return &testKey{priv: priv, cert: blk.Bytes, spki: spki}
}

func (k *testKey) sha256() string {
	s := sha256.Sum256(k.cert)
	return hex.EncodeToString(s[:])
}

// sign signs data with SHA-256 (or SHA-512 for the SHA-512 algorithms):
// ECDSA for an EC key, RSA PKCS#1 v1.5 for an RSA key.
func (k *testKey) sign(t testing.TB, alg signer.SignatureAlgorithmID, data []byte) []byte {
	t.Helper()
	var digest []byte
	h := crypto.SHA256
	if alg == signer.AlgECDSASHA512 {
		d := sha512.Sum512(data)
		digest, h = d[:], crypto.SHA512
	} else {
		d := sha256.Sum256(data)
		digest = d[:]
	}
	sig, err := k.priv.Sign(rand.Reader, digest, h)
	require.NoError(t, err)
	return sig
}

// ecdsaAlgFor is the ECDSA signature algorithm listing a content digest.
var ecdsaAlgFor = map[signer.ContentDigestAlgorithm]signer.SignatureAlgorithmID{
	signer.DigestChunkedSHA256:       signer.AlgECDSASHA256,
	signer.DigestChunkedSHA512:       signer.AlgECDSASHA512,
	signer.DigestVerityChunkedSHA256: signer.AlgVerityECDSASHA256,
}

// resignedSchemeBlock builds a v2 (v3 false) or v3 block value with one
// signer, key k, listing the content digests of digests (by content digest
// algorithm) under k's ECDSA algorithms, for API minSDK-maxSDK.
func resignedSchemeBlock(t testing.TB, v3 bool, k *testKey, digests map[signer.ContentDigestAlgorithm][]byte, minSDK, maxSDK int) []byte {
	t.Helper()
	var algs []signer.SignatureAlgorithmID
	for c := range digests {
		algs = append(algs, ecdsaAlgFor[c])
	}
	slices.Sort(algs)
	var ds, sigs []byte
	for _, a := range algs {
		c, _ := a.ContentDigest()
		ds = append(ds, lp(append(u32(uint32(a)), lp(digests[c])...))...)
	}
	signed := append(lp(ds), lp(lp(k.cert))...)
	if v3 {
		signed = append(signed, u32(uint32(minSDK))...)
		signed = append(signed, u32(uint32(maxSDK))...)
	}
	signed = append(signed, lp(nil)...)
	for _, a := range algs {
		sigs = append(sigs, lp(append(u32(uint32(a)), lp(k.sign(t, a, signed))...))...)
	}
	s := lp(signed)
	if v3 {
		s = append(s, u32(uint32(minSDK))...)
		s = append(s, u32(uint32(maxSDK))...)
	}
	s = append(s, lp(sigs)...)
	s = append(s, lp(k.spki)...)
	return lp(lp(s))
}

// contentDigests returns the verified content digests of the first signer
// of scheme in res, by content digest algorithm.
func contentDigests(t testing.TB, res *apkverify.Result, want signer.Scheme) map[signer.ContentDigestAlgorithm][]byte {
	t.Helper()
	for _, sr := range res.SchemeResults {
		if sr.Scheme == want && sr.Verified {
			return scheme.ApkContentDigests(sr)
		}
	}
	t.Fatalf("no verified %s scheme", want)
	return nil
}

// frostingBlock builds a frosting pair value with one enabled entry (key
// index 0) vouching for apkDigest, signed by k.
func frostingBlock(t testing.TB, k *ecdsa.PrivateKey, apkDigest []byte) []byte {
	t.Helper()
	uv := func(n int) []byte { return binary.AppendUvarint(nil, uint64(n)) }
	meta := []byte{0x08, 0x01} // a protobuf; its schema is not public
	entry := append([]byte{0x00, 0x00}, apkDigest...)
	entries := append(uv(len(entry)), entry...)
	section := append(uv(len(meta)), meta...)
	section = append(section, uv(len(entries))...)
	section = append(section, entries...)
	h := sha256.Sum256(section)
	sig, err := ecdsa.SignASN1(rand.Reader, k, h[:])
	require.NoError(t, err)
	sigs := append(uv(len(sig)), sig...)
	out := append(uv(len(section)), section...)
	out = append(out, uv(len(sigs))...)
	return append(out, sigs...)
}

// withFrosting adds a frosting pair signed by k over b's frosting digest.
func withFrosting(t testing.TB, b []byte, k *ecdsa.PrivateKey) []byte {
	t.Helper()
	a, err := apkzip.Open(bytes.NewReader(b), int64(len(b)))
	require.NoError(t, err)
	d, err := scheme.FrostingAPKDigest(a)
	require.NoError(t, err)
	return splitAPK(t, b).build(append(splitAPK(t, b).pairs, sbPair{scheme.BlockIDFrosting, frostingBlock(t, k, d)}))
}

// replacePair returns pairs with the value of the first pair id replaced
// (or, with a nil value, the pair dropped).
func replacePair(pairs []sbPair, id uint32, value []byte) []sbPair {
	out := make([]sbPair, 0, len(pairs))
	done := false
	for _, p := range pairs {
		if p.id == id && !done {
			done = true
			if value == nil {
				continue
			}
			p.value = value
		}
		out = append(out, p)
	}
	return out
}
