package main

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// setFixture returns a committed set fixture's path relative to the
// repository root; a missing one fails.
func setFixture(t *testing.T, name string) string {
	t.Helper()
	p := filepath.Join("testdata", "sets", name)
	_, err := os.Stat(filepath.Join(repoRoot(), p))
	require.NoError(t, err, "committed set fixture %s is missing (testdata/make-sets.sh)", name)
	return p
}

// A bundle is a set without --set; --set makes one install of the files
// given. The verdict line comes first, then one line per APK, then the
// set's errors in words; the exit status is 1 for a set that breaks a
// rule.
func TestSetHuman(t *testing.T) {
	cases := []struct {
		name     string
		args     []string
		code     int
		verdict  string
		apkLines int
		contains []string
	}{
		{"bundle", []string{setFixture(t, "ok.xapk")}, 0, "VERIFIED (no policy)  testdata/sets/ok.xapk: set com.apktrust.sets (7), base + 2 splits, signed by 24ab…e7b5", 3,
			[]string{"  bundle:   xapk", "  ignored:  manifest.json, Android/obb/"}},
		{"bundle pinned", []string{"--cert-sha256", keyA, setFixture(t, "ok.apks")}, 0, "TRUSTED  testdata/sets/ok.apks: set com.apktrust.sets (7), base + 2 splits", 3,
			[]string{"  policy:   trusted (signer " + keyA + ")"}},
		{"rotated bundle pinned to the old key", []string{"--cert-sha256", keyA, setFixture(t, "rotated.xapk")}, 0, "TRUSTED  ", 3, nil},
		{"files", []string{"--set", setFixture(t, "base.apk"), setFixture(t, "config.de.apk")}, 0, "VERIFIED (no policy)  set of 2 files: set com.apktrust.sets (7), base + 1 split", 2,
			[]string{"  split      testdata/sets/config.de.apk: [config.de] verified, API 21+"}},
		{"signer mismatch", []string{"--set", setFixture(t, "base.apk"), setFixture(t, "config.de-b.apk")}, 1, "NOT VERIFIED  set of 2 files: set did not verify: split config.de", 2,
			[]string{"  ERROR SET_SIGNER_MISMATCH: split config.de (testdata/sets/config.de-b.apk) is signed by " + keyB + " on API 21+, the base by " + keyA}},
		{"split under the base's targetSdk", []string{"--set", setFixture(t, "base.apk"), setFixture(t, "config.es-v1only.apk")}, 1, "NOT VERIFIED  ", 2,
			[]string{"[config.es] NOT VERIFIED: ", "[MIN_SIG_SCHEME_FOR_TARGET_SDK_NOT_MET]", "  ERROR SET_APK_NOT_VERIFIED: "}},
		{"no base", []string{"--set", setFixture(t, "config.de.apk")}, 1, "NOT VERIFIED  testdata/sets/config.de.apk: set did not verify: no base APK", 1, nil},
		{"untrusted", []string{"--cert-sha256", keyB, setFixture(t, "ok.apks")}, 1, "NOT TRUSTED  testdata/sets/ok.apks: signed by ", 3,
			[]string{"POLICY_UNTRUSTED_SIGNER"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, stderr, code := runVerify(t, tc.args...)
			assert.Equal(t, tc.code, code, "stdout:\n%s\nstderr:\n%s", out, stderr)
			lines := verdictLines(out)
			require.Len(t, lines, 1, out)
			assert.True(t, strings.HasPrefix(lines[0], tc.verdict), "verdict line %q, want prefix %q", lines[0], tc.verdict)
			n := 0
			for _, l := range strings.Split(out, "\n") {
				if strings.HasPrefix(l, "  base ") || strings.HasPrefix(l, "  split ") || strings.HasPrefix(l, "  unreadable ") {
					n++
				}
			}
			assert.Equal(t, tc.apkLines, n, out)
			for _, s := range tc.contains {
				assert.Contains(t, out, s)
			}
		})
	}
}

// --json prints one object with "kind": "set", the verdict, and each APK
// in the single-APK shape with "file" and "split".
func TestSetJSONOutput(t *testing.T) {
	out, _, code := runVerify(t, "--json", "--cert-sha256", keyA, setFixture(t, "signer-mismatch.apks"))
	assert.Equal(t, 1, code)
	require.Equal(t, 1, strings.Count(out, "\n"))
	var j map[string]any
	require.NoError(t, json.Unmarshal([]byte(out), &j))
	assert.Equal(t, "set", j["kind"])
	assert.Equal(t, "not-trusted", j["verdict"])
	assert.Equal(t, false, j["verified"])
	assert.Equal(t, false, j["trusted"])
	assert.Equal(t, "bundletool-apks", j["layout"])
	base := j["base"].(map[string]any)
	assert.Equal(t, "splits/base-master.apk", base["file"])
	assert.Equal(t, "", base["split"])
	assert.Equal(t, true, base["verified"])
	assert.Contains(t, base, "signers")
	assert.Contains(t, base, "sourceStamp")
	split := j["splits"].([]any)[0].(map[string]any)
	assert.Equal(t, "splits/base-de.apk", split["file"])
	assert.Equal(t, "config.de", split["split"])
	errs := j["errors"].([]any)
	require.Len(t, errs, 1)
	assert.Equal(t, "SET_SIGNER_MISMATCH", errs[0].(map[string]any)["code"])
	assert.Equal(t, "config.de", errs[0].(map[string]any)["split"])
}

func TestSetUsage(t *testing.T) {
	_, stderr, code := runVerify(t, "--set", "--v4-signature", setFixture(t, "base.apk"), setFixture(t, "base.apk"))
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "--v4-signature")
	out, _, code := runVerify(t, "--set", setFixture(t, "base.apk"), "testdata/sets/no-such.apk")
	assert.Equal(t, 2, code)
	assert.True(t, strings.HasPrefix(out, "CANNOT READ  testdata/sets/no-such.apk"), out)
}

// A hostile bundle is a rejection with its code, not a tool error.
func TestSetHostileBundle(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "evil.apks")
	writeZip(t, p, map[string][]byte{"../escape.apk": []byte("x"), "base.apk": []byte("y")})
	out, _, code := runVerify(t, p)
	assert.Equal(t, 1, code, out)
	assert.Contains(t, out, "BUNDLE_UNSAFE_NAME")
}

func writeZip(t *testing.T, path string, files map[string][]byte) {
	t.Helper()
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		fw, err := w.Create(n)
		require.NoError(t, err)
		_, err = fw.Write(files[n])
		require.NoError(t, err)
	}
	require.NoError(t, w.Close())
	require.NoError(t, os.WriteFile(path, buf.Bytes(), 0o644))
}

// A directory walk verifies a bundle found in it as a set, next to the
// APKs, each with its own verdict line.
func TestSetInDirectory(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"ok.xapk", "base.apk"} {
		b, err := os.ReadFile(filepath.Join(repoRoot(), setFixture(t, n)))
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dir, n), b, 0o644))
	}
	out, _, code := runVerify(t, "-j", "2", dir)
	assert.Equal(t, 0, code, out)
	lines := verdictLines(out)
	require.Len(t, lines, 2, out)
	assert.Contains(t, lines[0], "base.apk: com.apktrust.sets")
	assert.Contains(t, lines[1], "ok.xapk: set com.apktrust.sets (7), base + 2 splits")
}

// The real AppManager .apks (27 APKs) is trusted pinned to its signer;
// the Play pair of base and ABI split carries a Play stamp on both.
func TestSetRealWorld(t *testing.T) {
	const appManager = "320c0c0fe8cef873f2b554cb88c837f1512589dcced50c5b25c43c04596760ab"
	out, _, code := runVerify(t, "-q", "--cert-sha256", appManager, realWorld(t, "dev-appmanager-2.5.22.apks"))
	assert.Equal(t, 0, code, out)
	assert.Contains(t, out, "TRUSTED  ")
	assert.Contains(t, out, ": set io.github.muntashirakon.AppManager (379), base + 26 splits, signed by 320c…60ab")

	out, _, code = runVerify(t, "--set", "--max-sdk", "32", "--require-play-stamp", "--insecure-any-signer",
		realWorld(t, "play-reasily-base.apk"), realWorld(t, "play-reasily-split_config.arm64_v8a.apk"))
	assert.Equal(t, 0, code, out)
	assert.Equal(t, 2, strings.Count(out, ", stamp 3257…bd6d"), out)
}
