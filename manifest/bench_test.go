package manifest

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/apktrust/apktrust/internal/apkentry"
	"github.com/apktrust/apktrust/internal/apkzip"
	"github.com/apktrust/apktrust/internal/conformance"
)

// benchAPK is the largest manifest of the real-world corpus (a Play base
// APK: 36 KB of binary XML, 465 KB resources.arsc).
const benchAPK = "play-reasily-base.apk"

func benchManifest(b *testing.B) ([]byte, *apkzip.Archive) {
	dir := conformance.RealWorldDir(b)
	f, err := os.Open(filepath.Join(dir, benchAPK))
	if err != nil {
		b.Skipf("%s: %v", benchAPK, err)
	}
	b.Cleanup(func() { f.Close() })
	st, _ := f.Stat()
	a, err := apkzip.Open(f, st.Size())
	if err != nil {
		b.Fatal(err)
	}
	xml, err := a.Lookup(ManifestEntry).ReadAll(apkentry.MaxManifestSize)
	if err != nil {
		b.Fatal(err)
	}
	return xml, a
}

// BenchmarkParse measures decoding the manifest bytes of a real app.
func BenchmarkParse(b *testing.B) {
	xml, _ := benchManifest(b)
	b.SetBytes(int64(len(xml)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(xml); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFromArchive adds inflating the entry and resolving the label
// through resources.arsc.
func BenchmarkFromArchive(b *testing.B) {
	_, a := benchManifest(b)
	b.ReportAllocs()
	for b.Loop() {
		m, err := fromArchive(a)
		if err != nil || m.Label == "" {
			b.Fatal(err, m.ResourcesErr)
		}
	}
}

// BenchmarkReadEntryParse is the path signature checks take: inflate the
// entry and parse it, without resources.arsc.
func BenchmarkReadEntryParse(b *testing.B) {
	_, a := benchManifest(b)
	b.ReportAllocs()
	for b.Loop() {
		xml, err := readManifest(a.FS())
		if err != nil {
			b.Fatal(err)
		}
		if _, err := Parse(xml); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseSynthetic needs no corpus: a manifest with 400
// components, 100 permissions and 50 meta-data entries.
func BenchmarkParseSynthetic(b *testing.B) {
	var kids []tElem
	for i := 0; i < 100; i++ {
		kids = append(kids, el("uses-permission", []tAttr{aStr("name", attrName, fmt.Sprintf("android.permission.P%d", i))}))
	}
	var comps []tElem
	for i := 0; i < 400; i++ {
		comps = append(comps, el("activity", []tAttr{aStr("name", attrName, fmt.Sprintf(".A%d", i)), aBool("exported", 0x01010010, false)},
			el("intent-filter", nil, el("action", []tAttr{aStr("name", attrName, "android.intent.action.VIEW")}))))
	}
	for i := 0; i < 50; i++ {
		comps = append(comps, el("meta-data", []tAttr{aStr("name", attrName, fmt.Sprintf("m%d", i)), aInt("value", attrValue, int32(i))}))
	}
	kids = append(kids, usesSDK(aInt("minSdkVersion", attrMinSdkVersion, 23)), el("application", []tAttr{aStr("label", attrLabel, "Bench")}, comps...))
	xml := buildXML(minimalManifest(kids...), true)
	b.SetBytes(int64(len(xml)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(xml); err != nil {
			b.Fatal(err)
		}
	}
}
