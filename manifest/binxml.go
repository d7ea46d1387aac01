package manifest

import (
	"encoding/binary"
	"strings"
	"unicode/utf16"

	ab "github.com/shogo82148/androidbinary"

	"github.com/apktrust/apktrust/signer"
)

// This file holds the binary XML reader. It does not hand the document to
// androidbinary.NewXMLFile, for three reasons shown by tests in
// binxml_test.go:
//
//   - XMLFile turns the document into text XML and decodes it by attribute
//     name, dropping the resource map. Android identifies android:
//     attributes by resource ID, so a manifest whose attribute names were
//     emptied or renamed (as obfuscators do) loses every android: value,
//     and a forged name string can shadow the real attribute.
//   - Its string pool reader allocates whatever counts and lengths the
//     header claims, before checking them against the bytes present.
//   - It exposes no element depth, which Android's rules depend on.
//
// The chunk types, string pool flags and value types are androidbinary's.

const (
	noIndex = 0xffffffff // ResStringPool_ref meaning "none"

	chunkHeaderSize     = 8  // ResChunk_header
	stringPoolHeaderLen = 28 // ResStringPool_header
	nodeHeaderLen       = 16 // ResXMLTree_node
	attrExtLen          = 20 // ResXMLTree_attrExt
	endExtLen           = 8  // ResXMLTree_endElementExt
	namespaceExtLen     = 8  // ResXMLTree_namespaceExt
	attributeLen        = 20 // ResXMLTree_attribute

	// maxDepth bounds element nesting. Real manifests nest five or six
	// levels deep; the bound keeps hostile input from building deep
	// structures.
	maxDepth = 256
	// maxElements and maxAttributes bound the tree the reader builds.
	// Large real manifests have a few thousand elements.
	maxElements   = 200_000
	maxAttributes = 1_000_000
)

// stringPool is a validated ResStringPool chunk. Strings are decoded on
// first use and cached by offset, as the platform's ResStringPool decodes
// lazily: many indexes naming the same bytes cost one decode.
type stringPool struct {
	count   uint32
	offsets []byte // count little-endian uint32 offsets into strs
	strs    []byte // the strings section
	utf8    bool
	base    int64 // offset of strs inside the document, for errors
	cache   map[uint32]string
	// budget is how many more bytes decoding may produce. Distinct
	// offsets may overlap (each pointing into the middle of one long
	// string), so without a budget a small pool could decode to
	// gigabytes; a real pool decodes each string once, to at most 1.5
	// times its UTF-16 size.
	budget int
	// limit is the code of the error for an exhausted budget.
	limit Code
}

// parseStringPool validates a string pool chunk c (header included) found
// at offset off of the document. Counts are checked against the bytes
// present before anything is allocated.
func parseStringPool(c []byte, off int64) (*stringPool, error) {
	hdr := int(binary.LittleEndian.Uint16(c[2:]))
	if hdr < stringPoolHeaderLen {
		return nil, errorf(CodeMalformed, off, "string pool header of %d bytes, need %d", hdr, stringPoolHeaderLen)
	}
	count := binary.LittleEndian.Uint32(c[8:])
	styles := binary.LittleEndian.Uint32(c[12:])
	flags := ab.Flags(binary.LittleEndian.Uint32(c[16:]))
	stringsStart := uint64(binary.LittleEndian.Uint32(c[20:]))
	stylesStart := uint64(binary.LittleEndian.Uint32(c[24:]))
	size := uint64(len(c))
	indexEnd := uint64(hdr) + 4*uint64(count) + 4*uint64(styles)
	if indexEnd > size {
		return nil, errorf(CodeMalformed, off, "string pool claims %d strings and %d styles, its %d bytes hold at most %d",
			count, styles, size, (size-uint64(hdr))/4)
	}
	p := &stringPool{
		count:   count,
		offsets: c[hdr : uint64(hdr)+4*uint64(count)],
		utf8:    flags&ab.UTF8Flag != 0,
	}
	if count == 0 {
		return p, nil
	}
	end := size
	if styles > 0 {
		if stylesStart < stringsStart || stylesStart > size {
			return nil, errorf(CodeMalformed, off, "string pool styles start %d is outside [%d, %d]", stylesStart, stringsStart, size)
		}
		end = stylesStart
	}
	if stringsStart < indexEnd || stringsStart > end {
		return nil, errorf(CodeMalformed, off, "string pool strings start %d is outside [%d, %d]", stringsStart, indexEnd, end)
	}
	p.strs = c[stringsStart:end]
	p.base = off + int64(stringsStart)
	p.budget = 2*len(p.strs) + 4096
	return p, nil
}

// get returns string i as the platform's Java code sees it: a UTF-8 pool
// string ends at its first NUL, because the framework hands it to Java
// through JNI NewStringUTF, which reads a C string (aapt prints the same
// cut string). UTF-16 strings keep an embedded NUL, as JNI NewString
// copies the declared length.
func (p *stringPool) get(i uint32) (string, error) {
	s, err := p.full(i)
	if err != nil || !p.utf8 {
		return s, err
	}
	if k := strings.IndexByte(s, 0); k >= 0 {
		s = s[:k]
	}
	return s, nil
}

// full returns string i with its declared length, as native code that
// compares lengths (attribute lookup by name) reads it. An offset or
// length that runs outside the strings section, or a string without the
// NUL terminator Android requires, is an error.
func (p *stringPool) full(i uint32) (string, error) {
	if i >= p.count {
		return "", errorf(CodeMalformed, 0, "string index %d out of range (pool has %d)", i, p.count)
	}
	off := binary.LittleEndian.Uint32(p.offsets[4*i:])
	if s, ok := p.cache[off]; ok {
		return s, nil
	}
	s, err := p.decode(uint64(off))
	if err != nil {
		return "", err
	}
	if p.budget -= len(s); p.budget < 0 {
		return "", p.overBudget(uint64(off))
	}
	if p.cache == nil {
		// Sized for a small manifest's pool at once; a larger one grows.
		p.cache = make(map[uint32]string, min(p.count, 64))
	}
	p.cache[off] = s
	return s, nil
}

func (p *stringPool) decode(off uint64) (string, error) {
	b := p.strs
	n := uint64(len(b))
	bad := func(what string) error {
		return errorf(CodeTruncated, p.base+int64(min(off, n)), "string at %d: %s", off, what)
	}
	if off >= n {
		return "", bad("offset outside the strings section")
	}
	if p.utf8 {
		// Two lengths: UTF-16 units (skipped) then UTF-8 bytes, each one
		// byte, or two with the high bit set on the first.
		pos := off
		var l uint64
		for k := 0; k < 2; k++ {
			if pos >= n {
				return "", bad("length runs past the section")
			}
			l = uint64(b[pos])
			pos++
			if l&0x80 != 0 {
				if pos >= n {
					return "", bad("length runs past the section")
				}
				l = (l&0x7f)<<8 | uint64(b[pos])
				pos++
			}
		}
		if pos+l >= n {
			return "", bad("content runs past the section")
		}
		if b[pos+l] != 0 {
			return "", bad("not NUL-terminated")
		}
		if l > uint64(p.budget) {
			return "", p.overBudget(off)
		}
		if s, ok := interned(b[pos : pos+l]); ok {
			return s, nil
		}
		return string(b[pos : pos+l]), nil
	}
	// UTF-16: length in units, one unit or two with the high bit set.
	pos := off
	if pos+2 > n {
		return "", bad("length runs past the section")
	}
	l := uint64(binary.LittleEndian.Uint16(b[pos:]))
	pos += 2
	if l&0x8000 != 0 {
		if pos+2 > n {
			return "", bad("length runs past the section")
		}
		l = (l&0x7fff)<<16 | uint64(binary.LittleEndian.Uint16(b[pos:]))
		pos += 2
	}
	if pos+2*l+2 > n {
		return "", bad("content runs past the section")
	}
	if b[pos+2*l] != 0 || b[pos+2*l+1] != 0 {
		return "", bad("not NUL-terminated")
	}
	if 2*l > uint64(p.budget) {
		return "", p.overBudget(off)
	}
	// Most strings are ASCII: build those directly, decode the rest.
	units := b[pos : pos+2*l]
	ascii := true
	for k := 0; k < len(units); k += 2 {
		if units[k] >= 0x80 || units[k+1] != 0 {
			ascii = false
			break
		}
	}
	if ascii && l <= maxInterned {
		// Assembled on the stack: the usual names are the table's
		// strings, the rest one allocation each.
		var tmp [maxInterned]byte
		for k := range int(l) {
			tmp[k] = units[2*k]
		}
		if s, ok := interned(tmp[:l]); ok {
			return s, nil
		}
		return string(tmp[:l]), nil
	}
	if ascii {
		var sb strings.Builder
		sb.Grow(int(l))
		for k := 0; k < len(units); k += 2 {
			sb.WriteByte(units[k])
		}
		return sb.String(), nil
	}
	u := make([]uint16, l)
	for k := range u {
		u[k] = binary.LittleEndian.Uint16(units[2*k:])
	}
	return string(utf16.Decode(u)), nil
}

func (p *stringPool) overBudget(off uint64) error {
	code := p.limit
	if code == "" {
		code = CodeLimit
	}
	return errorf(code, p.base+int64(off), "strings decode to more than twice the pool's size (overlapping strings)")
}

// element is one start tag of the document.
type element struct {
	name    string
	nsEmpty bool  // no namespace, or an empty namespace string
	depth   int32 // 1 for the root
	parent  int32 // index of the parent element, -1 for the root
	attrs   []attribute
	offset  int64
}

// attribute is one attribute of a start tag, with its name's resource ID
// taken from the resource map (0 when the map has no entry for it).
type attribute struct {
	ns, name, raw uint32 // string indexes or noIndex
	resID         uint32
	typ           ab.DataType
	data          uint32
}

// document is a validated binary XML tree.
type document struct {
	pool  *stringPool
	elems []element
}

func (d *document) str(i uint32) (string, error) { return d.pool.get(i) }

// parseDocument validates the chunk structure of a binary XML document and
// builds its element tree. Every size, count and offset is checked against
// the bytes that remain before it is used.
func parseDocument(b []byte) (*document, error) {
	if len(b) < chunkHeaderSize {
		if len(b) > 0 && b[0] == '<' {
			return nil, errorf(CodeNotBinaryXML, 0, "document is plain-text XML")
		}
		return nil, errorf(CodeTruncated, 0, "%d bytes cannot hold a chunk header", len(b))
	}
	typ := ab.ChunkType(binary.LittleEndian.Uint16(b))
	hdr := uint64(binary.LittleEndian.Uint16(b[2:]))
	size := uint64(binary.LittleEndian.Uint32(b[4:]))
	if typ != ab.ResXMLChunkType {
		what := "first chunk has type 0x%04x, not RES_XML_TYPE"
		if b[0] == '<' || (len(b) > 2 && b[0] == 0xef && b[1] == 0xbb) {
			what = "document is plain-text XML (first chunk type 0x%04x)"
		}
		return nil, errorf(CodeNotBinaryXML, 0, what, uint16(typ))
	}
	if hdr < chunkHeaderSize || hdr > size {
		return nil, errorf(CodeMalformed, 0, "XML header size %d is outside [8, %d]", hdr, size)
	}
	if size > uint64(len(b)) {
		return nil, errorf(CodeTruncated, 0, "XML chunk declares %d bytes, only %d present", size, len(b))
	}
	// Bytes after the declared size are ignored, as the platform does.
	b = b[:size]

	// Size the element and attribute arrays in one pass over the chunk
	// headers, so building the tree costs a few allocations rather than
	// one per element.
	nElems, nAttrHint := countNodes(b, hdr)
	d := &document{elems: make([]element, 0, nElems)}
	slab := make([]attribute, 0, nAttrHint)
	var resMap []byte
	var stack []int32
	roots := 0
	nAttrs := 0
	for pos := hdr; pos < size; {
		if size-pos < chunkHeaderSize {
			return nil, errorf(CodeTruncated, int64(pos), "%d trailing bytes cannot hold a chunk header", size-pos)
		}
		ct := ab.ChunkType(binary.LittleEndian.Uint16(b[pos:]))
		ch := uint64(binary.LittleEndian.Uint16(b[pos+2:]))
		cs := uint64(binary.LittleEndian.Uint32(b[pos+4:]))
		off := int64(pos)
		if cs > size-pos {
			return nil, errorf(CodeTruncated, off, "chunk type 0x%04x declares %d bytes, only %d remain", uint16(ct), cs, size-pos)
		}
		if ch < chunkHeaderSize || ch > cs {
			return nil, errorf(CodeMalformed, off, "chunk type 0x%04x has header size %d outside [8, %d]", uint16(ct), ch, cs)
		}
		// The platform's chunk validation requires 4-byte alignment.
		if (ch|cs)&3 != 0 {
			return nil, errorf(CodeMalformed, off, "chunk type 0x%04x is not 4-byte aligned (header %d, size %d)", uint16(ct), ch, cs)
		}
		c := b[pos : pos+cs]
		pos += cs

		switch ct {
		case ab.ResStringPoolChunkType:
			// Like apksig, refuse a second pool rather than guess which
			// one the platform would use.
			if d.pool != nil {
				return nil, errorf(CodeMalformed, off, "more than one string pool")
			}
			p, err := parseStringPool(c, off)
			if err != nil {
				return nil, err
			}
			d.pool = p

		case ab.ResXMLResourceMapType:
			if resMap != nil {
				return nil, errorf(CodeMalformed, off, "more than one resource map")
			}
			resMap = c[ch:]
			resMap = resMap[:len(resMap)&^3]

		case ab.ResXMLStartNamespaceType, ab.ResXMLEndNamespaceType:
			if ch < nodeHeaderLen || cs-ch < namespaceExtLen {
				return nil, errorf(CodeMalformed, off, "namespace chunk too short")
			}

		case ab.ResXMLCDataType:
			if ch < nodeHeaderLen {
				return nil, errorf(CodeMalformed, off, "CDATA chunk too short")
			}

		case ab.ResXMLStartElementType:
			if d.pool == nil {
				return nil, errorf(CodeMalformed, off, "element before the string pool")
			}
			if ch < nodeHeaderLen || cs-ch < attrExtLen {
				return nil, errorf(CodeMalformed, off, "start element chunk too short (%d bytes)", cs)
			}
			ext := c[ch:]
			nsIdx := binary.LittleEndian.Uint32(ext)
			nameIdx := binary.LittleEndian.Uint32(ext[4:])
			aStart := uint64(binary.LittleEndian.Uint16(ext[8:]))
			aSize := uint64(binary.LittleEndian.Uint16(ext[10:]))
			aCount := uint64(binary.LittleEndian.Uint16(ext[12:]))
			if aCount > 0 && aSize < attributeLen {
				return nil, errorf(CodeMalformed, off, "attribute size %d is below %d", aSize, attributeLen)
			}
			if aStart+aCount*aSize > uint64(len(ext)) {
				return nil, errorf(CodeTruncated, off, "%d attributes of %d bytes at %d run past the element's %d bytes",
					aCount, aSize, aStart, len(ext))
			}
			if len(d.elems) >= maxElements {
				return nil, errorf(CodeLimit, off, "more than %d elements", maxElements)
			}
			if len(stack) >= maxDepth {
				return nil, errorf(CodeLimit, off, "elements nested deeper than %d", maxDepth)
			}
			nAttrs += int(aCount)
			if nAttrs > maxAttributes {
				return nil, errorf(CodeLimit, off, "more than %d attributes", maxAttributes)
			}
			name, err := d.str(nameIdx)
			if err != nil {
				return nil, withOffset(err, off)
			}
			nsEmpty := true
			if nsIdx != noIndex {
				ns, err := d.str(nsIdx)
				if err != nil {
					return nil, withOffset(err, off)
				}
				nsEmpty = ns == ""
			}
			e := element{name: name, nsEmpty: nsEmpty, depth: int32(len(stack) + 1), parent: -1, offset: off}
			if len(stack) > 0 {
				e.parent = stack[len(stack)-1]
			} else {
				roots++
				if roots > 1 {
					return nil, errorf(CodeBadRoot, off, "more than one root element")
				}
			}
			if aCount > 0 {
				if cap(slab)-len(slab) < int(aCount) {
					slab = make([]attribute, 0, max(int(aCount), 64))
				}
				e.attrs = slab[len(slab) : len(slab)+int(aCount) : len(slab)+int(aCount)]
				slab = slab[:len(slab)+int(aCount)]
			}
			for k := range e.attrs {
				a := ext[aStart+uint64(k)*aSize:]
				at := attribute{
					ns:   binary.LittleEndian.Uint32(a),
					name: binary.LittleEndian.Uint32(a[4:]),
					raw:  binary.LittleEndian.Uint32(a[8:]),
					typ:  ab.DataType(a[15]),
					data: binary.LittleEndian.Uint32(a[16:]),
				}
				// Every string an attribute names must exist; a dangling
				// index is a malformed document, not an absent value.
				for _, idx := range [...]uint32{at.ns, at.name, at.raw} {
					if idx != noIndex && idx >= d.pool.count {
						return nil, errorf(CodeMalformed, off, "attribute %d refers to string %d, pool has %d", k, idx, d.pool.count)
					}
				}
				if at.name == noIndex {
					return nil, errorf(CodeMalformed, off, "attribute %d has no name", k)
				}
				if at.typ == ab.TypeString && at.data >= d.pool.count {
					return nil, errorf(CodeMalformed, off, "attribute %d has string value %d, pool has %d", k, at.data, d.pool.count)
				}
				e.attrs[k] = at
			}
			stack = append(stack, int32(len(d.elems)))
			d.elems = append(d.elems, e)

		case ab.ResXMLEndElementType:
			if ch < nodeHeaderLen || cs-ch < endExtLen {
				return nil, errorf(CodeMalformed, off, "end element chunk too short (%d bytes)", cs)
			}
			if len(stack) == 0 {
				return nil, errorf(CodeMalformed, off, "end element without a matching start")
			}
			stack = stack[:len(stack)-1]

		default:
			// Unknown chunk types are skipped, as Android does.
		}
	}
	if len(stack) > 0 {
		return nil, errorf(CodeTruncated, int64(size), "document ends inside %d open elements", len(stack))
	}
	if len(d.elems) == 0 {
		return nil, errorf(CodeBadRoot, 0, "document has no elements")
	}
	// Resolve each attribute's resource ID once the map is known. The map
	// may legally come after the pool but it always precedes elements in
	// aapt output; resolving late also covers the other order.
	n := uint32(len(resMap) / 4)
	for i := range d.elems {
		for k := range d.elems[i].attrs {
			a := &d.elems[i].attrs[k]
			if a.name < n {
				a.resID = binary.LittleEndian.Uint32(resMap[4*a.name:])
			}
		}
	}
	return d, nil
}

// countNodes estimates how many elements and attributes the document
// holds, for preallocation. It trusts no count beyond what the bytes can
// hold and stops at the first inconsistency, which parseDocument reports.
func countNodes(b []byte, pos uint64) (elems, attrs int) {
	size := uint64(len(b))
	for size-pos >= chunkHeaderSize {
		ch := uint64(binary.LittleEndian.Uint16(b[pos+2:]))
		cs := uint64(binary.LittleEndian.Uint32(b[pos+4:]))
		if cs < chunkHeaderSize || cs > size-pos || ch > cs {
			break
		}
		if ab.ChunkType(binary.LittleEndian.Uint16(b[pos:])) == ab.ResXMLStartElementType && cs-ch >= attrExtLen {
			elems++
			n := int(binary.LittleEndian.Uint16(b[pos+ch+12:]))
			attrs += min(n, int(cs/attributeLen))
		}
		pos += cs
	}
	return min(elems, maxElements), min(attrs, maxAttributes)
}

// withOffset fills in the offset of a positionless error.
func withOffset(err error, off int64) error {
	if fe, ok := err.(*signer.Error); ok && fe.Offset == 0 {
		c := *fe
		c.Offset = off
		return &c
	}
	return err
}
