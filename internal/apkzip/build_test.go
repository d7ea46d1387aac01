package apkzip

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"hash/crc32"
	"testing"

	"github.com/stretchr/testify/require"
)

// spec describes a ZIP to build for a test, with hooks to bend each record
// into the shape under test after its honest bytes are computed.
type spec struct {
	prefix      []byte // bytes before the first entry; offsets account for them (Janus)
	entries     []*specEntry
	sigBlock    []byte // inserted between the last entry and the central directory
	cdTrailer   []byte // counted in the central directory's size, after the records
	beforeEOCD  []byte // between the central directory and the EOCD, not counted
	comment     []byte
	zip64Loc    bool
	eocd        func(e []byte) // edits the 22 fixed EOCD bytes
	commentLenΔ int            // added to the comment length field
}

type specEntry struct {
	name    string
	content []byte
	method  uint16
	flags   uint16
	local   func(h []byte) // edits the local header (30 bytes + name + extra)
	cd      func(h []byte) // edits the central directory record
	data    []byte         // replaces the stored/compressed bytes when non-nil
	after   []byte         // written after the data (a data descriptor)
	extra   []byte         // local extra field
}

func deflate(t testing.TB, b []byte) []byte {
	var buf bytes.Buffer
	w, err := flate.NewWriter(&buf, flate.BestSpeed)
	require.NoError(t, err)
	_, err = w.Write(b)
	require.NoError(t, err)
	require.NoError(t, w.Close())
	return buf.Bytes()
}

// build serialises the spec.
func (s *spec) build(t testing.TB) []byte {
	t.Helper()
	var out bytes.Buffer
	out.Write(s.prefix)
	var cd bytes.Buffer
	for _, e := range s.entries {
		data := e.data
		if data == nil {
			data = e.content
			if e.method != MethodStored {
				data = deflate(t, e.content)
			}
		}
		crc := crc32.ChecksumIEEE(e.content)
		off := out.Len()

		h := make([]byte, localSize+len(e.name)+len(e.extra))
		binary.LittleEndian.PutUint32(h, localSig)
		binary.LittleEndian.PutUint16(h[4:], 20)
		binary.LittleEndian.PutUint16(h[6:], e.flags)
		binary.LittleEndian.PutUint16(h[8:], e.method)
		if e.flags&flagDataDescriptor == 0 {
			binary.LittleEndian.PutUint32(h[14:], crc)
			binary.LittleEndian.PutUint32(h[18:], uint32(len(data)))
			binary.LittleEndian.PutUint32(h[22:], uint32(len(e.content)))
		}
		binary.LittleEndian.PutUint16(h[26:], uint16(len(e.name)))
		binary.LittleEndian.PutUint16(h[28:], uint16(len(e.extra)))
		copy(h[localSize:], e.name)
		copy(h[localSize+len(e.name):], e.extra)
		if e.local != nil {
			e.local(h)
		}
		out.Write(h)
		out.Write(data)
		out.Write(e.after)

		c := make([]byte, cdHeaderSize+len(e.name))
		binary.LittleEndian.PutUint32(c, cdHeaderSig)
		binary.LittleEndian.PutUint16(c[4:], 20)
		binary.LittleEndian.PutUint16(c[6:], 20)
		binary.LittleEndian.PutUint16(c[8:], e.flags)
		binary.LittleEndian.PutUint16(c[10:], e.method)
		binary.LittleEndian.PutUint32(c[16:], crc)
		binary.LittleEndian.PutUint32(c[20:], uint32(len(data)))
		binary.LittleEndian.PutUint32(c[24:], uint32(len(e.content)))
		binary.LittleEndian.PutUint16(c[28:], uint16(len(e.name)))
		binary.LittleEndian.PutUint32(c[42:], uint32(off))
		copy(c[cdHeaderSize:], e.name)
		if e.cd != nil {
			e.cd(c)
		}
		cd.Write(c)
	}
	out.Write(s.sigBlock)
	cdOff := out.Len()
	cd.Write(s.cdTrailer)
	out.Write(cd.Bytes())
	out.Write(s.beforeEOCD)
	if s.zip64Loc {
		loc := make([]byte, zip64LocSize)
		binary.LittleEndian.PutUint32(loc, zip64LocSig)
		out.Write(loc)
	}
	e := make([]byte, eocdMinSize)
	binary.LittleEndian.PutUint32(e, eocdSig)
	binary.LittleEndian.PutUint16(e[8:], uint16(len(s.entries)))
	binary.LittleEndian.PutUint16(e[10:], uint16(len(s.entries)))
	binary.LittleEndian.PutUint32(e[12:], uint32(cd.Len()))
	binary.LittleEndian.PutUint32(e[16:], uint32(cdOff))
	binary.LittleEndian.PutUint16(e[20:], uint16(len(s.comment)+s.commentLenΔ))
	if s.eocd != nil {
		s.eocd(e)
	}
	out.Write(e)
	out.Write(s.comment)
	return out.Bytes()
}

// basicEntries is a small APK-like set: a stored and a deflated entry.
func basicEntries() []*specEntry {
	return []*specEntry{
		{name: "AndroidManifest.xml", content: bytes.Repeat([]byte("manifest "), 50), method: MethodDeflated},
		{name: "resources.arsc", content: []byte("stored resource table bytes"), method: MethodStored},
		{name: "classes.dex", content: bytes.Repeat([]byte("dex\n035\x00"), 200), method: MethodDeflated},
	}
}

// pair is one ID/value pair for sigBlockBytes.
type pair struct {
	id    uint32
	value []byte
}

// sigBlockBytes builds a well-formed APK Signing Block.
func sigBlockBytes(pairs ...pair) []byte {
	var body bytes.Buffer
	for _, p := range pairs {
		var h [12]byte
		binary.LittleEndian.PutUint64(h[:], uint64(len(p.value)+4))
		binary.LittleEndian.PutUint32(h[8:], p.id)
		body.Write(h[:])
		body.Write(p.value)
	}
	size := uint64(body.Len() + sigBlockFooterSize)
	var out bytes.Buffer
	_ = binary.Write(&out, binary.LittleEndian, size)
	out.Write(body.Bytes())
	_ = binary.Write(&out, binary.LittleEndian, size)
	out.WriteString(SigningBlockMagic)
	return out.Bytes()
}

func openBytes(b []byte) (*Archive, error) { return Open(bytes.NewReader(b), int64(len(b))) }

// requireFormatError checks that err is a *FormatError of the code, naming
// the entry when one is given.
func requireFormatError(t *testing.T, err error, code Code, entry string) *FormatError {
	t.Helper()
	require.Error(t, err)
	require.ErrorIs(t, err, code, "got %v", err)
	var fe *FormatError
	require.ErrorAs(t, err, &fe)
	if entry != "" {
		require.Equal(t, entry, fe.Entry)
	}
	return fe
}

func findingCodes(a *Archive) []Code {
	var codes []Code
	for _, f := range a.Findings {
		codes = append(codes, f.Code)
	}
	return codes
}
