package apkverify_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestExamplesArePublic: every Example of the public packages is run (has
// an "// Output:" comment) and could be copied into another module: its
// file is an external test package importing nothing under internal/.
func TestExamplesArePublic(t *testing.T) {
	fset := token.NewFileSet()
	examples := 0
	for _, pkg := range []string{"apkverify", "signer", "manifest"} {
		files, err := filepath.Glob(filepath.Join(repoRoot(), pkg, "*_test.go"))
		require.NoError(t, err)
		for _, file := range files {
			f, err := parser.ParseFile(fset, file, nil, parser.ParseComments)
			require.NoError(t, err)
			var names []string
			for _, d := range f.Decls {
				if fn, ok := d.(*ast.FuncDecl); ok && fn.Recv == nil && strings.HasPrefix(fn.Name.Name, "Example") {
					names = append(names, fn.Name.Name)
					assert.True(t, hasOutput(f, fn), "%s: %s has no // Output: comment", file, fn.Name.Name)
				}
			}
			if len(names) == 0 {
				continue
			}
			examples += len(names)
			assert.Equal(t, pkg+"_test", f.Name.Name, "%s: examples %v are not in an external test package", file, names)
			for _, imp := range f.Imports {
				path, _ := strconv.Unquote(imp.Path.Value)
				assert.NotContains(t, path, "/internal/", "%s: examples %v import %s, which no other module can", file, names, path)
			}
		}
	}
	assert.GreaterOrEqual(t, examples, 15)
}

func hasOutput(f *ast.File, fn *ast.FuncDecl) bool {
	for _, cg := range f.Comments {
		if cg.Pos() < fn.Body.Lbrace || cg.End() > fn.Body.Rbrace {
			continue
		}
		for _, c := range cg.List {
			if strings.HasPrefix(c.Text, "// Output:") || strings.HasPrefix(c.Text, "// Unordered output:") {
				return true
			}
		}
	}
	return false
}
