package apkzip

import (
	"bytes"
	"encoding/binary"
	"io"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// countingReaderAt counts the bytes read through it, to show that a lying
// entry costs no more than its declared size.
type countingReaderAt struct {
	r *bytes.Reader
	n int64
}

func (c *countingReaderAt) ReadAt(p []byte, off int64) (int, error) {
	n, err := c.r.ReadAt(p, off)
	c.n += int64(n)
	return n, err
}

func TestEntryStreamEnforcesDeclaredSizeAndCRC(t *testing.T) {
	bomb := bytes.Repeat([]byte{0}, 10<<20) // 10 MiB of zeros deflate to ~10 KiB
	tests := []struct {
		name  string
		entry *specEntry
		want  Code // "": reads back content
	}{
		{"stored", &specEntry{name: "s", content: []byte("stored bytes")}, ""},
		{"deflated", &specEntry{name: "d", content: bytes.Repeat([]byte("deflate me "), 1000), method: MethodDeflated}, ""},
		{"empty stored", &specEntry{name: "e", content: []byte{}}, ""},
		{"empty deflated", &specEntry{name: "e", content: []byte{}, method: MethodDeflated}, ""},
		{"zip bomb: inflates past the declared size", &specEntry{name: "bomb", content: bomb, method: MethodDeflated,
			cd:    func(c []byte) { binary.LittleEndian.PutUint32(c[24:], 4096) },
			local: func(h []byte) { binary.LittleEndian.PutUint32(h[22:], 4096) }}, CodeSizeMismatch},
		{"deflated data shorter than declared", &specEntry{name: "short", content: []byte("short"), method: MethodDeflated,
			cd:    func(c []byte) { binary.LittleEndian.PutUint32(c[24:], 500) },
			local: func(h []byte) { binary.LittleEndian.PutUint32(h[22:], 500) }}, CodeSizeMismatch},
		{"deflated CRC-32 wrong in both headers", &specEntry{name: "crc", content: []byte("content"), method: MethodDeflated,
			cd:    func(c []byte) { c[16] ^= 0xff },
			local: func(h []byte) { h[14] ^= 0xff }}, CodeCRCMismatch},
		{"stored CRC-32 wrong in both headers", &specEntry{name: "crc", content: []byte("content"),
			cd:    func(c []byte) { c[16] ^= 0xff },
			local: func(h []byte) { h[14] ^= 0xff }}, CodeCRCMismatch},
		{"corrupt deflate stream", &specEntry{name: "bad", content: []byte("0123456789"), method: MethodDeflated,
			data: []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}}, CodeInflate},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := spec{entries: []*specEntry{tt.entry}}
			b := s.build(t)
			cr := &countingReaderAt{r: bytes.NewReader(b)}
			a, err := Open(cr, int64(len(b)))
			require.NoError(t, err)
			e := a.Entries()[0]

			rc, err := e.Open()
			require.NoError(t, err)
			got, err := io.ReadAll(rc)
			require.NoError(t, rc.Close())
			if tt.want == "" {
				require.NoError(t, err)
				assert.Equal(t, tt.entry.content, got)
			} else {
				requireFormatError(t, err, tt.want, tt.entry.name)
				assert.LessOrEqual(t, int64(len(got)), e.UncompressedSize, "never more than the declared size")
			}
			// ReadAll agrees with the stream.
			all, err := e.ReadAll(1 << 30)
			if tt.want == "" {
				require.NoError(t, err)
				assert.Equal(t, tt.entry.content, all)
			} else {
				requireFormatError(t, err, tt.want, tt.entry.name)
			}
			assert.LessOrEqual(t, cr.n, 4*int64(len(b))+(64<<10), "reads are bounded by the file, not the claimed content")
		})
	}
}

func TestEntryStreamReportsErrorWithTheLastBytes(t *testing.T) {
	// A caller that reads exactly the declared size and stops must still
	// learn that the CRC is wrong.
	s := spec{entries: []*specEntry{{name: "x", content: []byte("abcdef"),
		cd: func(c []byte) { c[16] ^= 1 }, local: func(h []byte) { h[14] ^= 1 }}}}
	a, err := openBytes(s.build(t))
	require.NoError(t, err)
	rc, err := a.Entries()[0].Open()
	require.NoError(t, err)
	defer rc.Close()
	buf := make([]byte, 6)
	n, err := rc.Read(buf)
	assert.Equal(t, 6, n)
	requireFormatError(t, err, CodeCRCMismatch, "x")
}

func TestReadAllRefusesEntriesOverTheLimit(t *testing.T) {
	s := spec{entries: []*specEntry{{name: "big", content: bytes.Repeat([]byte("x"), 2048)}}}
	a, err := openBytes(s.build(t))
	require.NoError(t, err)
	_, err = a.Entries()[0].ReadAll(1024)
	fe := requireFormatError(t, err, CodeEntryTooLarge, "big")
	assert.Equal(t, int64(0), fe.Offset)
}

func TestEntryStreamAfterClose(t *testing.T) {
	s := spec{entries: basicEntries()}
	a, err := openBytes(s.build(t))
	require.NoError(t, err)
	rc, err := a.Lookup("classes.dex").Open()
	require.NoError(t, err)
	require.NoError(t, rc.Close())
	require.NoError(t, rc.Close(), "Close twice is harmless")
	_, err = rc.Read(make([]byte, 10))
	assert.Error(t, err)

	// The pooled reader behind the closed handle serves a new stream
	// without the old handle seeing it.
	rc2, err := a.Lookup("AndroidManifest.xml").Open()
	require.NoError(t, err)
	defer rc2.Close()
	_, err = rc.Read(make([]byte, 10))
	assert.Error(t, err)
	got, err := io.ReadAll(rc2)
	require.NoError(t, err)
	assert.Equal(t, s.entries[0].content, got)
}

func TestRawDataAndDataOffset(t *testing.T) {
	s := spec{entries: basicEntries()}
	b := s.build(t)
	a, err := openBytes(b)
	require.NoError(t, err)
	e := a.Lookup("resources.arsc")
	off, err := e.DataOffset()
	require.NoError(t, err)
	assert.Equal(t, e.LocalHeaderOffset+localSize+int64(len(e.Name)), off)
	raw, err := e.RawData()
	require.NoError(t, err)
	got, err := io.ReadAll(raw)
	require.NoError(t, err)
	assert.Equal(t, s.entries[1].content, got)
}

// TestConcurrentEntryReads shows the archive is safe for concurrent use
// (run with -race).
func TestConcurrentEntryReads(t *testing.T) {
	s := spec{entries: basicEntries()}
	a, err := openBytes(s.build(t))
	require.NoError(t, err)
	done := make(chan error)
	for range 8 {
		go func() {
			for range 50 {
				for i, e := range a.Entries() {
					got, err := e.ReadAll(1 << 20)
					if err == nil && !bytes.Equal(got, s.entries[i].content) {
						err = io.ErrUnexpectedEOF
					}
					if err != nil {
						done <- err
						return
					}
				}
			}
			done <- nil
		}()
	}
	for range 8 {
		require.NoError(t, <-done)
	}
}
