// Package manifest reads the facts a trust decision needs from an APK's
// AndroidManifest.xml: the app's identity (package, version), the values
// that decide which signature schemes apply (minSdkVersion,
// targetSdkVersion, targetSandboxVersion), and the flags that must never
// ship in a release (debuggable, testOnly), together with permissions and
// the application's <meta-data>, which carries Google Play's source stamp
// markers.
//
// The binary XML is validated chunk by chunk before anything is built from
// it, so hostile input yields a *FormatError, never a panic or an
// allocation larger than a small multiple of the input. android:
// attributes are identified by resource ID through the document's resource
// map, as the platform does, so a manifest whose attribute names were
// stripped or renamed reads the same, and a forged name cannot shadow the
// real attribute.
//
// Where the platform's package parser and Android's signature verifier
// (apksig) differ, the values that choose signature schemes (MinSDK,
// TargetSDK, TargetSandboxVersion) follow apksig, because apksig's
// verdicts are the reference this module agrees with.
package manifest

import (
	"math"
	"strconv"

	ab "github.com/shogo82148/androidbinary"
)

// Resource IDs of the framework attributes the reader uses (from the
// platform's public.xml; the same values appear in apksig and aapt).
const (
	attrLabel                = 0x01010001
	attrProtectionLevel      = 0x01010009
	attrName                 = 0x01010003
	attrSharedUserID         = 0x0101000b
	attrDebuggable           = 0x0101000f
	attrMinSdkVersion        = 0x0101020c
	attrVersionCode          = 0x0101021b
	attrVersionName          = 0x0101021c
	attrValue                = 0x01010024
	attrResource             = 0x01010025
	attrTargetSdkVersion     = 0x01010270
	attrMaxSdkVersion        = 0x01010271
	attrTestOnly             = 0x01010272
	attrTargetSandboxVersion = 0x0101054c
	attrIsFeatureSplit       = 0x0101055b
	attrVersionCodeMajor     = 0x01010576
	attrIsSplitRequired      = 0x01010591
	attrRequiredSplitTypes   = 0x0101064e
	attrSplitTypes           = 0x0101064f
)

// Names of the <meta-data> entries Google Play adds to the APKs it
// delivers.
const (
	MetaStampSource    = "com.android.stamp.source"
	MetaStampType      = "com.android.stamp.type"
	MetaDerivedAPKID   = "com.android.vending.derived.apk.id"
	MetaSplitsRequired = "com.android.vending.splits.required"
)

// Manifest holds what AndroidManifest.xml declares, with Android's
// defaults applied.
type Manifest struct {
	// Package is the manifest's package attribute.
	Package string `json:"package"`
	// VersionCode and VersionCodeMajor are android:versionCode and
	// android:versionCodeMajor (0 when absent). LongVersionCode combines
	// them as PackageInfo.getLongVersionCode does: major in the high 32
	// bits, versionCode as an unsigned 32-bit value in the low bits.
	VersionCode      int32  `json:"versionCode"`
	VersionCodeMajor int32  `json:"versionCodeMajor"`
	LongVersionCode  int64  `json:"longVersionCode"`
	VersionName      string `json:"versionName"`

	// UsesSDK reports whether <manifest> has a <uses-sdk> child.
	UsesSDK bool `json:"usesSdk"`
	// MinSDKVersion is the API level apksig derives from <uses-sdk>: the
	// highest android:minSdkVersion over the <uses-sdk> children of
	// <manifest>, 1 when there is none. A codename (a string value such as
	// "Tiramisu") is mapped as apksig maps it, to the level before the
	// first release of that letter, and is kept in MinSDKCodename.
	MinSDKVersion  int    `json:"minSdk"`
	MinSDKCodename string `json:"minSdkCodename,omitempty"`
	// TargetSDKVersion is android:targetSdkVersion when it is an integer,
	// else 0 (use TargetSDK for the effective value). A codename is kept
	// in TargetSDKCodename.
	TargetSDKVersion  int    `json:"targetSdk"`
	TargetSDKCodename string `json:"targetSdkCodename,omitempty"`
	// MaxSDKVersion is <uses-sdk android:maxSdkVersion>, 0 when absent.
	// The platform has ignored it since Android 2.0.1.
	MaxSDKVersion int `json:"maxSdk,omitempty"`
	// TargetSandboxVersion is android:targetSandboxVersion, 1 when absent
	// or not an integer (as apksig reads it).
	TargetSandboxVersion int `json:"targetSandboxVersion"`

	// Debuggable and TestOnly are the <application> flags. A flag whose
	// value is a resource reference is resolved through resources.arsc
	// and counts as set when any configuration sets it, or when it cannot
	// be resolved: a release check must not pass on a value it could not
	// read. The reference is kept in DebuggableResource / TestOnlyResource.
	Debuggable         bool   `json:"debuggable"`
	DebuggableResource uint32 `json:"debuggableResource,omitempty"`
	TestOnly           bool   `json:"testOnly"`
	TestOnlyResource   uint32 `json:"testOnlyResource,omitempty"`

	// Label is the <application> label: the literal, or the string the
	// reference in LabelResource resolves to in the default configuration
	// (empty when it cannot be resolved).
	Label         string `json:"label"`
	LabelResource uint32 `json:"labelResource,omitempty"`

	SharedUserID string `json:"sharedUserId,omitempty"`
	// Split is the manifest's split attribute: empty for a base APK.
	Split           string `json:"split,omitempty"`
	IsFeatureSplit  bool   `json:"isFeatureSplit"`
	IsSplitRequired bool   `json:"isSplitRequired"`
	// ConfigForSplit is the manifest's configForSplit attribute: the
	// split a configuration split belongs to (empty for the base).
	ConfigForSplit string `json:"configForSplit,omitempty"`
	// UsesSplit is the android:name of the first <uses-split>: the split
	// this one depends on (the platform ignores further ones).
	UsesSplit string `json:"usesSplit,omitempty"`
	// SplitTypes and RequiredSplitTypes are android:splitTypes and
	// android:requiredSplitTypes, split at commas and trimmed: the types
	// a split provides, and those an install of this APK must contain.
	SplitTypes         []string `json:"splitTypes,omitempty"`
	RequiredSplitTypes []string `json:"requiredSplitTypes,omitempty"`

	UsesPermissions []UsesPermission `json:"usesPermissions"`
	Permissions     []Permission     `json:"permissions"`
	// MetaData lists the <meta-data> children of <application>, in
	// document order.
	MetaData []MetaData `json:"metaData"`

	// ResourcesErr says why resources.arsc could not be used, when a
	// reference needed it. It is a *FormatError with CodeResources or nil;
	// it never makes the manifest itself invalid.
	ResourcesErr error `json:"-"`
}

// UsesPermission is a <uses-permission> (or <uses-permission-sdk-23>)
// element.
type UsesPermission struct {
	Name string `json:"name"`
	// MaxSDKVersion is android:maxSdkVersion, 0 when absent.
	MaxSDKVersion int `json:"maxSdkVersion,omitempty"`
	// SDK23 is set for <uses-permission-sdk-23>, which only applies from
	// API level 23.
	SDK23 bool `json:"sdk23,omitempty"`
}

// Permission is a <permission> the app declares.
type Permission struct {
	Name            string `json:"name"`
	ProtectionLevel int    `json:"protectionLevel"`
}

// MetaKind says which field of a MetaData holds its value.
type MetaKind string

// The kinds of <meta-data> value. They follow what the platform puts in
// the application's metadata Bundle.
const (
	MetaString   MetaKind = "string"   // String
	MetaInt      MetaKind = "int"      // Int (decimal, hex or color)
	MetaBool     MetaKind = "bool"     // Bool
	MetaFloat    MetaKind = "float"    // Float
	MetaResource MetaKind = "resource" // Resource: android:resource, or a value reference
	MetaNone     MetaKind = "none"     // no usable value
)

// MetaData is one <meta-data> entry of the application.
type MetaData struct {
	Name string   `json:"name"`
	Kind MetaKind `json:"kind"`
	// String is also set for a value that references a string resource
	// when resources.arsc resolves it (Kind stays MetaResource).
	String   string  `json:"string,omitempty"`
	Int      int64   `json:"int,omitempty"`
	Bool     bool    `json:"bool,omitempty"`
	Float    float32 `json:"float,omitempty"`
	Resource uint32  `json:"resource,omitempty"`
}

// MinSDK returns the lowest API level the APK installs on, as Android's
// verifier computes it: 1 when the manifest declares none.
func (m *Manifest) MinSDK() int {
	if m.MinSDKVersion < 1 {
		return 1
	}
	return m.MinSDKVersion
}

// TargetSDK returns the target API level as Android's verifier uses it:
// the integer android:targetSdkVersion, or MinSDK when it is absent or
// not an integer.
func (m *Manifest) TargetSDK() int {
	if m.TargetSDKVersion > 0 {
		return m.TargetSDKVersion
	}
	return m.MinSDK()
}

// Meta returns the first <meta-data> entry with this name.
func (m *Manifest) Meta(name string) (MetaData, bool) {
	for _, d := range m.MetaData {
		if d.Name == name {
			return d, true
		}
	}
	return MetaData{}, false
}

// Parse decodes the binary XML bytes of an AndroidManifest.xml. References
// to resources (such as the label) stay unresolved; FromArchive resolves
// them through resources.arsc.
func Parse(b []byte) (*Manifest, error) {
	return parse(b, nil)
}

// resolver looks up resource values by ID, in the default configuration.
type resolver interface {
	resolveString(id uint32) (string, error)
	// resolveBoolAny reports whether any configuration gives a true
	// (non-zero) value.
	resolveBoolAny(id uint32) (bool, error)
	resolveInt(id uint32) (int64, error)
}

func parse(b []byte, res resolver) (m *Manifest, err error) {
	// Every path is bounds-checked and fuzzed; should one still panic,
	// the caller gets a refusal instead of a crash. FuzzParse fails on
	// CodeInternal, so such a bug does not go unnoticed.
	defer func() {
		if r := recover(); r != nil {
			m, err = nil, errorf(CodeInternal, -1, "manifest reader failed: %v", r)
		}
	}()
	d, err := parseDocument(b)
	if err != nil {
		return nil, err
	}
	x := &extractor{d: d, res: res}
	return x.run()
}

type extractor struct {
	d   *document
	res resolver
	m   *Manifest
}

func (x *extractor) run() (*Manifest, error) {
	d := x.d
	root := &d.elems[0]
	if root.name != "manifest" || !root.nsEmpty {
		return nil, errorf(CodeBadRoot, root.offset, "root element is <%s>, not <manifest>", root.name)
	}
	m := &Manifest{TargetSandboxVersion: 1, MinSDKVersion: 1}
	x.m = m
	var err error

	if a := attrByName(d, root, "package"); a != nil {
		if m.Package, err = x.stringValue(a); err != nil {
			return nil, withOffset(err, root.offset)
		}
	}
	if a := attrByName(d, root, "split"); a != nil {
		if m.Split, err = x.stringValue(a); err != nil {
			return nil, withOffset(err, root.offset)
		}
	}
	if a := attrByID(root, attrVersionCode); a != nil {
		m.VersionCode = int32(x.intValue(a))
	}
	if a := attrByID(root, attrVersionCodeMajor); a != nil {
		m.VersionCodeMajor = int32(x.intValue(a))
	}
	m.LongVersionCode = int64(m.VersionCodeMajor)<<32 | int64(uint32(m.VersionCode))
	if a := attrByID(root, attrVersionName); a != nil {
		if m.VersionName, err = x.stringOrResource(a); err != nil {
			return nil, withOffset(err, root.offset)
		}
	}
	if a := attrByID(root, attrSharedUserID); a != nil {
		if m.SharedUserID, err = x.stringValue(a); err != nil {
			return nil, withOffset(err, root.offset)
		}
	}
	if a := attrByID(root, attrIsFeatureSplit); a != nil {
		m.IsFeatureSplit, _ = x.boolValue(a)
	}
	if a := attrByID(root, attrIsSplitRequired); a != nil {
		m.IsSplitRequired, _ = x.boolValue(a)
	}
	if err := x.splitAttrs(root); err != nil {
		return nil, err
	}
	// apksig reads targetSandboxVersion from the first element named
	// "manifest" that carries it, and falls back to 1 unless it is a
	// plain integer.
	if v, ok := x.apksigIntAttr("manifest", attrTargetSandboxVersion); ok {
		m.TargetSandboxVersion = v
	}

	if err := x.sdk(); err != nil {
		return nil, err
	}

	app := -1
	for i := range d.elems {
		e := &d.elems[i]
		if e.depth != 2 || !e.nsEmpty {
			continue
		}
		switch e.name {
		case "application":
			// The platform uses the first <application> and ignores
			// others; so does apksig.
			if app < 0 {
				app = i
			}
		case "uses-permission", "uses-permission-sdk-23", "uses-permission-sdk-m":
			p := UsesPermission{SDK23: e.name != "uses-permission"}
			if a := attrByID(e, attrName); a != nil {
				if p.Name, err = x.stringValue(a); err != nil {
					return nil, withOffset(err, e.offset)
				}
			}
			if p.Name == "" {
				continue // the platform skips nameless permissions
			}
			if a := attrByID(e, attrMaxSdkVersion); a != nil {
				p.MaxSDKVersion = int(x.intValue(a))
			}
			m.UsesPermissions = append(m.UsesPermissions, p)
		case "permission":
			var p Permission
			if a := attrByID(e, attrName); a != nil {
				if p.Name, err = x.stringValue(a); err != nil {
					return nil, withOffset(err, e.offset)
				}
			}
			if a := attrByID(e, attrProtectionLevel); a != nil {
				p.ProtectionLevel = int(x.intValue(a))
			}
			m.Permissions = append(m.Permissions, p)
		}
	}
	if app >= 0 {
		if err := x.application(app); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// sdk fills the <uses-sdk> values following apksig: minSdkVersion from
// the <uses-sdk> children of <manifest> (maximum over them), and
// targetSdkVersion from the first <uses-sdk> anywhere that carries it.
func (x *extractor) sdk() error {
	d, m := x.d, x.m
	maxSet := false
	for i := range d.elems {
		e := &d.elems[i]
		if e.depth != 2 || e.name != "uses-sdk" || !e.nsEmpty {
			continue
		}
		m.UsesSDK = true
		level, codename := 1, ""
		if a := attrByID(e, attrMinSdkVersion); a != nil {
			switch {
			case a.typ == ab.TypeIntDec || a.typ == ab.TypeIntHex:
				level = int(int32(a.data))
			case a.typ == ab.TypeString:
				s, err := x.d.str(a.data)
				if err != nil {
					return withOffset(err, e.offset)
				}
				api, ok := codenameAPILevel(s)
				if !ok {
					return errorf(CodeMinSDK, e.offset, "minSdkVersion codename %q does not start with a letter A-Z", s)
				}
				level, codename = api, s
			default:
				return errorf(CodeMinSDK, e.offset, "minSdkVersion has value type 0x%02x; only integers and codenames are supported", uint8(a.typ))
			}
		}
		if level > m.MinSDKVersion || (level == m.MinSDKVersion && codename != "") {
			m.MinSDKVersion, m.MinSDKCodename = level, codename
		}
		if a := attrByID(e, attrMaxSdkVersion); a != nil && !maxSet {
			m.MaxSDKVersion, maxSet = int(x.intValue(a)), true
		}
	}
	// apksig: the first element named uses-sdk (at any depth) carrying
	// targetSdkVersion decides; anything but an integer falls back to
	// minSdkVersion, which TargetSDK applies.
	for i := range d.elems {
		e := &d.elems[i]
		if e.name != "uses-sdk" {
			continue
		}
		a := attrByID(e, attrTargetSdkVersion)
		if a == nil {
			continue
		}
		switch a.typ {
		case ab.TypeIntDec, ab.TypeIntHex:
			m.TargetSDKVersion = int(int32(a.data))
		case ab.TypeString:
			if s, err := x.d.str(a.data); err == nil {
				m.TargetSDKCodename = s
			}
		}
		break
	}
	return nil
}

// apksigIntAttr reads an integer attribute the way apksig's
// getAttributeValueFromBinaryAndroidManifest does: from the first element
// with this name (any depth) that carries the attribute, accepting only
// decimal or hex integers.
func (x *extractor) apksigIntAttr(elem string, id uint32) (int, bool) {
	for i := range x.d.elems {
		e := &x.d.elems[i]
		if e.name != elem {
			continue
		}
		if a := attrByID(e, id); a != nil {
			if a.typ == ab.TypeIntDec || a.typ == ab.TypeIntHex {
				return int(int32(a.data)), true
			}
			return 0, false
		}
	}
	return 0, false
}

func (x *extractor) application(idx int) error {
	d, m := x.d, x.m
	app := &d.elems[idx]
	var err error
	if a := attrByID(app, attrLabel); a != nil {
		if a.typ == ab.TypeReference {
			m.LabelResource = a.data
		}
		if m.Label, err = x.stringOrResource(a); err != nil {
			return withOffset(err, app.offset)
		}
	}
	if a := attrByID(app, attrDebuggable); a != nil {
		m.Debuggable, m.DebuggableResource = x.flag(a)
	}
	if a := attrByID(app, attrTestOnly); a != nil {
		m.TestOnly, m.TestOnlyResource = x.flag(a)
	}
	for i := idx + 1; i < len(d.elems); i++ {
		e := &d.elems[i]
		if e.depth <= app.depth {
			break // left the application element
		}
		if int(e.parent) != idx || e.name != "meta-data" || !e.nsEmpty {
			continue
		}
		md, err := x.metaData(e)
		if err != nil {
			return withOffset(err, e.offset)
		}
		if md.Name != "" {
			m.MetaData = append(m.MetaData, md)
		}
	}
	return nil
}

// metaData reads one <meta-data>. As in the platform, android:resource
// wins over android:value, and a value's type decides the kind.
func (x *extractor) metaData(e *element) (MetaData, error) {
	md := MetaData{Kind: MetaNone}
	var err error
	if a := attrByID(e, attrName); a != nil {
		if md.Name, err = x.stringValue(a); err != nil {
			return md, err
		}
	}
	if a := attrByID(e, attrResource); a != nil && a.typ == ab.TypeReference && a.data != 0 {
		md.Kind, md.Resource = MetaResource, a.data
		return md, nil
	}
	a := attrByID(e, attrValue)
	if a == nil {
		return md, nil
	}
	switch {
	case a.typ == ab.TypeReference:
		md.Kind, md.Resource = MetaResource, a.data
		if x.res != nil && a.data != 0 {
			if s, err := x.res.resolveString(a.data); err == nil {
				md.String = s
			} else {
				x.noteResources(err)
			}
		}
	case a.typ == ab.TypeString:
		md.Kind = MetaString
		if md.String, err = x.d.str(a.data); err != nil {
			return md, err
		}
	case a.typ == ab.TypeIntBoolean:
		md.Kind, md.Bool = MetaBool, a.data != 0
	case a.typ >= ab.TypeFirstInt && a.typ <= ab.TypeLastInt:
		md.Kind, md.Int = MetaInt, int64(int32(a.data))
	case a.typ == ab.TypeFloat:
		md.Kind, md.Float = MetaFloat, math.Float32frombits(a.data)
	case a.raw != noIndex:
		// No typed value the platform accepts, but a raw string.
		md.Kind = MetaString
		if md.String, err = x.d.str(a.raw); err != nil {
			return md, err
		}
	}
	return md, nil
}

// flag reads a boolean application flag. A reference is resolved through
// the resource table; when that is impossible the flag counts as set.
func (x *extractor) flag(a *attribute) (bool, uint32) {
	if a.typ == ab.TypeReference {
		if x.res == nil {
			return true, a.data
		}
		v, err := x.res.resolveBoolAny(a.data)
		if err != nil {
			x.noteResources(err)
			return true, a.data
		}
		return v, a.data
	}
	v, _ := x.boolValue(a)
	return v, 0
}

// boolValue coerces an attribute to a boolean as the platform's
// TypedArray.getBoolean does for inline values.
func (x *extractor) boolValue(a *attribute) (bool, bool) {
	switch {
	case a.typ >= ab.TypeFirstInt && a.typ <= ab.TypeLastInt:
		return a.data != 0, true
	case a.typ == ab.TypeString:
		s, err := x.d.str(a.data)
		if err != nil {
			return false, false
		}
		return s == "true" || s == "TRUE" || s == "1", true
	}
	return false, false
}

// intValue returns an integer attribute, resolving a reference through
// the resource table when there is one; 0 when there is no integer.
func (x *extractor) intValue(a *attribute) int64 {
	switch {
	case a.typ >= ab.TypeFirstInt && a.typ <= ab.TypeLastInt:
		return int64(int32(a.data))
	case a.typ == ab.TypeReference && x.res != nil:
		v, err := x.res.resolveInt(a.data)
		if err != nil {
			x.noteResources(err)
			return 0
		}
		return v
	case a.typ == ab.TypeString:
		s, err := x.d.str(a.data)
		if err == nil {
			if v, err := strconv.ParseInt(s, 0, 32); err == nil {
				return v
			}
		}
	}
	return 0
}

// stringValue returns an attribute's string: the typed string value, else
// the raw string the compiler kept. Other types give "".
func (x *extractor) stringValue(a *attribute) (string, error) {
	if a.typ == ab.TypeString {
		return x.d.str(a.data)
	}
	if a.raw != noIndex {
		return x.d.str(a.raw)
	}
	return "", nil
}

// stringOrResource is stringValue that also resolves a reference through
// the resource table, when there is one.
func (x *extractor) stringOrResource(a *attribute) (string, error) {
	if a.typ == ab.TypeReference {
		if x.res == nil || a.data == 0 {
			return "", nil
		}
		s, err := x.res.resolveString(a.data)
		if err != nil {
			x.noteResources(err)
			return "", nil
		}
		return s, nil
	}
	return x.stringValue(a)
}

func (x *extractor) noteResources(err error) {
	if x.m.ResourcesErr == nil {
		x.m.ResourcesErr = err
	}
}

// attrByID returns the element's first attribute whose name maps to the
// resource ID, as apksig and the platform's attribute lookups do.
func attrByID(e *element, id uint32) *attribute {
	for k := range e.attrs {
		if e.attrs[k].resID == id {
			return &e.attrs[k]
		}
	}
	return nil
}

// attrByName returns the first attribute without namespace whose name is
// name: how the platform (getAttributeValue(null, name)) and apksig find
// package and split, which are not framework attributes.
func attrByName(d *document, e *element, name string) *attribute {
	for k := range e.attrs {
		a := &e.attrs[k]
		if a.ns != noIndex {
			continue
		}
		if s, err := d.str(a.name); err == nil && s == name {
			return a
		}
	}
	return nil
}

// codenames maps the first letter of a platform codename to an API level,
// as apksig's ApkUtils does. Letters past the last entry add one level
// per letter; letters before the first give 1.
var codenames = [...]struct {
	letter byte
	api    int
}{
	{'C', 2}, {'D', 3}, {'E', 4}, {'F', 7}, {'G', 8}, {'H', 10}, {'I', 13},
	{'J', 15}, {'K', 18}, {'L', 20}, {'M', 22}, {'N', 23}, {'O', 25},
}

// codenameAPILevel returns the API level apksig assigns to a minSdkVersion
// codename. It is deliberately one below the level the version shipped
// with (N gives 23, not 24): a preview build may lack that level's
// features. Codenames must start with an ASCII capital letter.
func codenameAPILevel(s string) (int, bool) {
	if s == "" || s[0] < 'A' || s[0] > 'Z' {
		return 0, false
	}
	c := s[0]
	api := 1
	for _, e := range codenames {
		if e.letter > c {
			break
		}
		api = e.api + int(c-e.letter)
	}
	return api, true
}
