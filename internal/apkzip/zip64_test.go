package apkzip

import (
	"encoding/binary"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// withZip64Records inserts, before the EOCD of b (which has no comment), a
// ZIP64 End of Central Directory record and locator describing what the
// classic record describes, as tools that always write ZIP64 records do;
// edit may then bend the record (56 bytes) or the locator (20 bytes).
func withZip64Records(t testing.TB, b []byte, edit func(rec, loc []byte)) []byte {
	t.Helper()
	le := binary.LittleEndian
	eocdOff := len(b) - eocdMinSize
	require.Equal(t, uint32(eocdSig), le.Uint32(b[eocdOff:]))
	e := b[eocdOff:]
	rec := make([]byte, zip64EOCDMinSize)
	le.PutUint32(rec, zip64EOCDSig)
	le.PutUint64(rec[4:], zip64EOCDMinSize-12)
	le.PutUint16(rec[12:], 45)
	le.PutUint16(rec[14:], 45)
	le.PutUint64(rec[24:], uint64(le.Uint16(e[8:])))
	le.PutUint64(rec[32:], uint64(le.Uint16(e[10:])))
	le.PutUint64(rec[40:], uint64(le.Uint32(e[12:])))
	le.PutUint64(rec[48:], uint64(le.Uint32(e[16:])))
	loc := make([]byte, zip64LocSize)
	le.PutUint32(loc, zip64LocSig)
	le.PutUint64(loc[8:], uint64(eocdOff))
	le.PutUint32(loc[16:], 1)
	if edit != nil {
		edit(rec, loc)
	}
	out := append([]byte(nil), b[:eocdOff]...)
	out = append(out, rec...)
	out = append(out, loc...)
	return append(out, e...)
}

// TestZip64Records: ZIP64 records whose values fit in 32 bits and agree
// with the classic EOCD are read (apksigner verifies such a v1-only file);
// any disagreement is refused, since readers that honour ZIP64 and readers
// that do not would see different archives; and because the records sit
// between the central directory and the EOCD, an APK Signing Block is not
// used, as in apksig and the platform.
func TestZip64Records(t *testing.T) {
	le := binary.LittleEndian
	plain := (&spec{entries: basicEntries()}).build(t)
	signed := (&spec{entries: basicEntries(), sigBlock: sigBlockBytes(pair{0x7109871a, []byte("v2 block")})}).build(t)
	cases := []struct {
		name string
		base []byte
		edit func(rec, loc []byte)
		want Code // "": accepted
	}{
		{"agreeing records (v1-only file)", plain, nil, ""},
		{"agreeing records before a signing block", signed, nil, ""},
		{"entry count differs", plain, func(rec, _ []byte) {
			le.PutUint64(rec[32:], le.Uint64(rec[32:])+1)
			le.PutUint64(rec[24:], le.Uint64(rec[32:]))
		}, CodeZip64},
		{"directory offset differs", plain, func(rec, _ []byte) { le.PutUint64(rec[48:], le.Uint64(rec[48:])-1) }, CodeZip64},
		{"directory size differs", plain, func(rec, _ []byte) { le.PutUint64(rec[40:], le.Uint64(rec[40:])+46) }, CodeZip64},
		{"offset beyond 32 bits", plain, func(rec, _ []byte) { le.PutUint64(rec[48:], le.Uint64(rec[48:])+1<<32) }, CodeZip64},
		{"entries on disk differ from the total", plain, func(rec, _ []byte) { le.PutUint64(rec[24:], 0) }, CodeZip64},
		{"multi-disk locator", plain, func(_, loc []byte) { le.PutUint32(loc[16:], 2) }, CodeZip64},
		{"locator points past itself", plain, func(_, loc []byte) { le.PutUint64(loc[8:], 1<<40) }, CodeZip64},
		{"locator points at no record", plain, func(_, loc []byte) { le.PutUint64(loc[8:], 0) }, CodeZip64},
		{"record size runs into the locator", plain, func(rec, _ []byte) { le.PutUint64(rec[4:], 1000) }, CodeZip64},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a, err := openBytes(withZip64Records(t, c.base, c.edit))
			if c.want != "" {
				requireFormatError(t, err, c.want, "")
				return
			}
			require.NoError(t, err)
			var codes []Code
			for _, f := range a.Findings {
				codes = append(codes, f.Code)
			}
			assert.Contains(t, codes, CodeZip64Records)
			assert.Contains(t, codes, CodeCDNotBeforeEOCD)
			assert.Nil(t, a.SigningBlock(), "the signing block is not found through ZIP64 records")
			for _, e := range a.Entries() {
				_, err := e.ReadAll(1 << 20)
				require.NoError(t, err)
			}
		})
	}
}
