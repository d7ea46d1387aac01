package apkzip

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"io"
	"slices"
	"sync"

	// klauspost's inflater is API-compatible with compress/flate and about
	// twice as fast; inflating dominates v1 verification, whose every entry
	// must be decompressed and hashed.
	"github.com/klauspost/compress/flate"
)

// headerScratch holds a local file header and the entry name after it.
type headerScratch [localSize + 256]byte

// localHeader is what a local file header says, read on demand.
type localHeader struct {
	flags    uint16
	method   uint16
	dataOff  int64 // where the entry's data starts
	nameLen  int64
	extraLen int64
}

// readLocalHeader reads the entry's local file header and checks it against
// the central directory the way apksig's LocalFileRecord and libziparchive's
// FindEntry do: signature, name (length and bytes), data descriptor flag,
// and, when there is no data descriptor, CRC-32 and both sizes. A differing
// compression method is tolerated because apksig takes the central
// directory's (it verifies mismatched-compression-method.apk);
// CheckLocalHeaders reports it.
//
// Header and name are read in one go into scratch, which callers reuse
// across entries so that walking an archive does not allocate per entry;
// names longer than scratch (rare in APKs) get their own buffer.
func (e *Entry) readLocalHeader(scratch *headerScratch) (localHeader, error) {
	return e.readLocalHeaderAt(e.a.r, scratch)
}

// readLocalHeaderAt is readLocalHeader reading through r, the archive's
// reader or a window on it (headerWindow).
func (e *Entry) readLocalHeaderAt(r io.ReaderAt, scratch *headerScratch) (localHeader, error) {
	a := e.a
	off := e.LocalHeaderOffset
	limit := a.dataLimit()
	if off+localSize > limit {
		return localHeader{}, errorf(CodeEntryOutOfRange, e.Name, off, "local file header runs past the end of the entries at %d", limit)
	}
	full := localSize + int64(len(e.Name))
	n := full
	if off+n > limit {
		n = localSize // the name check below reports this
	}
	var h []byte
	if n <= int64(len(scratch)) {
		h = scratch[:n]
	} else {
		h = make([]byte, n)
	}
	if err := readAt(r, h, off); err != nil {
		return localHeader{}, err
	}
	if binary.LittleEndian.Uint32(h) != localSig {
		return localHeader{}, errorf(CodeLocalHeader, e.Name, off, "bad local file header signature")
	}
	lh := localHeader{
		flags:    binary.LittleEndian.Uint16(h[6:]),
		method:   binary.LittleEndian.Uint16(h[8:]),
		nameLen:  int64(binary.LittleEndian.Uint16(h[26:])),
		extraLen: int64(binary.LittleEndian.Uint16(h[28:])),
	}
	crc := binary.LittleEndian.Uint32(h[14:])
	csize := int64(binary.LittleEndian.Uint32(h[18:]))
	usize := int64(binary.LittleEndian.Uint32(h[22:]))
	if lh.nameLen != int64(len(e.Name)) {
		return lh, errorf(CodeLocalHeaderMismatch, e.Name, off, "local header name length %d differs from the central directory's %d", lh.nameLen, len(e.Name))
	}
	if n != full {
		return lh, errorf(CodeEntryOutOfRange, e.Name, off, "local header name runs past the end of the entries at %d", limit)
	}
	if string(h[localSize:]) != e.Name {
		return lh, errorf(CodeLocalHeaderMismatch, e.Name, off, "local header names the entry %q", h[localSize:])
	}
	lh.dataOff = off + localSize + lh.nameLen + lh.extraLen
	if lh.dataOff+e.DataSize() > limit {
		return lh, errorf(CodeEntryOutOfRange, e.Name, off,
			"entry data (%d bytes at %d) runs past the end of the entries at %d", e.DataSize(), lh.dataOff, limit)
	}
	if lh.flags&flagEncrypted != e.Flags&flagEncrypted {
		return lh, errorf(CodeLocalHeaderMismatch, e.Name, off, "local header and central directory disagree on encryption")
	}
	// apksig refuses an entry whose two headers disagree on whether a data
	// descriptor follows (libziparchive only logs it).
	if lh.flags&flagDataDescriptor != e.Flags&flagDataDescriptor {
		return lh, errorf(CodeLocalHeaderMismatch, e.Name, off, "local header and central directory disagree on the data descriptor flag")
	}
	// With a data descriptor, the local header's CRC and sizes may be zero;
	// the central directory is authoritative, as for Android.
	if lh.flags&flagDataDescriptor == 0 {
		if crc != e.CRC32 {
			return lh, errorf(CodeLocalHeaderMismatch, e.Name, off, "local header CRC-32 %08x differs from the central directory's %08x", crc, e.CRC32)
		}
		if csize != e.CompressedSize || usize != e.UncompressedSize {
			return lh, errorf(CodeLocalHeaderMismatch, e.Name, off,
				"local header sizes %d/%d differ from the central directory's %d/%d", csize, usize, e.CompressedSize, e.UncompressedSize)
		}
	}
	return lh, nil
}

// DataOffset reads the entry's local file header, checks it against the
// central directory, and returns the file offset where the entry's
// (possibly compressed) data starts.
func (e *Entry) DataOffset() (int64, error) {
	lh, err := e.readLocalHeader(new(headerScratch))
	if err != nil {
		return 0, err
	}
	return lh.dataOff, nil
}

// CheckLocalHeaders reads every local file header and checks it against the
// central directory, then checks with the real header lengths that no two
// entries overlap. It returns the first error, and warnings for what
// Android tolerates: a compression method that differs from the central
// directory's (which then wins), and a data descriptor that disagrees with
// the central directory or runs into the next entry (apksig ignores data
// descriptors when verifying; libziparchive would refuse to extract such an
// entry).
func (a *Archive) CheckLocalHeaders() (warnings []FormatError, err error) {
	type extent struct {
		start, dataEnd int64
		e              *Entry
	}
	ext := make([]extent, 0, len(a.entries))
	scratch := new(headerScratch)
	r, done := a.headerReader()
	defer done()
	for _, e := range a.entries {
		lh, err := e.readLocalHeaderAt(r, scratch)
		if err != nil {
			return warnings, err
		}
		if lh.method != e.Method {
			warnings = append(warnings, *errorf(CodeLocalHeaderMismatch, e.Name, e.LocalHeaderOffset,
				"local header compression method %d differs from the central directory's %d; the central directory's is used", lh.method, e.Method))
		}
		ext = append(ext, extent{e.LocalHeaderOffset, lh.dataOff + e.DataSize(), e})
	}
	slices.SortFunc(ext, func(x, y extent) int {
		if x.start != y.start {
			return int(x.start - y.start)
		}
		return x.e.Index - y.e.Index
	})
	limit := a.dataLimit()
	for i, x := range ext {
		next := limit
		if i+1 < len(ext) {
			next = ext[i+1].start
		}
		if x.dataEnd > next {
			return warnings, errorf(CodeEntryOverlap, x.e.Name, x.e.LocalHeaderOffset,
				"entry data runs to %d, into %q at %d", x.dataEnd, ext[i+1].e.Name, next)
		}
		if x.e.Flags&flagDataDescriptor != 0 {
			if w := x.e.checkDataDescriptor(x.dataEnd, next); w != nil {
				warnings = append(warnings, *w)
			}
		}
	}
	return warnings, nil
}

// checkDataDescriptor compares the descriptor after the entry's data (with
// or without its optional signature, as libziparchive reads it) with the
// central directory.
func (e *Entry) checkDataDescriptor(dataEnd, next int64) *FormatError {
	var dd [16]byte
	n := min(int64(len(dd)), next-dataEnd)
	if n < 12 {
		return errorf(CodeDataDescriptor, e.Name, dataEnd, "no room for the data descriptor before the next record at %d", next)
	}
	if err := readAt(e.a.r, dd[:n], dataEnd); err != nil {
		return err.(*FormatError) // readAt fails only with *FormatError
	}
	d := dd[:n]
	if binary.LittleEndian.Uint32(d) == dataDescSig {
		if n < 16 {
			return errorf(CodeDataDescriptor, e.Name, dataEnd, "no room for the data descriptor before the next record at %d", next)
		}
		d = d[4:]
	}
	crc := binary.LittleEndian.Uint32(d)
	csize := int64(binary.LittleEndian.Uint32(d[4:]))
	usize := int64(binary.LittleEndian.Uint32(d[8:]))
	if crc != e.CRC32 || csize != e.CompressedSize || usize != e.UncompressedSize {
		return errorf(CodeDataDescriptor, e.Name, dataEnd,
			"data descriptor says CRC-32 %08x, sizes %d/%d; the central directory says %08x, %d/%d",
			crc, csize, usize, e.CRC32, e.CompressedSize, e.UncompressedSize)
	}
	return nil
}

// RawData returns a reader over the entry's data as stored in the file
// (compressed unless the method is stored).
func (e *Entry) RawData() (*io.SectionReader, error) {
	off, err := e.DataOffset()
	if err != nil {
		return nil, err
	}
	return io.NewSectionReader(e.a.r, off, e.DataSize()), nil
}

// Pools keep entry streams cheap: opening and draining an entry allocates
// only the small handle returned to the caller.
var (
	flatePool   sync.Pool // of io.ReadCloser implementing flate.Resetter
	bufioPool   = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, 32<<10) }}
	checkedPool = sync.Pool{New: func() any { return new(checkedReader) }}
)

// Open returns a stream of the entry's uncompressed content. The stream
// fails with CodeSizeMismatch if the data is longer or shorter than the
// central directory declares, and with CodeCRCMismatch if its CRC-32 differs,
// so a zip bomb or a lying header costs at most the declared size in time
// and nothing in memory beyond fixed buffers. Close the stream to return
// its buffers to the pool.
func (e *Entry) Open() (io.ReadCloser, error) {
	if b, ok := e.sharedContent(); ok {
		s := &sharedReader{}
		s.r.Reset(b)
		return s, nil
	}
	c := checkedPool.Get().(*checkedReader)
	lh, err := e.readLocalHeader(&c.scratch)
	if err != nil {
		checkedPool.Put(c)
		return nil, err
	}
	*c = checkedReader{e: e, remaining: e.UncompressedSize}
	c.sr = *io.NewSectionReader(e.a.r, lh.dataOff, e.DataSize())
	switch e.Method {
	case MethodStored:
		c.r = &c.sr
	default: // apksig inflates every method other than STORED
		var src io.Reader
		if b, ok := e.a.memSlice(lh.dataOff, e.DataSize()); ok {
			c.mem.Reset(b)
			src = &c.mem
		} else {
			br := bufioPool.Get().(*bufio.Reader)
			br.Reset(&c.sr)
			c.br = br
			src = br
		}
		if fr, ok := flatePool.Get().(io.ReadCloser); ok {
			_ = fr.(flate.Resetter).Reset(src, nil)
			c.fr = fr
		} else {
			c.fr = flate.NewReader(src)
		}
		c.r = c.fr
	}
	return &entryReader{c: c}, nil
}

// entryReader is the caller's handle on a pooled checkedReader. Close
// detaches it, so a stale handle can never read a stream that the pool has
// since handed to someone else.
type entryReader struct{ c *checkedReader }

var errClosed = errors.New("apkzip: read after close")

func (h *entryReader) Read(p []byte) (int, error) {
	if h.c == nil {
		return 0, errClosed
	}
	return h.c.Read(p)
}

// Close returns pooled buffers. It never fails.
func (h *entryReader) Close() error {
	c := h.c
	if c == nil {
		return nil
	}
	h.c = nil
	if c.fr != nil {
		flatePool.Put(c.fr)
	}
	if c.br != nil {
		c.br.Reset(nil)
		bufioPool.Put(c.br)
	}
	*c = checkedReader{}
	checkedPool.Put(c)
	return nil
}

type checkedReader struct {
	scratch   headerScratch
	e         *Entry
	sr        io.SectionReader
	r         io.Reader
	br        *bufio.Reader
	mem       bytes.Reader // the compressed data of an archive in memory
	fr        io.ReadCloser
	crc       uint32
	remaining int64
	err       error
}

func (c *checkedReader) Read(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	if c.remaining == 0 {
		return 0, c.finish()
	}
	if int64(len(p)) > c.remaining {
		p = p[:c.remaining]
	}
	n, err := c.r.Read(p)
	c.crc = crc32.Update(c.crc, crc32.IEEETable, p[:n])
	c.remaining -= int64(n)
	switch {
	case err == nil:
	case err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF):
		if c.remaining > 0 {
			c.err = errorf(CodeSizeMismatch, c.e.Name, -1, "entry data ends %d bytes short of the declared %d", c.remaining, c.e.UncompressedSize)
			return n, c.err
		}
		err = nil
	default:
		var fe *FormatError
		if !errors.As(err, &fe) {
			err = &FormatError{Code: CodeInflate, Entry: c.e.Name, Msg: "inflate failed", Err: err}
		}
		c.err = err
	}
	if err == nil && c.remaining == 0 {
		// Report the end in the same call when possible, so that callers
		// reading exactly the declared size still get the length and CRC
		// checks.
		if ferr := c.finish(); ferr != io.EOF {
			return n, ferr
		}
	}
	return n, err
}

// finish runs the end-of-stream checks once the declared size is reached:
// the data must end there and its CRC-32 must match.
func (c *checkedReader) finish() error {
	if c.err != nil {
		return c.err
	}
	var one [1]byte
	n, err := io.ReadFull(c.r, one[:])
	switch {
	case n > 0:
		c.err = errorf(CodeSizeMismatch, c.e.Name, -1, "entry data is longer than the declared %d bytes", c.e.UncompressedSize)
	case err != nil && err != io.EOF && err != io.ErrUnexpectedEOF:
		c.err = &FormatError{Code: CodeInflate, Entry: c.e.Name, Msg: "inflate failed", Err: err}
	case c.crc != c.e.CRC32:
		c.err = errorf(CodeCRCMismatch, c.e.Name, -1, "CRC-32 of the content is %08x, the central directory says %08x", c.crc, c.e.CRC32)
	default:
		c.err = io.EOF
	}
	return c.err
}

// ReadAll reads the entry's whole content into memory, refusing entries
// that declare more than limit bytes before reading anything. The archive
// keeps a small entry's content for its later readers (Open and ReadAll
// of the same entry read it from memory): the returned bytes are shared
// and must not be modified.
func (e *Entry) ReadAll(limit int64) ([]byte, error) {
	if e.UncompressedSize > limit {
		return nil, errorf(CodeEntryTooLarge, e.Name, e.LocalHeaderOffset,
			"entry declares %d bytes, over the %d-byte limit", e.UncompressedSize, limit)
	}
	if b, ok := e.sharedContent(); ok {
		return b, nil
	}
	rc, err := e.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	buf := make([]byte, e.UncompressedSize)
	if _, err := io.ReadFull(rc, buf); err != nil {
		return nil, err
	}
	// Reading once more runs the end-of-stream checks (length, CRC) when
	// the last read did not already report them.
	var one [1]byte
	if _, err := rc.Read(one[:]); err != io.EOF {
		return nil, err
	}
	e.keepContent(buf)
	return buf, nil
}
