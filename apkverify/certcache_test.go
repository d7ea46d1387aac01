package apkverify

import (
	"bytes"
	"context"
	//lint:ignore SA1019 Android signers still use DSA keys.
	"crypto/dsa"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"math/big"
	"os"
	"path/filepath"
	"reflect"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apktrust/apktrust/internal/certparse"
	"github.com/apktrust/apktrust/internal/sigalg"
	"github.com/apktrust/apktrust/signer"
)

// The process-wide certificate and key caches never change a verdict: the
// first verification of a file (empty caches) and later ones give the
// same JSON, and a certificate a user parsed and then modified reaches
// neither the caches nor any result.
func TestCertCacheNeverChangesTheResult(t *testing.T) {
	for _, tc := range []struct{ apk, idsig string }{
		{"min21-v123.apk", ""},
		{"min21-v123-rot-ab.apk", ""},
		{"min21-v123-dsa.apk", ""},
		{"min21-v123-ec.apk", ""},
		{"evidence-min21-v1234-stamp.apk", "evidence-min21-v1234-stamp.apk.idsig"},
	} {
		t.Run(tc.apk, func(t *testing.T) {
			apk, err := os.ReadFile(filepath.Join("..", "testdata", "apk", tc.apk))
			require.NoError(t, err, "committed fixture")
			var opts Options
			if tc.idsig != "" {
				sig, err := os.ReadFile(filepath.Join("..", "testdata", "apk", tc.idsig))
				require.NoError(t, err, "committed fixture")
				opts.V4Signature, opts.V4SignatureSize = bytes.NewReader(sig), int64(len(sig))
			}
			verify := func() (*Result, []byte) {
				r, err := Verify(context.Background(), bytes.NewReader(apk), int64(len(apk)), opts)
				require.NoError(t, err)
				j, err := json.Marshal(r)
				require.NoError(t, err)
				return r, j
			}
			certparse.ResetCache()
			sigalg.ResetKeyCache()
			cold, coldJSON := verify()
			require.True(t, cold.Verified, "%v", cold.Errors)
			require.NotEmpty(t, cold.Signers)
			warm, warmJSON := verify()
			assert.JSONEq(t, string(coldJSON), string(warmJSON), "cold and warm caches")
			assert.NotSame(t, cold.Signers[0].Certificate, warm.Signers[0].Certificate,
				"each result gets certificates of its own, even from the cache")

			// A user's own parse of each certificate, vandalised.
			var certs []*signer.Certificate
			for _, s := range warm.Signers {
				certs = append(certs, s.Certificate)
			}
			if warm.SourceStamp != nil && warm.SourceStamp.Certificate != nil {
				certs = append(certs, warm.SourceStamp.Certificate)
			}
			for _, c := range certs {
				own, err := signer.ParseCertificate(c.Raw)
				require.NoError(t, err)
				require.NotSame(t, c, own)
				for i := range own.Raw {
					own.Raw[i] ^= 0xff
				}
				for i := range own.RawSubjectPublicKeyInfo {
					own.RawSubjectPublicKeyInfo[i] = 0
				}
				own.SerialNumber.SetInt64(-1)
				if own.X509 != nil {
					require.NotSame(t, c.X509, own.X509)
					for i := range own.X509.Signature {
						own.X509.Signature[i] = 0
					}
					own.X509.PublicKey = nil
					own.X509.Subject.CommonName = "vandal"
				}
			}
			_, againJSON := verify()
			assert.JSONEq(t, string(coldJSON), string(againJSON), "after a user modified their own parses")
			again, err := json.Marshal(cold)
			require.NoError(t, err)
			assert.JSONEq(t, string(coldJSON), string(again), "an earlier result is untouched")
		})
	}
}

// Concurrent verifications share cached certificates (run with -race):
// each only reads them, and each gets the result a lone verification does.
func TestConcurrentVerificationsShareCertificates(t *testing.T) {
	apk, err := os.ReadFile(filepath.Join("..", "testdata", "apk", "min21-v123-rot-ab.apk"))
	require.NoError(t, err, "committed fixture")
	certparse.ResetCache()
	sigalg.ResetKeyCache()
	verify := func() []byte {
		r, err := Verify(context.Background(), bytes.NewReader(apk), int64(len(apk)), Options{})
		if !assert.NoError(t, err) {
			return nil
		}
		j, err := json.Marshal(r)
		assert.NoError(t, err)
		return j
	}
	want := verify()
	certparse.ResetCache()
	sigalg.ResetKeyCache()
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 5; i++ {
				assert.JSONEq(t, string(want), string(verify()))
			}
		}()
	}
	wg.Wait()
}

// resultCertificates returns every certificate a Result reaches (signers,
// lineage nodes, stamp, v4, ...), found by walking it, so that a
// certificate added to Result later is covered too.
func resultCertificates(r *Result) []*signer.Certificate {
	var out []*signer.Certificate
	seen := map[uintptr]bool{}
	certType := reflect.TypeOf(&signer.Certificate{})
	var walk func(v reflect.Value)
	walk = func(v reflect.Value) {
		switch v.Kind() {
		case reflect.Pointer:
			if v.IsNil() || seen[v.Pointer()] {
				return
			}
			seen[v.Pointer()] = true
			if v.Type() == certType {
				out = append(out, v.Interface().(*signer.Certificate))
				return
			}
			walk(v.Elem())
		case reflect.Interface:
			if !v.IsNil() {
				walk(v.Elem())
			}
		case reflect.Struct:
			for i := 0; i < v.NumField(); i++ {
				walk(v.Field(i))
			}
		case reflect.Slice, reflect.Array:
			for i := 0; i < v.Len(); i++ {
				walk(v.Index(i))
			}
		case reflect.Map:
			it := v.MapRange()
			for it.Next() {
				walk(it.Value())
			}
		}
	}
	walk(reflect.ValueOf(r))
	return out
}

// vandalise modifies everything a caller can reach through c, in place
// and by assignment, the way a careless (or hostile) library user might:
// fingerprints set to pin, bytes flipped, keys swapped and changed.
func vandalise(c *signer.Certificate, pin [32]byte) {
	flip := func(b []byte) {
		for i := range b {
			b[i] ^= 0xa5
		}
	}
	flip(c.Raw)
	flip(c.RawSubjectPublicKeyInfo)
	if c.SerialNumber != nil {
		c.SerialNumber.SetInt64(-7)
	}
	mutateKey(c.PublicKey)
	if c.X509 != nil {
		flip(c.X509.Raw)
		flip(c.X509.RawTBSCertificate)
		flip(c.X509.RawSubjectPublicKeyInfo)
		flip(c.X509.Signature)
		mutateKey(c.X509.PublicKey)
		c.X509.Subject.CommonName = "vandal"
		c.X509.PublicKey = nil
	}
	c.SHA256 = pin
	c.PublicKeySHA256 = pin
	c.SHA1[0] ^= 1
	c.MD5[0] ^= 1
	c.Subject, c.Issuer = "CN=vandal", "CN=vandal"
	c.PublicKeyAlgorithm, c.KeySize = "RSA", 1
	c.PublicKey = nil
}

// mutateKey changes a public key in place.
func mutateKey(pub any) {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		k.N.Add(k.N, big.NewInt(2))
		k.E = 3
	case *ecdsa.PublicKey:
		k.X.Add(k.X, big.NewInt(1))
	case *dsa.PublicKey:
		k.Y.Add(k.Y, big.NewInt(1))
		k.Q.SetInt64(1)
	case ed25519.PublicKey:
		for i := range k {
			k[i] ^= 1
		}
	}
}

// A caller that modifies the certificates of a Result (documented as
// read-only, but nothing stops it) must not change any later verification:
// neither its verdict, nor its fingerprints, nor whether a pin matches.
// Before the fix, the process-wide cache handed the same *Certificate to
// every Result: setting Result.Signers[0].Certificate.SHA256 to a trusted
// pin made every later app signed by that key trusted under that pin, and
// flipping Raw or the key made genuine apps fail.
func TestCacheSurvivesVandalisedResults(t *testing.T) {
	other, err := os.ReadFile(filepath.Join("..", "testdata", "apk", "min21-v123-ec.apk"))
	require.NoError(t, err, "committed fixture")
	for _, tc := range []struct{ apk, idsig string }{
		{"min21-v123.apk", ""},
		{"min21-v1-rsa.apk", ""},
		{"min21-v1-dsa.apk", ""},
		{"min21-v123-rot-abc.apk", ""},
		{"min21-v123-dsa.apk", ""},
		{"evidence-min21-v1234-stamp.apk", "evidence-min21-v1234-stamp.apk.idsig"},
		{"evidence-min21-v123-rot-ab-stamp.apk", ""},
	} {
		t.Run(tc.apk, func(t *testing.T) {
			apk, err := os.ReadFile(filepath.Join("..", "testdata", "apk", tc.apk))
			require.NoError(t, err, "committed fixture")
			var sig []byte
			if tc.idsig != "" {
				sig, err = os.ReadFile(filepath.Join("..", "testdata", "apk", tc.idsig))
				require.NoError(t, err, "committed fixture")
			}
			// The pin of another app's key: never this app's signer.
			otherRes, err := Verify(context.Background(), bytes.NewReader(other), int64(len(other)), Options{})
			require.NoError(t, err)
			require.NotEmpty(t, otherRes.Signers)
			pin := otherRes.Signers[0].Certificate.SHA256
			verify := func(trusted [32]byte) (*Result, string) {
				opts := Options{Policy: &Policy{TrustedCertSHA256: []string{hex.EncodeToString(trusted[:])}}}
				if sig != nil {
					opts.V4Signature, opts.V4SignatureSize = bytes.NewReader(sig), int64(len(sig))
				}
				r, err := Verify(context.Background(), bytes.NewReader(apk), int64(len(apk)), opts)
				require.NoError(t, err)
				j, err := json.Marshal(r)
				require.NoError(t, err)
				return r, string(j)
			}
			certparse.ResetCache()
			sigalg.ResetKeyCache()
			cold, coldJSON := verify(pin)
			require.True(t, cold.Verified, "%v", cold.Errors)
			require.False(t, cold.Trusted, "another app's pin")
			own := cold.Signers[len(cold.Signers)-1].Certificate.SHA256
			_, coldOwnJSON := verify(own)

			for round := 0; round < 2; round++ {
				warm, _ := verify(pin)
				certs := resultCertificates(warm)
				require.NotEmpty(t, certs)
				for _, c := range certs {
					vandalise(c, pin)
				}
				for _, c := range resultCertificates(cold) {
					vandalise(c, pin)
				}
				again, againJSON := verify(pin)
				assert.False(t, again.Trusted, "a pin written into an earlier Result must not make the app trusted")
				assert.JSONEq(t, coldJSON, againJSON, "after callers modified earlier results' certificates")
				_, ownJSON := verify(own)
				assert.JSONEq(t, coldOwnJSON, ownJSON, "the app's own pin still trusts it")
				for _, c := range resultCertificates(again) {
					assert.Equal(t, sha256.Sum256(c.Raw), c.SHA256, "fingerprint is the bytes'")
				}
			}
		})
	}
}
