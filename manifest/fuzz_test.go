package manifest

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apktrust/apktrust/internal/apkentry"
	"github.com/apktrust/apktrust/internal/apkzip"
	"github.com/apktrust/apktrust/signer"
)

// fuzzSeeds returns real and synthetic manifests to start fuzzing from.
func fuzzSeeds(t testing.TB) [][]byte {
	seeds := [][]byte{
		buildXML(minimalManifest(), false),
		buildXML(minimalManifest(usesSDK(aStr("minSdkVersion", attrMinSdkVersion, "Tiramisu"))), true),
		buildXML(minimalManifest(
			usesSDK(aInt("minSdkVersion", attrMinSdkVersion, 21), aInt("targetSdkVersion", attrTargetSdkVersion, 33)),
			el("uses-permission", []tAttr{aStr("name", attrName, "android.permission.INTERNET"), aInt("maxSdkVersion", attrMaxSdkVersion, 18)}),
			el("application", []tAttr{aRef("label", attrLabel, 0x7f010000), aBool("debuggable", attrDebuggable, true)},
				el("meta-data", []tAttr{aStr("name", attrName, MetaStampSource), aStr("value", attrValue, "https://play.google.com/store")}),
				el("meta-data", []tAttr{aStr("name", attrName, MetaDerivedAPKID), aInt("value", attrValue, 2)}),
			),
		), false),
	}
	// The attack shapes: raw/typed strings, string integers, references,
	// namespaced elements, attribute order, a NUL inside a string.
	for _, sh := range attackShapes() {
		seeds = append(seeds, sh.manifest)
	}
	// The project's fixtures, when present, add aapt-built manifests
	// (including the stripped-names ones).
	apks, _ := filepath.Glob(filepath.Join(fixtureDir, "apk", "*.apk"))
	for _, p := range apks {
		if !strings.Contains(p, "min21-v123.apk") && !strings.Contains(p, "attrnames") &&
			!strings.Contains(p, "codename") && !strings.Contains(p, "nousessdk") {
			continue
		}
		f, err := os.Open(p)
		if err != nil {
			continue
		}
		st, _ := f.Stat()
		if a, err := apkzip.Open(f, st.Size()); err == nil {
			if e := a.Lookup(ManifestEntry); e != nil {
				if b, err := e.ReadAll(apkentry.MaxManifestSize); err == nil {
					seeds = append(seeds, b)
				}
			}
		}
		f.Close()
	}
	return seeds
}

// FuzzParse feeds arbitrary bytes to the manifest reader. It must never
// panic, must fail only with a *signer.Error whose code is not
// CodeInternal, and must return Android-consistent values on success.
func FuzzParse(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := Parse(b)
		if err != nil {
			var fe *signer.Error
			if !errors.As(err, &fe) {
				t.Fatalf("error is %T, not *signer.Error: %v", err, err)
			}
			if fe.Code == CodeInternal || fe.Code == "" {
				t.Fatalf("unexpected code: %v", err)
			}
			if m != nil {
				t.Fatal("manifest returned with an error")
			}
			return
		}
		if m.MinSDK() < 1 {
			t.Fatalf("MinSDK %d below Android's floor", m.MinSDK())
		}
		if m.TargetSandboxVersion == 0 {
			t.Fatal("targetSandboxVersion lost its default")
		}
		if m.LongVersionCode != int64(m.VersionCodeMajor)<<32|int64(uint32(m.VersionCode)) {
			t.Fatal("long version code inconsistent")
		}
	})
}

// FuzzTable feeds arbitrary bytes to the resources.arsc reader and
// resolves a few IDs in every configuration, decoding the strings they
// give. Nothing may panic, and every failure is a resources error.
func FuzzTable(f *testing.F) {
	for _, b := range tableSeeds() {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		tf, err := loadTable(b)
		if err != nil {
			if !errors.Is(err, CodeResources) {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		for _, id := range []uint32{0x7f010000, 0x7f010001, 0x7f010003, 0x7f020000, 0x7f020001, 0x7f030000} {
			vs, err := tf.values(id, 1)
			if err != nil && !errors.Is(err, CodeResources) && !errors.Is(err, CodeResourcesLimit) {
				t.Fatalf("unexpected error %v", err)
			}
			for _, v := range vs {
				if v.typ == 0x03 {
					if _, err := tf.str(v); err != nil && !errors.Is(err, CodeResources) && !errors.Is(err, CodeResourcesLimit) {
						t.Fatalf("unexpected error %v", err)
					}
				}
			}
		}
	})
}

// FuzzMinSDKValue checks apksig's minSdkVersion rule for any value type,
// data and codename: integers are taken as they are (at least 1), strings
// follow the codename table, every other type is refused.
func FuzzMinSDKValue(f *testing.F) {
	f.Add(uint8(0x10), uint32(21), "")
	f.Add(uint8(0x11), uint32(28), "")
	f.Add(uint8(0x03), uint32(0), "Tiramisu")
	f.Add(uint8(0x03), uint32(0), "19")
	f.Add(uint8(0x01), uint32(0x7f010000), "")
	f.Add(uint8(0x12), uint32(1), "")
	f.Fuzz(func(t *testing.T, typ uint8, data uint32, codename string) {
		// The test builder encodes valid UTF-8 only, in lengths up to
		// 0x7fff bytes.
		codename = strings.ToValidUTF8(codename, "")
		if len(codename) > 0x7fff {
			t.Skip()
		}
		a := tAttr{name: "minSdkVersion", id: attrMinSdkVersion, typ: typ, data: data, noRaw: true}
		if typ == 0x03 {
			a = aStr("minSdkVersion", attrMinSdkVersion, codename)
		}
		m, err := Parse(buildXML(minimalManifest(usesSDK(a)), data&1 == 0))
		switch {
		case typ == 0x10 || typ == 0x11:
			if err != nil {
				t.Fatal(err)
			}
			want := max(1, int(int32(data)))
			if m.MinSDK() != want {
				t.Fatalf("MinSDK %d, want %d", m.MinSDK(), want)
			}
		case typ == 0x03:
			want, ok := codenameAPILevel(codename)
			if !ok {
				if !errors.Is(err, CodeMinSDK) {
					t.Fatalf("codename %q: %v", codename, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if m.MinSDK() != want || m.MinSDKCodename != codename {
				t.Fatalf("codename %q: MinSDK %d (%q), want %d", codename, m.MinSDK(), m.MinSDKCodename, want)
			}
		default:
			if !errors.Is(err, CodeMinSDK) {
				t.Fatalf("type 0x%02x: %v", typ, err)
			}
		}
	})
}

// tableSeeds are resource tables for the table fuzz targets: plain,
// per-configuration, and small versions of the resource bombs.
func tableSeeds() [][]byte {
	seeds := [][]byte{
		testTable(),
		buildTable([]string{"a"}, [][]tEntry{{{typ: 0x03, data: 0}}, {{typ: 0x12, data: 1}}}),
		bombTable(200, 100),
		withPool(labelInConfigs(20), overlapPool(100)),
		withPool(buildConfigTable(nil, []tType{{id: 3, entries: []tEntry{{typ: 0x03, data: 0}}}}), styledPool(4, 8)),
	}
	for _, sh := range attackShapes() {
		if sh.resources != nil && len(sh.resources) < 64<<10 {
			seeds = append(seeds, sh.resources)
		}
	}
	return seeds
}

// tableBytes resolves through a resources.arsc image, for fuzzing the
// manifest reader and the table reader together.
type tableBytes struct {
	t   *resTable
	err error
}

func (r *tableBytes) values(id uint32, minSDK int) ([]resValue, error) {
	if r.err != nil {
		return nil, r.err
	}
	return r.t.values(id, minSDK)
}

func (r *tableBytes) str(v resValue) (string, error) {
	if r.err != nil {
		return "", r.err
	}
	return r.t.str(v)
}

// FuzzParseWithTable reads a manifest whose references resolve through a
// fuzzed table: every failure is a *signer.Error with a code the reader
// documents, never a panic, and a judged fact is never read from a table
// it could not decode.
func FuzzParseWithTable(f *testing.F) {
	for _, sh := range attackShapes() {
		if sh.resources != nil && len(sh.resources) < 64<<10 {
			f.Add(sh.manifest, sh.resources)
		}
	}
	f.Fuzz(func(t *testing.T, xml, table []byte) {
		tf, err := loadTable(table)
		m, err := parse(xml, &tableBytes{t: tf, err: err})
		if err != nil {
			var fe *signer.Error
			if !errors.As(err, &fe) {
				t.Fatalf("error is %T, not *signer.Error: %v", err, err)
			}
			if fe.Code == CodeInternal || fe.Code == "" {
				t.Fatalf("unexpected code: %v", err)
			}
			return
		}
		if m.LongVersionCode != int64(m.VersionCodeMajor)<<32|int64(uint32(m.VersionCode)) {
			t.Fatal("long version code inconsistent")
		}
	})
}
