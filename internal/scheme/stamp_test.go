package scheme

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apktrust/apktrust/internal/apkzip"
	"github.com/apktrust/apktrust/internal/conformance"
	"github.com/apktrust/apktrust/internal/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSourceStampRealWorld(t *testing.T) {
	dir, apps := conformance.RealWorld(t)
	for _, app := range apps {
		name := app["file"]
		if filepath.Ext(name) != ".apk" {
			continue
		}
		t.Run(name, func(t *testing.T) {
			a := testutil.OpenAPK(t, filepath.Join(dir, name))
			digests, _, err := SourceStampDigests(a, 1, MaxSDK)
			require.NoError(t, err)
			// The manifest's stamp markers are apkverify's to report
			// (evidence_test.go); the verifier never sees them.
			r := VerifySourceStamp(a, digests, SourceStampOptions{})
			stamp := app["stamp_block"]
			if stamp == "-" || stamp == "" {
				assert.False(t, r.Present)
				assert.False(t, r.Verified)
				assert.Equal(t, StampMissing, r.Status)
				assert.False(t, r.TrustedBy(PlayStoreStampCertSHA256))
				return
			}
			assert.True(t, r.Present)
			assert.True(t, r.Verified, "errors: %v", r.Errors)
			assert.Equal(t, StampVerified, r.Status)
			assert.Equal(t, PlayStoreStampCertSHA256, r.CertSHA256)
			assert.Equal(t, app["stamp_cert_sha256_entry"], r.CertSHA256)
			assert.True(t, r.TrustedBy(PlayStoreStampCertSHA256))
			assert.True(t, r.TrustedBy(strings.ToUpper(PlayStoreStampCertSHA256)))
			assert.False(t, r.TrustedBy("00"+PlayStoreStampCertSHA256[2:]))
			assert.Equal(t, []int{1, 2, 3}, r.SignedSchemes)
			assert.Equal(t, 2, r.BlockVersion)
			if i := strings.Index(stamp, "time="); i >= 0 {
				day := stamp[i+5 : i+15]
				assert.Equal(t, day, time.Unix(r.Timestamp, 0).UTC().Format("2006-01-02"))
			} else {
				assert.Zero(t, r.Timestamp, "stamps without the timestamp attribute have none")
			}
		})
	}
}

// The stamp verifies the same way from verified scheme results as from
// the raw signing block.
func TestSourceStampFromVerifiedSchemes(t *testing.T) {
	dir := conformance.RealWorldDir(t)
	a := testutil.OpenAPK(t, filepath.Join(dir, "play-reasily-base.apk"))
	ctx := context.Background()
	d := NewContentDigester(a)
	v3, _ := VerifyV3Schemes(ctx, a, d, FindBlocks(a), SDKNougat, MaxSDK)
	v1 := VerifyV1Options(ctx, a, V1Options{MinSDK: 21, MaxSDK: MaxSDK})
	schemes := map[Scheme]*SchemeResult{
		SchemeV1: v1.Result,
		SchemeV2: VerifyV2(ctx, a, d, FindBlocks(a), 21, MaxSDK),
		SchemeV3: v3,
	}
	digests := StampDigestsFromSchemes(schemes, v1.ManifestSHA256, 21, MaxSDK)
	assert.Len(t, digests, 3, "minSdk 21: v1, v2 and v3 all count")
	fromArchive, err := V1ManifestDigest(a)
	require.NoError(t, err)
	assert.Equal(t, fromArchive, digests[StampSchemeJAR][stampDigestSHA256], "the JAR verifier's manifest digest is the one the stamp signs")
	d28 := StampDigestsFromSchemes(schemes, v1.ManifestSHA256, 28, MaxSDK)
	assert.Len(t, d28, 1, "minSdk 28 with a v3 block: only v3 counts")
	assert.Contains(t, d28, StampSchemeV3)
	r := VerifySourceStamp(a, digests, SourceStampOptions{MinSDK: 30})
	assert.True(t, r.Verified, "errors: %v", r.Errors)
	assert.EqualValues(t, StampVerified, r.Status)

	// A stamp that must also sign a scheme it does not cover fails.
	digests[StampSchemeV2][DigestChunkedSHA256] = make([]byte, 32)
	bad := VerifySourceStamp(a, digests, SourceStampOptions{MinSDK: 30})
	assert.False(t, bad.Verified)
	assert.Equal(t, []Code{StampCodeDidNotVerify}, v4Codes(bad.Errors))

	// Expecting another stamp certificate stops before any signature.
	other := VerifySourceStamp(a, digests, SourceStampOptions{ExpectedCertSHA256: strings.Repeat("ab", 32)})
	assert.Equal(t, StampCertDigestMismatch, other.Status)
	assert.Equal(t, []Code{StampCodeExpectedDigestMismatch}, v4Codes(other.Errors))
}

func TestSourceStampResultJSON(t *testing.T) {
	r := &SourceStampResult{Present: true, Verified: true, Status: StampVerified, CertSHA256: "ab",
		Timestamp: 1700000000, Source: "https://play.google.com/store", Type: "STAMP_TYPE_DISTRIBUTION_APK",
		Lineage: []string{"aa", "ab"}}
	b, err := json.Marshal(r)
	require.NoError(t, err)
	assert.JSONEq(t, `{"present":true,"verified":true,"status":"STAMP_VERIFIED","certSha256":"ab","timestamp":1700000000,
		"source":"https://play.google.com/store","type":"STAMP_TYPE_DISTRIBUTION_APK","lineage":["aa","ab"]}`, string(b))
}

func TestNormalizeSHA256Hex(t *testing.T) {
	assert.Equal(t, "3257d5", NormalizeSHA256Hex("32:57:D5"))
	assert.Equal(t, "3257d5", NormalizeSHA256Hex("32 57 d5"))
}

// TestStampV1DigestPassedForward: the source stamp's v1 digest (the
// SHA-256 of META-INF/MANIFEST.MF) is the hash the JAR verifier made,
// passed forward: building the stamp's digests reads nothing more, and
// hashing the manifest on its own gives the same digest.
func TestStampV1DigestPassedForward(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(testutil.RepoRoot(), "testdata", "apk", "min21-v123.apk"))
	require.NoError(t, err)
	cr := &v23CountingReaderAt{r: bytes.NewReader(raw)}
	a, err := apkzip.Open(cr, int64(len(raw)))
	require.NoError(t, err)
	r := VerifyV1Options(context.Background(), a, V1Options{MinSDK: 21, MaxSDK: MaxSDK})
	require.True(t, r.Result.Verified, "%v", r.Result.Errors)
	require.Len(t, r.ManifestSHA256, 32)
	before := cr.n.Load()
	d := StampDigestsFromSchemes(map[Scheme]*SchemeResult{SchemeV1: r.Result}, r.ManifestSHA256, 21, MaxSDK)
	assert.Equal(t, before, cr.n.Load(), "the manifest was not read again")
	assert.Equal(t, r.ManifestSHA256, d[StampSchemeJAR][stampDigestSHA256])

	again, err := V1ManifestDigest(a)
	require.NoError(t, err)
	assert.Equal(t, r.ManifestSHA256, again, "computed on its own, the same digest")

	// Without a manifest (nil digest) the JAR scheme has no digest, which
	// no stamp signs.
	assert.Empty(t, StampDigestsFromSchemes(nil, nil, 21, MaxSDK)[StampSchemeJAR])
}
