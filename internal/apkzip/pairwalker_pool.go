package apkzip

import (
	"io"
	"sync"
)

// pairWalkerPool recycles the walkers' 1 KiB windows: the window escapes
// to the heap (it is passed to an io.ReaderAt), and every verification
// walks the signing block at least once.
var pairWalkerPool = sync.Pool{New: func() any { return new(pairWalker) }}

// newPairWalker returns a walker over r with an empty window; release it
// when done.
func newPairWalker(r io.ReaderAt) *pairWalker {
	w := pairWalkerPool.Get().(*pairWalker)
	w.r, w.winOff, w.winLen = r, 0, 0
	return w
}

// release returns the walker to the pool. Nothing it returned (headers
// are copied into Pairs) refers to its window afterwards.
func (w *pairWalker) release() {
	w.r = nil
	pairWalkerPool.Put(w)
}
