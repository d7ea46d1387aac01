package manifest

import (
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apktrust/apktrust/internal/apkentry"
	"github.com/apktrust/apktrust/signer"
)

// The differential test generates manifests mutated the ways readers can
// be made to disagree (attributes reordered, duplicated, retyped,
// namespaced, referenced), and checks apktrust's package, versionCode,
// debuggable and testOnly against two models written here from the
// platform's and aapt's sources, and against the installed aapt on a
// sample: apktrust either agrees with the platform's reading (and with
// aapt's where aapt reads the same bytes) or refuses the manifest. It
// never reports a fact the platform's reading would fail a policy on.

const differentialFiles = 2400

// dFacts is one reader's view of the judged facts; refused means the
// reader (the platform) rejects the file.
type dFacts struct {
	refused     bool
	pkg         string
	versionCode uint32
	debuggable  bool
	testOnly    bool
}

// dValue is a generated attribute value and, for references, the value in
// each configuration of the table.
type dAttr struct {
	tAttr
	configs []tEntry // for references: default, v21, mcc999
	strs    []string // string values of configs (typ 0x03)
}

type dCase struct {
	utf8  bool
	root  []dAttr
	apps  [][]dAttr
	appNS []bool
	table []byte
}

// styleable is a sorted request list like R.styleable.AndroidManifest*:
// the platform's lookup walks it in step with the element's attributes.
var styleable = []uint32{attrLabel, attrSharedUserID, attrDebuggable, attrVersionCode, attrVersionName, attrTestOnly, 0x010102b7, 0x0101054c}

// platformLookup is AttributeResolution's walk, written out literally.
func platformLookup(attrs []tAttr, want uint32) *tAttr {
	ix := 0
	cur := func() uint32 {
		if ix < len(attrs) {
			return attrs[ix].id
		}
		return 0
	}
	for _, ident := range styleable {
		for ix < len(attrs) && ident > cur() {
			ix++
		}
		if ix < len(attrs) && ident == cur() {
			if ident == want {
				return &attrs[ix]
			}
			ix++
		}
	}
	return nil
}

func linearLookup(attrs []tAttr, want uint32) *tAttr {
	for i := range attrs {
		if attrs[i].id == want {
			return &attrs[i]
		}
	}
	return nil
}

// emitted returns the attributes in the order buildXML writes them.
func emitted(attrs []dAttr, keep bool) []tAttr {
	out := make([]tAttr, len(attrs))
	for i, a := range attrs {
		out[i] = a.tAttr
	}
	if !keep {
		slices.SortStableFunc(out, func(a, b tAttr) int { return int(int64(a.id-1) - int64(b.id-1)) })
	}
	return out
}

func find(attrs []dAttr, t *tAttr) *dAttr {
	for i := range attrs {
		if attrs[i].tAttr.name == t.name && attrs[i].tAttr.id == t.id && attrs[i].tAttr.typ == t.typ && attrs[i].tAttr.data == t.data && attrs[i].tAttr.str == t.str && attrs[i].tAttr.raw == t.raw {
			return &attrs[i]
		}
	}
	return nil
}

// model reads the facts with one lookup (the platform's or aapt's).
// integers accept only integer types; booleans are TypedArray's; a
// reference takes the worst value over the configurations a device of
// the range (API 24 and up) can be given: values-v21 and mcc999, not the
// default, which values-v21 shadows on all of them.
func model(c *dCase, keep bool, lookup func([]tAttr, uint32) *tAttr) dFacts {
	var f dFacts
	root := emitted(c.root, keep)
	// package: the first un-namespaced attribute named package, raw.
	for _, a := range root {
		if a.noNS && a.name == "package" {
			raw := a.str
			if a.raw != "" {
				raw = a.raw
			}
			if a.noRaw || a.typ != 0x03 && a.raw == "" {
				f.refused = true
			}
			if i := strings.IndexByte(raw, 0); i >= 0 {
				if !c.utf8 {
					f.refused = true
				}
				raw = raw[:i]
			}
			f.pkg = raw
			break
		}
	}
	if f.pkg == "" {
		f.refused = true
	}
	if a := lookup(root, attrVersionCode); a != nil {
		d := find(c.root, a)
		vals := []tEntry{{typ: a.typ, data: a.data}}
		if a.typ == 0x01 {
			vals = d.configs[1:] // minSdk 24: values-v21 shadows the default
		}
		first := true
		for _, v := range vals {
			switch {
			case v.typ >= 0x10 && v.typ <= 0x1f:
				if first || v.data < f.versionCode {
					f.versionCode = v.data
				}
				first = false
			case v.typ == 0x00:
			default:
				f.refused = true
			}
		}
	}
	flag := func(id uint32) bool {
		set := false
		for k, app := range c.apps {
			attrs := emitted(app, keep)
			a := lookup(attrs, id)
			if a == nil {
				continue
			}
			d := find(app, a)
			v := false
			switch {
			case a.typ == 0x01:
				for i, e := range d.configs[1:] { // the default is shadowed
					v = v || (e.typ >= 0x10 && e.typ <= 0x1f && e.data != 0) || (e.typ == 0x03 && truthy(d.strs[i+1]))
				}
			case a.typ == 0x03:
				v = truthy(a.str)
			default:
				v = a.typ >= 0x10 && a.typ <= 0x1f && a.data != 0
			}
			if k == 0 {
				set = v
			}
		}
		return set
	}
	f.debuggable = flag(attrDebuggable)
	f.testOnly = flag(attrTestOnly)
	return f
}

// genCase builds one mutated manifest from the seeded generator.
func genCase(r *rand.Rand) (*dCase, bool) {
	c := &dCase{utf8: r.IntN(2) == 0}
	keep := r.IntN(4) == 0
	pick := func(n int) int { return r.IntN(n) }

	pkgs := []string{victim, "com.evil.app", victim + "\x00evil"}
	switch pick(10) {
	case 0:
		c.root = append(c.root, dAttr{tAttr: tAttr{name: "package", noNS: true, typ: 0x03, str: victim, raw: "com.evil.app"}})
	case 1:
		c.root = append(c.root, dAttr{tAttr: tAttr{name: "package", noNS: true, typ: 0x03, str: victim, noRaw: true}})
	case 2:
		c.root = append(c.root, dAttr{tAttr: aStr("package", 0, victim)}) // namespaced: not the package
	default:
		c.root = append(c.root, dAttr{tAttr: aPlain("package", pkgs[pick(len(pkgs))])})
	}
	var tableInts, tableBools []tEntry
	var boolStrs []string
	strs := []string{"Victim", "true", "false", "TRUE", "1", "100"}
	addRef := func(kind int) dAttr {
		// kind 0: integer (type 1), 1: boolean (type 2).
		var cfg []tEntry
		var ss []string
		for k := 0; k < 3; k++ {
			switch pick(8) {
			case 0:
				i := pick(len(strs))
				cfg = append(cfg, tEntry{typ: 0x03, data: uint32(i)})
				ss = append(ss, strs[i])
			case 1, 2, 3:
				cfg = append(cfg, tEntry{typ: 0x12, data: uint32(pick(2))})
				ss = append(ss, "")
			default:
				cfg = append(cfg, tEntry{typ: 0x10, data: uint32(1 + pick(200))})
				ss = append(ss, "")
			}
		}
		var id uint32
		if kind == 0 {
			id = 0x7f010000 | uint32(len(tableInts)/3)
			tableInts = append(tableInts, cfg...)
		} else {
			id = 0x7f020000 | uint32(len(tableBools)/3)
			tableBools = append(tableBools, cfg...)
			boolStrs = append(boolStrs, ss...)
		}
		return dAttr{tAttr: aRef("", 0, id), configs: cfg, strs: ss}
	}
	vc := func() dAttr {
		var a dAttr
		switch pick(10) {
		case 0:
			a = dAttr{tAttr: aStr("", 0, fmt.Sprint(50+pick(100)))}
		case 1:
			a = dAttr{tAttr: tAttr{typ: 0x11, data: uint32(50 + pick(100)), noRaw: true}}
		case 2:
			a = addRef(0)
		case 3:
			a = dAttr{tAttr: aBool("", 0, pick(2) == 0)}
		default:
			a = dAttr{tAttr: aInt("", 0, int32(50+pick(100)))}
		}
		a.name, a.id = "versionCode", attrVersionCode
		return a
	}
	c.root = append(c.root, vc())
	if pick(5) == 0 {
		c.root = append(c.root, vc()) // duplicate
	}
	c.root = append(c.root, dAttr{tAttr: aStr("versionName", attrVersionName, "1.0")})
	if pick(3) == 0 {
		c.root = append(c.root, dAttr{tAttr: aInt("installLocation", 0x010102b7, 0)})
	}
	flagAttr := func(name string, id uint32) dAttr {
		var a dAttr
		switch pick(8) {
		case 0:
			s := []string{"true", "false", "TRUE", "1", "yes"}[pick(5)]
			a = dAttr{tAttr: aStr("", 0, s)}
			if pick(4) == 0 {
				a.raw = []string{"true", "false"}[pick(2)]
			}
		case 1:
			a = addRef(1)
		case 2:
			a = dAttr{tAttr: aInt("", 0, int32(pick(3)))}
		default:
			a = dAttr{tAttr: aBool("", 0, pick(2) == 0)}
		}
		a.name, a.id = name, id
		return a
	}
	nApps := 1 + pick(2)
	for k := 0; k < nApps; k++ {
		app := []dAttr{{tAttr: aStr("label", attrLabel, "Victim")}}
		if pick(4) != 0 {
			app = append(app, flagAttr("debuggable", attrDebuggable))
		}
		if pick(4) != 0 {
			app = append(app, flagAttr("testOnly", attrTestOnly))
		}
		if pick(6) == 0 {
			app = append(app, flagAttr("debuggable", attrDebuggable))
		}
		if keep {
			r.Shuffle(len(app), func(i, j int) { app[i], app[j] = app[j], app[i] })
		}
		c.apps = append(c.apps, app)
		c.appNS = append(c.appNS, pick(4) == 0)
	}
	if keep {
		r.Shuffle(len(c.root), func(i, j int) { c.root[i], c.root[j] = c.root[j], c.root[i] })
	}
	if len(tableInts)+len(tableBools) > 0 {
		var types []tType
		for k, cfg := range [][]byte{nil, sdkConfig(21), mccConfig(999)} {
			var ints, bools []tEntry
			for i := k; i < len(tableInts); i += 3 {
				ints = append(ints, tableInts[i])
			}
			for i := k; i < len(tableBools); i += 3 {
				bools = append(bools, tableBools[i])
			}
			if len(ints) > 0 {
				types = append(types, tType{id: 1, config: cfg, entries: ints})
			}
			if len(bools) > 0 {
				types = append(types, tType{id: 2, config: cfg, entries: bools})
			}
		}
		c.table = buildConfigTable(strs, types)
	}
	return c, keep
}

func (c *dCase) xml(keep bool) []byte {
	toT := func(as []dAttr) []tAttr {
		out := make([]tAttr, len(as))
		for i, a := range as {
			out[i] = a.tAttr
		}
		return out
	}
	kids := []tElem{usesSDK(aInt("minSdkVersion", attrMinSdkVersion, 24))}
	for k, app := range c.apps {
		kids = append(kids, tElem{name: "application", attrs: toT(app), keepOrder: keep, ns: c.appNS[k]})
	}
	root := el("manifest", nil, kids...).withAttrs(keep, toT(c.root)...)
	return buildXML(root, c.utf8)
}

func TestDifferentialMutatedManifests(t *testing.T) {
	r := rand.New(rand.NewPCG(12, 2026))
	_, aaptErr := exec.LookPath("aapt")
	useAapt := aaptErr == nil && !testing.Short()
	dir := t.TempDir()
	codes := map[Code]int{}
	var refused, beyondModels, accepted, aaptRuns, aaptAnswered, aaptAgree, aaptSafer int
	for i := 0; i < differentialFiles; i++ {
		c, keep := genCase(r)
		xml := c.xml(keep)
		files := []zipFile{{name: ManifestEntry, data: xml}}
		if c.table != nil {
			files = append(files, zipFile{name: apkentry.Resources, data: c.table, stored: true})
		}
		apk := zipBytes(t, files...)
		m, err := fromArchive(openZipBytes(t, apk))
		plat := model(c, keep, platformLookup)
		lin := model(c, keep, linearLookup)
		what := fmt.Sprintf("file %d (keep order %v, utf8 %v): platform %+v, linear %+v", i, keep, c.utf8, plat, lin)
		if err != nil {
			var fe *signer.Error
			require.ErrorAs(t, err, &fe, what)
			require.Contains(t, []Code{CodeRefused, CodeAmbiguous}, fe.Code, "%s: %v", what, err)
			refused++
			codes[fe.Code]++
			if !plat.refused && plat == lin {
				// Both lookups agree, yet apktrust refuses: a disagreement
				// the models do not cover (raw against typed strings,
				// duplicates, a later <application>), or caution.
				beyondModels++
			}
		} else {
			accepted++
			require.False(t, plat.refused, "%s: the platform refuses this file, apktrust accepted it as %s", what, m.Package)
			got := dFacts{pkg: m.Package, versionCode: uint32(m.VersionCode), debuggable: m.Debuggable, testOnly: m.TestOnly}
			require.Equal(t, plat, got, "%s: apktrust must read what the platform reads", what)
			require.Equal(t, lin, got, "%s: readers disagree, apktrust must refuse", what)
		}
		// aapt on every second accepted file (a refusal needs no
		// comparison): it must read the same facts.
		if !useAapt || err != nil || accepted%2 != 0 {
			continue
		}
		aaptRuns++
		path := filepath.Join(dir, "d.apk")
		require.NoError(t, os.WriteFile(path, apk, 0o644))
		out, aerr := exec.Command("aapt", "dump", "badging", path).CombinedOutput()
		if aerr != nil {
			continue
		}
		aaptAnswered++
		b := parseBadging(string(out))
		got := dFacts{pkg: m.Package, versionCode: uint32(m.VersionCode), debuggable: m.Debuggable, testOnly: m.TestOnly}
		a := dFacts{pkg: b.pkg, debuggable: b.debuggable, testOnly: b.testOnly}
		// aapt prints versionCode signed; the platform compares the
		// long version code, whose low 32 bits are unsigned.
		// It prints nothing for a value of 0 or below.
		if v, err := strconv.ParseInt(b.versionCode, 10, 64); err == nil {
			a.versionCode = uint32(v)
		} else if b.versionCode == "" && int32(got.versionCode) <= 0 {
			a.versionCode = got.versionCode
		}
		if a == got {
			aaptAgree++
			continue
		}
		// aapt resolves a reference in one configuration; apktrust judges
		// every configuration, so it may only be stricter.
		assert.Equal(t, a.pkg, got.pkg, "%s: aapt package", what)
		assert.True(t, got.versionCode <= a.versionCode && (got.debuggable || !a.debuggable) && (got.testOnly || !a.testOnly),
			"%s: apktrust %+v is less strict than aapt %+v (%s)", what, got, a, strings.SplitN(string(out), "\n", 2)[0])
		aaptSafer++
	}
	t.Logf("%d mutated manifests: %d accepted (each = platform model = linear model), %d refused %v (%d where both models read the same)", differentialFiles, accepted, refused, codes, beyondModels)
	if useAapt {
		t.Logf("aapt on %d accepted files: %d answered; apktrust agreed on %d, was stricter on %d (a reference aapt resolves in one configuration)", aaptRuns, aaptAnswered, aaptAgree, aaptSafer)
	}
	assert.Greater(t, accepted, differentialFiles/10, "the generator must also produce files apktrust accepts")
}
