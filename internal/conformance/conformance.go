// Package conformance loads the reference material that tests compare the
// library against: AOSP apksig's verifier test corpus (cases.json with the
// APKs, keys and lineages it names) and the real-world APK set, both kept
// outside the repository in ../shared. Tests skip with a clear message
// when the material is absent.
package conformance

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// EnvDir overrides where the apksig corpus is looked for.
const EnvDir = "APKTRUST_CONFORMANCE_DIR"

// repoRoot is the module root, found from this file's location so tests in
// any package resolve ../shared the same way.
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

// Dir returns the apksig corpus folder, or skips the test when it is
// absent.
func Dir(t testing.TB) string {
	t.Helper()
	dir := os.Getenv(EnvDir)
	if dir == "" {
		dir = filepath.Join(sharedDir(), "conformance", "apksig")
	}
	if _, err := os.Stat(filepath.Join(dir, "cases.json")); err != nil {
		t.Skipf("apksig conformance corpus not found at %s (set %s): %v", dir, EnvDir, err)
	}
	return dir
}

// Oracle is what one apksigner build answered for a case.
type Oracle struct {
	Verifies            bool     `json:"verifies"`
	Schemes             []string `json:"schemes"`
	SignerCertSha256    []string `json:"signerCertSha256"`
	FirstError          *string  `json:"firstError"`
	FirstWarning        *string  `json:"firstWarning"`
	SourceStampVerified bool     `json:"sourceStampVerified"`
}

// APIReplay is the case replayed through the apksig 13 library API.
type APIReplay struct {
	Pass     bool     `json:"pass"`
	Verified bool     `json:"verified"`
	Errors   []string `json:"errors"`
	Warnings []string `json:"warnings"`
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
	SourceStamp  map[string]any `json:"sourceStamp"`
	Precondition *string        `json:"precondition"`
	Caveat       *string        `json:"caveat"`
	Note         string         `json:"note"`
	Apksigner13  *Oracle        `json:"apksigner13"`
	Apksigner31  *Oracle        `json:"apksigner31"`
	Apksig13API  *APIReplay     `json:"apksig13Api"`
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

// RealWorldDir returns the real-world APK folder, or skips the test.
func RealWorldDir(t testing.TB) string {
	t.Helper()
	dir := filepath.Join(sharedDir(), "realworld")
	if _, err := os.Stat(filepath.Join(dir, "index.tsv")); err != nil {
		t.Skipf("real-world APK corpus not found at %s: %v", dir, err)
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
