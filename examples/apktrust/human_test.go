package main

import (
	"bytes"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apktrust/apktrust/apkverify"
)

// TestKeyWarningsUnderTheVerdict: warnings about the signing key itself
// (a published test key, a leaked key, a debug certificate) come right
// after the verdict line, before the details; the others after them.
func TestKeyWarningsUnderTheVerdict(t *testing.T) {
	var out bytes.Buffer
	c := &config{stdout: &out, stderr: &out}
	res := &apkverify.Result{
		File: "app.apk", Verified: true, MinSDK: 21, MaxSDK: 33,
		Manifest: &apkverify.Manifest{Package: "com.example", VersionName: "1.0", VersionCode: 3},
		Warnings: []apkverify.Issue{
			{Code: "V1_SIG_SOMETHING", Message: "an ordinary warning"},
			{Code: "KNOWN_TEST_KEY", Message: "signed with the AOSP test key \x1b[8m"},
			{Code: "DEBUG_CERTIFICATE", Message: "signed with a debug certificate"},
		},
	}
	c.printHuman(0, &outcome{in: input{name: "app.apk"}, res: res})
	lines := strings.Split(out.String(), "\n")
	require.GreaterOrEqual(t, len(lines), 4)
	assert.Equal(t, "VERIFIED (no policy)  app.apk: com.example 1.0 (3), signed by (no signer), API 21-33", lines[0])
	assert.Equal(t, `  WARNING KNOWN_TEST_KEY: "signed with the AOSP test key \x1b[8m"`, lines[1])
	assert.Equal(t, "  WARNING DEBUG_CERTIFICATE: signed with a debug certificate", lines[2])
	assert.Equal(t, "  checked:  API 21-33", lines[3])
	assert.Contains(t, out.String(), "\n  WARNING V1_SIG_SOMETHING: an ordinary warning\n")
	assert.Equal(t, 1, strings.Count(out.String(), "KNOWN_TEST_KEY"), "printed once")
}

// TestColorOnlyOnATerminal: pipes, files and /dev/null get no colour.
func TestColorOnlyOnATerminal(t *testing.T) {
	null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	require.NoError(t, err)
	defer null.Close()
	r, w, err := os.Pipe()
	require.NoError(t, err)
	defer r.Close()
	defer w.Close()
	for _, out := range []*os.File{null, w} {
		c := &config{stdout: out}
		assert.False(t, c.useColor(), out.Name())
	}
	if tty, err := os.OpenFile("/dev/tty", os.O_WRONLY, 0); err == nil {
		defer tty.Close()
		t.Setenv("NO_COLOR", "")
		t.Setenv("TERM", "xterm")
		assert.True(t, (&config{stdout: tty}).useColor())
		t.Setenv("NO_COLOR", "1")
		assert.False(t, (&config{stdout: tty}).useColor(), "NO_COLOR turns colour off")
	}
}

// TestRepeatedWarningsCounted: every warning code is shown, the first
// three of a code in full and the rest counted; -v shows them all.
func TestRepeatedWarningsCounted(t *testing.T) {
	var warnings []apkverify.Issue
	for _, name := range []string{"a", "b", "c", "d", "e"} {
		warnings = append(warnings, apkverify.Issue{Code: "JAR_SIG_UNPROTECTED_ZIP_ENTRY", Scheme: "v1", Message: "META-INF/" + name + " is not protected"})
	}
	warnings = append(warnings, apkverify.Issue{Code: "OTHER", Message: "another"})
	for _, verbose := range []bool{false, true} {
		var out bytes.Buffer
		c := &config{stdout: &out, verbose: verbose}
		c.printWarnings(warnings)
		lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
		if verbose {
			assert.Len(t, lines, 6)
			continue
		}
		assert.Equal(t, []string{
			"  WARNING JAR_SIG_UNPROTECTED_ZIP_ENTRY (v1): META-INF/a is not protected",
			"  WARNING JAR_SIG_UNPROTECTED_ZIP_ENTRY (v1): META-INF/b is not protected",
			"  WARNING JAR_SIG_UNPROTECTED_ZIP_ENTRY (v1): META-INF/c is not protected",
			"  WARNING JAR_SIG_UNPROTECTED_ZIP_ENTRY: and 2 more like it (-v shows all)",
			"  WARNING OTHER: another",
		}, lines)
	}
}

// TestAtATerminal runs the binary under script(1), which gives it a
// terminal: the verdict is coloured unless NO_COLOR is set, and progress
// goes to stderr (here the terminal, stdout discarded).
func TestAtATerminal(t *testing.T) {
	script, err := exec.LookPath("script")
	if err != nil {
		t.Skip("script (util-linux) not installed")
	}
	inTerminal := func(t *testing.T, env []string, shell string) string {
		t.Helper()
		cmd := exec.Command(script, "-qec", shell, os.DevNull)
		cmd.Dir = repoRoot()
		cmd.Env = append(os.Environ(), append([]string{"TERM=xterm"}, env...)...)
		out, err := cmd.Output()
		require.NoError(t, err, "%s", out)
		return string(out)
	}
	one := binary + " -q " + apk(t, "min21-v123.apk")
	out := inTerminal(t, []string{"NO_COLOR="}, one)
	assert.True(t, strings.HasPrefix(out, "\x1b[1;32mVERIFIED (no policy)\x1b[0m  testdata/apk/min21-v123.apk: "), "%q", out)
	out = inTerminal(t, []string{"NO_COLOR=1"}, one)
	assert.True(t, strings.HasPrefix(out, "VERIFIED (no policy)  testdata/apk/min21-v123.apk: "), "%q", out)

	two := binary + " -q -j 1 " + apk(t, "min21-v123.apk") + " " + apk(t, "min21-v12.apk") + " 2>&1 >/dev/null"
	out = inTerminal(t, nil, two)
	assert.Contains(t, out, "1/2 files, ")
	assert.Contains(t, out, "2/2 files, ")
	assert.True(t, strings.HasSuffix(out, "\r\x1b[K"), "the progress line is cleared at the end: %q", out)
}

// TestEmailAddressByName: the AOSP test key's subject names its e-mail
// attribute rather than printing its OID and hex, and the warning that it
// is a published test key comes right under the verdict line.
func TestEmailAddressByName(t *testing.T) {
	f := realWorld(t, "aosp-com.android.calculator2_19-testkey.apk")
	out, _, _ := runVerify(t, f)
	assert.Contains(t, out, "CN=Android,OU=Android,O=Android,L=Mountain View,ST=California,C=US,emailAddress=android@android.com")
	assert.NotContains(t, out, "1.2.840.113549.1.9.1")
	lines := strings.Split(out, "\n")
	require.Greater(t, len(lines), 2)
	assert.True(t, strings.HasPrefix(lines[1], "  WARNING KNOWN_TEST_KEY: signed with the AOSP testkey"), "the known-key warning comes right under the verdict: %q", lines[1])
}
