package scheme

import (
	"context"
	"crypto/sha256"
	"io"
	"math/rand"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

const v23BenchSize = 64 << 20

// v23BenchFile writes v23BenchSize random bytes to a temporary file, so the
// benchmarks read through the file system as verification does.
func v23BenchFile(b *testing.B) *os.File {
	b.Helper()
	path := filepath.Join(b.TempDir(), "regions.bin")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	buf := make([]byte, 1<<20)
	rng := rand.New(rand.NewSource(1))
	for i := 0; i < v23BenchSize/len(buf); i++ {
		rng.Read(buf)
		if _, err := f.Write(buf); err != nil {
			b.Fatal(err)
		}
	}
	b.Cleanup(func() { f.Close() })
	return f
}

// v23BenchRegions splits the file like an APK: a large first region (4 KiB
// aligned, as verity requires), a central directory and an EOCD.
func v23BenchRegions(f *os.File) []*io.SectionReader {
	first := int64(v23BenchSize - 256<<10)
	return []*io.SectionReader{
		io.NewSectionReader(f, 0, first),
		io.NewSectionReader(f, first, 256<<10-22),
		io.NewSectionReader(f, v23BenchSize-22, 22),
	}
}

func v23BenchDigest(b *testing.B, algs ...ContentDigestAlgorithm) {
	v23BenchDigestWorkers(b, 0, algs...)
}

// v23BenchDigestWorkers runs the digester with the given number of workers
// (0: the default, GOMAXPROCS).
func v23BenchDigestWorkers(b *testing.B, workers int, algs ...ContentDigestAlgorithm) {
	f := v23BenchFile(b)
	b.SetBytes(v23BenchSize)
	b.ResetTimer()
	cpu0 := v23CPUTime()
	used := runtime.GOMAXPROCS(0)
	for i := 0; i < b.N; i++ {
		d := NewRegionDigester(v23BenchRegions(f)...)
		if workers > 0 {
			d.SetWorkers(workers)
			used = workers
		}
		if _, err := d.Digests(context.Background(), algs...); err != nil {
			b.Fatal(err)
		}
	}
	// After the loop: ResetTimer discards metrics reported before it.
	b.ReportMetric(float64(used), "workers")
	v23ReportCPU(b, cpu0)
}

// BenchmarkContentDigestSHA256 is the chunked SHA-256 content digest on all
// cores; compare its MB/s with BenchmarkSHA256SingleCore times the cores.
func BenchmarkContentDigestSHA256(b *testing.B) { v23BenchDigest(b, DigestChunkedSHA256) }

// BenchmarkContentDigestSHA256OneWorker is the digester on one worker: its
// overhead over BenchmarkSHA256SingleCore, independent of how busy the
// other cores are.
func BenchmarkContentDigestSHA256OneWorker(b *testing.B) {
	v23BenchDigestWorkers(b, 1, DigestChunkedSHA256)
}

// BenchmarkContentDigestSHA256And512 computes both chunked digests in one
// pass, as when v2 and v3 use different algorithms.
func BenchmarkContentDigestSHA256And512(b *testing.B) {
	v23BenchDigest(b, DigestChunkedSHA256, DigestChunkedSHA512)
}

// BenchmarkContentDigestVerity is the verity Merkle-tree digest.
func BenchmarkContentDigestVerity(b *testing.B) { v23BenchDigest(b, DigestVerityChunkedSHA256) }

// BenchmarkSHA256SingleCore is plain crypto/sha256 over the same bytes,
// read the same way (1 MiB ReadAt into a reused buffer) on one goroutine:
// the baseline for the parallel digester.
func BenchmarkSHA256SingleCore(b *testing.B) {
	f := v23BenchFile(b)
	buf := make([]byte, 1<<20)
	b.SetBytes(v23BenchSize)
	b.ResetTimer()
	cpu0 := v23CPUTime()
	for i := 0; i < b.N; i++ {
		h := sha256.New()
		for off := int64(0); off < v23BenchSize; off += int64(len(buf)) {
			if _, err := f.ReadAt(buf, off); err != nil {
				b.Fatal(err)
			}
			h.Write(buf)
		}
		h.Sum(nil)
	}
	v23ReportCPU(b, cpu0)
}

// v23ReportCPU reports the CPU time per operation as CPU-MB/s: bytes
// digested per second of CPU time, summed over all threads. For a
// digester without overhead it equals the single-core SHA-256 rate, and
// its wall-clock MB/s approaches that times the number of free cores.
func v23ReportCPU(b *testing.B, cpu0 time.Duration) {
	if cpu := v23CPUTime() - cpu0; cpu > 0 {
		b.ReportMetric(float64(v23BenchSize)*float64(b.N)/cpu.Seconds()/1e6, "cpu-MB/s")
	}
}
