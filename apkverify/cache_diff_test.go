package apkverify

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apktrust/apktrust/internal/apkzip"
	"github.com/apktrust/apktrust/internal/certparse"
	"github.com/apktrust/apktrust/internal/conformance"
	"github.com/apktrust/apktrust/internal/sigalg"
)

// cacheDiffRanges are the API ranges every file is verified for: the
// file's own, and ranges where only v1, only v2, and only v3 decide.
var cacheDiffRanges = []struct{ min, max int }{{0, 0}, {24, 27}, {18, 23}, {28, 35}}[:cacheDiffRangeCount]

// cacheDiffFiles lists every committed APK: the project's fixtures and the
// vendored apksig corpus (valid, broken and hostile files of every scheme,
// stamps and lineages included).
func cacheDiffFiles(t *testing.T) []string {
	var files []string
	for _, dir := range []string{filepath.Join("..", "testdata", "apk"), conformance.Dir(t)} {
		m, err := filepath.Glob(filepath.Join(dir, "*.apk"))
		require.NoError(t, err)
		require.NotEmpty(t, m, "committed fixtures in %s", dir)
		files = append(files, m...)
	}
	sort.Strings(files)
	return files
}

// cacheDiffVerify verifies one file for one range and returns its JSON
// (or the tool error), the form a service would store.
func cacheDiffVerify(t *testing.T, path string, r int) string {
	f, err := os.Open(path)
	if !assert.NoError(t, err) {
		return ""
	}
	defer f.Close()
	st, err := f.Stat()
	if !assert.NoError(t, err) {
		return ""
	}
	res, err := Verify(context.Background(), f, st.Size(), Options{MinSDK: cacheDiffRanges[r].min, MaxSDK: cacheDiffRanges[r].max})
	if err != nil {
		return "tool error: " + err.Error()
	}
	j, err := json.Marshal(res)
	assert.NoError(t, err)
	return string(j)
}

// A verdict never depends on what was verified before in the process: for
// every committed APK and several API ranges, a cold verification (the
// certificate and key caches emptied first) gives byte for byte the JSON
// of warm ones, verified in file order, in reverse, and in a seeded
// shuffle split over four goroutines (run with -race). The corpus mixes
// the same certificates and keys across v1 PKCS #7 blocks, v2/v3/v3.1
// signers, lineages and stamps, valid and refused, so a parse or key check
// served from the cache in one path that a fresh parse in another would
// refuse shows up as a difference.
func TestCachesNeverChangeVerdicts(t *testing.T) {
	files := cacheDiffFiles(t)
	type job struct{ file, r int }
	var jobs []job
	for f := range files {
		for r := range cacheDiffRanges {
			jobs = append(jobs, job{f, r})
		}
	}
	cold := make([]string, len(jobs))
	for i, j := range jobs {
		certparse.ResetCache()
		sigalg.ResetKeyCache()
		cold[i] = cacheDiffVerify(t, files[j.file], j.r)
	}
	check := func(order string, i int, got string) {
		if got != cold[i] {
			t.Errorf("%s, %s (range %v): warm result differs from cold:\ncold %s\nwarm %s",
				order, filepath.Base(files[jobs[i].file]), cacheDiffRanges[jobs[i].r], cold[i], got)
		}
	}
	idx := make([]int, len(jobs))
	for i := range idx {
		idx[i] = i
	}
	// File order, then reverse: every file after and before every other.
	certparse.ResetCache()
	sigalg.ResetKeyCache()
	for _, i := range idx {
		check("in order", i, cacheDiffVerify(t, files[jobs[i].file], jobs[i].r))
	}
	for k := len(idx) - 1; k >= 0; k-- {
		i := idx[k]
		check("reversed", i, cacheDiffVerify(t, files[jobs[i].file], jobs[i].r))
	}
	// A seeded shuffle split over goroutines, starting cold.
	rng := rand.New(rand.NewSource(18))
	rng.Shuffle(len(idx), func(a, b int) { idx[a], idx[b] = idx[b], idx[a] })
	certparse.ResetCache()
	sigalg.ResetKeyCache()
	const workers = 4
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := w; k < len(idx); k += workers {
				i := idx[k]
				check(fmt.Sprintf("parallel (worker %d)", w), i, cacheDiffVerify(t, files[jobs[i].file], jobs[i].r))
			}
		}()
	}
	wg.Wait()
	t.Logf("%d files x %d ranges = %d verdicts, each compared cold with 3 warm runs", len(files), len(cacheDiffRanges), len(jobs))
}

// verifyOpened is Verify on an archive already opened, so that a test can
// verify one archive (and its kept entry contents and certificates) twice.
func verifyOpened(ctx context.Context, a *apkzip.Archive, opts Options) (*Result, error) {
	keys, err := checkOptions(opts)
	if err != nil {
		return nil, err
	}
	if isAppBundle(a) {
		return verifyAppBundle(ctx, a, opts, keys)
	}
	if err := sniffContainer(a); err != nil {
		return nil, err
	}
	return verifyArchive(ctx, a, nil, opts, keys)
}

// One archive verified a second time reads every small entry (manifest,
// v1 signature files and digested entries, the stamp's entry) from the
// content the first verification kept, and its certificates from the
// archive's memo: its JSON is the first's, for every committed APK and
// several API ranges. Afterwards every kept entry is still what a fresh
// archive reads: no verifier modified the bytes it was lent.
func TestArchiveReuseNeverChangesVerdicts(t *testing.T) {
	ctx := context.Background()
	var compared, entries int
	for _, path := range cacheDiffFiles(t) {
		raw, err := os.ReadFile(path)
		require.NoError(t, err)
		a, err := apkzip.Open(bytes.NewReader(raw), int64(len(raw)))
		if err != nil {
			continue // a container refusal: no archive to reuse
		}
		for _, rg := range cacheDiffRanges {
			opts := Options{MinSDK: rg.min, MaxSDK: rg.max}
			fresh, err := Verify(ctx, bytes.NewReader(raw), int64(len(raw)), opts)
			want := jsonOrError(t, fresh, err)
			for run := 0; run < 2; run++ {
				res, err := verifyOpened(ctx, a, opts)
				assert.Equal(t, want, jsonOrError(t, res, err), "%s (range %v), run %d on one archive", filepath.Base(path), rg, run)
				compared++
			}
		}
		again, err := apkzip.Open(bytes.NewReader(raw), int64(len(raw)))
		require.NoError(t, err)
		for i, e := range a.Entries() {
			if e.UncompressedSize > 64<<10 {
				continue
			}
			kept, err1 := e.ReadAll(64 << 10)
			want, err2 := again.Entries()[i].ReadAll(64 << 10)
			assert.Equal(t, err2 == nil, err1 == nil, "%s: %s", filepath.Base(path), e.Name)
			assert.True(t, bytes.Equal(want, kept), "%s: %s was modified while lent", filepath.Base(path), e.Name)
			entries++
		}
	}
	t.Logf("%d verifications of a reused archive compared with fresh ones; %d small entries compared afterwards", compared, entries)
}

func jsonOrError(t *testing.T, res *Result, err error) string {
	if err != nil {
		return "tool error: " + err.Error()
	}
	j, err := json.Marshal(res)
	require.NoError(t, err)
	return string(j)
}
