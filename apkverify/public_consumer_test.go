package apkverify_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/apktrust/apktrust/internal/testutil"
)

// TestSurfaceFromAnotherModule builds a throwaway module that requires this
// one (through a replace directive, as a consumer testing a local checkout
// would) and runs the surface files there: the public API is then used from
// another module literally, where anything under internal/ is out of reach,
// and the module is shown to be usable as a dependency with only its own
// go.mod and go.sum. It needs no network: the consumer's requirements are
// the root's, so the module cache and the root's go.sum already hold them
// (GOPROXY=off makes any miss an error instead of a download). See
// public_surface_test.go for why the consumer is generated rather than
// committed.
func TestSurfaceFromAnotherModule(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: builds another module")
	}
	gotool := goTool(t)
	root := testutil.RepoRoot()
	dir := t.TempDir()

	goMod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	require.NoError(t, err)
	var mod strings.Builder
	mod.WriteString("module example.com/apktrust-consumer\n\n")
	mod.WriteString(consumerRequirements(string(goMod)))
	mod.WriteString("\nrequire " + modulePath + " v0.0.0-00010101000000-000000000000\n")
	mod.WriteString("\nreplace " + modulePath + " => " + root + "\n")
	require.NoError(t, os.WriteFile(filepath.Join(dir, "go.mod"), []byte(mod.String()), 0o644))
	goSum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "go.sum"), goSum, 0o644))

	// The surface files read the fixtures as ../testdata/..., as an
	// example in the repository would.
	require.NoError(t, os.Symlink(filepath.Join(root, "testdata"), filepath.Join(dir, "testdata")))
	copied := 0
	for _, pkg := range publicPackages {
		paths, err := filepath.Glob(filepath.Join(root, pkg, "surface*_test.go"))
		require.NoError(t, err)
		require.NotEmpty(t, paths, pkg)
		require.NoError(t, os.Mkdir(filepath.Join(dir, pkg), 0o755))
		for _, p := range paths {
			b, err := os.ReadFile(p)
			require.NoError(t, err)
			require.NoError(t, os.WriteFile(filepath.Join(dir, pkg, filepath.Base(p)), b, 0o644))
			copied++
		}
	}

	cmd := exec.Command(gotool, "test", "-count=1", "./...")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off", "GOPROXY=off", "GOTOOLCHAIN=local")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "go test in a module of its own, with the %d surface files:\n%s", copied, out)
	t.Logf("another module ran the %d surface files:\n%s", copied, out)
}

// consumerRequirements returns the go directive and the require lines of the
// root go.mod: the consumer's build list is then the one the root was built
// and tested with. Replace and exclude directives are left out, since a
// dependent module never gets them.
func consumerRequirements(goMod string) string {
	var b strings.Builder
	inRequire := false
	for _, line := range strings.Split(goMod, "\n") {
		trim := strings.TrimSpace(line)
		switch {
		case inRequire:
			b.WriteString(line + "\n")
			inRequire = trim != ")"
		case strings.HasPrefix(trim, "require ("):
			b.WriteString(line + "\n")
			inRequire = true
		case strings.HasPrefix(trim, "go "), strings.HasPrefix(trim, "require "):
			b.WriteString(line + "\n")
		}
	}
	return b.String()
}
