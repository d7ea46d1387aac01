package apkzip

import (
	"bytes"
	"io"
	"io/fs"
	"testing"

	"github.com/apktrust/apktrust/signer"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// An entry ReadAll read is served from memory to the archive's later
// readers: same bytes, same end of stream, nothing read from the file.
func TestReadAllContentServesLaterReaders(t *testing.T) {
	s := spec{entries: basicEntries()}
	b := s.build(t)
	cr := &countingReaderAt{r: bytes.NewReader(b)}
	a, err := Open(cr, int64(len(b)))
	require.NoError(t, err)
	e := a.Lookup("AndroidManifest.xml")
	first, err := e.ReadAll(1 << 20)
	require.NoError(t, err)
	assert.Equal(t, s.entries[0].content, first)

	before := cr.n
	again, err := e.ReadAll(1 << 20)
	require.NoError(t, err)
	assert.Equal(t, first, again)
	rc, err := e.Open()
	require.NoError(t, err)
	got, err := io.ReadAll(rc)
	require.NoError(t, err)
	assert.Equal(t, first, got)
	assert.Equal(t, before, cr.n, "read from memory, not from the file")
	require.NoError(t, rc.Close())
	_, err = rc.Read(make([]byte, 1))
	assert.ErrorIs(t, err, errClosed, "no reads after Close, as for inflating streams")

	// A smaller limit still refuses the entry.
	_, err = e.ReadAll(10)
	requireFormatError(t, err, signer.CodeZipEntryTooLarge, "AndroidManifest.xml")

	// Other entries are still read from the file.
	rc, err = a.Lookup("classes.dex").Open()
	require.NoError(t, err)
	defer rc.Close()
	got, err = io.ReadAll(rc)
	require.NoError(t, err)
	assert.Equal(t, s.entries[2].content, got)
	assert.Greater(t, cr.n, before)
}

// A failed read keeps nothing: every later reader sees the failure.
func TestReadAllKeepsNoFailedContent(t *testing.T) {
	s := spec{entries: []*specEntry{{name: "crc", content: []byte("content"), method: MethodDeflated,
		cd:    func(c []byte) { c[16] ^= 0xff },
		local: func(h []byte) { h[14] ^= 0xff }}}}
	a, err := openBytes(s.build(t))
	require.NoError(t, err)
	e := a.Entries()[0]
	_, err = e.ReadAll(1 << 10)
	requireFormatError(t, err, signer.CodeZipCRCMismatch, "crc")
	rc, err := e.Open()
	require.NoError(t, err)
	defer rc.Close()
	_, err = io.ReadAll(rc)
	requireFormatError(t, err, signer.CodeZipCRCMismatch, "crc")
}

// Opening entries while Memo builds a value (as the verifiers' memoised
// digesters do) does not deadlock on the content memo.
func TestOpenInsideMemo(t *testing.T) {
	s := spec{entries: basicEntries()}
	a, err := openBytes(s.build(t))
	require.NoError(t, err)
	e := a.Lookup("AndroidManifest.xml")
	_, err = e.ReadAll(1 << 20)
	require.NoError(t, err)
	v := a.Memo("test", func() any {
		b, err := e.ReadAll(1 << 20)
		require.NoError(t, err)
		return len(b)
	})
	assert.Equal(t, len(s.entries[0].content), v)
}

// The manifest reader reads AndroidManifest.xml through the archive's
// fs.FS view before the v1 verifier opens it again: that first read keeps
// the content, the second is served from memory, and what the FS reader
// got is its own copy.
func TestFSReadKeepsContentForLaterReaders(t *testing.T) {
	s := spec{entries: basicEntries()}
	b := s.build(t)
	cr := &countingReaderAt{r: bytes.NewReader(b)}
	a, err := Open(cr, int64(len(b)))
	require.NoError(t, err)
	viaFS, err := fs.ReadFile(a.FS(), "AndroidManifest.xml")
	require.NoError(t, err)
	assert.Equal(t, s.entries[0].content, viaFS)
	for i := range viaFS {
		viaFS[i] ^= 0xff // the caller's to modify
	}

	before := cr.n
	rc, err := a.Lookup("AndroidManifest.xml").Open()
	require.NoError(t, err)
	got, err := io.ReadAll(rc)
	require.NoError(t, err)
	require.NoError(t, rc.Close())
	assert.Equal(t, s.entries[0].content, got)
	assert.Equal(t, before, cr.n, "read from memory, not from the file")
}

// ReadShared hands the manifest reader the bytes the archive keeps, not a
// copy; it declines (ok false, nothing read) for a file already being
// read, and a closed file or a corrupt entry fails as Read would.
func TestEntryFileReadShared(t *testing.T) {
	s := spec{entries: append(basicEntries(), &specEntry{name: "crc", content: []byte("content"), method: MethodDeflated,
		cd:    func(c []byte) { c[16] ^= 0xff },
		local: func(h []byte) { h[14] ^= 0xff }})}
	a, err := openBytes(s.build(t))
	require.NoError(t, err)
	type shared interface {
		ReadShared() ([]byte, bool, error)
	}
	open := func(name string) (fs.File, shared) {
		f, err := a.FS().Open(name)
		require.NoError(t, err)
		sf, ok := f.(shared)
		require.True(t, ok, "entry files offer ReadShared")
		return f, sf
	}

	f, sf := open("AndroidManifest.xml")
	b, ok, err := sf.ReadShared()
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, s.entries[0].content, b)
	kept, err := a.Lookup("AndroidManifest.xml").ReadAll(1 << 20)
	require.NoError(t, err)
	assert.Same(t, &kept[0], &b[0], "the archive's own copy, not a new one")
	require.NoError(t, f.Close())
	_, _, err = sf.ReadShared()
	assert.ErrorIs(t, err, fs.ErrClosed)

	f, sf = open("classes.dex")
	_, err = f.Read(make([]byte, 1))
	require.NoError(t, err)
	_, ok, err = sf.ReadShared()
	require.NoError(t, err)
	assert.False(t, ok, "a file being read is not handed out again")
	require.NoError(t, f.Close())

	_, sf = open("crc")
	_, ok, err = sf.ReadShared()
	assert.False(t, ok)
	requireFormatError(t, err, signer.CodeZipCRCMismatch, "crc")
}
