package apkverify_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/apktrust/apktrust/apkverify"
	"github.com/apktrust/apktrust/internal/scheme"
)

// The property: recombining the signing blocks of genuine files (moving,
// copying, dropping, duplicating and reordering scheme blocks and signer
// records between files and keys, the content left unchanged) never
// yields a file that is trusted for a pinned key P while Android, on some
// API level of the range, reads a block that does not verify there or
// installs the app under a key that is neither P nor P's legitimate
// successor (nor an older key P's own lineage names, used below P's
// levels). Which block and signer Android uses per level is decided here
// by a model of the platform's verifier written independently of
// package apkverify, on the raw bytes.

// propBase is a genuine fixture the generator recombines.
type propBase struct {
	name    string
	apk     *sbAPK
	minSDK  int    // the manifest's
	digests []byte // the genuine signed digests of its content
	v2, v3  [][]byte
}

type propWorld struct {
	bases []*propBase
	keys  []*sbKey // A, B, C, X: X is in no lineage
	// lineages are the genuine proof-of-rotation attributes, with the
	// certificates they hold, oldest first.
	lineages [][]byte
	chains   [][][32]byte
	v1Cert   [32]byte // every base's JAR signer: key A
}

func newPropWorld(t *testing.T) *propWorld {
	ka, kb, kc, kx := loadKey(t, "rsa-a"), loadKey(t, "rsa-b"), loadKey(t, "rsa-c"), loadKey(t, "rsa4096")
	w := &propWorld{keys: []*sbKey{ka, kb, kc, kx}, v1Cert: ka.sha}
	w.lineages = [][]byte{lineageAttr(t, "min21-v123-rot-ab.apk"), lineageAttr(t, "min21-v123-rot-abc.apk")}
	w.chains = [][][32]byte{{ka.sha, kb.sha}, {ka.sha, kb.sha, kc.sha}}
	for _, b := range []struct {
		name   string
		minSDK int
	}{
		{"min28-v123.apk", 28}, {"min21-v123.apk", 21}, {"min24-v123.apk", 24},
		{"min33-v123.apk", 33}, {"min21-v123-rot-ab.apk", 21}, {"min21-v123-rot-abc.apk", 21},
	} {
		a := splitAPK(t, readFile(t, fixture(t, b.name)))
		pb := &propBase{name: b.name, apk: a, minSDK: b.minSDK,
			v2: blockRecords(t, a.find(scheme.BlockIDV2)), v3: blockRecords(t, a.find(scheme.BlockIDV3))}
		rec, err := parseRecord(pb.v3[0], true)
		require.NoError(t, err)
		pb.digests = rec.digests
		w.bases = append(w.bases, pb)
	}
	return w
}

// propFile is one generated file and what it was built from.
type propFile struct {
	base           *propBase
	pairs          []sbPair
	minSDK, maxSDK int // the options; 0 = default
	desc           []string
}

func pick[T any](r *rand.Rand, s []T) T { return s[r.IntN(len(s))] }

var propRanges = [][2]int{{24, maxSDK}, {28, maxSDK}, {28, 32}, {33, maxSDK}, {24, 32}, {32, maxSDK}, {34, maxSDK}, {28, 33}, {33, 34}, {35, maxSDK}, {24, 33}}

// freshRecord signs a new v2 or v3 record over the base's content with a
// random key, SDK range and attributes (a lineage of the pool, the
// rotation-min-sdk-version attribute, the development-release attribute,
// v2 stripping protection).
func (w *propWorld) freshRecord(t *testing.T, r *rand.Rand, b *propBase, v3 bool) ([]byte, string) {
	k := w.keys[1+r.IntN(3)]
	if r.IntN(8) == 0 {
		k = w.keys[0] // the genuine developer, with odd shapes
	}
	rg := pick(r, propRanges)
	var attrs []sbPair
	desc := k.name
	if v3 {
		if r.IntN(3) == 0 {
			i := r.IntN(len(w.lineages))
			attrs = append(attrs, sbPair{attrLineage, w.lineages[i]})
			desc += "+lineage" + string(rune('1'+i))
		}
		if r.IntN(4) == 0 {
			m := pick(r, []int{24, 28, 32, 33, 34})
			attrs = append(attrs, sbPair{attrRotationMin, u32(uint32(m))})
			desc += "+rotmin"
		}
		if r.IntN(6) == 0 {
			attrs = append(attrs, sbPair{attrDevRelease, u32(1)})
			desc += "+dev"
		}
	} else if r.IntN(2) == 0 {
		attrs = append(attrs, sbPair{0xbeeff00d, u32(3)})
	}
	return k.signRecord(t, v3, b.digests, rg[0], rg[1], attrs...), desc
}

// records picks 1-2 signer records: copies of genuine ones (of this base
// or, transplanted, of another), fresh ones, or one twice.
func (w *propWorld) records(t *testing.T, r *rand.Rand, b *propBase, v3 bool, f *propFile) [][]byte {
	n := 1 + r.IntN(2)
	var out [][]byte
	for range n {
		switch r.IntN(6) {
		case 0, 1:
			src := b
			if r.IntN(5) == 0 {
				src = pick(r, w.bases)
			}
			rec := pick(r, src.v3)
			if !v3 || r.IntN(4) == 0 {
				rec = pick(r, src.v2)
			}
			out = append(out, rec)
			f.desc = append(f.desc, "copy:"+src.name)
		case 2:
			if len(out) > 0 {
				out = append(out, out[0])
				f.desc = append(f.desc, "dup")
				continue
			}
			fallthrough
		default:
			rec, d := w.freshRecord(t, r, b, v3)
			out = append(out, rec)
			f.desc = append(f.desc, "fresh:"+d)
		}
	}
	if r.IntN(3) == 0 {
		slices.Reverse(out)
	}
	return out
}

func (w *propWorld) generate(t *testing.T, r *rand.Rand) *propFile {
	b := pick(r, w.bases)
	f := &propFile{base: b}
	var pairs []sbPair
	// v2 and v3: keep, drop, transplant from another file, or rebuild
	// from signer records.
	for _, blk := range []struct {
		id   uint32
		name string
	}{{scheme.BlockIDV2, "v2"}, {scheme.BlockIDV3, "v3"}} {
		switch r.IntN(6) {
		case 0, 1:
			pairs = append(pairs, sbPair{blk.id, b.apk.find(blk.id)})
		case 2:
			f.desc = append(f.desc, blk.name+":drop")
		case 3:
			pairs = append(pairs, sbPair{blk.id, pick(r, w.bases).apk.find(blk.id)})
			f.desc = append(f.desc, blk.name+":transplant")
		default:
			f.desc = append(f.desc, blk.name+":")
			pairs = append(pairs, sbPair{blk.id, makeBlock(w.records(t, r, b, blk.id == scheme.BlockIDV3, f)...)})
		}
	}
	// v3.1
	switch r.IntN(5) {
	case 0, 1:
	case 2:
		src := b
		if r.IntN(4) == 0 {
			src = pick(r, w.bases)
		}
		pairs = append(pairs, sbPair{scheme.BlockIDV31, src.apk.find(scheme.BlockIDV3)})
		f.desc = append(f.desc, "v31:copy-v3-of:"+src.name)
	default:
		f.desc = append(f.desc, "v31:")
		pairs = append(pairs, sbPair{scheme.BlockIDV31, makeBlock(w.records(t, r, b, true, f)...)})
	}
	if r.IntN(10) == 0 && len(pairs) > 0 {
		// A corrupted signature somewhere.
		i := r.IntN(len(pairs))
		v := slices.Clone(pairs[i].value)
		v[len(v)-len(w.keys[0].spki)-6] ^= 0x40
		pairs[i].value = v
		f.desc = append(f.desc, "corrupt")
	}
	if r.IntN(4) == 0 {
		r.Shuffle(len(pairs), func(i, j int) { pairs[i], pairs[j] = pairs[j], pairs[i] })
		f.desc = append(f.desc, "shuffled")
	}
	if r.IntN(20) == 0 && len(pairs) > 0 {
		pairs = append(pairs, pick(r, pairs))
		f.desc = append(f.desc, "dup-pair")
	}
	f.pairs = pairs
	f.minSDK = pick(r, []int{0, 0, 0, 24, 28, 30, 33})
	f.maxSDK = pick(r, []int{0, 0, 0, 32, 35})
	if f.maxSDK != 0 && f.minSDK > f.maxSDK {
		f.minSDK = 0
	}
	if f.maxSDK != 0 && f.base.minSDK > f.maxSDK && f.minSDK == 0 {
		f.maxSDK = 0
	}
	return f
}

// modelReading is what the model of the platform says a device reads.
type modelReading struct {
	ok      bool
	scheme  string
	records []*sbRecord // nil with v1 (the JAR signer is key A)
}

type platformModel struct {
	w    *propWorld
	f    *propFile
	recs map[uint32][]*sbRecord
	bad  map[uint32]bool // a block whose records do not parse
}

func newModel(w *propWorld, f *propFile) *platformModel {
	m := &platformModel{w: w, f: f, recs: map[uint32][]*sbRecord{}, bad: map[uint32]bool{}}
	seen := map[uint32]bool{}
	for _, p := range f.pairs {
		if seen[p.id] {
			continue // Android reads the first pair with an ID
		}
		seen[p.id] = true
		r := &sbReader{b: p.value}
		raws, err := seq(r.lp())
		if err != nil || r.err != nil || len(raws) == 0 {
			m.bad[p.id] = true
			continue
		}
		for _, raw := range raws {
			rec, err := parseRecord(raw, p.id != scheme.BlockIDV2)
			if err != nil {
				m.bad[p.id] = true
				break
			}
			m.recs[p.id] = append(m.recs[p.id], rec)
		}
	}
	return m
}

func (m *platformModel) present(id uint32) bool { return m.bad[id] || len(m.recs[id]) > 0 }

// valid: the record verifies over this content, and its lineage, if any,
// is a genuine one ending with its certificate.
func (m *platformModel) valid(rec *sbRecord) bool {
	if !verifyRecord(rec, m.f.base.digests) {
		return false
	}
	if l, ok := rec.attrs[attrLineage]; ok {
		i := slices.IndexFunc(m.w.lineages, func(g []byte) bool { return bytes.Equal(g, l) })
		if i < 0 || m.w.chains[i][len(m.w.chains[i])-1] != certSHA(rec) {
			return false
		}
	}
	return true
}

// at models a release (or, preview, a development) build at API level L.
func (m *platformModel) at(level int, preview bool) modelReading {
	knowsV31 := level >= 33 || preview && level >= 32
	rotMin := -1
	if knowsV31 && m.present(scheme.BlockIDV31) {
		if m.bad[scheme.BlockIDV31] {
			return modelReading{}
		}
		var cover []*sbRecord
		for _, r := range m.recs[scheme.BlockIDV31] {
			dev := r.attrs[attrDevRelease] != nil
			if r.min <= level && level <= r.max && !(dev && r.min == level && !preview) {
				cover = append(cover, r)
			} else if rotMin < 0 || r.min < rotMin {
				rotMin = r.min
			}
		}
		if preview && len(cover) == 2 {
			// Two signers for the level: the one targeting the
			// development release wins on a preview build.
			cover = slices.DeleteFunc(cover, func(r *sbRecord) bool { return r.attrs[attrDevRelease] == nil })
		}
		if len(cover) > 0 {
			return modelReading{ok: len(cover) == 1 && m.valid(cover[0]), scheme: "v31", records: cover}
		}
	}
	if level >= 28 && m.present(scheme.BlockIDV3) {
		if m.bad[scheme.BlockIDV3] {
			return modelReading{}
		}
		var cover []*sbRecord
		for _, r := range m.recs[scheme.BlockIDV3] {
			if r.min <= level && level <= r.max {
				cover = append(cover, r)
			}
		}
		ok := len(cover) == 1 && m.valid(cover[0])
		if ok && knowsV31 {
			if v, has := cover[0].attrs[attrRotationMin]; has && (len(v) < 4 || int(binary.LittleEndian.Uint32(v)) != rotMin) {
				ok = false // the v3.1 block was stripped or retargeted
			}
		}
		return modelReading{ok: ok, scheme: "v3", records: cover}
	}
	if level >= 24 && m.present(scheme.BlockIDV2) {
		recs := m.recs[scheme.BlockIDV2]
		ok := !m.bad[scheme.BlockIDV2]
		for _, r := range recs {
			ok = ok && m.valid(r)
			if level >= 28 && bytes.Equal(r.attrs[0xbeeff00d], u32(3)) {
				ok = false // says v3 was stripped
			}
		}
		return modelReading{ok: ok, scheme: "v2", records: recs}
	}
	// Every base's JAR signature says X-Android-APK-Signed: 2, 3, so
	// Android 7+ refuse it without the v2 block.
	return modelReading{ok: level < 24, scheme: "v1"}
}

func certSHA(r *sbRecord) [32]byte { return sha256.Sum256(r.cert) }

func (m *platformModel) certs(r modelReading) [][32]byte {
	if r.scheme == "v1" {
		return [][32]byte{m.w.v1Cert}
	}
	var out [][32]byte
	for _, rec := range r.records {
		out = append(out, certSHA(rec))
	}
	return out
}

// chainOf is the certificates of a record's genuine lineage.
func (m *platformModel) chainOf(rec *sbRecord) [][32]byte {
	l, ok := rec.attrs[attrLineage]
	if !ok {
		return nil
	}
	for i, g := range m.w.lineages {
		if bytes.Equal(g, l) {
			return m.w.chains[i]
		}
	}
	return nil
}

func TestRecombinedSigningBlocksProperty(t *testing.T) {
	w := newPropWorld(t)
	const seed, files = 11, propFiles
	r := rand.New(rand.NewPCG(seed, 0x1e7e15))
	pins := w.keys
	var verdicts, trusted, verified, levelsChecked int
	for n := range files {
		f := w.generate(t, r)
		data := f.base.apk.build(f.pairs)
		m := newModel(w, f)
		for _, pin := range pins {
			opts := apkverify.Options{MinSDK: f.minSDK, MaxSDK: f.maxSDK,
				Policy: &apkverify.Policy{TrustedCertSHA256: []string{hex.EncodeToString(pin.sha[:])}}}
			res := verifyBytes(t, data, opts)
			verdicts++
			lo, hi := res.MinSDK, res.MaxSDK
			var levels []int
			for l := lo; l <= min(hi, 40); l++ {
				levels = append(levels, l)
			}
			if hi > 40 {
				levels = append(levels, hi)
			}
			if res.Verified {
				if pin == pins[0] {
					verified++
				}
				// The contract of Result.Signers: at every level, the
				// signer the platform uses, and a level the platform
				// would refuse is never verified.
				for _, l := range levels {
					mr := m.at(l, false)
					if !mr.ok && l >= 24 && l <= 27 && mr.scheme == "v1" && !m.present(scheme.BlockIDV2) && slices.ContainsFunc(res.Warnings, func(i apkverify.Issue) bool { return i.Code == apkverify.CodeNoSigBeforeP }) {
						continue // apksig's reading, reported by NO_SIG_FOR_SDK_24_TO_27
					}
					require.True(t, mr.ok, "file %d %v: verified, but Android at API %d refuses it (%s)", n, f.desc, l, mr.scheme)
					var got [][32]byte
					for _, s := range res.SignersAt(l) {
						got = append(got, s.Certificate.SHA256)
					}
					require.ElementsMatch(t, m.certs(mr), got, "file %d %v: signers at API %d", n, f.desc, l)
					levelsChecked++
				}
			}
			if !res.Trusted {
				continue
			}
			trusted++
			// anchors: levels whose signer is the pin or descends from it.
			type use struct {
				level int
				chain [][32]byte
			}
			var anchors []use
			readings := map[int]modelReading{}
			for _, l := range levels {
				mr := m.at(l, false)
				readings[l] = mr
				for _, rec := range mr.records {
					if c := m.chainOf(rec); certSHA(rec) == pin.sha || slices.Contains(c, pin.sha) {
						anchors = append(anchors, use{l, c})
					}
				}
			}
			legit := func(c [32]byte, chain [][32]byte, level int) bool {
				if c == pin.sha || slices.Contains(chain, pin.sha) {
					return true
				}
				return slices.ContainsFunc(anchors, func(a use) bool { return a.level > level && slices.Contains(a.chain, c) })
			}
			for _, l := range levels {
				mr := readings[l]
				require.True(t, mr.ok, "file %d %v: trusted for %s, but Android at API %d refuses it", n, f.desc, pin.name, l)
				if mr.scheme == "v1" {
					require.True(t, legit(w.v1Cert, nil, l), "file %d %v: trusted for %s, but the JAR signer at API %d is not", n, f.desc, pin.name, l)
				}
				for _, rec := range mr.records {
					require.True(t, legit(certSHA(rec), m.chainOf(rec), l), "file %d %v: trusted for %s, but Android at API %d installs it under another key", n, f.desc, pin.name, l)
				}
				if l >= 32 && l < hi {
					if pr := m.at(l, true); pr.ok {
						for _, rec := range pr.records {
							require.True(t, legit(certSHA(rec), m.chainOf(rec), l), "file %d %v: trusted for %s, but preview builds at API %d use another key", n, f.desc, pin.name, l)
						}
					}
				}
			}
		}
	}
	t.Logf("recombined signing blocks (seed %d): %d files generated, %d verdicts checked (%d pins each), %d verified files, %d trusted verdicts, %d per-level signer lookups matched the platform model, no violation",
		seed, files, verdicts, len(pins), verified, trusted, levelsChecked)
}
