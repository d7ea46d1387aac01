package apkverify_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apktrust/apktrust/apkverify"
	"github.com/apktrust/apktrust/internal/conformance"
	"github.com/apktrust/apktrust/signer"
)

// realBundle is a real App Bundle signed with its developer's upload key
// (META-INF/UPLOAD.SF/.RSA); jarsigner -verify -certs says "jar verified"
// with this certificate.
const (
	realBundle         = "dev-SimpleCounterTool-app-release.aab"
	realBundleUpload   = "d67d6bfe92fd87d550f4fcdd3cc5ac70eb4215f646ca03d7c344529fa4ff1067"
	realBundlePackage  = "com.vincentl.simplecountertool"
	realBundleVersion  = 2
	unrelatedSignerHex = "0000000000000000000000000000000000000000000000000000000000000001"
)

func realBundlePath(t *testing.T) string {
	p := filepath.Join(conformance.RealWorldDir(t), realBundle)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("%s not found: %v", p, err)
	}
	return p
}

func TestRealBundle(t *testing.T) {
	path := realBundlePath(t)
	ctx := context.Background()
	tests := []struct {
		name      string
		policy    *apkverify.Policy
		trusted   bool
		violation signer.Code
	}{
		{"no policy", nil, false, ""},
		{"pinned to its upload key", &apkverify.Policy{TrustedCertSHA256: []string{realBundleUpload},
			Package: realBundlePackage, MinVersionCode: realBundleVersion}, true, ""},
		{"pinned to another key", &apkverify.Policy{TrustedCertSHA256: []string{unrelatedSignerHex}}, false, apkverify.PolicyUntrustedSigner},
		{"a later versionCode required", &apkverify.Policy{TrustedCertSHA256: []string{realBundleUpload},
			MinVersionCode: realBundleVersion + 1}, false, apkverify.PolicyVersionTooLow},
		{"another package required", &apkverify.Policy{TrustedCertSHA256: []string{realBundleUpload},
			Package: "com.example.other"}, false, apkverify.PolicyPackageMismatch},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, err := apkverify.VerifyFile(ctx, path, apkverify.Options{Policy: tc.policy})
			require.NoError(t, err)
			require.True(t, res.Verified, "errors: %v", res.Errors)
			assert.Equal(t, apkverify.KindAppBundle, res.Kind)
			require.Len(t, res.Signers, 1)
			assert.Equal(t, realBundleUpload, res.Signers[0].CertSHA256)
			assert.Equal(t, signer.SchemeJAR, res.Signers[0].Scheme)
			require.NotNil(t, res.Manifest)
			assert.Equal(t, realBundlePackage, res.Manifest.Package)
			assert.EqualValues(t, realBundleVersion, res.Manifest.VersionCode)
			assert.Equal(t, "1.1", res.Manifest.VersionName)
			assert.Equal(t, 28, res.Manifest.MinSDK)
			assert.Equal(t, 29, res.Manifest.TargetSDK)
			assert.False(t, res.Manifest.Debuggable)
			assert.Equal(t, "Simple Counter Tool", res.Manifest.Label, "label resolved through base/resources.pb")
			require.Len(t, res.Modules, 1)
			assert.Equal(t, "base", res.Modules[0].Name)
			if tc.policy == nil {
				assert.Nil(t, res.Policy)
				return
			}
			assert.Equal(t, tc.trusted, res.Trusted, "violations: %v", res.Policy.Violations)
			if tc.violation != "" {
				require.NotEmpty(t, res.Policy.Violations)
				assert.Equal(t, tc.violation, res.Policy.Violations[0].Code)
			}
		})
	}
}

// The JSON of a bundle says what it is, with the JAR signer and the
// modules.
func TestRealBundleJSON(t *testing.T) {
	res, err := apkverify.VerifyFile(context.Background(), realBundlePath(t), apkverify.Options{})
	require.NoError(t, err)
	b, err := json.Marshal(res)
	require.NoError(t, err)
	var j map[string]any
	require.NoError(t, json.Unmarshal(b, &j))
	assert.Equal(t, "bundle", j["kind"])
	signers := j["signers"].([]any)
	require.Len(t, signers, 1)
	assert.Equal(t, "jar", signers[0].(map[string]any)["scheme"])
	assert.Equal(t, realBundleUpload, signers[0].(map[string]any)["certSha256"])
	assert.Equal(t, realBundlePackage, j["manifest"].(map[string]any)["package"])
	modules := j["modules"].([]any)
	require.Len(t, modules, 1)
	assert.Equal(t, "base", modules[0].(map[string]any)["name"])
}
