package apkzip

import (
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/apktrust/apktrust/internal/conformance"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func openFile(t testing.TB, path string) (*Archive, error) {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	t.Cleanup(func() { f.Close() })
	st, err := f.Stat()
	require.NoError(t, err)
	return Open(f, st.Size())
}

// drainEntries streams every entry, returning the first error.
func drainEntries(a *Archive) error {
	buf := make([]byte, 32<<10)
	for _, e := range a.Entries() {
		rc, err := e.Open()
		if err != nil {
			return err
		}
		_, err = io.CopyBuffer(io.Discard, rc, buf)
		rc.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

// corpusExtraMalformed are corpus APKs that no verifier case names but that
// the container reader refuses, with the reason.
var corpusExtraMalformed = map[string]Code{
	// Its central directory runs 2 bytes into the EOCD; apksig's
	// findZipSections refuses it ("ZIP Central Directory overlaps with End
	// of Central Directory"), and so does libziparchive.
	"v1v2v3-with-rsa-2048-lineage-3-signers-invalid-zip.apk": CodeCDOutOfRange,
	// NUL in an entry name: libziparchive (the installer) refuses it;
	// apksig has no verifier test for it, so refusing is our choice.
	"v1-only-with-nul-in-entry-name.apk": CodeInvalidName,
}

// TestConformanceApksigCorpus opens every APK of the apksig corpus and
// checks that the container reader agrees with apksig on which files are
// malformed ZIPs, which signing blocks are ignored, and that every entry of
// every verifying APK streams with its size and CRC intact.
func TestConformanceApksigCorpus(t *testing.T) {
	dir, cases := conformance.Cases(t)
	type expectation struct {
		notZip, noManifest, blockIgnored, verified bool
	}
	want := map[string]*expectation{}
	for _, c := range cases {
		x := want[c.APK]
		if x == nil {
			x = &expectation{}
			want[c.APK] = x
		}
		oracleErr := ""
		if c.Apksigner13 != nil && c.Apksigner13.FirstError != nil {
			oracleErr = *c.Apksigner13.FirstError
		}
		switch {
		case c.Expect == "error" && strings.Contains(oracleErr, "not a ZIP archive"):
			x.notZip = true
		case c.Expect == "error" && strings.Contains(oracleErr, "Missing AndroidManifest.xml"):
			x.noManifest = true
		case c.Expect == "error":
			t.Errorf("%s: unclassified ApkFormatException %q", c.ID, oracleErr)
		case c.Expect == "verified":
			x.verified = true
		}
		// apksig's tests for signing blocks it cannot use: the file falls
		// back to its (absent) JAR signature.
		if (strings.HasPrefix(c.Test, "testNoApkSignatureSchemeBlockRejected") ||
			strings.HasPrefix(c.Test, "testNoV3ApkSignatureSchemeBlockRejected")) &&
			slices.Equal(c.Issues, []string{"JAR_SIG_NO_MANIFEST"}) {
			x.blockIgnored = true
		}
	}

	apks, err := filepath.Glob(filepath.Join(dir, "*.apk"))
	require.NoError(t, err)
	var opened, malformedAsExpected, formatErrorCases, blockIgnored int
	for _, path := range apks {
		name := filepath.Base(path)
		t.Run(name, func(t *testing.T) {
			a, err := openFile(t, path)
			x := want[name]
			switch {
			case x != nil && x.notZip:
				requireFormatError(t, err, CodeCDOutOfRange, "")
				malformedAsExpected++
				formatErrorCases++
				return
			case x == nil && corpusExtraMalformed[name] != "":
				requireFormatError(t, err, corpusExtraMalformed[name], "")
				malformedAsExpected++
				return
			}
			require.NoError(t, err)
			opened++
			if x == nil {
				return // no verifier case: opening is all that is known
			}
			if x.noManifest {
				assert.Nil(t, a.Lookup("AndroidManifest.xml"))
				malformedAsExpected++
				formatErrorCases++
			}
			if x.blockIgnored {
				assert.Nil(t, a.SigningBlock(), "apksig ignores this signing block")
				// A corrupted magic simply means no block; inconsistent
				// sizes or misplaced directories are reported.
				for _, f := range a.Findings {
					assert.Contains(t, []Code{CodeSigBlockMalformed, CodeCDNotBeforeEOCD}, f.Code)
				}
				blockIgnored++
			}
			if x.verified {
				_, err := a.CheckLocalHeaders()
				require.NoError(t, err)
				require.NoError(t, drainEntries(a))
				assert.NotNil(t, a.Lookup("AndroidManifest.xml"))
			}
		})
	}
	assert.Equal(t, 5, formatErrorCases, "the five ApkFormatException APKs")
	assert.Equal(t, 5, blockIgnored, "the five APKs whose signing block apksig cannot use")
	t.Logf("apksig corpus: %d APKs, %d opened, %d malformed as expected (%d ApkFormatException cases, %d other), %d signing blocks ignored as apksig does",
		len(apks), opened, malformedAsExpected, formatErrorCases, malformedAsExpected-formatErrorCases, blockIgnored)
}

// parseSigBlockIDs reads index.tsv's sig_block_ids column, e.g.
// "0x7109871a(v2,1379B) 0x42726577(verity-padding,733B)".
func parseSigBlockIDs(t *testing.T, col string) (ids []uint32, sizes []int64) {
	if col == "no-sig-block" || col == "" {
		return nil, nil
	}
	for _, f := range strings.Fields(col) {
		open := strings.IndexByte(f, '(')
		comma := strings.LastIndexByte(f, ',')
		require.True(t, open > 0 && comma > open && strings.HasSuffix(f, "B)"), f)
		id, err := strconv.ParseUint(f[2:open], 16, 32)
		require.NoError(t, err, f)
		size, err := strconv.ParseInt(f[comma+1:len(f)-2], 10, 64)
		require.NoError(t, err, f)
		ids = append(ids, uint32(id))
		sizes = append(sizes, size)
	}
	return ids, sizes
}

// TestConformanceRealWorld opens the real-world APKs and checks the signing
// block's pairs against the index (recorded with other tools), and that
// every entry streams intact.
func TestConformanceRealWorld(t *testing.T) {
	dir, apps := conformance.RealWorld(t)
	for _, app := range apps {
		name := app["file"]
		t.Run(name, func(t *testing.T) {
			a, err := openFile(t, filepath.Join(dir, name))
			require.NoError(t, err)
			assert.Empty(t, a.Findings)
			_, err = a.CheckLocalHeaders()
			require.NoError(t, err)
			require.NoError(t, drainEntries(a))

			wantIDs, wantSizes := parseSigBlockIDs(t, app["sig_block_ids"])
			var ids []uint32
			var sizes []int64
			if b := a.SigningBlock(); b != nil {
				assert.Nil(t, b.PairsErr)
				for _, p := range b.Pairs {
					ids = append(ids, p.ID)
					sizes = append(sizes, p.ValueSize)
				}
			}
			assert.Equal(t, wantIDs, ids)
			assert.Equal(t, wantSizes, sizes)
		})
	}
}

// fixtureDir is the project's fixture folder (testdata/apk). (This package
// cannot use internal/testutil, which imports it.)
func fixtureDir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "testdata", "apk")
}

// fixtureVerdict is the part of testdata/fixtures.json this test reads.
type fixtureVerdict struct {
	File      string `json:"file"`
	Tamper    string `json:"tamper"`
	Apksigner struct {
		Verifies bool     `json:"verifies"`
		Errors   []string `json:"errors"`
	} `json:"apksigner"`
}

// fixtureDivergences are fixtures on which the container reader knowingly
// disagrees with apksigner, and why.
var fixtureDivergences = map[string]string{
	// A DEX file prepended to a v1-only APK (the Janus attack,
	// CVE-2017-13156). apksigner verifies it: the JAR signature covers
	// the entries, not the file. Android's installer refuses it since the
	// 2017 fix (libziparchive insists on a local header at offset 0), and
	// the issue asks us to refuse it.
	"tamper-janus-prepend-v1only.apk": "refused like the installer; apksigner verifies it",
}

// TestConformanceFixtures opens the project's fixtures and compares with
// the apksigner verdicts recorded in testdata/fixtures.json: every APK the
// container reader refuses, apksigner refuses too (but for the documented
// divergences), and the tampered shapes fail at Open or on read where
// apksig reports them.
func TestConformanceFixtures(t *testing.T) {
	dir := fixtureDir()
	require.DirExists(t, dir, "committed fixtures")
	openErr := map[string]Code{
		"tamper-duplicate-entry.apk":      CodeDuplicateEntry,
		"tamper-janus-prepend.apk":        CodeDataBeforeFirst,
		"tamper-janus-prepend-v1only.apk": CodeDataBeforeFirst,
	}
	readErr := map[string]Code{
		"tamper-local-name-mismatch.apk": CodeLocalHeaderMismatch,
		"tamper-deflated-entry.apk":      CodeCRCMismatch,
		"tamper-stored-entry.apk":        CodeCRCMismatch,
	}
	verdicts := map[string]fixtureVerdict{}
	if b, err := os.ReadFile(filepath.Join(dir, "..", "fixtures.json")); err == nil {
		var list []fixtureVerdict
		require.NoError(t, json.Unmarshal(b, &list))
		for _, v := range list {
			verdicts[filepath.Base(v.File)] = v
		}
	}
	apks, err := filepath.Glob(filepath.Join(dir, "*.apk"))
	require.NoError(t, err)
	require.NotEmpty(t, apks)
	var agree, refused int
	for _, path := range apks {
		name := filepath.Base(path)
		t.Run(name, func(t *testing.T) {
			v, haveVerdict := verdicts[name]
			a, err := openFile(t, path)
			if err == nil {
				err = drainEntries(a)
			}
			if want := openErr[name]; want != "" {
				require.Nil(t, a)
				requireFormatError(t, err, want, "")
			} else if want := readErr[name]; want != "" {
				require.NotNil(t, a)
				requireFormatError(t, err, want, "")
			} else {
				require.NoError(t, err)
			}
			if err != nil {
				refused++
			}
			if !haveVerdict {
				return
			}
			if why, ok := fixtureDivergences[name]; ok {
				t.Logf("%s: known divergence: %s", name, why)
				assert.True(t, v.Apksigner.Verifies && err != nil)
				return
			}
			if err != nil {
				assert.False(t, v.Apksigner.Verifies, "refused here, but apksigner verifies it")
			}
			agree++
		})
	}
	// Every tampered fixture present has an expectation above.
	for _, path := range apks {
		name := filepath.Base(path)
		if v := verdicts[name]; strings.HasPrefix(name, "tamper-") && !v.Apksigner.Verifies {
			_, atOpen := openErr[name]
			_, onRead := readErr[name]
			if !atOpen && !onRead {
				t.Logf("%s: container intact; apksigner: %v", name, v.Apksigner.Errors)
			}
		}
	}
	t.Logf("fixtures: %d APKs, %d refused by the container reader, %d agree with apksigner's verdict, %d known divergences",
		len(apks), refused, agree, len(fixtureDivergences))
}
