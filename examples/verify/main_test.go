package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// binary is the verify command built once for all tests, so they exercise
// exactly what users run.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "apktrust-verify-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "verify")
	if runtime.GOOS == "windows" {
		binary += ".exe"
	}
	build := exec.Command("go", "build", "-o", binary, ".")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building verify:", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func repoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// apk returns a fixture path relative to the repository root, which is the
// working directory of every run, or skips when it is missing.
func apk(t *testing.T, name string) string {
	t.Helper()
	p := filepath.Join("testdata", "apk", name)
	if _, err := os.Stat(filepath.Join(repoRoot(), p)); err != nil {
		t.Skipf("fixture %s not found (run testdata/make-fixtures.sh)", name)
	}
	return p
}

const (
	keyA = "24abac6cdc9fbdb266f14c2312da964c206954dcca18b457cdacb00befc6e7b5"
	keyB = "dcd124c696963fd0f9bbe8a479b99a2640fd514953fc89f5fb02308ed27efe15"
)

// runVerify runs the binary from the repository root.
func runVerify(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Dir = repoRoot()
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		code = ee.ExitCode()
	default:
		t.Fatalf("running verify: %v", err)
	}
	return out.String(), errb.String(), code
}

func TestExitCodes(t *testing.T) {
	cases := []struct {
		name     string
		args     func(t *testing.T) []string
		wantCode int
		// wantOut are substrings of stdout, wantErr of stderr.
		wantOut []string
		wantErr []string
	}{
		{"verified file", func(t *testing.T) []string { return []string{apk(t, "min21-v123.apk")} }, 0,
			[]string{"VERIFIED for API 21+", "API 28+", "CN=apktrust test A"}, nil},
		{"flags after the file", func(t *testing.T) []string { return []string{apk(t, "min21-v123.apk"), "--cert-sha256", keyA} }, 0,
			[]string{"policy:   TRUSTED"}, nil},
		{"tampered file", func(t *testing.T) []string { return []string{apk(t, "tamper-stored-entry.apk")} }, 1,
			[]string{"DOES NOT VERIFY", "ERROR V3_SIG_APK_DIGEST_DID_NOT_VERIFY (v3)"}, nil},
		{"stripped v2 falls back on v1", func(t *testing.T) []string { return []string{apk(t, "tamper-v2-stripped.apk")} }, 1,
			[]string{"JAR_SIG_MISSING_APK_SIG_REFERENCED"}, nil},
		{"wrong key", func(t *testing.T) []string { return []string{"--cert-sha256", keyB, apk(t, "min21-v123.apk")} }, 1,
			[]string{"NOT TRUSTED", "POLICY_UNTRUSTED_SIGNER: signed by " + keyA + " (CN=apktrust test A", "expected one of " + keyB}, nil},
		{"rotated key trusted through the lineage", func(t *testing.T) []string { return []string{"--cert-sha256", keyA, apk(t, "min21-v123-rot-ab.apk")} }, 0,
			[]string{"TRUSTED (signer " + keyB, "key rotation (oldest first)"}, nil},
		{"old-key file with only the new key pinned", func(t *testing.T) []string { return []string{"--cert-sha256", keyB, apk(t, "min21-v123.apk")} }, 1,
			[]string{"POLICY_UNTRUSTED_SIGNER"}, nil},
		{"debuggable refused", func(t *testing.T) []string { return []string{"--cert-sha256", keyA, apk(t, "debuggable-v123.apk")} }, 1,
			[]string{"DEBUGGABLE", "POLICY_DEBUGGABLE"}, nil},
		{"debuggable allowed", func(t *testing.T) []string {
			return []string{"--cert-sha256", keyA, "--allow-debuggable", apk(t, "debuggable-v123.apk")}
		}, 0, []string{"policy:   TRUSTED"}, nil},
		{"package and version", func(t *testing.T) []string {
			return []string{"--cert-sha256", keyA, "--package", "dev.apktrust.fixture", "--min-version-code", "8", apk(t, "min21-v123.apk")}
		}, 1, []string{"POLICY_VERSION_TOO_LOW"}, nil},
		{"a policy without a key trusts nothing", func(t *testing.T) []string {
			return []string{"--package", "dev.apktrust.fixture", apk(t, "min21-v123.apk")}
		}, 1,
			[]string{"POLICY_NO_TRUSTED_KEY"}, nil},
		{"explicitly insecure", func(t *testing.T) []string {
			return []string{"--insecure-any-signer", "--package", "dev.apktrust.fixture", apk(t, "min21-v123.apk")}
		}, 0, []string{"the key was NOT checked"}, nil},
		{"SDK range override", func(t *testing.T) []string { return []string{"--max-sdk", "23", apk(t, "tamper-v2-signature.apk")} }, 0,
			[]string{"VERIFIED for API 21-23", "v1 yes, v2 no"}, nil},
		{"v4 signature", func(t *testing.T) []string {
			return []string{"--v4-signature", apk(t, "min21-v1234.apk.idsig"), apk(t, "min21-v1234.apk")}
		}, 0, []string{"v4 yes"}, nil},
		{"tampered v4 signature fails", func(t *testing.T) []string {
			return []string{"--v4-signature", apk(t, "min21-v1234.sig-tampered.idsig"), apk(t, "min21-v1234.apk")}
		}, 1, []string{"v4 no", "(v4)"}, nil},
		{"not an APK", func(t *testing.T) []string { return []string{"README.md"} }, 2,
			[]string{"CANNOT VERIFY: ZIP_EOCD_NOT_FOUND"}, nil},
		{"hostile container", func(t *testing.T) []string { return []string{apk(t, "tamper-duplicate-entry.apk")} }, 2,
			[]string{"CANNOT VERIFY: ZIP_DUPLICATE_ENTRY_NAME"}, nil},
		{"missing file", func(t *testing.T) []string { return []string{"testdata/apk/does-not-exist.apk"} }, 2,
			[]string{"CANNOT VERIFY: IO_ERROR"}, nil},
		{"unreadable file wins over a failed one", func(t *testing.T) []string {
			return []string{apk(t, "tamper-stored-entry.apk"), "testdata/apk/does-not-exist.apk"}
		}, 2, nil, nil},
		{"no file", func(t *testing.T) []string { return nil }, 2, nil, []string{"Usage: verify", "no APK file given"}},
		{"help", func(t *testing.T) []string { return []string{"-h"} }, 0, nil, []string{"Usage: verify", "--cert-sha256"}},
		{"unknown flag", func(t *testing.T) []string { return []string{"--frobnicate", apk(t, "min21-v123.apk")} }, 2, nil, []string{"flag provided but not defined"}},
		{"malformed fingerprint", func(t *testing.T) []string { return []string{"--cert-sha256", "12:34", apk(t, "min21-v123.apk")} }, 2, nil, []string{"INVALID_OPTIONS"}},
		{"allow flags alone", func(t *testing.T) []string { return []string{"--allow-debuggable", apk(t, "min21-v123.apk")} }, 2, nil, []string{"modify a policy"}},
		{"v4 with two APKs", func(t *testing.T) []string {
			return []string{"--v4-signature", apk(t, "min21-v1234.apk.idsig"), apk(t, "min21-v1234.apk"), apk(t, "min21-v123.apk")}
		}, 2, nil, []string{"exactly one FILE"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, errOut, code := runVerify(t, c.args(t)...)
			require.Equal(t, c.wantCode, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
			for _, w := range c.wantOut {
				require.Contains(t, out, w)
			}
			for _, w := range c.wantErr {
				require.Contains(t, errOut, w)
			}
		})
	}
}

// TestJSONOutput checks the machine-readable contract: exactly these field
// names, one object per file, one per line for several files.
func TestJSONOutput(t *testing.T) {
	t.Run("one file with a policy", func(t *testing.T) {
		out, _, code := runVerify(t, "--json", "--cert-sha256", keyA, apk(t, "min21-v123-rot-ab.apk"))
		require.Equal(t, 0, code)
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(out), &m), out)
		for _, k := range []string{"file", "verified", "schemes", "signers", "lineage", "manifest", "errors", "warnings", "trusted", "policy"} {
			require.Contains(t, m, k)
		}
		require.Equal(t, "testdata/apk/min21-v123-rot-ab.apk", m["file"])
		require.Equal(t, map[string]any{"v1": true, "v2": true, "v3": true, "v31": false, "v4": false}, m["schemes"])
		signer := m["signers"].([]any)[0].(map[string]any)
		for _, k := range []string{"certSha256", "subject", "minSdk", "maxSdk", "scheme"} {
			require.Contains(t, signer, k)
		}
		node := m["lineage"].([]any)[0].(map[string]any)
		require.Equal(t, keyA, node["certSha256"])
		require.Contains(t, node, "capabilities")
		man := m["manifest"].(map[string]any)
		for _, k := range []string{"package", "versionCode", "versionName", "minSdk", "targetSdk", "debuggable"} {
			require.Contains(t, man, k)
		}
		require.Equal(t, true, m["trusted"])
		require.Contains(t, m["policy"], "violations")
	})
	t.Run("several files, one JSON object per line", func(t *testing.T) {
		files := []string{apk(t, "min21-v123.apk"), apk(t, "tamper-v2-signature.apk"), apk(t, "tamper-zip64-locator.apk")}
		out, _, code := runVerify(t, append([]string{"--json"}, files...)...)
		require.Equal(t, 2, code)
		var lines []map[string]any
		sc := bufio.NewScanner(strings.NewReader(out))
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			var m map[string]any
			require.NoError(t, json.Unmarshal(sc.Bytes(), &m), sc.Text())
			lines = append(lines, m)
		}
		require.Len(t, lines, 3)
		require.Equal(t, true, lines[0]["verified"])
		require.NotContains(t, lines[0], "trusted", "no policy flag, no trusted field")
		require.Equal(t, false, lines[1]["verified"])
		e := lines[1]["errors"].([]any)[0].(map[string]any)
		require.Equal(t, "V2_SIG_DID_NOT_VERIFY", e["code"])
		require.Equal(t, "v2", e["scheme"])
		require.NotEmpty(t, e["message"])
		require.Equal(t, files[2], lines[2]["file"])
		require.Equal(t, false, lines[2]["verified"])
		require.Equal(t, map[string]any{"code": "ZIP_ZIP64_UNSUPPORTED", "kind": "not-an-apk", "message": lines[2]["error"].(map[string]any)["message"]}, lines[2]["error"])
	})
}

// TestREADMEFirstCommand runs the first command of this directory's
// README, so the documentation keeps working.
func TestREADMEFirstCommand(t *testing.T) {
	b, err := os.ReadFile("README.md")
	require.NoError(t, err)
	var cmd string
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "go run ./examples/verify ") {
			cmd = line
			break
		}
	}
	require.NotEmpty(t, cmd, "README.md must start with a go run ./examples/verify command")
	args := strings.Fields(strings.TrimPrefix(cmd, "go run ./examples/verify "))
	for _, a := range args {
		if strings.HasPrefix(a, "testdata/") {
			apk(t, strings.TrimPrefix(a, "testdata/apk/"))
		}
	}
	out, errOut, code := runVerify(t, args...)
	require.Equal(t, 0, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
	require.Contains(t, out, "VERIFIED")
}
