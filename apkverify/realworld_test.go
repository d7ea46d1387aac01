package apkverify_test

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/apktrust/apktrust/apkverify"
	"github.com/apktrust/apktrust/internal/conformance"
)

// realWorldSchemeDifferences are the real-world files where the schemes
// apksigner 31.0.2 printed are not what Android uses, with the reason (see
// the corpus README).
var realWorldSchemeDifferences = map[string]string{
	"play-google-calculator_85005519-standalone.apk": "apksigner 31 does not know v3.1 and does not report v3 next to it; Android 9-12 use v3 (old key), 13+ v3.1 (new key)",
	"play-youtube-split_config.en.apk":               "apksigner 31 does not know v3.1 and does not report v3 next to it; Android 9-12 use v3 (old key), 13+ v3.1 (new key)",
}

// TestRealWorld verifies every real app of the corpus and compares the
// verdict, schemes and signer with what apksigner reported.
func TestRealWorld(t *testing.T) {
	dir, apps := conformance.RealWorld(t)
	ctx := context.Background()
	checked := 0
	for _, app := range apps {
		file := app["file"]
		t.Run(file, func(t *testing.T) {
			res, err := apkverify.VerifyFile(ctx, filepath.Join(dir, file), apkverify.Options{})
			if strings.HasSuffix(file, ".aab") {
				// An App Bundle is not an APK (apksigner throws "Missing
				// AndroidManifest.xml"): its JAR signature is compared
				// with jarsigner's signer (TestRealBundle checks more).
				require.NoError(t, err)
				require.Equal(t, apkverify.KindAppBundle, res.Kind)
				require.True(t, res.Verified, "errors: %v", res.Errors)
				require.Equal(t, app["signer_cert_sha256"], res.Signers[0].CertSHA256)
				return
			}
			require.NoError(t, err)
			require.Equal(t, app["apksigner_verdict"] == "Verifies", res.Verified, "errors: %v", res.Errors)
			checked++
			var want []string
			for _, s := range strings.Split(app["apksigner_schemes"], ",") {
				if s != "stamp" {
					want = append(want, s)
				}
			}
			got := verifiedSchemes(res)
			if reason, ok := realWorldSchemeDifferences[file]; ok {
				require.NotEqual(t, want, got, "documented difference no longer holds: %s", reason)
				require.Equal(t, []string{"v1", "v2", "v3", "v3.1"}, got)
				return
			}
			require.Equal(t, want, got)
			// apksigner prints the signer of the newest verified scheme.
			var certs []string
			for _, c := range res.SignerCertificates() {
				certs = append(certs, c.SHA256Hex())
			}
			require.True(t, slices.Contains(certs, app["signer_cert_sha256"]), "want %s among %v", app["signer_cert_sha256"], certs)
		})
	}
	t.Logf("real-world corpus: %d APKs verified as apksigner says", checked)
}
