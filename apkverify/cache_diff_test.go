package apkverify

import (
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

	"github.com/apktrust/apktrust/internal/certparse"
	"github.com/apktrust/apktrust/internal/conformance"
	"github.com/apktrust/apktrust/internal/sigalg"
)

// cacheDiffRanges are the API ranges every file is verified for: the
// file's own, and ranges where only v1, only v2, and only v3 decide.
var cacheDiffRanges = []struct{ min, max int }{{0, 0}, {18, 23}, {24, 27}, {28, 35}}

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
// of warm ones, verified in file order, in reverse, in a seeded shuffle
// and from several goroutines at once (run with -race). The corpus mixes
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
	t.Logf("%d files x %d ranges = %d verdicts, each compared cold with 4 warm runs", len(files), len(cacheDiffRanges), len(jobs))
}
