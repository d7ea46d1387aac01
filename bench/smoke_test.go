package bench

import (
	"context"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apktrust/apktrust/apkverify"
)

// TestBenchSmoke is the CI smoke test of the benchmark path: it generates
// the 10 MB APK, signs it with apksigner, and verifies every benchmark case
// through apkverify. It fails on a crash, a wrong verdict or unbounded
// memory, never on time: CI machines are too noisy for timing.
func TestBenchSmoke(t *testing.T) {
	s, err := parseSize("10M")
	require.NoError(t, err)
	set := prepare(t, s)
	ctx := context.Background()
	for _, c := range verifyCases {
		t.Run(c.name, func(t *testing.T) {
			path := c.file(set)
			size := fileSize(t, path)
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			heap := startHeapSampler()
			res, err := apkverify.VerifyFile(ctx, path, apkverify.Options{MinSDK: c.minSDK})
			peak := heap.Stop()
			runtime.ReadMemStats(&after)
			require.NoError(t, err)
			require.True(t, res.Verified, "%s did not verify: %v", path, res.Errors)

			// The schemes must be the ones the case is about, or the
			// benchmark measures something else than its name says.
			switch c.name {
			case "minSdk=21":
				assert.True(t, res.Schemes.V1 && res.Schemes.V2 && res.Schemes.V3, "schemes %+v", res.Schemes)
			case "minSdk=24":
				assert.False(t, res.Schemes.V1, "JAR signatures do not count from API 24 when v2+ is present")
				assert.True(t, res.Schemes.V2 && res.Schemes.V3, "schemes %+v", res.Schemes)
			case "v2only/minSdk=24":
				assert.True(t, res.Schemes.V2 && !res.Schemes.V1 && !res.Schemes.V3, "schemes %+v", res.Schemes)
			}

			// Bounded memory: the verifier streams the file, so the heap
			// never comes near the file's size (the budget is
			// 32 MiB of RSS for a 1 GB file), and its allocations,
			// garbage included, stay under the file's size: a verifier
			// that copied what it read into fresh buffers would allocate
			// at least the file. JAR (v1) verification allocates per
			// entry (its ~2000 manifest sections and local headers), a
			// few MiB for these files whatever their size, so the v1 case
			// gets the whole file size as its bound, the others half.
			alloc := after.TotalAlloc - before.TotalAlloc
			t.Logf("%s: %d bytes, peak heap %.1f MiB, allocated %.1f MiB in %d objects",
				c.name, size, float64(peak)/mib, float64(alloc)/mib, after.Mallocs-before.Mallocs)
			assert.Less(t, peak, uint64(32*mib), "peak heap must stay within the 32 MiB RSS budget")
			if !raceEnabled {
				bound := uint64(size / 2)
				if c.minSDK < 24 {
					bound = uint64(size)
				}
				assert.Less(t, alloc, bound, "allocations must not scale with the file size")
			}
		})
	}
}
