package bench

import (
	"context"
	"crypto/sha256"
	"io"
	"os"
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/apktrust/apktrust/apkverify"
	"github.com/apktrust/apktrust/internal/apkzip"
	"github.com/apktrust/apktrust/manifest"
)

const mib = 1 << 20

// verifyCase is one way of verifying one prepared file.
type verifyCase struct {
	name   string
	file   func(apkSet) string
	minSDK int
}

// verifyCases are the rows the targets are about: the v1+v2+v3
// file for minSdk 21 (all three schemes) and 24 (Android N and later skip
// JAR signatures, so v2+v3 only), and the v2-only file for minSdk 24.
var verifyCases = []verifyCase{
	{"minSdk=21", func(s apkSet) string { return s.V123 }, 21},
	{"minSdk=24", func(s apkSet) string { return s.V123 }, 24},
	{"v2only/minSdk=24", func(s apkSet) string { return s.V2Only }, 24},
}

// fileSize returns the size of path, failing the benchmark without it.
func fileSize(tb testing.TB, path string) int64 {
	tb.Helper()
	st, err := os.Stat(path)
	require.NoError(tb, err)
	return st.Size()
}

// benchVerify measures VerifyFile, the whole library path a caller takes
// (open, container, manifest, every scheme for the SDK range), and fails
// unless the file verified: timing a failing verification measures an
// early exit, not the verifier.
func benchVerify(b *testing.B, path string, opts apkverify.Options) {
	b.Helper()
	ctx := context.Background()
	b.SetBytes(fileSize(b, path))
	b.ReportAllocs()
	runtime.GC() // start from a clean heap so the peak is this benchmark's
	heap := startHeapSampler()
	for b.Loop() {
		// Plain ifs, not require: its variadic arguments would add
		// allocations of their own to allocs/op.
		res, err := apkverify.VerifyFile(ctx, path, opts)
		if err != nil {
			b.Fatal(err)
		}
		if !res.Verified {
			b.Fatalf("%s did not verify: %v", path, res.Errors)
		}
	}
	b.ReportMetric(float64(heap.Stop())/mib, "peak-heap-MiB")
}

// BenchmarkOpenManifest is what every verification pays before hashing
// anything: opening the file, finding the EOCD, reading the central
// directory (about 2000 entries in the generated files) and the signing
// block, and parsing AndroidManifest.xml (and resources.arsc where it
// resolves values). MB/s is relative to the whole file, for comparison
// with BenchmarkVerify.
func BenchmarkOpenManifest(b *testing.B) {
	for _, s := range benchSizes(b) {
		b.Run("size="+s.Label, func(b *testing.B) {
			benchOpenManifest(b, prepare(b, s).V123)
		})
	}
	b.Run("fixture", func(b *testing.B) {
		path, _, ok := smallFixture(b)
		if !ok {
			b.Fatal("no normal small fixture in the committed testdata/fixtures.json")
		}
		benchOpenManifest(b, path)
	})
}

func benchOpenManifest(b *testing.B, path string) {
	b.Helper()
	size := fileSize(b, path)
	b.SetBytes(size)
	b.ReportAllocs()
	runtime.GC()
	heap := startHeapSampler()
	for b.Loop() {
		f, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		a, err := apkzip.Open(f, size)
		if err != nil {
			b.Fatal(err)
		}
		m, err := manifest.ParseFS(a.FS())
		if err != nil {
			b.Fatal(err)
		}
		if m.MinSDK() != 21 {
			b.Fatalf("minSdk %d, want the generated manifest's 21", m.MinSDK())
		}
		f.Close()
	}
	b.ReportMetric(float64(heap.Stop())/mib, "peak-heap-MiB")
}

// BenchmarkVerify is full verification of each selected size
// (APKTRUST_BENCH_SIZES, 10M by default).
func BenchmarkVerify(b *testing.B) {
	for _, s := range benchSizes(b) {
		for _, c := range verifyCases {
			b.Run("size="+s.Label+"/"+c.name, func(b *testing.B) {
				// Prepared here, not in the parent, so that a -bench
				// filter that skips this case never generates its file.
				set := prepare(b, s)
				benchVerify(b, c.file(set), apkverify.Options{MinSDK: c.minSDK})
			})
		}
	}
}

// BenchmarkVerifyFixture45KB verifies the normal small fixture end to end
// with the manifest's own minSdk, as the CLI does without flags: for small
// apps the fixed costs (open, central directory, manifest, certificate
// parsing, signature checks) are the whole cost.
func BenchmarkVerifyFixture45KB(b *testing.B) {
	path, _, ok := smallFixture(b)
	if !ok {
		b.Fatal("no normal small fixture in the committed testdata/fixtures.json")
	}
	benchVerify(b, path, apkverify.Options{})
}

// BenchmarkVerifyFixture45KBNoJAR verifies the same fixture for API 24+,
// where Android reads v2/v3 and skips the JAR signature: the small-file
// cost of everything but v1 (the issue 18 target is 64 KiB allocated per
// call for the whole verification).
func BenchmarkVerifyFixture45KBNoJAR(b *testing.B) {
	path, _, ok := smallFixture(b)
	if !ok {
		b.Skip("no normal small fixture in testdata/fixtures.json")
	}
	benchVerify(b, path, apkverify.Options{MinSDK: 24})
}

// BenchmarkSHA256SingleCore is the floor: what one core's crypto/sha256
// does, which v2/v3 verification cannot beat per core. "mem" hashes 1 MiB
// chunks in memory, as the v2/v3 content digest does, with no I/O (this is
// the number compare.sh uses); "size=..." hashes the prepared file read
// with pread in 1 MiB chunks, to show what reading the file adds.
func BenchmarkSHA256SingleCore(b *testing.B) {
	b.Run("mem", func(b *testing.B) {
		buf := make([]byte, mib)
		for i := range buf {
			buf[i] = byte(i * 7)
		}
		b.SetBytes(int64(len(buf)))
		b.ReportAllocs()
		h := sha256.New()
		var sum [sha256.Size]byte
		for b.Loop() {
			h.Reset()
			h.Write(buf)
			h.Sum(sum[:0])
		}
	})
	for _, s := range benchSizes(b) {
		b.Run("size="+s.Label, func(b *testing.B) {
			path := prepare(b, s).V123
			f, err := os.Open(path)
			require.NoError(b, err)
			defer f.Close()
			size := fileSize(b, path)
			b.SetBytes(size)
			b.ReportAllocs()
			buf := make([]byte, mib)
			h := sha256.New()
			var sum [sha256.Size]byte
			for b.Loop() {
				for off := int64(0); off < size; off += mib {
					n, err := f.ReadAt(buf, off)
					if err != nil && err != io.EOF {
						b.Fatal(err)
					}
					h.Reset()
					h.Write(buf[:n])
					h.Sum(sum[:0])
				}
			}
		})
	}
}
