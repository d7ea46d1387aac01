package manifest

import (
	"cmp"
	"encoding/binary"
	"slices"
	"unicode/utf16"
)

// This file builds small binary XML documents for tests, so each test can
// state the manifest it needs instead of depending on a compiler.

// tAttr is an attribute of a test element. ID 0 means "no resource ID";
// android: attributes normally carry one.
type tAttr struct {
	name  string
	id    uint32
	noNS  bool // no namespace (package, split)
	typ   uint8
	data  uint32
	str   string // for strings: the value
	raw   string // raw value when different from str (forgeries)
	noRaw bool
}

func aStr(name string, id uint32, v string) tAttr {
	return tAttr{name: name, id: id, typ: 0x03, str: v}
}
func aInt(name string, id uint32, v int32) tAttr {
	return tAttr{name: name, id: id, typ: 0x10, data: uint32(v), noRaw: true}
}
func aBool(name string, id uint32, v bool) tAttr {
	d := uint32(0)
	if v {
		d = 0xffffffff
	}
	return tAttr{name: name, id: id, typ: 0x12, data: d, noRaw: true}
}
func aRef(name string, id uint32, ref uint32) tAttr {
	return tAttr{name: name, id: id, typ: 0x01, data: ref, noRaw: true}
}
func aPlain(name, v string) tAttr { return tAttr{name: name, noNS: true, typ: 0x03, str: v} }

type tElem struct {
	name  string
	attrs []tAttr
	kids  []tElem
	// keepOrder writes the attributes as given; otherwise they are sorted
	// by resource ID (those without one last), as aapt writes them.
	keepOrder bool
	// ns puts the element in the android namespace.
	ns bool
}

func el(name string, attrs []tAttr, kids ...tElem) tElem {
	return tElem{name: name, attrs: attrs, kids: kids}
}

type xmlBuilder struct {
	utf8  bool
	strs  []string
	ids   []uint32
	index map[string]uint32
}

// intern returns the pool index of a string without a resource ID.
func (b *xmlBuilder) intern(s string) uint32 {
	if i, ok := b.index[s]; ok {
		return i
	}
	b.strs = append(b.strs, s)
	i := uint32(len(b.strs) - 1)
	b.index[s] = i
	return i
}

func le16(v uint16) []byte { return binary.LittleEndian.AppendUint16(nil, v) }
func le32(v uint32) []byte { return binary.LittleEndian.AppendUint32(nil, v) }

func chunk(typ, hdr uint16, header, body []byte) []byte {
	out := le16(typ)
	out = append(out, le16(hdr)...)
	out = append(out, le32(uint32(8+len(header)+len(body)))...)
	out = append(out, header...)
	return append(out, body...)
}

func (b *xmlBuilder) pool() []byte {
	var data, offs []byte
	for _, s := range b.strs {
		offs = append(offs, le32(uint32(len(data)))...)
		if b.utf8 {
			u := len(utf16.Encode([]rune(s)))
			data = appendLen8(data, u)
			data = appendLen8(data, len(s))
			data = append(data, s...)
			data = append(data, 0)
		} else {
			u := utf16.Encode([]rune(s))
			if len(u) > 0x7fff {
				data = append(data, le16(uint16(0x8000|len(u)>>16))...)
				data = append(data, le16(uint16(len(u)))...)
			} else {
				data = append(data, le16(uint16(len(u)))...)
			}
			for _, c := range u {
				data = append(data, le16(c)...)
			}
			data = append(data, 0, 0)
		}
	}
	for len(data)%4 != 0 {
		data = append(data, 0)
	}
	flags := uint32(0)
	if b.utf8 {
		flags = 1 << 8
	}
	hdr := append(le32(uint32(len(b.strs))), le32(0)...)
	hdr = append(hdr, le32(flags)...)
	hdr = append(hdr, le32(uint32(28+len(offs)))...)
	hdr = append(hdr, le32(0)...)
	return chunk(0x0001, 28, hdr, append(offs, data...))
}

func appendLen8(b []byte, n int) []byte {
	if n > 0x7f {
		return append(b, byte(0x80|n>>8), byte(n))
	}
	return append(b, byte(n))
}

// buildXML serialises root as aapt would: string pool, resource map,
// namespace, elements.
func buildXML(root tElem, utf8 bool) []byte {
	b := &xmlBuilder{utf8: utf8, index: map[string]uint32{}}
	// Attribute names with resource IDs come first, one pool slot per
	// (name, id) pair, so the resource map lines up with them.
	slot := map[[2]any]uint32{}
	var walk func(e tElem)
	walk = func(e tElem) {
		for _, a := range e.attrs {
			k := [2]any{a.name, a.id}
			if _, ok := slot[k]; a.id != 0 && !ok {
				b.strs = append(b.strs, a.name)
				b.ids = append(b.ids, a.id)
				slot[k] = uint32(len(b.strs) - 1)
			}
		}
		for _, k := range e.kids {
			walk(k)
		}
	}
	walk(root)
	nsURI := b.intern(androidNS)
	nsPrefix := b.intern("android")
	var body []byte
	var emit func(e tElem)
	emit = func(e tElem) {
		var attrs []byte
		sorted := slices.Clone(e.attrs)
		if !e.keepOrder {
			slices.SortStableFunc(sorted, func(a, b tAttr) int {
				return cmp.Compare(a.id-1, b.id-1) // 0 wraps to the end
			})
		}
		for _, a := range sorted {
			name, ok := slot[[2]any{a.name, a.id}]
			if !ok {
				name = b.intern(a.name)
			}
			ns := nsURI
			if a.noNS {
				ns = noIndex
			}
			raw := uint32(noIndex)
			data := a.data
			if a.typ == 0x03 {
				data = b.intern(a.str)
				raw = data
			}
			if a.raw != "" {
				raw = b.intern(a.raw)
			}
			if a.noRaw {
				raw = noIndex
			}
			attrs = append(attrs, le32(ns)...)
			attrs = append(attrs, le32(name)...)
			attrs = append(attrs, le32(raw)...)
			attrs = append(attrs, le16(8)...)
			attrs = append(attrs, 0, a.typ)
			attrs = append(attrs, le32(data)...)
		}
		node := append(le32(1), le32(noIndex)...)
		elemNS := uint32(noIndex)
		if e.ns {
			elemNS = nsURI
		}
		ext := append(le32(elemNS), le32(b.intern(e.name))...)
		ext = append(ext, le16(20)...)
		ext = append(ext, le16(20)...)
		ext = append(ext, le16(uint16(len(e.attrs)))...)
		ext = append(ext, 0, 0, 0, 0, 0, 0)
		body = append(body, chunk(0x0102, 16, node, append(ext, attrs...))...)
		for _, k := range e.kids {
			emit(k)
		}
		endExt := append(le32(noIndex), le32(b.intern(e.name))...)
		body = append(body, chunk(0x0103, 16, node, endExt)...)
	}
	nsBody := append(le32(nsPrefix), le32(nsURI)...)
	node := append(le32(1), le32(noIndex)...)
	var doc []byte
	emit(root)
	doc = append(doc, b.pool()...)
	var ids []byte
	for _, id := range b.ids {
		ids = append(ids, le32(id)...)
	}
	doc = append(doc, chunk(0x0180, 8, nil, ids)...)
	doc = append(doc, chunk(0x0100, 16, node, nsBody)...)
	doc = append(doc, body...)
	doc = append(doc, chunk(0x0101, 16, node, nsBody)...)
	return chunk(0x0003, 8, nil, doc)
}

// minimalManifest is a small valid manifest used as a starting point.
func minimalManifest(extra ...tElem) tElem {
	return el("manifest", []tAttr{
		aInt("versionCode", attrVersionCode, 7),
		aStr("versionName", attrVersionName, "1.2.3"),
		aPlain("package", "dev.apktrust.test"),
	}, extra...)
}
