package scheme

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/pem"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/apktrust/apktrust/internal/apkzip"
	"github.com/apktrust/apktrust/internal/certparse"
	"github.com/apktrust/apktrust/internal/testutil"
)

// v23SeedBlocks returns v2/v3/v3.1 block values from synthetic APKs and, when
// present, from the corpus and fixture APKs.
func v23SeedBlocks(f *testing.F) [][]byte {
	a := v23NewKey(f, "fuzz A")
	b := v23NewKey(f, "fuzz B")
	lin := v23BuildLineage(f, []v23LineageNode{{key: a, alg: AlgECDSASHA256}, {key: b}}, 0)
	apks := []v23APK{
		v23BuildAPK(f, v23Block{id: BlockIDV2, signers: []v23Signer{{key: a, attrs: []attribute{v23IntAttr(AttrStrippingProtection, 3)}}, {key: b}}}),
		v23BuildAPK(f, v23Block{id: BlockIDV31, signers: []v23Signer{{key: b, minSDK: 33, maxSDK: MaxSDK,
			attrs: []attribute{{id: AttrProofOfRotation, value: lin}}}}},
			v23Block{id: BlockIDV3, signers: []v23Signer{{key: a, minSDK: 24, maxSDK: 32, attrs: []attribute{v23IntAttr(AttrRotationMinSDK, 33)}}}}),
	}
	var out [][]byte
	for _, apk := range apks {
		out = append(out, v23PairValues(apk.open(f))...)
	}
	var files []string
	for _, pattern := range []string{filepath.Join(testutil.RepoRoot(), "testdata/apk/*rot*.apk"), filepath.Join(testutil.RepoRoot(), "testdata/apk/min21-v123-*.apk"),
		filepath.Join(testutil.RepoRoot(), "testdata/apksig/v3-only-with-*.apk"), filepath.Join(testutil.RepoRoot(), "testdata/apksig/v31-*.apk"),
		filepath.Join(testutil.RepoRoot(), "testdata/apksig/v2-only-with-ecdsa*.apk")} {
		m, _ := filepath.Glob(pattern)
		files = append(files, m...)
	}
	for _, fn := range files {
		raw, err := os.ReadFile(fn)
		if err != nil {
			continue
		}
		arc, err := apkzip.Open(bytes.NewReader(raw), int64(len(raw)))
		if err != nil {
			continue
		}
		out = append(out, v23PairValues(arc)...)
	}
	return out
}

func v23PairValues(a *apkzip.Archive) [][]byte {
	var out [][]byte
	if a.SigningBlock() == nil {
		return nil
	}
	for _, p := range a.SigningBlock().Pairs {
		if p.ID == BlockIDV2 || p.ID == BlockIDV3 || p.ID == BlockIDV31 {
			if v, err := a.PairValue(p); err == nil {
				out = append(out, v)
			}
		}
	}
	return out
}

// FuzzSchemeBlock feeds arbitrary v2/v3/v3.1 block values to the scheme
// parser and verifier. It must never panic, and what it reports must be
// self-consistent.
func FuzzSchemeBlock(f *testing.F) {
	for i, b := range v23SeedBlocks(f) {
		f.Add(uint8(i), b)
	}
	f.Add(uint8(0), []byte{})
	f.Add(uint8(1), []byte{0xff, 0xff, 0xff, 0xff})
	content := bytes.Repeat([]byte("content"), 100)
	f.Fuzz(func(t *testing.T, kind uint8, block []byte) {
		scheme := []Scheme{SchemeV2, SchemeV3, SchemeV31}[int(kind)%3]
		v := newSchemeVerifier(scheme, 24, MaxSDK)
		v.supportedSchemes = map[int]bool{2: true, 3: true}
		v.foundSchemes = map[int]bool{}
		v.res.Present = true
		d := NewRegionDigester(io.NewSectionReader(bytes.NewReader(content), 0, int64(len(content))))
		if scheme == SchemeV2 {
			v.parseSigners(block)
			if !v.hasErrors() {
				v.verifyIntegrity(context.Background(), d)
			}
		} else {
			v.verifyV3Block(context.Background(), nil, d, block)
		}
		r := v.finish()
		if r.Verified && schemeHasErrors(r) {
			t.Fatal("verified with errors")
		}
		if r.Verified && len(r.Signers) == 0 {
			t.Fatal("verified without signers")
		}
		for _, s := range r.Signers {
			if r.Verified && (s.Cert() == nil || len(s.VerifiedAlgorithms) == 0) {
				t.Fatal("verified signer without certificate or verified signature")
			}
		}
	})
}

// FuzzLineage parses arbitrary lineages, in both encodings.
func FuzzLineage(f *testing.F) {
	a := v23NewKey(f, "fuzz A")
	b := v23NewKey(f, "fuzz B")
	good := v23BuildLineage(f, []v23LineageNode{{key: a, flags: 0x17, alg: AlgECDSASHA256}, {key: b, flags: 0x17}}, 0)
	f.Add(good)
	f.Add(v23LineageFile(good))
	f.Add(v23BuildLineage(f, []v23LineageNode{{key: a, alg: AlgECDSASHA256}, {key: b}}, 2))
	for _, pattern := range []string{filepath.Join(testutil.RepoRoot(), "testdata/lineage/*.lineage"), filepath.Join(testutil.RepoRoot(), "testdata/apksig/rsa-*-lineage-*")} {
		m, _ := filepath.Glob(pattern)
		for _, fn := range m {
			if raw, err := os.ReadFile(fn); err == nil {
				f.Add(raw)
			}
		}
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		l, err := ParseLineage(in)
		if err != nil {
			if l != nil {
				t.Fatal("lineage returned with an error")
			}
			_ = lineageIssueCode(err)
			return
		}
		if len(l.Nodes) == 0 {
			t.Fatal("empty lineage accepted")
		}
		for _, n := range l.Nodes {
			if n.Certificate == nil {
				t.Fatal("node without certificate")
			}
		}
	})
}

// FuzzCertificate parses arbitrary certificates. Identity must always be
// the hash of the input bytes.
func FuzzCertificate(f *testing.F) {
	ec := v23NewKey(f, "fuzz cert")
	f.Add(ec.cert)
	hdr := 2 + int(ec.cert[1]&0x7f)
	f.Add(append(append([]byte{0x30, 0x80}, ec.cert[hdr:]...), 0, 0))
	for _, pattern := range []string{filepath.Join(testutil.RepoRoot(), "testdata/keys/*.x509.pem"), filepath.Join(testutil.RepoRoot(), "testdata/apksig/*.x509.pem")} {
		m, _ := filepath.Glob(pattern)
		for _, fn := range m {
			raw, err := os.ReadFile(fn)
			if err != nil {
				continue
			}
			if blk, _ := pem.Decode(raw); blk != nil {
				f.Add(blk.Bytes)
			}
		}
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		c, err := ParseCertificate(in)
		if err == nil {
			if c.SHA256 != sha256.Sum256(in) || !bytes.Equal(c.Raw, in) {
				t.Fatal("certificate identity differs from its bytes")
			}
		}
		if lc, err := certparse.Lenient(in); err == nil && lc.SHA256 != sha256.Sum256(in) {
			t.Fatal("lenient certificate identity differs from its bytes")
		}
		_, _, _ = certparse.ParseSPKI(in)
	})
}
