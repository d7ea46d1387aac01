package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// uploadKey is rsa-b, the upload key of the bundle fixtures
// (testdata/make-aab.sh); the APK fixtures are signed by keyA, which plays
// the app signing key.
const uploadKey = keyB

// aab returns a committed bundle fixture's path relative to the
// repository root. A missing fixture fails.
func aab(t *testing.T, name string) string {
	t.Helper()
	return committed(t, "aab", name)
}

// TestReleasePipeline runs the two commands of the README's release
// pipeline section: gate the bundle before upload, then check what Play
// delivers against it.
func TestReleasePipeline(t *testing.T) {
	intact, tampered := aab(t, "intact.aab"), aab(t, "changed-entry.aab")
	delivered := apk(t, "min21-v123.apk")
	other := filepath.Join("testdata", "apksig", "golden-aligned-v1v2v3-out.apk")
	cases := []struct {
		name    string
		args    []string
		code    int
		verdict string
		details []string
	}{
		{"the bundle, pinned to its upload key", []string{"--cert-sha256", uploadKey, "--package", "dev.apktrust.fixture", "--min-version-code", "7", intact},
			0, "TRUSTED  " + intact + ": bundle dev.apktrust.fixture 1.2.3 (7), upload key dcd1…fe15",
			[]string{"  kind:     Android App Bundle", "  upload key:\n    jar  " + uploadKey, "  modules:\n    base ", "  policy:   trusted (signer " + uploadKey + ")"}},
		{"the bundle, pinned to another key", []string{"--cert-sha256", keyA, intact},
			1, "NOT TRUSTED  " + intact + ": the bundle is signed by dcd1…fe15", []string{"POLICY_UNTRUSTED_SIGNER"}},
		{"a tampered bundle", []string{"--cert-sha256", uploadKey, tampered},
			1, "NOT TRUSTED  " + tampered + ": did not verify:", []string{"JAR_SIG_ZIP_ENTRY_DIGEST_DID_NOT_VERIFY"}},
		{"an unsigned bundle, no policy", []string{aab(t, "unsigned.aab")},
			1, "NOT VERIFIED  testdata/aab/unsigned.aab:", []string{"JAR_SIG_NO_MANIFEST"}},
		{"what Play delivered, same release", []string{"--cert-sha256", keyA, "--same-release-as", intact, delivered},
			0, "TRUSTED  " + delivered, nil},
		{"what Play delivered, against a tampered bundle", []string{"--cert-sha256", keyA, "--same-release-as", tampered, delivered},
			1, "NOT TRUSTED  " + delivered, []string{"POLICY_RELEASE_NOT_VERIFIED"}},
		{"another app", []string{"--insecure-any-signer", "--same-release-as", intact, other},
			1, "NOT TRUSTED  " + other + `: package "android.appsecurity.cts.tinyapp" versionCode 10, but the bundle ` + intact + ` is package "dev.apktrust.fixture" versionCode 7`,
			[]string{"POLICY_RELEASE_MISMATCH"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, errOut, code := runVerify(t, tc.args...)
			require.Equal(t, tc.code, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
			assert.True(t, strings.HasPrefix(out, tc.verdict), out)
			for _, d := range tc.details {
				assert.Contains(t, out, d)
			}
		})
	}
}

// A --same-release-as file that cannot be read is a usage error.
func TestSameReleaseAsUnreadable(t *testing.T) {
	_, errOut, code := runVerify(t, "--cert-sha256", keyA, "--same-release-as", "testdata/aab/no-such.aab", apk(t, "min21-v123.apk"))
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, "--same-release-as testdata/aab/no-such.aab")
}

// --json of a bundle: kind, the JAR signers, manifest and modules.
func TestBundleJSON(t *testing.T) {
	out, _, code := runVerify(t, "--json", aab(t, "feature.aab"))
	require.Equal(t, 0, code, out)
	var j struct {
		Verdict string `json:"verdict"`
		Kind    string `json:"kind"`
		Signers []struct {
			Scheme     string `json:"scheme"`
			CertSHA256 string `json:"certSha256"`
		} `json:"signers"`
		Manifest struct {
			Package     string `json:"package"`
			VersionCode int64  `json:"versionCode"`
		} `json:"manifest"`
		Modules []struct {
			Name string `json:"name"`
		} `json:"modules"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &j))
	assert.Equal(t, "verified", j.Verdict)
	assert.Equal(t, "bundle", j.Kind)
	require.Len(t, j.Signers, 1)
	assert.Equal(t, "jar", j.Signers[0].Scheme)
	assert.Equal(t, uploadKey, j.Signers[0].CertSHA256)
	assert.Equal(t, "dev.apktrust.fixture", j.Manifest.Package)
	assert.EqualValues(t, 7, j.Manifest.VersionCode)
	require.Len(t, j.Modules, 2)
	assert.Equal(t, "base", j.Modules[0].Name)
	assert.Equal(t, "extras", j.Modules[1].Name)
}
