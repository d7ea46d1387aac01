package manifest

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apktrust/apktrust/internal/apkentry"
	"github.com/apktrust/apktrust/internal/testutil"
	"github.com/apktrust/apktrust/signer"
)

// countingFS records which names were opened.
type countingFS struct {
	fs.FS
	opened map[string]int
}

func (c *countingFS) Open(name string) (fs.File, error) {
	c.opened[name]++
	return c.FS.Open(name)
}

// The resources table is read only when the manifest refers to a
// resource, and then once, from any fs.FS.
func TestParseFSReadsTableOnlyWhenNeeded(t *testing.T) {
	literal := buildXML(minimalManifest(el("application", []tAttr{aStr("label", attrLabel, "Literal")})), false)
	ref := labelledManifest(aRef("label", attrLabel, 0x7f010003), aRef("debuggable", attrDebuggable, 0x7f020001))
	tests := []struct {
		name      string
		xml       []byte
		wantLabel string
		wantOpens int
	}{
		{"literal values", literal, "Literal", 0},
		{"references", ref, "Hello", 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fsys := &countingFS{FS: fstest.MapFS{
				ManifestEntry:      {Data: tc.xml},
				apkentry.Resources: {Data: testTable()},
			}, opened: map[string]int{}}
			m, err := ParseFS(fsys)
			require.NoError(t, err)
			assert.NoError(t, m.ResourcesErr)
			assert.Equal(t, tc.wantLabel, m.Label)
			assert.Equal(t, tc.wantOpens, fsys.opened[apkentry.Resources])
		})
	}
}

// lyingFS serves one file whose Stat and Read are set by the test.
type lyingFS struct {
	size    int64
	content io.Reader
	readErr error
	dir     bool
}

func (l lyingFS) Open(name string) (fs.File, error) {
	if name != ManifestEntry {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	return &lyingFile{l}, nil
}

type lyingFile struct{ l lyingFS }

func (f *lyingFile) Stat() (fs.FileInfo, error) { return f, nil }
func (f *lyingFile) Read(p []byte) (int, error) {
	if f.l.readErr != nil {
		return 0, f.l.readErr
	}
	return f.l.content.Read(p)
}
func (f *lyingFile) Close() error       { return nil }
func (f *lyingFile) Name() string       { return ManifestEntry }
func (f *lyingFile) Size() int64        { return f.l.size }
func (f *lyingFile) Mode() fs.FileMode  { return 0o444 }
func (f *lyingFile) ModTime() time.Time { return time.Time{} }
func (f *lyingFile) IsDir() bool        { return f.l.dir }
func (f *lyingFile) Sys() any           { return nil }

// ParseFS refuses what it cannot read with the codes FromArchive used,
// and bounds memory by the limit even when Stat understates the size.
func TestParseFSErrors(t *testing.T) {
	xml := buildXML(minimalManifest(), false)
	cause := errors.New("disk on fire")
	tests := []struct {
		name  string
		fsys  fs.FS
		code  Code
		cause error
	}{
		{"no manifest", fstest.MapFS{"classes.dex": {Data: []byte("dex")}}, CodeMissing, nil},
		{"manifest under another case", fstest.MapFS{"androidmanifest.xml": {Data: xml}}, CodeMissing, nil},
		{"declared over the limit", lyingFS{size: apkentry.MaxManifestSize + 1, content: bytes.NewReader(xml)}, CodeTooLarge, nil},
		{"Stat understates the size", lyingFS{size: 10, content: io.LimitReader(zeros{}, apkentry.MaxManifestSize+10)}, CodeTooLarge, nil},
		{"read fails", lyingFS{size: 10, readErr: cause}, CodeRead, cause},
		{"a directory", lyingFS{dir: true}, CodeRead, nil},
		{"not binary XML", fstest.MapFS{ManifestEntry: {Data: []byte(`<manifest package="x"/>`)}}, CodeNotBinaryXML, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := ParseFS(tc.fsys)
			assert.Nil(t, m)
			var fe *signer.Error
			require.True(t, errors.As(err, &fe), "%v", err)
			assert.Equal(t, tc.code, fe.Code, "%v", err)
			assert.ErrorIs(t, err, tc.code)
			if tc.cause != nil {
				assert.ErrorIs(t, err, tc.cause, "the cause is kept")
			}
		})
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

// ParseAPK reads the same manifest as ParseFS over the opened archive,
// and refuses a file that is not a ZIP with CodeRead.
func TestParseAPK(t *testing.T) {
	path := testutil.Fixture(t, "min21-v123.apk")
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	m, err := ParseAPK(bytes.NewReader(b), int64(len(b)))
	require.NoError(t, err)
	want, err := ParseFS(testutil.OpenAPK(t, path).FS())
	require.NoError(t, err)
	assert.Equal(t, want, m)

	_, err = ParseAPK(bytes.NewReader([]byte("not a zip")), 9)
	assert.ErrorIs(t, err, CodeRead)
}
