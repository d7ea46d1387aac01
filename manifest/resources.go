package manifest

import (
	"bytes"
	"encoding/binary"
	"fmt"

	ab "github.com/shogo82148/androidbinary"
)

// resources.arsc is decoded by androidbinary's TableFile, which resolves a
// resource ID for a configuration. TableFile trusts the file: it allocates
// the counts it reads, loops forever on a zero-sized chunk, dereferences a
// nil package after a read error and indexes its string pool without a
// bounds check. validateTable therefore walks every structure TableFile
// will read and refuses anything that would make it misbehave, and the
// calls into TableFile are still guarded by recover as a last line of
// defence. Table layouts TableFile does not understand (sparse or 16-bit
// offset type chunks, compact entries) are refused rather than misread.

const (
	tableHeaderLen       = 12  // ResTable_header
	tablePackageHeadLen  = 284 // the part of ResTable_package TableFile reads
	tableTypeMinHeadLen  = 20  // ResTable_type up to entriesStart
	tableTypeSpecHeadLen = 16  // ResTable_typeSpec

	typeFlagSparse   = 0x01   // ResTable_type::FLAG_SPARSE
	typeFlagOffset16 = 0x02   // ResTable_type::FLAG_OFFSET16
	entryFlagCompact = 0x0008 // ResTable_entry::FLAG_COMPACT

	// maxReferenceHops bounds how many references are followed when a
	// resource points at another, so a reference cycle ends.
	maxReferenceHops = 8
)

func resErr(format string, args ...any) *FormatError {
	return &FormatError{Code: CodeResources, Offset: -1, Msg: fmt.Sprintf(format, args...)}
}

// loadTable validates a resources.arsc image and decodes it.
func loadTable(b []byte) (t *ab.TableFile, err error) {
	if err := validateTable(b); err != nil {
		return nil, err
	}
	defer func() {
		if r := recover(); r != nil {
			t, err = nil, resErr("resource table reader failed: %v", r)
		}
	}()
	t, err = ab.NewTableFile(bytes.NewReader(b))
	if err != nil {
		return nil, &FormatError{Code: CodeResources, Offset: -1, Msg: "resource table unreadable", Err: err}
	}
	return t, nil
}

func validateTable(b []byte) error {
	if len(b) < tableHeaderLen {
		return resErr("resources.arsc of %d bytes is too short", len(b))
	}
	if ab.ChunkType(binary.LittleEndian.Uint16(b)) != ab.ResTableChunkType {
		return resErr("resources.arsc does not start with a RES_TABLE_TYPE chunk")
	}
	hdr := uint64(binary.LittleEndian.Uint16(b[2:]))
	size := uint64(binary.LittleEndian.Uint32(b[4:]))
	if hdr < tableHeaderLen || hdr > size || size > uint64(len(b)) {
		return resErr("table header size %d / size %d do not fit the %d-byte file", hdr, size, len(b))
	}
	var poolCount uint32
	havePool := false
	for pos := hdr; pos < size; {
		c, err := nextChunk(b[:size], pos)
		if err != nil {
			return err
		}
		switch ab.ChunkType(binary.LittleEndian.Uint16(c)) {
		case ab.ResStringPoolChunkType:
			if havePool {
				return resErr("more than one global string pool")
			}
			n, err := validateTablePool(c)
			if err != nil {
				return err
			}
			poolCount, havePool = n, true
		case ab.ResTablePackageType:
			if !havePool {
				return resErr("package before the global string pool")
			}
			if err := validatePackage(c, poolCount); err != nil {
				return err
			}
		}
		pos += uint64(len(c))
	}
	return nil
}

// nextChunk returns the chunk at pos of b, checking that its header and
// declared size fit.
func nextChunk(b []byte, pos uint64) ([]byte, error) {
	n := uint64(len(b))
	if n-pos < chunkHeaderSize {
		return nil, resErr("chunk header at %d runs past the end", pos)
	}
	ch := uint64(binary.LittleEndian.Uint16(b[pos+2:]))
	cs := uint64(binary.LittleEndian.Uint32(b[pos+4:]))
	if cs < chunkHeaderSize || ch < chunkHeaderSize || ch > cs || cs > n-pos {
		return nil, resErr("chunk at %d has header %d / size %d outside the %d bytes left", pos, ch, cs, n-pos)
	}
	return b[pos : pos+cs], nil
}

// validateTablePool checks a string pool as TableFile reads it: offsets
// right after a 28-byte header, each string's length and content inside
// the chunk, each style span inside the chunk.
func validateTablePool(c []byte) (uint32, error) {
	if len(c) < stringPoolHeaderLen || binary.LittleEndian.Uint16(c[2:]) != stringPoolHeaderLen {
		return 0, resErr("string pool header is not %d bytes", stringPoolHeaderLen)
	}
	count := uint64(binary.LittleEndian.Uint32(c[8:]))
	styles := uint64(binary.LittleEndian.Uint32(c[12:]))
	utf8 := ab.Flags(binary.LittleEndian.Uint32(c[16:]))&ab.UTF8Flag != 0
	stringsStart := uint64(binary.LittleEndian.Uint32(c[20:]))
	stylesStart := uint64(binary.LittleEndian.Uint32(c[24:]))
	n := uint64(len(c))
	if stringPoolHeaderLen+4*(count+styles) > n {
		return 0, resErr("string pool claims %d strings and %d styles in %d bytes", count, styles, n)
	}
	for i := uint64(0); i < count; i++ {
		pos := stringsStart + uint64(binary.LittleEndian.Uint32(c[stringPoolHeaderLen+4*i:]))
		if !stringFits(c, pos, utf8) {
			return 0, resErr("string %d runs outside its pool", i)
		}
	}
	for i := uint64(0); i < styles; i++ {
		pos := stylesStart + uint64(binary.LittleEndian.Uint32(c[stringPoolHeaderLen+4*(count+i):]))
		if pos+8 > n {
			return 0, resErr("style %d runs outside its pool", i)
		}
	}
	return uint32(count), nil
}

// stringFits reports whether the length-prefixed string at pos lies
// inside c, reading the lengths the way TableFile does.
func stringFits(c []byte, pos uint64, utf8 bool) bool {
	n := uint64(len(c))
	if utf8 {
		var l uint64
		for k := 0; k < 2; k++ {
			if pos >= n {
				return false
			}
			l = uint64(c[pos])
			pos++
			if l&0x80 != 0 {
				if pos >= n {
					return false
				}
				l = (l&0x7f)<<8 | uint64(c[pos])
				pos++
			}
		}
		return pos+l <= n
	}
	if pos+2 > n {
		return false
	}
	l := uint64(binary.LittleEndian.Uint16(c[pos:]))
	pos += 2
	if l&0x8000 != 0 {
		if pos+2 > n {
			return false
		}
		l = (l&0x7fff)<<16 + uint64(binary.LittleEndian.Uint16(c[pos:]))
		pos += 2
	}
	return pos+2*l <= n
}

func validatePackage(p []byte, poolCount uint32) error {
	if len(p) < tablePackageHeadLen {
		return resErr("package chunk of %d bytes is too short", len(p))
	}
	hdr := uint64(binary.LittleEndian.Uint16(p[2:]))
	if hdr < tablePackageHeadLen {
		return resErr("package header of %d bytes is too short", hdr)
	}
	for _, at := range []int{268, 276} { // typeStrings, keyStrings offsets
		off := uint64(binary.LittleEndian.Uint32(p[at:]))
		if off >= uint64(len(p)) {
			return resErr("package string pool offset %d is outside the package", off)
		}
		c, err := nextChunk(p, off)
		if err != nil {
			return err
		}
		if _, err := validateTablePool(c); err != nil {
			return err
		}
	}
	for pos := hdr; pos < uint64(len(p)); {
		c, err := nextChunk(p, pos)
		if err != nil {
			return err
		}
		switch ab.ChunkType(binary.LittleEndian.Uint16(c)) {
		case ab.ResTableTypeType:
			if err := validateType(c, poolCount); err != nil {
				return err
			}
		case ab.ResTableTypeSpecType:
			if len(c) < tableTypeSpecHeadLen {
				return resErr("type spec chunk too short")
			}
			h := uint64(binary.LittleEndian.Uint16(c[2:]))
			if h+4*uint64(binary.LittleEndian.Uint32(c[12:])) > uint64(len(c)) {
				return resErr("type spec entry count runs past its chunk")
			}
		}
		pos += uint64(len(c))
	}
	return nil
}

func validateType(c []byte, poolCount uint32) error {
	h := uint64(binary.LittleEndian.Uint16(c[2:]))
	n := uint64(len(c))
	if h < tableTypeMinHeadLen {
		return resErr("type chunk header of %d bytes is too short", h)
	}
	if c[9]&(typeFlagSparse|typeFlagOffset16) != 0 {
		return resErr("type chunk uses sparse or 16-bit offsets, which the table reader does not support")
	}
	count := uint64(binary.LittleEndian.Uint32(c[12:]))
	start := uint64(binary.LittleEndian.Uint32(c[16:]))
	if h+4*count > n {
		return resErr("type chunk claims %d entries in %d bytes", count, n)
	}
	for i := uint64(0); i < count; i++ {
		idx := binary.LittleEndian.Uint32(c[h+4*i:])
		if idx == noIndex {
			continue
		}
		pos := start + uint64(idx)
		if pos+16 > n {
			return resErr("entry %d runs past its type chunk", i)
		}
		flags := binary.LittleEndian.Uint16(c[pos+2:])
		if flags&entryFlagCompact != 0 {
			return resErr("compact entries are not supported by the table reader")
		}
		// TableFile reads 8 bytes after the entry header as a value,
		// even for map entries, and indexes the string pool with it.
		if ab.DataType(c[pos+11]) == ab.TypeString && binary.LittleEndian.Uint32(c[pos+12:]) >= poolCount {
			return resErr("entry %d refers to string %d, pool has %d", i, binary.LittleEndian.Uint32(c[pos+12:]), poolCount)
		}
	}
	return nil
}

// tableResolver resolves references through a decoded resource table.
type tableResolver struct {
	t *ab.TableFile
}

var defaultConfig = &ab.ResTableConfig{}

// get looks a resource up, turning a panic of the table reader into an
// error.
func (r *tableResolver) get(id uint32, cfg *ab.ResTableConfig) (v any, err error) {
	defer func() {
		if p := recover(); p != nil {
			v, err = nil, resErr("resource table reader failed on 0x%08x: %v", id, p)
		}
	}()
	v, err = r.t.GetResource(ab.ResID(id), cfg)
	if err != nil {
		return nil, &FormatError{Code: CodeResources, Offset: -1, Msg: fmt.Sprintf("resource 0x%08x not found", id), Err: err}
	}
	return v, nil
}

// resolveString follows id to a string in the default configuration.
// TableFile reports a reference as its bare ID, so a number that looks
// like a resource ID (non-zero package byte) is followed, a bounded number
// of times.
func (r *tableResolver) resolveString(id uint32) (string, error) {
	for hop := 0; hop < maxReferenceHops; hop++ {
		v, err := r.get(id, defaultConfig)
		if err != nil {
			return "", err
		}
		switch v := v.(type) {
		case string:
			return v, nil
		case uint32:
			if v>>24 == 0 {
				return "", resErr("resource 0x%08x is not a string", id)
			}
			id = v
			continue
		}
		return "", resErr("resource 0x%08x is not a string", id)
	}
	return "", resErr("resource 0x%08x: more than %d references", id, maxReferenceHops)
}

// resolveBoolAny reports whether the boolean resource is true in the
// default configuration or in the most specific one TableFile finds.
// Anything but a boolean or integer is an error, so the caller can fail
// safe.
func (r *tableResolver) resolveBoolAny(id uint32) (bool, error) {
	set := false
	for _, cfg := range []*ab.ResTableConfig{defaultConfig, nil} {
		v, err := r.get(id, cfg)
		if err != nil {
			return false, err
		}
		switch v := v.(type) {
		case bool:
			set = set || v
		case uint32:
			set = set || v != 0
		default:
			return false, resErr("resource 0x%08x is not a boolean", id)
		}
	}
	return set, nil
}

// resolveInt returns an integer resource in the default configuration.
func (r *tableResolver) resolveInt(id uint32) (int64, error) {
	v, err := r.get(id, defaultConfig)
	if err != nil {
		return 0, err
	}
	switch v := v.(type) {
	case uint32:
		return int64(int32(v)), nil
	case bool:
		if v {
			return 1, nil
		}
		return 0, nil
	}
	return 0, resErr("resource 0x%08x is not an integer", id)
}
