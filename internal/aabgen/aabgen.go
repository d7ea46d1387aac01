// Package aabgen builds small Android App Bundles for tests and for the
// fixture script testdata/make-aab.sh: aapt2-style protocol-buffer
// manifests and resource tables, and the ZIP layout bundletool expects
// (BundleConfig.pb, base/manifest/AndroidManifest.xml, base/resources.pb,
// base/dex, feature modules). The bundles are unsigned; the fixture script
// signs them with jarsigner.
package aabgen

import (
	"archive/zip"
	"fmt"
	"io"
	"time"

	"github.com/apktrust/apktrust/internal/aapt2pb"
	"google.golang.org/protobuf/proto"
)

// AndroidNS is the android: namespace URI.
const AndroidNS = "http://schemas.android.com/apk/res/android"

// Framework attribute IDs used by the generated manifests.
const (
	AttrLabel            = 0x01010001
	AttrDebuggable       = 0x0101000f
	AttrMinSdkVersion    = 0x0101020c
	AttrVersionCode      = 0x0101021b
	AttrVersionName      = 0x0101021c
	AttrTargetSdkVersion = 0x01010270
	AttrIsFeatureSplit   = 0x0101055b
)

// LabelID is the resource ID of @string/app_name in generated tables.
const LabelID = 0x7f010000

// Manifest describes one module's manifest.
type Manifest struct {
	Package     string
	VersionCode int32
	VersionName string
	MinSDK      int32
	TargetSDK   int32
	// Debuggable adds android:debuggable with this value when non-nil.
	Debuggable *bool
	// Label, when set, is the app_name string the label refers to.
	Label string
	// Split names a feature module (split="..." and isFeatureSplit).
	Split string
}

// Attr returns an android: attribute with a compiled item.
func Attr(name string, id uint32, value string, item *aapt2pb.Item) *aapt2pb.XmlAttribute {
	return &aapt2pb.XmlAttribute{NamespaceUri: AndroidNS, Name: name, Value: value, ResourceId: id, CompiledItem: item}
}

// Int is a compiled decimal integer.
func Int(v int32) *aapt2pb.Item {
	return &aapt2pb.Item{Prim: &aapt2pb.Primitive{OneofValue: &aapt2pb.Primitive_IntDecimalValue{IntDecimalValue: v}}}
}

// Bool is a compiled boolean.
func Bool(v bool) *aapt2pb.Item {
	return &aapt2pb.Item{Prim: &aapt2pb.Primitive{OneofValue: &aapt2pb.Primitive_BooleanValue{BooleanValue: v}}}
}

// Ref is a compiled reference to a resource.
func Ref(id uint32, name string) *aapt2pb.Item {
	return &aapt2pb.Item{Ref: &aapt2pb.Reference{Id: id, Name: name}}
}

// Element returns an element without namespace.
func Element(name string, attrs []*aapt2pb.XmlAttribute, children ...*aapt2pb.XmlElement) *aapt2pb.XmlElement {
	e := &aapt2pb.XmlElement{Name: name, Attribute: attrs}
	for _, c := range children {
		e.Child = append(e.Child, &aapt2pb.XmlNode{Element: c})
	}
	return e
}

// Node returns the manifest's XmlNode tree, as aapt2 writes it.
func (m Manifest) Node() *aapt2pb.XmlNode {
	root := []*aapt2pb.XmlAttribute{{Name: "package", Value: m.Package}}
	if m.Split != "" {
		root = append(root, &aapt2pb.XmlAttribute{Name: "split", Value: m.Split},
			Attr("isFeatureSplit", AttrIsFeatureSplit, "true", Bool(true)))
	}
	root = append(root,
		Attr("versionCode", AttrVersionCode, fmt.Sprint(m.VersionCode), Int(m.VersionCode)),
		Attr("versionName", AttrVersionName, m.VersionName, nil))
	sdk := Element("uses-sdk", []*aapt2pb.XmlAttribute{
		Attr("minSdkVersion", AttrMinSdkVersion, fmt.Sprint(m.MinSDK), Int(m.MinSDK)),
		Attr("targetSdkVersion", AttrTargetSdkVersion, fmt.Sprint(m.TargetSDK), Int(m.TargetSDK)),
	})
	var app []*aapt2pb.XmlAttribute
	if m.Label != "" {
		app = append(app, Attr("label", AttrLabel, "@string/app_name", Ref(LabelID, "string/app_name")))
	}
	if m.Debuggable != nil {
		app = append(app, Attr("debuggable", AttrDebuggable, fmt.Sprint(*m.Debuggable), Bool(*m.Debuggable)))
	}
	e := Element("manifest", root, sdk, Element("application", app))
	e.NamespaceDeclaration = []*aapt2pb.XmlNamespace{{Prefix: "android", Uri: AndroidNS}}
	return &aapt2pb.XmlNode{Element: e}
}

// Bytes encodes the manifest.
func (m Manifest) Bytes() []byte {
	b, err := proto.Marshal(m.Node())
	if err != nil {
		panic(err) // a tree built in memory always encodes
	}
	return b
}

// Resources returns a resources.pb with @string/app_name = label (default
// configuration) for package pkg.
func Resources(pkg, label string) []byte {
	str := &aapt2pb.Item{Str: &aapt2pb.String{Value: label}}
	t := &aapt2pb.ResourceTable{Package: []*aapt2pb.Package{{
		PackageId:   &aapt2pb.PackageId{Id: LabelID >> 24},
		PackageName: pkg,
		Type: []*aapt2pb.Type{{
			TypeId: &aapt2pb.TypeId{Id: LabelID >> 16 & 0xff},
			Name:   "string",
			Entry: []*aapt2pb.Entry{{
				EntryId:     &aapt2pb.EntryId{Id: LabelID & 0xffff},
				Name:        "app_name",
				ConfigValue: []*aapt2pb.ConfigValue{{Value: &aapt2pb.Value{Item: str}}},
			}},
		}},
	}}}
	b, err := proto.Marshal(t)
	if err != nil {
		panic(err)
	}
	return b
}

// File is one entry of a bundle.
type File struct {
	Name string
	Data []byte
}

// Bundle returns the entries of a bundle with the base module of base and
// one feature module per feature manifest (its Split names the module).
func Bundle(base Manifest, features ...Manifest) []File {
	files := []File{
		// BundleConfig: bundletool { version: "1.15.6" }.
		{"BundleConfig.pb", []byte{0x0a, 0x08, 0x12, 0x06, '1', '.', '1', '5', '.', '6'}},
		{"base/manifest/AndroidManifest.xml", base.Bytes()},
		{"base/dex/classes.dex", []byte("dex\n035\x00 apktrust test bundle")},
		{"base/res/raw/hello.txt", []byte("hello from the base module\n")},
	}
	if base.Label != "" {
		files = append(files, File{"base/resources.pb", Resources(base.Package, base.Label)})
	}
	for _, f := range features {
		files = append(files,
			File{f.Split + "/manifest/AndroidManifest.xml", f.Bytes()},
			File{f.Split + "/dex/classes.dex", []byte("dex\n035\x00 feature " + f.Split)})
	}
	return files
}

// WriteZip writes the files as a ZIP with fixed timestamps, so the
// generator's output is reproducible.
func WriteZip(w io.Writer, files []File) error {
	zw := zip.NewWriter(w)
	for _, f := range files {
		fw, err := zw.CreateHeader(&zip.FileHeader{Name: f.Name, Method: zip.Deflate,
			Modified: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)})
		if err != nil {
			return err
		}
		if _, err := fw.Write(f.Data); err != nil {
			return err
		}
	}
	return zw.Close()
}
