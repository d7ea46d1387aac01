// Package manifest reads the facts a trust decision needs from an APK's
// AndroidManifest.xml: the app's identity (package, version), the values
// that decide which signature schemes apply (minSdkVersion,
// targetSdkVersion, targetSandboxVersion), and the flags that must never
// ship in a release (debuggable, testOnly), together with permissions and
// the application's <meta-data>, which carries Google Play's source stamp
// markers.
//
// The binary XML is validated chunk by chunk before anything is built from
// it, so hostile input yields a *signer.Error, never a panic or an
// allocation larger than a small multiple of the input. android:
// attributes are identified by resource ID through the document's resource
// map, as the platform does, so a manifest whose attribute names were
// stripped or renamed reads the same, and a forged name cannot shadow the
// real attribute.
//
// The facts a policy judges (package, versionCode, debuggable, testOnly,
// targetSdkVersion) are read as Android's package parser reads them, and
// where readers can disagree the manifest is refused with CodeAmbiguous
// or judged by its worst reading. MinSDK and
// TargetSandboxVersion follow apksig, whose verdicts are the reference
// this module agrees with.
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
	// Package is the manifest's package attribute: its raw string, as
	// Android reads it (a UTF-8 string ends at its first NUL).
	Package string `json:"package"`
	// VersionCode and VersionCodeMajor are android:versionCode and
	// android:versionCodeMajor (0 when absent). LongVersionCode combines
	// them as PackageInfo.getLongVersionCode does: major in the high 32
	// bits, versionCode as an unsigned 32-bit value in the low bits. A
	// reference takes its lowest value over the configurations of
	// resources.arsc, 0 when it cannot be resolved.
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
	// TargetSDKVersion is the highest integer android:targetSdkVersion any
	// reader takes (apksig's first <uses-sdk>, the package parser's, every
	// configuration of a reference), else 0 (use TargetSDK for the
	// effective value). A codename is kept in TargetSDKCodename.
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
	// (empty when it cannot be resolved). It is shown, never judged, and
	// legitimately differs between locales.
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
	// reference needed it. It is a *signer.Error with CodeResources or nil;
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
// to resources (such as the label) stay unresolved; ParseAPK and ParseFS
// resolve them through resources.arsc.
func Parse(b []byte) (*Manifest, error) {
	return parse(b, nil)
}

// resolver looks resource values up by ID, in every configuration a
// device at API level minSDK or above can be given.
type resolver interface {
	values(id uint32, minSDK int) ([]resValue, error)
	str(v resValue) (string, error)
}

func parse(b []byte, res resolver) (m *Manifest, err error) {
	// Every path is bounds-checked and fuzzed; should one still panic,
	// the caller gets a refusal instead of a crash. FuzzParse fails on
	// CodeInternal, so such a bug does not go unnoticed.
	defer func() {
		if r := recover(); r != nil {
			m, err = nil, errorf(CodeInternal, 0, "manifest reader failed: %v", r)
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
	// fatal is a resource-table failure that refuses the file (a
	// resource bomb), as opposed to one that leaves a value unresolved.
	fatal error
	// rangeMin is the lowest API level a device installing the file can
	// have (1 when the manifest declares none).
	rangeMin int
}

func (x *extractor) run() (*Manifest, error) {
	d := x.d
	root := &d.elems[0]
	// The platform's parser matches tag names without their namespace.
	if root.name != "manifest" {
		return nil, errorf(CodeBadRoot, root.offset, "root element is <%s>, not <manifest>", root.name)
	}
	m := &Manifest{TargetSandboxVersion: 1, MinSDKVersion: 1}
	x.m = m
	var err error

	if m.Package, err = x.packageName(root); err != nil {
		return nil, err
	}
	if s, _, has, err := x.rawPlain(root, "split"); err != nil {
		return nil, withOffset(err, root.offset)
	} else if has {
		m.Split = s
	}
	// The SDK range comes first: it decides which resource
	// configurations a device can be given.
	if err := x.sdk(); err != nil {
		return nil, err
	}
	if err := x.identity(root); err != nil {
		return nil, err
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

	app := -1
	var apps []int
	for i := range d.elems {
		e := &d.elems[i]
		if e.depth != 2 {
			continue
		}
		switch e.name {
		case "application":
			// The platform uses the first <application> (whatever its
			// namespace) and ignores others; so does apksig.
			if app < 0 {
				app = i
			}
			apps = append(apps, i)
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
		if err := x.application(app, apps); err != nil {
			return nil, err
		}
	}
	if x.fatal != nil {
		return nil, x.fatal
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
		if e.depth != 2 || e.name != "uses-sdk" {
			continue
		}
		m.UsesSDK = true
		level, codename := 1, ""
		a, err := platformAttr(e, attrMinSdkVersion)
		if err != nil {
			return err
		}
		if a != nil {
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
		// The lowest level any <uses-sdk> declares bounds the devices
		// that may install the file, whichever element a reader uses.
		if x.rangeMin == 0 || level < x.rangeMin {
			x.rangeMin = level
		}
		if a := attrByID(e, attrMaxSdkVersion); a != nil && !maxSet {
			m.MaxSDKVersion, maxSet = int(x.intValue(a)), true
		}
	}
	return x.targetSDK()
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

func (x *extractor) application(idx int, all []int) error {
	d, m := x.d, x.m
	app := &d.elems[idx]
	a, err := platformAttr(app, attrLabel)
	if err != nil {
		return err
	}
	if a != nil {
		if isRef(a.typ) {
			m.LabelResource = a.data
		}
		if m.Label, err = x.stringFact(app, a, true); err != nil {
			return err
		}
	}
	if m.Debuggable, m.DebuggableResource, err = x.appFlag(all, attrDebuggable); err != nil {
		return err
	}
	if m.TestOnly, m.TestOnlyResource, err = x.appFlag(all, attrTestOnly); err != nil {
		return err
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
			if md.String, err = x.stringFact(e, a, true); err != nil {
				return md, err
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
	case isRef(a.typ) && x.res != nil:
		// Not a judged fact: the default configuration's integer.
		rv, err := x.values(a)
		if err != nil {
			return 0
		}
		for _, v := range rv {
			if v.isDefault && isInt(v.typ) {
				return int64(int32(v.data))
			}
		}
		return 0
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
		// Native lookup compares lengths, so a name with a NUL inside
		// ("package\x00x") is not "package".
		if s, err := d.pool.full(a.name); err == nil && s == name {
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
