package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The service answers with the same JSON as the apktrust CLI's --json for
// one file under the same policy: only the tool name and the file name
// (a path there, none for a raw body here) differ.
func TestResponseMatchesCLI(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("the go command is needed to build the CLI")
	}
	cli := filepath.Join(t.TempDir(), "apktrust")
	out, err := exec.Command("go", "build", "-o", cli, "../apktrust").CombinedOutput()
	require.NoError(t, err, "%s", out)
	ts := start(t, testConfig(t, nil))

	notAPK := filepath.Join(t.TempDir(), "notes.apk")
	require.NoError(t, os.WriteFile(notAPK, bytes.Repeat([]byte("not a zip "), 100), 0o600))
	for _, file := range []string{
		"../../testdata/apk/min21-v123.apk",
		"../../testdata/apk/min21-v123-ec.apk",
		"../../testdata/apk/tamper-v2-signature.apk",
		notAPK,
	} {
		t.Run(filepath.Base(file), func(t *testing.T) {
			cmd := exec.Command(cli, "--json", "--cert-sha256", certA, "--package", fixturePkg, file)
			stdout, _ := cmd.Output() // exit 1 for rejections
			var want map[string]any
			require.NoError(t, json.Unmarshal(stdout, &want), "%s", stdout)
			body, err := os.ReadFile(file)
			require.NoError(t, err)
			got := ts.post(t, "/v1/verify", "", bytes.NewReader(body)).body
			for _, m := range []map[string]any{want, got} {
				delete(m, "file")
				m["tool"].(map[string]any)["name"] = "-"
			}
			assert.Equal(t, want, got)
		})
	}
}
