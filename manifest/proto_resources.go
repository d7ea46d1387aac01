package manifest

import (
	"github.com/apktrust/apktrust/internal/aapt2pb"
	ab "github.com/shogo82148/androidbinary"
	"google.golang.org/protobuf/proto"
)

// protoTable resolves references through an App Bundle module's
// resources.pb, decoded on the first lookup. It answers like
// tableResolver: strings and integers in the default configuration,
// booleans true when any configuration sets them.
type protoTable struct {
	raw    []byte
	loaded bool
	err    error
	byID   map[uint32][]*aapt2pb.ConfigValue
}

func (t *protoTable) load() error {
	if t.loaded {
		return t.err
	}
	t.loaded = true
	if len(t.raw) > MaxResourcesSize {
		t.err = resErr("resources.pb of %d bytes is over the %d-byte limit", len(t.raw), MaxResourcesSize)
		return t.err
	}
	var rt aapt2pb.ResourceTable
	if err := proto.Unmarshal(t.raw, &rt); err != nil {
		t.err = &FormatError{Code: CodeResources, Offset: -1, Msg: "resources.pb is not an aapt2 resource table", Err: err}
		return t.err
	}
	t.byID = map[uint32][]*aapt2pb.ConfigValue{}
	for _, p := range rt.GetPackage() {
		pid := p.GetPackageId().GetId()
		for _, ty := range p.GetType() {
			tid := ty.GetTypeId().GetId()
			for _, e := range ty.GetEntry() {
				if pid > 0xff || tid > 0xff || e.GetEntryId().GetId() > 0xffff {
					continue // not an ID a reference can name
				}
				id := pid<<24 | tid<<16 | e.GetEntryId().GetId()
				t.byID[id] = append(t.byID[id], e.GetConfigValue()...)
			}
		}
	}
	t.raw = nil
	return nil
}

// item returns the resource's value in the default configuration: the one
// whose encoded Configuration is empty.
func (t *protoTable) item(id uint32) (*aapt2pb.Item, error) {
	if err := t.load(); err != nil {
		return nil, err
	}
	cvs, ok := t.byID[id]
	if !ok {
		return nil, resErr("resource 0x%08x not found", id)
	}
	for _, cv := range cvs {
		if len(cv.GetConfig()) == 0 && cv.GetValue().GetItem() != nil {
			return cv.GetValue().GetItem(), nil
		}
	}
	return nil, resErr("resource 0x%08x has no value in the default configuration", id)
}

func (t *protoTable) resolveString(id uint32) (string, error) {
	for hop := 0; hop < maxReferenceHops; hop++ {
		it, err := t.item(id)
		if err != nil {
			return "", err
		}
		switch {
		case it.GetStr() != nil:
			return it.GetStr().GetValue(), nil
		case it.GetRawStr() != nil:
			return it.GetRawStr().GetValue(), nil
		case it.GetStyledStr() != nil:
			return it.GetStyledStr().GetValue(), nil
		case it.GetRef() != nil && it.GetRef().GetId()>>24 != 0:
			id = it.GetRef().GetId()
			continue
		}
		return "", resErr("resource 0x%08x is not a string", id)
	}
	return "", resErr("resource 0x%08x: more than %d references", id, maxReferenceHops)
}

// resolveBoolAny reports whether any configuration of the resource is a
// true boolean or a non-zero integer; any other value is an error, so the
// caller counts the flag as set.
func (t *protoTable) resolveBoolAny(id uint32) (bool, error) {
	if err := t.load(); err != nil {
		return false, err
	}
	cvs, ok := t.byID[id]
	if !ok {
		return false, resErr("resource 0x%08x not found", id)
	}
	set := false
	for _, cv := range cvs {
		typ, data := primitive(cv.GetValue().GetItem().GetPrim())
		if cv.GetValue().GetItem().GetPrim() == nil || typ < ab.TypeFirstInt || typ > ab.TypeLastInt {
			return false, resErr("resource 0x%08x is not a boolean", id)
		}
		set = set || data != 0
	}
	return set, nil
}

func (t *protoTable) resolveInt(id uint32) (int64, error) {
	it, err := t.item(id)
	if err != nil {
		return 0, err
	}
	typ, data := primitive(it.GetPrim())
	if it.GetPrim() == nil || typ < ab.TypeFirstInt || typ > ab.TypeLastInt {
		return 0, resErr("resource 0x%08x is not an integer", id)
	}
	return int64(int32(data)), nil
}
