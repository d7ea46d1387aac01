package scheme

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apktrust/apktrust/internal/conformance"
	"github.com/apktrust/apktrust/internal/testutil"
	"github.com/apktrust/apktrust/manifest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// stampConformanceKnownDifferences lists source-stamp cases where this
// library deliberately differs from apksig 13, with the reason. Empty:
// every case agrees.
var stampConformanceKnownDifferences = map[string]string{}

// stampVerifyLikeApksig runs the source stamp verification the way the
// case's apksig API does:
//
//   - ApkVerifier.verifySourceStamp takes minSdk from the manifest unless
//     the test overrides it, and reads the v3/v2 digests (and the JAR
//     manifest's) for that range;
//   - SourceStampVerifier.verifySourceStamp reads no manifest: minSdk
//     defaults to 1.
//
// Both verify the stamp over the range [minSdk, maxSdk].
func stampVerifyLikeApksig(t *testing.T, dir string, c conformance.Case) *SourceStampResult {
	t.Helper()
	a := testutil.OpenAPK(t, filepath.Join(dir, c.APK))
	minSDK, maxSDK := 1, MaxSDK
	if c.MaxSDK != nil {
		maxSDK = *c.MaxSDK
	}
	if c.MinSDK != nil {
		minSDK = *c.MinSDK
	} else if c.API == "ApkVerifier.verifySourceStamp" {
		m, err := manifest.ParseFS(a.FS())
		require.NoError(t, err, "manifest of %s", c.APK)
		minSDK = m.MinSDK()
	}
	digests, issues, err := SourceStampDigests(a, minSDK, maxSDK)
	require.NoError(t, err)
	opts := SourceStampOptions{MinSDK: minSDK, MaxSDK: maxSDK}
	if c.StampCertDigest != nil {
		opts.ExpectedCertSHA256 = *c.StampCertDigest
	}
	r := VerifySourceStamp(a, digests, opts)
	r.Warnings = append(r.Warnings, issues...)
	return r
}

func TestStampConformance(t *testing.T) {
	dir, cases := conformance.Cases(t)
	total, agree := 0, 0
	var disagree []string
	for _, c := range cases {
		if c.API != "ApkVerifier.verifySourceStamp" && c.API != "SourceStampVerifier.verifySourceStamp" {
			continue
		}
		total++
		ok := t.Run(c.ID, func(t *testing.T) {
			if why, known := stampConformanceKnownDifferences[c.ID]; known {
				t.Skip(why)
			}
			r := stampVerifyLikeApksig(t, dir, c)
			all := append(append([]Issue(nil), r.Errors...), r.Warnings...)
			codes := v4Codes(all)
			switch c.Expect {
			case "verified":
				assert.True(t, r.Verified, "apksig verifies the stamp; we report %v", codes)
			case "failed", "error":
				assert.False(t, r.Verified, "apksig rejects the stamp")
			}
			for _, issue := range c.Issues {
				assert.Contains(t, codes, Code(issue), "apksig reports %s", issue)
			}
			if len(c.Issues) > 0 && c.Expect != "verified" {
				// The issue that made apksig fail is the one that made us.
				require.NotEmpty(t, r.Errors)
			}
			if c.Expect == "verified" {
				assert.Empty(t, r.Errors)
			}
			ss := c.SourceStamp
			if v, ok := ss["verified"].(bool); ok {
				assert.Equal(t, v, r.Verified)
			}
			if st, ok := ss["status"].(string); ok {
				assert.Equal(t, st, string(r.Status))
			}
			if ts, ok := ss["timestampEpochSeconds"].(float64); ok {
				assert.EqualValues(t, int64(ts), r.Timestamp)
			}
			if l, ok := ss["lineageCertSha256"].([]any); ok {
				want := []string{}
				for _, x := range l {
					want = append(want, fmt.Sprint(x))
				}
				got := r.Lineage
				if got == nil {
					got = []string{}
				}
				assert.Equal(t, want, got)
			}
		})
		if ok {
			agree++
		} else {
			disagree = append(disagree, c.ID)
		}
	}
	t.Logf("source stamp conformance: %d/%d cases agree with apksig 13; disagreeing: %s",
		agree, total, strings.Join(disagree, ", "))
	assert.Equal(t, 64, total, "cases.json holds 64 source-stamp cases")
}
