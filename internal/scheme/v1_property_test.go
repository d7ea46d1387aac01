package scheme

import (
	"bytes"
	"crypto"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/apktrust/apktrust/internal/jarmanifest"
)

// Property tests of the v1 verdict against an oracle of the platform's
// reading (StrictJarFile, StrictJarVerifier, ApkSignatureVerifier on
// Android 7.0+) written here, apart from the verifier: whenever VerifyV1
// says a file is signed by exactly {P}, the platform must also find every
// entry signed by exactly {P}, in every order it may check .SF sections.

// v1OraclePair is a .SF and signature block as the attacker placed them,
// with what the test knows about them: whether the block is a valid
// signature of exactly these .SF bytes, and by whom.
type v1OraclePair struct {
	name  string
	sf    []byte
	block []byte
	valid bool
	cert  [32]byte
}

// v1Oracle returns the platform's signer set of every entry, or ok false
// when the platform would (or, depending on HashMap order, could) refuse
// the file.
func v1Oracle(t testing.TB, files []v1File, mf []byte, pairs []v1OraclePair) (sets map[string]map[[32]byte]bool, ok bool) {
	m, err := jarmanifest.ParsePlatform(mf, true, 0)
	if err != nil {
		return nil, false
	}
	names := map[string]bool{}
	for _, f := range files {
		names[f.name] = true
	}
	for _, n := range m.Order {
		if !names[n] {
			return nil, false
		}
	}
	used := map[int]map[string]jarmanifest.Attrs{}
	for i, p := range pairs {
		if p.block == nil || p.sf == nil {
			continue // a block without .SF, or a .SF without block: never read
		}
		if !p.valid {
			return nil, false // PKCS7.verify fails: SecurityException
		}
		sf, err := jarmanifest.ParsePlatform(p.sf, false, 0)
		if err != nil {
			if err.(*jarmanifest.PlatformError).Fatal {
				return nil, false
			}
			continue
		}
		if hdr, ok := sf.Main.Get("X-Android-APK-Signed"); ok {
			for _, tok := range strings.Split(hdr, ",") {
				id, ok := javaParseInt(strings.TrimFunc(tok, func(r rune) bool { return r <= ' ' }))
				if ok && (id == 2 || id == 3) {
					return nil, false // no v2/v3 in these files: stripped
				}
			}
		}
		if _, ok := sf.Main.Get("Signature-Version"); !ok {
			continue
		}
		check := func(a jarmanifest.Attrs, suffix string, data []byte, missing bool) bool {
			for _, alg := range []struct {
				name string
				h    crypto.Hash
			}{{"SHA-512", crypto.SHA512}, {"SHA-384", crypto.SHA384}, {"SHA-256", crypto.SHA256}, {"SHA1", crypto.SHA1}} {
				if v, ok := a.Get(alg.name + suffix); ok {
					want, ok := v1AndroidBase64(v)
					return ok && bytes.Equal(want, v1HashBytes(alg.h, data))
				}
			}
			return missing
		}
		if !check(sf.Main, "-Digest-Manifest-Main-Attributes", mf[:m.MainEnd], true) {
			return nil, false
		}
		if !check(sf.Main, "-Digest-Manifest", mf, false) {
			ignore, fail := false, false
			for name, a := range sf.Entries {
				c, ok := m.Chunks[name]
				if !ok {
					ignore = true
				} else if !check(a, "-Digest", mf[c.Start:c.End], false) {
					fail = true
				}
			}
			if fail {
				return nil, false // thrown in at least one iteration order
			}
			if ignore {
				continue
			}
		}
		used[i] = sf.Entries
	}
	sets = map[string]map[[32]byte]bool{}
	for _, f := range files {
		a := m.Entries[f.name]
		ok := false
		for _, alg := range []struct {
			name string
			h    crypto.Hash
		}{{"SHA-512", crypto.SHA512}, {"SHA-384", crypto.SHA384}, {"SHA-256", crypto.SHA256}, {"SHA1", crypto.SHA1}} {
			if v, has := a.Get(alg.name + "-Digest"); has {
				want, dok := v1AndroidBase64(v)
				ok = dok && bytes.Equal(want, v1HashBytes(alg.h, f.data))
				break
			}
		}
		if !ok {
			return nil, false // unsigned, or the content does not match
		}
		set := map[[32]byte]bool{}
		for i, ents := range used {
			if _, named := ents[f.name]; named {
				set[pairs[i].cert] = true
			}
		}
		if len(set) == 0 {
			return nil, false
		}
		sets[f.name] = set
	}
	return sets, true
}

// v1OracleAgrees asserts the property for one file.
func v1OracleAgrees(t *testing.T, desc string, files []v1File, mf []byte, pairs []v1OraclePair, got v1Verdict, pin [32]byte) {
	t.Helper()
	if !got.verified || len(got.certs) != 1 || got.certs[0] != pin {
		return
	}
	sets, ok := v1Oracle(t, files, mf, pairs)
	require.True(t, ok, "%s: trusted for the pin, but the platform refuses the file", desc)
	for name, set := range sets {
		require.Equal(t, map[[32]byte]bool{pin: true}, set, "%s: trusted for the pin, but the platform signs %s with another set", desc, name)
	}
}

// zipPairs writes a kit's files and manifest with pairs as given.
func (k *v1Kit) zipPairs(t testing.TB, pairs []v1OraclePair) []byte {
	c := *k
	c.signers = nil
	for _, p := range pairs {
		ext := ".RSA"
		c.signers = append(c.signers, v1KitSigner{name: p.name, ext: ext, sf: p.sf, block: p.block})
	}
	return c.zip(t)
}

// Recombinations of .SF/signature-block pairs of a genuine file signed by
// P with pairs made by an attacker's key Z: added, duplicated, reordered,
// renamed, corrupted, sections repeated or dropped.
func TestV1PropertySignerRecombinations(t *testing.T) {
	P := v1ProjectKey(t, "rsa-a")
	Z := v1ProjectKey(t, "rsa-b")
	pin := v1CertOf(P)
	k := v1NewKit(t, P)
	genuine := v1OraclePair{name: "CERT", sf: k.signers[0].sf, block: k.signers[0].block, valid: true, cert: pin}
	names := []string{"AndroidManifest.xml", "classes.dex", "res/raw/a.txt"}
	// The attacker's .SF variants, each signed by Z.
	variants := []v1KitSF{
		{}, {noVersion: true}, {noVersion: true, stripping: "2"}, {stripping: "２"},
		{names: append(names, "classes.dex")}, {names: names[:1]}, {names: append(names, "ghost")},
		{wrongManifest: true}, {wrongManifest: true, names: append(names, "ghost")},
		{wrongManifest: true, names: append(names, "ghost"), override: map[string]string{"classes.dex": "AAAA"}},
		{wrongManifest: true, override: map[string]string{"res/raw/a.txt": "AAAA"}},
		{extraMain: "SHA-256-Digest-Manifest: AAAA\r\n"}, {extraMain: "X-Android-APK-Signed: \r\nX-Android-APK-Signed: 3\r\n"},
		{extraMain: "Bad Name: x\r\n"}, {noMainDigest: true, names: []string{}},
	}
	var zpairs []v1OraclePair
	for i, o := range variants {
		sf := k.sfFor(o)
		spec := v1KitSpec(Z)
		zpairs = append(zpairs, v1OraclePair{name: fmt.Sprintf("Z%d", i), sf: sf, block: v1SignedData(t, spec, sf), valid: true, cert: v1CertOf(Z)})
	}
	rng := rand.New(rand.NewPCG(13, 22))
	trusted, refused := 0, 0
	for iter := 0; iter < 400; iter++ {
		pairs := []v1OraclePair{genuine}
		var ops []string
		for n := 1 + rng.IntN(3); n > 0; n-- {
			switch op := rng.IntN(7); op {
			case 0, 1: // add an attacker's pair
				z := zpairs[rng.IntN(len(zpairs))]
				z.name = fmt.Sprintf("%s_%d", z.name, len(pairs))
				pairs = append(pairs, z)
				ops = append(ops, "add "+z.name)
			case 2: // duplicate a pair under another name
				d := pairs[rng.IntN(len(pairs))]
				d.name = fmt.Sprintf("DUP%d", len(pairs))
				pairs = append(pairs, d)
				ops = append(ops, "dup "+d.name)
			case 3: // reorder
				rng.Shuffle(len(pairs), func(i, j int) { pairs[i], pairs[j] = pairs[j], pairs[i] })
				ops = append(ops, "shuffle")
			case 4: // corrupt one byte of a .SF (its block no longer matches)
				i := rng.IntN(len(pairs))
				if len(pairs[i].sf) == 0 {
					continue
				}
				sf := append([]byte(nil), pairs[i].sf...)
				sf[rng.IntN(len(sf))] ^= byte(1 + rng.IntN(255))
				pairs[i].sf, pairs[i].valid = sf, false
				ops = append(ops, "corrupt sf "+pairs[i].name)
			case 5: // pair a .SF with another signer's block
				i, j := rng.IntN(len(pairs)), rng.IntN(len(pairs))
				if !bytes.Equal(pairs[i].sf, pairs[j].sf) {
					pairs[i].block, pairs[i].valid = pairs[j].block, false
				}
				ops = append(ops, "swap block "+pairs[i].name)
			case 6: // drop a .SF or a block
				i := rng.IntN(len(pairs))
				if rng.IntN(2) == 0 {
					pairs[i].sf = nil
				} else {
					pairs[i].block = nil
				}
				ops = append(ops, "drop part of "+pairs[i].name)
			}
		}
		// Names must stay unique in the ZIP.
		seen := map[string]bool{}
		for i := range pairs {
			for seen[pairs[i].name] {
				pairs[i].name += "X"
			}
			seen[pairs[i].name] = true
		}
		got := v1Check(t, k.zipPairs(t, pairs), SDKNougat, MaxSDK)
		if got.verified && len(got.certs) == 1 && got.certs[0] == pin {
			trusted++
		} else {
			refused++
		}
		v1OracleAgrees(t, fmt.Sprintf("iteration %d %v", iter, ops), k.files, k.mf, pairs, got, pin)
	}
	t.Logf("400 recombinations: %d trusted for the pin, %d not", trusted, refused)
	require.Positive(t, trusted, "some recombinations keep the genuine signature alone")
}

// JAR text mutations of MANIFEST.MF in a genuine file (the .SF and block
// stay P's): blank lines, inserted lines, repeated attributes, line
// endings, continuations, an unterminated last line.
func TestV1PropertyManifestTextMutations(t *testing.T) {
	P := v1ProjectKey(t, "rsa-a")
	pin := v1CertOf(P)
	kits := []*v1Kit{v1NewKit(t, P)}
	// A genuine file whose .SF has no main-attributes digest (older
	// signers), where main-section edits survive apksig's rules.
	old := v1NewKit(t, P)
	old.signers = nil
	old.addSigner(t, "CERT", P, old.sfFor(v1KitSF{noMainDigest: true}))
	kits = append(kits, old)

	inserts := []string{"\r\n", "\n", "\r", "X-Extra: 1\r\n", "Bad Name: x\r\n", "garbage\r\n", "x:y\r\n",
		"SHA-256-Digest: AAAA\r\n", " continued\r\n", "Name: classes.dex\r\n", "X-A: a\x00b\r\n", "Manifest-Version: 2\r\n"}
	rng := rand.New(rand.NewPCG(22, 1))
	trusted, refused := 0, 0
	for iter := 0; iter < 600; iter++ {
		k := kits[rng.IntN(len(kits))]
		mf := append([]byte(nil), k.mf...)
		var ops []string
		lineStarts := func() []int {
			out := []int{0}
			for i, c := range mf {
				if c == '\n' && i+1 < len(mf) {
					out = append(out, i+1)
				}
			}
			return out
		}
		for n := 1 + rng.IntN(2); n > 0; n-- {
			starts := lineStarts()
			at := starts[rng.IntN(len(starts))]
			switch rng.IntN(6) {
			case 0, 1: // insert a line
				s := inserts[rng.IntN(len(inserts))]
				mf = append(append(append([]byte(nil), mf[:at]...), s...), mf[at:]...)
				ops = append(ops, fmt.Sprintf("insert %q at %d", s, at))
			case 2: // repeat a line
				end := at + bytes.IndexByte(mf[at:], '\n') + 1
				mf = append(append(append([]byte(nil), mf[:end]...), mf[at:end]...), mf[end:]...)
				ops = append(ops, fmt.Sprintf("repeat line at %d", at))
			case 3: // change one line ending
				if i := bytes.Index(mf[at:], []byte("\r\n")); i >= 0 {
					repl := []string{"\n", "\r", "\r\r\n", "\n\r"}[rng.IntN(4)]
					mf = append(append(append([]byte(nil), mf[:at+i]...), repl...), mf[at+i+2:]...)
					ops = append(ops, fmt.Sprintf("line ending %q at %d", repl, at+i))
				}
			case 4: // split a line into a continuation
				end := at + bytes.IndexByte(mf[at:], '\r')
				if end > at+1 {
					cut := at + 1 + rng.IntN(end-at-1)
					mf = append(append(append([]byte(nil), mf[:cut]...), "\r\n "...), mf[cut:]...)
					ops = append(ops, fmt.Sprintf("continuation at %d", cut))
				}
			case 5: // drop the final line ending(s)
				mf = bytes.TrimRight(mf, "\r\n")
				ops = append(ops, "unterminated end")
			}
		}
		c := *k
		c.mf = mf
		got := v1Check(t, c.zip(t), SDKNougat, MaxSDK)
		if got.verified && len(got.certs) == 1 && got.certs[0] == pin {
			trusted++
		} else {
			refused++
		}
		pairs := []v1OraclePair{{name: "CERT", sf: k.signers[0].sf, block: k.signers[0].block, valid: true, cert: pin}}
		v1OracleAgrees(t, fmt.Sprintf("iteration %d %v", iter, ops), k.files, mf, pairs, got, pin)
	}
	t.Logf("600 manifest mutations: %d trusted for the pin, %d not", trusted, refused)
	require.Positive(t, trusted, "harmless mutations (a valid attribute in an unsigned main section) stay trusted")
}
