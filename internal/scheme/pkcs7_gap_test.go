package scheme

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.mozilla.org/pkcs7"

	"github.com/apktrust/apktrust/internal/apkzip"
	"github.com/apktrust/apktrust/internal/conformance"
	"github.com/apktrust/apktrust/internal/jarmanifest"
	"github.com/apktrust/apktrust/internal/testutil"
)

// v1SignatureFiles returns the first signer's .SF and signature block.
func v1SignatureFiles(t *testing.T, a *apkzip.Archive) (sf, block []byte) {
	t.Helper()
	for _, e := range a.Entries() {
		n := e.Name
		var err error
		switch {
		case !strings.HasPrefix(n, "META-INF/"):
		case strings.HasSuffix(n, ".SF") && sf == nil:
			sf, err = e.ReadAll(jarmanifest.MaxFileSize)
		case (strings.HasSuffix(n, ".RSA") || strings.HasSuffix(n, ".DSA") || strings.HasSuffix(n, ".EC")) && block == nil:
			block, err = e.ReadAll(MaxSignatureBlockSize)
		}
		require.NoError(t, err)
	}
	require.NotNil(t, sf)
	require.NotNil(t, block)
	return sf, block
}

// TestPKCS7LibraryGaps documents why v1 verification reads PKCS #7 itself:
// for each input, go.mozilla.org/pkcs7 refuses to parse or verify a
// signature block that Android accepts, while VerifyV1 accepts it as
// Android does.
func TestPKCS7LibraryGaps(t *testing.T) {
	rsaKey, _ := v1Keys(t)
	neg := v1NegativeSerialKey(t)
	generated := func(spec v1SignerSpec) func(t *testing.T) *apkzip.Archive {
		return func(t *testing.T) *apkzip.Archive {
			return v1Open(t, v1BuildAPK(t, v1TestFiles(), []v1SignerSpec{spec}, v1BuildOptions{}))
		}
	}
	corpus := func(name string) func(t *testing.T) *apkzip.Archive {
		return func(t *testing.T) *apkzip.Archive {
			dir := conformance.Dir(t)
			a, err := testutil.TryOpenAPK(t, filepath.Join(dir, name))
			require.NoError(t, err)
			return a
		}
	}
	tests := []struct {
		name   string
		load   func(t *testing.T) *apkzip.Archive
		minSDK int
	}{
		{"negative serial number", generated(v1SignerSpec{name: "NEG", ext: ".RSA", key: neg, digestOID: oidV1DigestSHA256, sigOID: oidV1SigRSA}), 18},
		{"signing time outside the certificate's validity", generated(v1SignerSpec{name: "ST", ext: ".RSA", key: rsaKey,
			digestOID: oidV1DigestSHA256, sigOID: oidV1SigRSA, signedAttrs: true, signingTime: time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC)}), 19},
		{"DSA", corpus("v1-only-with-dsa-sha256-1.2.840.10040.4.1-2048.apk"), 22},
		{"DSA with SHA-1", corpus("v1-only-with-dsa-sha1-1.2.840.10040.4.1-1024.apk"), 1},
		{"MD5 with RSA", corpus("v1-only-with-rsa-pkcs1-md5-1.2.840.113549.1.1.4-2048.apk"), 21},
		{"SHA-224 with RSA", corpus("v1-only-with-rsa-pkcs1-sha224-1.2.840.113549.1.1.14-2048.apk"), 21},
		{"ECDSA with the bare EC key OID", corpus("v1-only-with-ecdsa-sha256-1.2.840.10045.2.1-p256.apk"), 18},
		{"BER certificate", corpus("v1-only-with-rsa-1024-cert-not-der.apk"), 1},
		{"certificate not in DER", corpus("v1-only-with-rsa-1024-cert-not-der2.apk"), 1},
		{"signed attributes not in DER order", corpus("v1-only-with-signed-attrs-wrong-order.apk"), 24},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := tc.load(t)
			sf, block := v1SignatureFiles(t, a)
			p7, err := pkcs7.Parse(block)
			if err == nil {
				p7.Content = sf
				err = p7.Verify()
			}
			assert.Error(t, err, "go.mozilla.org/pkcs7 now handles this input; the gap may be closed")
			r := VerifyV1(context.Background(), a, tc.minSDK, MaxSDK)
			assert.True(t, r.Verified, "errors %v signers %v", r.Errors, r.Signers)
		})
	}
}
