package apkverify_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/apktrust/apktrust/apkverify"
)

// fixtureDeviations are the fixture runs where we knowingly answer
// differently from apksigner 31.0.2, keyed "file|label", with the reason.
// Each is stricter than apksigner, on a file no legitimate build tool
// produces.
var fixtureDeviations = map[string]string{
	"apk/tamper-janus-prepend-v1only.apk|default": "Janus (CVE-2017-13156): data before the first entry is refused; apksigner accepts it on a v1-only APK, Android since 2017 does not",
	"apk/tamper-janus-prepend-v1only.apk|max23":   "Janus: refused, see above",
	"apk/tamper-janus-prepend-v1only.apk|min24":   "Janus: refused, see above",
	"apk/tamper-janus-prepend-v1only.apk|min28":   "Janus: refused, see above",
	"apk/tamper-janus-prepend.apk|max23":          "Janus: refused; apksigner checks only v1 for API <= 23 and accepts",
}

type fixtureRun struct {
	Label            string          `json:"label"`
	Args             []string        `json:"args"`
	ExitCode         int             `json:"exitCode"`
	Verifies         bool            `json:"verifies"`
	Schemes          map[string]bool `json:"schemes"`
	SignerCertSha256 []string        `json:"signerCertSha256"`
	Errors           []string        `json:"errors"`
}

type fixtureEntry struct {
	File          string       `json:"file"`
	Kind          string       `json:"kind"`
	ApksignerRuns []fixtureRun `json:"apksignerRuns"`
}

// optionsFromArgs turns an apksigner verify command line into Options
// and the APK path (relative to testdata/).
func optionsFromArgs(t *testing.T, args []string) (apkverify.Options, string, string) {
	var opts apkverify.Options
	var apk, idsig string
	for i := 0; i < len(args); i++ {
		switch args[i] {
		case "verify", "-v", "--print-certs":
		case "--min-sdk-version", "--max-sdk-version", "--v4-signature-file":
			i++
			switch args[i-1] {
			case "--min-sdk-version":
				opts.MinSDK, _ = strconv.Atoi(args[i])
			case "--max-sdk-version":
				opts.MaxSDK, _ = strconv.Atoi(args[i])
			default:
				idsig = args[i]
			}
		default:
			require.False(t, strings.HasPrefix(args[i], "-"), "unknown apksigner flag %s", args[i])
			apk = args[i]
		}
	}
	return opts, apk, idsig
}

// TestFixturesAgreeWithApksigner replays every apksigner run recorded in
// testdata/fixtures.json (default range, --max-sdk-version 23,
// --min-sdk-version 24/28, --v4-signature-file) and requires the same
// verdict, schemes and signer certificate, except the deviations above.
func TestFixturesAgreeWithApksigner(t *testing.T) {
	td := filepath.Join(repoRoot(), "testdata")
	b, err := os.ReadFile(filepath.Join(td, "fixtures.json"))
	require.NoError(t, err, "testdata/fixtures.json is committed")
	var fixtures []fixtureEntry
	require.NoError(t, json.Unmarshal(b, &fixtures))
	ctx := context.Background()
	runs, agree := 0, 0
	for _, fx := range fixtures {
		if fx.Kind != "apk" && fx.Kind != "idsig" {
			continue // lineage files: their runs are signing attempts
		}
		for _, run := range fx.ApksignerRuns {
			key := fx.File + "|" + run.Label
			t.Run(key, func(t *testing.T) {
				runs++
				opts, apk, idsig := optionsFromArgs(t, run.Args)
				if idsig != "" {
					f, err := os.Open(filepath.Join(td, idsig))
					require.NoError(t, err)
					defer f.Close()
					st, err := f.Stat()
					require.NoError(t, err)
					opts.V4Signature, opts.V4SignatureSize = f, st.Size()
				}
				res, err := apkverify.VerifyFile(ctx, filepath.Join(td, apk), opts)
				verified := err == nil && res.Verified
				// apksigner 31 exits 0 when a given .idsig does not verify
				// and only prints "v4: false" (its v4 errors are lost); a
				// device refuses such an incremental install, so that
				// counts as not verified.
				apksignerVerified := run.ExitCode == 0 && run.Verifies && (idsig == "" || run.Schemes["v4"])
				if reason, ok := fixtureDeviations[key]; ok {
					require.NotEqual(t, apksignerVerified, verified, "documented deviation no longer holds: %s", reason)
					require.False(t, verified, "deviations must only ever be stricter")
					return
				}
				require.Equal(t, apksignerVerified, verified, "apksigner: exit %d %v; we: err=%v result=%s", run.ExitCode, run.Errors, err, describe(res))
				if !verified {
					return
				}
				var want, got []string
				for _, s := range []string{"v1", "v2", "v3", "v4"} {
					if run.Schemes[s] {
						want = append(want, s)
					}
					if res.Schemes.Has(schemeName(s)) {
						got = append(got, s)
					}
				}
				require.Equal(t, want, got, "schemes")
				var certs []string
				for _, c := range res.SignerCertificates() {
					certs = append(certs, c.SHA256Hex())
				}
				require.True(t, slices.Equal(run.SignerCertSha256, certs), "signers: apksigner %v, we %v", run.SignerCertSha256, certs)
				agree++
			})
		}
	}
	t.Logf("fixtures: %d apksigner runs replayed, %d verified alike with the same schemes and signers, %d documented deviations", runs, agree, len(fixtureDeviations))
}

func describe(res *apkverify.Result) string {
	if res == nil {
		return "<nil>"
	}
	return fmt.Sprintf("verified=%v errors=%v", res.Verified, codes(res.Errors))
}
