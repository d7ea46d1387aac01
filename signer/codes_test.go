package signer_test

import (
	"errors"
	"fmt"
	"go/ast"
	"go/token"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apktrust/apktrust/internal/testutil"
	"github.com/apktrust/apktrust/signer"
)

// TestCodesDeclaredOnce: every code text is declared by exactly one
// constant in the whole module, the public ones in their package's
// codes.go; other constants naming the same code refer to that one.
func TestCodesDeclaredOnce(t *testing.T) {
	decls := testutil.CodeDecls(t)
	byValue := map[string][]string{}
	public := 0
	for _, d := range decls {
		if d.Built != "" {
			t.Errorf("%s: code %s is built (%s), not declared", d.Pos, d.Name, d.Built)
		}
		if d.Value == "" {
			continue
		}
		byValue[d.Value] = append(byValue[d.Value], d.Pos+" "+d.Name)
		switch d.Pkg {
		case "signer", "manifest", "apkverify":
			public++
			assert.Equal(t, "codes.go", filepath.Base(strings.SplitN(d.Pos, ":", 2)[0]), "%s: %s is a public code outside its package's codes.go", d.Pos, d.Name)
		}
	}
	for v, where := range byValue {
		assert.Len(t, where, 1, "code %s is declared more than once: %v", v, where)
	}
	// The three public packages declare the codes a user sees; the count
	// only guards against the scan silently finding nothing.
	assert.Greater(t, public, 250)
}

// codeAffix is a string literal that looks like a part of a code: a
// prefix such as "V2_SIG_" or a suffix such as "_SIG_MALFORMED".
var codeAffix = regexp.MustCompile(`^([A-Z][A-Z0-9]*_)+$|^(_[A-Z0-9]+)+$`)

// TestNoCodeBuiltAtRunTime: no code is put together by concatenation
// (v.sig+"MALFORMED_SIGNERS", "STAMP_"+name+"_SIG_MALFORMED") or by
// converting a computed string to a Code: every code a verification can
// report is a declared constant.
func TestNoCodeBuiltAtRunTime(t *testing.T) {
	fset, files := testutil.ModuleSources(t)
	for _, sf := range files {
		ast.Inspect(sf.File, func(n ast.Node) bool {
			switch e := n.(type) {
			case *ast.BinaryExpr:
				if e.Op != token.ADD {
					return true
				}
				for _, side := range []ast.Expr{e.X, e.Y} {
					if lit, ok := side.(*ast.BasicLit); ok && lit.Kind == token.STRING {
						if s, _ := strconv.Unquote(lit.Value); codeAffix.MatchString(s) {
							t.Errorf("%s: %q is concatenated into a code", fset.Position(lit.Pos()), s)
						}
					}
				}
			case *ast.KeyValueExpr:
				// Issue{Code: "X"}: a code written where it is used.
				if k, ok := e.Key.(*ast.Ident); ok && k.Name == "Code" {
					if lit, ok := e.Value.(*ast.BasicLit); ok {
						t.Errorf("%s: code %s written inline, not a declared constant", fset.Position(lit.Pos()), lit.Value)
					}
				}
			case *ast.CallExpr:
				// Code(x) or signer.Code(x) of anything but a literal.
				if len(e.Args) == 1 && testutil.IsCodeType(e.Fun) {
					if _, lit := e.Args[0].(*ast.BasicLit); !lit {
						t.Errorf("%s: a computed value converted to a Code", fset.Position(e.Pos()))
					}
				}
			}
			return true
		})
	}
}

// TestCodeIsAnError: a Code is an errors.Is target matching every
// *Error with that code, wrapped or not, and the Err sentinels keep
// matching.
func TestCodeIsAnError(t *testing.T) {
	e := &signer.Error{Code: signer.CodeCertMalformed, Msg: "bad"}
	wrapped := fmt.Errorf("reading: %w", e)
	assert.ErrorIs(t, wrapped, signer.CodeCertMalformed)
	assert.ErrorIs(t, wrapped, signer.CodeCertMalformed)
	assert.NotErrorIs(t, wrapped, signer.CodeCertPublicKey)
	assert.Equal(t, "CERT_MALFORMED", signer.CodeCertMalformed.Error())
	var se *signer.Error
	require.True(t, errors.As(wrapped, &se))
	assert.Equal(t, signer.CodeCertMalformed, se.Code)
}
