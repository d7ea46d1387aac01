package apkverify

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
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
			assert.Same(t, cold.Signers[0].Certificate, warm.Signers[0].Certificate,
				"results share cached certificates (documented as read-only)")

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
