package bundle

import (
	"bytes"
	"errors"
	"io"
	"os"
	"sync"

	"github.com/apktrust/apktrust/internal/apkzip"
)

// Opener hands out the parts' contents, sharing one memory budget among
// them. It is safe for concurrent use.
type Opener struct {
	// TempDir is where parts beyond the memory budget are inflated ("" for
	// the system's temporary directory).
	TempDir string

	mu     sync.Mutex
	budget int64
}

// NewOpener returns an Opener holding at most lim.MemoryBudget bytes of
// inflated parts in memory at once.
func NewOpener(lim Limits) *Opener { return &Opener{budget: lim.MemoryBudget} }

// Content is an opened part. Close releases its memory or temporary file.
type Content struct {
	R    io.ReaderAt
	Size int64

	release func()
}

// Close releases what the part held.
func (c *Content) Close() {
	if c.release != nil {
		c.release()
		c.release = nil
	}
}

// Open returns the part's uncompressed content. A stored part is read in
// place; a deflated one is inflated, into memory while the budget allows
// and into a temporary file otherwise. Inflating enforces the declared
// size and CRC-32, so the part can never cost more than Read accepted.
func (o *Opener) Open(p *Part) (*Content, error) {
	e := p.entry
	if e.Method == apkzip.MethodStored {
		sr, err := e.RawData()
		if err != nil {
			return nil, partError(p, err)
		}
		return &Content{R: sr, Size: sr.Size()}, nil
	}
	size := e.UncompressedSize
	if o.take(size) {
		buf := make([]byte, size)
		if err := inflate(e, writerAt{buf}); err != nil {
			o.give(size)
			return nil, partError(p, err)
		}
		return &Content{R: bytes.NewReader(buf), Size: size, release: func() { o.give(size) }}, nil
	}
	f, err := os.CreateTemp(o.TempDir, "apktrust-part-*.apk")
	if err != nil {
		return nil, &Error{Code: CodePartRead, Entry: p.Name, Msg: "cannot create a temporary file to inflate the APK into", Err: err}
	}
	cleanup := func() { f.Close(); os.Remove(f.Name()) }
	if err := inflate(e, f); err != nil {
		cleanup()
		return nil, partError(p, err)
	}
	return &Content{R: f, Size: size, release: cleanup}, nil
}

func (o *Opener) take(n int64) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	if n > o.budget {
		return false
	}
	o.budget -= n
	return true
}

func (o *Opener) give(n int64) {
	o.mu.Lock()
	o.budget += n
	o.mu.Unlock()
}

func partError(p *Part, err error) *Error {
	return &Error{Code: CodePartRead, Entry: p.Name, Msg: "the APK cannot be read from the bundle", Err: err}
}

// inflate copies the entry's content to w from offset 0; the entry stream
// fails on a size or CRC-32 that differs from the central directory's.
func inflate(e *apkzip.Entry, w io.WriterAt) error {
	rc, err := e.Open()
	if err != nil {
		return err
	}
	defer rc.Close()
	_, err = io.Copy(io.NewOffsetWriter(w, 0), rc)
	return err
}

// writerAt writes into a fixed buffer; the entry stream never yields more
// than its declared size, which is the buffer's length.
type writerAt struct{ b []byte }

var errOverflow = errors.New("bundle: part longer than declared")

func (w writerAt) WriteAt(p []byte, off int64) (int, error) {
	if off < 0 || off+int64(len(p)) > int64(len(w.b)) {
		return 0, errOverflow
	}
	return copy(w.b[off:], p), nil
}
