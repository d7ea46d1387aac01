package signer

import (
	"encoding/pem"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apktrust/apktrust/internal/certparse"
)

// ParseCertificate's certificate is the caller's own, even when
// verification has the same certificate cached: whatever the caller does
// to it (bytes, key, serial number, the X509 view) reaches neither later
// calls nor the cache.
func TestParseCertificateOwnsItsCertificate(t *testing.T) {
	for _, k := range []string{"rsa-a", "ec-p256", "dsa2048"} {
		t.Run(k, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join("..", "testdata", "keys", k+".x509.pem"))
			require.NoError(t, err, "committed key")
			blk, _ := pem.Decode(b)
			require.NotNil(t, blk)
			der := blk.Bytes

			want, err := certparse.Parse(der)
			require.NoError(t, err)
			cached, err := certparse.Cached(der) // as a verification would
			require.NoError(t, err)

			first, err := ParseCertificate(der)
			require.NoError(t, err)
			assert.Equal(t, (*Certificate)(want), first)
			require.NotNil(t, first.X509)
			assert.NotSame(t, cached.X509, first.X509)
			for i := range first.Raw {
				first.Raw[i] ^= 0xff
			}
			first.SerialNumber.SetInt64(-1)
			first.X509.Subject.CommonName = "vandal"
			first.X509.PublicKey = nil

			second, err := ParseCertificate(der)
			require.NoError(t, err)
			assert.Equal(t, (*Certificate)(want), second, "a later call")
			cachedAgain, err := certparse.Cached(der)
			require.NoError(t, err)
			assert.Equal(t, want, cachedAgain, "the cache")
		})
	}
}
