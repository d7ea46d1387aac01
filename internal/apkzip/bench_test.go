package apkzip_test

import (
	"bytes"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"testing"

	"github.com/apktrust/apktrust/internal/apkgen"
	"github.com/apktrust/apktrust/internal/apkzip"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// openGenerated opens a generated APK of the given size (cached on disk
// across runs by apkgen.File).
func openGenerated(b *testing.B, size int64) *os.File {
	path := apkgen.File(b, "", size)
	f, err := os.Open(path)
	require.NoError(b, err)
	b.Cleanup(func() { f.Close() })
	return f
}

// heapUsedBy runs f once with the collector off and returns the heap it
// grew by: an upper bound of f's peak heap, since nothing is freed.
func heapUsedBy(f func()) uint64 {
	runtime.GC()
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.HeapAlloc - before.HeapAlloc
}

func openAndWalk(b *testing.B, f *os.File, size int64) int {
	a, err := apkzip.Open(f, size)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := a.CheckLocalHeaders(); err != nil {
		b.Fatal(err)
	}
	return len(a.Entries())
}

// BenchmarkOpen100MB opens a generated 100 MiB APK (about 2100 entries) and
// walks its entries, reading and checking every local header.
func BenchmarkOpen100MB(b *testing.B) {
	f := openGenerated(b, apkgen.MB100)
	var entries int
	peak := heapUsedBy(func() { entries = openAndWalk(b, f, apkgen.MB100) })
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		openAndWalk(b, f, apkgen.MB100)
	}
	b.ReportMetric(float64(peak), "peak-heap-B")
	b.ReportMetric(float64(entries), "entries")
}

// BenchmarkOpenOnly100MB opens the generated 100 MiB APK without reading
// local headers: the cost of Open alone (EOCD, central directory, layout).
func BenchmarkOpenOnly100MB(b *testing.B) {
	f := openGenerated(b, apkgen.MB100)
	open := func() {
		if _, err := apkzip.Open(f, apkgen.MB100); err != nil {
			b.Fatal(err)
		}
	}
	peak := heapUsedBy(open)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		open()
	}
	b.ReportMetric(float64(peak), "peak-heap-B")
}

// BenchmarkReadAllEntries100MB streams every entry of the generated 100 MiB
// APK, inflating and checking sizes and CRCs: memory stays at the fixed
// stream buffers whatever the entry sizes.
func BenchmarkReadAllEntries100MB(b *testing.B) {
	f := openGenerated(b, apkgen.MB100)
	buf := make([]byte, 32<<10)
	drain := func() int64 {
		a, err := apkzip.Open(f, apkgen.MB100)
		if err != nil {
			b.Fatal(err)
		}
		var n int64
		for _, e := range a.Entries() {
			rc, err := e.Open()
			if err != nil {
				b.Fatal(err)
			}
			m, err := io.CopyBuffer(io.Discard, rc, buf)
			rc.Close()
			if err != nil {
				b.Fatal(err)
			}
			n += m
		}
		return n
	}
	peak := heapUsedBy(func() { drain() })
	b.ReportAllocs()
	b.ResetTimer()
	var total int64
	for b.Loop() {
		total = drain()
	}
	b.SetBytes(total)
	b.ReportMetric(float64(peak), "peak-heap-B")
}

// TestOpenAllocationsDoNotGrowPerEntry checks that opening a 2000-entry
// APK costs a handful of allocations in total, not several per entry.
func TestOpenAllocationsDoNotGrowPerEntry(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, apkgen.Write(&buf, apkgen.Options{Size: 8 << 20, Seed: 1}))
	r := bytes.NewReader(buf.Bytes())
	var entries int
	allocs := testing.AllocsPerRun(5, func() {
		a, err := apkzip.Open(r, r.Size())
		require.NoError(t, err)
		entries = len(a.Entries())
	})
	assert.Greater(t, entries, 2000)
	assert.Less(t, allocs, 40.0, "Open made %.0f allocations for %d entries", allocs, entries)

	a, err := apkzip.Open(r, r.Size())
	require.NoError(t, err)
	e := a.Lookup("AndroidManifest.xml")
	streamAllocs := testing.AllocsPerRun(20, func() {
		rc, err := e.Open()
		require.NoError(t, err)
		_, err = io.Copy(io.Discard, rc)
		require.NoError(t, err)
		rc.Close()
	})
	if !raceEnabled {
		assert.LessOrEqual(t, streamAllocs, 4.0, "opening and draining a deflated entry reuses pooled buffers")
	}
	t.Logf("Open: %.0f allocations for %d entries; entry stream: %.0f allocations", allocs, entries, streamAllocs)
}
