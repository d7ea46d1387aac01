package apkverify

import (
	"crypto"
	"crypto/ecdsa"
	crand "crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/binary"
	"encoding/pem"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/apktrust/apktrust/internal/scheme"
	"github.com/apktrust/apktrust/signer"
)

// The property tests below judge synthetic signers (one v3 signer for API
// 28+) whose lineages are real: encoded node by node, each signed by its
// parent with the project's keys, and read back with signer.ParseLineage.
// Their verdict is compared with an oracle that follows the platform's
// SigningDetails on key names, written apart from policy_history.go.

// propKeys are the keys lineages are made of: five, so that a four-key
// history still has a key outside it to fork to.
var propKeys = []string{"rsa-a", "rsa-b", "rsa-c", "ec-p256", "rsa4096"}

type propKey struct {
	cert *signer.Certificate
	der  []byte
	priv crypto.Signer
	alg  signer.SignatureAlgorithmID
}

func loadPropKeys(t *testing.T) []propKey {
	t.Helper()
	dir := filepath.Join("..", "testdata", "keys")
	var out []propKey
	for _, name := range propKeys {
		pemBytes, err := os.ReadFile(filepath.Join(dir, name+".x509.pem"))
		require.NoError(t, err)
		blk, _ := pem.Decode(pemBytes)
		require.NotNil(t, blk, name)
		cert, err := signer.ParseCertificate(blk.Bytes)
		require.NoError(t, err)
		pk8, err := os.ReadFile(filepath.Join(dir, name+".pk8"))
		require.NoError(t, err)
		k, err := x509.ParsePKCS8PrivateKey(pk8)
		require.NoError(t, err)
		pk := propKey{cert: cert, der: blk.Bytes, priv: k.(crypto.Signer), alg: signer.AlgRSAPKCS1SHA256}
		if _, ok := k.(*ecdsa.PrivateKey); ok {
			pk.alg = signer.AlgECDSASHA256
		}
		out = append(out, pk)
	}
	return out
}

func (k propKey) sign(t *testing.T, msg []byte) []byte {
	t.Helper()
	d := sha256.Sum256(msg)
	// PKCS #1 v1.5 for RSA, ASN.1 (r, s) for ECDSA: what the lineage's
	// algorithm IDs name.
	sig, err := k.priv.Sign(crand.Reader, d[:], crypto.SHA256)
	require.NoError(t, err)
	return sig
}

// buildLineage encodes a proof-of-rotation attribute over keys (indexes
// into propKeys, oldest first) and parses it back, which verifies every
// link.
func buildLineage(t *testing.T, keys []propKey, seq []int) *signer.Lineage {
	t.Helper()
	u32 := func(v uint32) []byte { return binary.LittleEndian.AppendUint32(nil, v) }
	lp := func(b []byte) []byte { return append(u32(uint32(len(b))), b...) }
	out := u32(1)
	var parentAlg signer.SignatureAlgorithmID
	for i, ki := range seq {
		k := keys[ki]
		signed := append(lp(k.der), u32(uint32(parentAlg))...)
		var sig []byte
		if i > 0 {
			sig = keys[seq[i-1]].sign(t, signed)
		}
		node := append(lp(signed), u32(0)...)
		node = append(node, u32(uint32(k.alg))...)
		node = append(node, lp(sig)...)
		out = append(out, lp(node)...)
		parentAlg = k.alg
	}
	l, err := signer.ParseLineage(out)
	require.NoError(t, err)
	return l
}

// sequences lists every sequence of distinct key indexes of length 1..n.
func sequences(nKeys, n int) [][]int {
	var out [][]int
	var rec func(cur []int)
	rec = func(cur []int) {
		if len(cur) > 0 {
			out = append(out, slices.Clone(cur))
		}
		if len(cur) == n {
			return
		}
		for k := range nKeys {
			if !slices.Contains(cur, k) {
				rec(append(cur, k))
			}
		}
	}
	rec(nil)
	return out
}

// oracleDetails is SigningDetails for one signer, on key names: the
// current signer and its past signers (oldest first, the last one being
// the current signer) with their capability flags.
type oracleDetails struct {
	signature int
	past      []int
	flags     []uint32
}

// hasCert is SigningDetails.hasCertificate(signature, flags): a past
// signer other than the current one holding every flag asked for, or the
// single current signer.
func (d oracleDetails) hasCert(sig int, flags uint32) bool {
	for i := 0; i+1 < len(d.past); i++ {
		if d.past[i] == sig && d.flags[i]&flags == flags {
			return true
		}
	}
	return d.signature == sig
}

// oracleUpdate is the package manager's update check for an app installed
// as old and a file signed as nw: installed data carried over by the new
// signer, or rollback granted by the old one; for an app in a shared UID
// also the shared-UID check both ways.
func oracleUpdate(old, nw oracleDetails, sharedUID bool) bool {
	ok := nw.hasCert(old.signature, signer.CapabilityInstalledData) || old.hasCert(nw.signature, signer.CapabilityRollback)
	if sharedUID {
		ok = ok && (nw.hasCert(old.signature, signer.CapabilitySharedUID) || old.hasCert(nw.signature, signer.CapabilitySharedUID))
	}
	return ok
}

func randomFlags(rng *rand.Rand, n int) []uint32 {
	flags := make([]uint32, n)
	for i := range flags {
		flags[i] = signer.CapabilityPermission | signer.CapabilityAuth
		if rng.IntN(100) < 85 {
			flags[i] |= signer.CapabilityInstalledData
		}
		if rng.IntN(100) < 80 {
			flags[i] |= signer.CapabilitySharedUID
		}
		if rng.IntN(100) < 30 {
			flags[i] |= signer.CapabilityRollback
		}
	}
	return flags
}

// withFlags copies a parsed lineage with other capability flags (flags are
// outside the parent's signature, so this needs no re-signing).
func withFlags(l *signer.Lineage, flags []uint32) *signer.Lineage {
	c := &signer.Lineage{Nodes: slices.Clone(l.Nodes)}
	for i := range c.Nodes {
		c.Nodes[i].Flags = flags[i]
	}
	return c
}

// relation classifies a file lineage against a history, for the counts
// and for the attacker's claim checked below.
func relation(hist, file []int) string {
	common := 0
	for common < len(hist) && common < len(file) && hist[common] == file[common] {
		common++
	}
	shares := slices.ContainsFunc(file, func(k int) bool { return slices.Contains(hist, k) })
	switch {
	case slices.Equal(hist, file):
		return "same"
	case common == len(file):
		return "prefix"
	case common == len(hist):
		return "extension"
	case slices.Contains(file, hist[len(hist)-1]):
		// Reordered, or skipping keys, but holding the current key:
		// only that key's holder can make it.
		return "reorder/skip through current"
	case common > 0:
		return "fork"
	case shares:
		return "reorder/skip without current"
	}
	return "unrelated"
}

type propCase struct {
	hist, file           []int
	histFlags, fileFlags []uint32
	sharedUID            bool
}

// propPolicy runs applyPolicy on one v3 signer (API 28+) signed as c.file
// with history c.hist, or with pinned key pin and no history when pin >= 0.
func propPolicy(keys []propKey, lineages map[string]*signer.Lineage, c propCase, pin int) (*Result, []signer.Code) {
	fileLin := withFlags(lineages[fmtInts(c.file)], c.fileFlags)
	s := Signer{MinSDK: sdkP, MaxSDK: scheme.MaxSDK, Scheme: signer.SchemeV3, Certificate: keys[c.file[len(c.file)-1]].cert}
	if len(c.file) > 1 {
		s.Lineage = fileLin
	}
	res := &Result{Verified: true, MinSDK: sdkP, MaxSDK: scheme.MaxSDK, Signers: []Signer{s},
		Manifest: &Manifest{Package: "dev.apktrust.prop"}}
	if c.sharedUID {
		res.Manifest.SharedUserID = "dev.apktrust.shared"
	}
	p := &Policy{}
	var pk policyKeys
	if pin >= 0 {
		pk.signers = [][32]byte{keys[pin].cert.SHA256}
	} else {
		p.History = withFlags(lineages[fmtInts(c.hist)], c.histFlags)
		for _, k := range c.hist {
			pk.signers = append(pk.signers, keys[k].cert.SHA256)
		}
	}
	res.setPolicy(evaluatePolicy(res, p, pk))
	var codes []signer.Code
	for _, v := range res.Policy.Violations {
		codes = append(codes, v.Code)
	}
	return res, codes
}

func fmtInts(s []int) string {
	var b strings.Builder
	for i, v := range s {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte(byte('0' + v))
	}
	return b.String()
}

func details(seq []int, flags []uint32) oracleDetails {
	d := oracleDetails{signature: seq[len(seq)-1]}
	if len(seq) > 1 {
		d.past, d.flags = seq, flags
	}
	return d
}

// TestHistoryProperty: over every history and every file lineage of up to
// four of five keys (every prefix, extension, fork, reordering and
// unrelated lineage), with seeded random capabilities and shared-UID
// manifests, the policy (all history keys pinned, History set) trusts a
// file exactly when the platform's update rules accept it over the app
// installed under the history's current key; and, with one pinned key and
// no history, exactly when they accept it over the app installed under
// the pinned key.
func TestHistoryProperty(t *testing.T) {
	keys := loadPropKeys(t)
	seqs := sequences(len(keys), 4)
	lineages := map[string]*signer.Lineage{}
	for _, s := range seqs {
		lineages[fmtInts(s)] = buildLineage(t, keys, s)
	}
	const seed = 21
	rng := rand.New(rand.NewPCG(seed, 13))

	type tally struct{ pairs, trusted int }
	byRelation := map[string]*tally{}
	byCode := map[signer.Code]int{}
	for _, h := range seqs {
		for _, f := range seqs {
			c := propCase{hist: h, file: f, histFlags: randomFlags(rng, len(h)), fileFlags: randomFlags(rng, len(f)), sharedUID: rng.IntN(4) == 0}
			res, codes := propPolicy(keys, lineages, c, -1)
			want := oracleUpdate(details(h, c.histFlags), details(f, c.fileFlags), c.sharedUID)
			require.Equal(t, want, res.Trusted, "seed %d: history %v flags %v, file %v flags %v, sharedUID %v: violations %+v",
				seed, h, c.histFlags, f, c.fileFlags, c.sharedUID, res.Policy.Violations)
			rel := relation(h, f)
			if (rel == "fork" || rel == "reorder/skip without current" || rel == "unrelated") && !slices.Contains(h, f[len(f)-1]) {
				// A new key that the current key never signed for: what a
				// holder of retired keys alone can make. Never trusted.
				require.False(t, res.Trusted, "history %v, file %v", h, f)
			}
			if byRelation[rel] == nil {
				byRelation[rel] = &tally{}
			}
			byRelation[rel].pairs++
			if res.Trusted {
				byRelation[rel].trusted++
			}
			for _, code := range codes {
				byCode[code]++
			}
		}
	}
	for _, rel := range []string{"same", "prefix", "extension", "reorder/skip through current", "fork", "reorder/skip without current", "unrelated"} {
		if tl := byRelation[rel]; tl != nil {
			t.Logf("history property: %-28s %5d pairs, %5d trusted", rel, tl.pairs, tl.trusted)
		}
	}
	t.Logf("history property: %d lineages, %d pairs; refusals by code: %v", len(seqs), len(seqs)*len(seqs), byCode)
	require.NotZero(t, byCode[PolicyHistoryFork])
	require.NotZero(t, byCode[PolicyRollbackNotAllowed])
	require.NotZero(t, byCode[PolicyCapabilityMissing])

	pinned, trusted, warned := 0, 0, 0
	for pin := range keys {
		for _, f := range seqs {
			c := propCase{file: f, fileFlags: randomFlags(rng, len(f)), sharedUID: rng.IntN(4) == 0}
			res, _ := propPolicy(keys, lineages, c, pin)
			want := oracleUpdate(oracleDetails{signature: pin}, details(f, c.fileFlags), c.sharedUID)
			require.Equal(t, want, res.Trusted, "seed %d: pin %d, file %v flags %v, sharedUID %v: violations %+v",
				seed, pin, f, c.fileFlags, c.sharedUID, res.Policy.Violations)
			// Trust through rotation (the signer is not the pin) always
			// carries the warning that no history was given.
			rotated := res.Trusted && f[len(f)-1] != pin
			require.Equal(t, rotated, len(res.Policy.Warnings) == 1, "pin %d, file %v: warnings %+v", pin, f, res.Policy.Warnings)
			pinned++
			if res.Trusted {
				trusted++
			}
			if rotated {
				warned++
			}
		}
	}
	t.Logf("pin property: %d cases, %d trusted (%d through rotation, warned)", pinned, trusted, warned)
}

// TestHistoryPerLevel: every signer of the per-level map counts, each on
// its own levels. The keys are A, B, C (propKeys 0-2), history A → B.
func TestHistoryPerLevel(t *testing.T) {
	keys := loadPropKeys(t)
	lin := func(seq ...int) *signer.Lineage { return buildLineage(t, keys, seq) }
	at := func(scheme signer.Scheme, lo, hi, key int, l *signer.Lineage) Signer {
		return Signer{MinSDK: lo, MaxSDK: hi, Scheme: scheme, Certificate: keys[key].cert, Lineage: l}
	}
	const a, b, c = 0, 1, 2
	cases := []struct {
		name    string
		signers []Signer
		codes   []signer.Code
	}{
		{name: "Play key-upgrade shape: v3 by the older key below v3.1 by the current key",
			signers: []Signer{at(signer.SchemeV2, 24, 27, a, nil), at(signer.SchemeV3, 28, 32, a, nil), at(signer.SchemeV31, 33, scheme.MaxSDK, b, lin(a, b))}},
		{name: "a fork on the lower levels is refused even under a genuine v3.1 signer",
			signers: []Signer{at(signer.SchemeV3, 28, 32, c, lin(a, c)), at(signer.SchemeV31, 33, scheme.MaxSDK, b, lin(a, b))},
			codes:   []signer.Code{PolicyHistoryFork}},
		{name: "the older key on the newest levels needs rollback",
			signers: []Signer{at(signer.SchemeV3, 28, 32, b, lin(a, b)), at(signer.SchemeV31, 33, scheme.MaxSDK, a, nil)},
			codes:   []signer.Code{PolicyRollbackNotAllowed}},
		{name: "below API 28 a signer must be a key of the history",
			signers: []Signer{at(signer.SchemeV2, 24, 27, c, nil), at(signer.SchemeV3, 28, scheme.MaxSDK, b, lin(a, b))},
			codes:   []signer.Code{PolicyHistoryFork}},
		{name: "two signers on the same levels from API 28",
			signers: []Signer{at(signer.SchemeV2, 28, scheme.MaxSDK, a, nil), at(signer.SchemeV2, 28, scheme.MaxSDK, b, nil)},
			codes:   []signer.Code{PolicyHistoryFork, PolicyHistoryFork}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := &Result{Verified: true, Signers: tc.signers, Manifest: &Manifest{Package: "dev.apktrust.prop"}}
			var codes []signer.Code
			checkHistory(res, &Policy{History: lin(a, b)}, nil, func(code signer.Code, _ string, _ ...any) { codes = append(codes, code) })
			require.Equal(t, tc.codes, codes)
		})
	}
}
