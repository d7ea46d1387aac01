package sigalg

import (
	"crypto/ed25519"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"math/big"
	mrand "math/rand"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apktrust/apktrust/internal/certparse"
)

// A cached key is the key a fresh parse gives, the algorithm and key
// limit checks still apply on every lookup, and the cache stays bounded.
func TestSPKICache(t *testing.T) {
	// testutil would import this package again (through signer).
	pemBytes, err := os.ReadFile(filepath.Join("..", "..", "testdata", "keys", "rsa-a.x509.pem"))
	require.NoError(t, err, "committed key")
	blk, _ := pem.Decode(pemBytes)
	require.NotNil(t, blk)
	rsaCert, err := x509.ParseCertificate(blk.Bytes)
	require.NoError(t, err)
	spki := rsaCert.RawSubjectPublicKeyInfo

	want, _, err := certparse.ParseSPKI(spki)
	require.NoError(t, err)
	for i := 0; i < 2; i++ { // missing, then cached
		got, err := ParsePublicKeyFor(AlgRSAPKCS1SHA256, spki)
		require.NoError(t, err)
		assert.Equal(t, want, got)
		_, err = ParsePublicKeyFor(AlgECDSASHA256, spki)
		assert.ErrorIs(t, err, errKeyAlgorithm, "an RSA key for an EC algorithm, cached or not")
	}
	_, err = ParsePublicKeyFor(AlgRSAPKCS1SHA256, spki[:len(spki)-1])
	assert.Error(t, err, "a truncated key is refused, not served from the cache")

	for i := 0; i < spkiCacheEntries+10; i++ {
		pub, _, err := ed25519.GenerateKey(mrand.New(mrand.NewSource(int64(i))))
		require.NoError(t, err)
		der := append([]byte{0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00}, pub...)
		_, _, err = parseSPKICached(der)
		require.NoError(t, err)
		spkiCache.mu.Lock()
		n := len(spkiCache.m)
		_, ok := spkiCache.m[sha256.Sum256(der)]
		spkiCache.mu.Unlock()
		require.LessOrEqual(t, n, spkiCacheEntries)
		require.True(t, ok)
	}

	// A key over spkiCacheMaxDER (here an RSA modulus of 40,000 bytes,
	// which the key limits refuse afterwards) is parsed but never kept.
	big := rsaSPKI(t, 40_000)
	require.Greater(t, len(big), spkiCacheMaxDER)
	_, _, err = parseSPKICached(big)
	require.NoError(t, err)
	spkiCache.mu.Lock()
	_, kept := spkiCache.m[sha256.Sum256(big)]
	spkiCache.mu.Unlock()
	assert.False(t, kept, "an oversized key is not cached")
	_, err = ParsePublicKeyFor(AlgRSAPKCS1SHA256, big)
	assert.Error(t, err, "the key limits still refuse it")
}

// rsaSPKI is the DER SubjectPublicKeyInfo of an RSA key whose modulus has
// n bytes (odd, top bit set) and exponent 65537.
func rsaSPKI(t *testing.T, n int) []byte {
	t.Helper()
	mod := make([]byte, n)
	mod[0], mod[n-1] = 0x80, 0x01
	for i := 1; i < n-1; i++ {
		mod[i] = byte(i)
	}
	rsaKey, err := asn1.Marshal(struct{ N, E *big.Int }{new(big.Int).SetBytes(mod), big.NewInt(65537)})
	require.NoError(t, err)
	spki, err := asn1.Marshal(struct {
		Alg pkix.AlgorithmIdentifier
		Key asn1.BitString
	}{pkix.AlgorithmIdentifier{Algorithm: asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}, Parameters: asn1.NullRawValue}, asn1.BitString{Bytes: rsaKey, BitLength: 8 * len(rsaKey)}})
	require.NoError(t, err)
	return spki
}
