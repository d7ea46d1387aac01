package scheme

import (
	"bytes"
	"context"
	//lint:ignore SA1019 DSA lineage nodes, as Android accepts them
	"crypto/dsa"
	"crypto/rand"
	"crypto/sha256"
	"encoding/asn1"
	"math/big"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// v1WorkTimeBound is the time the worst files must stay under in tests.
// The goal is 1 s on one idle core (measured: the whole budget is spent in
// about 0.1 to 0.3 s); the bound is generous because the test machine is
// shared by many jobs and tests may run under -race.
const v1WorkTimeBound = 5 * time.Second

// v1DSACertVariant returns key's certificate with serial number patched to
// give a distinct certificate (same key) per i: lineages refuse repeated
// certificates. Nobody checks the certificate's own signature.
func v1DSACertVariant(t testing.TB, key *v1TestKey, i int) []byte {
	ser, err := asn1.Marshal(key.serial)
	require.NoError(t, err)
	at := bytes.Index(key.certDER, ser)
	require.GreaterOrEqual(t, at, 0)
	require.GreaterOrEqual(t, len(ser), 4)
	out := append([]byte(nil), key.certDER...)
	out[at+len(ser)-1] ^= byte(i)
	out[at+len(ser)-2] ^= byte(i >> 8)
	return out
}

// v1DSALineage chains n nodes whose certificates carry key's DSA key (or
// huge when set, a certificate whose p and q are 8192 bits), each signed
// by its parent with DSA-SHA256, the last node's certificate last (nil:
// another DSA node).
func v1DSALineage(t testing.TB, key *v1TestKey, n int, huge bool, last []byte) []byte {
	out := v23U32(lineageVersion)
	var parentAlg SignatureAlgorithmID
	for i := 0; i < n; i++ {
		cert := v1DSACertVariant(t, key, i+1)
		if huge && i < n-1 {
			h := *key
			h.certDER = cert
			cert = v1HugeDSACert(t, &h)
		}
		if i == n-1 && last != nil {
			cert = last
		}
		signed := append(v23LP(cert), v23U32(uint32(parentAlg))...)
		var sig []byte
		if i > 0 {
			d := sha256.Sum256(signed)
			r, s, err := dsa.Sign(rand.Reader, key.dsaPriv, d[:])
			require.NoError(t, err)
			sig, err = asn1.Marshal(struct{ R, S *big.Int }{r, s})
			require.NoError(t, err)
		}
		node := append(v23LP(signed), v23U32(0x1f)...)
		node = append(node, v23U32(uint32(AlgDSASHA256))...)
		node = append(node, v23LP(sig)...)
		out = append(out, v23LP(node)...)
		parentAlg = AlgDSASHA256
	}
	return out
}

// The lineage shapes of issue 21's "lineage verification cost": 256 nodes
// of DSA keys. With 8192-bit p and q (85-98 s before) the first signature
// is refused by Android's key limits; with keys Android accepts, the whole
// lineage verifies inside the per-file budget; a budget already spent
// refuses it with its own code. Figures are logged (the machine is shared:
// the bound is generous).
func TestLineageWorkBounds(t *testing.T) {
	D := v1ProjectKey(t, "dsa2048")
	normal := v1DSALineage(t, D, 256, false, nil)
	tests := []struct {
		name   string
		attr   []byte
		budget int64
		want   Code
		nodes  int
	}{
		{name: "256 nodes, 8192-bit DSA p and q", attr: v1DSALineage(t, D, 256, true, nil), want: CodeKeyUnsupported},
		{name: "256 nodes, DSA 2048/256 (verifies within the budget)", attr: normal, nodes: 256},
		{name: "256 nodes, DSA 2048/256, budget for about 100", attr: normal, budget: 70_000_000, want: CodeWorkBudgetExceeded},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			l, err := parseLineage(tc.attr, NewWorkBudget(tc.budget))
			took := time.Since(start)
			t.Logf("%d bytes, %v", len(tc.attr), took)
			require.Less(t, took, v1WorkTimeBound, "the 1 s budget, with room for a loaded machine")
			if tc.want != "" {
				require.ErrorIs(t, err, tc.want)
				require.Equal(t, tc.want, lineageIssueCode(err), "reported under its own code by v3")
				return
			}
			require.NoError(t, err)
			require.Len(t, l.Nodes, tc.nodes)
		})
	}
}

// One budget per file: what one scheme spent is gone for the next, so a
// file cannot spread its cost over schemes, lineages and the stamp.
func TestWorkBudgetShared(t *testing.T) {
	P := v1ProjectKey(t, "rsa-a")
	file := v1NewKit(t, P).zip(t)
	b := NewWorkBudget(DefaultWorkBudget)
	ctx := WithWorkBudget(context.Background(), b)
	got := v1CheckCtx(t, ctx, file, SDKNougat, MaxSDK, []int{})
	require.True(t, got.verified, "codes %v", got.codes)
	spent := DefaultWorkBudget - b.Remaining()
	require.Positive(t, spent, "the v1 signature was charged")

	// A budget for exactly one v1 verification: the second call sharing
	// it is refused, and so is a lineage after it.
	b = NewWorkBudget(spent)
	ctx = WithWorkBudget(context.Background(), b)
	require.True(t, v1CheckCtx(t, ctx, file, SDKNougat, MaxSDK, []int{}).verified)
	got = v1CheckCtx(t, ctx, file, SDKNougat, MaxSDK, []int{})
	require.False(t, got.verified)
	require.True(t, got.has(CodeWorkBudgetExceeded), "codes %v", got.codes)
	D := v1ProjectKey(t, "dsa2048")
	_, err := parseLineage(v1DSALineage(t, D, 3, false, nil), b)
	require.ErrorIs(t, err, CodeWorkBudgetExceeded)

	// Without a budget in the context, each call gets its own.
	got = v1Check(t, file, SDKNougat, MaxSDK)
	require.True(t, got.verified, "codes %v", got.codes)
}

func TestKeyLimits(t *testing.T) {
	D := v1ProjectKey(t, "dsa2048")
	dk := &D.dsaPriv.PublicKey
	require.NoError(t, checkKeyLimits(dk))
	bad := func(mut func(k *dsa.PublicKey)) error {
		k := *dk
		k.Parameters = dk.Parameters
		mut(&k)
		return checkKeyLimits(&k)
	}
	require.ErrorIs(t, bad(func(k *dsa.PublicKey) { k.Q = new(big.Int).Lsh(big.NewInt(1), 511) }), CodeKeyUnsupported, "512-bit q")
	require.ErrorIs(t, bad(func(k *dsa.PublicKey) { k.Q = new(big.Int).Lsh(big.NewInt(1), 191) }), CodeKeyUnsupported, "192-bit q")
	require.ErrorIs(t, bad(func(k *dsa.PublicKey) { k.P = new(big.Int).Lsh(big.NewInt(1), 4095) }), CodeKeyUnsupported, "4096-bit p")
	require.ErrorIs(t, bad(func(k *dsa.PublicKey) { k.P = big.NewInt(0) }), CodeKeyUnsupported, "p of 0")
	require.NoError(t, bad(func(k *dsa.PublicKey) { k.P = new(big.Int).Lsh(big.NewInt(1), 3071) }), "3072-bit p")
}

// Issue 21's file: one v3 signer whose proof-of-rotation has 256 nodes of
// DSA certificates with 8192-bit p and q. VerifyV3 refuses it at once
// with the key-limit code; with keys Android accepts and a budget that
// earlier schemes have spent, with the budget code.
func TestV3LineageWorkBounds(t *testing.T) {
	D := v1ProjectKey(t, "dsa2048")
	s := v23NewKey(t, "v3 signer with a long DSA lineage")
	build := func(huge bool) []byte {
		return v23BuildAPK(t, v23Block{id: BlockIDV3, signers: []v23Signer{{key: s, minSDK: 28, maxSDK: MaxSDK,
			attrs: []attribute{{id: AttrProofOfRotation, value: v1DSALineage(t, D, 256, huge, nil)}}}}}).bytes
	}
	verify := func(file []byte, b *WorkBudget) (*SchemeResult, time.Duration) {
		a := v23APK{bytes: file}.open(t)
		start := time.Now()
		r := verifyV3(WithWorkBudget(context.Background(), b), a, NewContentDigester(a), FindBlocks(a), 28, MaxSDK, nil)
		return r, time.Since(start)
	}
	r, took := verify(build(true), NewWorkBudget(0))
	t.Logf("8192-bit DSA lineage: %v", took)
	require.Less(t, took, v1WorkTimeBound)
	require.False(t, r.Verified)
	require.Contains(t, v23Codes(r, false), CodeKeyUnsupported)

	r, took = verify(build(false), NewWorkBudget(50_000_000))
	t.Logf("DSA 2048/256 lineage, budget mostly spent: %v", took)
	require.Less(t, took, v1WorkTimeBound)
	require.False(t, r.Verified)
	require.Contains(t, v23Codes(r, false), CodeWorkBudgetExceeded)
}
