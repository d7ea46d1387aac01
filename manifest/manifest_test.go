package manifest

import (
	"encoding/binary"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apktrust/apktrust/signer"
)

func usesSDK(attrs ...tAttr) tElem { return el("uses-sdk", attrs) }

func TestParseSDKValues(t *testing.T) {
	tests := []struct {
		name         string
		kids         []tElem
		wantMin      int
		wantCodename string
		wantTarget   int // TargetSDK()
		wantUsesSDK  bool
		wantCode     Code // error expected
	}{
		{name: "no uses-sdk defaults to 1", wantMin: 1, wantTarget: 1},
		{name: "uses-sdk without attributes", kids: []tElem{usesSDK()}, wantMin: 1, wantTarget: 1, wantUsesSDK: true},
		{name: "min and target", kids: []tElem{usesSDK(aInt("minSdkVersion", attrMinSdkVersion, 21), aInt("targetSdkVersion", attrTargetSdkVersion, 33))},
			wantMin: 21, wantTarget: 33, wantUsesSDK: true},
		{name: "target defaults to min", kids: []tElem{usesSDK(aInt("minSdkVersion", attrMinSdkVersion, 24))}, wantMin: 24, wantTarget: 24, wantUsesSDK: true},
		{name: "highest of several uses-sdk", kids: []tElem{
			usesSDK(aInt("minSdkVersion", attrMinSdkVersion, 14)),
			usesSDK(aInt("minSdkVersion", attrMinSdkVersion, 28)),
			usesSDK(aInt("minSdkVersion", attrMinSdkVersion, 21)),
		}, wantMin: 28, wantTarget: 28, wantUsesSDK: true},
		{name: "codename P maps one below its release", kids: []tElem{usesSDK(aStr("minSdkVersion", attrMinSdkVersion, "P"))},
			wantMin: 26, wantCodename: "P", wantTarget: 26, wantUsesSDK: true},
		{name: "codename Tiramisu", kids: []tElem{usesSDK(aStr("minSdkVersion", attrMinSdkVersion, "Tiramisu"), aStr("targetSdkVersion", attrTargetSdkVersion, "Tiramisu"))},
			wantMin: 30, wantCodename: "Tiramisu", wantTarget: 30, wantUsesSDK: true},
		{name: "codename in the table (N)", kids: []tElem{usesSDK(aStr("minSdkVersion", attrMinSdkVersion, "N"))}, wantMin: 23, wantCodename: "N", wantTarget: 23, wantUsesSDK: true},
		{name: "codename before the table (B)", kids: []tElem{usesSDK(aStr("minSdkVersion", attrMinSdkVersion, "Base"))}, wantMin: 1, wantCodename: "Base", wantTarget: 1, wantUsesSDK: true},
		{name: "numeric string is not a codename", kids: []tElem{usesSDK(aStr("minSdkVersion", attrMinSdkVersion, "19"))}, wantCode: CodeMinSDK},
		{name: "lower-case codename", kids: []tElem{usesSDK(aStr("minSdkVersion", attrMinSdkVersion, "tiramisu"))}, wantCode: CodeMinSDK},
		{name: "empty codename", kids: []tElem{usesSDK(aStr("minSdkVersion", attrMinSdkVersion, ""))}, wantCode: CodeMinSDK},
		{name: "reference minSdk", kids: []tElem{usesSDK(aRef("minSdkVersion", attrMinSdkVersion, 0x7f010000))}, wantCode: CodeMinSDK},
		{name: "boolean minSdk", kids: []tElem{usesSDK(aBool("minSdkVersion", attrMinSdkVersion, true))}, wantCode: CodeMinSDK},
		{name: "reference target falls back to min", kids: []tElem{usesSDK(aInt("minSdkVersion", attrMinSdkVersion, 19), aRef("targetSdkVersion", attrTargetSdkVersion, 0x7f010000))},
			wantMin: 19, wantTarget: 19, wantUsesSDK: true},
		{name: "uses-sdk nested deeper is ignored for min", kids: []tElem{el("application", nil, usesSDK(aInt("minSdkVersion", attrMinSdkVersion, 30)))},
			wantMin: 1, wantTarget: 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, utf8 := range []bool{false, true} {
				m, err := Parse(buildXML(minimalManifest(tc.kids...), utf8))
				if tc.wantCode != "" {
					require.Error(t, err)
					assert.ErrorIs(t, err, tc.wantCode)
					continue
				}
				require.NoError(t, err)
				assert.Equal(t, tc.wantMin, m.MinSDK())
				assert.Equal(t, tc.wantMin, m.MinSDKVersion)
				assert.Equal(t, tc.wantCodename, m.MinSDKCodename)
				assert.Equal(t, tc.wantTarget, m.TargetSDK())
				assert.Equal(t, tc.wantUsesSDK, m.UsesSDK)
			}
		})
	}
}

func TestParseIdentityAndFlags(t *testing.T) {
	doc := el("manifest", []tAttr{
		aInt("versionCode", attrVersionCode, -2), // 0xfffffffe as unsigned
		aInt("versionCodeMajor", attrVersionCodeMajor, 3),
		aStr("versionName", attrVersionName, "9.9-beta"),
		aStr("sharedUserId", attrSharedUserID, "android.uid.system"),
		aInt("targetSandboxVersion", attrTargetSandboxVersion, 2),
		aBool("isFeatureSplit", attrIsFeatureSplit, true),
		aBool("isSplitRequired", attrIsSplitRequired, true),
		aPlain("package", "com.example.app"),
		aPlain("split", "feature.maps"),
	},
		usesSDK(aInt("minSdkVersion", attrMinSdkVersion, 26), aInt("maxSdkVersion", attrMaxSdkVersion, 30)),
		el("uses-permission", []tAttr{aStr("name", attrName, "android.permission.INTERNET")}),
		el("uses-permission", []tAttr{aStr("name", attrName, "android.permission.READ_CONTACTS"), aInt("maxSdkVersion", attrMaxSdkVersion, 22)}),
		el("uses-permission-sdk-23", []tAttr{aStr("name", attrName, "android.permission.CAMERA")}),
		el("uses-permission", nil), // nameless: skipped like the platform does
		el("permission", []tAttr{aStr("name", attrName, "com.example.app.PING"), tAttr{name: "protectionLevel", id: attrProtectionLevel, typ: 0x11, data: 2, noRaw: true}}),
		el("application", []tAttr{aStr("label", attrLabel, "Example"), aBool("debuggable", attrDebuggable, true), aBool("testOnly", attrTestOnly, true)},
			el("meta-data", []tAttr{aStr("name", attrName, MetaStampSource), aStr("value", attrValue, "https://play.google.com/store")}),
			el("meta-data", []tAttr{aStr("name", attrName, MetaStampType), aStr("value", attrValue, "STAMP_TYPE_DISTRIBUTION_APK")}),
			el("meta-data", []tAttr{aStr("name", attrName, MetaDerivedAPKID), aInt("value", attrValue, 2)}),
			el("meta-data", []tAttr{aStr("name", attrName, MetaSplitsRequired), aBool("value", attrValue, true)}),
			el("meta-data", []tAttr{aStr("name", attrName, "res"), aRef("resource", attrResource, 0x7f0a0001)}),
			el("meta-data", []tAttr{aStr("name", attrName, "float"), {name: "value", id: attrValue, typ: 0x04, data: 0x3fc00000, noRaw: true}}),
			el("activity", nil, el("meta-data", []tAttr{aStr("name", attrName, "activity.only"), aInt("value", attrValue, 1)})),
		),
	)
	m, err := Parse(buildXML(doc, false))
	require.NoError(t, err)
	assert.Equal(t, "com.example.app", m.Package)
	assert.Equal(t, int32(-2), m.VersionCode)
	assert.Equal(t, int32(3), m.VersionCodeMajor)
	assert.Equal(t, int64(3)<<32|0xfffffffe, m.LongVersionCode)
	assert.Equal(t, "9.9-beta", m.VersionName)
	assert.Equal(t, "android.uid.system", m.SharedUserID)
	assert.Equal(t, 2, m.TargetSandboxVersion)
	assert.Equal(t, "feature.maps", m.Split)
	assert.True(t, m.IsFeatureSplit)
	assert.True(t, m.IsSplitRequired)
	assert.Equal(t, 26, m.MinSDK())
	assert.Equal(t, 30, m.MaxSDKVersion)
	assert.True(t, m.Debuggable)
	assert.True(t, m.TestOnly)
	assert.Equal(t, "Example", m.Label)
	assert.Equal(t, []UsesPermission{
		{Name: "android.permission.INTERNET"},
		{Name: "android.permission.READ_CONTACTS", MaxSDKVersion: 22},
		{Name: "android.permission.CAMERA", SDK23: true},
	}, m.UsesPermissions)
	assert.Equal(t, []Permission{{Name: "com.example.app.PING", ProtectionLevel: 2}}, m.Permissions)
	assert.Equal(t, []MetaData{
		{Name: MetaStampSource, Kind: MetaString, String: "https://play.google.com/store"},
		{Name: MetaStampType, Kind: MetaString, String: "STAMP_TYPE_DISTRIBUTION_APK"},
		{Name: MetaDerivedAPKID, Kind: MetaInt, Int: 2},
		{Name: MetaSplitsRequired, Kind: MetaBool, Bool: true},
		{Name: "res", Kind: MetaResource, Resource: 0x7f0a0001},
		{Name: "float", Kind: MetaFloat, Float: 1.5},
	}, m.MetaData, "only direct children of <application> count")
	d, ok := m.Meta(MetaDerivedAPKID)
	assert.True(t, ok)
	assert.Equal(t, int64(2), d.Int)
}

func TestParseDefaults(t *testing.T) {
	m, err := Parse(buildXML(el("manifest", []tAttr{aPlain("package", "p")}), false))
	require.NoError(t, err)
	assert.Equal(t, "p", m.Package)
	assert.Equal(t, 1, m.MinSDK())
	assert.Equal(t, 1, m.TargetSDK())
	assert.Equal(t, 1, m.TargetSandboxVersion, "apksig's default sandbox version")
	assert.False(t, m.Debuggable)
	assert.False(t, m.TestOnly)
	assert.Zero(t, m.LongVersionCode)

	var zero Manifest
	assert.Equal(t, 1, zero.MinSDK(), "zero value still answers Android's default")
	assert.Equal(t, 1, zero.TargetSDK())
}

// A manifest whose android: attribute names were emptied or renamed must
// read the same: Android identifies them by resource ID.
func TestParseStrippedAttributeNames(t *testing.T) {
	for _, rename := range []func(string) string{
		func(string) string { return "" },
		func(s string) string { return strings.ToUpper(s) + "_x" },
	} {
		var walk func(e tElem) tElem
		walk = func(e tElem) tElem {
			out := tElem{name: e.name}
			for _, a := range e.attrs {
				if a.id != 0 {
					a.name = rename(a.name)
				}
				out.attrs = append(out.attrs, a)
			}
			for _, k := range e.kids {
				out.kids = append(out.kids, walk(k))
			}
			return out
		}
		doc := walk(minimalManifest(
			usesSDK(aInt("minSdkVersion", attrMinSdkVersion, 21), aInt("targetSdkVersion", attrTargetSdkVersion, 33)),
			el("application", []tAttr{aBool("debuggable", attrDebuggable, true)}),
		))
		m, err := Parse(buildXML(doc, false))
		require.NoError(t, err)
		assert.Equal(t, "dev.apktrust.test", m.Package)
		assert.Equal(t, 21, m.MinSDK())
		assert.Equal(t, 33, m.TargetSDK())
		assert.Equal(t, int32(7), m.VersionCode)
		assert.Equal(t, "1.2.3", m.VersionName)
		assert.True(t, m.Debuggable)
	}
}

// An attribute that only looks like android:minSdkVersion (right name,
// no resource ID) must not shadow the real one, wherever it sits.
func TestParseForgedNameDoesNotShadow(t *testing.T) {
	forged := tAttr{name: "minSdkVersion", typ: 0x10, data: 99, noRaw: true} // android: namespace, no ID
	forgedPkg := tAttr{name: "package", typ: 0x03, str: "evil.pkg"}          // in the android: namespace
	doc := el("manifest", []tAttr{forgedPkg, aPlain("package", "good.pkg")},
		usesSDK(forged, aInt("minSdkVersion", attrMinSdkVersion, 21)),
		el("application", []tAttr{{name: "debuggable", typ: 0x12, data: 0xffffffff, noRaw: true}}),
	)
	m, err := Parse(buildXML(doc, false))
	require.NoError(t, err)
	assert.Equal(t, 21, m.MinSDK())
	assert.Equal(t, "good.pkg", m.Package, "android:package is not the package attribute")
	assert.False(t, m.Debuggable, "a debuggable without the resource ID is not android:debuggable")
}

func TestParseDebuggableValues(t *testing.T) {
	tests := []struct {
		name string
		attr tAttr
		want bool
		ref  uint32
	}{
		{"boolean true", aBool("debuggable", attrDebuggable, true), true, 0},
		{"boolean false", aBool("debuggable", attrDebuggable, false), false, 0},
		{"string TRUE", aStr("debuggable", attrDebuggable, "TRUE"), true, 0},
		{"string yes", aStr("debuggable", attrDebuggable, "yes"), false, 0},
		{"integer 2", aInt("debuggable", attrDebuggable, 2), true, 0},
		{"unresolvable reference fails safe", aRef("debuggable", attrDebuggable, 0x7f030000), true, 0x7f030000},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := Parse(buildXML(minimalManifest(el("application", []tAttr{tc.attr})), true))
			require.NoError(t, err)
			assert.Equal(t, tc.want, m.Debuggable)
			assert.Equal(t, tc.ref, m.DebuggableResource)
		})
	}
}

func TestParseRejectsMalformed(t *testing.T) {
	good := buildXML(minimalManifest(usesSDK(aInt("minSdkVersion", attrMinSdkVersion, 21))), false)
	poolOff := 8
	poolSize := int(binary.LittleEndian.Uint32(good[poolOff+4:]))
	firstElem := func(b []byte) int { // offset of the first start-element chunk
		for off := 8; off+8 <= len(b); off += int(binary.LittleEndian.Uint32(b[off+4:])) {
			if binary.LittleEndian.Uint16(b[off:]) == 0x0102 {
				return off
			}
		}
		return -1
	}
	mut := func(f func(b []byte) []byte) []byte {
		return f(append([]byte(nil), good...))
	}
	tests := []struct {
		name string
		in   []byte
		code Code
	}{
		{"empty", nil, CodeTruncated},
		{"plain-text XML", []byte(`<?xml version="1.0"?><manifest/>`), CodeNotBinaryXML},
		{"protobuf-like bytes", []byte{0x0a, 0x08, 0x6d, 0x61, 0x6e, 0x69, 0x66, 0x65, 0x73, 0x74}, CodeNotBinaryXML},
		{"truncated by one byte", good[:len(good)-1], CodeTruncated},
		{"truncated to half", good[:len(good)/2], CodeTruncated},
		{"XML header larger than its chunk", mut(func(b []byte) []byte { binary.LittleEndian.PutUint16(b[2:], 0xffff); return b }), CodeMalformed},
		{"string count beyond the pool", mut(func(b []byte) []byte { binary.LittleEndian.PutUint32(b[poolOff+8:], 0x7fffffff); return b }), CodeMalformed},
		{"style count beyond the pool", mut(func(b []byte) []byte { binary.LittleEndian.PutUint32(b[poolOff+12:], 0xffffffff); return b }), CodeMalformed},
		{"pool chunk size past the end", mut(func(b []byte) []byte {
			binary.LittleEndian.PutUint32(b[poolOff+4:], uint32(poolSize+0x10000))
			return b
		}), CodeTruncated},
		{"misaligned chunk", mut(func(b []byte) []byte { binary.LittleEndian.PutUint32(b[poolOff+4:], uint32(poolSize-2)); return b }), CodeMalformed},
		{"element name out of the pool", mut(func(b []byte) []byte {
			binary.LittleEndian.PutUint32(b[firstElem(b)+20:], 0xfffffff0)
			return b
		}), CodeMalformed},
		{"attribute count beyond the element", mut(func(b []byte) []byte {
			binary.LittleEndian.PutUint16(b[firstElem(b)+28:], 0xffff)
			return b
		}), CodeTruncated},
		{"attribute size below 20", mut(func(b []byte) []byte {
			binary.LittleEndian.PutUint16(b[firstElem(b)+26:], 4)
			return b
		}), CodeMalformed},
		{"zero-sized chunk", mut(func(b []byte) []byte {
			binary.LittleEndian.PutUint32(b[firstElem(b)+4:], 0)
			return b
		}), CodeMalformed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := Parse(tc.in)
			require.Error(t, err)
			assert.Nil(t, m)
			var fe *signer.Error
			require.True(t, errors.As(err, &fe), "%T", err)
			assert.Equal(t, tc.code, fe.Code, "%v", err)
			assert.ErrorIs(t, err, tc.code)
			assert.Contains(t, err.Error(), string(tc.code))
		})
	}
}

func TestParseRejectsBadStructure(t *testing.T) {
	deep := el("x", nil)
	for i := 0; i < maxDepth+5; i++ {
		deep = el("x", nil, deep)
	}
	tests := []struct {
		name string
		doc  tElem
		code Code
	}{
		{"root is not manifest", el("application", nil), CodeBadRoot},
		{"nesting deeper than the limit", minimalManifest(deep), CodeLimit},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(buildXML(tc.doc, false))
			assert.ErrorIs(t, err, tc.code)
		})
	}

	// Two root elements: append a second copy of the element chunks.
	one := buildXML(el("manifest", []tAttr{aPlain("package", "a")}), false)
	var elems []byte
	for off := 8; off+8 <= len(one); {
		sz := int(binary.LittleEndian.Uint32(one[off+4:]))
		if typ := binary.LittleEndian.Uint16(one[off:]); typ == 0x0102 || typ == 0x0103 {
			elems = append(elems, one[off:off+sz]...)
		}
		off += sz
	}
	two := append(append([]byte(nil), one...), elems...)
	binary.LittleEndian.PutUint32(two[4:], uint32(len(two)))
	_, err := Parse(two)
	assert.ErrorIs(t, err, CodeBadRoot)

	// An end element with nothing open.
	stray := append(append([]byte(nil), one...), elems[len(elems)-24:]...)
	binary.LittleEndian.PutUint32(stray[4:], uint32(len(stray)))
	_, err = Parse(stray)
	assert.ErrorIs(t, err, CodeMalformed)

	// A document cut after a start element ends inside it.
	open := append([]byte(nil), one[:len(one)-24-24]...) // drop end element and end namespace
	binary.LittleEndian.PutUint32(open[4:], uint32(len(open)))
	_, err = Parse(open)
	assert.ErrorIs(t, err, CodeTruncated)
}

func TestErrorMatching(t *testing.T) {
	err := errorf(CodeTruncated, 12, "cut")
	assert.ErrorIs(t, err, CodeTruncated)
	assert.NotErrorIs(t, err, CodeMalformed)
	assert.Equal(t, "MANIFEST_TRUNCATED: cut (offset 12)", err.Error())
	wrapped := &signer.Error{Code: CodeRead, Msg: "x", Err: errors.New("io")}
	assert.ErrorIs(t, wrapped, CodeRead)
	assert.Equal(t, "io", errors.Unwrap(wrapped).Error())
}

func TestCodenameAPILevel(t *testing.T) {
	tests := []struct {
		in   string
		want int
		ok   bool
	}{
		{"A", 1, true}, {"B", 1, true}, {"Cupcake", 2, true}, {"Donut", 3, true},
		{"Froyo", 8 - 1, true}, {"Honeycomb", 10, true}, {"KitKat", 18, true},
		{"O", 25, true}, {"P", 26, true}, {"Q", 27, true}, {"S", 29, true},
		{"UpsideDownCake", 31, true}, {"VanillaIceCream", 32, true}, {"Z", 36, true},
		{"", 0, false}, {"1", 0, false}, {"tiramisu", 0, false}, {"Éclair", 0, false},
	}
	for _, tc := range tests {
		got, ok := codenameAPILevel(tc.in)
		assert.Equal(t, tc.ok, ok, tc.in)
		assert.Equal(t, tc.want, got, tc.in)
	}
}

// String indexes that all point at the same long string decode it once:
// the pool caches by offset, as repeated offsets cost the platform nothing.
func TestParseOverlappingStringsBounded(t *testing.T) {
	long := strings.Repeat("x", 40000)
	doc := el("manifest", []tAttr{aInt(long, attrVersionCode, 1)},
		el("a", nil), el("b", nil), el("c", nil), el("d", nil), el("e", nil), el("f", nil))
	b := buildXML(doc, false)
	pool := 8
	count := int(binary.LittleEndian.Uint32(b[pool+8:]))
	for i := 0; i < count; i++ {
		binary.LittleEndian.PutUint32(b[pool+28+4*i:], 0) // every string is the long one
	}
	d, err := parseDocument(b)
	require.NoError(t, err)
	assert.Len(t, d.pool.cache, 1, "one decode for every index")
	_, err = Parse(b)
	assert.ErrorIs(t, err, CodeBadRoot, "the root is now the long string")
}
