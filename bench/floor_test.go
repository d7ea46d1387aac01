package bench

import (
	"crypto/sha256"
	"io"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
)

// BenchmarkFloorV123 is the floor of the v1+v2+v3 path (minSdk 21): the
// work no verifier of that file can skip, done with the libraries we use
// and on every core, with nothing else: every entry inflated (klauspost's
// flate, through internal/apkzip) and hashed with SHA-256 (apksigner's JAR
// digest for minSdk 18+), and the whole file hashed once in 1 MiB chunks
// (the v2 and v3 content digest, shared). MB/s is file bytes per second;
// compare.sh puts the v1+v2+v3 row against it.
func BenchmarkFloorV123(b *testing.B) {
	for _, s := range benchSizes(b) {
		b.Run("size="+s.Label, func(b *testing.B) {
			path := prepare(b, s).V123
			a, f := openArchive(b, path)
			defer f.Close()
			size := a.Size()
			entries := a.Entries()
			nChunks := int((size + mib - 1) / mib)
			b.SetBytes(size)
			b.ReportAllocs()
			workers := runtime.GOMAXPROCS(0)
			for b.Loop() {
				var next atomic.Int64
				var wg sync.WaitGroup
				var failed atomic.Bool
				for w := 0; w < workers; w++ {
					wg.Add(1)
					go func() {
						defer wg.Done()
						h := sha256.New()
						buf := make([]byte, mib)
						var sum [sha256.Size]byte
						for {
							i := int(next.Add(1) - 1)
							switch {
							case i < len(entries):
								rc, err := entries[i].Open()
								if err != nil {
									failed.Store(true)
									return
								}
								h.Reset()
								if _, err := io.CopyBuffer(h, rc, buf); err != nil {
									failed.Store(true)
								}
								rc.Close()
								h.Sum(sum[:0])
							case i < len(entries)+nChunks:
								off := int64(i-len(entries)) * mib
								n, err := f.ReadAt(buf, off)
								if err != nil && err != io.EOF {
									failed.Store(true)
									return
								}
								h.Reset()
								h.Write(buf[:n])
								h.Sum(sum[:0])
							default:
								return
							}
						}
					}()
				}
				wg.Wait()
				if failed.Load() {
					b.Fatal("reading an entry failed")
				}
			}
		})
	}
}
