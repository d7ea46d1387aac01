package manifest

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apktrust/apktrust/internal/apkentry"
	"github.com/apktrust/apktrust/signer"
)

// This file generates the manifest shapes of issue 12 (and the NUL-cut
// package of issue 21): files a genuine signer could publish, or an
// attacker could build from genuine parts, on which readers of the
// manifest disagree. Each shape states the facts Android reads, or the
// refusal, and where aapt is installed its `aapt dump badging` answer is
// compared.

const victim = "com.victim.app"

// Resource IDs of the shape tables: type 1 integers, type 2 booleans,
// type 3 strings.
const (
	resVersionCode = 0x7f010000
	resTargetSDK   = 0x7f010001
	resDebuggable  = 0x7f020000
	resTestOnly    = 0x7f020001
	resLabel       = 0x7f030000
)

// attackShape is one generated manifest (with its resources.arsc, if
// any) and what a reader must make of it.
type attackShape struct {
	name      string
	manifest  []byte
	resources []byte
	// minSDK is the shape's minSdkVersion (the signer needs it).
	minSDK int
	// want checks the facts; wantCode is the refusal instead.
	want     func(t *testing.T, m *Manifest)
	wantCode Code
	// passesPolicy marks the shapes Android installs as the genuine app
	// (the control, the NUL-cut package, the bomb once bounded), which
	// must stay trusted; every other shape must be rejected.
	passesPolicy bool
	// aapt is what `aapt dump badging` prints for the shape (recorded
	// with the installed aapt): its package line, or its error.
	aapt string
}

// victimManifest is the genuine app: package com.victim.app, versionCode
// 100, minSdk, targetSdk 33, a label. root and app attributes may be
// replaced; extra children are appended.
func victimManifest(minSDK int32, rootAttrs, appAttrs []tAttr, extra ...tElem) tElem {
	if rootAttrs == nil {
		rootAttrs = []tAttr{aPlain("package", victim), aInt("versionCode", attrVersionCode, 100), aStr("versionName", attrVersionName, "1.0")}
	}
	if appAttrs == nil {
		appAttrs = []tAttr{aStr("label", attrLabel, "Victim")}
	}
	kids := []tElem{
		usesSDK(aInt("minSdkVersion", attrMinSdkVersion, minSDK), aInt("targetSdkVersion", attrTargetSdkVersion, 33)),
		el("application", appAttrs),
	}
	return el("manifest", rootAttrs, append(kids, extra...)...)
}

// configTable is the decoy table of the issue: each resource has a
// default value, another in values-v21 and a third in mcc999.
func configTable(def, v21, mcc []tEntry) []byte {
	split := func(es []tEntry) (ints, bools []tEntry) { return es[:2], es[2:] }
	di, db := split(def)
	vi, vb := split(v21)
	mi, mb := split(mcc)
	return buildConfigTable([]string{"Victim"}, []tType{
		{id: 1, entries: di}, {id: 2, entries: db}, {id: 3, entries: []tEntry{{typ: 0x03, data: 0}}},
		{id: 1, config: sdkConfig(21), entries: vi}, {id: 2, config: sdkConfig(21), entries: vb},
		{id: 1, config: mccConfig(999), entries: mi}, {id: 2, config: mccConfig(999), entries: mb},
	})
}

func ival(v uint32) tEntry { return tEntry{typ: 0x10, data: v} }
func bval(v bool) tEntry {
	if v {
		return tEntry{typ: 0x12, data: 0xffffffff}
	}
	return tEntry{typ: 0x12}
}

// bombTable is the resource bomb of the issue: a global string pool of n
// offsets that all name one string of units UTF-16 units, and a string
// resource (the label) that is the last of them.
func bombTable(n, units int) []byte {
	var offs []byte
	for i := 0; i < n; i++ {
		offs = append(offs, le32(0)...)
	}
	data := append(le16(uint16(units)), bytes.Repeat([]byte{'x', 0}, units)...)
	data = append(data, 0, 0)
	for len(data)%4 != 0 {
		data = append(data, 0)
	}
	hdr := append(le32(uint32(n)), le32(0)...)
	hdr = append(hdr, le32(0)...) // UTF-16
	hdr = append(hdr, le32(uint32(28+len(offs)))...)
	hdr = append(hdr, le32(0)...)
	pool := chunk(0x0001, 28, hdr, append(offs, data...))
	t := buildConfigTable(nil, []tType{{id: 3, entries: []tEntry{{typ: 0x03, data: uint32(n - 1)}}}})
	// Swap the empty global pool of t for the bomb pool.
	oldLen := int(le32u(t[12+4:]))
	body := append(pool, t[12+oldLen:]...)
	return chunk(0x0002, 12, le32(1), body)
}

func uintString(v int32) string { return strconv.FormatUint(uint64(uint32(v)), 10) }

func le32u(b []byte) uint32 {
	return uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24
}

func attackShapes() []attackShape {
	std := func(m tElem) []byte { return buildXML(m, false) }
	refApp := func(extra ...tAttr) []tAttr { return append([]tAttr{aStr("label", attrLabel, "Victim")}, extra...) }
	decoy := configTable(
		[]tEntry{ival(100), ival(21), bval(false), bval(false)},
		[]tEntry{ival(1), ival(30), bval(true), bval(true)},
		[]tEntry{ival(100), ival(21), bval(false), bval(false)},
	)
	return []attackShape{
		{name: "control", aapt: "package: name='com.victim.app' versionCode='100' versionName='1.0'", minSDK: 24, manifest: std(victimManifest(24, nil, nil)), passesPolicy: true,
			want: func(t *testing.T, m *Manifest) {
				assert.Equal(t, victim, m.Package)
				assert.Equal(t, int32(100), m.VersionCode)
				assert.False(t, m.Debuggable)
			}},
		{name: "package typed victim, raw evil", aapt: "package: name='com.evil.app' versionCode='100'", minSDK: 24,
			manifest: std(victimManifest(24, []tAttr{{name: "package", noNS: true, typ: 0x03, str: victim, raw: "com.evil.app"}, aInt("versionCode", attrVersionCode, 100)}, nil)),
			want: func(t *testing.T, m *Manifest) {
				assert.Equal(t, "com.evil.app", m.Package, "Android reads the raw string")
			}},
		{name: "package typed without raw", aapt: "package: name='' versionCode='100'", minSDK: 24,
			manifest: std(victimManifest(24, []tAttr{{name: "package", noNS: true, typ: 0x03, str: victim, noRaw: true}, aInt("versionCode", attrVersionCode, 100)}, nil)),
			wantCode: CodeRefused},
		{name: "versionCode as a string", aapt: "ERROR getting 'android:versionCode' attribute: attribute is not an integer value", minSDK: 24,
			manifest: std(victimManifest(24, []tAttr{aPlain("package", victim), aStr("versionCode", attrVersionCode, "100")}, nil)),
			wantCode: CodeRefused},
		{name: "versionCode as a hex string", aapt: "ERROR getting 'android:versionCode' attribute: attribute is not an integer value", minSDK: 24,
			manifest: std(victimManifest(24, []tAttr{aPlain("package", victim), aStr("versionCode", attrVersionCode, "0x7fffffff")}, nil)),
			wantCode: CodeRefused},
		{name: "versionCode reference, 1 in values-v21", aapt: "ERROR getting 'android:versionCode' attribute: attribute is not an integer value", minSDK: 24, resources: decoy,
			manifest: std(victimManifest(24, []tAttr{aPlain("package", victim), aRef("versionCode", attrVersionCode, resVersionCode)}, nil)),
			want: func(t *testing.T, m *Manifest) {
				assert.Equal(t, int32(1), m.VersionCode, "the lowest over the configurations")
			}},
		{name: "versionCode reference, 1 by default, 100 in values-v21 and mcc999", passesPolicy: true, minSDK: 24, aapt: "ERROR getting 'android:versionCode' attribute: attribute is not an integer value",
			resources: configTable([]tEntry{ival(1), ival(21), bval(false), bval(false)}, []tEntry{ival(100), ival(30), bval(false), bval(false)}, []tEntry{ival(100), ival(21), bval(false), bval(false)}),
			manifest:  std(victimManifest(24, []tAttr{aPlain("package", victim), aRef("versionCode", attrVersionCode, resVersionCode)}, nil)),
			want: func(t *testing.T, m *Manifest) {
				assert.Equal(t, int32(100), m.VersionCode, "from API 24 on values-v21 shadows the default: no device reads 1")
			}},
		{name: "debuggable reference, true in values-v21, mcc999 decoy", aapt: "package: name='com.victim.app' versionCode='100'", minSDK: 24, resources: decoy,
			manifest: std(victimManifest(24, nil, refApp(aRef("debuggable", attrDebuggable, resDebuggable)))),
			want:     func(t *testing.T, m *Manifest) { assert.True(t, m.Debuggable, "a configuration says true") }},
		{name: "testOnly reference, true in values-v21, mcc999 decoy", aapt: "ERROR getting 'android:testOnly' attribute: attribute is not an integer value", minSDK: 24, resources: decoy,
			manifest: std(victimManifest(24, nil, refApp(aRef("testOnly", attrTestOnly, resTestOnly)))),
			want:     func(t *testing.T, m *Manifest) { assert.True(t, m.TestOnly, "a configuration says true") }},
		{name: "targetSdk reference to 30, v1 only", aapt: "ERROR getting 'android:targetSdkVersion' attribute: attribute is not a string value", minSDK: 19, resources: decoy,
			manifest: std(el("manifest", []tAttr{aPlain("package", victim), aInt("versionCode", attrVersionCode, 100)},
				usesSDK(aInt("minSdkVersion", attrMinSdkVersion, 19), aRef("targetSdkVersion", attrTargetSdkVersion, resTargetSDK)),
				el("application", refApp()))),
			want: func(t *testing.T, m *Manifest) {
				assert.Equal(t, 30, m.TargetSDK(), "the highest target over the configurations")
			}},
		{name: "namespaced debuggable application first", aapt: "package: name='com.victim.app' versionCode='100'", minSDK: 24,
			manifest: std(el("manifest", []tAttr{aPlain("package", victim), aInt("versionCode", attrVersionCode, 100)},
				usesSDK(aInt("minSdkVersion", attrMinSdkVersion, 24)),
				tElem{name: "application", ns: true, attrs: []tAttr{aBool("debuggable", attrDebuggable, true)}},
				el("application", refApp()))),
			want: func(t *testing.T, m *Manifest) {
				assert.True(t, m.Debuggable, "the platform uses the first, namespaced, <application>")
			}},
		{name: "versionCode after a higher attribute ID", aapt: "package: name='com.victim.app' versionCode='100'", minSDK: 24,
			manifest: std(el("manifest", nil,
				usesSDK(aInt("minSdkVersion", attrMinSdkVersion, 24)), el("application", refApp()),
			).withAttrs(true, aPlain("package", victim), aStr("versionName", attrVersionName, "1.0"), aInt("versionCode", attrVersionCode, 100))),
			wantCode: CodeAmbiguous},
		{name: "NUL inside the package (issue 21)", passesPolicy: true, aapt: "package: name='com.victim.app' versionCode='100'", minSDK: 24,
			manifest: buildXML(victimManifest(24, []tAttr{aPlain("package", victim+"\x00evil"), aInt("versionCode", attrVersionCode, 100)}, nil), true),
			want:     func(t *testing.T, m *Manifest) { assert.Equal(t, victim, m.Package, "NewStringUTF stops at the NUL") }},
		{name: "resource bomb label", passesPolicy: true, aapt: "package: name='com.victim.app' versionCode='100'", minSDK: 24, resources: bombTable(40000, 16000),
			manifest: std(victimManifest(24, nil, []tAttr{aRef("label", attrLabel, resLabel)})),
			want: func(t *testing.T, m *Manifest) {
				assert.Len(t, m.Label, 16000, "resolved once, within the budget")
				assert.NoError(t, m.ResourcesErr)
			}},
	}
}

// withAttrs sets the element's attributes, in the given order when keep.
func (e tElem) withAttrs(keep bool, attrs ...tAttr) tElem {
	e.attrs, e.keepOrder = attrs, keep
	return e
}

// shapeAPK writes an unsigned APK of the shape.
func (s attackShape) apk(t testing.TB) []byte {
	files := []zipFile{{name: ManifestEntry, data: s.manifest}}
	if s.resources != nil {
		files = append(files, zipFile{name: apkentry.Resources, data: s.resources, stored: true})
	}
	return zipBytes(t, files...)
}

func TestAttackShapes(t *testing.T) {
	_, aaptErr := exec.LookPath("aapt")
	agreed, aaptAnswered := 0, 0
	for _, s := range attackShapes() {
		t.Run(s.name, func(t *testing.T) {
			apk := s.apk(t)
			m, err := fromArchive(openZipBytes(t, apk))
			if s.wantCode != "" {
				var fe *signer.Error
				require.ErrorAs(t, err, &fe)
				assert.Equal(t, s.wantCode, fe.Code, fe.Error())
			} else {
				require.NoError(t, err)
				s.want(t, m)
			}
			if aaptErr != nil {
				return
			}
			path := filepath.Join(t.TempDir(), "shape.apk")
			require.NoError(t, os.WriteFile(path, apk, 0o644))
			out, aerr := exec.Command("aapt", "dump", "badging", path).CombinedOutput()
			first := strings.SplitN(string(out), "\n", 2)[0]
			t.Logf("aapt dump badging (exit error %v): %s", aerr, first)
			assert.Contains(t, first, s.aapt, "the recorded aapt answer")
			if aerr != nil || m == nil {
				return // aapt refuses, or we do: nothing to compare
			}
			aaptAnswered++
			b := parseBadging(string(out))
			assert.Equal(t, b.pkg, m.Package, "aapt package")
			if b.versionCode != "" {
				assert.Equal(t, b.versionCode, uintString(m.VersionCode), "aapt versionCode")
			}
			assert.Equal(t, b.debuggable, m.Debuggable, "aapt debuggable")
			if !t.Failed() {
				agreed++
			}
		})
	}
	if aaptErr == nil {
		t.Logf("%d shapes: aapt answered %d that apktrust accepts, and agreed on %d", len(attackShapes()), aaptAnswered, agreed)
	}
}
