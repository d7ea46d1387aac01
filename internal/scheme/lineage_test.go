package scheme

import (
	"encoding/json"
	"encoding/pem"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apktrust/apktrust/internal/conformance"
	"github.com/apktrust/apktrust/internal/lineage"
	"github.com/apktrust/apktrust/internal/testutil"
)

// v23Testdata is the project fixture folder.
var v23Testdata = filepath.Join(testutil.RepoRoot(), "testdata")

// v23FixtureKeyCerts returns the certificate SHA-256 of each fixture key by
// name, from testdata/keys/keys.json.
func v23FixtureKeyCerts(t *testing.T) map[string]string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(v23Testdata, "keys", "keys.json"))
	require.NoError(t, err, "project fixtures (testdata/make-fixtures.sh)")
	var keys []struct {
		Name       string `json:"name"`
		CertSha256 string `json:"certSha256"`
	}
	require.NoError(t, json.Unmarshal(b, &keys))
	out := map[string]string{}
	for _, k := range keys {
		out[k.Name] = k.CertSha256
	}
	return out
}

func v23LineageHexes(l *Lineage) []string {
	var out []string
	for _, n := range l.Nodes {
		out = append(out, n.Certificate.SHA256Hex())
	}
	return out
}

// TestParseLineageFixtures reads the lineage files apksigner rotate wrote
// for the project fixtures.
func TestParseLineageFixtures(t *testing.T) {
	certs := v23FixtureKeyCerts(t)
	tests := []struct {
		file  string
		nodes []string // key names, oldest first
		err   error
	}{
		{file: "rsa-a_to_rsa-b.lineage", nodes: []string{"rsa-a", "rsa-b"}},
		{file: "rsa-a_to_rsa-b_to_rsa-c.lineage", nodes: []string{"rsa-a", "rsa-b", "rsa-c"}},
		{file: "rsa-a_to_rsa-b.broken.lineage", err: CodeLineageSignature},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join(v23Testdata, "lineage", tc.file))
			require.NoError(t, err)
			for name, parse := range map[string]func([]byte) (*Lineage, error){"ParseLineage": ParseLineage, "ParseLineageFile": ParseLineageFile} {
				l, err := parse(b)
				if tc.err != nil {
					assert.ErrorIs(t, err, tc.err, name)
					var le *Error
					if assert.ErrorAs(t, err, &le) {
						assert.Equal(t, 2, le.Node, "the broken link is node 2")
					}
					continue
				}
				require.NoError(t, err, name)
				var want []string
				for _, k := range tc.nodes {
					want = append(want, certs[k])
				}
				assert.Equal(t, want, v23LineageHexes(l), name)
				assert.Equal(t, SignatureAlgorithmID(0), l.Nodes[0].SignatureAlgorithm, "the first node has no parent")
				for i := 1; i < len(l.Nodes); i++ {
					assert.Equal(t, l.Nodes[i-1].ParentSignatureAlgorithm, l.Nodes[i].SignatureAlgorithm)
					assert.True(t, l.Nodes[i].SignatureAlgorithm.Known())
				}
				// apksigner rotate grants every capability but rollback by
				// default.
				for _, n := range l.Nodes {
					assert.ElementsMatch(t, []string{"installedData", "sharedUid", "permission", "auth"}, CapabilityNames(n.Flags))
				}
			}
		})
	}
}

// TestParseLineageCorpus reads the lineage files of AOSP apksig's tests.
func TestParseLineageCorpus(t *testing.T) {
	dir := conformance.Dir(t)
	certOf := func(name string) string {
		b, err := os.ReadFile(filepath.Join(dir, name+".x509.pem"))
		require.NoError(t, err)
		blk, _ := pem.Decode(b)
		require.NotNil(t, blk)
		c, err := ParseCertificate(blk.Bytes)
		require.NoError(t, err)
		return c.SHA256Hex()
	}
	tests := []struct {
		file       string
		nodes      []string
		firstFlags uint32
		err        error
	}{
		{file: "rsa-2048-lineage-2-signers", nodes: []string{"rsa-2048", "rsa-2048_2"}, firstFlags: 0x17},
		{file: "rsa-2048-lineage-3-signers", nodes: []string{"rsa-2048", "rsa-2048_2", "rsa-2048_3"}, firstFlags: 0x17},
		{file: "rsa-2048-lineage-no-capabilities-first-signer", nodes: []string{"rsa-2048", "rsa-2048_2"}, firstFlags: 0},
		{file: "rsa-2048-lineage-invalid-magic", err: CodeLineageBadMagic},
		{file: "rsa-2048-lineage-invalid-version", err: CodeLineageVersion},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join(dir, tc.file))
			require.NoError(t, err)
			l, err := ParseLineageFile(b)
			if tc.err != nil {
				assert.ErrorIs(t, err, tc.err)
				return
			}
			require.NoError(t, err)
			var want []string
			for _, n := range tc.nodes {
				want = append(want, certOf(n))
			}
			assert.Equal(t, want, v23LineageHexes(l))
			assert.Equal(t, tc.firstFlags, l.Nodes[0].Flags)
		})
	}
}

// TestParseLineageShapes covers each refusal on lineages built in memory.
func TestParseLineageShapes(t *testing.T) {
	a := v23NewKey(t, "lineage A")
	b := v23NewKey(t, "lineage B")
	c := v23NewKey(t, "lineage C")
	rsaKey := v23NewRSAKey(t, "lineage RSA")
	good := v23BuildLineage(t, []v23LineageNode{{key: a, flags: 3, alg: AlgECDSASHA256}, {key: b, flags: 1, alg: AlgECDSASHA512}, {key: c}}, 0)
	// A node naming a different algorithm than its parent declared: build
	// with the parent declaring SHA-512 but the child's signed data
	// naming SHA-256, signed correctly with SHA-512.
	mismatch := func() []byte {
		out := v23U32(lineageVersion)
		n1 := append(v23LP(append(v23LP(a.cert), v23U32(0)...)), v23U32(0)...)
		n1 = append(n1, v23U32(uint32(AlgECDSASHA512))...)
		n1 = append(n1, v23LP(nil)...)
		signed := append(v23LP(b.cert), v23U32(uint32(AlgECDSASHA256))...)
		n2 := append(v23LP(signed), v23U32(0)...)
		n2 = append(n2, v23U32(0)...)
		n2 = append(n2, v23LP(a.sign(t, AlgECDSASHA512, signed))...)
		return append(append(out, v23LP(n1)...), v23LP(n2)...)
	}()
	duplicate := v23BuildLineage(t, []v23LineageNode{{key: a, alg: AlgECDSASHA256}, {key: a}}, 0)
	wrongKeyType := v23BuildLineage(t, []v23LineageNode{{key: a, alg: AlgRSAPKCS1SHA256}, {key: rsaKey}}, 0)
	// Replace the parent's algorithm with an unknown ID (the signature is
	// never reached).
	unknown := v23BuildLineage(t, []v23LineageNode{{key: a, alg: 0x0999}, {key: b}}, 0)

	tests := []struct {
		name  string
		in    []byte
		nodes int
		err   error
		code  Code // v3 issue apksig reports for it
	}{
		{name: "three nodes", in: good, nodes: 3},
		{name: "three nodes in a file", in: v23LineageFile(good), nodes: 3},
		{name: "single node", in: v23BuildLineage(t, []v23LineageNode{{key: a}}, 0), nodes: 1},
		{name: "broken link", in: v23BuildLineage(t, []v23LineageNode{{key: a, alg: AlgECDSASHA256}, {key: b}}, 2),
			err: CodeLineageSignature, code: "V3_SIG_POR_DID_NOT_VERIFY"},
		{name: "algorithm mismatch", in: mismatch, err: CodeLineageAlgorithmMismatch, code: "V3_SIG_POR_DID_NOT_VERIFY"},
		{name: "duplicate certificate", in: duplicate, err: CodeLineageDuplicate, code: "V3_SIG_POR_DID_NOT_VERIFY"},
		{name: "parent key does not fit the algorithm", in: wrongKeyType, err: CodeLineageSignature, code: "V3_SIG_POR_DID_NOT_VERIFY"},
		{name: "unknown algorithm", in: unknown, err: CodeLineageUnknownAlgorithm, code: "V3_SIG_MALFORMED_LINEAGE"},
		{name: "empty", in: nil, err: CodeLineageEmpty, code: "V3_SIG_POR_CERT_MISMATCH"},
		{name: "version only", in: v23U32(1), err: CodeLineageEmpty, code: "V3_SIG_POR_CERT_MISMATCH"},
		{name: "wrong version", in: append(v23U32(2), good[4:]...), err: CodeLineageVersion, code: "V3_SIG_POR_CERT_MISMATCH"},
		{name: "truncated", in: good[:len(good)-3], err: CodeLineageMalformed, code: "V3_SIG_MALFORMED_LINEAGE"},
		{name: "huge length", in: append(v23U32(1), 0xff, 0xff, 0xff, 0x7f), err: CodeLineageMalformed, code: "V3_SIG_MALFORMED_LINEAGE"},
		{name: "certificate garbage", in: append(v23U32(1), v23LP(append(v23LP(append(v23LP([]byte("nope")), v23U32(0)...)), make([]byte, 12)...))...),
			err: CodeLineageCertificate, code: "V3_SIG_POR_DID_NOT_VERIFY"},
		{name: "longer than any real lineage", in: v23LongLineage(t, lineage.MaxNodes+1), err: CodeLineageMalformed, code: "V3_SIG_MALFORMED_LINEAGE"},
		{name: "file with bad magic", in: append(v23U32(0x3eff39d2), v23LineageFile(good)[4:]...), err: nil, code: ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l, err := ParseLineage(tc.in)
			if tc.name == "file with bad magic" {
				// Without the magic, ParseLineage reads an attribute; the
				// file parser names the problem.
				_, ferr := ParseLineageFile(tc.in)
				assert.ErrorIs(t, ferr, CodeLineageBadMagic)
				assert.Error(t, err)
				return
			}
			// The schemes parse with the file's work budget, so the
			// lineage error and node conversion exists twice: in
			// signer (which cannot import this package) and here
			// (which cannot reach signer's unexported one). They
			// must agree.
			sl, serr := parseLineage(tc.in, NewWorkBudget(0))
			var pe, se *Error
			if tc.err != nil {
				require.ErrorAs(t, err, &pe)
				require.ErrorAs(t, serr, &se)
				assert.Equal(t, pe.Code, se.Code, "same code from both parsers")
				assert.Equal(t, pe.Error(), se.Error(), "same message from both parsers")
			} else {
				require.NoError(t, serr)
				assert.Equal(t, l, sl, "same nodes from both parsers")
			}
			if tc.err != nil {
				assert.ErrorIs(t, err, tc.err)
				assert.Nil(t, l)
				assert.Equal(t, tc.code, lineageIssueCode(err))
				return
			}
			require.NoError(t, err)
			assert.Len(t, l.Nodes, tc.nodes)
		})
	}
	l, err := ParseLineage(good)
	require.NoError(t, err)
	assert.Equal(t, []uint32{3, 1, 0}, []uint32{l.Nodes[0].Flags, l.Nodes[1].Flags, l.Nodes[2].Flags})
	assert.Equal(t, []SignatureAlgorithmID{0, AlgECDSASHA256, AlgECDSASHA512},
		[]SignatureAlgorithmID{l.Nodes[0].SignatureAlgorithm, l.Nodes[1].SignatureAlgorithm, l.Nodes[2].SignatureAlgorithm})
	assert.True(t, l.Contains(l.Nodes[1].Certificate.SHA256))
}

// v23LongLineage chains n nodes, each with its own key (a repeated
// certificate would be refused as a duplicate before the length limit).
func v23LongLineage(t *testing.T, n int) []byte {
	var nodes []v23LineageNode
	for i := 0; i < n; i++ {
		nodes = append(nodes, v23LineageNode{key: v23NewKey(t, "long lineage "+strconv.Itoa(i)), alg: AlgECDSASHA256})
	}
	return v23BuildLineage(t, nodes, 0)
}

// TestMergeLineages checks how the lineages of several signers of one APK
// combine into one key history, or are refused as inconsistent.
func TestMergeLineages(t *testing.T) {
	certs := map[string]*Certificate{}
	for _, n := range []string{"A", "B", "C", "D"} {
		c, err := ParseCertificate(v23NewKey(t, "merge "+n).cert)
		require.NoError(t, err)
		certs[n] = c
	}
	mk := func(names string) *Lineage {
		l := &Lineage{}
		for _, n := range names {
			l.Nodes = append(l.Nodes, LineageNode{Certificate: certs[string(n)]})
		}
		return l
	}
	names := func(l *Lineage) string {
		s := ""
		for _, n := range l.Nodes {
			for k, c := range certs {
				if c == n.Certificate {
					s += k
				}
			}
		}
		return s
	}
	tests := []struct {
		a, b string
		want string // "" = refused
	}{
		{a: "AB", b: "BC", want: "ABC"},
		{a: "BC", b: "AB", want: "ABC"},
		{a: "ABC", b: "AB", want: "ABC"},
		{a: "A", b: "AB", want: "AB"},
		{a: "AB", b: "AB", want: "AB"},
		{a: "AB", b: "CD"},
		{a: "AB", b: "AC"},
		{a: "ABC", b: "BD"},
	}
	for _, tc := range tests {
		t.Run(tc.a+"+"+tc.b, func(t *testing.T) {
			m, ok := mergeLineages(mk(tc.a), mk(tc.b))
			if tc.want == "" {
				assert.False(t, ok)
				return
			}
			require.True(t, ok)
			assert.Equal(t, tc.want, names(m))
			all, ok := consolidateLineages([]*Lineage{mk(tc.a), mk(tc.b)})
			assert.True(t, ok)
			assert.Equal(t, tc.want, names(all))
		})
	}
}
