package manifest

import (
	ab "github.com/shogo82148/androidbinary"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	"github.com/apktrust/apktrust/internal/aapt2pb"
	"github.com/apktrust/apktrust/internal/apkentry"
	"github.com/apktrust/apktrust/signer"
)

// protoTable resolves references through an App Bundle module's
// resources.pb, decoded on the first lookup. It answers like resTable:
// a resource's value in every configuration a device at the range's
// minimum can be given, references followed a bounded number of times,
// strings from a pool of their own.
type protoTable struct {
	raw    []byte
	loaded bool
	err    error
	byID   map[uint32][]*aapt2pb.ConfigValue
	strs   []string
}

// configSDKVersion is the field number of sdk_version in aapt2's
// Configuration message (the API-level qualifier, values-vN).
const configSDKVersion = 24

func (t *protoTable) load() error {
	if t.loaded {
		return t.err
	}
	t.loaded = true
	if len(t.raw) > apkentry.MaxResourcesSize {
		t.err = resErr("resources.pb of %d bytes is over the %d-byte limit", len(t.raw), apkentry.MaxResourcesSize)
		return t.err
	}
	var rt aapt2pb.ResourceTable
	if err := proto.Unmarshal(t.raw, &rt); err != nil {
		t.err = &signer.Error{Code: CodeResources, Msg: "resources.pb is not an aapt2 resource table", Err: err}
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

// protoVersionOnly reports whether an encoded Configuration is qualified
// by at most an API level, and which level: only sdk_version set, or
// nothing (the default configuration). Anything else, unreadable bytes
// included, is a qualified configuration, whose value always counts.
func protoVersionOnly(cfg []byte) (sdk int, ok bool) {
	for len(cfg) > 0 {
		num, typ, n := protowire.ConsumeTag(cfg)
		if n < 0 || num != configSDKVersion || typ != protowire.VarintType {
			return 0, false
		}
		v, m := protowire.ConsumeVarint(cfg[n:])
		if m < 0 || v > 0xffff {
			return 0, false
		}
		sdk, cfg = int(v), cfg[n+m:]
	}
	return sdk, true
}

// value turns a compiled item into the Res_value the platform would read
// from the resources.arsc bundletool makes; strings go to t.strs.
func (t *protoTable) value(it *aapt2pb.Item) resValue {
	var v resValue
	switch {
	case it == nil:
		v.typ = typeBag // a compound value (style, array...), not an item
	case it.GetRef() != nil:
		v.typ, v.data = ab.TypeReference, it.GetRef().GetId()
	case it.GetStr() != nil, it.GetRawStr() != nil, it.GetStyledStr() != nil, it.GetFile() != nil:
		s := it.GetStr().GetValue() + it.GetRawStr().GetValue() + it.GetStyledStr().GetValue() + it.GetFile().GetPath()
		v.typ, v.data = ab.TypeString, uint32(len(t.strs))
		t.strs = append(t.strs, s)
	case it.GetPrim() != nil:
		v.typ, v.data = primitive(it.GetPrim())
	default:
		v.typ = ab.TypeNull
	}
	return v
}

func (t *protoTable) values(id uint32, minSDK int) ([]resValue, error) {
	if err := t.load(); err != nil {
		return nil, err
	}
	return resolveValues(id, minSDK, t.entries)
}

// entries returns the values of resource id in each configuration.
func (t *protoTable) entries(id uint32, steps *int) ([]resValue, error) {
	cvs := t.byID[id]
	if len(cvs) == 0 {
		return nil, resErr("resource 0x%08x not found", id)
	}
	vals := make([]resValue, 0, len(cvs))
	for _, cv := range cvs {
		if err := countStep(id, steps); err != nil {
			return nil, err
		}
		v := t.value(cv.GetValue().GetItem())
		v.sdk, v.versionOnly = protoVersionOnly(cv.GetConfig())
		v.isDefault = v.versionOnly && v.sdk == 0
		vals = append(vals, v)
	}
	return vals, nil
}

// str returns a string value as the platform's Java code reads it from
// the UTF-8 pool bundletool writes: cut at an embedded NUL.
func (t *protoTable) str(v resValue) (string, error) {
	if v.typ != ab.TypeString || int(v.data) >= len(t.strs) {
		return "", resErr("resource value is not a string")
	}
	return presetPool(t.strs[v.data : v.data+1]).get(0)
}
