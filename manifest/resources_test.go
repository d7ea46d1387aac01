package manifest

import (
	"bytes"
	"encoding/binary"
	"testing"

	ab "github.com/shogo82148/androidbinary"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// tEntry is one resource of a test table: type 1 holds strings and
// references, type 2 booleans.
type tEntry struct {
	typ  uint8 // Res_value data type
	data uint32
}

func poolChunk(strs []string) []byte {
	b := &xmlBuilder{utf8: true, index: map[string]uint32{}}
	b.strs = strs
	return b.pool()
}

// buildTable makes a resources.arsc with package 0x7f and the given
// entries per type (type IDs 1, 2, ...).
func buildTable(values []string, types [][]tEntry) []byte {
	var typeNames, keys []string
	for i := range types {
		typeNames = append(typeNames, string(rune('a'+i)))
	}
	var body []byte
	for ti, entries := range types {
		spec := []byte{byte(ti + 1), 0, 0, 0}
		spec = append(spec, le32(uint32(len(entries)))...)
		for range entries {
			spec = append(spec, le32(0)...)
		}
		body = append(body, chunk(0x0202, 16, spec[:8], spec[8:])...)
		var offs, data []byte
		for _, e := range entries {
			keys = append(keys, "k")
			offs = append(offs, le32(uint32(len(data)))...)
			data = append(data, le16(8)...)
			data = append(data, le16(0)...)
			data = append(data, le32(uint32(len(keys)-1))...)
			data = append(data, le16(8)...)
			data = append(data, 0, e.typ)
			data = append(data, le32(e.data)...)
		}
		config := append(le32(64), make([]byte, 60)...)
		hdr := []byte{byte(ti + 1), 0, 0, 0}
		hdr = append(hdr, le32(uint32(len(entries)))...)
		hdr = append(hdr, le32(uint32(84+len(offs)))...)
		hdr = append(hdr, config...)
		body = append(body, chunk(0x0201, 84, hdr, append(offs, data...))...)
	}
	tp := poolChunk(typeNames)
	kp := poolChunk(keys)
	pkgHdr := le32(0x7f)
	pkgHdr = append(pkgHdr, make([]byte, 256)...)
	pkgHdr = append(pkgHdr, le32(288)...)                    // typeStrings
	pkgHdr = append(pkgHdr, le32(uint32(len(typeNames)))...) // lastPublicType
	pkgHdr = append(pkgHdr, le32(uint32(288+len(tp)))...)    // keyStrings
	pkgHdr = append(pkgHdr, le32(uint32(len(keys)))...)      // lastPublicKey
	pkgHdr = append(pkgHdr, le32(0)...)                      // typeIdOffset
	pkg := chunk(0x0200, 288, pkgHdr, append(append(tp, kp...), body...))
	return chunk(0x0002, 12, le32(1), append(poolChunk(values), pkg...))
}

// testTable has a string, a reference chain to it, a reference cycle and
// two booleans.
func testTable() []byte {
	return buildTable([]string{"Hello", "1.0-res"}, [][]tEntry{
		{
			{typ: 0x03, data: 0},          // 0x7f010000 "Hello"
			{typ: 0x01, data: 0x7f010002}, // 0x7f010001 -> 0x7f010002
			{typ: 0x01, data: 0x7f010001}, // 0x7f010002 -> 0x7f010001 (cycle)
			{typ: 0x01, data: 0x7f010000}, // 0x7f010003 -> "Hello"
			{typ: 0x03, data: 1},          // 0x7f010004 "1.0-res"
		},
		{
			{typ: 0x12, data: 0xffffffff}, // 0x7f020000 true
			{typ: 0x12, data: 0},          // 0x7f020001 false
			{typ: 0x10, data: 42},         // 0x7f020002 42
		},
	})
}

func TestTableResolves(t *testing.T) {
	tf, err := loadTable(testTable())
	require.NoError(t, err)
	r := &tableResolver{t: tf}

	s, err := r.resolveString(0x7f010000)
	require.NoError(t, err)
	assert.Equal(t, "Hello", s)

	s, err = r.resolveString(0x7f010003)
	require.NoError(t, err)
	assert.Equal(t, "Hello", s, "a reference to a string is followed")

	_, err = r.resolveString(0x7f010001)
	assert.ErrorIs(t, err, ErrResources, "a reference cycle ends in an error")

	_, err = r.resolveString(0x7f020000)
	assert.ErrorIs(t, err, ErrResources, "a boolean is not a string")

	_, err = r.resolveString(0x7f0a0000)
	assert.ErrorIs(t, err, ErrResources, "a missing resource")

	v, err := r.resolveBoolAny(0x7f020000)
	require.NoError(t, err)
	assert.True(t, v)
	v, err = r.resolveBoolAny(0x7f020001)
	require.NoError(t, err)
	assert.False(t, v)
	_, err = r.resolveBoolAny(0x7f010000)
	assert.ErrorIs(t, err, ErrResources)

	n, err := r.resolveInt(0x7f020002)
	require.NoError(t, err)
	assert.Equal(t, int64(42), n)
}

func TestTableRejectsHostile(t *testing.T) {
	good := testTable()
	// Offsets inside the test table: global pool at 12, package after it.
	poolLen := int(binary.LittleEndian.Uint32(good[12+4:]))
	pkg := 12 + poolLen
	firstInPkg := pkg + 288 // type strings pool
	typeStringsLen := int(binary.LittleEndian.Uint32(good[firstInPkg+4:]))
	keyStringsLen := int(binary.LittleEndian.Uint32(good[firstInPkg+typeStringsLen+4:]))
	spec := firstInPkg + typeStringsLen + keyStringsLen
	specLen := int(binary.LittleEndian.Uint32(good[spec+4:]))
	typ := spec + specLen
	entry0Value := typ + 84 + 4*5 + 8 // first entry's Res_value

	mut := func(f func(b []byte)) []byte {
		b := append([]byte(nil), good...)
		f(b)
		return b
	}
	tests := []struct {
		name string
		in   []byte
	}{
		{"empty", nil},
		{"not a table", []byte("PK\x03\x04 not a table at all")},
		{"table size past the end", mut(func(b []byte) { binary.LittleEndian.PutUint32(b[4:], uint32(len(b)+100)) })},
		// androidbinary loops forever on a zero-sized chunk.
		{"zero-sized chunk in the package", mut(func(b []byte) { binary.LittleEndian.PutUint32(b[spec+4:], 0) })},
		// androidbinary allocates the claimed count before reading.
		{"huge string count", mut(func(b []byte) { binary.LittleEndian.PutUint32(b[12+8:], 0x3fffffff) })},
		{"huge entry count", mut(func(b []byte) { binary.LittleEndian.PutUint32(b[typ+12:], 0x3fffffff) })},
		{"huge type spec count", mut(func(b []byte) { binary.LittleEndian.PutUint32(b[spec+12:], 0x3fffffff) })},
		// androidbinary indexes its string pool without a bounds check.
		{"string value out of the pool", mut(func(b []byte) { binary.LittleEndian.PutUint32(b[entry0Value+4:], 1000) })},
		{"sparse type chunk", mut(func(b []byte) { b[typ+9] = typeFlagSparse })},
		{"string length past its pool", mut(func(b []byte) { b[12+28+8+1] = 0x7f })},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tf, err := loadTable(tc.in)
			assert.Nil(t, tf)
			assert.ErrorIs(t, err, ErrResources)
		})
	}
}

// androidbinary's TableFile panics on a string reference beyond its pool;
// this is the input validateTable refuses above.
func TestAndroidbinaryTablePanicsOnBadStringIndex(t *testing.T) {
	bad := buildTable([]string{"only"}, [][]tEntry{{{typ: 0x03, data: 1000}}})
	tf, err := ab.NewTableFile(bytes.NewReader(bad))
	require.NoError(t, err, "androidbinary accepts the table")
	assert.Panics(t, func() { _, _ = tf.GetResource(0x7f010000, &ab.ResTableConfig{}) })

	_, err = loadTable(bad)
	assert.ErrorIs(t, err, ErrResources, "the validated loader refuses it")
}
