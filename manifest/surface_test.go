package manifest_test

// A surface file: it calls the exported functions and methods of package
// manifest as another module would, importing nothing under internal/ and
// no helper of another test file, so that it also builds and passes in a
// module of its own (see apkverify/public_surface_test.go). The calls on the
// error type are in surface_errors_test.go.

import (
	"archive/zip"
	"io"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apktrust/apktrust/manifest"
)

// The committed fixtures are built from one manifest (testdata/make-fixtures.sh).
const (
	surfaceAPK     = "../testdata/apk/min21-v123.apk"
	surfacePackage = "dev.apktrust.fixture"
)

// surfaceZipEntry returns the bytes of one entry of the ZIP file at path.
func surfaceZipEntry(t *testing.T, path, name string) []byte {
	t.Helper()
	zr, err := zip.OpenReader(path)
	require.NoError(t, err, "committed fixture")
	defer zr.Close()
	f, err := zr.Open(name)
	require.NoError(t, err)
	defer f.Close()
	b, err := io.ReadAll(f)
	require.NoError(t, err)
	return b
}

func TestSurfaceParseAndAccessors(t *testing.T) {
	m, err := manifest.Parse(surfaceZipEntry(t, surfaceAPK, manifest.ManifestEntry))
	require.NoError(t, err)
	assert.Equal(t, surfacePackage, m.Package)
	assert.Equal(t, int64(7), m.LongVersionCode)
	assert.Equal(t, "1.2.3", m.VersionName)
	assert.Equal(t, 21, m.MinSDK())
	assert.Equal(t, 29, m.TargetSDK())
	assert.False(t, m.Debuggable)

	md, ok := m.Meta("dev.apktrust.int")
	require.True(t, ok)
	assert.Equal(t, manifest.MetaInt, md.Kind)
	assert.Equal(t, int64(42), md.Int)
	md, ok = m.Meta("dev.apktrust.string")
	require.True(t, ok)
	assert.Equal(t, "hello", md.String)
	_, ok = m.Meta(manifest.MetaStampSource)
	assert.False(t, ok, "an unstamped fixture has no stamp marker")
}

func TestSurfaceParseAPK(t *testing.T) {
	f, err := os.Open(surfaceAPK)
	require.NoError(t, err, "committed fixture")
	defer f.Close()
	st, err := f.Stat()
	require.NoError(t, err)
	m, err := manifest.ParseAPK(f, st.Size())
	require.NoError(t, err)
	assert.Equal(t, surfacePackage, m.Package)
	assert.Equal(t, 21, m.MinSDK())
	names := []string{}
	for _, p := range m.UsesPermissions {
		names = append(names, p.Name)
	}
	assert.Equal(t, []string{"android.permission.INTERNET", "android.permission.WRITE_EXTERNAL_STORAGE"}, names)
}

func TestSurfaceParseFS(t *testing.T) {
	zr, err := zip.OpenReader("../testdata/apk/debuggable-v123.apk")
	require.NoError(t, err, "committed fixture")
	defer zr.Close()
	m, err := manifest.ParseFS(zr)
	require.NoError(t, err)
	assert.Equal(t, surfacePackage, m.Package)
	assert.True(t, m.Debuggable, "the debuggable fixture says so")
}

func TestSurfaceParseProto(t *testing.T) {
	// An App Bundle module holds its manifest and resource table as
	// protocol buffers.
	const aab = "../testdata/aab/intact.aab"
	m, err := manifest.ParseProto(
		surfaceZipEntry(t, aab, "base/manifest/AndroidManifest.xml"),
		surfaceZipEntry(t, aab, "base/resources.pb"))
	require.NoError(t, err)
	assert.Equal(t, surfacePackage, m.Package)
	assert.Equal(t, int64(7), m.LongVersionCode)
	assert.Nil(t, m.ResourcesErr)
}
