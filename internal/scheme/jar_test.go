package scheme

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apktrust/apktrust/internal/testutil"
)

// Which entries a JAR signature must cover: everything but the manifest
// and the signature files directly in META-INF/, as java.util.jar decides;
// an APK leaves all of META-INF/ out, as Android does.
func TestJarUnsignedEntry(t *testing.T) {
	tests := []struct {
		name     string
		jar, apk bool
	}{
		{"META-INF/MANIFEST.MF", true, true},
		{"META-INF/UPLOAD.SF", true, true},
		{"META-INF/upload.rsa", true, true},
		{"META-INF/CERT.DSA", true, true},
		{"META-INF/KEY.EC", true, true},
		{"META-INF/SIG-FOO", true, true},
		{"META-INF/services/x", false, true},
		{"META-INF/sub/CERT.RSA", false, true},
		{"META-INF/NOTICE", false, true},
		{"base/manifest/AndroidManifest.xml", false, false},
		{"BundleConfig.pb", false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.jar, (&v1Verifier{jar: true}).unsignedEntry(tc.name))
			assert.Equal(t, tc.apk, (&v1Verifier{}).unsignedEntry(tc.name))
		})
	}
}

func TestJarStrongAlgorithm(t *testing.T) {
	tests := []struct {
		name          string
		digest, sigal string
		ok            bool
	}{
		{"SHA256withRSA", oidV1DigestSHA256, oidV1SigSHA256WithRSA, true},
		{"RSA key, SHA-512 digest", oidV1DigestSHA512, oidV1SigRSA, true},
		{"SHA256withECDSA", oidV1DigestSHA256, oidV1SigSHA256WithECDSA, true},
		{"SHA384withECDSA", oidV1DigestSHA384, oidV1SigSHA384WithECDSA, true},
		{"SHA256withDSA", oidV1DigestSHA256, oidV1SigSHA256WithDSA, true},
		{"SHA1withRSA", oidV1DigestSHA1, oidV1SigSHA1WithRSA, false},
		{"SHA-1 digest under SHA256withRSA", oidV1DigestSHA1, oidV1SigSHA256WithRSA, false},
		{"SHA-256 digest under SHA1withRSA", oidV1DigestSHA256, oidV1SigSHA1WithRSA, false},
		{"MD5withRSA", oidV1DigestMD5, oidV1SigMD5WithRSA, false},
		{"SHA224withECDSA", oidV1DigestSHA224, oidV1SigSHA224WithECDSA, false},
		{"unknown", "1.2.3", "4.5.6", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.ok, jarStrongAlgorithm(tc.digest, tc.sigal))
		})
	}
}

// An APK's v1 signature is a JAR signature too: VerifyJAR accepts a
// SHA-256 one (without the APK rules) and refuses a SHA-1 one that
// Android accepts.
func TestVerifyJAROnAPKs(t *testing.T) {
	tests := []struct {
		file string
		ok   bool
		code Code
	}{
		{"min21-v1-rsa.apk", true, ""},
		{"min21-v1-ec.apk", true, ""},
		{"min14-v1.apk", false, CodeJarWeakAlgorithm},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			p := filepath.Join(testutil.RepoRoot(), "testdata", "apk", tc.file)
			_, err := os.Stat(p)
			require.NoError(t, err, "committed fixture missing")
			a := testutil.OpenAPK(t, p)
			require.True(t, VerifyV1(context.Background(), a, 21, MaxSDK).Verified || !tc.ok)
			r := VerifyJAR(context.Background(), a)
			assert.Equal(t, SchemeJAR, r.Scheme)
			assert.True(t, r.Present)
			assert.Equal(t, tc.ok, r.Verified, "errors: %v", r.Errors)
			if tc.code != "" {
				var codes []Code
				for _, e := range r.Errors {
					assert.Equal(t, SchemeJAR, e.Scheme)
					codes = append(codes, e.Code)
				}
				for _, s := range r.Signers {
					for _, e := range s.Errors {
						codes = append(codes, e.Code)
					}
				}
				assert.Contains(t, codes, tc.code)
			}
		})
	}
}
