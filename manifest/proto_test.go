package manifest

import (
	"errors"
	"testing"

	"github.com/apktrust/apktrust/internal/aabgen"
	"github.com/apktrust/apktrust/internal/aapt2pb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
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
			assert.ErrorIs(t, m.ResourcesErr, ErrResources)
		},
	}, {
		name: "attributes found by resource ID, not by name",
		node: protoManifest([]*aapt2pb.XmlAttribute{pkg,
			aabgen.Attr("renamed", aabgen.AttrVersionCode, "7", aabgen.Int(7)),
			aabgen.Attr("versionCode", 0, "99", aabgen.Int(99))}),
		check: func(t *testing.T, m *Manifest) {
			assert.EqualValues(t, 7, m.VersionCode)
		},
	}, {
		name: "uncompiled values read like the binary reader reads strings",
		node: protoManifest([]*aapt2pb.XmlAttribute{pkg,
			aabgen.Attr("versionCode", aabgen.AttrVersionCode, "0x10", nil)},
			aabgen.Element("uses-sdk", []*aapt2pb.XmlAttribute{aabgen.Attr("minSdkVersion", aabgen.AttrMinSdkVersion, "Tiramisu", nil)})),
		check: func(t *testing.T, m *Manifest) {
			assert.EqualValues(t, 16, m.VersionCode)
			assert.Equal(t, "Tiramisu", m.MinSDKCodename)
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
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseProto(tc.in, nil)
			var fe *FormatError
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
	assert.ErrorIs(t, m.ResourcesErr, ErrResources)
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
// *FormatError other than CodeInternal, and keep the platform's defaults
// on success.
func FuzzParseProto(f *testing.F) {
	for _, s := range protoFuzzSeeds(f) {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, b, res []byte) {
		m, err := ParseProto(b, res)
		if err != nil {
			var fe *FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("error is %T, not *FormatError: %v", err, err)
			}
			if fe.Code == CodeInternal {
				t.Fatalf("internal error: %v", err)
			}
			return
		}
		if m.MinSDK() < 1 {
			t.Fatalf("impossible defaults: minSdk %d", m.MinSDK())
		}
		if m.ResourcesErr != nil && !errors.Is(m.ResourcesErr, ErrResources) {
			t.Fatalf("ResourcesErr is not ErrResources: %v", m.ResourcesErr)
		}
		if m.DebuggableResource != 0 && res == nil && !m.Debuggable {
			t.Fatalf("unresolvable debuggable reference read as false")
		}
	})
}
