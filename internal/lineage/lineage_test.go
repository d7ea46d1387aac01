package lineage_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apktrust/apktrust/internal/lineage"
	"github.com/apktrust/apktrust/internal/testutil"
	"github.com/apktrust/apktrust/internal/workbudget"
)

// readLineage reads a committed lineage file written by apksigner rotate.
func readLineage(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(testutil.Testdata(t, "lineage", name))
	require.NoError(t, err)
	return b
}

// TestParseFixtures: the lineage files apksigner wrote parse into their
// nodes, and the one with a broken link is refused as a bad signature.
func TestParseFixtures(t *testing.T) {
	for _, tc := range []struct {
		file  string
		nodes int
		kind  lineage.Kind
	}{
		{"rsa-a_to_rsa-b.lineage", 2, -1},
		{"rsa-a_to_rsa-b_to_rsa-c.lineage", 3, -1},
		{"rsa-a_to_rsa-b.broken.lineage", 0, lineage.Signature},
	} {
		t.Run(tc.file, func(t *testing.T) {
			nodes, err := lineage.Parse(readLineage(t, tc.file), workbudget.New(0))
			if tc.kind >= 0 {
				var le *lineage.Error
				require.ErrorAs(t, err, &le)
				assert.Equal(t, tc.kind, le.Kind)
				return
			}
			require.NoError(t, err)
			require.Len(t, nodes, tc.nodes)
			for _, n := range nodes {
				assert.NotNil(t, n.Certificate.PublicKey)
			}
		})
	}
}

// FuzzParse: hostile lineages never panic, and a lineage that parses has
// at least one node and no certificate twice.
func FuzzParse(f *testing.F) {
	files, err := filepath.Glob(filepath.Join(testutil.RepoRoot(), "testdata", "lineage", "*.lineage"))
	require.NoError(f, err)
	require.NotEmpty(f, files)
	for _, p := range files {
		f.Add(readLineage(f, filepath.Base(p)))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		nodes, err := lineage.Parse(in, workbudget.New(0))
		if err != nil {
			return
		}
		if len(nodes) == 0 {
			t.Fatal("a lineage without nodes parsed")
		}
		seen := map[[32]byte]bool{}
		for _, n := range nodes {
			if seen[n.Certificate.SHA256] {
				t.Fatal("a certificate twice")
			}
			seen[n.Certificate.SHA256] = true
		}
	})
}
