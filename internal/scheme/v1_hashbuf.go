package scheme

import "sync"

// v1SmallHashBuffer is the size of the pooled buffers v1 entry hashing
// reads through when the largest entry fits: enough for a small app's
// entries, so a service verifying small apps allocates none per call.
const v1SmallHashBuffer = 32 << 10

var v1HashBufferPool = sync.Pool{New: func() any { return new([v1SmallHashBuffer]byte) }}

// v1HashBuffer returns a scratch buffer of n bytes and the function that
// gives it back. The buffer is scratch only: nothing keeps a reference to
// it after put.
func v1HashBuffer(n int) (buf []byte, put func()) {
	if n > v1SmallHashBuffer {
		return make([]byte, n), func() {}
	}
	b := v1HashBufferPool.Get().(*[v1SmallHashBuffer]byte)
	return b[:n], func() { v1HashBufferPool.Put(b) }
}
