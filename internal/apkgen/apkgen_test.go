package apkgen

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/apktrust/apktrust/internal/apkzip"
	"github.com/shogo82148/androidbinary"
	"github.com/shogo82148/androidbinary/apk"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func generate(t *testing.T, opts Options) []byte {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, Write(&buf, opts))
	return buf.Bytes()
}

func TestWriteProducesAnAPKShapedZipOfExactSize(t *testing.T) {
	tests := []struct {
		name  string
		opts  Options
		small int
	}{
		{"3 MiB, 200 small entries", Options{Size: 3 << 20, SmallEntries: 200, Seed: 7}, 200},
		{"default 10 MiB, 2000 small entries", Options{Seed: 1}, 2000},
		{"odd size", Options{Size: 5<<20 + 12345, SmallEntries: 100, Seed: 3}, 100},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := generate(t, tt.opts)
			want := tt.opts.Size
			if want == 0 {
				want = MB10
			}
			require.Equal(t, want, int64(len(b)))

			a, err := apkzip.Open(bytes.NewReader(b), int64(len(b)))
			require.NoError(t, err)
			assert.Empty(t, a.Findings)
			_, err = a.CheckLocalHeaders()
			require.NoError(t, err)
			assert.Nil(t, a.SigningBlock(), "unsigned")

			var small, stored, deflated int
			for _, e := range a.Entries() {
				if strings.HasPrefix(e.Name, "res/") {
					small++
				}
				off, err := e.DataOffset()
				require.NoError(t, err)
				switch e.Method {
				case apkzip.MethodStored:
					stored++
					assert.Zero(t, off%4, "%s: stored data aligned to 4 bytes", e.Name)
					if strings.HasSuffix(e.Name, ".so") {
						assert.Zero(t, off%4096, "%s: native library page-aligned", e.Name)
					}
				case apkzip.MethodDeflated:
					deflated++
				}
				rc, err := e.Open()
				require.NoError(t, err)
				_, err = io.Copy(io.Discard, rc)
				rc.Close()
				require.NoError(t, err, e.Name)
			}
			assert.Equal(t, tt.small, small)
			assert.Greater(t, deflated, stored, "mostly deflated entries")
			assert.Greater(t, stored, tt.small/20)
			for _, name := range []string{"AndroidManifest.xml", "classes.dex", "resources.arsc", "lib/arm64-v8a/libapp.so", "assets/blob.bin", "assets/filler1.bin"} {
				assert.NotNil(t, a.Lookup(name), name)
			}

			// An independent reader agrees.
			zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
			require.NoError(t, err)
			assert.Len(t, zr.File, len(a.Entries()))
		})
	}
}

func TestWriteIsDeterministic(t *testing.T) {
	opts := Options{Size: 2 << 20, SmallEntries: 50, Seed: 42}
	first := sha256.Sum256(generate(t, opts))
	assert.Equal(t, first, sha256.Sum256(generate(t, opts)), "same options, same bytes")
	opts.Seed++
	assert.NotEqual(t, first, sha256.Sum256(generate(t, opts)), "another seed, other bytes")
}

func TestWriteRefusesSizesItCannotHit(t *testing.T) {
	err := Write(io.Discard, Options{Size: 100 << 10})
	assert.ErrorIs(t, err, ErrTooSmall)
	err = Write(io.Discard, Options{Size: 5 << 30})
	assert.ErrorIs(t, err, ErrTooSmall)
}

func TestMinimalManifestParses(t *testing.T) {
	xf, err := androidbinary.NewXMLFile(bytes.NewReader(MinimalManifest()))
	require.NoError(t, err)
	var m apk.Manifest
	require.NoError(t, xf.Decode(&m, nil, nil))
	pkg, err := m.Package.String()
	require.NoError(t, err)
	assert.Equal(t, "com.example.apkgen", pkg)
	vc, err := m.VersionCode.Int32()
	require.NoError(t, err)
	assert.Equal(t, int32(1), vc)
	minSdk, err := m.SDK.Min.Int32()
	require.NoError(t, err)
	assert.Equal(t, int32(24), minSdk)
	target, err := m.SDK.Target.Int32()
	require.NoError(t, err)
	assert.Equal(t, int32(33), target)
}

func TestGeneratedManifestIsStoredIntact(t *testing.T) {
	manifest, from := FixtureManifest()
	b := generate(t, Options{Size: 2 << 20, SmallEntries: 10, Manifest: manifest})
	a, err := apkzip.Open(bytes.NewReader(b), int64(len(b)))
	require.NoError(t, err)
	got, err := a.Lookup("AndroidManifest.xml").ReadAll(1 << 20)
	require.NoError(t, err)
	assert.Equal(t, manifest, got, "manifest from %s", from)
	_, err = androidbinary.NewXMLFile(bytes.NewReader(got))
	require.NoError(t, err)
}

func TestFileIsCachedBySize(t *testing.T) {
	dir := t.TempDir()
	path := File(t, dir, 8<<20)
	st, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, int64(8<<20), st.Size())
	assert.Equal(t, path, File(t, dir, 8<<20))
	st2, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, st.ModTime(), st2.ModTime(), "second call reuses the file")
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Len(t, entries, 1, "no temporary files left behind")
}
