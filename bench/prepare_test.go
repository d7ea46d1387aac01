package bench

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apktrust/apktrust/internal/apkgen"
	"github.com/apktrust/apktrust/internal/apkzip"
)

// Environment variables that steer the benchmarks and compare.sh.
const (
	// envSizes lists the APK sizes to benchmark, e.g. "10M,100M,1G".
	// Unset means 10M only: big files are for deliberate runs, not CI.
	envSizes = "APKTRUST_BENCH_SIZES"
	// envDir is where generated and signed APKs are cached. Unset means
	// bench/out/, which .gitignore keeps out of commits.
	envDir = "APKTRUST_BENCH_DIR"
	// envPrepare makes TestPrepare generate and sign the files (compare.sh
	// sets it); plain `go test ./...` must not spend minutes on 1 GB files.
	envPrepare = "APKTRUST_BENCH_PREPARE"
)

// benchSize is one APK size under test. Label is what the benchmark names
// and tables show; Bytes is the target size of the generated file.
type benchSize struct {
	Label string
	Bytes int64
}

// parseSize reads "10M", "100M", "1G", "512K" (binary multiples) or a plain
// byte count.
func parseSize(s string) (benchSize, error) {
	s = strings.TrimSpace(s)
	mult := int64(1)
	num := s
	switch {
	case strings.HasSuffix(s, "K"):
		mult, num = 1<<10, strings.TrimSuffix(s, "K")
	case strings.HasSuffix(s, "M"):
		mult, num = 1<<20, strings.TrimSuffix(s, "M")
	case strings.HasSuffix(s, "G"):
		mult, num = 1<<30, strings.TrimSuffix(s, "G")
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n <= 0 {
		return benchSize{}, fmt.Errorf("bad size %q: want e.g. 10M, 100M, 1G", s)
	}
	// The generator needs room for its 2000 small entries and the fixed
	// ones; smaller files would not be the realistic shape we measure.
	if n*mult < apkgen.MinSize(smallEntries) {
		return benchSize{}, fmt.Errorf("size %q is below the generator's minimum of %d bytes", s, apkgen.MinSize(smallEntries))
	}
	return benchSize{Label: s, Bytes: n * mult}, nil
}

// benchSizes returns the sizes selected by APKTRUST_BENCH_SIZES, 10M by
// default.
func benchSizes(tb testing.TB) []benchSize {
	tb.Helper()
	v := os.Getenv(envSizes)
	if v == "" {
		v = "10M"
	}
	if testing.Short() && v != "10M" {
		// -short is the CI smoke mode: never minutes of big files.
		tb.Logf("-short: benchmarking 10M only, ignoring %s=%s", envSizes, v)
		v = "10M"
	}
	var out []benchSize
	for _, f := range strings.Split(v, ",") {
		if strings.TrimSpace(f) == "" {
			continue
		}
		s, err := parseSize(f)
		if err != nil {
			tb.Fatalf("%s: %v", envSizes, err)
		}
		out = append(out, s)
	}
	return out
}

// outDir returns the cache directory, creating it.
func outDir(tb testing.TB) string {
	tb.Helper()
	dir := os.Getenv(envDir)
	if dir == "" {
		dir = "out" // tests run in bench/, so this is bench/out/
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		tb.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		tb.Fatal(err)
	}
	return dir
}

// requireSigner skips when Android's tools are missing: the benchmark files
// must be signed by apksigner itself, or agreeing with it means nothing.
func requireSigner(tb testing.TB) {
	tb.Helper()
	for _, tool := range []string{"apksigner", "zipalign"} {
		if _, err := exec.LookPath(tool); err != nil {
			tb.Skipf("%s is not installed (apt-get install -y apksigner zipalign): "+
				"the benchmark APKs are signed with Android's own signer, so there is nothing to measure without it", tool)
		}
	}
}

// apkSet is one generated APK signed twice.
type apkSet struct {
	Size benchSize
	// V123 is signed with v1+v2+v3 for --min-sdk-version 21: verifying it
	// for minSdk 21 checks all three schemes, for minSdk 24 only v2+v3
	// (Android N and later skip JAR signatures when v2+ is present).
	V123 string
	// V2Only is signed with v2 alone for --min-sdk-version 24.
	V2Only string
}

var (
	prepareMu sync.Mutex
	prepared  = map[string]apkSet{}
)

// prepare returns the signed APKs of the given size, generating and signing
// them the first time and reusing the cached files afterwards. The file
// names carry the generator's identity, so a changed generator never reuses
// stale files.
func prepare(tb testing.TB, s benchSize) apkSet {
	tb.Helper()
	requireSigner(tb)
	prepareMu.Lock()
	defer prepareMu.Unlock()
	if set, ok := prepared[s.Label]; ok {
		return set
	}
	dir := outDir(tb)
	manifest := benchManifest(tb)
	id := generatorID(tb, manifest)
	base := filepath.Join(dir, fmt.Sprintf("%s-%s", id, s.Label))
	set := apkSet{Size: s, V123: base + "-v123.apk", V2Only: base + "-v2only.apk"}
	if exists(set.V123) && exists(set.V2Only) {
		prepared[s.Label] = set
		return set
	}
	removeStale(tb, dir, id, s.Label)

	key, cert := signingKey(tb, dir)
	// Intermediate files get unique names so that two test processes
	// preparing the same size never write into each other's files; only
	// complete, signed files are renamed into place.
	unsigned := tempName(tb, dir, "unsigned")
	aligned := tempName(tb, dir, "aligned")
	defer os.Remove(unsigned)
	defer os.Remove(aligned)

	start := time.Now()
	if err := generateUnsigned(unsigned, s.Bytes, manifest); err != nil {
		tb.Fatalf("generating %s APK: %v", s.Label, err)
	}
	tb.Logf("%s: generated in %v", s.Label, time.Since(start).Round(time.Millisecond))

	start = time.Now()
	// -p page-aligns uncompressed native libraries, as release builds do.
	run(tb, "zipalign", "-f", "-p", "4", unsigned, aligned)
	tb.Logf("%s: zipaligned in %v", s.Label, time.Since(start).Round(time.Millisecond))

	sign := func(final string, args ...string) {
		start := time.Now()
		tmp := tempName(tb, dir, "signed")
		defer os.Remove(tmp)
		all := append([]string{"sign", "--key", key, "--cert", cert, "--v4-signing-enabled", "false"}, args...)
		all = append(all, "--out", tmp, aligned)
		run(tb, "apksigner", all...)
		// CreateTemp made it private; the result is an ordinary input file.
		if err := os.Chmod(tmp, 0o644); err != nil {
			tb.Fatal(err)
		}
		if err := os.Rename(tmp, final); err != nil {
			tb.Fatal(err)
		}
		tb.Logf("%s: signed %s in %v", s.Label, filepath.Base(final), time.Since(start).Round(time.Millisecond))
	}
	sign(set.V123, "--v1-signing-enabled", "true", "--v2-signing-enabled", "true",
		"--v3-signing-enabled", "true", "--min-sdk-version", "21")
	sign(set.V2Only, "--v1-signing-enabled", "false", "--v2-signing-enabled", "true",
		"--v3-signing-enabled", "false", "--min-sdk-version", "24")
	prepared[s.Label] = set
	return set
}

func exists(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.Mode().IsRegular()
}

// tempName reserves a unique file name in dir.
func tempName(tb testing.TB, dir, what string) string {
	tb.Helper()
	f, err := os.CreateTemp(dir, ".tmp-"+what+"-*.apk")
	if err != nil {
		tb.Fatal(err)
	}
	name := f.Name()
	if err := f.Close(); err != nil {
		tb.Fatal(err)
	}
	return name
}

func run(tb testing.TB, name string, args ...string) {
	tb.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		tb.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
}

// signingKey returns a PKCS#8 DER key and PEM certificate for apksigner:
// an RSA-2048 key from testdata/keys/ when the repository has one (RSA-2048
// with SHA-256 is what almost every real app uses, and it makes the v2/v3
// content digest SHA-256, the floor we compare against), otherwise a key
// made once with openssl in the cache directory.
func signingKey(tb testing.TB, dir string) (key, cert string) {
	tb.Helper()
	if key, cert, ok := repoKey(filepath.Join("..", "testdata", "keys")); ok {
		return key, cert
	}
	key = filepath.Join(dir, "bench-rsa-2048.pk8")
	cert = filepath.Join(dir, "bench-rsa-2048.x509.pem")
	if exists(key) && exists(cert) {
		return key, cert
	}
	if _, err := exec.LookPath("openssl"); err != nil {
		tb.Skip("no RSA-2048 key under testdata/keys/ and no openssl to make one")
	}
	pem := tempName(tb, dir, "key")
	defer os.Remove(pem)
	keyTmp, certTmp := tempName(tb, dir, "pk8"), tempName(tb, dir, "cert")
	run(tb, "openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", pem)
	run(tb, "openssl", "pkcs8", "-topk8", "-nocrypt", "-outform", "DER", "-in", pem, "-out", keyTmp)
	run(tb, "openssl", "req", "-new", "-x509", "-sha256", "-days", "10000", "-key", pem,
		"-subj", "/CN=apktrust benchmark", "-out", certTmp)
	if err := os.Rename(keyTmp, key); err != nil {
		tb.Fatal(err)
	}
	if err := os.Rename(certTmp, cert); err != nil {
		tb.Fatal(err)
	}
	return key, cert
}

// repoKey picks an RSA-2048 key from testdata/keys/, using keys.json when it
// is there to know each key's algorithm.
func repoKey(dir string) (key, cert string, ok bool) {
	type keyInfo struct {
		Name      string `json:"name"`
		Pk8       string `json:"pk8"`
		Cert      string `json:"cert"`
		Algorithm string `json:"algorithm"`
		Bits      int    `json:"bits"`
	}
	var infos []keyInfo
	if b, err := os.ReadFile(filepath.Join(dir, "keys.json")); err == nil {
		if json.Unmarshal(b, &infos) != nil {
			var wrapped struct{ Keys []keyInfo }
			if json.Unmarshal(b, &wrapped) == nil {
				infos = wrapped.Keys
			}
		}
	}
	for _, k := range infos {
		if strings.EqualFold(k.Algorithm, "RSA") && k.Bits == 2048 {
			key, cert = resolveKeyPath(dir, k.Pk8, k.Name+".pk8"), resolveKeyPath(dir, k.Cert, k.Name+".x509.pem")
			if exists(key) && exists(cert) {
				return key, cert, true
			}
		}
	}
	// Without an index, go by the conventional file names.
	certs, _ := filepath.Glob(filepath.Join(dir, "*rsa*2048*.x509.pem"))
	for _, c := range certs {
		k := strings.TrimSuffix(c, ".x509.pem") + ".pk8"
		if exists(k) {
			return k, c, true
		}
	}
	return "", "", false
}

func resolveKeyPath(dir, p, fallback string) string {
	if p == "" {
		p = fallback
	}
	if filepath.IsAbs(p) {
		return p
	}
	// keys.json may name files relative to the keys directory or to
	// testdata/; try both.
	if exists(filepath.Join(dir, p)) {
		return filepath.Join(dir, p)
	}
	return filepath.Join(dir, "..", p)
}

// TestPrepare generates and signs the files for every selected size and
// prints where they are, one tab-separated line per file, for compare.sh:
//
//	BENCHFILE <label> <bytes> <kind> <path>
//
// It only runs when APKTRUST_BENCH_PREPARE=1, because a 1 GB file takes
// minutes to make.
func TestPrepare(t *testing.T) {
	if os.Getenv(envPrepare) != "1" {
		t.Skipf("set %s=1 to generate the benchmark APKs (compare.sh does)", envPrepare)
	}
	for _, s := range benchSizes(t) {
		set := prepare(t, s)
		for _, f := range []struct{ kind, path string }{{"v123", set.V123}, {"v2only", set.V2Only}} {
			st, err := os.Stat(f.path)
			if err != nil {
				t.Fatal(err)
			}
			fmt.Printf("BENCHFILE\t%s\t%d\t%s\t%s\n", s.Label, st.Size(), f.kind, f.path)
		}
	}
	if path, minSdk, ok := smallFixture(t); ok {
		st, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Printf("BENCHFILE\tfixture\t%d\tfixture:%d\t%s\n", st.Size(), minSdk, path)
	}
}

// smallFixture finds the normal small app among the committed fixtures (the
// ~45 KB one the whole-process target is about) through
// testdata/fixtures.json: a valid, untampered APK that apksigner verifies,
// preferring one described as normal and then the size closest to 45 KB.
func smallFixture(tb testing.TB) (path string, minSdk int, ok bool) {
	tb.Helper()
	testdata := filepath.Join("..", "testdata")
	b, err := os.ReadFile(filepath.Join(testdata, "fixtures.json"))
	if err != nil {
		return "", 0, false
	}
	var list []struct {
		File        string `json:"file"`
		Kind        string `json:"kind"`
		Description string `json:"description"`
		Tamper      string `json:"tamper"`
		MinSdk      int    `json:"minSdk"`
		Size        int64  `json:"size"`
		Apksigner   *struct {
			Verifies bool `json:"verifies"`
		} `json:"apksigner"`
	}
	if err := json.Unmarshal(b, &list); err != nil {
		tb.Fatalf("testdata/fixtures.json: %v", err)
	}
	const want = 45 << 10
	score := func(i int) (normal bool, dist int64) {
		f := list[i]
		normal = strings.Contains(strings.ToLower(f.Kind+" "+f.File+" "+f.Description), "normal")
		dist = f.Size - want
		if dist < 0 {
			dist = -dist
		}
		return normal, dist
	}
	best := -1
	for i, f := range list {
		if f.Tamper != "" || f.Apksigner == nil || !f.Apksigner.Verifies ||
			!strings.HasSuffix(f.File, ".apk") || f.Size > 1<<20 {
			continue
		}
		if best < 0 {
			best = i
			continue
		}
		n, d := score(i)
		bn, bd := score(best)
		if (n && !bn) || (n == bn && d < bd) {
			best = i
		}
	}
	if best < 0 {
		return "", 0, false
	}
	path, err = filepath.Abs(filepath.Join(testdata, list[best].File))
	if err != nil || !exists(path) {
		return "", 0, false
	}
	return path, list[best].MinSdk, true
}

// smallEntries is how many small resource entries the generated APKs have,
// as in a typical mid-sized app.
const smallEntries = 2000

// generateUnsigned writes an unsigned APK of exactly size bytes with
// internal/apkgen: the given AndroidManifest.xml, 2000 small resource
// entries (mostly deflated text, some stored), a deflated classes.dex,
// stored native libraries and large deflated assets, random and
// compressible. Seed 1 always, so every run measures the same bytes.
func generateUnsigned(path string, size int64, manifest []byte) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	opts := apkgen.Options{Size: size, Seed: 1, SmallEntries: smallEntries, Manifest: manifest}
	if err := apkgen.Write(f, opts); err != nil {
		return err
	}
	return f.Close()
}

// benchManifest is the binary AndroidManifest.xml of the normal fixture
// (minSdk 21, built by aapt), so the generated APKs carry a real manifest
// whose minSdk matches the v1+v2+v3 signing. Without fixtures it falls
// back to apkgen's minimal manifest.
func benchManifest(tb testing.TB) []byte {
	tb.Helper()
	path, _, ok := smallFixture(tb)
	if !ok {
		return apkgen.MinimalManifest()
	}
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		tb.Fatal(err)
	}
	a, err := apkzip.Open(f, st.Size())
	if err != nil {
		tb.Fatalf("%s: %v", path, err)
	}
	e := a.Lookup("AndroidManifest.xml")
	if e == nil {
		tb.Fatalf("%s has no AndroidManifest.xml", path)
	}
	m, err := e.ReadAll(1 << 20)
	if err != nil {
		tb.Fatalf("%s: %v", path, err)
	}
	return m
}

// generatorID names the generator's output in cache file names: a hash of
// internal/apkgen's source and of the manifest, so that a change to either
// never reuses stale files (apkgen's output is a deterministic function of
// its code and options, and the options here are fixed).
func generatorID(tb testing.TB, manifest []byte) string {
	tb.Helper()
	// Tests run in the package directory, so this is internal/apkgen.
	srcs, err := filepath.Glob(filepath.Join("..", "internal", "apkgen", "*.go"))
	if err != nil || len(srcs) == 0 {
		tb.Fatalf("cannot find internal/apkgen's source: %v", err)
	}
	h := sha256.New()
	fmt.Fprintf(h, "seed=1 small=%d\n", smallEntries)
	h.Write(manifest)
	for _, src := range srcs { // Glob sorts, so the hash is stable
		if strings.HasSuffix(src, "_test.go") {
			continue
		}
		b, err := os.ReadFile(src)
		if err != nil {
			tb.Fatal(err)
		}
		h.Write(b)
	}
	return "apkgen-" + hex.EncodeToString(h.Sum(nil))[:10]
}

// removeStale deletes this size's files from other generator versions, so
// that bench/out does not fill up with outdated gigabyte files.
func removeStale(tb testing.TB, dir, id, label string) {
	tb.Helper()
	for _, kind := range []string{"v123", "v2only"} {
		old, _ := filepath.Glob(filepath.Join(dir, fmt.Sprintf("apkgen-*-%s-%s.apk", label, kind)))
		for _, o := range old {
			if filepath.Base(o) != fmt.Sprintf("%s-%s-%s.apk", id, label, kind) {
				tb.Logf("removing stale %s", filepath.Base(o))
				_ = os.Remove(o)
			}
		}
	}
}
