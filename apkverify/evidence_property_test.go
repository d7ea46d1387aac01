package apkverify_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"fmt"
	mrand "math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/apktrust/apktrust/apkverify"
	"github.com/apktrust/apktrust/internal/conformance"
	"github.com/apktrust/apktrust/internal/scheme"
	"github.com/apktrust/apktrust/signer"
)

// recombineSource is a genuine file whose evidence the property test
// recombines, with the signers its untouched verification names.
type recombineSource struct {
	name     string
	b        []byte
	keys     []*ecdsa.PublicKey // frosting keys, nil for Play's
	genuine  map[string]bool    // certificates of the untouched file's per-level signers
	digests  map[signer.Scheme]map[signer.ContentDigestAlgorithm][]byte
	maxTrial int
}

func newRecombineSource(t *testing.T, name string, b []byte, keys []*ecdsa.PublicKey, trials int) *recombineSource {
	t.Helper()
	s := &recombineSource{name: name, b: b, keys: keys, genuine: map[string]bool{}, maxTrial: trials,
		digests: map[signer.Scheme]map[signer.ContentDigestAlgorithm][]byte{}}
	for _, minSDK := range []int{0, 24, 28, 33} {
		res := verifyBytes(t, b, apkverify.WithFrostingKeys(apkverify.Options{MinSDK: minSDK}, keys))
		require.True(t, res.Verified, "%s API %d+: %v", name, minSDK, res.Errors)
		for _, sg := range res.Signers {
			s.genuine[sg.CertSHA256] = true
		}
		for _, sr := range res.SchemeResults {
			if sr.Verified && (sr.Scheme == signer.SchemeV2 || sr.Scheme == signer.SchemeV3) {
				s.digests[sr.Scheme] = scheme.ApkContentDigests(sr)
			}
		}
	}
	return s
}

// TestEvidenceRecombinationProperty moves, drops, re-signs and re-labels
// the scheme blocks, stamp blocks and frosting of genuine files (the
// project's stamped fixtures, frosting made with a test key, and the real
// Play delivery when present), transplants evidence between them, and
// checks on every result: whenever a stamp or frosting is reported as
// binding, every per-level signer is one of the genuine file's signers
// (which the evidence covers); the attacker's key never is.
func TestEvidenceRecombinationProperty(t *testing.T) {
	rng := mrand.New(mrand.NewPCG(23, 2026))
	fk, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	testKeys := []*ecdsa.PublicKey{&fk.PublicKey}
	x := newTestKey(t, rand.Reader, "attacker X")

	var sources []*recombineSource
	for _, name := range []string{"evidence-min21-v1234-stamp.apk", "evidence-min21-v123-rot-ab-stamp.apk", "evidence-min21-v1-stamp.apk"} {
		b := readFile(t, evidenceFixture(t, name))
		sources = append(sources, newRecombineSource(t, name, b, testKeys, 50))
		if name != "evidence-min21-v1-stamp.apk" {
			sources = append(sources, newRecombineSource(t, name+"+frosting", withFrosting(t, b, fk), testKeys, 50))
		}
	}
	if p, ok := optionalRealWorld("play-reasily-base.apk"); ok {
		sources = append(sources, newRecombineSource(t, "play-reasily-base.apk", readFile(t, p), nil, 12))
	} else {
		t.Log("play-reasily-base.apk absent: the real Play file is not recombined")
	}
	// Evidence pairs any source carries, to transplant.
	var donors []sbPair
	for _, s := range sources {
		for _, p := range splitAPK(t, s.b).pairs {
			if p.id == scheme.BlockIDSourceStampV2 || p.id == scheme.BlockIDFrosting {
				donors = append(donors, p)
			}
		}
	}
	relabel := []uint32{scheme.BlockIDV2, scheme.BlockIDV3, scheme.BlockIDV31, scheme.BlockIDSourceStampV1, scheme.BlockIDSourceStampV2, scheme.BlockIDFrosting}
	ranges := []int{0, 24, 28, 30, 33}

	var trials, verified, stampBinds, frostBinds, notBinding int
	for _, src := range sources {
		for trial := 0; trial < src.maxTrial; trial++ {
			pairs := splitAPK(t, src.b).pairs
			var ops []string
			for n := 1 + rng.IntN(3); n > 0; n-- {
				switch op := rng.IntN(7); op {
				case 0, 1: // re-sign v3 (or v2) with X over the genuine digests
					sch, id, v3 := signer.SchemeV3, scheme.BlockIDV3, true
					if op == 1 {
						sch, id, v3 = signer.SchemeV2, scheme.BlockIDV2, false
					}
					if d := src.digests[sch]; d != nil {
						pairs = replacePair(pairs, id, resignedSchemeBlock(t, v3, x, d, 24, scheme.MaxSDK))
						ops = append(ops, "resign "+string(sch))
					}
				case 2: // drop a pair
					if len(pairs) > 0 {
						i := rng.IntN(len(pairs))
						ops = append(ops, "drop "+pairName(pairs[i].id))
						pairs = slices.Delete(pairs, i, i+1)
					}
				case 3: // move the pairs around
					rng.Shuffle(len(pairs), func(i, j int) { pairs[i], pairs[j] = pairs[j], pairs[i] })
					ops = append(ops, "shuffle")
				case 4: // re-label a pair
					if len(pairs) > 0 {
						i := rng.IntN(len(pairs))
						to := relabel[rng.IntN(len(relabel))]
						ops = append(ops, "relabel "+pairName(pairs[i].id)+" as "+pairName(to))
						pairs[i].id = to
					}
				case 5: // transplant evidence from another file
					d := donors[rng.IntN(len(donors))]
					pairs = append(replacePair(pairs, d.id, nil), d)
					ops = append(ops, "transplant "+pairName(d.id))
				case 6: // add a v3 block by X where there was none
					if d := src.digests[signer.SchemeV2]; d != nil {
						pairs = append(replacePair(pairs, scheme.BlockIDV3, nil), sbPair{scheme.BlockIDV3, resignedSchemeBlock(t, true, x, d, 24, scheme.MaxSDK)})
						ops = append(ops, "add v3 by X")
					}
				}
			}
			minSDK := ranges[rng.IntN(len(ranges))]
			b := splitAPK(t, src.b).build(pairs)
			res := verifyBytes(t, b, apkverify.WithFrostingKeys(apkverify.Options{MinSDK: minSDK}, src.keys))
			trials++
			if res.Verified {
				verified++
			}
			st, fr := res.SourceStamp, res.Frosting
			sb := st != nil && st.Verified && st.Binding != nil && st.Binding.Binds
			fb := fr != nil && fr.Verified && fr.Binding != nil && fr.Binding.Binds
			if sb {
				stampBinds++
			}
			if fb {
				frostBinds++
			}
			if (st != nil && st.Verified && !sb) || (fr != nil && fr.Verified && !fb) {
				notBinding++
			}
			if !sb && !fb {
				continue
			}
			require.True(t, res.Verified, "%s %v API %d: evidence binds a file that does not verify", src.name, ops, minSDK)
			for _, sg := range res.Signers {
				require.NotEqual(t, x.sha256(), sg.CertSHA256, "%s %v API %d: evidence binds the attacker's signer", src.name, ops, minSDK)
				require.True(t, src.genuine[sg.CertSHA256], "%s %v API %d: evidence binds signer %s (%s, %s) that is not the genuine file's",
					src.name, ops, minSDK, sg.CertSHA256, sg.Scheme, apiRangeString(sg.MinSDK, sg.MaxSDK))
			}
		}
	}
	t.Logf("evidence recombination: %d genuine files, %d recombined files (%d verified), stamp binding %d, frosting binding %d, verified evidence not binding %d; no binding evidence with a signer it does not cover",
		len(sources), trials, verified, stampBinds, frostBinds, notBinding)
	require.Positive(t, stampBinds, "some recombinations keep the genuine signers, so some stamps must bind")
	require.Positive(t, notBinding, "some recombinations re-sign, so some verified evidence must not bind")
}

func pairName(id uint32) string {
	switch id {
	case scheme.BlockIDV2:
		return "v2"
	case scheme.BlockIDV3:
		return "v3"
	case scheme.BlockIDV31:
		return "v3.1"
	case scheme.BlockIDSourceStampV1:
		return "stamp-v1"
	case scheme.BlockIDSourceStampV2:
		return "stamp-v2"
	case scheme.BlockIDFrosting:
		return "frosting"
	}
	return "other"
}

func apiRangeString(lo, hi int) string {
	if hi == scheme.MaxSDK {
		return fmt.Sprintf("API %d+", lo)
	}
	return fmt.Sprintf("API %d-%d", lo, hi)
}

// optionalRealWorld returns the path of a real-world APK and whether it is
// there, without skipping the test.
func optionalRealWorld(name string) (string, bool) {
	dir := os.Getenv(conformance.EnvShared)
	if dir == "" {
		dir = filepath.Join(repoRoot(), "..", "shared")
	}
	p := filepath.Join(dir, "realworld", name)
	_, err := os.Stat(p)
	return p, err == nil
}
