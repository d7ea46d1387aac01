package apkzip

import (
	"bytes"
	"io"
)

// memFile is an io.ReaderAt over a file held whole in memory, which the
// readers of its archive may slice instead of copying: entry streams
// inflate straight from it (flate reads a byte-reader source directly,
// without the bufio layer and its copy) and the content digests hash its
// bytes in place.
type memFile struct {
	bytes.Reader
	b []byte
}

// NewMemFile returns a reader over b for Open, recognised by Bytes. b
// must not change while archives opened from it are in use.
func NewMemFile(b []byte) io.ReaderAt {
	m := &memFile{b: b}
	m.Reset(b)
	return m
}

// Bytes returns the whole file behind r when r came from NewMemFile, and
// nil otherwise. The bytes are shared: callers must not modify them.
func Bytes(r io.ReaderAt) []byte {
	if m, ok := r.(*memFile); ok {
		return m.b
	}
	return nil
}

// memSlice returns the n bytes at off of the archive's in-memory file,
// or false when the archive is not in memory or the range is not inside
// it (the streamed path then reports the error).
func (a *Archive) memSlice(off, n int64) ([]byte, bool) {
	b := Bytes(a.r)
	if b == nil || off < 0 || n < 0 || off > int64(len(b)) || n > int64(len(b))-off {
		return nil, false
	}
	return b[off : off+n], true
}
