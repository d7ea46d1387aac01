package apkzip

import (
	"bytes"
	"io"
)

// maxSharedContent bounds the entries whose content ReadAll keeps for the
// archive's later readers: small files such as AndroidManifest.xml, which
// the manifest reader reads whole and the v1 verifier then hashes. A
// second inflate of it cost a small app about a twentieth of its
// verification time.
const maxSharedContent = 64 << 10

// sharedContent returns the entry's content when ReadAll already read it
// from this archive. The bytes are shared: nobody may modify them.
func (e *Entry) sharedContent() ([]byte, bool) {
	a := e.a
	a.contentMu.Lock()
	b, ok := a.content[e.Index]
	a.contentMu.Unlock()
	return b, ok
}

// keepContent records b, the entry's complete and checked content, for
// the archive's later readers of the entry.
func (e *Entry) keepContent(b []byte) {
	if int64(len(b)) > maxSharedContent {
		return
	}
	a := e.a
	a.contentMu.Lock()
	defer a.contentMu.Unlock()
	if a.content == nil {
		a.content = make(map[int][]byte)
	}
	if _, ok := a.content[e.Index]; !ok {
		a.content[e.Index] = b
	}
}

// openWhole opens the entry for a reader that reads it whole (the fs.FS
// view, through which package manifest reads AndroidManifest.xml before
// the v1 verifier hashes it): a small entry is read at once with ReadAll,
// so the archive keeps it, and streamed from memory. The reader copies
// out of the shared bytes; its caller never holds them.
func (e *Entry) openWhole() (io.ReadCloser, error) {
	if e.UncompressedSize > maxSharedContent {
		return e.Open()
	}
	b, err := e.ReadAll(maxSharedContent)
	if err != nil {
		return nil, err
	}
	s := &sharedReader{}
	s.r.Reset(b)
	return s, nil
}

// sharedReader streams content already read and checked. Like the
// inflating reader, it refuses reads after Close.
type sharedReader struct {
	r      bytes.Reader
	closed bool
}

func (s *sharedReader) Read(p []byte) (int, error) {
	if s.closed {
		return 0, errClosed
	}
	return s.r.Read(p)
}

// Close never fails.
func (s *sharedReader) Close() error {
	s.closed = true
	return nil
}
