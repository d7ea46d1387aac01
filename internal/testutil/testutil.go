// Package testutil holds the helpers the project's tests share: where the
// repository's committed fixtures are, and opening an APK from them. A
// committed fixture that is missing fails the test that wants it; only
// inputs outside the repository (the ../shared corpora, located by
// internal/conformance) may skip.
package testutil

import (
	"encoding/pem"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/apktrust/apktrust/internal/apkzip"
)

// RepoRoot is the module root, found from this file's location so that
// tests in any package, moved or not, resolve testdata the same way.
func RepoRoot() string {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return "."
	}
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// Testdata returns the path of a committed file under the repository's
// testdata folder (elem joined), failing the test when it is missing.
func Testdata(t testing.TB, elem ...string) string {
	t.Helper()
	p := filepath.Join(append([]string{RepoRoot(), "testdata"}, elem...)...)
	_, err := os.Stat(p)
	require.NoError(t, err, "committed fixture")
	return p
}

// Fixture returns the path of a committed fixture APK, testdata/apk/NAME.
func Fixture(t testing.TB, name string) string {
	t.Helper()
	return Testdata(t, "apk", name)
}

// OpenAPK opens the APK at path through the project's container reader,
// failing the test when it cannot; the file is closed when the test ends.
func OpenAPK(t testing.TB, path string) *apkzip.Archive {
	t.Helper()
	a, err := TryOpenAPK(t, path)
	require.NoError(t, err, path)
	return a
}

// TryOpenAPK is OpenAPK for files the container reader may refuse: it
// fails the test only when the file cannot be opened, and returns the
// reader's error.
func TryOpenAPK(t testing.TB, path string) (*apkzip.Archive, error) {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	t.Cleanup(func() { f.Close() })
	st, err := f.Stat()
	require.NoError(t, err)
	return apkzip.Open(f, st.Size())
}

// ReadPEMCert returns the DER bytes of the first PEM block of the file at
// path, failing the test when there is none.
func ReadPEMCert(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	blk, _ := pem.Decode(b)
	require.NotNil(t, blk, path)
	return blk.Bytes
}
