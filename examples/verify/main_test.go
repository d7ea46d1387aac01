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

	"github.com/apktrust/apktrust/internal/apkzip"
	"github.com/apktrust/apktrust/internal/conformance"
	"github.com/apktrust/apktrust/signer"
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
		files := []string{apk(t, "min21-v123.apk"), apk(t, "tamper-v2-signature.apk"), apk(t, "tamper-duplicate-entry.apk")}
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
		require.Equal(t, map[string]any{"code": "ZIP_DUPLICATE_ENTRY_NAME", "kind": "not-an-apk", "message": lines[2]["error"].(map[string]any)["message"]}, lines[2]["error"])
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

// realWorld returns the path of a real-world APK of the shared corpus, or
// skips when it is absent.
func realWorld(t *testing.T, name string) string {
	t.Helper()
	p := filepath.Join(conformance.RealWorldDir(t), name)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("real-world APK %s not found: %v", name, err)
	}
	return p
}

const (
	playStampCert     = "3257d599a49d2c961a471ca9843f59d341a405884583fc087df4237b733bbd6d"
	reasilyKey        = "eb7562595921795e5936d9c1c90cfdd0fedf79a7f187f3be7b75b9bc30d4e192"
	calculatorKey     = "90e8b84c91ae47530018af7fc35a943716fc8d2271f03548a1833be0166e2066"
	anotherStampCert  = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
	reasilyFile       = "play-reasily-base.apk"
	calculatorFile    = "play-google-calculator_78000303.apk"
	fdroidFile        = "fdroid-org.sajeg.fallingblocks_3.apk"
	evidenceHeader    = "Evidence of distribution:"
	markersMeaningful = "(manifest markers; meaningful only because the stamp verified)"
)

// TestEvidenceFlags covers --require-play-stamp, --stamp-cert-sha256 and
// --require-frosting, and the "Evidence of distribution" block.
func TestEvidenceFlags(t *testing.T) {
	cases := []struct {
		name     string
		args     func(t *testing.T) []string
		wantCode int
		wantOut  []string
		wantErr  []string
	}{
		{"Play delivery with the Play stamp and its key", func(t *testing.T) []string {
			return []string{"--require-play-stamp", "--cert-sha256", reasilyKey, realWorld(t, reasilyFile)}
		}, 0, []string{
			"policy:   TRUSTED", evidenceHeader,
			"source stamp:  verified yes", playStampCert + " (the Google Play stamp certificate)",
			"stamped 2026-01-13", "source https://play.google.com/store, type STAMP_TYPE_DISTRIBUTION_APK " + markersMeaningful,
			"v4 signature:  not given", "Play frosting: present, verified yes (key index 0)",
		}, nil},
		{"F-Droid build has no Play stamp", func(t *testing.T) []string {
			return []string{"--require-play-stamp", "--insecure-any-signer", realWorld(t, fdroidFile)}
		}, 1, []string{"source stamp:  none", "Play frosting: none", "NOT TRUSTED", "POLICY_SOURCE_STAMP_MISSING"}, nil},
		{"tampered stamp: markers prove nothing", func(t *testing.T) []string {
			return []string{"--require-play-stamp", "--cert-sha256", reasilyKey, tamperedStamp(t)}
		}, 1, []string{
			"VERIFIED for API 23+", "source stamp:  verified no (SOURCE_STAMP_", "(unverified: proves nothing)",
			"Play frosting: present, verified yes", "POLICY_SOURCE_STAMP_NOT_VERIFIED",
		}, nil},
		{"another stamp certificate required", func(t *testing.T) []string {
			return []string{"--stamp-cert-sha256", anotherStampCert, "--cert-sha256", reasilyKey, realWorld(t, reasilyFile)}
		}, 1, []string{"POLICY_SOURCE_STAMP_UNTRUSTED: the source stamp verified, but it was signed by " + playStampCert, "expected one of " + anotherStampCert}, nil},
		{"both stamp flags trust either certificate", func(t *testing.T) []string {
			return []string{"--stamp-cert-sha256", anotherStampCert, "--require-play-stamp", "--cert-sha256", reasilyKey, realWorld(t, reasilyFile)}
		}, 0, []string{"policy:   TRUSTED"}, nil},
		{"stamp flag alone does not pin the signing key", func(t *testing.T) []string {
			return []string{"--require-play-stamp", realWorld(t, reasilyFile)}
		}, 1, []string{"POLICY_NO_TRUSTED_KEY"}, nil},
		{"Play frosting required and present", func(t *testing.T) []string {
			return []string{"--require-frosting", "--cert-sha256", calculatorKey, realWorld(t, calculatorFile)}
		}, 0, []string{"policy:   TRUSTED", "Play frosting: present, verified yes (key index 0)", "source stamp:  none"}, nil},
		{"Play frosting required, none", func(t *testing.T) []string {
			return []string{"--require-frosting", "--cert-sha256", keyA, apk(t, "min21-v123.apk")}
		}, 1, []string{"POLICY_FROSTING_MISSING"}, nil},
		{"evidence block without a policy", func(t *testing.T) []string { return []string{apk(t, "min21-v123.apk")} }, 0,
			[]string{evidenceHeader, "source stamp:  none", "v4 signature:  not given", "Play frosting: none"}, nil},
		{"v4 signature verified", func(t *testing.T) []string {
			return []string{"--v4-signature", apk(t, "min21-v1234.apk.idsig"), apk(t, "min21-v1234.apk")}
		}, 0, []string{"v4 signature:  given, verified yes"}, nil},
		{"v4 signature tampered", func(t *testing.T) []string {
			return []string{"--v4-signature", apk(t, "min21-v1234.sig-tampered.idsig"), apk(t, "min21-v1234.apk")}
		}, 1, []string{"v4 signature:  given, verified no (V4_SIG_DID_NOT_VERIFY"}, nil},
		{"malformed stamp certificate", func(t *testing.T) []string {
			return []string{"--stamp-cert-sha256", "12:34", "--insecure-any-signer", apk(t, "min21-v123.apk")}
		}, 2, nil, []string{"INVALID_OPTIONS", `"12:34"`}},
		{"help names the new flags", func(t *testing.T) []string { return []string{"-h"} }, 0, nil,
			[]string{"--stamp-cert-sha256", "--require-play-stamp", "--require-frosting"}},
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

// TestEvidenceJSONOutput checks that sourceStamp, v4 and frosting are
// always in the --json output with the documented field names.
func TestEvidenceJSONOutput(t *testing.T) {
	decode := func(t *testing.T, out string) map[string]any {
		t.Helper()
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(out), &m), out)
		for _, k := range []string{"sourceStamp", "v4", "frosting"} {
			require.Contains(t, m, k)
		}
		st := m["sourceStamp"].(map[string]any)
		for _, k := range []string{"present", "verified", "certSha256", "timestamp", "source", "type", "lineage", "errors", "warnings"} {
			require.Contains(t, st, k, "sourceStamp.%s", k)
		}
		for _, k := range []string{"present", "verified", "errors"} {
			require.Contains(t, m["v4"], k, "v4.%s", k)
		}
		for _, k := range []string{"present", "verified", "keyIndex", "errors"} {
			require.Contains(t, m["frosting"], k, "frosting.%s", k)
		}
		return m
	}
	t.Run("Play delivery", func(t *testing.T) {
		out, _, code := runVerify(t, "--json", "--require-play-stamp", "--require-frosting", "--cert-sha256", reasilyKey, realWorld(t, reasilyFile))
		require.Equal(t, 0, code, out)
		m := decode(t, out)
		require.Equal(t, true, m["trusted"])
		st := m["sourceStamp"].(map[string]any)
		require.Equal(t, true, st["present"])
		require.Equal(t, true, st["verified"])
		require.Equal(t, playStampCert, st["certSha256"])
		require.Equal(t, "https://play.google.com/store", st["source"])
		require.Equal(t, "STAMP_TYPE_DISTRIBUTION_APK", st["type"])
		require.Equal(t, []any{}, st["errors"])
		fr := m["frosting"].(map[string]any)
		require.Equal(t, true, fr["verified"])
		require.Equal(t, float64(0), fr["keyIndex"])
		require.Equal(t, false, m["v4"].(map[string]any)["present"])
	})
	t.Run("untrusted stamp", func(t *testing.T) {
		out, _, code := runVerify(t, "--json", "--stamp-cert-sha256", anotherStampCert, "--cert-sha256", reasilyKey, realWorld(t, reasilyFile))
		require.Equal(t, 1, code, out)
		m := decode(t, out)
		require.Equal(t, false, m["trusted"])
		require.Equal(t, true, m["verified"])
		v := m["policy"].(map[string]any)["violations"].([]any)
		require.Len(t, v, 1)
		require.Equal(t, "POLICY_SOURCE_STAMP_UNTRUSTED", v[0].(map[string]any)["code"])
	})
	t.Run("no evidence", func(t *testing.T) {
		out, _, code := runVerify(t, "--json", apk(t, "min21-v123.apk"))
		require.Equal(t, 0, code, out)
		m := decode(t, out)
		for _, k := range []string{"sourceStamp", "v4", "frosting"} {
			o := m[k].(map[string]any)
			require.Equal(t, false, o["present"], k)
			require.Equal(t, false, o["verified"], k)
			require.Equal(t, []any{}, o["errors"], "%s: absent evidence is not an error", k)
		}
	})
	for _, c := range []struct {
		idsig    string
		wantCode int
		verified bool
		reason   string
	}{
		{"min21-v1234.apk.idsig", 0, true, ""},
		{"min21-v1234.sig-tampered.idsig", 1, false, "V4_SIG_DID_NOT_VERIFY"},
	} {
		t.Run("v4 "+c.idsig, func(t *testing.T) {
			out, _, code := runVerify(t, "--json", "--v4-signature", apk(t, c.idsig), apk(t, "min21-v1234.apk"))
			require.Equal(t, c.wantCode, code, out)
			m := decode(t, out)
			require.Equal(t, c.verified, m["verified"])
			require.Equal(t, c.verified, m["schemes"].(map[string]any)["v4"])
			v4 := m["v4"].(map[string]any)
			require.Equal(t, true, v4["present"])
			require.Equal(t, c.verified, v4["verified"])
			if c.reason != "" {
				e := v4["errors"].([]any)[0].(map[string]any)
				require.Equal(t, c.reason, e["code"])
				require.NotEmpty(t, e["message"])
			}
		})
	}
}

// tamperedStamp copies the Play delivery with one byte of its source stamp
// signature flipped. The app's signatures and frosting do not cover the
// stamp pair, so only the stamp fails.
func tamperedStamp(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(realWorld(t, reasilyFile))
	require.NoError(t, err)
	a, err := apkzip.Open(bytes.NewReader(b), int64(len(b)))
	require.NoError(t, err)
	p, ok := a.SigningBlock().Find(signer.BlockIDSourceStampV2)
	require.True(t, ok)
	b[p.ValueOffset+p.ValueSize-1] ^= 0x01
	out := filepath.Join(t.TempDir(), "stamp-tampered.apk")
	require.NoError(t, os.WriteFile(out, b, 0o600))
	return out
}
