package apkverify_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apktrust/apktrust/internal/testutil"
)

// TestREADMELayout: the README's layout table names every package a reader
// meets (each top-level directory holding Go code, testdata, and each
// directory under internal/ and examples/), and every path it names exists,
// so a package added, moved or removed without its row fails here.
func TestREADMELayout(t *testing.T) {
	root := testutil.RepoRoot()
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	require.NoError(t, err)
	_, section, ok := strings.Cut(string(readme), "\n## Layout\n")
	require.True(t, ok, "README.md has no ## Layout section")
	section, _, _ = strings.Cut(section, "\n## ")

	named := map[string]bool{}
	code := regexp.MustCompile("`([^`]+)`")
	for _, line := range strings.Split(section, "\n") {
		cells := strings.Split(line, "|")
		if len(cells) < 3 || strings.HasPrefix(strings.TrimSpace(cells[1]), "---") {
			continue
		}
		for _, m := range code.FindAllStringSubmatch(cells[1], -1) {
			named[m[1]] = true
		}
	}
	require.NotEmpty(t, named, "the layout table names no path")

	var want []string
	entries, err := os.ReadDir(root)
	require.NoError(t, err)
	for _, e := range entries {
		if !e.IsDir() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		switch e.Name() {
		case "internal", "examples":
			subs, err := os.ReadDir(filepath.Join(root, e.Name()))
			require.NoError(t, err)
			for _, s := range subs {
				if s.IsDir() {
					want = append(want, e.Name()+"/"+s.Name())
				}
			}
		case "testdata":
			want = append(want, "testdata")
		default:
			if goFiles, _ := filepath.Glob(filepath.Join(root, e.Name(), "*.go")); len(goFiles) > 0 {
				want = append(want, e.Name())
			}
		}
	}
	for _, dir := range want {
		assert.True(t, named[dir], "README.md's layout table has no row for %s", dir)
	}
	for path := range named {
		_, err := os.Stat(filepath.Join(root, filepath.FromSlash(path)))
		assert.NoError(t, err, "README.md's layout table names %s, which does not exist", path)
	}
	t.Logf("the layout table names %d paths; the repository has %d packages or folders to name", len(named), len(want))
}
