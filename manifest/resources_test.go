package manifest

import (
	"encoding/binary"
	"testing"

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

// tType is one ResTable_type chunk of a test table: entries of type id
// in one configuration (nil config: the default).
type tType struct {
	id      uint8
	config  []byte // ResTable_config bytes after its size field
	entries []tEntry
	absent  []bool // entries this configuration does not define
}

// buildTable makes a resources.arsc with package 0x7f and the given
// entries per type (type IDs 1, 2, ...), all in the default
// configuration.
func buildTable(values []string, types [][]tEntry) []byte {
	var tt []tType
	for i, e := range types {
		tt = append(tt, tType{id: uint8(i + 1), entries: e})
	}
	return buildConfigTable(values, tt)
}

// sdkConfig is a configuration qualified by an API level (values-vN).
func sdkConfig(v uint16) []byte {
	c := make([]byte, 60)
	binary.LittleEndian.PutUint16(c[20:], v) // sdkVersion at offset 24 of ResTable_config
	return c
}

// mccConfig is a configuration qualified by a mobile country code.
func mccConfig(mcc uint16) []byte {
	c := make([]byte, 60)
	binary.LittleEndian.PutUint16(c[0:], mcc)
	return c
}

// buildConfigTable makes a resources.arsc with package 0x7f holding one
// type chunk per tType, in order.
func buildConfigTable(values []string, types []tType) []byte {
	var typeNames, keys []string
	maxID := 0
	for _, t := range types {
		maxID = max(maxID, int(t.id))
	}
	for i := 0; i < maxID; i++ {
		typeNames = append(typeNames, string(rune('a'+i)))
	}
	var body []byte
	for _, tt := range types {
		entries := tt.entries
		spec := []byte{tt.id, 0, 0, 0}
		spec = append(spec, le32(uint32(len(entries)))...)
		for range entries {
			spec = append(spec, le32(0)...)
		}
		body = append(body, chunk(0x0202, 16, spec[:8], spec[8:])...)
		var offs, data []byte
		for k, e := range entries {
			if k < len(tt.absent) && tt.absent[k] {
				offs = append(offs, le32(noIndex)...)
				continue
			}
			keys = append(keys, "k")
			offs = append(offs, le32(uint32(len(data)))...)
			data = append(data, le16(8)...)
			data = append(data, le16(0)...)
			data = append(data, le32(uint32(len(keys)-1))...)
			data = append(data, le16(8)...)
			data = append(data, 0, e.typ)
			data = append(data, le32(e.data)...)
		}
		cfg := tt.config
		if cfg == nil {
			cfg = make([]byte, 60)
		}
		config := append(le32(64), cfg...)
		hdr := []byte{tt.id, 0, 0, 0}
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

// one returns the single value a lookup must give.
func one(t *testing.T, tf *resTable, id uint32) resValue {
	t.Helper()
	vs, err := tf.values(id, 1)
	require.NoError(t, err)
	require.Len(t, vs, 1)
	return vs[0]
}

func TestTableResolves(t *testing.T) {
	tf, err := loadTable(testTable())
	require.NoError(t, err)

	v := one(t, tf, 0x7f010000)
	s, err := tf.str(v)
	require.NoError(t, err)
	assert.Equal(t, "Hello", s)

	v = one(t, tf, 0x7f010003)
	s, err = tf.str(v)
	require.NoError(t, err)
	assert.Equal(t, "Hello", s, "a reference to a string is followed")

	_, err = tf.values(0x7f010001, 1)
	assert.ErrorIs(t, err, CodeResources, "a reference cycle ends in an error")

	_, err = tf.values(0x7f0a0000, 1)
	assert.ErrorIs(t, err, CodeResources, "a missing resource")

	assert.Equal(t, resValue{typ: 0x12, data: 0xffffffff, isDefault: true, versionOnly: true}, one(t, tf, 0x7f020000))
	assert.Equal(t, resValue{typ: 0x10, data: 42, isDefault: true, versionOnly: true}, one(t, tf, 0x7f020002))
}

// Every configuration's value is returned, with the default one marked.
func TestTableAllConfigurations(t *testing.T) {
	tf, err := loadTable(buildConfigTable(nil, []tType{
		{id: 1, entries: []tEntry{{typ: 0x10, data: 100}, {typ: 0x12, data: 0}}},
		{id: 1, config: sdkConfig(21), entries: []tEntry{{typ: 0x10, data: 1}, {typ: 0x12, data: 1}}},
		{id: 1, config: mccConfig(999), entries: []tEntry{{}, {typ: 0x12, data: 0}}, absent: []bool{true}},
	}))
	require.NoError(t, err)
	vs, err := tf.values(0x7f010000, 1)
	require.NoError(t, err)
	assert.Equal(t, []resValue{{typ: 0x10, data: 100, isDefault: true, versionOnly: true}, {typ: 0x10, data: 1, versionOnly: true, sdk: 21}}, vs)
	vs, err = tf.values(0x7f010001, 1)
	require.NoError(t, err)
	assert.Len(t, vs, 3)

	// From API 21 on every device prefers values-v21 to the default
	// configuration; the mcc999 one still competes.
	vs, err = tf.values(0x7f010000, 24)
	require.NoError(t, err)
	assert.Equal(t, []resValue{{typ: 0x10, data: 1, versionOnly: true, sdk: 21}}, vs)
	vs, err = tf.values(0x7f010001, 21)
	require.NoError(t, err)
	assert.Len(t, vs, 2)
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
		{"entries start past the chunk", mut(func(b []byte) { binary.LittleEndian.PutUint32(b[typ+16:], 0x7fffffff) })},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tf, err := loadTable(tc.in)
			assert.Nil(t, tf)
			assert.ErrorIs(t, err, CodeResources)
		})
	}
}

// What is read lazily is checked when it is read: a string value outside
// the pool, a string running past it, an entry outside its chunk.
func TestTableRejectsHostileLazily(t *testing.T) {
	good := testTable()
	bad := buildTable([]string{"only"}, [][]tEntry{{{typ: 0x03, data: 1000}}})
	tf, err := loadTable(bad)
	require.NoError(t, err)
	v := one(t, tf, 0x7f010000)
	_, err = tf.str(v)
	assert.ErrorIs(t, err, CodeResources, "string value out of the pool")

	b := append([]byte(nil), good...)
	b[12+28+8+1] = 0x7f // first string's UTF-8 length
	tf, err = loadTable(b)
	require.NoError(t, err)
	_, err = tf.str(one(t, tf, 0x7f010000))
	assert.ErrorIs(t, err, CodeResources, "string length past its pool")
}
