package scheme

import (
	"bytes"
	"context"
	"encoding/binary"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shogo82148/androidbinary"
	"github.com/shogo82148/androidbinary/apk"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apktrust/apktrust/internal/apkzip"
	"github.com/apktrust/apktrust/internal/conformance"
	"github.com/apktrust/apktrust/internal/testutil"
)

// v1ManifestMinSDK reads minSdkVersion from the APK's binary
// AndroidManifest.xml, as apksig does when no minimum is given: 1 when the
// manifest has no uses-sdk or no minSdkVersion. Codenames (preview SDKs)
// and unreadable manifests also give 1; no v1 case of the corpus uses one.
func v1ManifestMinSDK(a *apkzip.Archive) int {
	e := a.Lookup("AndroidManifest.xml")
	if e == nil {
		return 1
	}
	b, err := e.ReadAll(16 << 20)
	if err != nil {
		return 1
	}
	x, err := androidbinary.NewXMLFile(bytes.NewReader(b))
	if err != nil {
		return v1ScanMinSDK(b)
	}
	// Only uses-sdk is decoded: other attributes of real manifests can
	// fail androidbinary's typed decoding.
	var m struct {
		SDK apk.UsesSDK `xml:"uses-sdk"`
	}
	if err := x.Decode(&m, nil, nil); err != nil {
		return v1ScanMinSDK(b)
	}
	v, err := m.SDK.Min.Int32()
	if err != nil || v <= 0 {
		return 1
	}
	return int(v)
}

// v1ScanMinSDK finds android:minSdkVersion (resource ID 0x0101020c) in a
// binary XML file by its resource ID, the way Android identifies
// attributes, for manifests androidbinary cannot decode. It returns 1 when
// the attribute is absent or not an integer.
func v1ScanMinSDK(b []byte) int {
	const minSdkAttr = 0x0101020c
	le := binary.LittleEndian
	if len(b) < 8 {
		return 1
	}
	nameIdx := -1
	for off := int(le.Uint16(b[2:])); off+8 <= len(b); {
		typ, hdr, size := le.Uint16(b[off:]), int(le.Uint16(b[off+2:])), int(le.Uint32(b[off+4:]))
		if size < 8 || off+size > len(b) {
			return 1
		}
		chunk := b[off : off+size]
		switch typ {
		case 0x0180: // resource map: string index -> resource ID
			for i := 0; hdr+4*i+4 <= size; i++ {
				if le.Uint32(chunk[hdr+4*i:]) == minSdkAttr {
					nameIdx = i
				}
			}
		case 0x0102: // start element
			if size < 36 || nameIdx < 0 {
				break
			}
			start, asize, count := int(le.Uint16(chunk[24:])), int(le.Uint16(chunk[26:])), int(le.Uint16(chunk[28:]))
			for i := 0; i < count; i++ {
				a := 16 + start + i*asize
				if asize < 20 || a+20 > size {
					break
				}
				if int(le.Uint32(chunk[a+4:])) == nameIdx && (chunk[a+15] == 0x10 || chunk[a+15] == 0x11) {
					return int(int32(le.Uint32(chunk[a+16:])))
				}
			}
		}
		off += size
	}
	return 1
}

// v1Codes returns every issue code of a v1 result: errors and warnings of
// the scheme and of its signers.
func v1Codes(r *SchemeResult) (errs, warns []Code) {
	for _, i := range r.Errors {
		errs = append(errs, i.Code)
	}
	for _, i := range r.Warnings {
		warns = append(warns, i.Code)
	}
	for _, s := range r.Signers {
		for _, i := range s.Errors {
			errs = append(errs, i.Code)
		}
		for _, i := range s.Warnings {
			warns = append(warns, i.Code)
		}
	}
	return errs, warns
}

// v1ConformanceCase is a case of the apksig corpus whose verdict the v1
// scheme decides, with what Android's verifier says about it.
type v1ConformanceCase struct {
	c        conformance.Case
	minSDK   int
	maxSDK   int
	verified bool
	codes    []string // JAR_SIG_* codes the case asserts
}

// v1SelectCases picks the cases about v1: those asserting JAR_SIG_* issues,
// and those whose APK has no v2/v3 signature (or where the SDK range makes
// Android fall back to v1) and whose verdict nothing but v1 decides. A
// case with both v2+ and v1 signatures counts only when it is expected to
// verify (then v1 must verify too) or asserts JAR issues.
func v1SelectCases(t *testing.T, dir string, cases []conformance.Case) (picked []v1ConformanceCase, skipped map[string]int) {
	skipped = map[string]int{}
	for _, c := range cases {
		var jar, other []string
		for _, is := range c.Issues {
			if strings.HasPrefix(is, "JAR_SIG_") {
				jar = append(jar, is)
			} else {
				other = append(other, is)
			}
		}
		if len(other) > 0 {
			skipped["non-v1 issues"]++
			continue
		}
		expect := c.Expect
		if c.API != "ApkVerifier.verify" {
			// The source-stamp APIs' verdict is the stamp's; a JAR issue
			// they assert is still a v1 failure.
			if len(jar) == 0 {
				skipped["api "+c.API]++
				continue
			}
			expect = "failed"
		}
		if expect == "unasserted" && c.Apksigner13 != nil {
			// Fall back to what apksigner 13 answered.
			if c.Apksigner13.Verifies {
				expect = "verified"
			} else if fe := c.Apksigner13.FirstError; fe != nil && strings.HasPrefix(*fe, "ERROR: JAR") {
				expect = "failed"
			}
		}
		if expect != "verified" && expect != "failed" {
			skipped["expect "+expect]++
			continue
		}
		a, err := testutil.TryOpenAPK(t, filepath.Join(dir, c.APK))
		if err != nil {
			skipped["apkzip refuses the container"]++
			continue
		}
		maxSDK := MaxSDK
		if c.MaxSDK != nil {
			maxSDK = *c.MaxSDK
		}
		minSDK := 0
		if c.MinSDK != nil {
			minSDK = *c.MinSDK
		} else {
			minSDK = v1ManifestMinSDK(a)
		}
		hasV2Plus := false
		if b := a.SigningBlock(); b != nil && maxSDK >= SDKNougat {
			_, v2 := b.Find(BlockIDV2)
			_, v3 := b.Find(BlockIDV3)
			hasV2Plus = v2 || (v3 && maxSDK >= SDKP)
		}
		switch {
		case len(jar) > 0:
		case !hasV2Plus:
		case minSDK < SDKNougat && expect == "verified":
		default:
			skipped["v1 not deciding"]++
			continue
		}
		picked = append(picked, v1ConformanceCase{c: c, minSDK: minSDK, maxSDK: maxSDK, verified: expect == "verified", codes: jar})
	}
	return picked, skipped
}

// TestV1Conformance runs every v1 case of AOSP apksig's verifier tests and
// compares the v1 verdict and the JAR_SIG_* issues the case asserts.
func TestV1Conformance(t *testing.T) {
	dir, cases := conformance.Cases(t)
	picked, skipped := v1SelectCases(t, dir, cases)
	require.NotEmpty(t, picked, "no v1 case selected")
	agree := 0
	for _, pc := range picked {
		ok := t.Run(pc.c.ID, func(t *testing.T) {
			a, err := testutil.TryOpenAPK(t, filepath.Join(dir, pc.c.APK))
			require.NoError(t, err)
			r := VerifyV1(context.Background(), a, pc.minSDK, pc.maxSDK)
			errs, warns := v1Codes(r)
			assert.Equal(t, pc.verified, r.Verified, "verdict for %s (minSdk %d maxSdk %d); errors %v", pc.c.APK, pc.minSDK, pc.maxSDK, r.Errors)
			for _, code := range pc.codes {
				stampAPI := pc.c.API != "ApkVerifier.verify" // lists JAR issues as stamp warnings
				if stampAPI {
					assert.Contains(t, append(errs, warns...), Code(code))
				} else if pc.c.IssueSeverity != nil && *pc.c.IssueSeverity == "warning" {
					assert.Contains(t, warns, code)
				} else if pc.c.IssueSeverity != nil && *pc.c.IssueSeverity == "error" {
					assert.Contains(t, errs, Code(code))
				} else {
					assert.Contains(t, append(errs, warns...), Code(code))
				}
			}
			if pc.verified && len(pc.c.SignerCertSha256) > 0 && pc.c.SignerCertMatch != nil && *pc.c.SignerCertMatch == "exact" && !v1HasV2Block(a) {
				var got []string
				for _, s := range r.Signers {
					if c := s.Cert(); c != nil {
						got = append(got, c.SHA256Hex())
					}
				}
				assert.ElementsMatch(t, pc.c.SignerCertSha256, got, "signer certificates")
			}
		})
		if ok {
			agree++
		}
	}
	t.Logf("v1 conformance: %d/%d cases agree with apksig (skipped: %v)", agree, len(picked), skipped)
}

func v1HasV2Block(a *apkzip.Archive) bool {
	b := a.SigningBlock()
	if b == nil {
		return false
	}
	_, v2 := b.Find(BlockIDV2)
	_, v3 := b.Find(BlockIDV3)
	return v2 || v3
}
