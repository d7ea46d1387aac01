package apkzip

import (
	"bufio"
	"compress/flate"
	"encoding/binary"
	"errors"
	"hash"
	"hash/crc32"
	"io"
	"sync"
)

// DataOffset reads the entry's local file header, checks it against the
// central directory, and returns the file offset where the entry's
// (possibly compressed) data starts.
func (e *Entry) DataOffset() (int64, error) {
	a := e.a
	off := e.LocalHeaderOffset
	if off+localSize > a.dataLimit() {
		return 0, errorf(CodeEntryOutOfRange, e.Name, off, "local file header runs past the end of the entries")
	}
	var h [localSize]byte
	if _, err := a.r.ReadAt(h[:], off); err != nil {
		return 0, ioError(off, err)
	}
	if binary.LittleEndian.Uint32(h[:]) != localSig {
		return 0, errorf(CodeLocalHeader, e.Name, off, "bad local file header signature")
	}
	flags := binary.LittleEndian.Uint16(h[6:])
	method := binary.LittleEndian.Uint16(h[8:])
	crc := binary.LittleEndian.Uint32(h[14:])
	csize := int64(binary.LittleEndian.Uint32(h[18:]))
	usize := int64(binary.LittleEndian.Uint32(h[22:]))
	nameLen := int64(binary.LittleEndian.Uint16(h[26:]))
	extraLen := int64(binary.LittleEndian.Uint16(h[28:]))
	dataOff := off + localSize + nameLen + extraLen
	if dataOff+e.CompressedSize > a.dataLimit() {
		return 0, errorf(CodeEntryOutOfRange, e.Name, off,
			"entry data (%d bytes at %d) runs past the end of the entries at %d", e.CompressedSize, dataOff, a.dataLimit())
	}
	if nameLen != int64(len(e.Name)) {
		return 0, errorf(CodeLocalHeaderMismatch, e.Name, off, "local header name length %d differs from the central directory's %d", nameLen, len(e.Name))
	}
	name, err := readFull(a.r, off+localSize, int(nameLen))
	if err != nil {
		return 0, err
	}
	if string(name) != e.Name {
		return 0, errorf(CodeLocalHeaderMismatch, e.Name, off, "local header names the entry %q", name)
	}
	// A differing compression method is tolerated: Android's verifier
	// takes the central directory's (CheckLocalHeaders reports it).
	_ = method
	if flags&flagEncrypted != e.Flags&flagEncrypted {
		return 0, errorf(CodeLocalHeaderMismatch, e.Name, off, "local header and central directory disagree on encryption")
	}
	// With a data descriptor, the local header's CRC and sizes may be zero;
	// the central directory is authoritative, as for Android.
	if flags&flagDataDescriptor == 0 {
		if crc != e.CRC32 {
			return 0, errorf(CodeLocalHeaderMismatch, e.Name, off, "local header CRC-32 %08x differs from the central directory's %08x", crc, e.CRC32)
		}
		if csize != e.CompressedSize || usize != e.UncompressedSize {
			return 0, errorf(CodeLocalHeaderMismatch, e.Name, off,
				"local header sizes %d/%d differ from the central directory's %d/%d", csize, usize, e.CompressedSize, e.UncompressedSize)
		}
	}
	return dataOff, nil
}

// CheckLocalHeaders reads every local file header and checks it against the
// central directory. It returns the first error, and warnings for what
// Android tolerates (a compression method that differs from the central
// directory's, which then wins).
func (a *Archive) CheckLocalHeaders() (warnings []FormatError, err error) {
	var m [2]byte
	for _, e := range a.entries {
		if _, err := e.DataOffset(); err != nil {
			return warnings, err
		}
		if _, err := a.r.ReadAt(m[:], e.LocalHeaderOffset+8); err != nil {
			return warnings, ioError(e.LocalHeaderOffset+8, err)
		}
		if method := binary.LittleEndian.Uint16(m[:]); method != e.Method {
			warnings = append(warnings, *errorf(CodeLocalHeaderMismatch, e.Name, e.LocalHeaderOffset,
				"local header compression method %d differs from the central directory's %d; the central directory's is used", method, e.Method))
		}
	}
	return warnings, nil
}

// RawData returns a reader over the entry's data as stored in the file
// (compressed when the method is deflate).
func (e *Entry) RawData() (*io.SectionReader, error) {
	off, err := e.DataOffset()
	if err != nil {
		return nil, err
	}
	return io.NewSectionReader(e.a.r, off, e.CompressedSize), nil
}

var flatePool sync.Pool // of io.ReadCloser implementing flate.Resetter

var bufioPool = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, 32<<10) }}

// Open returns a stream of the entry's uncompressed content. The stream
// fails with ErrSizeMismatch if the data is longer or shorter than the
// central directory declares, and with ErrCRCMismatch if its CRC-32 differs,
// so a zip bomb or a lying header costs at most the declared size.
func (e *Entry) Open() (io.ReadCloser, error) {
	raw, err := e.RawData()
	if err != nil {
		return nil, err
	}
	c := &checkedReader{e: e, crc: crc32.NewIEEE(), remaining: e.UncompressedSize}
	switch e.Method {
	case MethodStored:
		c.r = raw
	default: // apksig inflates every method other than STORED
		br := bufioPool.Get().(*bufio.Reader)
		br.Reset(raw)
		c.br = br
		if fr, ok := flatePool.Get().(io.ReadCloser); ok {
			_ = fr.(flate.Resetter).Reset(br, nil)
			c.fr = fr
		} else {
			c.fr = flate.NewReader(br)
		}
		c.r = c.fr
	}
	return c, nil
}

type checkedReader struct {
	e         *Entry
	r         io.Reader
	br        *bufio.Reader
	fr        io.ReadCloser
	crc       hash.Hash32
	remaining int64
	err       error
}

func (c *checkedReader) Read(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	if c.remaining == 0 {
		// Declared size reached: the stream must end here.
		var one [1]byte
		n, err := io.ReadFull(c.r, one[:])
		if n > 0 {
			c.err = errorf(CodeSizeMismatch, c.e.Name, -1, "entry data is longer than the declared %d bytes", c.e.UncompressedSize)
			return 0, c.err
		}
		if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
			c.err = &FormatError{Code: CodeInflate, Entry: c.e.Name, Offset: -1, Msg: "inflate failed", Err: err}
			return 0, c.err
		}
		if c.crc.Sum32() != c.e.CRC32 {
			c.err = errorf(CodeCRCMismatch, c.e.Name, -1, "CRC-32 of the content is %08x, the central directory says %08x", c.crc.Sum32(), c.e.CRC32)
			return 0, c.err
		}
		c.err = io.EOF
		return 0, io.EOF
	}
	if int64(len(p)) > c.remaining {
		p = p[:c.remaining]
	}
	n, err := c.r.Read(p)
	c.crc.Write(p[:n])
	c.remaining -= int64(n)
	if err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF) {
		if c.remaining > 0 {
			c.err = errorf(CodeSizeMismatch, c.e.Name, -1, "entry data ends %d bytes short of the declared %d", c.remaining, c.e.UncompressedSize)
			return n, c.err
		}
		err = nil
	} else if err != nil {
		var fe *FormatError
		if !errors.As(err, &fe) {
			err = &FormatError{Code: CodeInflate, Entry: c.e.Name, Offset: -1, Msg: "inflate failed", Err: err}
		}
		c.err = err
	}
	return n, err
}

// Close returns pooled buffers. It never fails.
func (c *checkedReader) Close() error {
	if c.fr != nil {
		flatePool.Put(c.fr)
		c.fr = nil
	}
	if c.br != nil {
		c.br.Reset(nil)
		bufioPool.Put(c.br)
		c.br = nil
	}
	if c.err == nil {
		c.err = errors.New("apkzip: read after close")
	}
	return nil
}

// ReadAll reads the entry's whole content into memory, refusing entries
// that declare more than limit bytes before reading anything.
func (e *Entry) ReadAll(limit int64) ([]byte, error) {
	if e.UncompressedSize > limit {
		return nil, errorf(CodeEntryTooLarge, e.Name, e.LocalHeaderOffset,
			"entry declares %d bytes, over the %d-byte limit", e.UncompressedSize, limit)
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
	// Reading once more runs the end-of-stream checks (length, CRC).
	if _, err := rc.Read(make([]byte, 1)); err != io.EOF {
		return nil, err
	}
	return buf, nil
}
