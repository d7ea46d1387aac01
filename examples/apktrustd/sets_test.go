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

const setsPkg = "com.apktrust.sets"

func setFixture(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "sets", name))
	require.NoError(t, err, "committed fixture missing")
	return string(b)
}

// Install sets: several file parts (a loose split set) or one archive of
// APKs (.apks, .xapk), verified as one install under the base's policy.
func TestVerifySets(t *testing.T) {
	ts := start(t, testConfig(t, func(fc *fileConfig) {
		fc.Limits.MaxBodyBytes = 16 << 20
		fc.Policies[setsPkg] = policyConfig{TrustedCertSHA256: []string{certA}}
	}))
	parts := func(names ...string) (string, *bytes.Buffer) {
		var ps [][3]string
		for _, n := range names {
			ps = append(ps, [3]string{"file", n, setFixture(t, n)})
		}
		return multipartBody(t, ps...)
	}
	tests := []struct {
		name     string
		post     func() (string, *bytes.Buffer)
		query    string
		verdict  string
		verified bool
		codes    []string // set errors or policy violations expected
	}{
		{"split set as multipart", func() (string, *bytes.Buffer) { return parts("base.apk", "config.de.apk", "config.xxhdpi.apk") }, "", verdictTrusted, true, nil},
		{"split by another key", func() (string, *bytes.Buffer) { return parts("base.apk", "config.de-b.apk") }, "", verdictNotTrusted, false, []string{"SET_SIGNER_MISMATCH"}},
		{"split of another package", func() (string, *bytes.Buffer) { return parts("base.apk", "config.fr-otherpkg.apk") }, "", verdictNotTrusted, false, []string{"SET_PACKAGE_MISMATCH"}},
		{"set named for another package", func() (string, *bytes.Buffer) { return parts("base.apk", "config.de.apk") }, "?package=" + fixturePkg, verdictNotTrusted, true, []string{"POLICY_PACKAGE_MISMATCH"}},
		{".apks as the raw body", func() (string, *bytes.Buffer) {
			return "application/octet-stream", bytes.NewBufferString(setFixture(t, "ok.apks"))
		}, "", verdictTrusted, true, nil},
		{".xapk as a file part", func() (string, *bytes.Buffer) { return parts("ok.xapk") }, "", verdictTrusted, true, nil},
		{".apks with a split by another key", func() (string, *bytes.Buffer) {
			return "", bytes.NewBufferString(setFixture(t, "signer-mismatch.apks"))
		}, "", verdictNotTrusted, false, []string{"SET_SIGNER_MISMATCH"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ct, body := tt.post()
			r := ts.post(t, "/v1/verify"+tt.query, ct, body)
			require.Equal(t, http.StatusOK, r.status, "%.300s", r.raw)
			assert.Equal(t, "set", r.body["kind"])
			assert.Equal(t, tt.verdict, r.body["verdict"])
			assert.Equal(t, tt.verified, r.body["verified"])
			assert.Equal(t, setsPkg, r.body["package"])
			var codes []string
			for _, e := range r.body["errors"].([]any) {
				codes = append(codes, e.(map[string]any)["code"].(string))
			}
			codes = append(codes, r.violations()...)
			if tt.codes == nil {
				assert.Empty(t, codes)
			}
			assert.Subset(t, codes, tt.codes)
		})
	}
	t.Run("no policy for the set's package", func(t *testing.T) {
		ts := start(t, testConfig(t, nil))
		ct, body := parts("base.apk", "config.de.apk")
		r := ts.post(t, "/v1/verify", ct, body)
		require.Equal(t, http.StatusOK, r.status)
		assert.Equal(t, verdictNotTrusted, r.body["verdict"])
		assert.Equal(t, []string{codeNoPolicy}, r.violations())
	})
	assert.Equal(t, 3.0, ts.metric(t, `apktrustd_verify_duration_seconds_count{kind="apk-set"}`))
	requireNoUploadsLeft(t, ts.tmpDir)
}
