package main

import (
	"bytes"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// certB is the SHA-256 of test key B, the upload key of the .aab fixtures.
const certB = "dcd124c696963fd0f9bbe8a479b99a2640fd514953fc89f5fb02308ed27efe15"

// App Bundles (.aab) are judged under the package's upload keys, never
// its app signing keys.
func TestVerifyAAB(t *testing.T) {
	ts := start(t, testConfig(t, func(fc *fileConfig) {
		fc.Policies[fixturePkg] = policyConfig{TrustedCertSHA256: []string{certA}, UploadCertSHA256: []string{certB}}
		fc.Policies["com.example.app"] = policyConfig{TrustedCertSHA256: []string{certB}}
	}))
	aab := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "aab", name))
		require.NoError(t, err, "committed fixture missing")
		return b
	}
	for _, tt := range []struct {
		name, file, query, ct string
		verdict               string
		verified              bool
		violations            []string
	}{
		{"intact bundle by the upload key", "intact.aab", "", "application/octet-stream", verdictTrusted, true, nil},
		{"as a multipart file part", "intact.aab", "", "multipart", verdictTrusted, true, nil},
		{"a changed entry", "changed-entry.aab", "", "", verdictNotTrusted, false, []string{"POLICY_SIGNATURE_NOT_VERIFIED"}},
		{"the app signing key's policy is not the upload key's", "intact.aab", "?package=com.example.app", "", verdictNotTrusted, true, []string{codeNoPolicy}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var r response
			if tt.ct == "multipart" {
				ct, body := multipartBody(t, [3]string{"file", "app.aab", string(aab(tt.file))})
				r = ts.post(t, "/v1/verify"+tt.query, ct, body)
			} else {
				r = ts.post(t, "/v1/verify"+tt.query, tt.ct, bytes.NewReader(aab(tt.file)))
			}
			require.Equal(t, http.StatusOK, r.status, "%.300s", r.raw)
			assert.Equal(t, "bundle", r.body["kind"])
			assert.Equal(t, tt.verdict, r.body["verdict"])
			assert.Equal(t, tt.verified, r.body["verified"])
			if tt.violations == nil {
				assert.Empty(t, r.violations())
			}
			assert.Subset(t, r.violations(), tt.violations)
		})
	}
	assert.Equal(t, 4.0, ts.metric(t, `apktrustd_verify_duration_seconds_count{kind="aab"}`))
	requireNoUploadsLeft(t, ts.tmpDir)
}

// A kind the service does not verify is refused by name (415), never
// given a verdict: what App Bundles got before apkverify read them.
func TestUnsupportedKindRefused(t *testing.T) {
	delete(supportedKinds, kindAAB)
	t.Cleanup(func() { supportedKinds[kindAAB] = true })
	ts := start(t, testConfig(t, nil))
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "aab", "intact.aab"))
	require.NoError(t, err)
	r := ts.post(t, "/v1/verify", "", bytes.NewReader(b))
	require.Equal(t, http.StatusUnsupportedMediaType, r.status)
	assert.Equal(t, codeUnsupportedKind, r.errorCode())
	assert.Equal(t, kindAAB, r.body["error"].(map[string]any)["inputKind"])
	assert.Equal(t, verdictCannotRead, r.body["verdict"])
	requireNoUploadsLeft(t, ts.tmpDir)
}

// The quick look reads a bundle's package from the base module's protobuf
// manifest, so a bundle is verified once, not twice.
func TestInspectBundlePackage(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "aab", "intact.aab"))
	require.NoError(t, err)
	kind, pkg := inspect(bytes.NewReader(b), int64(len(b)))
	assert.Equal(t, kindAAB, kind)
	assert.Equal(t, fixturePkg, pkg)
}
