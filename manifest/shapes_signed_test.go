package manifest_test

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apktrust/apktrust/apkverify"
	"github.com/apktrust/apktrust/manifest"
)

// TestAttackShapesSignedRejected signs every attack shape with a fixture
// key (rsa-a, through apksigner, v1 only below API 24 as the issue's
// targetSdk shape needs) and verifies it with the policy: pinned
// key, package com.victim.app, versionCode at least 100. Each shape must
// be rejected (a Result error: the CLI's exit 1, never 2), except those
// Android installs as the genuine app (the control, the NUL-cut package,
// the bounded bomb), which stay trusted.
func TestAttackShapesSignedRejected(t *testing.T) {
	if testing.Short() {
		t.Skip("starts apksigner (a JVM) once per shape")
	}
	if _, err := exec.LookPath("apksigner"); err != nil {
		t.Skip("apksigner not installed")
	}
	keys := filepath.Join("..", "testdata", "keys")
	pin := certSHA256(t, filepath.Join(keys, "keys.json"), "rsa-a")
	policy := &apkverify.Policy{TrustedCertSHA256: []string{pin}, Package: "com.victim.app", MinVersionCode: 100}
	for _, s := range manifest.AttackShapeAPKs(t) {
		t.Run(s.Name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			in, out := filepath.Join(dir, "in.apk"), filepath.Join(dir, "out.apk")
			require.NoError(t, os.WriteFile(in, s.APK, 0o644))
			args := []string{"sign", "--key", filepath.Join(keys, "rsa-a.pk8"), "--cert", filepath.Join(keys, "rsa-a.x509.pem"),
				"--min-sdk-version", strconv.Itoa(s.MinSDK), "--out", out}
			if s.MinSDK < 24 {
				args = append(args, "--v2-signing-enabled", "false", "--v3-signing-enabled", "false")
			}
			signOut, err := exec.Command("apksigner", append(args, in)...).CombinedOutput()
			require.NoError(t, err, string(signOut))

			res, err := apkverify.VerifyFile(context.Background(), out, apkverify.Options{Policy: policy})
			require.NoError(t, err, "a hostile manifest is a rejection, not a tool error")
			if s.Trusted {
				assert.NoError(t, res.Err(), "Android installs it as the genuine app")
				return
			}
			assert.False(t, res.Trusted, "Errors %v, violations %v", res.Errors, res.Policy.Violations)
			assert.Error(t, res.Err())
			t.Logf("rejected: errors %v; violations %v", res.Errors, res.Policy.Violations)
		})
	}
}

func certSHA256(t *testing.T, path, name string) string {
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	var keys []struct {
		Name       string `json:"name"`
		CertSha256 string `json:"certSha256"`
	}
	require.NoError(t, json.Unmarshal(b, &keys))
	for _, k := range keys {
		if k.Name == name {
			return k.CertSha256
		}
	}
	t.Fatalf("key %s not in %s", name, path)
	return ""
}
