package scheme

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// envJarsigner enables TestV1ShapesJarsigner, which runs the installed
// JDK's jarsigner on every shape of TestV1PlatformShapes (a JVM start per
// file) and checks the answer recorded in the table.
const envJarsigner = "APKTRUST_JARSIGNER"

// TestV1ShapesJarsigner checks the jarsigner answers recorded beside the
// shapes. java.util.jar reads MANIFEST.MF and .SF files as the platform's
// StrictJarManifestReader does where it matters here (names, last value
// wins, blank lines in section digests), so where both answer they agree.
// v1JarsignerAnswers are the answers of `jarsigner -verify` (OpenJDK 17,
// Debian) to the files of TestV1PlatformShapes and
// TestV1BERSignedAttributes, as TestV1ShapesJarsigner recorded them:
// "verified" when it printed "jar verified.". jarsigner knows nothing of
// X-Android-APK-Signed (the stripping shapes verify there, as on a desktop
// JVM they should). Where it disagrees with the platform, the platform's
// reader decides: jarsigner (java.util.jar's ManifestDigester) ends a
// section at its first blank line and allows NUL bytes, and it refuses a
// .SF naming an entry the manifest lacks, where the platform ignores the
// signer. It agrees with the platform on invalid names and lines, a
// leading blank line, last-value-wins digests, the unterminated last line
// and BER signed attributes.
var v1JarsignerAnswers = map[string]string{
	"control: genuine": "verified",
	"control: added signer, well-formed (both readers use it)":                                                                      "verified",
	"added signer whose .SF names an entry twice (apksig ignores it, the platform merges and uses it)":                              "verified",
	"control: added signer without Signature-Version (both ignore it)":                                                              "verified",
	"added signer without Signature-Version but X-Android-APK-Signed: 2 (the platform checks stripping first)":                      "verified",
	"control: added signer with a wrong whole-manifest digest and a section for a missing entry (both ignore it)":                   "refused",
	"added signer with a wrong whole-manifest digest, a wrong section and a missing entry (the platform may throw)":                 "refused",
	"added signer: repeated X-Android-APK-Signed, empty then 2 (the platform keeps the last)":                                       "verified",
	"added signer: repeated X-Android-APK-Signed, 2 then empty (apksig keeps the first: refused as apksigner does)":                 "verified",
	"added signer: repeated whole-manifest digest, right then wrong, and a missing entry (apksig uses it, the platform ignores it)": "refused",
	"control: X-Android-APK-Signed: 2 with v2 found":                                                                                "verified",
	"X-Android-APK-Signed: 2 without v2 (stripped)":                                                                                 "verified",
	"full-width digit ２ is 2 to Java":                                                                                               "verified",
	"control: full-width ２ with v2 found":                                                                                           "verified",
	"Arabic-Indic ٢ is 2 to Java":                                                                                                   "verified",
	"+2 is 2 to Java":                                                                                                               "verified",
	"002 is 2 to Java":                                                                                                              "verified",
	"mathematical bold 𝟐 (two UTF-16 units Java does not read): refused rather than guessed":                                        "verified",
	"control: mathematical bold 𝟐 with v2 and v3 found":                                                                             "verified",
	"control: 2x is no number":                                                                                                      "verified",
	"control: 99999999999 overflows int":                                                                                            "verified",
	"control: manifest with CR-only line endings, signed so":                                                                        "verified",
	"blank line added after a section (the platform's section runs to the next one)":                                                "verified",
	"blank lines added at the end":                                                                                                  "verified",
	"control: valid attribute added to the main section (no main-attributes digest)":                                                "verified",
	"attribute name with a space in the main section":                                                                               "refused",
	"line without ': ' in the main section (joined with the next by the platform)":                                                  "refused",
	"name:value without the space in the main section":                                                                              "refused",
	"NUL in a main-section value":                                                                                                   "verified",
	"leading blank line (the platform reads a name starting with a line break)":                                                     "refused",
	"repeated SHA-256-Digest in an entry section, right then wrong (the platform checks the last)":                                  "refused",
	"a second block for the genuine .SF, signed by Z (the platform keeps one chain per .SF)":                                        "verified",
	"unterminated last line, signed so (the platform drops the entry's digest)":                                                     "refused",
	"control: DER signed attributes":                                                                                                "verified",
	"BER signed attributes (indefinite lengths), signature over the DER form (the platform and jarsigner accept)":                   "verified",
	"BER signed attributes, signature over the raw BER (fails on the platform)":                                                     "refused",
	"BER signed attributes on a range below Android 7.0":                                                                            "verified",
}

func TestV1ShapesJarsigner(t *testing.T) {
	if os.Getenv(envJarsigner) == "" {
		t.Skipf("set %s=1 to compare with the installed jarsigner", envJarsigner)
	}
	if _, err := exec.LookPath("jarsigner"); err != nil {
		t.Skip("jarsigner not installed")
	}
	cases := append(v1PlatformShapeCases(t), v1BERShapeCases(t)...)
	dir := t.TempDir()
	var mu sync.Mutex
	answers := map[string]string{}
	var wg sync.WaitGroup
	sem := make(chan struct{}, 2)
	for i, tc := range cases {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			path := filepath.Join(dir, fmt.Sprintf("shape%02d.jar", i))
			require.NoError(t, os.WriteFile(path, tc.file, 0o644))
			out, _ := exec.Command("jarsigner", "-verify", path).CombinedOutput()
			got := "refused"
			if strings.Contains(string(out), "jar verified.") {
				got = "verified"
			}
			mu.Lock()
			answers[tc.name] = got + ": " + strings.TrimSpace(strings.SplitN(string(out), "\n", 2)[0])
			mu.Unlock()
		}()
	}
	wg.Wait()
	for _, tc := range cases {
		t.Logf("%s => %s", tc.name, answers[tc.name])
		want, ok := v1JarsignerAnswers[tc.name]
		if assert.True(t, ok, "no answer recorded for %s", tc.name) {
			assert.True(t, strings.HasPrefix(answers[tc.name], want+":"), "%s: recorded %s, jarsigner now %s", tc.name, want, answers[tc.name])
		}
	}
}
