package manifest

import (
	"errors"
	"testing"

	"github.com/apktrust/apktrust/internal/aabgen"
	"github.com/apktrust/apktrust/internal/aapt2pb"
	"github.com/apktrust/apktrust/signer"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
)

func protoBool(v bool) *bool { return &v }

func marshalNode(t testing.TB, n *aapt2pb.XmlNode) []byte {
	b, err := proto.Marshal(n)
	require.NoError(t, err)
	return b
}

// protoManifest builds a <manifest> with the given root attributes and
// children.
func protoManifest(attrs []*aapt2pb.XmlAttribute, children ...*aapt2pb.XmlElement) *aapt2pb.XmlNode {
	return &aapt2pb.XmlNode{Element: aabgen.Element("manifest", attrs, children...)}
}

func TestParseProto(t *testing.T) {
	pkg := &aapt2pb.XmlAttribute{Name: "package", Value: "com.example.app"}
	labelRes := aabgen.Resources("com.example.app", "Example")
	tests := []struct {
		name  string
		node  *aapt2pb.XmlNode
		res   []byte
		check func(t *testing.T, m *Manifest)
	}{{
		name: "aapt2 manifest with label resolved through resources.pb",
		node: aabgen.Manifest{Package: "com.example.app", VersionCode: 42, VersionName: "4.2", MinSDK: 24, TargetSDK: 34, Label: "Example"}.Node(),
		res:  labelRes,
		check: func(t *testing.T, m *Manifest) {
			assert.Equal(t, "com.example.app", m.Package)
			assert.EqualValues(t, 42, m.VersionCode)
			assert.EqualValues(t, 42, m.LongVersionCode)
			assert.Equal(t, "4.2", m.VersionName)
			assert.Equal(t, 24, m.MinSDK())
			assert.Equal(t, 34, m.TargetSDK())
			assert.False(t, m.Debuggable)
			assert.Equal(t, "Example", m.Label)
			assert.EqualValues(t, aabgen.LabelID, m.LabelResource)
			assert.NoError(t, m.ResourcesErr)
		},
	}, {
		name: "label stays a reference without resources.pb",
		node: aabgen.Manifest{Package: "com.example.app", VersionCode: 1, MinSDK: 21, TargetSDK: 21, Label: "Example"}.Node(),
		check: func(t *testing.T, m *Manifest) {
			assert.Empty(t, m.Label)
			assert.EqualValues(t, aabgen.LabelID, m.LabelResource)
		},
	}, {
		name: "debuggable=true",
		node: aabgen.Manifest{Package: "p", VersionCode: 1, Debuggable: protoBool(true)}.Node(),
		check: func(t *testing.T, m *Manifest) {
			assert.True(t, m.Debuggable)
		},
	}, {
		name: "debuggable referring to a resource that cannot be resolved counts as set",
		node: protoManifest([]*aapt2pb.XmlAttribute{pkg}, aabgen.Element("application", []*aapt2pb.XmlAttribute{
			aabgen.Attr("debuggable", aabgen.AttrDebuggable, "@bool/dbg", aabgen.Ref(0x7f020000, "bool/dbg"))})),
		res: labelRes,
		check: func(t *testing.T, m *Manifest) {
			assert.True(t, m.Debuggable)
			assert.EqualValues(t, 0x7f020000, m.DebuggableResource)
			assert.ErrorIs(t, m.ResourcesErr, CodeResources)
		},
	}, {
		name: "attributes in source order are read in the order aapt2 writes them",
		node: protoManifest([]*aapt2pb.XmlAttribute{pkg,
			aabgen.Attr("isFeatureSplit", aabgen.AttrIsFeatureSplit, "true", aabgen.Bool(true)),
			aabgen.Attr("versionCode", aabgen.AttrVersionCode, "7", aabgen.Int(7))}),
		check: func(t *testing.T, m *Manifest) {
			assert.EqualValues(t, 7, m.VersionCode)
			assert.True(t, m.IsFeatureSplit)
		},
	}, {
		name: "feature module",
		node: aabgen.Manifest{Package: "com.example.app", VersionCode: 3, Split: "extras"}.Node(),
		check: func(t *testing.T, m *Manifest) {
			assert.Equal(t, "extras", m.Split)
			assert.True(t, m.IsFeatureSplit)
		},
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := ParseProto(marshalNode(t, tc.node), tc.res)
			require.NoError(t, err)
			tc.check(t, m)
		})
	}
}

func TestParseProtoRejects(t *testing.T) {
	deep := aabgen.Element("x", nil)
	for i := 0; i < maxDepth+2; i++ {
		deep = aabgen.Element("x", nil, deep)
	}
	tests := []struct {
		name string
		in   []byte
		code Code
	}{
		{"empty", nil, CodeMalformed},
		{"not protobuf", []byte{0xff, 0xff, 0xff}, CodeMalformed},
		{"text node only", marshalNode(t, &aapt2pb.XmlNode{Text: "hi"}), CodeMalformed},
		{"root is not manifest", marshalNode(t, &aapt2pb.XmlNode{Element: aabgen.Element("application", nil)}), CodeBadRoot},
		{"nested too deep", marshalNode(t, &aapt2pb.XmlNode{Element: deep}), CodeLimit},
		{"binary XML given to the protobuf reader", []byte{0x03, 0x00, 0x08, 0x00, 0x10, 0, 0, 0}, CodeMalformed},
		// The manifest reader's rules apply as to binary XML.
		{"versionCode by ID under another name, and by name without ID", marshalNode(t, protoManifest([]*aapt2pb.XmlAttribute{
			{Name: "package", Value: "p"},
			aabgen.Attr("renamed", aabgen.AttrVersionCode, "7", aabgen.Int(7)),
			aabgen.Attr("versionCode", 0, "99", aabgen.Int(99))})), CodeAmbiguous},
		{"versionCode left a string", marshalNode(t, protoManifest([]*aapt2pb.XmlAttribute{
			{Name: "package", Value: "p"},
			aabgen.Attr("versionCode", aabgen.AttrVersionCode, "0x10", nil)})), CodeRefused},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseProto(tc.in, nil)
			var fe *signer.Error
			require.True(t, errors.As(err, &fe), "error %v", err)
			assert.Equal(t, tc.code, fe.Code)
		})
	}
}

// A bad resources.pb never fails the manifest: references stay
// unresolved and flags that refer to it count as set.
func TestParseProtoBadResources(t *testing.T) {
	n := aabgen.Manifest{Package: "p", VersionCode: 1, Label: "L"}.Node()
	m, err := ParseProto(marshalNode(t, n), []byte{0xff, 0xff})
	require.NoError(t, err)
	assert.Empty(t, m.Label)
	assert.ErrorIs(t, m.ResourcesErr, CodeResources)
}

// protoFuzzSeeds are generated manifests: a full base module with its
// resource table, a feature module, and references to resolve.
func protoFuzzSeeds(t testing.TB) [][2][]byte {
	seeds := [][2][]byte{
		{aabgen.Manifest{Package: "com.example.app", VersionCode: 42, VersionName: "4.2", MinSDK: 24, TargetSDK: 34, Label: "Example", Debuggable: protoBool(false)}.Bytes(),
			aabgen.Resources("com.example.app", "Example")},
		{aabgen.Manifest{Package: "com.example.app", VersionCode: 3, Split: "extras"}.Bytes(), nil},
		{marshalNode(t, protoManifest([]*aapt2pb.XmlAttribute{{Name: "package", Value: "x"}},
			aabgen.Element("application", []*aapt2pb.XmlAttribute{
				aabgen.Attr("debuggable", aabgen.AttrDebuggable, "@bool/dbg", aabgen.Ref(0x7f010000, "bool/dbg"))},
				aabgen.Element("meta-data", []*aapt2pb.XmlAttribute{
					aabgen.Attr("name", attrName, "k", nil), aabgen.Attr("value", attrValue, "@string/app_name", aabgen.Ref(aabgen.LabelID, ""))})),
		)), aabgen.Resources("x", "v")},
	}
	return seeds
}

// FuzzParseProto feeds arbitrary manifest and resources.pb bytes to the
// protocol-buffer reader: it must never panic, fail only with a
// *signer.Error other than CodeInternal, and keep the platform's defaults
// on success.
func FuzzParseProto(f *testing.F) {
	for _, s := range protoFuzzSeeds(f) {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, b, res []byte) {
		m, err := ParseProto(b, res)
		if err != nil {
			var fe *signer.Error
			if !errors.As(err, &fe) {
				t.Fatalf("error is %T, not *signer.Error: %v", err, err)
			}
			if fe.Code == CodeInternal {
				t.Fatalf("internal error: %v", err)
			}
			return
		}
		if m.MinSDK() < 1 {
			t.Fatalf("impossible defaults: minSdk %d", m.MinSDK())
		}
		if m.ResourcesErr != nil && !errors.Is(m.ResourcesErr, CodeResources) {
			t.Fatalf("ResourcesErr is not CodeResources: %v", m.ResourcesErr)
		}
		if m.DebuggableResource != 0 && res == nil && !m.Debuggable {
			t.Fatalf("unresolvable debuggable reference read as false")
		}
	})
}

// boolTable is a resources.pb with bool resource 0x7f020000 set to each
// value in its configuration (encoded aapt2 Configuration bytes).
func boolTable(t *testing.T, vals map[string]bool, configs map[string][]byte) []byte {
	var cvs []*aapt2pb.ConfigValue
	for name, v := range vals {
		cvs = append(cvs, &aapt2pb.ConfigValue{Config: configs[name], Value: &aapt2pb.Value{Item: aabgen.Bool(v)}})
	}
	b, err := proto.Marshal(&aapt2pb.ResourceTable{Package: []*aapt2pb.Package{{
		PackageId: &aapt2pb.PackageId{Id: 0x7f},
		Type: []*aapt2pb.Type{{TypeId: &aapt2pb.TypeId{Id: 2}, Name: "bool",
			Entry: []*aapt2pb.Entry{{EntryId: &aapt2pb.EntryId{Id: 0}, Name: "dbg", ConfigValue: cvs}}}},
	}}})
	require.NoError(t, err)
	return b
}

// A debuggable flag set through a resource is read in every configuration
// a device of the app's range can get, as for resources.arsc: any true
// one makes the build debuggable; an API-level configuration shadows the
// default on every device at or above its level.
func TestParseProtoFlagConfigurations(t *testing.T) {
	cfg := map[string][]byte{
		"default": nil,
		"v21":     protowire.AppendVarint(protowire.AppendTag(nil, 24, protowire.VarintType), 21),
		"v30":     protowire.AppendVarint(protowire.AppendTag(nil, 24, protowire.VarintType), 30),
		"land":    protowire.AppendVarint(protowire.AppendTag(nil, 15, protowire.VarintType), 2),
	}
	manifest := func(minSDK int32) []byte {
		return marshalNode(t, protoManifest([]*aapt2pb.XmlAttribute{{Name: "package", Value: "p"}},
			aabgen.Element("uses-sdk", []*aapt2pb.XmlAttribute{aabgen.Attr("minSdkVersion", aabgen.AttrMinSdkVersion, "", aabgen.Int(minSDK))}),
			aabgen.Element("application", []*aapt2pb.XmlAttribute{
				aabgen.Attr("debuggable", aabgen.AttrDebuggable, "@bool/dbg", aabgen.Ref(0x7f020000, "bool/dbg"))})))
	}
	tests := []struct {
		name   string
		minSDK int32
		vals   map[string]bool
		want   bool
	}{
		{"false everywhere", 21, map[string]bool{"default": false}, false},
		{"true in landscape only", 21, map[string]bool{"default": false, "land": true}, true},
		{"true by default, false from API 21, app from 24", 24, map[string]bool{"default": true, "v21": false}, false},
		{"false by default, true from API 30, app from 24", 24, map[string]bool{"default": false, "v30": true}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := ParseProto(manifest(tc.minSDK), boolTable(t, tc.vals, cfg))
			require.NoError(t, err)
			assert.Equal(t, tc.want, m.Debuggable)
			assert.NoError(t, m.ResourcesErr)
		})
	}
}
