package signer

import (
	"crypto/ed25519"
	"crypto/sha256"
	mrand "math/rand"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A cached key is the key a fresh parse gives, the algorithm and key
// limit checks still apply on every lookup, and the cache stays bounded.
func TestSPKICache(t *testing.T) {
	rsaCert, err := ParseCertificate(certCacheInputs(t)["rsa-a"])
	require.NoError(t, err)
	spki := rsaCert.RawSubjectPublicKeyInfo

	want, _, err := parseSPKI(spki)
	require.NoError(t, err)
	for i := 0; i < 2; i++ { // missing, then cached
		got, err := parsePublicKeyFor(AlgRSAPKCS1SHA256, spki)
		require.NoError(t, err)
		assert.Equal(t, want, got)
		_, err = parsePublicKeyFor(AlgECDSASHA256, spki)
		assert.ErrorIs(t, err, errKeyAlgorithm, "an RSA key for an EC algorithm, cached or not")
	}
	_, err = parsePublicKeyFor(AlgRSAPKCS1SHA256, spki[:len(spki)-1])
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
}
