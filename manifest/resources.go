package manifest

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"

	ab "github.com/shogo82148/androidbinary"

	"github.com/apktrust/apktrust/signer"
)

// resources.arsc is read by this file's own reader, not by androidbinary's
// TableFile. TableFile decodes every string of the global pool when it
// opens a table, one decode per offset, so a 200 KB table whose 40,000
// offsets all name one 16,000-unit string costs more than a gigabyte;
// and it resolves a resource in one configuration only, while a policy
// must see every configuration a device could pick. The reader here keeps
// the table's bytes, decodes a pool string only when a value needs it
// (cached by offset, within a budget proportional to the pool's size, as
// the platform's ResStringPool decodes lazily), and returns a resource's
// value in every configuration. androidbinary still supplies the chunk
// and value type constants.

const (
	tableHeaderLen      = 12  // ResTable_header
	tablePackageHeadLen = 284 // ResTable_package up to keyStrings/lastPublicKey
	tableTypeHeadLen    = 20  // ResTable_type up to the configuration
	configMinLen        = 4   // ResTable_config's size field

	typeFlagSparse   = 0x01   // ResTable_type::FLAG_SPARSE
	typeFlagOffset16 = 0x02   // ResTable_type::FLAG_OFFSET16
	entryFlagComplex = 0x0001 // ResTable_entry::FLAG_COMPLEX
	entryFlagCompact = 0x0008 // ResTable_entry::FLAG_COMPACT

	typeDynamicReference = 0x07 // Res_value::TYPE_DYNAMIC_REFERENCE
	// typeBag marks a map entry (a style, plural or array): not a value
	// an attribute can take as an integer, boolean or string.
	typeBag = 0xff

	// maxReferenceHops bounds how many references are followed when a
	// resource points at another, so a reference cycle ends.
	maxReferenceHops = 8
	// maxResolveSteps bounds the lookups one resolution makes: each hop
	// may branch into every configuration of the next resource.
	maxResolveSteps = 4096
)

func resErr(format string, args ...any) *signer.Error {
	return &signer.Error{Code: CodeResources, Msg: fmt.Sprintf(format, args...)}
}

// resTable is a validated resources.arsc image.
type resTable struct {
	pool *stringPool
	pkgs map[uint8]*resPackage
}

type resPackage struct {
	types map[uint8][]resType // by type ID, one per configuration chunk
}

// resType is one ResTable_type chunk: the entries of a type in one
// configuration.
type resType struct {
	c      []byte // the chunk
	hdr    uint64
	flags  uint8
	count  uint32
	start  uint64 // entriesStart
	config []byte // ResTable_config
}

// resValue is a resource's value in one configuration.
type resValue struct {
	typ  ab.DataType
	data uint32
	// isDefault marks a value reached through configurations without
	// any qualifier only.
	isDefault bool
	// versionOnly marks a configuration qualified by at most an API
	// level, sdk.
	versionOnly bool
	sdk         int
}

// loadTable validates the chunk structure of a resources.arsc image.
// Entries and strings are read only when a lookup needs them.
func loadTable(b []byte) (*resTable, error) {
	if len(b) < tableHeaderLen {
		return nil, resErr("resources.arsc of %d bytes is too short", len(b))
	}
	if ab.ChunkType(binary.LittleEndian.Uint16(b)) != ab.ResTableChunkType {
		return nil, resErr("resources.arsc does not start with a RES_TABLE_TYPE chunk")
	}
	hdr := uint64(binary.LittleEndian.Uint16(b[2:]))
	size := uint64(binary.LittleEndian.Uint32(b[4:]))
	if hdr < tableHeaderLen || hdr > size || size > uint64(len(b)) {
		return nil, resErr("table header size %d / size %d do not fit the %d-byte file", hdr, size, len(b))
	}
	t := &resTable{pkgs: map[uint8]*resPackage{}}
	for pos := hdr; pos < size; {
		c, err := nextChunk(b[:size], pos)
		if err != nil {
			return nil, err
		}
		switch ab.ChunkType(binary.LittleEndian.Uint16(c)) {
		case ab.ResStringPoolChunkType:
			if t.pool != nil {
				return nil, resErr("more than one global string pool")
			}
			p, err := tablePool(c, int64(pos))
			if err != nil {
				return nil, err
			}
			t.pool = p
		case ab.ResTablePackageType:
			if t.pool == nil {
				return nil, resErr("package before the global string pool")
			}
			if err := t.addPackage(c); err != nil {
				return nil, err
			}
		}
		pos += uint64(len(c))
	}
	if t.pool == nil {
		return nil, resErr("resources.arsc has no global string pool")
	}
	return t, nil
}

// tablePool validates a table string pool. Its strings are decoded only
// when a value is read, and the pool's budget caps what all decodes
// together may produce; an over-budget pool is refused with
// CodeResourcesLimit.
func tablePool(c []byte, off int64) (*stringPool, error) {
	if len(c) < stringPoolHeaderLen {
		return nil, resErr("string pool chunk of %d bytes is too short", len(c))
	}
	p, err := parseStringPool(c, off)
	if err != nil {
		return nil, &signer.Error{Code: CodeResources, Msg: "resources.arsc string pool is malformed", Err: err}
	}
	p.limit = CodeResourcesLimit
	return p, nil
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

func (t *resTable) addPackage(p []byte) error {
	if len(p) < tablePackageHeadLen {
		return resErr("package chunk of %d bytes is too short", len(p))
	}
	hdr := uint64(binary.LittleEndian.Uint16(p[2:]))
	if hdr < tablePackageHeadLen {
		return resErr("package header of %d bytes is too short", hdr)
	}
	id := binary.LittleEndian.Uint32(p[8:])
	if id == 0 || id > 0xff {
		return resErr("package ID 0x%x is outside 1-255", id)
	}
	// Two packages with one ID would make a lookup depend on which the
	// reader keeps.
	if t.pkgs[uint8(id)] != nil {
		return resErr("two packages with ID 0x%02x", id)
	}
	pkg := &resPackage{types: map[uint8][]resType{}}
	t.pkgs[uint8(id)] = pkg
	for pos := hdr; pos < uint64(len(p)); {
		c, err := nextChunk(p, pos)
		if err != nil {
			return err
		}
		pos += uint64(len(c))
		switch ab.ChunkType(binary.LittleEndian.Uint16(c)) {
		case ab.ResTableTypeSpecType:
			// Not read, but a spec whose count overruns its chunk is a
			// broken table.
			h := uint64(binary.LittleEndian.Uint16(c[2:]))
			if len(c) < 16 || h+4*uint64(binary.LittleEndian.Uint32(c[12:])) > uint64(len(c)) {
				return resErr("type spec entry count runs past its chunk")
			}
			continue
		case ab.ResTableTypeType:
		default:
			continue
		}
		rt, err := parseType(c)
		if err != nil {
			return err
		}
		typeID := c[8]
		pkg.types[typeID] = append(pkg.types[typeID], rt)
	}
	return nil
}

func parseType(c []byte) (resType, error) {
	h := uint64(binary.LittleEndian.Uint16(c[2:]))
	n := uint64(len(c))
	if h < tableTypeHeadLen+configMinLen || h > n {
		return resType{}, resErr("type chunk header of %d bytes is too short", h)
	}
	rt := resType{c: c, hdr: h, flags: c[9],
		count: binary.LittleEndian.Uint32(c[12:]),
		start: uint64(binary.LittleEndian.Uint32(c[16:]))}
	cfgLen := uint64(binary.LittleEndian.Uint32(c[tableTypeHeadLen:]))
	if cfgLen < configMinLen || tableTypeHeadLen+cfgLen > h {
		return resType{}, resErr("type chunk configuration of %d bytes does not fit its %d-byte header", cfgLen, h)
	}
	rt.config = c[tableTypeHeadLen : tableTypeHeadLen+cfgLen]
	width := uint64(4)
	if rt.flags&(typeFlagSparse|typeFlagOffset16) == typeFlagOffset16 {
		width = 2
	}
	if h+width*uint64(rt.count) > n {
		return resType{}, resErr("type chunk claims %d entries in %d bytes", rt.count, n)
	}
	if rt.start > n {
		return resType{}, resErr("type chunk entries start %d is past its %d bytes", rt.start, n)
	}
	return rt, nil
}

// configSDKOffset is where ResTable_config holds sdkVersion (uint16)
// and minorVersion (uint16, always 0).
const configSDKOffset = 24

// versionOnly reports whether a configuration is qualified by at most an
// API level (the default configuration or values-vN), and which level.
func versionOnly(cfg []byte) (sdk int, ok bool) {
	for i, b := range cfg[configMinLen:] {
		if b != 0 && (i+configMinLen < configSDKOffset || i+configMinLen >= configSDKOffset+2) {
			return 0, false
		}
	}
	if len(cfg) >= configSDKOffset+2 {
		sdk = int(binary.LittleEndian.Uint16(cfg[configSDKOffset:]))
	}
	return sdk, true
}

// reachable drops the values no device at minSDK or above is given:
// among the configurations qualified by an API level alone, a device
// always prefers the highest level it meets, so every one below the
// highest level at or under minSDK (the default configuration included)
// is shadowed on every device of the range.
func reachable(vals []resValue, minSDK int) []resValue {
	best := -1
	for _, v := range vals {
		if v.versionOnly && v.sdk <= minSDK && v.sdk > best {
			best = v.sdk
		}
	}
	return slices.DeleteFunc(vals, func(v resValue) bool { return v.versionOnly && v.sdk < best })
}

// entry returns entry idx of the type chunk, ok=false when this
// configuration does not define it.
func (rt *resType) entry(idx uint16) (resValue, bool, error) {
	c := rt.c
	var off uint64
	switch {
	case rt.flags&typeFlagSparse != 0:
		// Sorted (index, offset/4) pairs.
		lo, hi := uint32(0), rt.count
		found := false
		for lo < hi {
			mid := lo + (hi-lo)/2
			k := binary.LittleEndian.Uint16(c[rt.hdr+4*uint64(mid):])
			switch {
			case k == idx:
				off, found = 4*uint64(binary.LittleEndian.Uint16(c[rt.hdr+4*uint64(mid)+2:])), true
				lo = hi
			case k < idx:
				lo = mid + 1
			default:
				hi = mid
			}
		}
		if !found {
			return resValue{}, false, nil
		}
	case rt.flags&typeFlagOffset16 != 0:
		if uint32(idx) >= rt.count {
			return resValue{}, false, nil
		}
		v := binary.LittleEndian.Uint16(c[rt.hdr+2*uint64(idx):])
		if v == 0xffff {
			return resValue{}, false, nil
		}
		off = 4 * uint64(v)
	default:
		if uint32(idx) >= rt.count {
			return resValue{}, false, nil
		}
		v := binary.LittleEndian.Uint32(c[rt.hdr+4*uint64(idx):])
		if v == noIndex {
			return resValue{}, false, nil
		}
		off = uint64(v)
	}
	pos := rt.start + off
	n := uint64(len(c))
	if pos+8 > n {
		return resValue{}, false, resErr("entry %d runs past its type chunk", idx)
	}
	v := resValue{}
	v.sdk, v.versionOnly = versionOnly(rt.config)
	v.isDefault = v.versionOnly && v.sdk == 0
	size := uint64(binary.LittleEndian.Uint16(c[pos:]))
	flags := binary.LittleEndian.Uint16(c[pos+2:])
	switch {
	case flags&entryFlagCompact != 0:
		v.typ, v.data = ab.DataType(flags>>8), binary.LittleEndian.Uint32(c[pos+4:])
	case flags&entryFlagComplex != 0:
		v.typ = typeBag
	default:
		if size < 8 || pos+size+8 > n {
			return resValue{}, false, resErr("entry %d's value runs past its type chunk", idx)
		}
		val := c[pos+size:]
		v.typ, v.data = ab.DataType(val[3]), binary.LittleEndian.Uint32(val[4:])
	}
	return v, true, nil
}

// values returns what resource id is in every configuration that defines
// it and a device at minSDK or above can be given, following references
// (in every such configuration of the target) a bounded number of times.
// A reference to nothing (@null) is TYPE_NULL.
func (t *resTable) values(id uint32, minSDK int) ([]resValue, error) {
	return resolveValues(id, minSDK, t.entries)
}

// entries returns the values of resource id in the configurations that
// define it, counting each configuration looked at in steps.
func (t *resTable) entries(id uint32, steps *int) ([]resValue, error) {
	pkg := t.pkgs[uint8(id>>24)]
	typeID, idx := uint8(id>>16), uint16(id)
	if pkg == nil || typeID == 0 || len(pkg.types[typeID]) == 0 {
		return nil, resErr("resource 0x%08x not found", id)
	}
	// Only configurations that define the entry compete.
	var vals []resValue
	for i := range pkg.types[typeID] {
		if err := countStep(id, steps); err != nil {
			return nil, err
		}
		v, ok, err := pkg.types[typeID][i].entry(idx)
		if err != nil {
			return nil, err
		}
		if ok {
			vals = append(vals, v)
		}
	}
	if len(vals) == 0 {
		return nil, resErr("resource 0x%08x not found", id)
	}
	return vals, nil
}

// countStep counts one lookup of a resolution against maxResolveSteps.
func countStep(id uint32, steps *int) error {
	if *steps++; *steps > maxResolveSteps {
		return &signer.Error{Code: CodeResourcesLimit,
			Msg: fmt.Sprintf("resolving 0x%08x takes more than %d lookups", id, maxResolveSteps)}
	}
	return nil
}

// resolveValues follows resource id through a table whose entries
// returns a resource's values per configuration: the values a device at
// minSDK or above can be given, references followed in every such
// configuration up to maxReferenceHops.
func resolveValues(id uint32, minSDK int, entries func(id uint32, steps *int) ([]resValue, error)) ([]resValue, error) {
	var out []resValue
	steps := 0
	var walk func(id uint32, hops int, viaDefault bool) error
	walk = func(id uint32, hops int, viaDefault bool) error {
		if hops > maxReferenceHops {
			return resErr("resource 0x%08x: more than %d references", id, maxReferenceHops)
		}
		vals, err := entries(id, &steps)
		if err != nil {
			return err
		}
		for _, v := range reachable(vals, minSDK) {
			v.isDefault = v.isDefault && viaDefault
			switch {
			case (v.typ == ab.TypeReference || v.typ == typeDynamicReference) && v.data == 0:
				v.typ = ab.TypeNull
				out = append(out, v)
			case v.typ == ab.TypeReference || v.typ == typeDynamicReference:
				if err := walk(v.data, hops+1, v.isDefault); err != nil {
					return err
				}
			default:
				out = append(out, v)
			}
		}
		return nil
	}
	if err := walk(id, 0, true); err != nil {
		return nil, err
	}
	return out, nil
}

// str returns a string value as the platform's Java code reads it.
func (t *resTable) str(v resValue) (string, error) {
	s, err := t.pool.get(v.data)
	if err != nil {
		if errors.Is(err, CodeResourcesLimit) {
			return "", err
		}
		return "", &signer.Error{Code: CodeResources, Msg: "resources.arsc string unreadable", Err: err}
	}
	return s, nil
}
