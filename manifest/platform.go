package manifest

import (
	"errors"
	"fmt"
	"strings"

	ab "github.com/shogo82148/androidbinary"

	"github.com/apktrust/apktrust/signer"
)

// This file reads the facts a policy judges (package, versionCode,
// debuggable, testOnly, targetSdkVersion, versionName, sharedUserId) the
// way Android's package parser reads them, and refuses a manifest where
// readers of the same bytes can disagree. The rules, from the platform's
// XmlBlock, TypedArray, AttributeResolution and package parser:
//
//   - package and split are read by XmlBlock.getAttributeValue, which
//     returns the attribute's raw string; without one there is no package
//     and the install fails.
//   - android: attributes are looked up by AttributeResolution, which
//     walks the element's attributes and the requested resource IDs in
//     step, assuming ascending resource-ID order: attribute ID T is found
//     only when the first attribute whose ID is >= T is T. aapt and apksig
//     scan linearly. When the two lookups pick different attributes, or an
//     element carries the same attribute twice with different values, the
//     manifest is refused (CodeAmbiguous).
//   - Integers (versionCode, versionCodeMajor) come from TypedArray.getInteger,
//     which accepts only integer types: a string throws and the install
//     fails (CodeRefused).
//   - Booleans (debuggable, testOnly) come from TypedArray.getBoolean:
//     integers are non-zero, strings are "true", "TRUE" or "1".
//   - References are resolved in every configuration of resources.arsc,
//     since a device in the SDK range may match any of them, and the fact
//     takes the reading worst for a policy: the lowest versionCode,
//     debuggable or testOnly when any configuration says so, the highest
//     targetSdkVersion. A string fact (versionName, sharedUserId) that
//     differs between configurations is refused (CodeAmbiguous).

// truthy is XmlUtils.convertValueToBoolean.
func truthy(s string) bool { return s == "true" || s == "TRUE" || s == "1" }

func isInt(t ab.DataType) bool { return t >= ab.TypeFirstInt && t <= ab.TypeLastInt }

// typeDynamicAttribute is Res_value::TYPE_DYNAMIC_ATTRIBUTE.
const typeDynamicAttribute = 0x08

func isRef(t ab.DataType) bool { return t == ab.TypeReference || t == typeDynamicReference }

// attrNames names the judged attributes in messages.
var attrNames = map[uint32]string{
	attrVersionCode: "versionCode", attrVersionCodeMajor: "versionCodeMajor", attrVersionName: "versionName",
	attrSharedUserID: "sharedUserId", attrDebuggable: "debuggable", attrTestOnly: "testOnly",
	attrLabel: "label", attrMinSdkVersion: "minSdkVersion", attrTargetSdkVersion: "targetSdkVersion",
}

func attrTitle(id uint32) string {
	if n, ok := attrNames[id]; ok {
		return "android:" + n
	}
	return fmt.Sprintf("attribute 0x%08x", id)
}

func ambiguous(e *element, format string, args ...any) *signer.Error {
	return errorf(CodeAmbiguous, e.offset, format, args...)
}

func refused(e *element, format string, args ...any) *signer.Error {
	return errorf(CodeRefused, e.offset, format, args...)
}

// platformAttr returns attribute id of e as AttributeResolution finds it,
// refusing the element when aapt's and apksig's linear scan would find
// another attribute or when duplicates disagree.
func platformAttr(e *element, id uint32) (*attribute, error) {
	var linear, ordered *attribute
	orderedDone := false
	for k := range e.attrs {
		a := &e.attrs[k]
		if !orderedDone && a.resID >= id {
			orderedDone = true
			if a.resID == id {
				ordered = a
			}
		}
		if a.resID != id {
			continue
		}
		if linear == nil {
			linear = a
		} else if a.typ != linear.typ || a.data != linear.data || a.raw != linear.raw {
			return nil, ambiguous(e, "<%s> has %s twice with different values", e.name, attrTitle(id))
		}
	}
	if linear != ordered {
		return nil, ambiguous(e, "<%s> lists %s after attributes with higher resource IDs: Android's lookup misses it, aapt reads it", e.name, attrTitle(id))
	}
	return linear, nil
}

// rawPlain returns the raw string of the un-namespaced attribute name (a
// package or split), as XmlBlock.getAttributeValue reads it. ok is false
// when the attribute is absent; has is false when it has no raw string.
func (x *extractor) rawPlain(e *element, name string) (s string, ok, has bool, err error) {
	a := attrByName(x.d, e, name)
	if a == nil {
		return "", false, false, nil
	}
	if a.raw == noIndex {
		return "", true, false, nil
	}
	s, err = x.d.str(a.raw)
	return s, true, true, err
}

// packageName reads the package as Android installs it.
func (x *extractor) packageName(root *element) (string, error) {
	s, ok, has, err := x.rawPlain(root, "package")
	switch {
	case err != nil:
		return "", withOffset(err, root.offset)
	case !ok:
		return "", refused(root, "<manifest> has no package attribute")
	case !has:
		return "", refused(root, "the package attribute has no raw string, which is all Android reads (XmlBlock.getAttributeValue): the platform sees no package")
	case s == "":
		return "", refused(root, "the package attribute is empty")
	case strings.IndexByte(s, 0) >= 0:
		// Only a UTF-16 pool keeps a NUL in Java; Android's name check
		// refuses it, while aapt prints the string cut at the NUL.
		return "", refused(root, "the package name %q contains a NUL character", s)
	}
	return s, nil
}

// intFact reads an integer attribute as TypedArray.getInteger does,
// resolving a reference in every configuration. vals is nil when the
// attribute is @null (the default applies) or a reference could not be
// resolved (the caller's default, 0, is the safe reading).
func (x *extractor) intFact(e *element, a *attribute) (vals []int32, err error) {
	id := a.resID
	check := func(t ab.DataType, data uint32, where string) error {
		switch {
		case isInt(t):
			vals = append(vals, int32(data))
		case t == ab.TypeNull:
		case t == ab.TypeString:
			return refused(e, "%s is a string%s; Android reads only integers there and refuses the file", attrTitle(id), where)
		default:
			return refused(e, "%s has value type 0x%02x%s; Android reads only integers there and refuses the file", attrTitle(id), uint8(t), where)
		}
		return nil
	}
	if !isRef(a.typ) {
		return vals, check(a.typ, a.data, "")
	}
	rv, err := x.values(a)
	if err != nil {
		return nil, x.fatal
	}
	for _, v := range rv {
		if err := check(v.typ, v.data, fmt.Sprintf(" in a configuration of resource 0x%08x", a.data)); err != nil {
			return nil, err
		}
	}
	return vals, nil
}

// values resolves a reference attribute through resources.arsc. A table
// too large to decode within its budget ends the parse; any other
// failure is noted in ResourcesErr and returned so the caller fails safe.
func (x *extractor) values(a *attribute) ([]resValue, error) {
	if x.res == nil {
		return nil, errNoResolver
	}
	if a.data == 0 {
		return []resValue{{typ: ab.TypeNull, isDefault: true}}, nil
	}
	rv, err := x.res.values(a.data, max(x.rangeMin, 1))
	if err != nil {
		if errors.Is(err, CodeResourcesLimit) {
			x.fatal = err
		}
		x.noteResources(err)
		return nil, err
	}
	return rv, nil
}

var errNoResolver = errors.New("no resource table")

// boolFact reads a boolean flag as TypedArray.getBoolean does (a string
// is the typed one, which must match the raw string aapt reads), true
// when any configuration says true, and true when a reference cannot be
// resolved: a release check must not pass on a value it could not read.
func (x *extractor) boolFact(e *element, a *attribute) (bool, error) {
	one := func(t ab.DataType, data uint32, s string) (bool, error) {
		switch {
		case isInt(t):
			return data != 0, nil
		case t == ab.TypeString:
			return truthy(s), nil
		case t == ab.TypeAttribute || t == typeDynamicAttribute:
			return false, refused(e, "%s is a theme attribute reference, which the package parser cannot resolve", attrTitle(a.resID))
		}
		return false, nil // null, floats, dimensions: not "true"
	}
	switch {
	case a.typ == ab.TypeString:
		s, err := x.typedString(e, a)
		return truthy(s), err
	case !isRef(a.typ):
		return one(a.typ, a.data, "")
	}
	rv, err := x.values(a)
	if err != nil {
		return true, x.fatal
	}
	set := false
	for _, v := range rv {
		s := ""
		if v.typ == ab.TypeString {
			if s, err = x.res.str(v); err != nil {
				x.noteResources(err)
				if errors.Is(err, CodeResourcesLimit) {
					return true, err
				}
				return true, nil
			}
		}
		b, err := one(v.typ, v.data, s)
		if err != nil {
			return true, err
		}
		set = set || b
	}
	return set, nil
}

// typedString returns a string attribute as TypedArray reads it (the
// typed value), refusing the element when the raw string, which aapt
// prints, says something else.
func (x *extractor) typedString(e *element, a *attribute) (string, error) {
	s, err := x.d.str(a.data)
	if err != nil {
		return "", withOffset(err, e.offset)
	}
	if a.raw != noIndex {
		r, err := x.d.str(a.raw)
		if err != nil {
			return "", withOffset(err, e.offset)
		}
		if r != s {
			return "", ambiguous(e, "%s is %q as Android reads it (typed) and %q as aapt reads it (raw)", attrTitle(a.resID), s, r)
		}
	}
	return s, nil
}

// stringFact reads a string attribute through TypedArray (the typed
// string). A raw string that says something else is what aapt prints, so
// the two must agree. A reference must give one string in every
// configuration, unless anyConfig, which takes the default
// configuration's string (the label, which legitimately differs between
// locales and is not judged).
func (x *extractor) stringFact(e *element, a *attribute, anyConfig bool) (string, error) {
	switch {
	case a.typ == ab.TypeString:
		return x.typedString(e, a)
	case !isRef(a.typ):
		if a.raw != noIndex {
			s, err := x.d.str(a.raw)
			return s, withOffset(err, e.offset)
		}
		return "", nil
	}
	rv, err := x.values(a)
	if err != nil {
		return "", x.fatal
	}
	var strs []string
	def := -1
	for _, v := range rv {
		if v.typ != ab.TypeString {
			continue
		}
		s, err := x.res.str(v)
		if err != nil {
			x.noteResources(err)
			if errors.Is(err, CodeResourcesLimit) {
				return "", err
			}
			return "", nil
		}
		if v.isDefault && def < 0 {
			def = len(strs)
		}
		strs = append(strs, s)
	}
	switch {
	case len(strs) == 0:
		return "", nil
	case anyConfig && def >= 0:
		return strs[def], nil
	case anyConfig:
		return strs[0], nil
	}
	for _, s := range strs[1:] {
		if s != strs[0] {
			return "", ambiguous(e, "%s refers to resource 0x%08x, which is %q in one configuration and %q in another", attrTitle(a.resID), a.data, strs[0], s)
		}
	}
	return strs[0], nil
}

// identity reads versionCode, versionCodeMajor, versionName and
// sharedUserId from <manifest>. A versionCode given by a reference takes
// its lowest value over the configurations (0 when it cannot be
// resolved), so a floor is never passed on a value some device would not
// read.
func (x *extractor) identity(root *element) error {
	m := x.m
	for _, f := range []struct {
		id   uint32
		name string
		dst  *int32
	}{{attrVersionCode, "versionCode", &m.VersionCode}, {attrVersionCodeMajor, "versionCodeMajor", &m.VersionCodeMajor}} {
		a, err := platformAttr(root, f.id)
		if err != nil {
			return err
		}
		if err := x.sameAsLite(root, a, f.name); err != nil {
			return err
		}
		if a == nil {
			continue
		}
		vals, err := x.intFact(root, a)
		if err != nil {
			return err
		}
		for k, v := range vals {
			// versionCode is the low 32 bits of the long version code,
			// compared unsigned; the major part is signed.
			lower := uint32(v) < uint32(*f.dst)
			if f.id == attrVersionCodeMajor {
				lower = v < *f.dst
			}
			if k == 0 || lower {
				*f.dst = v
			}
		}
	}
	m.LongVersionCode = int64(m.VersionCodeMajor)<<32 | int64(uint32(m.VersionCode))
	for _, f := range []struct {
		id  uint32
		dst *string
	}{{attrVersionName, &m.VersionName}, {attrSharedUserID, &m.SharedUserID}} {
		a, err := platformAttr(root, f.id)
		if err != nil {
			return err
		}
		if a == nil {
			continue
		}
		if *f.dst, err = x.stringFact(root, a, false); err != nil {
			return err
		}
	}
	return nil
}

// androidNS is the android: namespace URI.
const androidNS = "http://schemas.android.com/apk/res/android"

// sameAsLite refuses an element where the installer's lite parser would
// read another attribute than a (found by resource ID). ApkLiteParseUtils
// reads versionCode and versionCodeMajor by namespace and name, and the
// package manager's downgrade check uses that reading; a forged
// android:versionCode without the resource ID would pass it while the
// full parse installs another version. A manifest whose names were
// stripped (no attribute by that name) is not a disagreement the lite
// parser could be steered by, so it is accepted.
func (x *extractor) sameAsLite(e *element, a *attribute, name string) error {
	for k := range e.attrs {
		l := &e.attrs[k]
		if l.ns == noIndex {
			continue
		}
		ns, err := x.d.pool.full(l.ns)
		if err != nil || ns != androidNS {
			continue
		}
		if n, err := x.d.pool.full(l.name); err != nil || n != name {
			continue
		}
		if l == a || a != nil && l.typ == a.typ && l.data == a.data {
			return nil
		}
		return ambiguous(e, "the installer's lite parser reads android:%s by name from another attribute than the one its resource ID names", name)
	}
	return nil
}

// appFlag reads debuggable or testOnly from the first <application>, the
// one the platform uses. A later <application> that sets the flag when
// the first does not is what aapt may print: the readers would disagree
// and the manifest is refused. (A first one that sets it is already the
// worst reading.)
func (x *extractor) appFlag(apps []int, id uint32) (set bool, res uint32, err error) {
	for k, i := range apps {
		e := &x.d.elems[i]
		a, err := platformAttr(e, id)
		if err != nil {
			return false, 0, err
		}
		v := false
		if a != nil {
			if v, err = x.boolFact(e, a); err != nil {
				return false, 0, err
			}
			if k == 0 && isRef(a.typ) {
				res = a.data
			}
		}
		switch {
		case k == 0:
			set = v
		case v && !set:
			// aapt may print this one; the platform reads the first.
			return false, 0, ambiguous(e, "a later <application> sets %s, which the first does not", attrTitle(id))
		}
	}
	return set, res, nil
}

// targetSDK fills TargetSDKVersion with the highest integer
// targetSdkVersion any reader takes: apksig's (the first <uses-sdk> at
// any depth carrying it), the package parser's (each <uses-sdk> child of
// <manifest>) and, for a reference, every configuration's value. The
// highest target is the one that demands the most of the signature
// schemes. A codename stays in TargetSDKCodename, as apksig reads it.
func (x *extractor) targetSDK() error {
	d, m := x.d, x.m
	best, have := int32(0), false
	apksigSeen := false
	for i := range d.elems {
		e := &d.elems[i]
		if e.name != "uses-sdk" {
			continue
		}
		apksig := !apksigSeen && attrByID(e, attrTargetSdkVersion) != nil
		if e.depth != 2 && !apksig {
			continue
		}
		a, err := platformAttr(e, attrTargetSdkVersion)
		if err != nil {
			return err
		}
		if a == nil {
			continue
		}
		apksigSeen = apksigSeen || apksig
		var vals []int32
		switch {
		case isInt(a.typ):
			vals = []int32{int32(a.data)}
		case a.typ == ab.TypeString:
			if apksig {
				if s, err := d.str(a.data); err == nil {
					m.TargetSDKCodename = s
				}
			}
		case isRef(a.typ) && x.res != nil:
			rv, err := x.values(a)
			if err != nil {
				if x.fatal != nil {
					return x.fatal
				}
				return refused(e, "android:targetSdkVersion refers to resource 0x%08x, which resources.arsc does not resolve: %v", a.data, err)
			}
			for _, v := range rv {
				if isInt(v.typ) {
					vals = append(vals, int32(v.data))
				}
			}
		}
		for _, v := range vals {
			if !have || v > best {
				best, have = v, true
			}
		}
	}
	if have {
		m.TargetSDKVersion = int(best)
	}
	return nil
}
