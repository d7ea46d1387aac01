package apkverify_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/apktrust/apktrust/internal/conformance"
	"github.com/apktrust/apktrust/internal/testutil"
	"github.com/apktrust/apktrust/signer"
)

// repoRoot is the module root (internal/testutil).
func repoRoot() string { return testutil.RepoRoot() }

// fixture returns the path of a project fixture (testdata/apk/NAME). The
// fixtures are committed: a missing one fails the test.
func fixture(t testing.TB, name string) string {
	t.Helper()
	return testutil.Fixture(t, name)
}

// corpusAPK returns the path of an APK of the apksig corpus. The corpus
// is vendored (testdata/apksig), so a missing APK fails the test.
func corpusAPK(t testing.TB, name string) string {
	t.Helper()
	p := filepath.Join(conformance.Dir(t), name)
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("corpus APK %s missing: %v", name, err)
	}
	return p
}

// realWorldAPK returns the path of a real-world APK, skipping when absent.
func realWorldAPK(t testing.TB, name string) string {
	t.Helper()
	p := filepath.Join(conformance.RealWorldDir(t), name)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("real-world APK %s not found: %v", name, err)
	}
	return p
}

// keySHA256 returns the certificate SHA-256 of a fixture key from
// testdata/keys/keys.json.
func keySHA256(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot(), "testdata", "keys", "keys.json"))
	require.NoError(t, err, "testdata/keys/keys.json is committed")
	var keys []struct {
		Name       string `json:"name"`
		CertSha256 string `json:"certSha256"`
	}
	require.NoError(t, json.Unmarshal(b, &keys))
	for _, k := range keys {
		if k.Name == name {
			return k.CertSha256
		}
	}
	t.Fatalf("key %s not in keys.json", name)
	return ""
}

// lineageFixture parses testdata/lineage/NAME.
func lineageFixture(t testing.TB, name string) *signer.Lineage {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot(), "testdata", "lineage", name))
	require.NoError(t, err, "committed lineage fixture")
	l, err := signer.ParseLineageFile(b)
	require.NoError(t, err)
	return l
}
