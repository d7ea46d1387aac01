// Package apkzip reads the ZIP container of an APK the way Android does:
// strictly, from an io.ReaderAt, without ever holding the whole file in
// memory.
//
// Open locates the End of Central Directory record (one search backwards
// from the end of the file, as Android does), parses the central directory,
// locates the APK Signing Block that sits immediately before it, and checks
// the structural rules that Android relies on for its signature checks to
// mean anything. Local file headers are read on demand and compared with
// the central directory; entry data is streamed with its declared size and
// CRC-32 enforced while reading.
//
// Two references decide what is refused: AOSP apksig (the verifier behind
// apksigner, whose verdicts the conformance corpus records) and the
// platform's libziparchive (what the installer opens). Open refuses:
//
//   - no EOCD whose comment runs exactly to the end of the file, a central
//     directory that overlaps the EOCD or is malformed (both refuse);
//   - ZIP64 archives (placeholders in the EOCD: apksig cannot read them,
//     Android's v2+ verifier refuses them), and ZIP64 records that disagree
//     with the classic EOCD; ZIP64 records that agree are a finding (see
//     CodeZip64Records);
//   - data before the first local header, as in the Janus attack
//     (libziparchive refuses; apksig does not check, so a v1-only Janus file
//     is a known divergence from apksigner);
//   - duplicate entry names (libziparchive refuses; the Master Key bug);
//   - names with a NUL byte or malformed UTF-8 (libziparchive refuses);
//   - encrypted entries, and overlapping entries or entry data that runs
//     into the signing block or central directory (Android does not check
//     overlap; the issue asks for it, as no build tool writes such files).
//
// What Android reads but another reader might not, or what changes which
// signatures count, is reported in Archive.Findings instead: a signing block
// apksig ignores, bytes between the central directory and the EOCD, an EOCD
// signature that would make the installer pick another record, multi-disk
// fields, bytes after the announced directory records, unknown compression
// methods (read as deflate, like apksig), stored entries whose two sizes
// differ, and names that would escape the app's directory when extracted.
//
// Local headers that disagree with the central directory (name, sizes,
// CRC-32 when no data descriptor follows, data descriptor and encryption
// flags) fail when the entry is read, not in Open, because that is where
// apksig reports them; a differing compression method is tolerated (the
// central directory's is used, as apksig does).
//
// Entry streams enforce the declared size and the CRC-32, as the issue asks.
// Neither apksig nor libziparchive checks the content's CRC-32 (the JAR
// digests and the v2+ digests protect the content instead), so the only
// files on which this changes a verdict are v1-only APKs whose headers were
// edited after signing in both places; for v2+ APKs the digest over the
// central directory fails first.
package apkzip

import (
	"bytes"
	"encoding/binary"
	"io"
	"slices"
	"strings"
	"sync"
	"unsafe"
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
	dataDescSig    = 0x08074b50

	// MethodStored and MethodDeflated are the only compression methods
	// Android writes. Any other method is read as deflate, as apksig does.
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
	// counts (for example a signing block that is ignored) or that another
	// ZIP reader might interpret differently. Verification layers decide
	// whether they are errors or warnings. Codes that appear here:
	// CodeCDNotBeforeEOCD, CodeSigBlockMalformed, CodeEOCDInComment,
	// CodeMultiDisk, CodeCDEntryCount, CodeUnsupportedMethod,
	// CodeSizeMismatch (stored entry whose two sizes differ) and
	// CodeUnsafeName; per-entry ones are capped at MaxEntryFindings.
	Findings []FormatError

	eocd          []byte // the EOCD record, comment included
	memoMu        sync.Mutex
	memo          map[any]any
	contentMu     sync.Mutex     // not memoMu: Memo's callers may open entries
	content       map[int][]byte // by Index: small entries ReadAll read (content_memo.go)
	entryFindings int            // per-entry findings recorded, up to MaxEntryFindings
	entries       []*Entry
	byName        map[string]*Entry
	block         *SigningBlock
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

// Memo returns the value stored under key, storing mk's result there
// first when there is none. The verifiers of one archive keep what they
// derive from it here (the signer package its digester), so work one of
// them did is not redone by the next.
func (a *Archive) Memo(key any, mk func() any) any {
	a.memoMu.Lock()
	defer a.memoMu.Unlock()
	if v, ok := a.memo[key]; ok {
		return v
	}
	if a.memo == nil {
		a.memo = map[any]any{}
	}
	v := mk()
	a.memo[key] = v
	return v
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

// SigningBlock returns the APK Signing Block, or nil when the file has none
// that Android would use.
func (a *Archive) SigningBlock() *SigningBlock { return a.block }

// DataSize returns how many bytes of entry data follow the local header, as
// Android reads them: the compressed size, except for stored entries, whose
// data both apksig and libziparchive take to be UncompressedSize bytes long.
func (e *Entry) DataSize() int64 {
	if e.Method == MethodStored {
		return e.UncompressedSize
	}
	return e.CompressedSize
}

// readFull reads n bytes at off. Callers bound n by the file size first, so
// a hostile length never turns into an allocation larger than the input.
func readFull(r io.ReaderAt, off int64, n int) ([]byte, error) {
	buf := make([]byte, n)
	if err := readAt(r, buf, off); err != nil {
		return nil, err
	}
	return buf, nil
}

// readAt fills buf from off, reporting short reads as typed I/O errors.
func readAt(r io.ReaderAt, buf []byte, off int64) error {
	n, err := r.ReadAt(buf, off)
	if n == len(buf) {
		return nil // io.ReaderAt may return io.EOF with a full read at the end
	}
	if err == nil || err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return ioError(off, err)
}

// Open parses the container of the APK held by r, which is size bytes long.
// Every error is a *FormatError.
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

// findEOCD locates the EOCD record the way apksig does: the record closest
// to the end of the file whose comment length runs exactly to the end. The
// common case (no comment) costs one 22-byte read; otherwise the last
// 64 KiB + 22 bytes are read once and scanned backwards.
func (a *Archive) findEOCD() error {
	var last [eocdMinSize]byte
	if err := readAt(a.r, last[:], a.size-eocdMinSize); err != nil {
		return err
	}
	if binary.LittleEndian.Uint32(last[:]) == eocdSig && binary.LittleEndian.Uint16(last[20:]) == 0 {
		a.EOCDOffset = a.size - eocdMinSize
		a.eocd = last[:]
	} else if err := a.scanEOCD(); err != nil {
		return err
	}
	a.Comment = a.eocd[eocdMinSize:]
	return a.parseEOCD()
}

func (a *Archive) scanEOCD() error {
	maxComment := min(int64(eocdMaxComment), a.size-eocdMinSize)
	tailLen := maxComment + eocdMinSize
	tailOff := a.size - tailLen
	tail, err := readFull(a.r, tailOff, int(tailLen))
	if err != nil {
		return err
	}
	for commentLen := int64(0); commentLen <= maxComment; commentLen++ {
		pos := int64(len(tail)) - eocdMinSize - commentLen
		if binary.LittleEndian.Uint32(tail[pos:]) != eocdSig ||
			int64(binary.LittleEndian.Uint16(tail[pos+20:])) != commentLen {
			continue
		}
		a.EOCDOffset = tailOff + pos
		a.eocd = bytes.Clone(tail[pos:]) // keep the record, not the 64 KiB read
		// libziparchive stops at the first signature from the end and then
		// insists that its comment length is exact, so a signature later in
		// the record or its comment makes the installer refuse the file
		// while apksig (whose verdict we follow) reads it.
		if i := bytes.LastIndex(tail[pos+4:len(tail)-eocdMinSize+4], []byte{0x50, 0x4b, 0x05, 0x06}); i >= 0 {
			a.Findings = append(a.Findings, *errorf(CodeEOCDInComment, "", tailOff+pos+4+int64(i),
				"another End of Central Directory signature follows the record (in its fields or comment); Android's installer refuses such a file"))
		}
		return nil
	}
	return errorf(CodeEOCDNotFound, "", -1, "no End of Central Directory record in the last %d bytes", tailLen)
}

func (a *Archive) parseEOCD() error {
	e := a.eocd
	diskNum := binary.LittleEndian.Uint16(e[4:])
	cdDisk := binary.LittleEndian.Uint16(e[6:])
	diskEntries := binary.LittleEndian.Uint16(e[8:])
	totalEntries := binary.LittleEndian.Uint16(e[10:])
	cdSize := binary.LittleEndian.Uint32(e[12:])
	cdOff := binary.LittleEndian.Uint32(e[16:])
	if totalEntries == 0xffff || cdSize == 0xffffffff || cdOff == 0xffffffff {
		// A real ZIP64 archive: apksig cannot read it, and the platform's
		// v2+ verifier refuses it ("ZIP64 APK not supported").
		return errorf(CodeZip64, "", a.EOCDOffset, "End of Central Directory fields hold ZIP64 placeholders")
	}
	// A ZIP64 locator right before the EOCD: accepted only when its record
	// says exactly what the classic record says (checkZip64).
	if a.EOCDOffset >= zip64LocSize {
		var b [4]byte
		if err := readAt(a.r, b[:], a.EOCDOffset-zip64LocSize); err != nil {
			return err
		}
		if binary.LittleEndian.Uint32(b[:]) == zip64LocSig {
			if err := a.checkZip64(a.EOCDOffset-zip64LocSize, totalEntries, cdSize, cdOff); err != nil {
				return err
			}
		}
	}
	if diskNum != 0 || cdDisk != 0 || diskEntries != totalEntries {
		// apksig and libziparchive both ignore the disk fields and use the
		// total entry count, so this is only worth reporting.
		a.Findings = append(a.Findings, *errorf(CodeMultiDisk, "", a.EOCDOffset,
			"EOCD disk fields (disk %d, directory disk %d, %d of %d entries) describe a multi-disk archive; they are ignored",
			diskNum, cdDisk, diskEntries, totalEntries))
	}
	a.CentralDirectoryOffset = int64(cdOff)
	a.CentralDirectorySize = int64(cdSize)
	// This bounds the directory by the file before it is read or allocated.
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
	want := int(binary.LittleEndian.Uint16(a.eocd[10:]))
	if want == 0 {
		// An empty archive is a well-formed ZIP; Android refuses it later for
		// its missing AndroidManifest.xml, which is not this layer's call.
		a.byName = map[string]*Entry{}
		return nil
	}
	buf, err := readFull(a.r, a.CentralDirectoryOffset, int(a.CentralDirectorySize))
	if err != nil {
		return err
	}
	// First pass, as libziparchive does: check that the records are all
	// there before allocating anything per entry, so a directory that only
	// claims many entries costs no more than its own bytes.
	pos := 0
	for i := range want {
		off := a.CentralDirectoryOffset + int64(pos)
		if len(buf)-pos < cdHeaderSize {
			return errorf(CodeCDMalformed, "", off, "central directory header #%d truncated", i)
		}
		h := buf[pos:]
		if binary.LittleEndian.Uint32(h) != cdHeaderSig {
			return errorf(CodeCDMalformed, "", off, "central directory header #%d has a bad signature", i)
		}
		recLen := cdHeaderSize + int(binary.LittleEndian.Uint16(h[28:])) +
			int(binary.LittleEndian.Uint16(h[30:])) + int(binary.LittleEndian.Uint16(h[32:]))
		if len(buf)-pos < recLen {
			return errorf(CodeCDMalformed, "", off, "central directory header #%d runs past the directory", i)
		}
		pos += recLen
	}
	if pos != len(buf) {
		// Neither apksig nor libziparchive looks past the announced entries;
		// another ZIP reader might find more records there.
		a.Findings = append(a.Findings, *errorf(CodeCDEntryCount, "", a.CentralDirectoryOffset+int64(pos),
			"central directory has %d bytes after the %d entries the EOCD announces", len(buf)-pos, want))
	}

	// Entry names are substrings of one string that shares the directory's
	// bytes, so Open costs no allocation per name, and entries live in one
	// slab. buf is never written again, which is what unsafe.String
	// requires.
	cd := unsafe.String(unsafe.SliceData(buf), len(buf))
	slab := make([]Entry, want)
	a.entries = make([]*Entry, want)
	a.byName = make(map[string]*Entry, want)
	pos = 0
	for i := range want {
		off := a.CentralDirectoryOffset + int64(pos)
		h := buf[pos:]
		nameLen := int(binary.LittleEndian.Uint16(h[28:]))
		e := &slab[i]
		*e = Entry{
			Flags:             binary.LittleEndian.Uint16(h[8:]),
			Method:            binary.LittleEndian.Uint16(h[10:]),
			CRC32:             binary.LittleEndian.Uint32(h[16:]),
			CompressedSize:    int64(binary.LittleEndian.Uint32(h[20:])),
			UncompressedSize:  int64(binary.LittleEndian.Uint32(h[24:])),
			LocalHeaderOffset: int64(binary.LittleEndian.Uint32(h[42:])),
			Name:              cd[pos+cdHeaderSize : pos+cdHeaderSize+nameLen],
			Index:             i,
			a:                 a,
		}
		pos += cdHeaderSize + nameLen + int(binary.LittleEndian.Uint16(h[30:])) + int(binary.LittleEndian.Uint16(h[32:]))
		if e.CompressedSize == 0xffffffff || e.UncompressedSize == 0xffffffff || e.LocalHeaderOffset == 0xffffffff {
			return errorf(CodeZip64, e.Name, off, "entry uses ZIP64 placeholders")
		}
		if err := a.checkName(e.Name, off); err != nil {
			return err
		}
		if e.Flags&flagEncrypted != 0 {
			return errorf(CodeEncrypted, e.Name, off, "encrypted entries are not supported")
		}
		if e.Method != MethodStored && e.Method != MethodDeflated {
			// apksig treats every method other than STORED as DEFLATED.
			a.entryFinding(errorf(CodeUnsupportedMethod, e.Name, off,
				"compression method %d, read as deflate as Android's verifier does", e.Method))
		}
		if e.Method == MethodStored && e.CompressedSize != e.UncompressedSize {
			// Both apksig and libziparchive read UncompressedSize bytes of a
			// stored entry and never look at its compressed size.
			a.entryFinding(errorf(CodeSizeMismatch, e.Name, off,
				"stored entry has compressed size %d but uncompressed size %d; the uncompressed size is used",
				e.CompressedSize, e.UncompressedSize))
		}
		// Two entries of one name let different readers pick different
		// files (the "Master Key" bug); libziparchive refuses them too.
		if first, dup := a.byName[e.Name]; dup {
			return errorf(CodeDuplicateEntry, e.Name, off,
				"entry name appears twice in the central directory (entries #%d and #%d)", first.Index, i)
		}
		a.byName[e.Name] = e
		a.entries[i] = e
	}
	return nil
}

// MaxEntryFindings bounds the per-entry Findings (unsafe names, unknown
// methods, stored size mismatches): a hostile directory of 65535 odd
// entries must not cost 65535 findings. Archive-level findings are always
// recorded.
const MaxEntryFindings = 100

func (a *Archive) entryFinding(f *FormatError) {
	if a.entryFindings < MaxEntryFindings {
		a.entryFindings++
		a.Findings = append(a.Findings, *f)
	}
}

// checkName refuses the names Android's installer refuses (libziparchive:
// a NUL byte or malformed UTF-8; its UTF-8 test is structural only) and
// reports, without refusing, names that would escape the app's directory
// if extracted naively. apksig accepts all of them; its only corpus file
// with such a name (v1-only-with-nul-in-entry-name.apk) is used by no
// verifier test, so refusing NUL is our choice, made to match the
// installer.
func (a *Archive) checkName(name string, off int64) *FormatError {
	if strings.IndexByte(name, 0) >= 0 {
		return errorf(CodeInvalidName, name, off, "entry name contains a NUL byte")
	}
	if !validEntryNameUTF8(name) {
		return errorf(CodeInvalidName, name, off, "entry name is not valid UTF-8")
	}
	unsafeName := func(why string) {
		a.entryFinding(errorf(CodeUnsafeName, name, off, "%s", why))
	}
	switch {
	case name == "":
		unsafeName("empty entry name")
	case name[0] == '/':
		unsafeName("absolute entry name")
	case strings.Contains(name, "\\"):
		unsafeName("entry name contains a backslash")
	default:
		for part := range strings.SplitSeq(name, "/") {
			if part == ".." {
				unsafeName("entry name has a '..' path component")
				break
			}
		}
	}
	return nil
}

// validEntryNameUTF8 applies libziparchive's test: every lead byte announces
// (by its high bits) how many continuation bytes follow, and they must be
// there. Overlong forms and surrogates pass, as they do on Android; stray
// continuation bytes and 0xFE/0xFF do not.
func validEntryNameUTF8(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c < 0x80:
			continue
		case c&0xc0 == 0x80 || c&0xfe == 0xfe:
			return false
		}
		for lead := c << 1; lead&0x80 != 0; lead <<= 1 {
			i++
			if i == len(s) || s[i]&0xc0 != 0x80 {
				return false
			}
		}
	}
	return true
}

// dataLimit is where entry data must end: the start of the signing block
// when there is one, else the central directory. Data inside the signing
// block would escape the v2/v3 digests, which skip the block.
func (a *Archive) dataLimit() int64 {
	if a.block != nil {
		return a.block.Offset
	}
	return a.CentralDirectoryOffset
}

// checkLayout checks, from the central directory alone, that entries start
// at offset 0, stay before the signing block / central directory and do not
// overlap. CheckLocalHeaders refines this with the real header lengths.
//
// Android itself does not check for overlap; the issue tracker asks for it
// because overlapping entries exist only in zip bombs and parser-confusion
// attacks. Data before the first entry (the Janus attack, CVE-2017-13156)
// is refused by libziparchive, which insists on a local header at offset 0;
// requiring the lowest entry to start at 0 is the same rule read from the
// central directory, and every APK of the apksig corpus meets it.
func (a *Archive) checkLayout() error {
	if len(a.entries) == 0 {
		return nil
	}
	sorted := slices.Clone(a.entries)
	slices.SortFunc(sorted, func(x, y *Entry) int {
		if x.LocalHeaderOffset != y.LocalHeaderOffset {
			return int(x.LocalHeaderOffset - y.LocalHeaderOffset)
		}
		return x.Index - y.Index
	})
	if sorted[0].LocalHeaderOffset != 0 {
		return errorf(CodeDataBeforeFirst, sorted[0].Name, 0,
			"%d bytes before the first local file header", sorted[0].LocalHeaderOffset)
	}
	limit := a.dataLimit()
	for i, e := range sorted {
		// The smallest the entry can be: header, name, data.
		end := e.LocalHeaderOffset + localSize + int64(len(e.Name)) + e.DataSize()
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
