package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

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
	ts := start(t, testConfig(t, func(fc *fileConfig) {
		fc.Policies[setsPkg] = policyConfig{TrustedCertSHA256: []string{certA}}
		fc.Policies[fixturePkg] = policyConfig{TrustedCertSHA256: []string{certA}, UploadCertSHA256: []string{certB}}
	}))

	notAPK := filepath.Join(t.TempDir(), "notes.apk")
	require.NoError(t, os.WriteFile(notAPK, bytes.Repeat([]byte("not a zip "), 100), 0o600))
	for _, tt := range []struct{ file, pkg, cert string }{
		{"../../testdata/apk/min21-v123.apk", fixturePkg, certA},
		{"../../testdata/apk/min21-v123-ec.apk", fixturePkg, certA},
		{"../../testdata/apk/tamper-v2-signature.apk", fixturePkg, certA},
		{notAPK, fixturePkg, certA},
		{"../../testdata/sets/ok.apks", setsPkg, certA},
		{"../../testdata/sets/signer-mismatch.xapk", setsPkg, certA},
		// A bundle is judged under the upload key.
		{"../../testdata/aab/intact.aab", fixturePkg, certB},
		{"../../testdata/aab/changed-entry.aab", fixturePkg, certB},
	} {
		file := tt.file
		t.Run(filepath.Base(file), func(t *testing.T) {
			cmd := exec.Command(cli, "--json", "--cert-sha256", tt.cert, "--package", tt.pkg, file)
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

// The program itself: started with a config, it answers, and SIGTERM
// with a request in flight lets that request finish, then exits 0.
func TestProgramSIGTERM(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("the go command is needed to build the program")
	}
	bin := filepath.Join(t.TempDir(), "apktrustd")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	require.NoError(t, err, "%s", out)
	cfg := writeConfig(t, `{"listen": "127.0.0.1:0", "policies": {"dev.apktrust.fixture": {"trustedCertSha256": ["`+certA+`"]}}}`)
	cmd := exec.Command(bin, "-config", cfg)
	var logs syncBuffer
	cmd.Stderr = &logs
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { cmd.Process.Kill() })
	var addr string
	require.Eventually(t, func() bool {
		for _, l := range strings.Split(logs.String(), "\n") {
			var m struct{ Msg, Addr string }
			if json.Unmarshal([]byte(l), &m) == nil && m.Msg == "listening" {
				addr = m.Addr
				return true
			}
		}
		return false
	}, 10*time.Second, 10*time.Millisecond)

	apk := fixture(t, "min21-v123.apk")
	c, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer c.Close()
	fmt.Fprintf(c, "POST /v1/verify HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n", len(apk))
	c.Write(apk[:len(apk)/2])
	time.Sleep(100 * time.Millisecond) // the server has read the headers
	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	require.Eventually(t, func() bool { return strings.Contains(logs.String(), `"msg":"shutting down"`) }, 5*time.Second, 10*time.Millisecond)
	c.Write(apk[len(apk)/2:])
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	require.NoError(t, err)
	r := readResponse(t, resp)
	assert.Equal(t, http.StatusOK, r.status)
	assert.Equal(t, verdictTrusted, r.body["verdict"])
	require.NoError(t, cmd.Wait(), "exit status 0 after a clean drain; logs:\n%s", logs.String())
	assert.Contains(t, logs.String(), `"msg":"stopped"`)
}
