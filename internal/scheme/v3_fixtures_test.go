package scheme

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apktrust/apktrust/internal/apkzip"
	"github.com/apktrust/apktrust/internal/conformance"
)

// v23FixtureRun is one recorded apksigner run of a project fixture.
type v23FixtureRun struct {
	Label            string          `json:"label"`
	Args             []string        `json:"args"`
	Verifies         bool            `json:"verifies"`
	Schemes          map[string]bool `json:"schemes"`
	SignerCertSha256 []string        `json:"signerCertSha256"`
	Errors           []string        `json:"errors"`
}

// v23Fixture is one entry of testdata/fixtures.json.
type v23Fixture struct {
	File           string          `json:"file"`
	Kind           string          `json:"kind"`
	Tamper         string          `json:"tamper"`
	Keys           []string        `json:"keys"`
	MinSdk         int             `json:"minSdk"`
	MinSdkCodename string          `json:"minSdkCodename"`
	Runs           []v23FixtureRun `json:"apksignerRuns"`
}

func v23LoadFixtures(t *testing.T) []v23Fixture {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(v23Testdata, "fixtures.json"))
	require.NoError(t, err, "project fixtures are made by testdata/make-fixtures.sh")
	var fs []v23Fixture
	require.NoError(t, json.Unmarshal(b, &fs))
	require.NotEmpty(t, fs)
	return fs
}

func v23OpenAPKFile(t *testing.T, path string) (*apkzip.Archive, error) {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return apkzip.Open(bytes.NewReader(b), int64(len(b)))
}

// v23RunRange returns the SDK range apksigner checked in a run: its
// --min/--max-sdk-version arguments, else the manifest's minSdk and no
// maximum. A codename minSdk means a future release, above every scheme's
// threshold.
func v23RunRange(f v23Fixture, r v23FixtureRun) (int, int) {
	minSDK, maxSDK := f.MinSdk, MaxSDK
	if f.MinSdkCodename != "" {
		minSDK = 10000
	}
	for i := 0; i+1 < len(r.Args); i++ {
		if v, err := strconv.Atoi(r.Args[i+1]); err == nil {
			switch r.Args[i] {
			case "--min-sdk-version":
				minSDK = v
			case "--max-sdk-version":
				maxSDK = v
			}
		}
	}
	return minSDK, maxSDK
}

// TestFixturesAgreeWithApksigner replays every recorded apksigner run of
// the project fixtures at the scheme level: the v2/v3 schemes apksigner
// reports as verified verify here, the schemes its errors name fail here,
// and a passing run has no failing v2+ scheme here.
func TestFixturesAgreeWithApksigner(t *testing.T) {
	agree, total := 0, 0
	for _, f := range v23LoadFixtures(t) {
		if f.Kind != "apk" {
			continue
		}
		a, err := v23OpenAPKFile(t, filepath.Join(v23Testdata, f.File))
		if err != nil {
			// Refused by the container reader (apkzip's domain).
			continue
		}
		for _, run := range f.Runs {
			if run.Label == "v4" {
				continue
			}
			minSDK, maxSDK := v23RunRange(f, run)
			total++
			ok := t.Run(filepath.Base(f.File)+"/"+run.Label, func(t *testing.T) {
				r := v23RunSchemes(t, a, minSDK, maxSDK)
				for name, res := range map[string]*SchemeResult{"v2": r.v2, "v3": r.v3} {
					if run.Schemes[name] {
						if assert.NotNil(t, res, name) {
							assert.True(t, res.Verified, "%s: %v", name, v23Codes(res, false))
						}
					}
				}
				var v2Err, v3Err bool
				for _, e := range run.Errors {
					v2Err = v2Err || strings.HasPrefix(e, "APK Signature Scheme v2 ")
					v3Err = v3Err || strings.HasPrefix(e, "APK Signature Scheme v3 ")
				}
				if v2Err {
					assert.True(t, r.v2 != nil && schemeHasErrors(r.v2), "apksigner reports a v2 error: %v", run.Errors)
				}
				if v3Err {
					assert.True(t, r.v3 != nil && schemeHasErrors(r.v3), "apksigner reports a v3 error: %v", run.Errors)
				}
				if run.Verifies {
					for _, s := range r.checked {
						assert.True(t, s.Verified, "%s: %v", s.Scheme, v23Codes(s, false))
					}
					if run.Schemes["v2"] || run.Schemes["v3"] {
						assert.Equal(t, run.SignerCertSha256, r.signerCerts())
					}
				}
			})
			if ok {
				agree++
			}
		}
	}
	t.Logf("project fixtures: %d/%d apksigner runs agree at the v2/v3 scheme level", agree, total)
	assert.Positive(t, total)
}

// TestFixtureShapes checks the verdict and the reason for the rotation
// and tampering fixtures.
func TestFixtureShapes(t *testing.T) {
	certs := v23FixtureKeyCerts(t)
	tests := []struct {
		file     string
		v2Signer string   // key of the v2 signer ("" = v2 fails or absent)
		v3Signer string   // key of the v3 signer
		lineage  []string // v3 lineage keys, oldest first
		v2Errors []Code
		v3Errors []Code
	}{
		{file: "min21-v123.apk", v2Signer: "rsa-a", v3Signer: "rsa-a"},
		{file: "min21-v123-ec.apk", v2Signer: "ec-p256", v3Signer: "ec-p256"},
		{file: "min21-v123-dsa.apk", v2Signer: "dsa2048", v3Signer: "dsa2048"},
		{file: "min21-v123-rsa4096.apk", v2Signer: "rsa4096", v3Signer: "rsa4096"},
		{file: "min21-v123-rot-ab.apk", v2Signer: "rsa-a", v3Signer: "rsa-b", lineage: []string{"rsa-a", "rsa-b"}},
		{file: "min21-v123-rot-abc.apk", v2Signer: "rsa-a", v3Signer: "rsa-c", lineage: []string{"rsa-a", "rsa-b", "rsa-c"}},
		{file: "min21-v123-rot-ab-broken-link.apk", v2Signer: "rsa-a", v3Errors: []Code{"V3_SIG_POR_DID_NOT_VERIFY"}},
		{file: "tamper-stored-entry.apk", v2Errors: []Code{"V2_SIG_APK_DIGEST_DID_NOT_VERIFY"}, v3Errors: []Code{"V3_SIG_APK_DIGEST_DID_NOT_VERIFY"}},
		{file: "tamper-deflated-entry.apk", v2Errors: []Code{"V2_SIG_APK_DIGEST_DID_NOT_VERIFY"}, v3Errors: []Code{"V3_SIG_APK_DIGEST_DID_NOT_VERIFY"}},
		{file: "tamper-central-directory.apk", v2Errors: []Code{"V2_SIG_APK_DIGEST_DID_NOT_VERIFY"}, v3Errors: []Code{"V3_SIG_APK_DIGEST_DID_NOT_VERIFY"}},
		{file: "tamper-appended-entry.apk", v2Errors: []Code{"V2_SIG_APK_DIGEST_DID_NOT_VERIFY"}, v3Errors: []Code{"V3_SIG_APK_DIGEST_DID_NOT_VERIFY"}},
		{file: "tamper-v2-signature.apk", v3Signer: "rsa-a", v2Errors: []Code{"V2_SIG_DID_NOT_VERIFY"}},
		{file: "tamper-v3-signature.apk", v2Signer: "rsa-a", v3Errors: []Code{"V3_SIG_DID_NOT_VERIFY"}},
		{file: "tamper-v3-stripped.apk", v2Errors: []Code{"V2_SIG_MISSING_APK_SIG_REFERENCED"}},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			a, err := v23OpenAPKFile(t, filepath.Join(v23Testdata, "apk", tc.file))
			require.NoError(t, err)
			d := NewContentDigester(a)
			v2 := VerifyV2(context.Background(), a, d, FindBlocks(a), 24, MaxSDK)
			v3 := verifyV3(context.Background(), a, d, FindBlocks(a), 24, MaxSDK, nil)
			if tc.v2Signer != "" {
				require.True(t, v2.Verified, "%v", v23Codes(v2, false))
				assert.Equal(t, certs[tc.v2Signer], v2.Signers[0].Cert().SHA256Hex())
			}
			if tc.v3Signer != "" {
				require.True(t, v3.Verified, "%v", v23Codes(v3, false))
				assert.Equal(t, certs[tc.v3Signer], v3.Signers[0].Cert().SHA256Hex())
				if tc.lineage == nil {
					assert.Nil(t, v3.Signers[0].Lineage)
				}
			}
			if tc.lineage != nil {
				var want []string
				for _, k := range tc.lineage {
					want = append(want, certs[k])
				}
				require.NotNil(t, v3.Signers[0].Lineage)
				assert.Equal(t, want, v23LineageHexes(v3.Signers[0].Lineage))
			}
			for _, c := range tc.v2Errors {
				assert.False(t, v2.Verified)
				assert.Contains(t, v23Codes(v2, false), c)
			}
			for _, c := range tc.v3Errors {
				assert.False(t, v3.Verified)
				assert.Contains(t, v23Codes(v3, false), c)
			}
		})
	}
}

// v23RealWorldSigner is one entry of index.tsv's v3_signers column, for
// example "v3[sdk24-32,attrs:559f8b02 cert:90e8b84c91ae4753]".
type v23RealWorldSigner struct {
	scheme     string
	min, max   int
	lineage    bool
	certPrefix string
}

func v23ParseRealWorldSigners(t *testing.T, col string) []v23RealWorldSigner {
	t.Helper()
	var out []v23RealWorldSigner
	for _, f := range strings.Fields(col) {
		if f == "-" {
			continue
		}
		// Fields split "v3[sdk24-32,attrs:559f8b02" and "cert:...]".
		if strings.HasPrefix(f, "cert:") {
			require.NotEmpty(t, out)
			out[len(out)-1].certPrefix = strings.TrimSuffix(strings.TrimPrefix(f, "cert:"), "]")
			continue
		}
		i := strings.Index(f, "[")
		require.Positive(t, i, f)
		s := v23RealWorldSigner{scheme: f[:i]}
		for _, part := range strings.Split(f[i+1:], ",") {
			switch {
			case strings.HasPrefix(part, "sdk"):
				lo, hi, _ := strings.Cut(strings.TrimPrefix(part, "sdk"), "-")
				s.min, _ = strconv.Atoi(lo)
				s.max = MaxSDK
				if hi != "max" {
					s.max, _ = strconv.Atoi(hi)
				}
			case part == "lineage":
				s.lineage = true
			}
		}
		out = append(out, s)
	}
	return out
}

// TestRealWorldV3Signers checks the v3/v3.1 signers of the real-world
// apps against the corpus index: SDK ranges, certificates, lineages, and
// that every scheme verifies as apksigner said.
func TestRealWorldV3Signers(t *testing.T) {
	dir, apps := conformance.RealWorld(t)
	checked := 0
	for _, app := range apps {
		want := v23ParseRealWorldSigners(t, app["v3_signers"])
		if len(want) == 0 || !strings.HasSuffix(app["file"], ".apk") {
			continue
		}
		checked++
		t.Run(app["file"], func(t *testing.T) {
			a, err := v23OpenAPKFile(t, filepath.Join(dir, app["file"]))
			require.NoError(t, err)
			d := NewContentDigester(a)
			v3, v31 := VerifyV3Schemes(context.Background(), a, d, FindBlocks(a), 24, MaxSDK)
			v2 := VerifyV2(context.Background(), a, d, FindBlocks(a), 24, MaxSDK)
			assert.Equal(t, "Verifies", app["apksigner_verdict"])
			assert.True(t, v3.Verified, "v3: %v", v23Codes(v3, false))
			if v2.Present {
				assert.True(t, v2.Verified, "v2: %v", v23Codes(v2, false))
			}
			for _, w := range want {
				res := v3
				if w.scheme == "v3.1" {
					res = v31
					require.NotNil(t, res)
					assert.True(t, res.Verified, "v3.1: %v", v23Codes(res, false))
				}
				found := false
				for _, s := range res.Signers {
					if strings.HasPrefix(s.Cert().SHA256Hex(), w.certPrefix) {
						found = true
						assert.Equal(t, w.min, s.MinSDK)
						assert.Equal(t, w.max, s.MaxSDK)
						assert.Equal(t, w.lineage, s.Lineage != nil)
					}
				}
				assert.True(t, found, "%s signer %s", w.scheme, w.certPrefix)
			}
		})
	}
	assert.Positive(t, checked)
}

// TestRealWorldV31Rotation checks the Play key-rotation layout: v3.0 for
// SDK 24-32 with the old key and rotation-min-sdk 33, v3.1 from 33 with the
// new key and a two-node lineage old -> new, and that stripping the v3.1
// block is detected by the v3.0 signer's attribute.
func TestRealWorldV31Rotation(t *testing.T) {
	dir := conformance.RealWorldDir(t)
	for _, file := range []string{"play-google-calculator_85005519-standalone.apk", "play-youtube-split_config.en.apk"} {
		t.Run(file, func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join(dir, file))
			require.NoError(t, err)
			a, err := apkzip.Open(bytes.NewReader(raw), int64(len(raw)))
			require.NoError(t, err)
			d := NewContentDigester(a)
			v3, v31 := VerifyV3Schemes(context.Background(), a, d, FindBlocks(a), 24, MaxSDK)
			require.True(t, v3.Verified, "v3: %v", v23Codes(v3, false))
			require.NotNil(t, v31)
			require.True(t, v31.Verified, "v3.1: %v", v23Codes(v31, false))
			require.Len(t, v3.Signers, 1)
			require.Len(t, v31.Signers, 1)
			old, rotated := v3.Signers[0], v31.Signers[0]
			assert.Equal(t, [2]int{24, 32}, [2]int{old.MinSDK, old.MaxSDK})
			assert.Equal(t, 33, old.RotationMinSDK)
			assert.Equal(t, [2]int{33, MaxSDK}, [2]int{rotated.MinSDK, rotated.MaxSDK})
			require.NotNil(t, rotated.Lineage)
			require.Len(t, rotated.Lineage.Nodes, 2)
			assert.Equal(t, old.Cert().Raw, rotated.Lineage.Nodes[0].Certificate.Raw, "lineage starts with the old key")
			assert.Equal(t, rotated.Cert().Raw, rotated.Lineage.Nodes[1].Certificate.Raw, "lineage ends with the new key")
			assert.NotEqual(t, old.Cert().SHA256, rotated.Cert().SHA256)
			// Each block's signed digests are the ones computed for the file
			// (the keys use different algorithms, so the digests differ).
			for _, res := range []*SchemeResult{v3, v31} {
				for alg, signed := range ApkContentDigests(res) {
					actual, err := d.Digest(context.Background(), alg)
					require.NoError(t, err)
					assert.Equal(t, actual, signed, "%s %s", res.Scheme, alg)
				}
			}

			// Below Android 13 the v3.1 block is not consulted at all.
			v3old, v31old := VerifyV3Schemes(context.Background(), a, d, FindBlocks(a), 24, 32)
			assert.Nil(t, v31old)
			assert.True(t, v3old.Verified)

			// Stripping: rename the v3.1 pair's ID. The signing block is not
			// covered by the content digests, so only the attribute in the
			// v3.0 signer can notice.
			p, ok := a.SigningBlock().Find(BlockIDV31)
			require.True(t, ok)
			stripped := append([]byte(nil), raw...)
			binary.LittleEndian.PutUint32(stripped[p.ValueOffset-4:], 0x12345678)
			sa, err := apkzip.Open(bytes.NewReader(stripped), int64(len(stripped)))
			require.NoError(t, err)
			sv3, sv31 := VerifyV3Schemes(context.Background(), sa, nil, FindBlocks(sa), 24, MaxSDK)
			assert.False(t, sv31.Present)
			assert.False(t, sv3.Verified)
			assert.Contains(t, v23Codes(sv3, false), CodeV31BlockMissing)
		})
	}
}
