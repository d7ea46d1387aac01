// Package conformance loads the reference material that tests compare the
// library against: AOSP apksig's verifier test corpus (cases.json with the
// APKs, keys and lineages it names), vendored under testdata/apksig, and
// the real-world APK set, which stays outside the repository (third-party
// apps are not ours to redistribute). Tests skip with a clear message when
// material outside the repository is absent, and Main sums the skips up in
// one line per package.
package conformance

import (
	"bufio"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
)

// EnvDir names another copy of the apksig corpus to replay instead of the
// vendored one (testdata/apksig), for example a newer apksig's.
const EnvDir = "APKTRUST_CONFORMANCE_DIR"

// EnvRealWorldDir overrides where the real-world APK set is looked for
// (default ../shared/realworld beside the checkout).
const EnvRealWorldDir = "APKTRUST_REALWORLD_DIR"

// repoRoot is the module root, found from this file's location so tests in
// any package resolve testdata and ../shared the same way.
func repoRoot() string {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return "."
	}
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// EnvShared overrides the ../shared folder (for worktrees that sit one
// level deeper than the checkout).
const EnvShared = "APKTRUST_SHARED_DIR"

// sharedDir is the ../shared folder beside the checkout.
func sharedDir() string {
	if d := os.Getenv(EnvShared); d != "" {
		return d
	}
	return filepath.Join(repoRoot(), "..", "shared")
}

// VendoredDir is the copy of the apksig corpus in the repository.
func VendoredDir() string { return filepath.Join(repoRoot(), "testdata", "apksig") }

// Dir returns the apksig corpus folder: $APKTRUST_CONFORMANCE_DIR when it
// is set (to replay another copy of the corpus), otherwise the copy
// committed under testdata/apksig. Either one missing fails the test: the
// vendored corpus is a committed fixture, and a folder named on purpose
// that holds no corpus is a mistake worth hearing about, not a skip.
func Dir(t testing.TB) string {
	t.Helper()
	dir, why := VendoredDir(), "the vendored copy is part of the repository"
	if d := os.Getenv(EnvDir); d != "" {
		dir, why = d, "named by $"+EnvDir
	}
	if _, err := os.Stat(filepath.Join(dir, "cases.json")); err != nil {
		t.Fatalf("apksig conformance corpus missing from %s (%s): %v", dir, why, err)
	}
	return dir
}

// The external input tests may skip for (the apksig corpus is vendored,
// so only the real-world set can be absent), with the variable that names
// where it is.
const inputRealWorld = "real-world set"

var inputEnv = map[string]string{inputRealWorld: EnvRealWorldDir}

// skips counts, per absent external input, the tests that skipped for it.
var skips = struct {
	sync.Mutex
	n map[string]int
}{n: map[string]int{}}

func skip(t testing.TB, input, msg string) {
	t.Helper()
	skips.Lock()
	skips.n[input]++
	skips.Unlock()
	t.Skip(msg)
}

// Main runs the tests and prints one line saying which external inputs
// were absent and how many tests skipped for each, so a run that did not
// compare against the references says so. Use it from TestMain:
//
//	func TestMain(m *testing.M) { os.Exit(conformance.Main(m)) }
//
// go test shows a passing package's output only with -v, so without -v
// the line also goes to the terminal (/dev/tty) when there is one.
func Main(m *testing.M) int {
	code := m.Run()
	line := Summary()
	if line == "" {
		return code
	}
	if !testing.Verbose() {
		if tty, err := os.OpenFile("/dev/tty", os.O_WRONLY, 0); err == nil {
			fmt.Fprintln(tty, line)
			tty.Close()
			return code
		}
	}
	fmt.Println(line)
	return code
}

// Summary is the line Main prints: empty when no test skipped for want of
// an external input.
func Summary() string {
	skips.Lock()
	defer skips.Unlock()
	if len(skips.n) == 0 {
		return ""
	}
	var parts []string
	for _, input := range slices.Sorted(maps.Keys(skips.n)) {
		n, plural := skips.n[input], "s"
		if n == 1 {
			plural = ""
		}
		parts = append(parts, fmt.Sprintf("%s (set %s): %d test%s skipped", input, inputEnv[input], n, plural))
	}
	pkg := "tests"
	if exe, err := os.Executable(); err == nil {
		pkg = strings.TrimSuffix(filepath.Base(exe), ".test")
	}
	return fmt.Sprintf("%s: external inputs absent: %s", pkg, strings.Join(parts, "; "))
}

// Oracle is what one apksigner build answered for a case.
type Oracle struct {
	Verifies            bool     `json:"verifies"`
	Schemes             []string `json:"schemes"`
	SignerCertSha256    []string `json:"signerCertSha256"`
	FirstError          *string  `json:"firstError"`
	FirstWarning        *string  `json:"firstWarning"`
	SourceStampVerified *bool    `json:"sourceStampVerified"` // null: not reported
}

// APIReplay is the case replayed through the apksig 13 library API.
type APIReplay struct {
	Pass     bool     `json:"pass"`
	Verified bool     `json:"verified"`
	Errors   []string `json:"errors"`
	Warnings []string `json:"warnings"`
	// Exception and Message are the Java exception the replay threw, if
	// any; Problems are the asserted fields that did not hold.
	Exception string   `json:"exception,omitempty"`
	Message   string   `json:"message,omitempty"`
	Problems  []string `json:"problems,omitempty"`
}

// Case is one assertion of apksig's own tests (see cases-summary.txt in
// the corpus for every field).
type Case struct {
	ID                       string              `json:"id"`
	Class                    string              `json:"class"`
	Test                     string              `json:"test"`
	API                      string              `json:"api"`
	APK                      string              `json:"apk"`
	IDSig                    *string             `json:"idsig"`
	MinSDK                   *int                `json:"minSdk"`
	MaxSDK                   *int                `json:"maxSdk"`
	StampCertDigest          *string             `json:"stampCertDigest"`
	Expect                   string              `json:"expect"` // verified, failed, error, unasserted
	Issues                   []string            `json:"issues"`
	IssueSeverity            *string             `json:"issueSeverity"`
	Schemes                  []string            `json:"schemes"`
	SignerCertSha256         []string            `json:"signerCertSha256"`
	SignerCertMatch          *string             `json:"signerCertMatch"`
	SignerCertSha256ByScheme map[string][]string `json:"signerCertSha256ByScheme"`
	SigningLineageCertSha256 []string            `json:"signingLineageCertSha256"`
	V31RotationMinSdk        *struct {
		CertSha256 string `json:"certSha256"`
		MinSdk     int    `json:"minSdk"`
	} `json:"v31RotationMinSdk"`
	SourceStamp map[string]any `json:"sourceStamp"`
	// Precondition is set when apksig's test runs only under a condition
	// of the Java environment (a JCA provider, Conscrypt). The vendored
	// corpus keeps a short token for it; ../shared has the sentence.
	Precondition *string `json:"precondition"`
	// Error is the exception class of an "error" expectation.
	Error *string `json:"error,omitempty"`
	// Caveat and Note are prose of the ../shared corpus only; the vendored
	// cases.json under testdata keeps the facts and leaves them out.
	Caveat                       *string    `json:"caveat,omitempty"`
	Note                         string     `json:"note,omitempty"`
	Apksigner13                  *Oracle    `json:"apksigner13"`
	Apksigner31                  *Oracle    `json:"apksigner31"`
	Apksigner13VerifySourceStamp *Oracle    `json:"apksigner13VerifySourceStamp,omitempty"`
	Apksigner31VerifySourceStamp *Oracle    `json:"apksigner31VerifySourceStamp,omitempty"`
	Apksig13API                  *APIReplay `json:"apksig13Api"`
}

// Cases loads every case of the corpus, or skips the test when it is
// absent.
func Cases(t testing.TB) (dir string, cases []Case) {
	t.Helper()
	dir = Dir(t)
	b, err := os.ReadFile(filepath.Join(dir, "cases.json"))
	if err != nil {
		t.Fatalf("reading cases.json: %v", err)
	}
	if err := json.Unmarshal(b, &cases); err != nil {
		t.Fatalf("parsing cases.json: %v", err)
	}
	return dir, cases
}

// RealWorldDir returns the real-world APK folder ($APKTRUST_REALWORLD_DIR,
// else ../shared/realworld), or skips the test.
func RealWorldDir(t testing.TB) string {
	t.Helper()
	dir := os.Getenv(EnvRealWorldDir)
	if dir == "" {
		dir = filepath.Join(sharedDir(), "realworld")
	}
	if _, err := os.Stat(filepath.Join(dir, "index.tsv")); err != nil {
		skip(t, inputRealWorld, fmt.Sprintf("real-world APK corpus not found at %s (set %s): %v", dir, EnvRealWorldDir, err))
	}
	return dir
}

// RealWorldApp is one row of the real-world corpus index (index.tsv); the
// columns are described in that folder's README.
type RealWorldApp map[string]string

// RealWorld loads the real-world corpus index, or skips the test.
func RealWorld(t testing.TB) (dir string, apps []RealWorldApp) {
	t.Helper()
	dir = RealWorldDir(t)
	f, err := os.Open(filepath.Join(dir, "index.tsv"))
	if err != nil {
		t.Fatalf("reading index.tsv: %v", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	var header []string
	for sc.Scan() {
		cols := strings.Split(sc.Text(), "\t")
		if header == nil {
			header = cols
			continue
		}
		row := RealWorldApp{}
		for i, h := range header {
			if i < len(cols) {
				row[h] = cols[i]
			}
		}
		apps = append(apps, row)
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("reading index.tsv: %v", err)
	}
	return dir, apps
}
