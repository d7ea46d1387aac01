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

// TestPublicAPINamesNoInternalType: no exported identifier of the public
// packages takes, returns, holds or is defined by a type (or, but for
// string and number conversions, a value) of an internal package, which
// another module could neither name nor build.
func TestPublicAPINamesNoInternalType(t *testing.T) {
	fset := token.NewFileSet()
	checked := 0
	for _, pkg := range []string{"apkverify", "signer", "manifest"} {
		files, err := filepath.Glob(filepath.Join(repoRoot(), pkg, "*.go"))
		require.NoError(t, err)
		for _, file := range files {
			if strings.HasSuffix(file, "_test.go") {
				continue
			}
			f, err := parser.ParseFile(fset, file, nil, 0)
			require.NoError(t, err)
			internal := map[string]bool{}
			for _, imp := range f.Imports {
				path, _ := strconv.Unquote(imp.Path.Value)
				if strings.Contains(path, "/internal/") {
					name := path[strings.LastIndex(path, "/")+1:]
					if imp.Name != nil {
						name = imp.Name.Name
					}
					internal[name] = true
				}
			}
			for _, d := range f.Decls {
				for name, node := range exportedParts(d) {
					checked++
					ast.Inspect(node, func(n ast.Node) bool {
						if sel, ok := n.(*ast.SelectorExpr); ok {
							if x, ok := sel.X.(*ast.Ident); ok && internal[x.Name] {
								t.Errorf("%s: %s names %s.%s", fset.Position(sel.Pos()), name, x.Name, sel.Sel.Name)
							}
						}
						return true
					})
				}
			}
		}
	}
	assert.Greater(t, checked, 200, "the public packages were read")
}

// exportedParts returns what another module sees of a declaration: the
// signature of an exported function or of an exported method of an
// exported type, the definition of an exported type (but not unexported
// fields of its struct), and the type and value of an exported constant or
// variable.
func exportedParts(d ast.Decl) map[string]ast.Node {
	out := map[string]ast.Node{}
	switch d := d.(type) {
	case *ast.FuncDecl:
		if !d.Name.IsExported() {
			return out
		}
		if d.Recv != nil {
			recv := d.Recv.List[0].Type
			if s, ok := recv.(*ast.StarExpr); ok {
				recv = s.X
			}
			if id, ok := recv.(*ast.Ident); !ok || !id.IsExported() {
				return out
			}
		}
		out[d.Name.Name] = d.Type
	case *ast.GenDecl:
		for _, s := range d.Specs {
			switch s := s.(type) {
			case *ast.TypeSpec:
				if !s.Name.IsExported() {
					continue
				}
				if st, ok := s.Type.(*ast.StructType); ok {
					for _, fld := range st.Fields.List {
						for _, n := range fld.Names {
							if n.IsExported() {
								out[s.Name.Name+"."+n.Name] = fld.Type
							}
						}
						if len(fld.Names) == 0 {
							out[s.Name.Name+" (embedded)"] = fld.Type
						}
					}
					continue
				}
				out[s.Name.Name] = s.Type
			case *ast.ValueSpec:
				for i, n := range s.Names {
					if !n.IsExported() {
						continue
					}
					if s.Type != nil {
						out[n.Name] = s.Type
					}
					// A value's type is checked only where it is not a
					// plain string or number: the Bundle* codes take
					// their text from internal/bundle (a matter for the
					// error model, not a type a caller must name).
					if i < len(s.Values) {
						if c, ok := s.Values[i].(*ast.CallExpr); ok && isBasicConversion(c) {
							continue
						}
						out[n.Name] = s.Values[i]
					}
				}
			}
		}
	}
	return out
}

// isBasicConversion reports whether c is string(x), int(x) or the like.
func isBasicConversion(c *ast.CallExpr) bool {
	id, ok := c.Fun.(*ast.Ident)
	if !ok || len(c.Args) != 1 {
		return false
	}
	switch id.Name {
	case "string", "int", "int64", "uint32", "uint64":
		return true
	}
	return false
}
