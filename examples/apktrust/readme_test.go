package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// firstCommands returns the first n lines of the first sh code block of a
// README.
func firstCommands(t *testing.T, path string, n int) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	_, block, ok := strings.Cut(string(b), "```sh\n")
	require.True(t, ok, "%s has no sh code block", path)
	block, _, _ = strings.Cut(block, "```")
	lines := strings.Split(strings.TrimSpace(block), "\n")
	require.GreaterOrEqual(t, len(lines), n, path)
	return lines[:n]
}

// TestREADMECommands runs the first command of the repository README and
// of this directory's README, and checks that the second of the
// repository README is the test command, so a newcomer's first two
// commands work from a fresh clone.
func TestREADMECommands(t *testing.T) {
	root := firstCommands(t, filepath.Join(repoRoot(), "README.md"), 2)
	assert.Equal(t, "go test ./...", root[1])
	for _, cmd := range []string{root[0], firstCommands(t, "README.md", 1)[0]} {
		const prefix = "go run ./examples/apktrust "
		require.True(t, strings.HasPrefix(cmd, prefix), cmd)
		args := strings.Fields(strings.TrimPrefix(cmd, prefix))
		for _, a := range args {
			if strings.HasPrefix(a, "testdata/apk/") {
				apk(t, strings.TrimPrefix(a, "testdata/apk/"))
			}
		}
		out, errOut, code := runVerify(t, args...)
		require.Equal(t, 0, code, "%s\nstdout:\n%s\nstderr:\n%s", cmd, out, errOut)
		assert.True(t, strings.HasPrefix(out, "VERIFIED (no policy)  testdata/apk/"), out)
	}
}

// TestVersionMatchesChangelog keeps the fallback version equal to the
// newest release of CHANGELOG.md.
func TestVersionMatchesChangelog(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(repoRoot(), "CHANGELOG.md"))
	require.NoError(t, err)
	var newest string
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "## [") && !strings.HasPrefix(l, "## [Unreleased]") {
			newest = "v" + l[len("## ["):strings.IndexByte(l, ']')]
			break
		}
	}
	assert.Equal(t, newest, fallbackVersion)
}
