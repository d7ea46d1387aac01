package manifest

import (
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// This file reads `aapt dump xmltree` and `aapt dump badging` output so
// tests can compare every Manifest field with what aapt says about the
// same file.

type xtAttr struct {
	name  string
	id    uint32
	kind  string // "string", "int", "ref"
	str   string
	num   uint32
	typ   uint8
	isRaw bool // a string shown as "..." (Raw: "...")
}

type xtElem struct {
	name  string
	depth int
	attrs []xtAttr
	kids  []*xtElem
}

var (
	reXTElem = regexp.MustCompile(`^(\s*)E: (\S+) \(line=\d+\)$`)
	reXTAttr = regexp.MustCompile(`^\s*A: (?:[^=(]*:)?([^=(:]*)(?:\((0x[0-9a-f]{8})\))?=(.*)$`)
	reXTType = regexp.MustCompile(`^\(type (0x[0-9a-f]+)\)(0x[0-9a-f]+)`)
	reXTStr  = regexp.MustCompile(`^"(.*)" \(Raw: "(.*)"\)$`)
	reXTRef  = regexp.MustCompile(`^@(0x[0-9a-f]{8})$`)
)

// parseXMLTree parses aapt's xmltree dump into a tree rooted at a virtual
// document element.
func parseXMLTree(t testing.TB, text string) *xtElem {
	doc := &xtElem{depth: -1}
	stack := []*xtElem{doc}
	for _, line := range strings.Split(text, "\n") {
		if m := reXTElem.FindStringSubmatch(line); m != nil {
			depth := len(m[1]) / 2
			for len(stack) > 1 && stack[len(stack)-1].depth >= depth {
				stack = stack[:len(stack)-1]
			}
			e := &xtElem{name: m[2], depth: depth}
			parent := stack[len(stack)-1]
			parent.kids = append(parent.kids, e)
			stack = append(stack, e)
			continue
		}
		m := reXTAttr.FindStringSubmatch(line)
		if m == nil || len(stack) < 2 {
			continue
		}
		a := xtAttr{name: m[1]}
		if m[2] != "" {
			id, err := strconv.ParseUint(m[2][2:], 16, 32)
			require.NoError(t, err)
			a.id = uint32(id)
		}
		v := m[3]
		switch {
		case reXTStr.MatchString(v):
			s := reXTStr.FindStringSubmatch(v)
			a.kind, a.str, a.isRaw = "string", s[1], true
		case reXTType.MatchString(v):
			s := reXTType.FindStringSubmatch(v)
			ty, _ := strconv.ParseUint(s[1][2:], 16, 8)
			n, _ := strconv.ParseUint(s[2][2:], 16, 32)
			a.kind, a.typ, a.num = "int", uint8(ty), uint32(n)
		case reXTRef.MatchString(v):
			n, _ := strconv.ParseUint(reXTRef.FindStringSubmatch(v)[1][2:], 16, 32)
			a.kind, a.num = "ref", uint32(n)
		default:
			a.kind = "other"
		}
		stack[len(stack)-1].attrs = append(stack[len(stack)-1].attrs, a)
	}
	return doc
}

func (e *xtElem) attr(id uint32) *xtAttr {
	for i := range e.attrs {
		if e.attrs[i].id == id {
			return &e.attrs[i]
		}
	}
	return nil
}

func (e *xtElem) plain(name string) *xtAttr {
	for i := range e.attrs {
		if e.attrs[i].id == 0 && e.attrs[i].name == name {
			return &e.attrs[i]
		}
	}
	return nil
}

func (e *xtElem) children(name string) []*xtElem {
	var out []*xtElem
	for _, k := range e.kids {
		if k.name == name {
			out = append(out, k)
		}
	}
	return out
}

// badging holds the `aapt dump badging` lines the tests use.
type badging struct {
	pkg, versionCode, versionName, split string
	sdk, targetSdk                       string
	label                                string
	hasLabel, debuggable, testOnly       bool
}

var reBadgingKV = regexp.MustCompile(`(\w+)='([^']*)'`)

func parseBadging(text string) badging {
	var b badging
	for _, line := range strings.Split(text, "\n") {
		switch {
		case strings.HasPrefix(line, "package: "):
			for _, m := range reBadgingKV.FindAllStringSubmatch(line, -1) {
				switch m[1] {
				case "name":
					b.pkg = m[2]
				case "versionCode":
					b.versionCode = m[2]
				case "versionName":
					b.versionName = m[2]
				case "split":
					b.split = m[2]
				}
			}
		case strings.HasPrefix(line, "sdkVersion:'"):
			b.sdk = strings.TrimSuffix(strings.TrimPrefix(line, "sdkVersion:'"), "'")
		case strings.HasPrefix(line, "targetSdkVersion:'"):
			b.targetSdk = strings.TrimSuffix(strings.TrimPrefix(line, "targetSdkVersion:'"), "'")
		case strings.HasPrefix(line, "application-label:'"):
			b.label, b.hasLabel = strings.TrimSuffix(strings.TrimPrefix(line, "application-label:'"), "'"), true
		case line == "application-debuggable":
			b.debuggable = true
		case strings.HasPrefix(line, "testOnly='"):
			b.testOnly = line != "testOnly='0'"
		}
	}
	return b
}

// compareWithAapt checks every Manifest field against aapt's view of the
// same file. xmltree is required; badging may be empty when aapt could
// not produce it.
func compareWithAapt(t *testing.T, m *Manifest, badgingText, xmltreeText string) {
	t.Helper()
	doc := parseXMLTree(t, xmltreeText)
	require.Len(t, doc.kids, 1, "one root element")
	root := doc.kids[0]
	require.Equal(t, "manifest", root.name)

	str := func(a *xtAttr) string {
		if a == nil || a.kind != "string" {
			return ""
		}
		return a.str
	}
	num := func(a *xtAttr, def int) int {
		if a == nil || a.kind != "int" {
			return def
		}
		return int(int32(a.num))
	}
	flag := func(a *xtAttr) bool { return a != nil && a.kind == "int" && a.num != 0 }

	assert.Equal(t, str(root.plain("package")), m.Package, "package")
	assert.Equal(t, str(root.plain("split")), m.Split, "split")
	assert.Equal(t, num(root.attr(attrVersionCode), 0), int(m.VersionCode), "versionCode")
	assert.Equal(t, num(root.attr(attrVersionCodeMajor), 0), int(m.VersionCodeMajor), "versionCodeMajor")
	assert.Equal(t, int64(num(root.attr(attrVersionCodeMajor), 0))<<32|int64(uint32(num(root.attr(attrVersionCode), 0))), m.LongVersionCode)
	if a := root.attr(attrVersionName); a == nil || a.kind == "string" {
		assert.Equal(t, str(a), m.VersionName, "versionName")
	}
	assert.Equal(t, str(root.attr(attrSharedUserID)), m.SharedUserID, "sharedUserId")
	assert.Equal(t, num(root.attr(attrTargetSandboxVersion), 1), m.TargetSandboxVersion, "targetSandboxVersion")
	assert.Equal(t, flag(root.attr(attrIsFeatureSplit)), m.IsFeatureSplit, "isFeatureSplit")
	assert.Equal(t, flag(root.attr(attrIsSplitRequired)), m.IsSplitRequired, "isSplitRequired")

	// <uses-sdk>: the maximum minSdkVersion, the first targetSdkVersion.
	sdks := root.children("uses-sdk")
	assert.Equal(t, len(sdks) > 0, m.UsesSDK, "usesSdk")
	wantMin, wantCode, wantTarget, wantTargetCode := 1, "", 0, ""
	for _, u := range sdks {
		if a := u.attr(attrMinSdkVersion); a != nil {
			if a.kind == "string" {
				lvl, ok := codenameAPILevel(a.str)
				require.True(t, ok)
				if lvl >= wantMin {
					wantMin, wantCode = lvl, a.str
				}
			} else if v := num(a, 1); v > wantMin {
				wantMin, wantCode = v, ""
			}
		}
	}
	for _, u := range sdks {
		if a := u.attr(attrTargetSdkVersion); a != nil {
			if a.kind == "string" {
				wantTargetCode = a.str
			} else {
				wantTarget = num(a, 0)
			}
			break
		}
	}
	assert.Equal(t, wantMin, m.MinSDK(), "minSdk")
	assert.Equal(t, wantCode, m.MinSDKCodename, "minSdk codename")
	assert.Equal(t, wantTarget, m.TargetSDKVersion, "targetSdk")
	assert.Equal(t, wantTargetCode, m.TargetSDKCodename, "targetSdk codename")
	if len(sdks) > 0 {
		assert.Equal(t, num(sdks[0].attr(attrMaxSdkVersion), 0), m.MaxSDKVersion, "maxSdk")
	}

	var wantPerms []UsesPermission
	for _, k := range root.kids {
		if k.name != "uses-permission" && k.name != "uses-permission-sdk-23" && k.name != "uses-permission-sdk-m" {
			continue
		}
		if n := str(k.attr(attrName)); n != "" {
			wantPerms = append(wantPerms, UsesPermission{Name: n, MaxSDKVersion: num(k.attr(attrMaxSdkVersion), 0), SDK23: k.name != "uses-permission"})
		}
	}
	assert.Equal(t, wantPerms, m.UsesPermissions, "uses-permission")
	var wantDecl []Permission
	for _, k := range root.children("permission") {
		wantDecl = append(wantDecl, Permission{Name: str(k.attr(attrName)), ProtectionLevel: num(k.attr(attrProtectionLevel), 0)})
	}
	assert.Equal(t, wantDecl, m.Permissions, "permission")

	apps := root.children("application")
	if len(apps) == 0 {
		assert.Empty(t, m.MetaData)
		assert.False(t, m.Debuggable)
		return
	}
	app := apps[0]
	if a := app.attr(attrLabel); a != nil && a.kind == "ref" {
		assert.Equal(t, a.num, m.LabelResource, "label resource")
	} else {
		assert.Equal(t, str(a), m.Label, "literal label")
	}
	if a := app.attr(attrDebuggable); a == nil || a.kind != "ref" {
		assert.Equal(t, flag(a), m.Debuggable, "debuggable")
	}
	assert.Equal(t, flag(app.attr(attrTestOnly)), m.TestOnly, "testOnly")

	var wantMeta []MetaData
	for _, k := range app.children("meta-data") {
		md := MetaData{Name: str(k.attr(attrName)), Kind: MetaNone}
		if md.Name == "" {
			continue
		}
		if r := k.attr(attrResource); r != nil && r.kind == "ref" {
			md.Kind, md.Resource = MetaResource, r.num
		} else if v := k.attr(attrValue); v != nil {
			switch {
			case v.kind == "string":
				md.Kind, md.String = MetaString, v.str
			case v.kind == "ref":
				md.Kind, md.Resource = MetaResource, v.num
			case v.kind == "int" && v.typ == 0x12:
				md.Kind, md.Bool = MetaBool, v.num != 0
			case v.kind == "int" && v.typ >= 0x10 && v.typ <= 0x1f:
				md.Kind, md.Int = MetaInt, int64(int32(v.num))
			case v.kind == "int" && v.typ == 0x04:
				md.Kind = MetaFloat
			}
		}
		wantMeta = append(wantMeta, md)
	}
	got := append([]MetaData(nil), m.MetaData...)
	for i := range got {
		if got[i].Kind == MetaResource {
			got[i].String = "" // resolution is not in the xmltree dump
		}
		if got[i].Kind == MetaFloat {
			got[i].Float = 0
		}
	}
	assert.Equal(t, wantMeta, got, "meta-data")

	if badgingText == "" {
		return
	}
	b := parseBadging(badgingText)
	assert.Equal(t, b.pkg, m.Package, "badging package")
	if b.versionCode == "" {
		assert.Zero(t, m.VersionCode, "badging shows no versionCode")
	} else {
		assert.Equal(t, b.versionCode, strconv.FormatUint(uint64(uint32(m.VersionCode)), 10), "badging versionCode")
	}
	assert.Equal(t, b.versionName, m.VersionName, "badging versionName")
	assert.Equal(t, b.split, m.Split, "badging split")
	if b.sdk != "" {
		if n, err := strconv.Atoi(b.sdk); err == nil {
			assert.Equal(t, n, m.MinSDK(), "badging sdkVersion")
		} else {
			assert.Equal(t, b.sdk, m.MinSDKCodename, "badging sdkVersion codename")
		}
	} else {
		assert.Equal(t, 1, m.MinSDK(), "no sdkVersion line means Android's default")
	}
	if n, err := strconv.Atoi(b.targetSdk); err == nil {
		assert.Equal(t, n, m.TargetSDK(), "badging targetSdkVersion")
	} else if b.targetSdk != "" {
		assert.Equal(t, b.targetSdk, m.TargetSDKCodename, "badging targetSdkVersion codename")
	}
	if b.hasLabel {
		assert.Equal(t, b.label, m.Label, "badging application-label")
	}
	assert.Equal(t, b.debuggable, m.Debuggable, "badging application-debuggable")
	assert.Equal(t, b.testOnly, m.TestOnly, "badging testOnly")
}
