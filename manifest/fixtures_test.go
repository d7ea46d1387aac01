package manifest

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apktrust/apktrust/internal/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fixtureDir is the project's fixture folder, produced by
// testdata/make-fixtures.sh.
var fixtureDir = filepath.Join(testutil.RepoRoot(), "testdata")

// Every project fixture with recorded aapt output must agree with aapt
// field by field.
func TestFixturesMatchAapt(t *testing.T) {
	trees, _ := filepath.Glob(filepath.Join(fixtureDir, "aapt", "*.xmltree.txt"))
	// The recordings and fixtures are committed: a missing one fails.
	require.NotEmpty(t, trees, "no aapt recordings under testdata/aapt")
	for _, tree := range trees {
		name := strings.TrimSuffix(filepath.Base(tree), ".xmltree.txt")
		t.Run(name, func(t *testing.T) {
			apk := filepath.Join(fixtureDir, "apk", name+".apk")
			require.FileExists(t, apk, "the APK of an aapt recording")
			xt, err := os.ReadFile(tree)
			require.NoError(t, err)
			bd, _ := os.ReadFile(filepath.Join(fixtureDir, "aapt", name+".badging.txt"))
			m, zipErr, err := readAPK(t, apk)
			if zipErr != nil {
				// A damaged-container fixture: aapt reads it, but the
				// project's ZIP reader refuses it before any manifest
				// question arises (that refusal is apkzip's to test).
				t.Skipf("container refused by apkzip: %v", zipErr)
			}
			require.NoError(t, err)
			compareWithAapt(t, m, string(bd), string(xt))
		})
	}
}

// The fixtures whose manifest string pool lost its android: attribute
// names still yield the values of the untouched build.
func TestFixturesStrippedNames(t *testing.T) {
	ref := filepath.Join(fixtureDir, "apk", "unsigned-min21.apk")
	require.FileExists(t, ref)
	want, err := fromArchive(testutil.OpenAPK(t, ref))
	require.NoError(t, err)
	for _, mode := range []string{"empty", "garbage"} {
		t.Run(mode, func(t *testing.T) {
			p := filepath.Join(fixtureDir, "apk", "min21-attrnames-"+mode+"-v123.apk")
			require.FileExists(t, p)
			got, err := fromArchive(testutil.OpenAPK(t, p))
			require.NoError(t, err)
			assert.Equal(t, "dev.apktrust.fixture", got.Package)
			assert.Equal(t, 21, got.MinSDK())
			assert.Equal(t, want, got)
		})
	}
}

// fixtures.json records the minSdk each fixture was built with.
func TestFixturesIndexMinSDK(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(fixtureDir, "fixtures.json"))
	require.NoError(t, err, "testdata/fixtures.json is committed")
	var index []struct {
		File   string `json:"file"`
		Kind   string `json:"kind"`
		Tamper string `json:"tamper"`
		MinSDK int    `json:"minSdk"`
	}
	require.NoError(t, json.Unmarshal(raw, &index))
	parsed := 0
	for _, f := range index {
		if f.Kind != "apk" {
			continue
		}
		t.Run(filepath.Base(f.File), func(t *testing.T) {
			m, zipErr, err := readAPK(t, filepath.Join(fixtureDir, f.File))
			if zipErr != nil {
				assert.NotEmpty(t, f.Tamper, "only tampered fixtures may have a refused container: %v", zipErr)
				return
			}
			require.NoError(t, err)
			parsed++
			assert.Equal(t, "dev.apktrust.fixture", m.Package)
			if f.MinSDK > 0 { // 0: a codename the index cannot express
				assert.Equal(t, f.MinSDK, m.MinSDK())
			} else {
				assert.Equal(t, "Tiramisu", m.MinSDKCodename)
				assert.Equal(t, 30, m.MinSDK(), "apksig maps T to 30")
			}
		})
	}
	t.Logf("%d fixture manifests parsed", parsed)
}
