package scheme

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"math/big"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// smallRSAKey makes an RSA key of bits bits by hand: crypto/rsa refuses to
// generate (or use) keys under 1024 bits, which Android still accepts.
func smallRSAKey(t *testing.T, bits int) (*rsa.PublicKey, *big.Int) {
	t.Helper()
	e := big.NewInt(65537)
	for {
		p, err := rand.Prime(rand.Reader, bits/2)
		require.NoError(t, err)
		q, err := rand.Prime(rand.Reader, bits/2)
		require.NoError(t, err)
		n := new(big.Int).Mul(p, q)
		if p.Cmp(q) == 0 || n.BitLen() != bits {
			continue
		}
		phi := new(big.Int).Mul(new(big.Int).Sub(p, big.NewInt(1)), new(big.Int).Sub(q, big.NewInt(1)))
		d := new(big.Int).ModInverse(e, phi)
		if d == nil {
			continue
		}
		return &rsa.PublicKey{N: n, E: 65537}, d
	}
}

// signRawPKCS1 signs digest (SHA-256) with RSASSA-PKCS1-v1_5 arithmetic.
func signRawPKCS1(pub *rsa.PublicKey, d *big.Int, digest []byte) []byte {
	k := (pub.N.BitLen() + 7) / 8
	t := append(append([]byte(nil), v1DigestInfoPrefix[crypto.SHA256]...), digest...)
	em := make([]byte, k)
	em[1] = 0x01
	for i := 2; i < k-len(t)-1; i++ {
		em[i] = 0xff
	}
	copy(em[k-len(t):], t)
	s := new(big.Int).Exp(new(big.Int).SetBytes(em), d, pub.N)
	return s.FillBytes(make([]byte, k))
}

// TestV1VerifyRSAKeySizes: a v1 RSA signature verifies with a key crypto/rsa
// takes (its fast path) and with a 512-bit key it refuses (Android accepts
// those), and a changed digest or signature fails either way.
func TestV1VerifyRSAKeySizes(t *testing.T) {
	big1024, err := rsa.GenerateKey(rand.Reader, 1024)
	require.NoError(t, err)
	small, d := smallRSAKey(t, 512)
	digest := sha256.Sum256([]byte("META-INF/CERT.SF"))
	other := sha256.Sum256([]byte("something else"))
	sig1024, err := rsa.SignPKCS1v15(rand.Reader, big1024, crypto.SHA256, digest[:])
	require.NoError(t, err)
	sig512 := signRawPKCS1(small, d, digest[:])
	flipped := func(b []byte) []byte { c := append([]byte(nil), b...); c[len(c)-1] ^= 1; return c }
	for _, tc := range []struct {
		name   string
		pub    *rsa.PublicKey
		digest []byte
		sig    []byte
		want   bool
	}{
		{"1024-bit key, valid", &big1024.PublicKey, digest[:], sig1024, true},
		{"1024-bit key, other digest", &big1024.PublicKey, other[:], sig1024, false},
		{"1024-bit key, changed signature", &big1024.PublicKey, digest[:], flipped(sig1024), false},
		{"512-bit key, valid", small, digest[:], sig512, true},
		{"512-bit key, other digest", small, other[:], sig512, false},
		{"512-bit key, changed signature", small, digest[:], flipped(sig512), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ok, err := v1VerifyRSA(tc.pub, crypto.SHA256, tc.digest, tc.sig)
			require.NoError(t, err)
			assert.Equal(t, tc.want, ok)
		})
	}
}
