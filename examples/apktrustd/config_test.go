package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func writeConfig(t *testing.T, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "apktrustd.json")
	require.NoError(t, os.WriteFile(p, []byte(text), 0o600))
	return p
}

// A configuration with mistakes is refused at start with exit status 2,
// and the message names every mistake with its field.
func TestBadConfigRefusedAtStart(t *testing.T) {
	noEnv := func(string) string { return "" }
	tests := []struct {
		name   string
		config string
		env    func(string) string
		want   []string
	}{
		{"not JSON", `{"policies": `, noEnv, []string{"unexpected EOF"}},
		{"unknown field (misspelt rule)", `{"policies": {"a.b": {"trustedCertSha256": ["` + certA + `"], "minVersion": 3}}}`, noEnv,
			[]string{`unknown field "minVersion"`}},
		{"no policies", `{}`, noEnv, []string{"policies: none given"}},
		{"every policy mistake listed", `{"policies": {
			"not a package": {"trustedCertSha256": ["` + certA + `"]},
			"com.example.nokey": {},
			"com.example.badcert": {"trustedCertSha256": ["abcd"], "requireSchemes": ["v9"], "minVersionCode": -1},
			"com.example.lineage": {"trustedCertSha256": ["` + certA + `"], "lineageFile": "missing.lineage"},
			"com.example.stamp": {"trustedCertSha256": ["` + certA + `"], "stampCertSha256": ["zz"]},
			"com.example.known": {"trustedCertSha256": ["` + certA + `"], "allowKnownKeyCategories": ["friends"], "uploadCertSha256": ["upload"]}
		}, "knownKeysFile": "nowhere.json"}`, noEnv, []string{
			`knownKeysFile:`,
			`policies["com.example.known"]: allowKnownKeyCategories[0] "friends"`,
			`policies["com.example.known"]: uploadCertSha256[0] "upload": not a SHA-256`,
			`policies["not a package"]: not a valid Android package name`,
			`policies["com.example.nokey"]: trustedCertSha256: at least one`,
			`policies["com.example.badcert"]: trustedCertSha256[0] "abcd": not a SHA-256`,
			`policies["com.example.badcert"]: requireSchemes[0] "v9"`,
			`policies["com.example.badcert"]: minVersionCode: must not be negative`,
			`policies["com.example.lineage"]: lineageFile:`,
			`policies["com.example.stamp"]: stampCertSha256[0] "zz"`,
		}},
		{"bad limits", `{"limits": {"maxBodyBytes": -1, "readTimeout": "soon", "idleTimeout": "-1s", "workers": 2}, "policies": {"a.b": {"trustedCertSha256": ["` + certA + `"]}}}`, noEnv,
			[]string{`limits.readTimeout "soon": want a duration`, `limits.idleTimeout "-1s": must be positive`, "limits.maxBodyBytes: must not be negative"}},
		{"write timeout shorter than read + verify", `{"limits": {"readTimeout": "1m", "verifyTimeout": "1m", "writeTimeout": "1m"}, "policies": {"a.b": {"trustedCertSha256": ["` + certA + `"]}}}`, noEnv,
			[]string{"limits.writeTimeout 1m0s: must be at least"}},
		{"negative limit", `{"limits": {"maxParts": -3}, "policies": {"a.b": {"trustedCertSha256": ["` + certA + `"]}}}`, noEnv,
			[]string{"limits.maxParts: must not be negative"}},
		{"token too short", `{"policies": {"a.b": {"trustedCertSha256": ["` + certA + `"]}}}`,
			func(k string) string { return map[string]string{envToken: "short"}[k] }, []string{"shorter than 16"}},
		{"token twice", `{"tokenFile": "t", "policies": {"a.b": {"trustedCertSha256": ["` + certA + `"]}}}`,
			func(k string) string { return map[string]string{envToken: "a-long-enough-token"}[k] }, []string{"both set"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stderr bytes.Buffer
			code := run(context.Background(), []string{"-config", writeConfig(t, tt.config), "-listen", "127.0.0.1:0"}, &stderr, tt.env)
			assert.Equal(t, 2, code)
			for _, w := range tt.want {
				assert.Contains(t, stderr.String(), w)
			}
			assert.NotContains(t, stderr.String(), `"listening"`, "never started")
		})
	}
}

// A good configuration starts, logs where it listens, and stops with
// status 0 when told to.
func TestRunStartsAndStops(t *testing.T) {
	cfg := writeConfig(t, `{
		"listen": "127.0.0.1:0",
		"limits": {"maxBodyBytes": 1048576, "verifyTimeout": "5s", "workers": 1},
		"policies": {"dev.apktrust.fixture": {"trustedCertSha256": ["`+strings.ToUpper(certA)+`"], "minVersionCode": 1, "requireSchemes": ["v2", "v3"]}}
	}`)
	ctx, cancel := context.WithCancel(context.Background())
	var stderr syncBuffer
	done := make(chan int, 1)
	go func() { done <- run(ctx, []string{"-config", cfg}, &stderr, func(string) string { return "" }) }()
	require.Eventually(t, func() bool { return strings.Contains(stderr.String(), `"msg":"listening"`) }, 5*time.Second, 10*time.Millisecond)
	assert.Contains(t, stderr.String(), `"workers":1`)
	assert.Contains(t, stderr.String(), `"queue":16`, "the queue follows the workers")
	cancel()
	select {
	case code := <-done:
		assert.Equal(t, 0, code, stderr.String())
	case <-time.After(5 * time.Second):
		t.Fatal("did not stop")
	}
}

func TestDefaultLimitsFollowGOMAXPROCS(t *testing.T) {
	l := defaultLimits()
	n := runtime.GOMAXPROCS(0)
	assert.Equal(t, n, l.Workers)
	assert.Equal(t, 16*n, l.Queue)
	assert.Equal(t, 2*(l.Workers+l.Queue), l.MaxUploads)
	c, errs := buildConfig(&fileConfig{Policies: map[string]policyConfig{"a.b": {TrustedCertSHA256: []string{certA}}}}, ".", func(string) string { return "" })
	require.Empty(t, errs)
	assert.Equal(t, "127.0.0.1:8080", c.Listen, "localhost only by default")
	assert.GreaterOrEqual(t, c.Limits.WriteTimeout, c.Limits.ReadTimeout+c.Limits.VerifyTimeout)
}

// The sample configuration loads, and the README shows it as it is.
func TestExampleConfig(t *testing.T) {
	c, err := loadConfig("apktrustd.example.json", func(string) string { return "" })
	require.NoError(t, err)
	assert.Len(t, c.Policies, 2)
	assert.NotNil(t, c.Policies["dev.apktrust.rotated"].History)
	assert.Len(t, c.BundlePolicies, 1, "bundles only where an upload key is given")
	sample, err := os.ReadFile("apktrustd.example.json")
	require.NoError(t, err)
	readme, err := os.ReadFile("README.md")
	require.NoError(t, err)
	assert.Contains(t, string(readme), string(sample))

	// The README's curl: the fixture is trusted under the sample.
	c.TempDir = t.TempDir()
	ts := start(t, c)
	r := ts.post(t, "/v1/verify", "application/x-www-form-urlencoded", bytes.NewReader(fixture(t, "min21-v123.apk")))
	require.Equal(t, 200, r.status)
	assert.Equal(t, verdictTrusted, r.body["verdict"])
	b, err := os.ReadFile("../../testdata/aab/intact.aab")
	require.NoError(t, err)
	r = ts.post(t, "/v1/verify", "", bytes.NewReader(b))
	require.Equal(t, 200, r.status)
	assert.Equal(t, verdictTrusted, r.body["verdict"], "the fixture bundle, by its upload key")
}
