package apkverify

import (
	"io"
	"os"
	"sync"

	"github.com/apktrust/apktrust/internal/apkzip"
)

// smallFileMax is the largest file VerifyFile reads whole before
// verifying it: the same bound as the digesters' buffer for small files,
// so memory stays bounded whatever the file.
const smallFileMax = 64 << 10

// smallFilePool holds the buffers, so a service verifying small apps one
// after another allocates none per call.
var smallFilePool = sync.Pool{New: func() any { return new([smallFileMax]byte) }}

// smallFile returns the reader VerifyFile verifies f through, and a
// function to call once verification is over. A file of at most
// smallFileMax bytes is read with one system call and verified from
// memory: a small app's verification otherwise makes dozens of small reads
// (EOCD, central directory, local headers, signing block, every JAR entry),
// each a system call costing more than the bytes it copies. A larger file,
// or one whose read fails or comes up short (it changed since the stat),
// is read through f as before, where the verification reports the error.
func smallFile(f *os.File, size int64) (io.ReaderAt, func()) {
	if size <= 0 || size > smallFileMax {
		return f, func() {}
	}
	buf := smallFilePool.Get().(*[smallFileMax]byte)
	if n, _ := f.ReadAt(buf[:size], 0); int64(n) != size {
		smallFilePool.Put(buf)
		return f, func() {}
	}
	return apkzip.NewMemFile(buf[:size]), func() { smallFilePool.Put(buf) }
}
