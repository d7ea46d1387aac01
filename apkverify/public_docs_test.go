package apkverify_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apktrust/apktrust/internal/testutil"
)

// TestPublicDocsNameNothingHidden: what `go doc` shows of the public
// packages (the package comment and the comments of exported declarations
// and of exported fields) names none of the package's unexported
// identifiers in camelCase (checkHistory, maxBundleModules) and no source
// file (resultjson.go): a reader of the documentation can follow neither.
func TestPublicDocsNameNothingHidden(t *testing.T) {
	root := testutil.RepoRoot()
	sourceFile := regexp.MustCompile(`\b[a-z0-9_]+\.go\b`)
	word := regexp.MustCompile(`\b[a-z][a-z0-9]*[A-Z][A-Za-z0-9]*\b`)
	checked := 0
	for _, pkg := range publicPackages {
		fset := token.NewFileSet()
		paths, err := filepath.Glob(filepath.Join(root, pkg, "*.go"))
		require.NoError(t, err)
		var files []*ast.File
		hidden := map[string]bool{}
		for _, path := range paths {
			if strings.HasSuffix(path, "_test.go") {
				continue
			}
			f, err := parser.ParseFile(fset, path, nil, parser.ParseComments)
			require.NoError(t, err)
			files = append(files, f)
			for _, d := range f.Decls {
				for _, name := range declNames(d) {
					if !ast.IsExported(name) {
						hidden[name] = true
					}
				}
			}
		}
		for _, f := range files {
			for _, doc := range publicDocs(f) {
				checked++
				text := doc.Text()
				for _, m := range sourceFile.FindAllString(text, -1) {
					t.Errorf("%s: documentation names the source file %s", fset.Position(doc.Pos()), m)
				}
				for _, m := range word.FindAllString(text, -1) {
					if hidden[m] {
						t.Errorf("%s: documentation names the unexported %s", fset.Position(doc.Pos()), m)
					}
				}
			}
		}
	}
	assert.Greater(t, checked, 300, "the public documentation was read")
}

// declNames returns the top-level names a declaration declares (methods
// excluded: they are not in the package scope).
func declNames(d ast.Decl) []string {
	var out []string
	switch d := d.(type) {
	case *ast.FuncDecl:
		if d.Recv == nil {
			out = append(out, d.Name.Name)
		}
	case *ast.GenDecl:
		for _, s := range d.Specs {
			switch s := s.(type) {
			case *ast.TypeSpec:
				out = append(out, s.Name.Name)
			case *ast.ValueSpec:
				for _, n := range s.Names {
					out = append(out, n.Name)
				}
			}
		}
	}
	return out
}

// publicDocs returns the comments go doc shows for f: the package comment,
// and those of exported functions, of exported methods of exported types,
// of exported types with their exported fields, and of exported constants
// and variables (with their group's comment).
func publicDocs(f *ast.File) []*ast.CommentGroup {
	var out []*ast.CommentGroup
	add := func(cgs ...*ast.CommentGroup) {
		for _, cg := range cgs {
			if cg != nil {
				out = append(out, cg)
			}
		}
	}
	add(f.Doc)
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			if len(exportedParts(d)) > 0 {
				add(d.Doc)
			}
		case *ast.GenDecl:
			groupShown := false
			for _, s := range d.Specs {
				switch s := s.(type) {
				case *ast.TypeSpec:
					if !s.Name.IsExported() {
						continue
					}
					groupShown = true
					add(s.Doc, s.Comment)
					if st, ok := s.Type.(*ast.StructType); ok {
						for _, fld := range st.Fields.List {
							if len(fld.Names) == 0 || fld.Names[0].IsExported() {
								add(fld.Doc, fld.Comment)
							}
						}
					}
				case *ast.ValueSpec:
					for _, n := range s.Names {
						if n.IsExported() {
							groupShown = true
							add(s.Doc, s.Comment)
							break
						}
					}
				}
			}
			if groupShown {
				add(d.Doc)
			}
		}
	}
	return out
}
