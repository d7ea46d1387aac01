package conformance

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCasesLoadAndNameExistingFiles(t *testing.T) {
	dir, cases := Cases(t)
	require.NotEmpty(t, cases)
	byAPI := map[string]int{}
	for _, c := range cases {
		byAPI[c.API]++
		_, err := os.Stat(filepath.Join(dir, c.APK))
		assert.NoError(t, err, "case %s names a missing APK", c.ID)
		assert.Contains(t, []string{"verified", "failed", "error", "unasserted"}, c.Expect, c.ID)
	}
	assert.Equal(t, 313, byAPI["ApkVerifier.verify"])
}

func TestRealWorldIndex(t *testing.T) {
	dir, apps := RealWorld(t)
	require.NotEmpty(t, apps)
	for _, a := range apps {
		_, err := os.Stat(filepath.Join(dir, a["file"]))
		assert.NoError(t, err)
	}
}
