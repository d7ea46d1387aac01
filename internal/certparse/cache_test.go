package certparse

import (
	//lint:ignore SA1019 Android signers still use DSA keys.
	"crypto/dsa"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	mrand "math/rand"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// cacheInputs are certificates of every key type Android signers use, and
// a PEM-wrapped one that only the lenient parser reads. (testutil would
// import this package again, through signer: the paths are relative.)
func cacheInputs(t *testing.T) map[string][]byte {
	t.Helper()
	in := map[string][]byte{}
	for _, k := range []string{"rsa-a", "ec-p256", "dsa2048"} {
		b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "keys", k+".x509.pem"))
		require.NoError(t, err, "committed key")
		blk, _ := pem.Decode(b)
		require.NotNil(t, blk, k)
		in[k] = blk.Bytes
	}
	in["ed25519"] = newEd25519Cert(t, 1)
	pemBytes, err := os.ReadFile(filepath.Join("..", "..", "testdata", "keys", "rsa-b.x509.pem"))
	require.NoError(t, err, "committed key")
	in["rsa-b PEM"] = pemBytes
	return in
}

// newEd25519Cert makes a distinct self-signed certificate per serial.
func newEd25519Cert(t *testing.T, serial int64) []byte {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(mrand.New(mrand.NewSource(serial)))
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial),
		Subject:      pkix.Name{CommonName: "cache test", Organization: []string{"apktrust tests"}},
		NotBefore:    time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC),
		NotAfter:     time.Date(2050, 1, 1, 0, 0, 0, 0, time.UTC),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, pub, priv)
	require.NoError(t, err)
	return der
}

// A cached certificate is what a fresh parse gives, the first lookup as
// the later ones (each its own copy, for every key type), and it keeps
// nothing of the caller's buffer nor of what callers do to their copies.
func TestCachedIsTheParse(t *testing.T) {
	cache.reset()
	t.Cleanup(cache.reset)
	for name, der := range cacheInputs(t) {
		t.Run(name, func(t *testing.T) {
			want, err := Parse(der)
			require.NoError(t, err)
			buf := append([]byte(nil), der...)
			first, err := Cached(buf)
			require.NoError(t, err)
			assert.Equal(t, want, first, "the first (missing) lookup")
			for i := range buf {
				buf[i] ^= 0xff
			}
			second, err := Cached(der)
			require.NoError(t, err)
			assert.NotSame(t, first, second, "every lookup gets a certificate of its own")
			assert.Equal(t, want, second, "the caller's buffer is not the cache's")
			assert.NotSame(t, want, second, "Parse never hands out the cached one")

			// What a caller does to a certificate Cached gave it (bytes
			// flipped, fingerprints and names reassigned, the key changed
			// in place) reaches no later lookup: the cache's own parse is
			// never handed out, only copies of it.
			vandalise := func(c *Certificate) {
				for j := range c.Raw {
					c.Raw[j] ^= 0xff
				}
				for j := range c.RawSubjectPublicKeyInfo {
					c.RawSubjectPublicKeyInfo[j] ^= 0xff
				}
				c.SerialNumber.SetInt64(1)
				switch k := c.PublicKey.(type) {
				case *rsa.PublicKey:
					k.N.SetInt64(3)
					k.E = 3
				case *ecdsa.PublicKey:
					k.X.SetInt64(1)
				case *dsa.PublicKey:
					k.P.SetInt64(1)
					k.Y.SetInt64(1)
				case ed25519.PublicKey:
					k[0] ^= 1
				default:
					t.Fatalf("key type %T", c.PublicKey)
				}
				c.SHA256, c.PublicKeySHA256 = [32]byte{1}, [32]byte{1}
				c.Subject, c.KeySize, c.PublicKey = "CN=vandal", 1, nil
			}
			vandalise(first) // the miss's
			vandalise(second)
			for i := 0; i < 2; i++ {
				c, err := Cached(der)
				require.NoError(t, err)
				got := *c
				got.X509 = want.X509 // the one shared (read-only) view
				require.Equal(t, *want, got, "lookup %d after callers modified theirs", i)
				vandalise(c)
			}
		})
	}
}

// The cache holds at most cacheEntries certificates and cacheBytes,
// evicting the least recently used; certificates over the size bound and
// failures are never cached.
func TestCacheBounded(t *testing.T) {
	cache.reset()
	t.Cleanup(cache.reset)
	const n = cacheEntries + 20
	ders := make([][]byte, n)
	for i := range ders {
		ders[i] = newEd25519Cert(t, int64(i+1))
	}
	for i, der := range ders {
		c, err := Cached(der)
		require.NoError(t, err)
		require.Equal(t, big.NewInt(int64(i+1)), c.SerialNumber)
		if i == 0 {
			continue
		}
		// Keep the first one in use: it must survive the evictions.
		_, err = Cached(ders[0])
		require.NoError(t, err)
	}
	entries, bytes := cache.len()
	assert.Equal(t, cacheEntries, entries)
	assert.LessOrEqual(t, bytes, cacheBytes)
	cache.mu.Lock()
	_, firstKept := cache.byKey[sha256.Sum256(ders[0])]
	_, secondKept := cache.byKey[sha256.Sum256(ders[1])]
	cache.mu.Unlock()
	assert.True(t, firstKept, "the most used certificate stays")
	assert.False(t, secondKept, "the least recently used one went first")

	cache.reset()
	_, err := Cached([]byte("not a certificate"))
	require.Error(t, err)
	huge := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ders[0]})
	huge = append(huge, make([]byte, cacheMaxDER)...)
	c, err := Cached(huge)
	require.NoError(t, err)
	assert.Equal(t, huge, c.Raw)
	entries, _ = cache.len()
	assert.Zero(t, entries)
}

// Concurrent lookups of the same and of different certificates (run with
// -race) each get the right certificate.
func TestCacheConcurrent(t *testing.T) {
	cache.reset()
	t.Cleanup(cache.reset)
	in := cacheInputs(t)
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 20; i++ {
				for _, der := range in {
					c, err := Cached(der)
					if !assert.NoError(t, err) {
						return
					}
					assert.Equal(t, sha256.Sum256(der), c.SHA256)
					assert.Equal(t, der, c.Raw)
				}
			}
		}()
	}
	wg.Wait()
}
