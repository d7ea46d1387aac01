package signer

import (
	"crypto/dsa" //nolint:staticcheck // the committed DSA test key
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

// certCacheInputs are certificates of every key type the cache copies,
// and a PEM-wrapped one that only the lenient parser reads.
func certCacheInputs(t *testing.T) map[string][]byte {
	t.Helper()
	in := map[string][]byte{}
	for _, k := range []string{"rsa-a", "ec-p256", "dsa2048"} {
		in[k] = v23ReadPEMCert(t, filepath.Join("..", "testdata", "keys", k+".x509.pem"))
	}
	in["ed25519"] = newEd25519Cert(t, 1)
	pemBytes, err := os.ReadFile(filepath.Join("..", "testdata", "keys", "rsa-b.x509.pem"))
	require.NoError(t, err)
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

// A cached parse is what an uncached parse gives, and each call owns its
// certificate: whatever a caller does to one (its bytes, key, serial
// number, the X509 view) leaves every later parse as a fresh one would be.
func TestCertCacheCopiesAreIndependent(t *testing.T) {
	certCache.reset()
	t.Cleanup(certCache.reset)
	for name, der := range certCacheInputs(t) {
		t.Run(name, func(t *testing.T) {
			want, err := parseCertificate(der)
			require.NoError(t, err)

			first, err := ParseCertificate(der)
			require.NoError(t, err)
			assert.Equal(t, want, first, "the first (missing) lookup")
			second, err := ParseCertificate(der)
			require.NoError(t, err)
			assert.Equal(t, want, second, "a cached copy")
			assert.NotSame(t, first, second)

			// Vandalise the first copy everywhere a caller can reach.
			for i := range first.Raw {
				first.Raw[i] ^= 0xff
			}
			for i := range first.RawSubjectPublicKeyInfo {
				first.RawSubjectPublicKeyInfo[i] = 0
			}
			first.SerialNumber.SetInt64(-1)
			switch k := first.PublicKey.(type) {
			case *rsa.PublicKey:
				k.N.SetInt64(3)
				k.E = 3
			case *ecdsa.PublicKey:
				k.X.SetInt64(1)
			case *dsa.PublicKey:
				k.Y.SetInt64(1)
				k.P.SetInt64(1)
			case ed25519.PublicKey:
				for i := range k {
					k[i] = 0
				}
			default:
				t.Fatalf("unexpected key type %T", k)
			}
			if x := first.X509; x != nil {
				for _, b := range [][]byte{x.Raw, x.RawTBSCertificate, x.RawSubjectPublicKeyInfo, x.Signature} {
					for i := range b {
						b[i] = 0x55
					}
				}
				for _, e := range x.Extensions {
					for i := range e.Value {
						e.Value[i] = 0x66
					}
				}
				x.PublicKey = nil
			}

			third, err := ParseCertificate(der)
			require.NoError(t, err)
			assert.Equal(t, want.Raw, third.Raw)
			assert.Equal(t, want.RawSubjectPublicKeyInfo, third.RawSubjectPublicKeyInfo)
			assert.Equal(t, want.SerialNumber, third.SerialNumber)
			assert.Equal(t, want.PublicKey, third.PublicKey)
			assert.Equal(t, want.SHA256, third.SHA256)
			assert.Equal(t, want.Subject, third.Subject)
			if want.X509 == nil {
				assert.Nil(t, third.X509)
			} else {
				require.NotNil(t, third.X509)
				assert.Equal(t, want.X509.Raw, third.X509.Raw)
				assert.Equal(t, want.X509.RawTBSCertificate, third.X509.RawTBSCertificate)
				assert.Equal(t, want.X509.Signature, third.X509.Signature)
				assert.Equal(t, want.X509.PublicKey, third.X509.PublicKey)
				// The X509 view's Raw is the certificate's own, as
				// without the cache.
				assert.Same(t, &third.Raw[0], &third.X509.Raw[0])
				if _, dsaKey := third.PublicKey.(*dsa.PublicKey); !dsaKey { // crypto/x509 verifies no DSA
					x := third.X509
					assert.NoError(t, x.CheckSignature(x.SignatureAlgorithm, x.RawTBSCertificate, x.Signature), "the view still verifies")
				}
			}
		})
	}
}

// The cache holds at most certCacheEntries certificates and
// certCacheBytes, evicting the least recently used.
func TestCertCacheBounded(t *testing.T) {
	certCache.reset()
	t.Cleanup(certCache.reset)
	const n = certCacheEntries + 20
	ders := make([][]byte, n)
	for i := range ders {
		ders[i] = newEd25519Cert(t, int64(i+1))
	}
	for i, der := range ders {
		c, err := ParseCertificate(der)
		require.NoError(t, err)
		require.Equal(t, big.NewInt(int64(i+1)), c.SerialNumber)
		if i == 0 {
			continue
		}
		// Keep the first one in use: it must survive the evictions.
		_, err = ParseCertificate(ders[0])
		require.NoError(t, err)
	}
	entries, bytes := certCache.len()
	assert.Equal(t, certCacheEntries, entries)
	assert.LessOrEqual(t, bytes, certCacheBytes)
	certCache.mu.Lock()
	_, firstKept := certCache.byKey[sha256Of(ders[0])]
	_, secondKept := certCache.byKey[sha256Of(ders[1])]
	certCache.mu.Unlock()
	assert.True(t, firstKept, "the most used certificate stays")
	assert.False(t, secondKept, "the least recently used one went first")

	// Certificates over the size bound and failures are never cached.
	certCache.reset()
	_, err := ParseCertificate([]byte("not a certificate"))
	require.Error(t, err)
	huge := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ders[0]})
	huge = append(huge, make([]byte, certCacheMaxDER)...)
	c, err := ParseCertificate(huge)
	require.NoError(t, err)
	assert.Equal(t, huge, c.Raw)
	entries, _ = certCache.len()
	assert.Zero(t, entries)
}

func sha256Of(b []byte) [32]byte { return sha256.Sum256(b) }

// Concurrent parses of the same and of different certificates (run with
// -race) each get a correct certificate of their own.
func TestCertCacheConcurrent(t *testing.T) {
	certCache.reset()
	t.Cleanup(certCache.reset)
	in := certCacheInputs(t)
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 20; i++ {
				for _, der := range in {
					c, err := ParseCertificate(der)
					if !assert.NoError(t, err) {
						return
					}
					assert.Equal(t, sha256Of(der), c.SHA256)
					c.Raw[0] ^= 0xff // owned by this goroutine alone
				}
			}
		}()
	}
	wg.Wait()
}
