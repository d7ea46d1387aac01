package manifest

import (
	"cmp"
	"encoding/binary"
	"math"
	"slices"
	"strings"

	"github.com/apktrust/apktrust/internal/aapt2pb"
	"github.com/apktrust/apktrust/internal/apkentry"
	"github.com/apktrust/apktrust/signer"
	ab "github.com/shogo82148/androidbinary"
	"google.golang.org/protobuf/proto"
)

// ParseProto decodes the protocol-buffer XML (aapt2's XmlNode) of an App
// Bundle module's AndroidManifest.xml. resources is the module's
// resources.pb, or nil: references (a label such as @string/app_name, a
// debuggable flag) are resolved through it as ParseFS resolves them
// through resources.arsc, and stay references without it.
//
// The document is turned into the tree the binary-XML reader builds and
// read by the same code, so a bundle's facts follow exactly the rules,
// defaults and worst readings of an APK's: attributes are found by
// resource ID, the first <application> counts, a flag that refers to a
// resource counts as set when any configuration sets it or the table
// cannot say. Errors are *signer.Error (CodeMalformed for bytes that are
// not an XmlNode, CodeLimit past the reader's bounds, CodeTooLarge over
// the 8 MiB limit); a resources.pb that cannot be used is reported in
// Manifest.ResourcesErr, as for an APK.
func ParseProto(b, resources []byte) (m *Manifest, err error) {
	defer func() {
		if r := recover(); r != nil {
			m, err = nil, errorf(CodeInternal, 0, "protobuf manifest reader failed: %v", r)
		}
	}()
	if len(b) > apkentry.MaxManifestSize {
		return nil, errorf(CodeTooLarge, 0, "manifest of %d bytes is over the %d-byte limit", len(b), apkentry.MaxManifestSize)
	}
	var node aapt2pb.XmlNode
	if err := proto.Unmarshal(b, &node); err != nil {
		return nil, &signer.Error{Code: CodeMalformed, Msg: "not aapt2 protocol-buffer XML", Err: err}
	}
	d, err := protoDocument(&node)
	if err != nil {
		return nil, err
	}
	x := &extractor{d: d}
	if resources != nil {
		x.res = &protoTable{raw: resources}
	}
	return x.run()
}

// protoBuilder flattens an XmlNode tree into a document: elements in
// document order with depth and parent, attributes as typed values with
// their strings in a pool.
type protoBuilder struct {
	d     *document
	idx   map[string]uint32
	strs  []string
	attrs int
}

func protoDocument(root *aapt2pb.XmlNode) (*document, error) {
	el := root.GetElement()
	if el == nil {
		return nil, errorf(CodeMalformed, 0, "protocol-buffer XML has no root element")
	}
	b := &protoBuilder{d: &document{}, idx: map[string]uint32{}}
	if err := b.element(el, 1, -1); err != nil {
		return nil, err
	}
	b.d.pool = presetPool(b.strs)
	return b.d, nil
}

func (b *protoBuilder) str(s string) uint32 {
	if i, ok := b.idx[s]; ok {
		return i
	}
	i := uint32(len(b.strs))
	b.idx[s] = i
	b.strs = append(b.strs, s)
	return i
}

// element appends e and its descendants, depth first, like the start tags
// of a binary document. Iterative over siblings, recursive over depth,
// which maxDepth bounds.
func (b *protoBuilder) element(e *aapt2pb.XmlElement, depth, parent int32) error {
	if depth > maxDepth {
		return errorf(CodeLimit, 0, "elements nested deeper than %d", maxDepth)
	}
	if len(b.d.elems) >= maxElements {
		return errorf(CodeLimit, 0, "more than %d elements", maxElements)
	}
	b.attrs += len(e.GetAttribute())
	if b.attrs > maxAttributes {
		return errorf(CodeLimit, 0, "more than %d attributes", maxAttributes)
	}
	out := element{
		name:    e.GetName(),
		nsEmpty: e.GetNamespaceUri() == "",
		depth:   depth,
		parent:  parent,
		offset:  -1,
		attrs:   make([]attribute, 0, len(e.GetAttribute())),
	}
	for _, a := range sortedAttributes(e.GetAttribute()) {
		out.attrs = append(out.attrs, b.attribute(a))
	}
	me := int32(len(b.d.elems))
	b.d.elems = append(b.d.elems, out)
	for _, c := range e.GetChild() {
		if ce := c.GetElement(); ce != nil {
			if err := b.element(ce, depth+1, me); err != nil {
				return err
			}
		}
	}
	return nil
}

// sortedAttributes orders an element's attributes as aapt2's binary XML
// flattener does when bundletool makes the APKs (the platform's lookup by
// resource ID relies on it): those with a resource ID first, by ID, then
// the others by namespace and name. The protobuf keeps source order.
func sortedAttributes(attrs []*aapt2pb.XmlAttribute) []*aapt2pb.XmlAttribute {
	out := slices.Clone(attrs)
	slices.SortStableFunc(out, func(a, b *aapt2pb.XmlAttribute) int {
		ida, idb := a.GetResourceId(), b.GetResourceId()
		switch {
		case ida != 0 && idb != 0:
			return cmp.Compare(ida, idb)
		case ida != 0:
			return -1
		case idb != 0:
			return 1
		}
		return cmp.Or(strings.Compare(a.GetNamespaceUri(), b.GetNamespaceUri()), strings.Compare(a.GetName(), b.GetName()))
	})
	return out
}

// attribute maps a compiled item to the Res_value aapt2 writes for it in
// binary XML; an attribute aapt2 did not compile is the string it holds.
func (b *protoBuilder) attribute(a *aapt2pb.XmlAttribute) attribute {
	at := attribute{ns: noIndex, name: b.str(a.GetName()), raw: noIndex, resID: a.GetResourceId()}
	if ns := a.GetNamespaceUri(); ns != "" {
		at.ns = b.str(ns)
	}
	if a.Value != "" || a.GetCompiledItem() == nil {
		at.raw = b.str(a.GetValue())
	}
	at.typ, at.data = ab.TypeString, at.raw
	if at.raw == noIndex {
		at.typ, at.data = ab.TypeNull, 0
	}
	it := a.GetCompiledItem()
	switch {
	case it == nil:
	case it.GetRef() != nil:
		at.typ, at.data = ab.TypeReference, it.GetRef().GetId()
		if it.GetRef().GetType() == aapt2pb.Reference_ATTRIBUTE {
			at.typ = ab.TypeAttribute
		}
	case it.GetStr() != nil:
		at.typ, at.data = ab.TypeString, b.str(it.GetStr().GetValue())
	case it.GetRawStr() != nil:
		at.typ, at.data = ab.TypeString, b.str(it.GetRawStr().GetValue())
	case it.GetStyledStr() != nil:
		at.typ, at.data = ab.TypeString, b.str(it.GetStyledStr().GetValue())
	case it.GetFile() != nil:
		at.typ, at.data = ab.TypeString, b.str(it.GetFile().GetPath())
	case it.GetPrim() != nil:
		at.typ, at.data = primitive(it.GetPrim())
	}
	return at
}

// presetPool is a string pool holding strs, string i at offset i, all
// decoded already. It is a UTF-8 pool, as aapt2 writes them when
// bundletool turns the protobuf into binary XML, so a string is read as
// the platform reads one from such a pool (cut at an embedded NUL).
func presetPool(strs []string) *stringPool {
	p := &stringPool{count: uint32(len(strs)), offsets: make([]byte, 4*len(strs)), utf8: true,
		cache: make(map[uint32]string, len(strs))}
	for i, s := range strs {
		binary.LittleEndian.PutUint32(p.offsets[4*i:], uint32(i))
		p.cache[uint32(i)] = s
	}
	return p
}

// primitive returns the Res_value type and data of a compiled primitive.
func primitive(p *aapt2pb.Primitive) (ab.DataType, uint32) {
	switch v := p.GetOneofValue().(type) {
	case *aapt2pb.Primitive_NullValue:
		return ab.TypeNull, 0
	case *aapt2pb.Primitive_EmptyValue:
		return ab.TypeNull, 1
	case *aapt2pb.Primitive_FloatValue:
		return ab.TypeFloat, math.Float32bits(v.FloatValue)
	case *aapt2pb.Primitive_DimensionValue:
		return ab.TypeDemention, v.DimensionValue
	case *aapt2pb.Primitive_FractionValue:
		return ab.TypeFraction, v.FractionValue
	case *aapt2pb.Primitive_IntDecimalValue:
		return ab.TypeIntDec, uint32(v.IntDecimalValue)
	case *aapt2pb.Primitive_IntHexadecimalValue:
		return ab.TypeIntHex, v.IntHexadecimalValue
	case *aapt2pb.Primitive_BooleanValue:
		if v.BooleanValue {
			return ab.TypeIntBoolean, 0xffffffff
		}
		return ab.TypeIntBoolean, 0
	case *aapt2pb.Primitive_ColorArgb8Value:
		return ab.TypeIntColorARGB8, v.ColorArgb8Value
	case *aapt2pb.Primitive_ColorRgb8Value:
		return ab.TypeIntColorRGB8, v.ColorRgb8Value
	case *aapt2pb.Primitive_ColorArgb4Value:
		return ab.TypeIntColorARGB4, v.ColorArgb4Value
	case *aapt2pb.Primitive_ColorRgb4Value:
		return ab.TypeIntColorRGB4, v.ColorRgb4Value
	}
	// Deprecated float encodings and unknown kinds carry no value the
	// manifest facts use.
	return ab.TypeNull, 0
}
