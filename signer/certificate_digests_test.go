package signer_test

import (
	"bufio"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apktrust/apktrust/internal/testutil"
	"github.com/apktrust/apktrust/signer"
)

// TestCertificateDigestsMatchApksigner checks the fingerprints against
// what apksigner verify --print-certs printed for the fixtures (recorded
// in testdata/apksigner): certificate SHA-256, SHA-1, MD5 and the public
// key's SHA-256.
func TestCertificateDigestsMatchApksigner(t *testing.T) {
	// apksigner's digests per certificate SHA-256.
	want := map[string]map[string]string{}
	files, err := filepath.Glob(filepath.Join(testutil.RepoRoot(), "testdata", "apksigner", "*.txt"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, fn := range files {
		f, err := os.Open(fn)
		require.NoError(t, err)
		sc := bufio.NewScanner(f)
		var cur map[string]string
		for sc.Scan() {
			line := sc.Text()
			k, v, ok := strings.Cut(line, ": ")
			if !ok || !strings.HasPrefix(k, "Signer #") {
				continue
			}
			field := k[strings.IndexByte(k, ' ')+1:]
			field = field[strings.IndexByte(field, ' ')+1:]
			if field == "certificate SHA-256 digest" {
				cur = map[string]string{}
				want[v] = cur
			}
			if cur != nil {
				cur[field] = v
			}
		}
		f.Close()
	}
	keys, err := filepath.Glob(filepath.Join(testutil.RepoRoot(), "testdata", "keys", "*.x509.pem"))
	require.NoError(t, err)
	checked := 0
	for _, fn := range keys {
		c, err := signer.ParseCertificate(testutil.ReadPEMCert(t, fn))
		require.NoError(t, err, fn)
		w, ok := want[c.SHA256Hex()]
		if !ok {
			continue
		}
		checked++
		assert.Equal(t, w["certificate SHA-1 digest"], hex.EncodeToString(c.SHA1[:]), fn)
		assert.Equal(t, w["certificate MD5 digest"], hex.EncodeToString(c.MD5[:]), fn)
		assert.Equal(t, w["public key SHA-256 digest"], hex.EncodeToString(c.PublicKeySHA256[:]), fn)
		// apksigner writes the DN with ", " between RDNs in the
		// certificate's order; ours keeps the order of earlier versions
		// (crypto/x509's), so the attributes are compared as a set.
		if dn := w["certificate DN"]; dn != "" {
			assert.ElementsMatch(t, strings.Split(dn, ", "), strings.Split(c.Subject, ","), fn)
		}
	}
	assert.GreaterOrEqual(t, checked, 4, "the recorded apksigner output names the fixture keys")
}
