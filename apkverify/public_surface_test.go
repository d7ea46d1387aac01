package apkverify_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apktrust/apktrust/internal/testutil"
)

// The public surface is proven from outside by the "surface files":
// apkverify/surface*_test.go, signer/surface*_test.go and
// manifest/surface*_test.go. They are external test packages (package
// X_test) that import no internal/ package and use nothing but the public
// API, stdlib and testify, and each one stands alone (no helper from
// another test file, nothing from an export_test.go), so that the very same
// files also build and pass in another module (TestSurfaceFromAnotherModule, in public_consumer_test.go).
// The calls on error types are in surface_errors_test.go of each package,
// apart from the rest, because the error model is being reworked.
//
// Why not a module committed under examples/: it would need its own go.sum,
// kept in step with the root's by hand, and `go test ./...` at the root does
// not enter a nested module, so it would be run by nobody; a copy of its
// calls in the root module would repeat every call. Here there is one copy
// of the calls, run by `go test ./apkverify ./signer ./manifest`, and the
// other module is built from it in a temporary directory.

// publicPackages are the packages another module imports.
var publicPackages = []string{"apkverify", "signer", "manifest"}

const modulePath = "github.com/apktrust/apktrust"

// TestSurfaceCallsEveryExported: every exported function and every exported
// method of an exported type of the public packages (listed from their
// non-test sources, never by hand) is used by a surface file, as resolved
// by the type checker: a new exported function without an outside caller
// fails here.
func TestSurfaceCallsEveryExported(t *testing.T) {
	gotool := goTool(t)
	root := testutil.RepoRoot()
	fset := token.NewFileSet()
	surface := surfaceFiles(t, fset, root)

	var imports []string
	for _, pkg := range publicPackages {
		for _, f := range surface[pkg] {
			for _, imp := range f.Imports {
				path, _ := strconv.Unquote(imp.Path.Value)
				imports = append(imports, path)
			}
		}
	}
	slices.Sort(imports)
	exports := exportData(t, gotool, root, slices.Compact(imports))
	imp := importer.ForCompiler(fset, "gc", func(path string) (io.ReadCloser, error) {
		file, ok := exports[path]
		if !ok {
			return nil, fmt.Errorf("no export data for %s", path)
		}
		return os.Open(file)
	})

	used := map[string]bool{}
	for _, pkg := range publicPackages {
		info := &types.Info{Uses: map[*ast.Ident]types.Object{}}
		conf := types.Config{Importer: imp}
		_, err := conf.Check(pkg+"_test", fset, surface[pkg], info)
		require.NoError(t, err, "the surface files of %s must type-check on their own, against what another module sees", pkg)
		for _, obj := range info.Uses {
			if key, ok := funcKey(obj); ok {
				used[key] = true
			}
		}
	}

	for _, pkg := range publicPackages {
		funcs, methods := exportedFuncs(t, root, pkg)
		calledFuncs, calledMethods := 0, 0
		for _, key := range funcs {
			if used[key] {
				calledFuncs++
			} else {
				t.Errorf("%s is exported but no surface file (%s/surface*_test.go) calls it", key, pkg)
			}
		}
		for _, key := range methods {
			if used[key] {
				calledMethods++
			} else {
				t.Errorf("%s is exported but no surface file (%s/surface*_test.go) calls it", key, pkg)
			}
		}
		t.Logf("%-9s exported functions %d (called from outside %d), exported methods of exported types %d (called from outside %d)",
			pkg, len(funcs), calledFuncs, len(methods), calledMethods)
	}
}

// surfaceFiles parses the surface files of each public package and checks
// what makes them stand for another module: an external test package that
// imports nothing under internal/.
func surfaceFiles(t *testing.T, fset *token.FileSet, root string) map[string][]*ast.File {
	t.Helper()
	out := map[string][]*ast.File{}
	for _, pkg := range publicPackages {
		paths, err := filepath.Glob(filepath.Join(root, pkg, "surface*_test.go"))
		require.NoError(t, err)
		for _, path := range paths {
			f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
			require.NoError(t, err)
			assert.Equal(t, pkg+"_test", f.Name.Name, "%s: a surface file is an external test package", path)
			for _, imp := range f.Imports {
				p, _ := strconv.Unquote(imp.Path.Value)
				assert.False(t, strings.Contains(p, "/internal/") || strings.HasPrefix(p, "internal/"),
					"%s imports %s, which another module cannot", path, p)
			}
			out[pkg] = append(out[pkg], f)
		}
		require.NotEmpty(t, out[pkg], "%s has no surface*_test.go file", pkg)
	}
	return out
}

// exportedFuncs lists, from the non-test sources of pkg, its exported
// functions ("signer.ParseCertificate") and the exported methods of its
// exported types ("signer.Certificate.SHA256Hex").
func exportedFuncs(t *testing.T, root, pkg string) (funcs, methods []string) {
	t.Helper()
	fset := token.NewFileSet()
	paths, err := filepath.Glob(filepath.Join(root, pkg, "*.go"))
	require.NoError(t, err)
	for _, path := range paths {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		require.NoError(t, err)
		for _, d := range f.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || !fn.Name.IsExported() {
				continue
			}
			if fn.Recv == nil {
				funcs = append(funcs, pkg+"."+fn.Name.Name)
				continue
			}
			recv := fn.Recv.List[0].Type
			if s, ok := recv.(*ast.StarExpr); ok {
				recv = s.X
			}
			if id, ok := recv.(*ast.Ident); ok && id.IsExported() {
				methods = append(methods, pkg+"."+id.Name+"."+fn.Name.Name)
			}
		}
	}
	slices.Sort(funcs)
	slices.Sort(methods)
	require.NotEmpty(t, funcs, "%s: no exported function found", pkg)
	return funcs, methods
}

// funcKey names a function or method of a public package the way
// exportedFuncs does.
func funcKey(obj types.Object) (string, bool) {
	fn, ok := obj.(*types.Func)
	if !ok || fn.Pkg() == nil || !strings.HasPrefix(fn.Pkg().Path(), modulePath+"/") {
		return "", false
	}
	pkg := strings.TrimPrefix(fn.Pkg().Path(), modulePath+"/")
	recv := fn.Type().(*types.Signature).Recv()
	if recv == nil {
		return pkg + "." + fn.Name(), true
	}
	rt := recv.Type()
	if p, ok := rt.(*types.Pointer); ok {
		rt = p.Elem()
	}
	named, ok := rt.(*types.Named)
	if !ok {
		return "", false // an interface method
	}
	return pkg + "." + named.Obj().Name() + "." + fn.Name(), true
}

// exportData asks the go tool for the compiled export data of the given
// packages and their dependencies, as the type checker's importer reads it:
// the non-test build of the public packages, which is all another module
// sees.
func exportData(t *testing.T, gotool, root string, pkgs []string) map[string]string {
	t.Helper()
	cmd := exec.Command(gotool, append([]string{"list", "-export", "-deps", "-json=ImportPath,Export"}, pkgs...)...)
	cmd.Dir = root
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, "go list: %s", stderr.String())
	exports := map[string]string{}
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p struct{ ImportPath, Export string }
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else {
			require.NoError(t, err)
		}
		if p.Export != "" {
			exports[p.ImportPath] = p.Export
		}
	}
	return exports
}

// goTool returns the go command. go test puts GOROOT/bin first on the
// PATH of the tests it runs; without a go tool the check skips (the surface
// files are then still compiled and run, only not checked for completeness).
func goTool(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go tool on PATH: the surface check needs `go list -export` and `go test`")
	}
	return p
}
