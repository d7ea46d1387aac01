// Package apkzip reads the ZIP container of an APK the way Android does:
// strictly, from an io.ReaderAt, without ever holding the whole file in
// memory.
//
// Open locates the End of Central Directory record (one search backwards
// from the end of the file, as Android does), parses the central directory,
// locates the APK Signing Block that sits immediately before it, and checks
// the structural rules that Android relies on for its signature checks to
// mean anything: no ZIP64, no data before the first entry, no duplicate or
// unsafe names, no overlapping entries, a central directory that ends where
// the EOCD starts. Local file headers are read on demand and compared with
// the central directory; entry data is streamed with its declared size and
// CRC-32 enforced while reading.
package apkzip

import (
	"bytes"
	"encoding/binary"
	"io"
	"sort"
	"strings"
	"unicode/utf8"
)

const (
	eocdSig        = 0x06054b50
	eocdMinSize    = 22
	eocdMaxComment = 0xffff
	cdHeaderSig    = 0x02014b50
	cdHeaderSize   = 46
	localSig       = 0x04034b50
	localSize      = 30
	zip64LocSig    = 0x07064b50
	zip64LocSize   = 20

	// MethodStored and MethodDeflated are the only compression methods
	// Android installs.
	MethodStored   = 0
	MethodDeflated = 8

	flagEncrypted      = 0x0001
	flagDataDescriptor = 0x0008
)

// Archive is an opened APK container. It is safe for concurrent use by
// multiple goroutines once Open has returned.
type Archive struct {
	r    io.ReaderAt
	size int64

	// EOCDOffset is the file offset of the End of Central Directory record.
	EOCDOffset int64
	// CentralDirectoryOffset and CentralDirectorySize locate the central
	// directory as recorded in the EOCD.
	CentralDirectoryOffset int64
	CentralDirectorySize   int64
	// Comment is the archive comment (at most 65535 bytes).
	Comment []byte
	// Findings are irregularities Android tolerates but that change what
	// counts (for example a signing block that is ignored). Verification
	// layers decide whether they are errors or warnings.
	Findings []FormatError

	eocd    []byte // the EOCD record, comment included
	entries []*Entry
	byName  map[string]*Entry
	block   *SigningBlock
}

// Entry is one file of the archive as the central directory describes it.
type Entry struct {
	Name              string
	Method            uint16
	Flags             uint16
	CRC32             uint32
	CompressedSize    int64
	UncompressedSize  int64
	LocalHeaderOffset int64
	// Index is the entry's position in the central directory.
	Index int

	a *Archive
}

// Size returns the size of the file the archive was opened from.
func (a *Archive) Size() int64 { return a.size }

// ReaderAt returns the reader the archive was opened from.
func (a *Archive) ReaderAt() io.ReaderAt { return a.r }

// Entries returns the entries in central directory order. The slice must
// not be modified.
func (a *Archive) Entries() []*Entry { return a.entries }

// Lookup returns the entry with exactly this name (no path cleaning, as
// Android looks names up), or nil.
func (a *Archive) Lookup(name string) *Entry { return a.byName[name] }

// EOCD returns a copy of the End of Central Directory record as it is in
// the file, comment included.
func (a *Archive) EOCD() []byte { return append([]byte(nil), a.eocd...) }

// SigningBlock returns the APK Signing Block, or nil when the file has none.
func (a *Archive) SigningBlock() *SigningBlock { return a.block }

func readFull(r io.ReaderAt, off int64, n int) ([]byte, error) {
	buf := make([]byte, n)
	if _, err := r.ReadAt(buf, off); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, ioError(off, err)
	}
	return buf, nil
}

// Open parses the container of the APK held by r, which is size bytes long.
func Open(r io.ReaderAt, size int64) (*Archive, error) {
	if size < eocdMinSize {
		return nil, errorf(CodeTooSmall, "", -1, "file of %d bytes cannot hold an End of Central Directory record", size)
	}
	a := &Archive{r: r, size: size}
	if err := a.findEOCD(); err != nil {
		return nil, err
	}
	if err := a.readCentralDirectory(); err != nil {
		return nil, err
	}
	if err := a.findSigningBlock(); err != nil {
		return nil, err
	}
	if err := a.checkLayout(); err != nil {
		return nil, err
	}
	return a, nil
}

// findEOCD searches backwards from the end of the file for the EOCD record
// whose comment length runs exactly to the end of the file. Like Android it
// first tries the common case of no comment, then scans the last 64 KiB.
func (a *Archive) findEOCD() error {
	maxComment := int64(eocdMaxComment)
	if a.size-eocdMinSize < maxComment {
		maxComment = a.size - eocdMinSize
	}
	tailLen := maxComment + eocdMinSize
	tailOff := a.size - tailLen
	tail, err := readFull(a.r, tailOff, int(tailLen))
	if err != nil {
		return err
	}
	for commentLen := int64(0); commentLen <= maxComment; commentLen++ {
		pos := int64(len(tail)) - eocdMinSize - commentLen
		if binary.LittleEndian.Uint32(tail[pos:]) != eocdSig {
			continue
		}
		if int64(binary.LittleEndian.Uint16(tail[pos+20:])) != commentLen {
			continue
		}
		a.EOCDOffset = tailOff + pos
		a.eocd = append([]byte(nil), tail[pos:]...)
		a.Comment = a.eocd[eocdMinSize:]
		break
	}
	if a.eocd == nil {
		return errorf(CodeEOCDNotFound, "", -1, "no End of Central Directory record in the last %d bytes", tailLen)
	}
	e := a.eocd
	// A ZIP64 locator right before the EOCD means the EOCD's fields are
	// placeholders; Android does not support ZIP64 APKs.
	if a.EOCDOffset >= zip64LocSize {
		if b, err := readFull(a.r, a.EOCDOffset-zip64LocSize, 4); err == nil && binary.LittleEndian.Uint32(b) == zip64LocSig {
			return errorf(CodeZip64, "", a.EOCDOffset-zip64LocSize, "ZIP64 End of Central Directory locator present")
		}
	}
	diskNum := binary.LittleEndian.Uint16(e[4:])
	cdDisk := binary.LittleEndian.Uint16(e[6:])
	diskEntries := binary.LittleEndian.Uint16(e[8:])
	totalEntries := binary.LittleEndian.Uint16(e[10:])
	cdSize := binary.LittleEndian.Uint32(e[12:])
	cdOff := binary.LittleEndian.Uint32(e[16:])
	if totalEntries == 0xffff || cdSize == 0xffffffff || cdOff == 0xffffffff {
		return errorf(CodeZip64, "", a.EOCDOffset, "End of Central Directory fields hold ZIP64 placeholders")
	}
	if diskNum != 0 || cdDisk != 0 || diskEntries != totalEntries {
		return errorf(CodeMultiDisk, "", a.EOCDOffset, "multi-disk archives are not supported")
	}
	a.CentralDirectoryOffset = int64(cdOff)
	a.CentralDirectorySize = int64(cdSize)
	if a.CentralDirectoryOffset+a.CentralDirectorySize > a.EOCDOffset {
		return errorf(CodeCDOutOfRange, "", a.CentralDirectoryOffset,
			"central directory (offset %d, size %d) runs past the EOCD at %d", cdOff, cdSize, a.EOCDOffset)
	}
	if a.CentralDirectoryOffset+a.CentralDirectorySize != a.EOCDOffset {
		// Android (apksig) still reads such a file but refuses to use its
		// APK Signing Block, so v2+ signatures do not count.
		a.Findings = append(a.Findings, *errorf(CodeCDNotBeforeEOCD, "", a.CentralDirectoryOffset,
			"central directory ends at %d, not immediately before the EOCD at %d; the APK Signing Block is ignored",
			a.CentralDirectoryOffset+a.CentralDirectorySize, a.EOCDOffset))
	}
	// Each central directory header takes at least 46 bytes, so the entry
	// count is bounded by the directory's size before anything is allocated.
	if int64(totalEntries)*cdHeaderSize > a.CentralDirectorySize {
		return errorf(CodeCDEntryCount, "", a.EOCDOffset,
			"EOCD claims %d entries, more than a %d-byte central directory can hold", totalEntries, cdSize)
	}
	return nil
}

func (a *Archive) readCentralDirectory() error {
	cd, err := readFull(a.r, a.CentralDirectoryOffset, int(a.CentralDirectorySize))
	if err != nil {
		return err
	}
	want := int(binary.LittleEndian.Uint16(a.eocd[10:]))
	a.entries = make([]*Entry, 0, want)
	a.byName = make(map[string]*Entry, want)
	pos := 0
	for len(a.entries) < want {
		off := a.CentralDirectoryOffset + int64(pos)
		if len(cd)-pos < cdHeaderSize {
			return errorf(CodeCDMalformed, "", off, "central directory header #%d truncated", len(a.entries))
		}
		h := cd[pos:]
		if binary.LittleEndian.Uint32(h) != cdHeaderSig {
			return errorf(CodeCDMalformed, "", off, "central directory header #%d has a bad signature", len(a.entries))
		}
		nameLen := int(binary.LittleEndian.Uint16(h[28:]))
		extraLen := int(binary.LittleEndian.Uint16(h[30:]))
		commentLen := int(binary.LittleEndian.Uint16(h[32:]))
		recLen := cdHeaderSize + nameLen + extraLen + commentLen
		if len(cd)-pos < recLen {
			return errorf(CodeCDMalformed, "", off, "central directory header #%d runs past the directory", len(a.entries))
		}
		e := &Entry{
			Flags:             binary.LittleEndian.Uint16(h[8:]),
			Method:            binary.LittleEndian.Uint16(h[10:]),
			CRC32:             binary.LittleEndian.Uint32(h[16:]),
			CompressedSize:    int64(binary.LittleEndian.Uint32(h[20:])),
			UncompressedSize:  int64(binary.LittleEndian.Uint32(h[24:])),
			LocalHeaderOffset: int64(binary.LittleEndian.Uint32(h[42:])),
			Name:              string(h[cdHeaderSize : cdHeaderSize+nameLen]),
			Index:             len(a.entries),
			a:                 a,
		}
		if e.CompressedSize == 0xffffffff || e.UncompressedSize == 0xffffffff || e.LocalHeaderOffset == 0xffffffff {
			return errorf(CodeZip64, e.Name, off, "entry uses ZIP64 placeholders")
		}
		if err := checkName(e.Name); err != nil {
			err.Offset = off
			return err
		}
		if e.Flags&flagEncrypted != 0 {
			return errorf(CodeEncrypted, e.Name, off, "encrypted entries are not supported")
		}
		if e.Method != MethodStored && e.Method != MethodDeflated {
			// apksig treats every method other than STORED as DEFLATED.
			a.Findings = append(a.Findings, *errorf(CodeUnsupportedMethod, e.Name, off,
				"compression method %d, read as deflate as Android's verifier does", e.Method))
		}
		if e.Method == MethodStored && e.CompressedSize != e.UncompressedSize {
			return errorf(CodeSizeMismatch, e.Name, off,
				"stored entry has compressed size %d but uncompressed size %d", e.CompressedSize, e.UncompressedSize)
		}
		if _, dup := a.byName[e.Name]; dup {
			return errorf(CodeDuplicateEntry, e.Name, off, "entry name appears twice in the central directory")
		}
		a.byName[e.Name] = e
		a.entries = append(a.entries, e)
		pos += recLen
	}
	if pos != len(cd) {
		return errorf(CodeCDEntryCount, "", a.CentralDirectoryOffset+int64(pos),
			"central directory has %d bytes after the %d entries the EOCD announces", len(cd)-pos, want)
	}
	return nil
}

// checkName refuses names that Android's installer refuses or that would
// escape the app's directory when extracted.
func checkName(name string) *FormatError {
	bad := func(why string) *FormatError { return errorf(CodeInvalidName, name, -1, "%s", why) }
	switch {
	case name == "":
		return bad("empty entry name")
	case strings.IndexByte(name, 0) >= 0:
		return bad("entry name contains a NUL byte")
	case !utf8.ValidString(name):
		return bad("entry name is not valid UTF-8")
	case strings.HasPrefix(name, "/"):
		return bad("absolute entry name")
	}
	for _, part := range strings.Split(name, "/") {
		if part == ".." {
			return bad("entry name has a '..' path component")
		}
	}
	return nil
}

// dataLimit is where entry data must end: the start of the signing block
// when there is one, else the central directory.
func (a *Archive) dataLimit() int64 {
	if a.block != nil {
		return a.block.Offset
	}
	return a.CentralDirectoryOffset
}

// checkLayout checks, from the central directory alone, that entries start
// at offset 0, stay before the signing block / central directory and do not
// overlap. The local headers refine this when read.
func (a *Archive) checkLayout() error {
	if len(a.entries) == 0 {
		return nil
	}
	sorted := make([]*Entry, len(a.entries))
	copy(sorted, a.entries)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].LocalHeaderOffset < sorted[j].LocalHeaderOffset })
	if sorted[0].LocalHeaderOffset != 0 {
		return errorf(CodeDataBeforeFirst, sorted[0].Name, 0,
			"%d bytes before the first local file header", sorted[0].LocalHeaderOffset)
	}
	limit := a.dataLimit()
	for i, e := range sorted {
		// The smallest the entry can be: header, name, data.
		end := e.LocalHeaderOffset + localSize + int64(len(e.Name)) + e.CompressedSize
		if end > limit {
			return errorf(CodeEntryOutOfRange, e.Name, e.LocalHeaderOffset,
				"entry data runs to %d, past the end of the entries at %d", end, limit)
		}
		if i+1 < len(sorted) && end > sorted[i+1].LocalHeaderOffset {
			return errorf(CodeEntryOverlap, e.Name, e.LocalHeaderOffset,
				"entry overlaps %q at %d", sorted[i+1].Name, sorted[i+1].LocalHeaderOffset)
		}
	}
	return nil
}

// ContentRegions returns the three parts of the file that the v2/v3 content
// digests cover: everything before the signing block, the central directory,
// and the EOCD with its central-directory offset replaced by the signing
// block's offset (as it was before the block was inserted). It returns nil
// when the file has no signing block.
func (a *Archive) ContentRegions() []*io.SectionReader {
	if a.block == nil {
		return nil
	}
	eocd := a.EOCD()
	binary.LittleEndian.PutUint32(eocd[16:], uint32(a.block.Offset))
	return []*io.SectionReader{
		io.NewSectionReader(a.r, 0, a.block.Offset),
		io.NewSectionReader(a.r, a.CentralDirectoryOffset, a.CentralDirectorySize),
		io.NewSectionReader(bytes.NewReader(eocd), 0, int64(len(eocd))),
	}
}
