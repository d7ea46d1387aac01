package testutil

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// CodeDecl is one declaration of a code constant found in the module's
// source.
type CodeDecl struct {
	Name  string // the constant's name
	Value string // the code text; "" when Alias or Built
	Pos   string // file:line, relative to the module root
	Pkg   string // directory of the package, relative to the module root
	// Alias is the constant the declaration names instead of a literal
	// (signer.CodeZipTooSmall), "" for a literal.
	Alias string
	// Built is the source of a value that is neither a literal nor a
	// constant: a code put together at compile or run time.
	Built string
}

var codeText = regexp.MustCompile(`^[A-Z][A-Z0-9_]+$`)

// IsCodeType reports whether e names a code type: Code, signer.Code or
// another package's Code (an alias of signer.Code).
func IsCodeType(e ast.Expr) bool {
	switch t := e.(type) {
	case *ast.Ident:
		return t.Name == "Code"
	case *ast.SelectorExpr:
		return t.Sel.Name == "Code"
	}
	return false
}

// SourceFile is one parsed non-test Go file of the module.
type SourceFile struct {
	Rel  string // path relative to the module root
	File *ast.File
}

// ModuleSources parses every non-test Go file of the module (testdata,
// hidden directories and generated protobuf code aside).
func ModuleSources(t testing.TB) (*token.FileSet, []SourceFile) {
	t.Helper()
	root := RepoRoot()
	fset := token.NewFileSet()
	var out []SourceFile
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if n := d.Name(); n == "testdata" || strings.HasPrefix(n, ".") && path != root {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") || strings.HasSuffix(path, ".pb.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		out = append(out, SourceFile{rel, f})
		return nil
	})
	require.NoError(t, err)
	require.Greater(t, len(out), 100, "the module's sources")
	return fset, out
}

// CodeDecls returns the code constants of the module's non-test sources:
// those of a Code type, and untyped ones named Code... or ...Code...
// whose value is a string literal in code form (^[A-Z][A-Z0-9_]+$).
func CodeDecls(t testing.TB) []CodeDecl {
	t.Helper()
	fset, files := ModuleSources(t)
	var out []CodeDecl
	for _, sf := range files {
		for _, decl := range sf.File.Decls {
			gd, ok := decl.(*ast.GenDecl)
			if !ok || gd.Tok != token.CONST {
				continue
			}
			for _, spec := range gd.Specs {
				vs := spec.(*ast.ValueSpec)
				typed := vs.Type != nil && IsCodeType(vs.Type)
				for i, name := range vs.Names {
					if i >= len(vs.Values) {
						continue
					}
					d := CodeDecl{Name: name.Name, Pos: sf.Rel + ":" + strconv.Itoa(fset.Position(name.Pos()).Line), Pkg: filepath.Dir(sf.Rel)}
					named := strings.Contains(name.Name, "Code")
					switch v := vs.Values[i].(type) {
					case *ast.BasicLit:
						if v.Kind != token.STRING {
							continue
						}
						s, _ := strconv.Unquote(v.Value)
						if !typed && !(named && codeText.MatchString(s)) {
							continue
						}
						d.Value = s
					case *ast.SelectorExpr, *ast.Ident:
						if !typed && !named {
							continue
						}
						d.Alias = types(v)
					default:
						if !typed && !named {
							continue
						}
						d.Built = types(v)
					}
					out = append(out, d)
				}
			}
		}
	}
	require.NotEmpty(t, out)
	return out
}

// types prints a short expression.
func types(e ast.Expr) string {
	switch v := e.(type) {
	case *ast.Ident:
		return v.Name
	case *ast.SelectorExpr:
		return types(v.X) + "." + v.Sel.Name
	case *ast.BasicLit:
		return v.Value
	case *ast.BinaryExpr:
		return types(v.X) + " " + v.Op.String() + " " + types(v.Y)
	case *ast.CallExpr:
		return types(v.Fun) + "(...)"
	}
	return "?"
}

// PublicCodes returns the code text of every literal code constant of
// the public packages (signer, manifest, apkverify): the codes a user can
// name.
func PublicCodes(t testing.TB) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, d := range CodeDecls(t) {
		switch d.Pkg {
		case "signer", "manifest", "apkverify":
			if d.Value != "" {
				out[d.Value] = d.Pkg + "." + d.Name
			}
		}
	}
	return out
}
