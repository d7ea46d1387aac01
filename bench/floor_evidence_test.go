package bench

import (
	"crypto/sha256"
	"encoding/binary"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
)

// BenchmarkFloorEvidence is the floor of the evidence row (a file with a
// Play frosting block and a v4 .idsig, besides v2+v3): the three SHA-256
// computations over the file's bytes that no verifier can share, on every
// core, with nothing else. The frosting hash is one sequential SHA-256 of
// the file (one goroutine, as it must be); the v2/v3 chunk digests (one
// per MiB) and the v4 Merkle tree's leaves (one per 4 KiB block) are
// spread over GOMAXPROCS workers. Like BenchmarkSHA256SingleCore/mem, it
// hashes an in-memory MiB over and over, so it is the hardware's limit,
// without I/O; MB/s is file bytes per second. compare.sh prints it beside
// the evidence row.
func BenchmarkFloorEvidence(b *testing.B) {
	buf := make([]byte, mib)
	for i := range buf {
		buf[i] = byte(i * 7)
	}
	for _, s := range benchSizes(b) {
		b.Run("size="+s.Label, func(b *testing.B) {
			size := s.Bytes
			nChunks := int((size + mib - 1) / mib)
			chunkLen := func(i int) int { return int(min(mib, size-int64(i)*mib)) }
			b.SetBytes(size)
			b.ReportAllocs()
			workers := runtime.GOMAXPROCS(0)
			for b.Loop() {
				var wg sync.WaitGroup
				wg.Add(1)
				go func() { // frosting: the whole file, in order
					defer wg.Done()
					h := sha256.New()
					for i := 0; i < nChunks; i++ {
						h.Write(buf[:chunkLen(i)])
					}
					var sum [sha256.Size]byte
					h.Sum(sum[:0])
				}()
				var next atomic.Int64
				for w := 0; w < workers; w++ {
					wg.Add(1)
					go func() {
						defer wg.Done()
						chunk, leaf := sha256.New(), sha256.New()
						var sum [sha256.Size]byte
						var prefix [5]byte
						prefix[0] = 0xa5
						for {
							i := int(next.Add(1) - 1)
							if i >= nChunks {
								return
							}
							n := chunkLen(i)
							binary.LittleEndian.PutUint32(prefix[1:], uint32(n))
							chunk.Reset()
							chunk.Write(prefix[:])
							chunk.Write(buf[:n])
							chunk.Sum(sum[:0])
							for off := 0; off < n; off += 4096 {
								leaf.Reset()
								leaf.Write(buf[off:min(off+4096, n)])
								leaf.Sum(sum[:0])
							}
						}
					}()
				}
				wg.Wait()
			}
		})
	}
}
