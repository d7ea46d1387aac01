package scheme

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apktrust/apktrust/internal/conformance"
	"github.com/apktrust/apktrust/internal/testutil"
	"github.com/apktrust/apktrust/manifest"
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
			var opts SourceStampOptions
			if m, err := manifest.ParseFS(a.FS()); err == nil {
				if d, ok := m.Meta(StampMetaSource); ok {
					opts.Source = d.String
				}
				if d, ok := m.Meta(StampMetaType); ok {
					opts.Type = d.String
				}
			}
			r := VerifySourceStamp(a, digests, opts)
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
			if src := app["meta_stamp_source"]; src != "-" {
				assert.Equal(t, src, r.Source)
				assert.Equal(t, app["meta_stamp_type"], r.Type)
			} else {
				assert.Empty(t, r.Source)
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
	v3, _ := VerifyV3Schemes(ctx, a, d, SDKNougat, MaxSDK)
	schemes := map[Scheme]*SchemeResult{
		SchemeV1: VerifyV1(ctx, a, 21, MaxSDK),
		SchemeV2: VerifyV2(ctx, a, d, 21, MaxSDK),
		SchemeV3: v3,
	}
	digests, err := StampDigestsFromSchemes(a, schemes, 21, MaxSDK)
	require.NoError(t, err)
	assert.Len(t, digests, 3, "minSdk 21: v1, v2 and v3 all count")
	d28, err := StampDigestsFromSchemes(a, schemes, 28, MaxSDK)
	require.NoError(t, err)
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
