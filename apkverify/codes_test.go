package apkverify_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apktrust/apktrust/apkverify"
	"github.com/apktrust/apktrust/internal/conformance"
	"github.com/apktrust/apktrust/internal/testutil"
	"github.com/apktrust/apktrust/signer"
)

// jsonCodes adds every "code" value of v's JSON to seen.
func jsonCodes(t *testing.T, v any, seen map[string]string, where string) {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	var tree any
	require.NoError(t, json.Unmarshal(b, &tree))
	var walk func(any)
	walk = func(n any) {
		switch n := n.(type) {
		case map[string]any:
			for k, v := range n {
				if s, ok := v.(string); ok && k == "code" {
					seen[s] = where
				}
				walk(v)
			}
		case []any:
			for _, v := range n {
				walk(v)
			}
		}
	}
	walk(tree)
}

// refusalCode adds the code of a refused input.
func refusalCode(err error, seen map[string]string, where string) {
	var e *signer.Error
	if errors.As(err, &e) {
		seen[string(e.Code)] = where
	}
}

// TestProducedCodesAreDeclared: every code a verification reports, in its
// JSON (scheme issues, stamp, frosting, v4, policy violations, set
// issues) or as a refusal, is one of the constants of signer, manifest or
// apkverify, over the committed fixtures and, when present, the apksig
// corpus of the conformance replay.
func TestProducedCodesAreDeclared(t *testing.T) {
	declared := testutil.PublicCodes(t)
	ctx := context.Background()
	seen := map[string]string{}
	policy := &apkverify.Policy{TrustedCertSHA256: []string{strings.Repeat("0", 64)}, Package: "com.example.other", MinVersionCode: 1 << 40,
		RequireSchemes: []signer.Scheme{signer.SchemeV4}, RequireFrosting: true}
	verifyAll := func(paths []string) {
		for _, p := range paths {
			for _, opts := range []apkverify.Options{{}, {MinSDK: 1, Policy: policy}} {
				res, err := apkverify.VerifyFile(ctx, p, opts)
				refusalCode(err, seen, p)
				if res != nil {
					jsonCodes(t, res, seen, p)
				}
			}
		}
	}
	apks, err := filepath.Glob(filepath.Join(testutil.Testdata(t, "apk"), "*.apk"))
	require.NoError(t, err)
	require.NotEmpty(t, apks)
	verifyAll(apks)
	sets, err := filepath.Glob(filepath.Join(testutil.Testdata(t, "sets"), "*"))
	require.NoError(t, err)
	require.NotEmpty(t, sets)
	for _, p := range sets {
		if fi, err := os.Stat(p); err != nil || fi.IsDir() {
			continue
		}
		sr, err := apkverify.VerifySetFiles(ctx, []string{p, apks[0]}, apkverify.Options{})
		refusalCode(err, seen, p)
		if sr != nil {
			jsonCodes(t, sr, seen, p)
		}
	}
	fixtureCodes := len(seen)
	if dir, cases := conformance.Cases(t); len(cases) > 0 {
		done := map[string]bool{}
		var corpus []string
		for _, c := range cases {
			if p := filepath.Join(dir, c.APK); !done[p] {
				done[p] = true
				corpus = append(corpus, p)
			}
		}
		verifyAll(corpus)
	}
	var undeclared []string
	for c, where := range seen {
		if _, ok := declared[c]; !ok {
			undeclared = append(undeclared, c+" (from "+where+")")
		}
	}
	sort.Strings(undeclared)
	assert.Empty(t, undeclared, "codes reported that no public constant declares")
	t.Logf("%d distinct codes reported (%d from the committed fixtures), all declared; %d declared in all", len(seen), fixtureCodes, len(declared))
}
