package apkzip

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestOpenReadsWellFormedArchive(t *testing.T) {
	tests := []struct {
		name string
		s    spec
	}{
		{"no comment", spec{entries: basicEntries()}},
		{"with comment", spec{entries: basicEntries(), comment: []byte("built by a test")}},
		{"with signing block", spec{entries: basicEntries(), sigBlock: sigBlockBytes(pair{0x7109871a, []byte("v2 block")})}},
		{"CR and LF in names (apksig reads them)", spec{entries: []*specEntry{{name: "a\rb", content: []byte("x")}, {name: "c\nd", content: []byte("y")}}}},
		{"overlong UTF-8 (libziparchive's test is structural)", spec{entries: []*specEntry{{name: "x\xc0\xafy", content: []byte("x")}}}},
		{"multi-byte UTF-8 names", spec{entries: []*specEntry{{name: "res/raw/données.txt", content: []byte("x")}, {name: "assets/😀.png", content: []byte("y")}}}},
		{"empty archive", spec{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := tt.s.build(t)
			a, err := openBytes(b)
			require.NoError(t, err)
			assert.Empty(t, a.Findings)
			require.Len(t, a.Entries(), len(tt.s.entries))
			for i, se := range tt.s.entries {
				e := a.Entries()[i]
				assert.Same(t, e, a.Lookup(se.name))
				got, err := e.ReadAll(1 << 20)
				require.NoError(t, err)
				assert.Equal(t, se.content, got)
			}
			assert.Equal(t, string(tt.s.comment), string(a.Comment))
			assert.Equal(t, int64(len(b)-len(tt.s.comment)-eocdMinSize), a.EOCDOffset)
		})
	}
}

// TestOpenRejects builds each shape Android refuses (or the issue asks us to
// refuse) and checks the typed error, its code and the offending entry.
func TestOpenRejects(t *testing.T) {
	withEntries := func(f func(s *spec)) spec {
		s := spec{entries: basicEntries()}
		f(&s)
		return s
	}
	tests := []struct {
		name   string
		input  func(t *testing.T) []byte
		want   Code
		entry  string
		offset int64 // -2: not checked
	}{
		{"too small for an EOCD", func(*testing.T) []byte { return []byte("PK\x05\x06") }, CodeTooSmall, "", -2},
		{"no EOCD", func(*testing.T) []byte { return bytes.Repeat([]byte("not a zip "), 20) }, CodeEOCDNotFound, "", -2},
		{"EOCD comment length does not reach the end", func(t *testing.T) []byte {
			s := spec{entries: basicEntries(), comment: []byte("abc"), commentLenΔ: 2}
			return s.build(t)
		}, CodeEOCDNotFound, "", -2},
		{"ZIP64 locator before the EOCD", func(t *testing.T) []byte {
			s := withEntries(func(s *spec) { s.zip64Loc = true })
			return s.build(t)
		}, CodeZip64, "", -2},
		{"ZIP64 placeholder entry count", func(t *testing.T) []byte {
			s := withEntries(func(s *spec) {
				s.eocd = func(e []byte) {
					binary.LittleEndian.PutUint16(e[8:], 0xffff)
					binary.LittleEndian.PutUint16(e[10:], 0xffff)
				}
			})
			return s.build(t)
		}, CodeZip64, "", -2},
		{"ZIP64 placeholder entry size", func(t *testing.T) []byte {
			s := withEntries(func(s *spec) { s.entries[1].cd = func(c []byte) { binary.LittleEndian.PutUint32(c[24:], 0xffffffff) } })
			return s.build(t)
		}, CodeZip64, "resources.arsc", -2},
		{"central directory truncated (runs into the EOCD)", func(t *testing.T) []byte {
			s := withEntries(func(s *spec) {
				s.eocd = func(e []byte) { binary.LittleEndian.PutUint32(e[12:], binary.LittleEndian.Uint32(e[12:])+1) }
			})
			return s.build(t)
		}, CodeCDOutOfRange, "", -2},
		{"central directory claims 4 GiB", func(t *testing.T) []byte {
			s := withEntries(func(s *spec) { s.eocd = func(e []byte) { binary.LittleEndian.PutUint32(e[12:], 0xfffffffe) } })
			return s.build(t)
		}, CodeCDOutOfRange, "", -2},
		{"more entries than the directory can hold", func(t *testing.T) []byte {
			s := withEntries(func(s *spec) {
				s.eocd = func(e []byte) {
					binary.LittleEndian.PutUint16(e[8:], 60000)
					binary.LittleEndian.PutUint16(e[10:], 60000)
				}
			})
			return s.build(t)
		}, CodeCDEntryCount, "", -2},
		{"bad central directory record signature", func(t *testing.T) []byte {
			s := withEntries(func(s *spec) { s.entries[1].cd = func(c []byte) { c[0] = 'X' } })
			return s.build(t)
		}, CodeCDMalformed, "", -2},
		{"data before the first entry (Janus)", func(t *testing.T) []byte {
			s := withEntries(func(s *spec) { s.prefix = []byte("dex\n035\x00 a prepended dex file") })
			return s.build(t)
		}, CodeDataBeforeFirst, "AndroidManifest.xml", 0},
		{"duplicate entry name (Master Key)", func(t *testing.T) []byte {
			s := withEntries(func(s *spec) {
				s.entries = append(s.entries, &specEntry{name: "classes.dex", content: []byte("evil"), method: MethodStored})
			})
			return s.build(t)
		}, CodeDuplicateEntry, "classes.dex", -2},
		{"NUL in an entry name", func(t *testing.T) []byte {
			s := withEntries(func(s *spec) { s.entries[2].name = "classes.dex\x00.txt" })
			return s.build(t)
		}, CodeInvalidName, "classes.dex\x00.txt", -2},
		{"stray UTF-8 continuation byte in a name", func(t *testing.T) []byte {
			s := withEntries(func(s *spec) { s.entries[2].name = "res/\x80.png" })
			return s.build(t)
		}, CodeInvalidName, "res/\x80.png", -2},
		{"truncated UTF-8 sequence in a name", func(t *testing.T) []byte {
			s := withEntries(func(s *spec) { s.entries[2].name = "res/\xe2\x82" })
			return s.build(t)
		}, CodeInvalidName, "res/\xe2\x82", -2},
		{"0xFF in a name", func(t *testing.T) []byte {
			s := withEntries(func(s *spec) { s.entries[2].name = "res/\xff" })
			return s.build(t)
		}, CodeInvalidName, "res/\xff", -2},
		{"encrypted entry", func(t *testing.T) []byte {
			s := withEntries(func(s *spec) { s.entries[0].flags = flagEncrypted })
			return s.build(t)
		}, CodeEncrypted, "AndroidManifest.xml", -2},
		{"overlapping entries", func(t *testing.T) []byte {
			s := withEntries(func(s *spec) {
				// The third entry claims to start inside the second's data.
				s.entries[2].cd = func(c []byte) { binary.LittleEndian.PutUint32(c[42:], binary.LittleEndian.Uint32(c[42:])-4) }
			})
			return s.build(t)
		}, CodeEntryOverlap, "resources.arsc", -2},
		{"entry data runs into the central directory", func(t *testing.T) []byte {
			s := withEntries(func(s *spec) {
				s.entries[2].cd = func(c []byte) { binary.LittleEndian.PutUint32(c[20:], binary.LittleEndian.Uint32(c[20:])+100) }
			})
			return s.build(t)
		}, CodeEntryOutOfRange, "classes.dex", -2},
		{"entry data runs into the signing block", func(t *testing.T) []byte {
			s := withEntries(func(s *spec) {
				s.sigBlock = sigBlockBytes(pair{0x7109871a, []byte("v2")})
				s.entries[2].cd = func(c []byte) { binary.LittleEndian.PutUint32(c[20:], binary.LittleEndian.Uint32(c[20:])+8) }
			})
			return s.build(t)
		}, CodeEntryOutOfRange, "classes.dex", -2},
		{"entry size of 4 GiB - 2", func(t *testing.T) []byte {
			s := withEntries(func(s *spec) {
				s.entries[0].cd = func(c []byte) { binary.LittleEndian.PutUint32(c[20:], 0xfffffffe) }
			})
			return s.build(t)
		}, CodeEntryOutOfRange, "AndroidManifest.xml", -2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := openBytes(tt.input(t))
			assert.Nil(t, a)
			fe := requireFormatError(t, err, tt.want, tt.entry)
			if tt.offset != -2 {
				assert.Equal(t, tt.offset, fe.Offset)
			}
			assert.Contains(t, err.Error(), string(tt.want))
		})
	}
}

// TestOpenTolerates covers the shapes Android reads: Open succeeds and the
// irregularity is reported in Findings for the verification layers.
func TestOpenTolerates(t *testing.T) {
	tests := []struct {
		name    string
		s       func() spec
		want    Code
		entry   string
		noBlock bool // the signing block must be ignored
	}{
		{"bytes between central directory and EOCD: signing block ignored", func() spec {
			return spec{entries: basicEntries(), sigBlock: sigBlockBytes(pair{1, []byte("x")}), beforeEOCD: []byte("garbage")}
		}, CodeCDNotBeforeEOCD, "", true},
		{"signing block size fields differ: block ignored", func() spec {
			b := sigBlockBytes(pair{1, []byte("x")})
			b[0]++
			return spec{entries: basicEntries(), sigBlock: b}
		}, CodeSigBlockMalformed, "", true},
		{"signing block claims 4 GiB: block ignored", func() spec {
			b := sigBlockBytes(pair{1, []byte("x")})
			binary.LittleEndian.PutUint64(b[len(b)-24:], 4<<30)
			return spec{entries: basicEntries(), sigBlock: b}
		}, CodeSigBlockMalformed, "", true},
		{"signing block larger than the file before it: block ignored", func() spec {
			b := sigBlockBytes(pair{1, []byte("x")})
			binary.LittleEndian.PutUint64(b[len(b)-24:], 1<<20)
			return spec{entries: basicEntries(), sigBlock: b}
		}, CodeSigBlockMalformed, "", true},
		{"EOCD signature inside the comment", func() spec {
			return spec{entries: basicEntries(), comment: []byte("PK\x05\x06 a fake record long enough for the installer to parse")}
		}, CodeEOCDInComment, "", false},
		{"multi-disk fields", func() spec {
			return spec{entries: basicEntries(), eocd: func(e []byte) { binary.LittleEndian.PutUint16(e[4:], 1) }}
		}, CodeMultiDisk, "", false},
		{"bytes after the announced central directory records", func() spec {
			return spec{entries: basicEntries(), cdTrailer: bytes.Repeat([]byte{0}, cdHeaderSize)}
		}, CodeCDEntryCount, "", false},
		{"unknown compression method 21 (read as deflate)", func() spec {
			s := spec{entries: basicEntries()}
			s.entries[2].cd = func(c []byte) { binary.LittleEndian.PutUint16(c[10:], 21) }
			return s
		}, CodeUnsupportedMethod, "classes.dex", false},
		{"stored entry with differing sizes (uncompressed size used)", func() spec {
			s := spec{entries: basicEntries()}
			s.entries[1].cd = func(c []byte) { binary.LittleEndian.PutUint32(c[20:], 3) }
			s.entries[1].local = func(h []byte) { binary.LittleEndian.PutUint32(h[18:], 3) }
			return s
		}, CodeSizeMismatch, "resources.arsc", false},
		{"'..' path component", func() spec {
			return spec{entries: []*specEntry{{name: "assets/../../evil.so", content: []byte("x")}}}
		}, CodeUnsafeName, "assets/../../evil.so", false},
		{"absolute name", func() spec {
			return spec{entries: []*specEntry{{name: "/system/evil", content: []byte("x")}}}
		}, CodeUnsafeName, "/system/evil", false},
		{"backslash in a name", func() spec {
			return spec{entries: []*specEntry{{name: `res\drawable\icon.png`, content: []byte("x")}}}
		}, CodeUnsafeName, `res\drawable\icon.png`, false},
		{"empty name", func() spec {
			return spec{entries: []*specEntry{{name: "", content: []byte("x")}}}
		}, CodeUnsafeName, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := tt.s()
			a, err := openBytes(s.build(t))
			require.NoError(t, err)
			require.Contains(t, findingCodes(a), tt.want)
			for _, f := range a.Findings {
				if f.Code == tt.want {
					assert.Equal(t, tt.entry, f.Entry)
					assert.ErrorIs(t, &f, tt.want)
				}
			}
			if tt.noBlock {
				assert.Nil(t, a.SigningBlock())
				assert.Nil(t, a.ContentRegions())
			}
			// Every entry still reads with the central directory's view.
			for i, se := range s.entries {
				got, err := a.Entries()[i].ReadAll(1 << 20)
				require.NoError(t, err, se.name)
				assert.Equal(t, se.content, got)
			}
		})
	}
}

// TestLocalHeaderMismatch checks that a local header disagreeing with the
// central directory is reported when the entry is read (as apksig reports
// it: the file opens, the entry fails), naming the entry.
func TestLocalHeaderMismatch(t *testing.T) {
	tests := []struct {
		name  string
		local func(h []byte)
		want  Code
	}{
		{"bad signature", func(h []byte) { h[0] = 'X' }, CodeLocalHeader},
		{"different name", func(h []byte) { h[localSize] = 'C' }, CodeLocalHeaderMismatch},
		{"different name length", func(h []byte) { binary.LittleEndian.PutUint16(h[26:], 5) }, CodeLocalHeaderMismatch},
		{"different CRC-32", func(h []byte) { h[14] ^= 1 }, CodeLocalHeaderMismatch},
		{"different compressed size", func(h []byte) { h[18]++ }, CodeLocalHeaderMismatch},
		{"different uncompressed size", func(h []byte) { h[22]++ }, CodeLocalHeaderMismatch},
		{"data descriptor flag only in the local header", func(h []byte) { h[6] |= flagDataDescriptor }, CodeLocalHeaderMismatch},
		{"encryption flag only in the local header", func(h []byte) { h[6] |= flagEncrypted }, CodeLocalHeaderMismatch},
		{"extra field pushes the data past the entries", func(h []byte) { binary.LittleEndian.PutUint16(h[28:], 0xffff) }, CodeEntryOutOfRange},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := spec{entries: basicEntries()}
			s.entries[2].local = tt.local
			a, err := openBytes(s.build(t))
			require.NoError(t, err, "local headers are checked on demand, not by Open")

			_, err = a.Lookup("classes.dex").Open()
			requireFormatError(t, err, tt.want, "classes.dex")
			_, err = a.Lookup("classes.dex").ReadAll(1 << 20)
			requireFormatError(t, err, tt.want, "classes.dex")
			_, err = a.CheckLocalHeaders()
			requireFormatError(t, err, tt.want, "classes.dex")

			// The other entries are unaffected.
			_, err = a.Lookup("AndroidManifest.xml").ReadAll(1 << 20)
			require.NoError(t, err)
		})
	}
}

func TestCheckLocalHeadersWarnings(t *testing.T) {
	content := bytes.Repeat([]byte("descriptor "), 30)
	ddFor := func(withSig bool, crcDelta uint32) []byte {
		var b bytes.Buffer
		if withSig {
			_ = binary.Write(&b, binary.LittleEndian, uint32(dataDescSig))
		}
		comp := deflate(t, content)
		_ = binary.Write(&b, binary.LittleEndian, []uint32{crc32.ChecksumIEEE(content) + crcDelta, uint32(len(comp)), uint32(len(content))})
		return b.Bytes()
	}
	tests := []struct {
		name  string
		entry *specEntry
		want  []Code
	}{
		{"compression method differs (central directory wins)",
			&specEntry{name: "m", content: content, method: MethodDeflated, local: func(h []byte) { h[8] = 0 }},
			[]Code{CodeLocalHeaderMismatch}},
		{"data descriptor with signature",
			&specEntry{name: "d", content: content, method: MethodDeflated, flags: flagDataDescriptor, after: ddFor(true, 0)},
			nil},
		{"data descriptor without signature",
			&specEntry{name: "d", content: content, method: MethodDeflated, flags: flagDataDescriptor, after: ddFor(false, 0)},
			nil},
		{"data descriptor disagrees with the central directory",
			&specEntry{name: "d", content: content, method: MethodDeflated, flags: flagDataDescriptor, after: ddFor(true, 1)},
			[]Code{CodeDataDescriptor}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := spec{entries: []*specEntry{tt.entry, {name: "next", content: []byte("n")}}}
			a, err := openBytes(s.build(t))
			require.NoError(t, err)
			warnings, err := a.CheckLocalHeaders()
			require.NoError(t, err)
			var codes []Code
			for _, w := range warnings {
				codes = append(codes, w.Code)
				assert.Equal(t, tt.entry.name, w.Entry)
			}
			assert.Equal(t, tt.want, codes)
			got, err := a.Lookup(tt.entry.name).ReadAll(1 << 20)
			require.NoError(t, err)
			assert.Equal(t, content, got)
		})
	}
}

func TestCheckLocalHeadersFindsOverlapFromRealHeaderLength(t *testing.T) {
	// The central directory alone looks fine, but the first entry's local
	// extra field pushes its data into the second entry's header.
	s := spec{entries: []*specEntry{
		{name: "a", content: []byte("first"), extra: make([]byte, 8)},
		{name: "b", content: []byte("second")},
	}}
	s.entries[0].local = func(h []byte) { binary.LittleEndian.PutUint16(h[28:], 12) }
	a, err := openBytes(s.build(t))
	require.NoError(t, err)
	_, err = a.CheckLocalHeaders()
	requireFormatError(t, err, CodeEntryOverlap, "a")
}

// allocDuring returns the bytes allocated while f runs.
func allocDuring(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// TestHostileLengthsAllocateLessThanInput checks that lengths claimed by the
// file are checked against the file before anything is allocated.
func TestHostileLengthsAllocateLessThanInput(t *testing.T) {
	big := bytes.Repeat([]byte("padding "), 8<<10) // 64 KiB of entry data
	base := func() spec {
		return spec{entries: []*specEntry{{name: "blob", content: big}}}
	}
	tests := []struct {
		name   string
		input  func() []byte
		opened bool
	}{
		{"central directory claims 4 GiB", func() []byte {
			s := base()
			s.eocd = func(e []byte) { binary.LittleEndian.PutUint32(e[12:], 0xfffffffe) }
			return s.build(t)
		}, false},
		{"central directory claims 65534 entries", func() []byte {
			s := base()
			s.eocd = func(e []byte) {
				binary.LittleEndian.PutUint16(e[8:], 65534)
				binary.LittleEndian.PutUint16(e[10:], 65534)
			}
			return s.build(t)
		}, false},
		{"directory claims 1400 entries but holds one record", func() []byte {
			s := base()
			s.cdTrailer = make([]byte, 1400*cdHeaderSize)
			s.eocd = func(e []byte) {
				binary.LittleEndian.PutUint16(e[8:], 1400)
				binary.LittleEndian.PutUint16(e[10:], 1400)
			}
			return s.build(t)
		}, false},
		{"entry claims 4 GiB", func() []byte {
			s := base()
			s.entries[0].cd = func(c []byte) { binary.LittleEndian.PutUint32(c[24:], 0xfffffffe) }
			return s.build(t)
		}, false},
		{"signing block claims 4 GiB", func() []byte {
			s := base()
			s.sigBlock = sigBlockBytes(pair{1, []byte("x")})
			binary.LittleEndian.PutUint64(s.sigBlock[len(s.sigBlock)-24:], 4<<30)
			return s.build(t)
		}, true},
		{"signing block pair claims 2^63 bytes", func() []byte {
			s := base()
			s.sigBlock = sigBlockBytes(pair{1, []byte("x")})
			binary.LittleEndian.PutUint64(s.sigBlock[8:], 1<<63)
			return s.build(t)
		}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := tt.input()
			var a *Archive
			var err error
			n := allocDuring(func() {
				a, err = openBytes(in)
				if err == nil {
					_, _ = a.CheckLocalHeaders()
					if b := a.SigningBlock(); b != nil {
						for _, p := range b.Pairs {
							_, _ = a.PairValue(p)
						}
					}
				}
			})
			assert.Equal(t, tt.opened, err == nil, "%v", err)
			if err != nil {
				var fe *FormatError
				require.ErrorAs(t, err, &fe)
			}
			assert.Less(t, n, uint64(len(in)), "allocated %d bytes for a %d-byte input", n, len(in))
		})
	}
}

func TestEOCDSearch(t *testing.T) {
	entries := basicEntries()
	t.Run("comment up to 65535 bytes", func(t *testing.T) {
		s := spec{entries: entries, comment: bytes.Repeat([]byte{'c'}, 0xffff)}
		a, err := openBytes(s.build(t))
		require.NoError(t, err)
		assert.Len(t, a.Comment, 0xffff)
		assert.Len(t, a.Entries(), 3)
	})
	t.Run("record followed by more than 65535 bytes is not found", func(t *testing.T) {
		s := spec{entries: entries, comment: bytes.Repeat([]byte{'c'}, 0xffff)}
		b := append(s.build(t), 'x')
		_, err := openBytes(b)
		requireFormatError(t, err, CodeEOCDNotFound, "")
	})
	t.Run("the record nearest the end with a matching comment length wins", func(t *testing.T) {
		// An archive whose comment is itself a complete empty archive: the
		// inner EOCD ends the file with a matching (zero) comment length,
		// so it is the one used, as apksig would.
		inner := (&spec{}).build(t)
		s := spec{entries: entries, comment: inner}
		a, err := openBytes(s.build(t))
		require.NoError(t, err)
		assert.Empty(t, a.Entries())
	})
}

func TestPerEntryFindingsAreCapped(t *testing.T) {
	s := spec{}
	for i := range 300 {
		s.entries = append(s.entries, &specEntry{name: fmt.Sprintf("../escape%d", i), content: []byte("x")})
	}
	s.beforeEOCD = []byte("junk") // an archive-level finding after the entries
	a, err := openBytes(s.build(t))
	require.NoError(t, err)
	codes := findingCodes(a)
	assert.Len(t, codes, MaxEntryFindings+1)
	assert.Contains(t, codes, CodeCDNotBeforeEOCD, "archive-level findings are always kept")
}
