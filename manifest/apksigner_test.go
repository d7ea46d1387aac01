package manifest

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// envApksigner enables TestApksignerAgreesOnMinSDK, which runs the
// installed apksigner (a JVM start per call, about 30 s in all).
const envApksigner = "APKTRUST_APKSIGNER"

// apksigner derives the signature schemes it signs with and checks from
// the manifest's minSdkVersion, so its behaviour shows the value it read:
// it refuses to sign when it cannot determine one, signs v1 only below 24,
// and verifies v2 only below 28. Each synthetic manifest must get the same
// answer from Parse.
func TestApksignerAgreesOnMinSDK(t *testing.T) {
	if os.Getenv(envApksigner) == "" {
		t.Skipf("set %s=1 to compare with the installed apksigner", envApksigner)
	}
	if _, err := exec.LookPath("apksigner"); err != nil {
		t.Skip("apksigner not installed")
	}
	key := filepath.Join(fixtureDir, "keys", "rsa-a.pk8")
	cert := filepath.Join(fixtureDir, "keys", "rsa-a.x509.pem")
	require.FileExists(t, key, "committed test key")
	tests := []struct {
		name string
		attr tAttr
	}{
		{"int 21", aInt("minSdkVersion", attrMinSdkVersion, 21)},
		{"hex 28", tAttr{name: "minSdkVersion", id: attrMinSdkVersion, typ: 0x11, data: 28, noRaw: true}},
		{"codename N", aStr("minSdkVersion", attrMinSdkVersion, "N")},
		{"codename O", aStr("minSdkVersion", attrMinSdkVersion, "O")},
		{"codename P", aStr("minSdkVersion", attrMinSdkVersion, "P")},
		{"codename Q", aStr("minSdkVersion", attrMinSdkVersion, "Q")},
		{"codename Tiramisu", aStr("minSdkVersion", attrMinSdkVersion, "Tiramisu")},
		{"numeric string", aStr("minSdkVersion", attrMinSdkVersion, "19")},
		{"lower-case codename", aStr("minSdkVersion", attrMinSdkVersion, "pie")},
		{"reference", aRef("minSdkVersion", attrMinSdkVersion, 0x7f010000)},
		{"boolean", aBool("minSdkVersion", attrMinSdkVersion, true)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			xml := buildXML(minimalManifest(usesSDK(tc.attr), el("application", nil)), false)
			dir := t.TempDir()
			in, out := filepath.Join(dir, "in.apk"), filepath.Join(dir, "out.apk")
			require.NoError(t, os.WriteFile(in, zipBytes(t, zipFile{name: ManifestEntry, data: xml}), 0o644))
			signOut, signErr := exec.Command("apksigner", "sign", "--key", key, "--cert", cert, "--out", out, in).CombinedOutput()

			m, err := Parse(xml)
			if signErr != nil {
				assert.Contains(t, string(signOut), "MinSdkVersionException")
				assert.ErrorIs(t, err, CodeMinSDK, "apksigner could not determine minSdk")
				return
			}
			require.NoError(t, err, "apksigner determined a minSdk")
			verOut, err := exec.Command("apksigner", "verify", "-v", out).CombinedOutput()
			require.NoError(t, err, string(verOut))
			v := string(verOut)
			assert.Equal(t, m.MinSDK() < 24, strings.Contains(v, "(JAR signing): true"), "v1 signed iff minSdk < 24 (MinSDK %d)", m.MinSDK())
			assert.Equal(t, m.MinSDK() < 28, strings.Contains(v, "(APK Signature Scheme v2): true"), "v2 checked iff minSdk < 28 (MinSDK %d)", m.MinSDK())
		})
	}
}
