package scheme

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apktrust/apktrust/internal/apkzip"
	"github.com/apktrust/apktrust/internal/conformance"
	"github.com/apktrust/apktrust/internal/testutil"
)

// v1FixtureDir is the project's generated fixtures (testdata/README.md).
var v1FixtureDir = filepath.Join(testutil.RepoRoot(), "testdata")

// v1Fixture is the part of a testdata/fixtures.json record this test reads.
type v1Fixture struct {
	File          string `json:"file"`
	MinSDK        int    `json:"minSdk"`
	ApksignerRuns []struct {
		Label    string          `json:"label"`
		Verifies bool            `json:"verifies"`
		Schemes  map[string]bool `json:"schemes"`
		Errors   []string        `json:"errors"`
	} `json:"apksignerRuns"`
}

func v1LoadFixtures(t *testing.T) map[string]v1Fixture {
	b, err := os.ReadFile(filepath.Join(v1FixtureDir, "fixtures.json"))
	require.NoError(t, err, "testdata/fixtures.json is committed")
	var list []v1Fixture
	require.NoError(t, json.Unmarshal(b, &list))
	m := map[string]v1Fixture{}
	for _, f := range list {
		m[filepath.Base(f.File)] = f
	}
	return m
}

// TestVerifyV1ProjectFixtures verifies the v1 signatures of the project's
// fixtures (signed by apksigner with the keys in testdata/keys) and, when
// fixtures.json records apksigner's answer for a file that only v1 decides,
// compares with it.
func TestVerifyV1ProjectFixtures(t *testing.T) {
	fixtures := v1LoadFixtures(t)
	tests := []struct {
		file     string
		minSDK   int
		maxSDK   int
		openErr  error // apkzip refuses the container
		verified bool
		codes    []Code // at least one of these is among the errors
		signers  int
	}{
		{file: "min21-v1-rsa.apk", minSDK: 21, maxSDK: MaxSDK, verified: true, signers: 1},
		{file: "min21-v1-ec.apk", minSDK: 21, maxSDK: MaxSDK, verified: true, signers: 1},
		{file: "min21-v1-dsa.apk", minSDK: 21, maxSDK: MaxSDK, verified: true, signers: 1},
		{file: "min14-v1.apk", minSDK: 14, maxSDK: MaxSDK, verified: true, signers: 1},
		{file: "min21-v12-two-signers.apk", minSDK: 21, maxSDK: MaxSDK, verified: true, signers: 2},
		{file: "min21-v123-dsa.apk", minSDK: 21, maxSDK: MaxSDK, verified: true, signers: 1},
		{file: "min21-v123-ec.apk", minSDK: 21, maxSDK: MaxSDK, verified: true, signers: 1},
		{file: "min21-v123.apk", minSDK: 21, maxSDK: 23, verified: true, signers: 1},
		{file: "tamper-appended-entry.apk", minSDK: 21, maxSDK: 23, codes: []Code{CodeJarNoZipEntryDigestInManifest}},
		{file: "tamper-stored-entry.apk", minSDK: 21, maxSDK: 23, codes: []Code{CodeJarZipEntryDigestDidNotVerify}},
		{file: "tamper-deflated-entry.apk", minSDK: 21, maxSDK: 23, codes: []Code{CodeJarZipEntryDigestDidNotVerify, CodeJarMalformedZipEntry}},
		{file: "tamper-v2-stripped.apk", minSDK: 21, maxSDK: MaxSDK, codes: []Code{CodeJarMissingApkSigReferenced}},
		{file: "tamper-v2-stripped.apk", minSDK: 21, maxSDK: 23, verified: true, signers: 1},
		{file: "tamper-duplicate-entry.apk", openErr: apkzip.CodeDuplicateEntry},
		{file: "unsigned-min21.apk", minSDK: 21, maxSDK: MaxSDK, codes: []Code{CodeJarNoManifest}},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%s/max%d", tc.file, tc.maxSDK), func(t *testing.T) {
			path := filepath.Join(v1FixtureDir, "apk", tc.file)
			require.FileExists(t, path, "committed fixture")
			a, err := testutil.TryOpenAPK(t, path)
			if tc.openErr != nil {
				require.Error(t, err)
				assert.ErrorIs(t, err, tc.openErr)
				return
			}
			require.NoError(t, err)
			r := VerifyV1(context.Background(), a, tc.minSDK, tc.maxSDK)
			assert.Equal(t, tc.verified, r.Verified, "errors %v signers %v", r.Errors, r.Signers)
			if tc.verified {
				assert.Len(t, r.Signers, tc.signers)
				for _, s := range r.Signers {
					assert.NotNil(t, s.Cert())
					assert.NotEmpty(t, s.Name)
				}
			} else {
				errs, _ := v1Codes(r)
				found := false
				for _, c := range tc.codes {
					found = found || slices.Contains(errs, c)
				}
				assert.True(t, found, "errors %v should include one of %v", errs, tc.codes)
			}
			// apksigner's recorded verdict for files only v1 signs.
			if f, ok := fixtures[tc.file]; ok && tc.maxSDK == MaxSDK && tc.minSDK == f.MinSDK && strings.Contains(tc.file, "-v1") && !strings.Contains(tc.file, "v12") {
				for _, run := range f.ApksignerRuns {
					if run.Label == "default" {
						assert.Equal(t, run.Verifies, r.Verified, "apksigner said %v: %v", run.Verifies, run.Errors)
					}
				}
			}
		})
	}
}

// TestVerifyV1RealWorld verifies the real apps of the shared corpus whose
// v1 signature apksigner accepted, with minSdk from their manifests.
func TestVerifyV1RealWorld(t *testing.T) {
	dir, apps := conformance.RealWorld(t)
	checked := 0
	for _, app := range apps {
		file := app["file"]
		if !strings.HasSuffix(file, ".apk") || !strings.Contains(app["apksigner_schemes"], "v1") {
			continue
		}
		t.Run(file, func(t *testing.T) {
			a, err := testutil.TryOpenAPK(t, filepath.Join(dir, file))
			require.NoError(t, err)
			r := VerifyV1(context.Background(), a, v1ManifestMinSDK(a), MaxSDK)
			assert.True(t, r.Verified, "errors %v signers %v", r.Errors, r.Signers)
			if want := app["signer_cert_sha256"]; want != "" && !strings.Contains(app["apksigner_schemes"], "v2") {
				require.NotEmpty(t, r.Signers)
				assert.Contains(t, want, r.Signers[0].Cert().SHA256Hex())
			}
		})
		checked++
	}
	t.Logf("real-world APKs with v1 checked: %d", checked)
}

// TestVerifyV1AgainstApksigner signs APKs in Go and asks the installed
// apksigner for its verdict on the v1 signature alone (max SDK 23, so no
// v2+ scheme is consulted), skipping when apksigner is absent. Each run
// starts a JVM, so the set is small and skipped with -short.
func TestVerifyV1AgainstApksigner(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a JVM per case")
	}
	tool, err := exec.LookPath("apksigner")
	if err != nil {
		t.Skip("apksigner not installed")
	}
	rsaKey, ecKey := v1Keys(t)
	rsaSpec := v1SignerSpec{name: "CERT", ext: ".RSA", key: rsaKey, digestOID: oidV1DigestSHA256, sigOID: oidV1SigRSA}
	ecSpec := v1SignerSpec{name: "EC", ext: ".EC", key: ecKey, digestOID: oidV1DigestSHA256, sigOID: oidV1SigSHA256WithECDSA}
	sha1Spec := v1SignerSpec{name: "OLD", ext: ".RSA", key: rsaKey, digestOID: oidV1DigestSHA1, sigOID: oidV1SigSHA1WithRSA}
	tests := []struct {
		name    string
		signers []v1SignerSpec
		opts    v1BuildOptions
		minSDK  int
	}{
		{"rsa", []v1SignerSpec{rsaSpec}, v1BuildOptions{}, 18},
		{"two signers", []v1SignerSpec{rsaSpec, ecSpec}, v1BuildOptions{}, 21},
		{"ec before 18", []v1SignerSpec{ecSpec}, v1BuildOptions{entryDigest: "SHA1"}, 14},
		{"sha1 api 9", []v1SignerSpec{sha1Spec}, v1BuildOptions{entryDigest: "SHA1"}, 9},
		{"sha256 entries api 9", []v1SignerSpec{sha1Spec}, v1BuildOptions{}, 9},
		{"changed", []v1SignerSpec{rsaSpec}, v1BuildOptions{changed: map[string][]byte{"classes.dex": []byte("x")}}, 21},
		{"appended", []v1SignerSpec{rsaSpec}, v1BuildOptions{unlisted: []v1File{{name: "x.txt", data: []byte("x")}}}, 21},
	}
	tmp := t.TempDir()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			apk := v1BuildAPK(t, v1TestFiles(), tc.signers, tc.opts)
			path := filepath.Join(tmp, strings.ReplaceAll(tc.name, " ", "_")+".apk")
			require.NoError(t, os.WriteFile(path, apk, 0o644))
			cmd := exec.Command(tool, "verify", "--min-sdk-version", strconv.Itoa(tc.minSDK), "--max-sdk-version", "23", path)
			out, err := cmd.CombinedOutput()
			var ee *exec.ExitError
			if err != nil && !errors.As(err, &ee) {
				t.Skipf("apksigner did not run: %v", err)
			}
			want := err == nil
			r := VerifyV1(context.Background(), v1Open(t, apk), tc.minSDK, 23)
			assert.Equal(t, want, r.Verified, "apksigner: %s; ours: %v %v", out, r.Errors, r.Signers)
		})
	}
}
