package sigalg

import (
	"crypto/ed25519"
	"encoding/pem"
	"errors"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apktrust/apktrust/internal/certparse"
	"github.com/apktrust/apktrust/internal/workbudget"
)

// diffSPKIs are the public keys of every certificate the apksig corpus
// ships (RSA 1024 to 16384 bits, a negative modulus, EC P-256 to P-521,
// DSA 1024 to 3072), an Ed25519 key, and hostile variants: each key's
// algorithm OID swapped for another family's (the same key bytes under a
// different key type) and truncated.
func diffSPKIs(t *testing.T) map[string][]byte {
	dir := filepath.Join("..", "..", "testdata", "apksig")
	names, err := filepath.Glob(filepath.Join(dir, "*.x509.*"))
	require.NoError(t, err)
	require.NotEmpty(t, names, "committed corpus")
	out := map[string][]byte{}
	for _, n := range names {
		b, err := os.ReadFile(n)
		require.NoError(t, err)
		if blk, _ := pem.Decode(b); blk != nil {
			b = blk.Bytes
		}
		c, err := certparse.Parse(b)
		require.NoError(t, err, n)
		out[filepath.Base(n)] = c.RawSubjectPublicKeyInfo
	}
	pub, _, err := ed25519.GenerateKey(rand.New(rand.NewSource(1)))
	require.NoError(t, err)
	out["ed25519"] = append([]byte{0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00}, pub...)

	oids := map[string][]byte{
		"rsa": {0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01},
		"ec":  {0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01},
		"dsa": {0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x38, 0x04, 0x01},
	}
	for name, spki := range map[string][]byte{"rsa": out["rsa-2048.x509.pem"], "ec": out["ec-p256.x509.pem"], "dsa": out["dsa-2048.x509.pem"]} {
		require.NotNil(t, spki, name)
		out[name+" truncated"] = spki[:len(spki)-1]
		for other, oid := range oids {
			if other == name {
				continue
			}
			// Same length OIDs keep every enclosing length right.
			if swapped := swapOID(spki, oids[name], oid); swapped != nil {
				out[name+" key under the "+other+" OID"] = swapped
			}
		}
	}
	return out
}

// swapOID replaces the first occurrence of from with to when both have the
// same length (so no enclosing length changes), else returns nil.
func swapOID(spki, from, to []byte) []byte {
	if len(from) != len(to) {
		return nil
	}
	for i := 0; i+len(from) <= len(spki); i++ {
		if string(spki[i:i+len(from)]) == string(from) {
			out := append([]byte(nil), spki...)
			copy(out[i:], to)
			return out
		}
	}
	return nil
}

// keyOutcome is what ParsePublicKeyFor and then repeated VerifySignature
// calls under one small budget answer for a key and an algorithm: the
// refusal (its text and kind) or the key, and for each verification
// whether it was refused by the budget and what remained.
func keyOutcome(id ID, spki []byte, reset bool) string {
	if reset {
		ResetKeyCache()
	}
	pub, err := ParsePublicKeyFor(id, spki)
	if err != nil {
		var le *LimitError
		return fmt.Sprintf("refused: %v (limit %v, key type %v)", err, errors.As(err, &le), errors.Is(err, errKeyAlgorithm))
	}
	s := fmt.Sprintf("key %T %v;", pub, reflect.ValueOf(pub).Elem().Kind())
	// A budget of about three verifications of this key: repeating a
	// cached key must cost what repeating a fresh one does.
	b := workbudget.New(3*verifyCost(pub) + 1)
	for i := 0; i < 5; i++ {
		if reset {
			ResetKeyCache()
		}
		pub, err := ParsePublicKeyFor(id, spki)
		if err != nil {
			return s + " then refused: " + err.Error()
		}
		_, err = VerifySignature(b, id, pub, []byte("signed data"), []byte{0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01})
		var le *LimitError
		s += fmt.Sprintf(" [%d budget %v left %d]", i, errors.As(err, &le) && le.Budget, b.Remaining())
	}
	return s
}

// The key cache never changes an answer: for every corpus key, hostile
// variant and algorithm ID (matching or not), parsing and verifying with
// the cache emptied before every lookup gives what warm lookups give, in
// order and in a seeded shuffle; the key type and key limit checks run on
// hits, and the work budget is charged the same on a hit as on a miss, so
// SIG_WORK_BUDGET_EXCEEDED never depends on what was verified before.
func TestKeyCacheNeverChangesAnswers(t *testing.T) {
	spkis := diffSPKIs(t)
	var names []string
	for n := range spkis {
		names = append(names, n)
	}
	sort.Strings(names)
	ids := []ID{0x9999}
	for id := range algorithms {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	type job struct {
		name string
		id   ID
	}
	var jobs []job
	for _, n := range names {
		for _, id := range ids {
			jobs = append(jobs, job{n, id})
		}
	}
	cold := map[job]string{}
	for _, j := range jobs {
		cold[j] = keyOutcome(j.id, spkis[j.name], true)
	}
	t.Cleanup(ResetKeyCache)
	ResetKeyCache()
	rng := rand.New(rand.NewSource(18))
	for pass := 0; pass < 3; pass++ {
		for _, j := range jobs {
			assert.Equal(t, cold[j], keyOutcome(j.id, spkis[j.name], false), "pass %d: %s as %s", pass, j.name, j.id)
		}
		rng.Shuffle(len(jobs), func(a, b int) { jobs[a], jobs[b] = jobs[b], jobs[a] })
	}
	var accepted, refused int
	for _, o := range cold {
		if len(o) > 3 && o[:3] == "key" {
			accepted++
		} else {
			refused++
		}
	}
	assert.Positive(t, accepted)
	assert.Positive(t, refused)
	t.Logf("%d keys x %d algorithm IDs: %d accepted, %d refused, each compared cold with 3 warm passes", len(names), len(ids), accepted, refused)
}

// keyOutcome's budget is small enough to be exceeded, so the comparison
// above covers budget refusals, not only charges.
func TestKeyOutcomeReachesTheBudget(t *testing.T) {
	spki := diffSPKIs(t)["rsa-2048.x509.pem"]
	o := keyOutcome(AlgRSAPKCS1SHA256, spki, false)
	assert.Contains(t, o, "[3 budget true", "the fourth verification of a key exceeds a three-verification budget: %s", o)
	assert.Contains(t, o, "[2 budget false", o)
}
