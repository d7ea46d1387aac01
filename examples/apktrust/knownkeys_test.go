package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// --known-keys adds the user's own entries: a file signed with one of them
// is named, and under a policy refused even though its key is pinned.
func TestKnownKeysFlag(t *testing.T) {
	file := apk(t, "min21-v123.apk")
	dir := t.TempDir()
	keys := filepath.Join(dir, "keys.json")
	require.NoError(t, os.WriteFile(keys, []byte(`{"format":"apktrust-known-keys/1","keys":[
		{"certSha256":"`+keyA+`","name":"our CI key","category":"test-key","source":"ci/README, 2026-11"}]}`), 0o600))
	bad := filepath.Join(dir, "bad.json")
	require.NoError(t, os.WriteFile(bad, []byte(`{"format":"apktrust-known-keys/1","keys":[
		{"certSha256":"`+keyA+`","name":"no source","category":"test-key"}]}`), 0o600))

	out, _, code := runVerify(t, "--known-keys", keys, file)
	require.Equal(t, 0, code, out)
	require.Contains(t, out, "KNOWN_TEST_KEY: signed with our CI key")

	out, _, code = runVerify(t, "--known-keys", keys, "--cert-sha256", keyA, file)
	require.Equal(t, 1, code, out)
	require.Contains(t, out, "POLICY_KNOWN_KEY: signed with our CI key")

	_, stderr, code := runVerify(t, "--known-keys", bad, file)
	require.Equal(t, 2, code)
	require.Contains(t, stderr, "--known-keys")
	require.Contains(t, stderr, "no source")
}
