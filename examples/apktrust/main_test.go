package main

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apktrust/apktrust/internal/apkzip"
	"github.com/apktrust/apktrust/internal/conformance"
	"github.com/apktrust/apktrust/internal/scheme"
	"github.com/apktrust/apktrust/internal/testutil"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// binary is the apktrust command built once for all tests, so they
// exercise exactly what users run.
var binary string

func TestMain(m *testing.M) {
	flag.Parse()
	dir, err := os.MkdirTemp("", "apktrust-cli-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "apktrust")
	if runtime.GOOS == "windows" {
		binary += ".exe"
	}
	build := exec.Command("go", "build", "-o", binary, ".")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building apktrust:", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := conformance.Main(m)
	os.RemoveAll(dir)
	os.Exit(code)
}

// repoRoot is the module root (internal/testutil).
func repoRoot() string { return testutil.RepoRoot() }

// apk returns a committed fixture's path relative to the repository root,
// which is the working directory of every run. A missing fixture fails.
func apk(t *testing.T, name string) string {
	t.Helper()
	return committed(t, "apk", name)
}

// committed returns testdata/DIR/NAME relative to the repository root,
// failing when the committed fixture is missing.
func committed(t *testing.T, dir, name string) string {
	t.Helper()
	p := filepath.Join("testdata", dir, name)
	_, err := os.Stat(filepath.Join(repoRoot(), p))
	require.NoError(t, err, "committed fixture %s is missing", p)
	return p
}

const (
	keyA = "24abac6cdc9fbdb266f14c2312da964c206954dcca18b457cdacb00befc6e7b5"
	keyB = "dcd124c696963fd0f9bbe8a479b99a2640fd514953fc89f5fb02308ed27efe15"
)

// result is one run of the binary.
type result struct {
	stdout, stderr string
	code           int
}

// runCLI runs the binary from the repository root, with stdin when given.
func runCLI(t *testing.T, stdin []byte, args ...string) result {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Dir = repoRoot()
	cmd.Env = append(os.Environ(), "NO_COLOR=")
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	r := result{stdout: out.String(), stderr: errb.String()}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
	default:
		t.Fatalf("running apktrust: %v", err)
	}
	return r
}

// runVerify is runCLI without stdin.
func runVerify(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	r := runCLI(t, nil, args...)
	return r.stdout, r.stderr, r.code
}

// verdictLines are the lines that start at column 0: exactly the verdict
// lines, one per input, whatever the inputs hold.
func verdictLines(out string) []string {
	var v []string
	for _, l := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		if l != "" && !strings.HasPrefix(l, "  ") {
			v = append(v, l)
		}
	}
	return v
}

var verdictRE = regexp.MustCompile(`^(TRUSTED|NOT TRUSTED|VERIFIED \(no policy\)|NOT VERIFIED|CANNOT READ)  `)

// TestVerdictAndExitStatus covers the verdict line and every exit-status
// rule: 0 all passed; 1 any rejected (not verified, refused as malformed
// or hostile, failed the policy), even next to unreadable inputs; 2 usage
// errors, or unreadable inputs when none was rejected.
func TestVerdictAndExitStatus(t *testing.T) {
	cases := []struct {
		name     string
		args     []string
		wantCode int
		// wantFirst are the verdict lines (prefixes), in order.
		wantFirst []string
		wantOut   []string
		wantErr   []string
	}{
		{"verified, no policy", []string{"min21-v123.apk"}, 0,
			[]string{"VERIFIED (no policy)  testdata/apk/min21-v123.apk: dev.apktrust.fixture 1.2.3 (7), signed by 24ab…e7b5 (CN=apktrust test A,O=apktrust test keys), API 21+"},
			[]string{"  schemes:  v1 yes, v2 yes, v3 yes", "API 28+      v3   " + keyA}, nil},
		{"trusted, flags after the file", []string{"min21-v123.apk", "--cert-sha256", keyA}, 0,
			[]string{"TRUSTED  testdata/apk/min21-v123.apk: dev.apktrust.fixture 1.2.3 (7), signed by 24ab…e7b5"},
			[]string{"  policy:   trusted (signer " + keyA}, nil},
		{"not trusted: wrong key", []string{"--cert-sha256", keyB, "min21-v123.apk"}, 1,
			[]string{"NOT TRUSTED  testdata/apk/min21-v123.apk: signed by 24ab…e7b5 (CN=apktrust test A,O=apktrust test keys) [v1 API 21-23, v2 API 24-27, v3 API 28+]; expected one of dcd1…fe15"},
			[]string{"POLICY_UNTRUSTED_SIGNER: signed by " + keyA}, nil},
		{"rotated key trusted through the lineage", []string{"--cert-sha256", keyA, "min21-v123-rot-ab.apk"}, 0,
			[]string{"TRUSTED  testdata/apk/min21-v123-rot-ab.apk: dev.apktrust.fixture 1.2.3 (7), signed by dcd1…fe15"},
			[]string{"key rotation (oldest first)"}, nil},
		{"not verified: tampered", []string{"tamper-stored-entry.apk"}, 1,
			[]string{"NOT VERIFIED  testdata/apk/tamper-stored-entry.apk: "},
			[]string{"ERROR V3_SIG_APK_DIGEST_DID_NOT_VERIFY (v3)"}, nil},
		{"not verified under a policy is not trusted", []string{"--cert-sha256", keyA, "tamper-v2-signature.apk"}, 1,
			[]string{"NOT TRUSTED  testdata/apk/tamper-v2-signature.apk: did not verify: "}, []string{"POLICY_SIGNATURE_NOT_VERIFIED"}, nil},
		{"unsigned says so", []string{"unsigned-min21.apk"}, 1,
			[]string{"NOT VERIFIED  testdata/apk/unsigned-min21.apk: the APK is not signed"},
			[]string{"ERROR NO_SIGNATURE", "ERROR JAR_SIG_NO_MANIFEST (v1)"}, nil},
		{"hostile container is a rejection", []string{"tamper-duplicate-entry.apk"}, 1,
			[]string{"NOT VERIFIED  testdata/apk/tamper-duplicate-entry.apk: refused: "}, []string{"ZIP_DUPLICATE_ENTRY_NAME"}, nil},
		{"Janus prefix is a rejection", []string{"tamper-janus-prepend.apk"}, 1, []string{"NOT VERIFIED  "}, nil, nil},
		{"ZIP64 locator is a rejection", []string{"tamper-zip64-locator.apk"}, 1, []string{"NOT VERIFIED  "}, nil, nil},
		{"not an APK is a rejection", []string{"/README.md"}, 1, []string{"NOT VERIFIED  README.md: refused: "}, []string{"ZIP_EOCD_NOT_FOUND"}, nil},
		{"missing file cannot be read", []string{"/testdata/apk/does-not-exist.apk"}, 2,
			[]string{"CANNOT READ  testdata/apk/does-not-exist.apk: no such file or directory"}, nil, nil},
		{"missing plus rejected is a rejection", []string{"tamper-stored-entry.apk", "/testdata/apk/does-not-exist.apk"}, 1,
			[]string{"NOT VERIFIED  ", "CANNOT READ  "}, nil, nil},
		{"missing plus passed cannot be read", []string{"min21-v123.apk", "/testdata/apk/does-not-exist.apk"}, 2,
			[]string{"VERIFIED (no policy)  ", "CANNOT READ  "}, nil, nil},
		{"debuggable refused by a policy", []string{"--cert-sha256", keyA, "debuggable-v123.apk"}, 1,
			[]string{"NOT TRUSTED  "}, []string{"DEBUGGABLE", "POLICY_DEBUGGABLE"}, nil},
		{"a policy without a key trusts nothing", []string{"--package", "dev.apktrust.fixture", "min21-v123.apk"}, 1,
			[]string{"NOT TRUSTED  "}, []string{"POLICY_NO_TRUSTED_KEY"}, nil},
		{"explicitly insecure", []string{"--insecure-any-signer", "min21-v123.apk"}, 0,
			[]string{"TRUSTED  testdata/apk/min21-v123.apk: dev.apktrust.fixture 1.2.3 (7), signer NOT checked (--insecure-any-signer)"}, nil, nil},
		{"SDK range override", []string{"--max-sdk", "23", "tamper-v2-signature.apk"}, 0,
			[]string{"VERIFIED (no policy)  testdata/apk/tamper-v2-signature.apk: dev.apktrust.fixture 1.2.3 (7), signed by 24ab…e7b5 (CN=apktrust test A,O=apktrust test keys), API 21-23"}, []string{"v1 yes, v2 no"}, nil},
		{"v4 signature", []string{"--v4-signature", "min21-v1234.apk.idsig", "min21-v1234.apk"}, 0, []string{"VERIFIED"}, []string{"v4 yes"}, nil},
		{"tampered v4 signature", []string{"--v4-signature", "min21-v1234.sig-tampered.idsig", "min21-v1234.apk"}, 1, []string{"NOT VERIFIED"}, []string{"v4 no", "(v4)"}, nil},
		{"quiet prints the verdict lines only", []string{"-q", "min21-v123.apk", "tamper-v2-signature.apk"}, 1, []string{"VERIFIED", "NOT VERIFIED"}, nil, nil},
		{"no input", nil, 2, nil, nil, []string{"no input given"}},
		{"unknown flag", []string{"--frobnicate", "min21-v123.apk"}, 2, nil, nil, []string{"flag provided but not defined", "apktrust --help"}},
		{"malformed fingerprint", []string{"--cert-sha256", "12:34", "min21-v123.apk"}, 2, nil, nil, []string{"INVALID_OPTIONS"}},
		{"allow flags alone", []string{"--allow-debuggable", "min21-v123.apk"}, 2, nil, nil, []string{"modify a policy"}},
		{"v4 with two APKs", []string{"--v4-signature", "min21-v1234.apk.idsig", "min21-v1234.apk", "min21-v123.apk"}, 2, nil, nil, []string{"exactly one FILE"}},
		{"stdin twice", []string{"-", "-"}, 2, nil, nil, []string{"only once"}},
		{"pretty without json", []string{"--pretty", "min21-v123.apk"}, 2, nil, nil, []string{"also give --json"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			args := make([]string, len(c.args))
			for i, a := range c.args {
				switch {
				case strings.HasPrefix(a, "/"):
					args[i] = a[1:] // a repository path, not a fixture
				case strings.HasSuffix(a, ".apk") || strings.HasSuffix(a, ".idsig"):
					args[i] = apk(t, a)
				default:
					args[i] = a
				}
			}
			out, errOut, code := runVerify(t, args...)
			require.Equal(t, c.wantCode, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
			got := verdictLines(out)
			require.Len(t, got, len(c.wantFirst), "stdout:\n%s", out)
			for i, w := range c.wantFirst {
				assert.True(t, strings.HasPrefix(got[i], w), "verdict line %d:\n got %q\nwant %q...", i, got[i], w)
				assert.Regexp(t, verdictRE, got[i])
			}
			if len(c.wantFirst) > 0 {
				assert.True(t, strings.HasPrefix(out, got[0]), "the verdict comes first")
			}
			for _, w := range c.wantOut {
				assert.Contains(t, out, w)
			}
			for _, w := range c.wantErr {
				assert.Contains(t, errOut, w)
			}
		})
	}
}

// TestStdin reads the APK from standard input, as "-" and as /dev/stdin.
func TestStdin(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(repoRoot(), apk(t, "min21-v123.apk")))
	require.NoError(t, err)
	r := runCLI(t, b, "-q", "--cert-sha256", keyA, "-")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, "TRUSTED  (stdin): dev.apktrust.fixture 1.2.3 (7), signed by 24ab…e7b5 (CN=apktrust test A,O=apktrust test keys)\n", r.stdout)

	r = runCLI(t, b, "--json", "-")
	require.Equal(t, 0, r.code, r.stderr)
	var m map[string]any
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &m))
	assert.Equal(t, "-", m["file"])
	assert.Equal(t, true, m["verified"])

	if _, err := os.Stat("/dev/stdin"); err == nil {
		r = runCLI(t, b, "-q", "/dev/stdin")
		require.Equal(t, 0, r.code, r.stderr)
		assert.True(t, strings.HasPrefix(r.stdout, "VERIFIED (no policy)  /dev/stdin: "), r.stdout)
	}

	r = runCLI(t, []byte("not an apk"), "-q", "-")
	assert.Equal(t, 1, r.code)
	assert.True(t, strings.HasPrefix(r.stdout, "NOT VERIFIED  (stdin): refused: "), r.stdout)
}

// copyFixture copies a fixture to dst.
func copyFixture(t *testing.T, name, dst string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot(), apk(t, name)))
	require.NoError(t, err)
	require.NoError(t, os.MkdirAll(filepath.Dir(dst), 0o755))
	require.NoError(t, os.WriteFile(dst, b, 0o644))
}

// TestDirectory walks a folder: APKs, APK sets and bundles in name order,
// other files ignored, symbolic links followed only inside it.
func TestDirectory(t *testing.T) {
	tmp := t.TempDir()
	dir := filepath.Join(tmp, "in")
	copyFixture(t, "min21-v123.apk", filepath.Join(dir, "b.apk"))
	copyFixture(t, "tamper-v2-signature.apk", filepath.Join(dir, "a", "z.APK"))
	copyFixture(t, "min21-v123.apk", filepath.Join(dir, "c.txt"))
	copyFixture(t, "min21-v123.apk", filepath.Join(tmp, "outside.apk"))
	require.NoError(t, os.Symlink(filepath.Join(tmp, "outside.apk"), filepath.Join(dir, "d-out.apk")))
	require.NoError(t, os.Symlink("b.apk", filepath.Join(dir, "e-in.apk")))
	require.NoError(t, os.Symlink(tmp, filepath.Join(dir, "f-loop")))

	r := runCLI(t, nil, "-q", dir)
	require.Equal(t, 1, r.code, "the tampered file is rejected:\n%s%s", r.stdout, r.stderr)
	assert.Equal(t, []string{
		"NOT VERIFIED  " + filepath.Join(dir, "a", "z.APK"),
		"VERIFIED (no policy)  " + filepath.Join(dir, "b.apk"),
		"VERIFIED (no policy)  " + filepath.Join(dir, "e-in.apk"),
	}, firstFields(r.stdout))
	assert.Contains(t, r.stderr, "d-out.apk: a symbolic link that leads out of")

	empty := filepath.Join(tmp, "empty")
	require.NoError(t, os.Mkdir(empty, 0o755))
	r = runCLI(t, nil, "-q", empty)
	assert.Equal(t, 2, r.code)
	assert.True(t, strings.HasPrefix(r.stdout, "CANNOT READ  "+empty+": no .apk, .apks, .xapk, .apkm, .aab files"), r.stdout)
}

// firstFields cuts each verdict line at the colon after the file name.
func firstFields(out string) []string {
	var v []string
	for _, l := range verdictLines(out) {
		if i := strings.Index(l, ": "); i >= 0 {
			l = l[:i]
		}
		v = append(v, l)
	}
	return v
}

// TestParallelOrder verifies many inputs at once: the output follows the
// order of the arguments, whatever finishes first.
func TestParallelOrder(t *testing.T) {
	names := []string{"min21-v123-rsa4096.apk", "unsigned-min21.apk", "min21-v1-dsa.apk", "tamper-v2-signature.apk",
		"min21-v123.apk", "min14-v1.apk", "tamper-duplicate-entry.apk", "min24-v123.apk", "min21-v123-rot-abc.apk", "min28-v123.apk"}
	args := []string{"-q", "-j", "4"}
	for _, n := range names {
		args = append(args, apk(t, n))
	}
	serial := runCLI(t, nil, append([]string{"-j", "1"}, args[3:]...)...)
	r := runCLI(t, nil, args...)
	assert.Equal(t, 1, r.code)
	got := firstFields(r.stdout)
	require.Len(t, got, len(names))
	for i, n := range names {
		assert.True(t, strings.HasSuffix(got[i], "testdata/apk/"+n), "line %d: %s", i, got[i])
	}
	assert.Equal(t, verdictLines(serial.stdout), verdictLines(r.stdout), "-j 4 prints what -j 1 prints")
	assert.Empty(t, r.stderr, "no progress when stderr is not a terminal")
}

// TestNDJSON checks that --json is one object per line for one input and
// for many, each with "tool" and "verdict"; --pretty indents.
func TestNDJSON(t *testing.T) {
	decodeLines := func(t *testing.T, out string) []map[string]any {
		t.Helper()
		var lines []map[string]any
		sc := bufio.NewScanner(strings.NewReader(out))
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			var m map[string]any
			require.NoError(t, json.Unmarshal(sc.Bytes(), &m), sc.Text())
			lines = append(lines, m)
		}
		return lines
	}
	version := strings.TrimSpace(strings.TrimPrefix(runCLI(t, nil, "--version").stdout, "apktrust "))
	t.Run("one input", func(t *testing.T) {
		out, _, code := runVerify(t, "--json", "--cert-sha256", keyA, apk(t, "min21-v123-rot-ab.apk"))
		require.Equal(t, 0, code)
		require.Equal(t, 1, strings.Count(out, "\n"), "one line")
		m := decodeLines(t, out)[0]
		assert.Equal(t, map[string]any{"name": "apktrust", "version": version}, m["tool"])
		assert.Equal(t, "trusted", m["verdict"])
		for _, k := range []string{"file", "verified", "schemes", "signers", "lineage", "manifest", "errors", "warnings", "trusted", "policy", "sourceStamp", "v4", "frosting"} {
			assert.Contains(t, m, k)
		}
		p := m["policy"].(map[string]any)
		assert.Equal(t, true, p["applied"])
		assert.Contains(t, p, "violations")
		s := m["signers"].([]any)[0].(map[string]any)
		for _, k := range []string{"certSha256", "certSha1", "certMd5", "publicKeySha256", "notBefore", "notAfter", "subject", "issuer", "minSdk", "maxSdk", "scheme"} {
			assert.Contains(t, s, k)
		}
	})
	t.Run("many inputs", func(t *testing.T) {
		files := []string{apk(t, "min21-v123.apk"), apk(t, "tamper-v2-signature.apk"), apk(t, "tamper-duplicate-entry.apk"), "testdata/apk/missing.apk"}
		out, _, code := runVerify(t, append([]string{"--json"}, files...)...)
		require.Equal(t, 1, code)
		lines := decodeLines(t, out)
		require.Len(t, lines, 4)
		assert.Equal(t, "verified", lines[0]["verdict"])
		assert.NotContains(t, lines[0], "trusted", "no policy, no trusted field")
		assert.NotContains(t, lines[0], "policy")
		assert.Equal(t, "not-verified", lines[1]["verdict"])
		e := lines[1]["errors"].([]any)[0].(map[string]any)
		assert.Equal(t, "V2_SIG_DID_NOT_VERIFY", e["code"])
		assert.Equal(t, "not-verified", lines[2]["verdict"])
		assert.Equal(t, false, lines[2]["verified"])
		assert.Equal(t, "ZIP_DUPLICATE_ENTRY_NAME", lines[2]["error"].(map[string]any)["code"])
		assert.Equal(t, "not-an-apk", lines[2]["error"].(map[string]any)["kind"])
		assert.Equal(t, "cannot-read", lines[3]["verdict"])
		assert.Equal(t, "IO_ERROR", lines[3]["error"].(map[string]any)["code"])
		for i, l := range lines {
			assert.Equal(t, files[i], l["file"])
			assert.Contains(t, l, "tool")
			assert.NotContains(t, l, "trusted", "no policy, no trusted field")
		}
	})
	t.Run("refused and unreadable under a policy are not trusted", func(t *testing.T) {
		out, _, code := runVerify(t, "--json", "--cert-sha256", keyA, apk(t, "tamper-duplicate-entry.apk"), "testdata/apk/missing.apk")
		require.Equal(t, 1, code)
		lines := decodeLines(t, out)
		require.Len(t, lines, 2)
		for _, l := range lines {
			assert.Equal(t, false, l["trusted"])
		}
		assert.Equal(t, "not-trusted", lines[0]["verdict"])
		assert.Equal(t, "cannot-read", lines[1]["verdict"])
	})
	t.Run("pretty", func(t *testing.T) {
		out, _, code := runVerify(t, "--json", "--pretty", apk(t, "min21-v123.apk"), apk(t, "min21-v12.apk"))
		require.Equal(t, 0, code)
		dec := json.NewDecoder(strings.NewReader(out))
		n := 0
		for dec.More() {
			var m map[string]any
			require.NoError(t, dec.Decode(&m))
			n++
		}
		assert.Equal(t, 2, n)
		assert.Contains(t, out, "\n  \"tool\": {")
	})
}

// TestVersionAndHelp: --version names the tool and its version, the same
// as the JSON; --help goes to stdout with exit 0 and documents the exit
// status.
func TestVersionAndHelp(t *testing.T) {
	r := runCLI(t, nil, "--version")
	require.Equal(t, 0, r.code)
	assert.Regexp(t, `^apktrust v\d+\.\d+\.\d+\S*\n$`, r.stdout)
	for _, args := range [][]string{{"--help"}, {"-h"}, {"min21-v123.apk", "-help"}} {
		r := runCLI(t, nil, args...)
		require.Equal(t, 0, r.code, args)
		assert.Empty(t, r.stderr)
		for _, w := range []string{"Usage: apktrust", "Exit status:", "  0  every input passed", "  1  some input was rejected", "  2  usage error", "  130  interrupted", "-cert-sha256", "-require-play-stamp", "-j int", "-pretty"} {
			assert.Contains(t, r.stdout, w)
		}
	}
}

// goldenCompare compares got with testdata/golden/name, or rewrites it
// with -update.
func goldenCompare(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test ./examples/apktrust -run %s -update to create it", t.Name())
	assert.Equal(t, string(want), got)
}

// TestGoldenHuman pins the human output of a trusted, an untrusted, an
// unverified, an unverified-by-policy, an unsigned and an unreadable input.
func TestGoldenHuman(t *testing.T) {
	cases := []struct {
		golden string
		args   []string
		code   int
	}{
		{"trusted.txt", []string{"--cert-sha256", keyA, "--package", "dev.apktrust.fixture", apk(t, "min21-v123-rot-ab.apk")}, 0},
		{"untrusted.txt", []string{"--cert-sha256", keyB, apk(t, "min21-v123.apk")}, 1},
		{"no-policy.txt", []string{apk(t, "min21-v12-two-signers.apk")}, 0},
		{"unverified.txt", []string{apk(t, "tamper-v2-signature.apk")}, 1},
		{"unsigned.txt", []string{apk(t, "unsigned-min21.apk")}, 1},
		{"unreadable.txt", []string{"testdata/apk/does-not-exist.apk", "--cert-sha256", keyA}, 2},
	}
	for _, c := range cases {
		t.Run(c.golden, func(t *testing.T) {
			r := runCLI(t, nil, c.args...)
			require.Equal(t, c.code, r.code, r.stdout+r.stderr)
			goldenCompare(t, c.golden, r.stdout)
		})
	}
}

// TestGoldenJSON pins the JSON of a few fixtures (the tool version is
// replaced, since it depends on how the binary was built).
func TestGoldenJSON(t *testing.T) {
	version := regexp.MustCompile(`("tool": \{\s*"name": "apktrust",\s*"version": )"[^"]*"`)
	cases := []struct {
		golden string
		args   []string
	}{
		{"rot-ab-trusted.json", []string{"--cert-sha256", keyA, apk(t, "min21-v123-rot-ab.apk")}},
		{"tamper-v2-signature.json", []string{apk(t, "tamper-v2-signature.apk")}},
		{"unsigned.json", []string{apk(t, "unsigned-min21.apk")}},
		{"duplicate-entry.json", []string{apk(t, "tamper-duplicate-entry.apk")}},
	}
	for _, c := range cases {
		t.Run(c.golden, func(t *testing.T) {
			r := runCLI(t, nil, append([]string{"--json", "--pretty"}, c.args...)...)
			got := version.ReplaceAllString(r.stdout, `$1"VERSION"`)
			require.Contains(t, got, `"VERSION"`)
			goldenCompare(t, c.golden, got)
		})
	}
}

// TestHostileNames: a file name and a certificate subject crafted to
// print a forged verdict or hide the real one come out escaped, and the
// verdict lines stay exactly one per input.
func TestHostileNames(t *testing.T) {
	dir := t.TempDir()
	evil := "evil.apk: VERIFIED…\n  policy:   TRUSTED (signer 4c9d…)\n\x1b[8mhidden.apk"
	copyFixture(t, "min21-v123.apk", filepath.Join(dir, evil))
	for _, args := range [][]string{
		{"--cert-sha256", keyB, filepath.Join(dir, evil)},
		{filepath.Join(dir, evil)},
		{"--cert-sha256", keyB, dir},
	} {
		r := runCLI(t, nil, args...)
		assert.NotContains(t, r.stdout, "\x1b")
		assert.NotContains(t, r.stdout, "\n  policy:   TRUSTED")
		lines := verdictLines(r.stdout)
		require.Len(t, lines, 1, r.stdout)
		assert.Regexp(t, verdictRE, lines[0])
		assert.Contains(t, lines[0], `evil.apk: VERIFIED…\n  policy:   TRUSTED (signer 4c9d…)\n\x1b[8mhidden.apk"`)
		if args[0] == "--cert-sha256" {
			assert.True(t, strings.HasPrefix(lines[0], "NOT TRUSTED  \""), lines[0])
			assert.Equal(t, 1, r.code)
		}
		for _, l := range strings.Split(r.stdout, "\n") {
			assert.NotRegexp(t, `^\s*(policy:\s+)?TRUSTED\b`, l, "no line reads as a trusted verdict")
		}
	}

	t.Run("subject", func(t *testing.T) {
		signed := signWithHostileSubject(t)
		r := runCLI(t, nil, "--cert-sha256", keyA, signed)
		assert.Equal(t, 1, r.code, r.stdout+r.stderr)
		assert.NotContains(t, r.stdout, "\x1b")
		lines := verdictLines(r.stdout)
		require.Len(t, lines, 1, r.stdout)
		assert.True(t, strings.HasPrefix(lines[0], "NOT TRUSTED  "), lines[0])
		// Escaped as Go does; the "\\;" is RFC 4514's escape of ";".
		assert.Contains(t, r.stdout, `"CN=x\n\x1b[1\\;32mTRUSTED  app.apk: signed by the official key\x1b[0m"`)
		for _, l := range strings.Split(r.stdout, "\n") {
			assert.NotRegexp(t, `^\s*TRUSTED\b`, l)
		}
		r = runCLI(t, nil, "--json", signed)
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(r.stdout), &m), r.stdout)
		s := m["signers"].([]any)[0].(map[string]any)
		assert.Equal(t, "CN=x\n\x1b[1\\;32mTRUSTED  app.apk: signed by the official key\x1b[0m", s["subject"], "JSON keeps the text; its encoding escapes it")
	})

	t.Run("invalid UTF-8 subject and file name", func(t *testing.T) {
		signed := signWithSubject(t, "bad\xffname")
		renamed := filepath.Join(filepath.Dir(signed), "bad\xfe.apk")
		require.NoError(t, os.Rename(signed, renamed))
		r := runCLI(t, nil, "-q", renamed)
		assert.Equal(t, 0, r.code, r.stdout+r.stderr)
		assert.Contains(t, r.stdout, `bad\xfe.apk": `)
		assert.Contains(t, r.stdout, `(CN=bad\xffname), API 21+"`, "the reason is quoted as a whole, the subject's byte escaped")
		r = runCLI(t, nil, "--json", renamed)
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(r.stdout), &m), r.stdout)
		assert.Equal(t, hex.EncodeToString([]byte(renamed)), m["fileHex"])
		s := m["signers"].([]any)[0].(map[string]any)
		assert.Equal(t, "CN=bad\uFFFDname", s["subject"], "JSON text replaces the byte")
		assert.Equal(t, hex.EncodeToString([]byte("CN=bad\xffname")), s["subjectHex"], "the bytes stay recoverable")
	})
}

// signWithHostileSubject signs the unsigned fixture with apksigner, using a
// fresh key whose certificate subject holds a newline and escape sequences
// that would print a green TRUSTED line.
func signWithHostileSubject(t *testing.T) string {
	t.Helper()
	return signWithSubject(t, "x\n\x1b[1;32mTRUSTED  app.apk: signed by the official key\x1b[0m")
}

// signWithSubject signs the unsigned fixture with apksigner and a fresh
// key whose certificate subject is CN=cn, byte for byte.
func signWithSubject(t *testing.T, cn string) string {
	t.Helper()
	apksigner, err := exec.LookPath("apksigner")
	if err != nil {
		t.Skip("apksigner not installed")
	}
	dir := t.TempDir()
	keyPath, certPath := hostileKeyPair(t, dir, cn)
	out := filepath.Join(dir, "hostile-subject.apk")
	cmd := exec.Command(apksigner, "sign", "--key", keyPath, "--cert", certPath, "--in", filepath.Join(repoRoot(), apk(t, "unsigned-min21.apk")), "--out", out)
	b, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", b)
	return out
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
			"policy:   trusted", evidenceHeader,
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
			"NOT TRUSTED  ", "checked:  API 23+", "source stamp:  verified no (SOURCE_STAMP_", "(unverified: proves nothing)",
			"Play frosting: present, verified yes", "POLICY_SOURCE_STAMP_NOT_VERIFIED",
		}, nil},
		{"another stamp certificate required", func(t *testing.T) []string {
			return []string{"--stamp-cert-sha256", anotherStampCert, "--cert-sha256", reasilyKey, realWorld(t, reasilyFile)}
		}, 1, []string{"POLICY_SOURCE_STAMP_UNTRUSTED: the source stamp verified, but it was signed by " + playStampCert, "expected one of " + anotherStampCert}, nil},
		{"both stamp flags trust either certificate", func(t *testing.T) []string {
			return []string{"--stamp-cert-sha256", anotherStampCert, "--require-play-stamp", "--cert-sha256", reasilyKey, realWorld(t, reasilyFile)}
		}, 0, []string{"policy:   trusted"}, nil},
		{"stamp flag alone does not pin the signing key", func(t *testing.T) []string {
			return []string{"--require-play-stamp", realWorld(t, reasilyFile)}
		}, 1, []string{"POLICY_NO_TRUSTED_KEY"}, nil},
		{"Play frosting required and present", func(t *testing.T) []string {
			return []string{"--require-frosting", "--cert-sha256", calculatorKey, realWorld(t, calculatorFile)}
		}, 0, []string{"policy:   trusted", "Play frosting: present, verified yes (key index 0)", "source stamp:  none"}, nil},
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
		{"help names the new flags", func(t *testing.T) []string { return []string{"-h"} }, 0,
			[]string{"-stamp-cert-sha256", "-require-play-stamp", "-require-frosting"}, nil},
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
	p, ok := a.SigningBlock().Find(scheme.BlockIDSourceStampV2)
	require.True(t, ok)
	b[p.ValueOffset+p.ValueSize-1] ^= 0x01
	out := filepath.Join(t.TempDir(), "stamp-tampered.apk")
	require.NoError(t, os.WriteFile(out, b, 0o600))
	return out
}
