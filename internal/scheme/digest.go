package scheme

import (
	"context"
	"crypto/sha256"
	"errors"
	"hash"
	"io"
	"runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"

	"github.com/apktrust/apktrust/internal/apkzip"
)

const (
	chunkSize       = 1 << 20 // v2/v3 content digest chunk
	verityBlockSize = 4096
	// batchPerWorker bounds memory: each batch holds at most this many
	// chunk digests per worker before they are folded into the top-level
	// hash, so memory does not grow with the file. The window holds only
	// digests (a few KiB), and a deeper one lets a worker that was
	// descheduled be caught up without stalling the other: 32 measured
	// about 6% faster than 8 on a 1 GiB file on 2 cores.
	batchPerWorker = 32
)

// ContentDigester computes the content digests that APK Signature Schemes
// v2 and v3 sign: chunked SHA-256, chunked SHA-512 and the verity root, over
// the three regions of the file outside the APK Signing Block. Each
// algorithm is computed at most once and cached, so the v2, v3 and v3.1
// verifiers (and the source stamp) share the work when they are given the
// same ContentDigester. It is safe for concurrent use.
//
// A digester made for an archive also computes, in the same pass over the
// file, the Play frosting file hash and the v4 Merkle tree (see Prefetch):
// the file is read once, whatever evidence it carries. Chunks are hashed on
// all cores; a regular file of a few MiB or more is memory-mapped, so its
// bytes are hashed where the page cache holds them instead of being copied
// out; memory use does not depend on the file size (except the v4 tree,
// 1/128 of it, which is compared whole with the stored one).
type ContentDigester struct {
	regions []*io.SectionReader
	a       *apkzip.Archive // nil for a region digester
	workers int

	mu       sync.Mutex
	cache    map[ContentDigestAlgorithm][]byte
	errs     map[ContentDigestAlgorithm]error
	frost    []byte
	frostErr error
	v4       map[string]v4Tree // by salt
}

// v4Tree is a computed v4 Merkle tree, or the error computing it.
type v4Tree struct {
	tree, root []byte
	err        error
}

// digesterKey is the archive memo key of its digester.
type digesterKey struct{}

// NewContentDigester returns the digester over the archive's content
// regions (data before the signing block, central directory, and the EOCD
// with its central-directory offset pointing at the signing block). Every
// call for the same archive returns the same digester, so whichever
// verifier computes a digest first computes it for all of them.
func NewContentDigester(a *apkzip.Archive) *ContentDigester {
	return a.Memo(digesterKey{}, func() any {
		d := NewRegionDigester(a.ContentRegions()...)
		d.a = a
		return d
	}).(*ContentDigester)
}

// NewRegionDigester returns a digester over arbitrary regions, digested
// in order as the v2 scheme digests its three regions.
func NewRegionDigester(regions ...*io.SectionReader) *ContentDigester {
	return &ContentDigester{
		regions: regions,
		workers: runtime.GOMAXPROCS(0),
		cache:   map[ContentDigestAlgorithm][]byte{},
		errs:    map[ContentDigestAlgorithm]error{},
	}
}

// SetWorkers sets how many goroutines hash chunks (at least 1). The
// default is GOMAXPROCS.
func (d *ContentDigester) SetWorkers(n int) {
	if n < 1 {
		n = 1
	}
	d.mu.Lock()
	d.workers = n
	d.mu.Unlock()
}

// Digest returns the content digest for one algorithm, computing it on
// first use.
func (d *ContentDigester) Digest(ctx context.Context, alg ContentDigestAlgorithm) ([]byte, error) {
	m, err := d.Digests(ctx, alg)
	if err != nil {
		return nil, err
	}
	return m[alg], nil
}

// Digests returns the content digests for the given algorithms, computing
// the missing ones. All of them are computed together in a single pass
// over the file. Returned slices must not be modified.
func (d *ContentDigester) Digests(ctx context.Context, algs ...ContentDigestAlgorithm) (map[ContentDigestAlgorithm][]byte, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, a := range algs {
		if _, ok := d.cache[a]; ok {
			continue
		}
		if err := d.errs[a]; err != nil {
			return nil, err
		}
		switch a {
		case DigestChunkedSHA256, DigestChunkedSHA512, DigestVerityChunkedSHA256:
		default:
			return nil, &Error{Code: CodeDigestUnknownAlgorithm, Msg: a.String()}
		}
	}
	if err := d.compute(ctx, passWants{algs: algs}); err != nil {
		return nil, err
	}
	res := make(map[ContentDigestAlgorithm][]byte, len(algs))
	for _, a := range algs {
		if err := d.errs[a]; err != nil {
			return nil, err
		}
		res[a] = d.cache[a]
	}
	return res, nil
}

func containsAlg(s []ContentDigestAlgorithm, a ContentDigestAlgorithm) bool {
	for _, x := range s {
		if x == a {
			return true
		}
	}
	return false
}

// parallelOrdered runs work(w, i, slot) for i in [0, n) on workers
// goroutines and calls emit(i, slot) for every item in order, as soon as it
// and all items before it are done. Workers run at most window items ahead
// of emit (0: batchPerWorker per worker), so memory is bounded, and there
// is no barrier: a worker that is descheduled delays only its own item.
// Worker w only ever runs on one goroutine, so per-worker state indexed by
// w needs no locking; item i uses slot i%window until it is emitted. With
// one worker everything runs on the caller's goroutine: a small file
// starts no goroutine. Every work and emit call runs under faultGuard.
func parallelOrdered(ctx context.Context, workers, window, n, slotSize int,
	work func(w, i int, slot []byte) error, emit func(i int, slot []byte) error) error {
	if n == 0 {
		return ctx.Err()
	}
	// The caller's goroutine emits, and emit may read the file mapping.
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	workers = max(1, min(workers, n))
	if workers == 1 {
		slot := make([]byte, slotSize)
		for i := 0; i < n; i++ {
			if err := ctx.Err(); err != nil {
				return err
			}
			if err := faultGuard(func() error { return work(0, i, slot) }); err != nil {
				return err
			}
			if err := faultGuard(func() error { return emit(i, slot) }); err != nil {
				return err
			}
		}
		return nil
	}
	if window <= 0 {
		window = workers * batchPerWorker
	}
	window = min(n, window)
	workerGoroutines.Add(int64(workers))
	slots := make([]byte, window*slotSize)
	done := make([]chan error, window)
	for k := range done {
		done[k] = make(chan error, 1)
	}
	// tokens bounds how far workers run ahead of emit: an item's slot is
	// reused only after the item window places before it was emitted.
	tokens := make(chan struct{}, window)
	for k := 0; k < window; k++ {
		tokens <- struct{}{}
	}
	stop := make(chan struct{})
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			debug.SetPanicOnFault(true)
			for {
				select {
				case <-tokens:
				case <-stop:
					return
				}
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				k := i % window
				var err error
				if err = ctx.Err(); err == nil {
					err = faultGuard(func() error { return work(w, i, slots[k*slotSize:(k+1)*slotSize]) })
				}
				done[k] <- err
			}
		}(w)
	}
	var firstErr error
	for i := 0; i < n; i++ {
		k := i % window
		if err := <-done[k]; err != nil {
			firstErr = err
			break
		}
		if err := faultGuard(func() error { return emit(i, slots[k*slotSize:(k+1)*slotSize]) }); err != nil {
			firstErr = err
			break
		}
		tokens <- struct{}{}
	}
	close(stop)
	wg.Wait()
	if firstErr != nil {
		return firstErr
	}
	return ctx.Err()
}

// workerGoroutines counts the hashing goroutines ever started, for the
// test that a small file starts none.
var workerGoroutines atomic.Int64

// chunkRef locates one 1 MiB chunk.
type chunkRef struct {
	region int
	off    int64
	n      int
}

func (d *ContentDigester) chunkAt(i int, firstChunk []int) chunkRef {
	r := 0
	for r+1 < len(firstChunk) && firstChunk[r+1] <= i {
		r++
	}
	off := int64(i-firstChunk[r]) * chunkSize
	n := min(int64(chunkSize), d.regions[r].Size()-off)
	return chunkRef{region: r, off: off, n: int(n)}
}

// chunkBufPool holds full-size chunk buffers, so a service verifying one
// upload after another reuses them instead of clearing a fresh MiB per
// worker per file.
var chunkBufPool = sync.Pool{New: func() any { return new([chunkSize]byte) }}

// smallBufPool holds the buffers of small files, so a service verifying
// small apps one after another allocates none per call.
var smallBufPool = sync.Pool{New: func() any { return new([smallBufSize]byte) }}

const smallBufSize = 64 << 10

// chunkBuf returns a buffer for chunks of data that is at most limit bytes
// long: pooled, at 64 KiB for small files (a 12 KiB app needs no MiB
// buffers) and at the full chunk size for big ones.
func chunkBuf(limit int64) []byte {
	switch {
	case limit <= smallBufSize:
		return smallBufPool.Get().(*[smallBufSize]byte)[:limit]
	case limit < chunkSize:
		return make([]byte, limit)
	}
	return chunkBufPool.Get().(*[chunkSize]byte)[:]
}

// releaseChunkBufs returns the pooled buffers of a computation to their
// pools once every worker has stopped.
func releaseChunkBufs(bufs [][]byte) {
	for _, b := range bufs {
		switch cap(b) {
		case chunkSize:
			chunkBufPool.Put((*[chunkSize]byte)(b[:chunkSize]))
		case smallBufSize:
			smallBufPool.Put((*[smallBufSize]byte)(b[:smallBufSize]))
		}
	}
}

// readFullAt fills buf from r at off; reaching the end exactly is not an
// error.
func readFullAt(r io.ReaderAt, buf []byte, off int64) error {
	n, err := r.ReadAt(buf, off)
	if n == len(buf) {
		return nil
	}
	if err == nil {
		err = io.ErrUnexpectedEOF
	}
	return err
}

var zeroPage [verityBlockSize]byte

// verityTree folds a stream of level-0 hashes into a Merkle root holding
// one 4 KiB page per level, so memory is independent of the data size.
type verityTree struct {
	salt  []byte
	pages [][]byte // pages[l] is the current page of level l
	fill  []int
	h     hash.Hash
}

func newVerityTree(levels int, salt []byte) *verityTree {
	t := &verityTree{salt: salt, h: sha256.New(), fill: make([]int, levels)}
	for i := 0; i < levels; i++ {
		t.pages = append(t.pages, make([]byte, verityBlockSize))
	}
	return t
}

func (t *verityTree) hashPage(p []byte) []byte {
	t.h.Reset()
	t.h.Write(t.salt)
	t.h.Write(p)
	return t.h.Sum(nil)
}

// push appends a hash to level l, hashing full pages into the level above.
// The top level never overflows: its size was computed to fit one page.
func (t *verityTree) push(l int, digest []byte) {
	top := len(t.pages) - 1
	if l == top && t.fill[l]+len(digest) > verityBlockSize {
		return // cannot happen with a correctly sized tree
	}
	copy(t.pages[l][t.fill[l]:], digest)
	t.fill[l] += len(digest)
	if l < top && t.fill[l] == verityBlockSize {
		t.push(l+1, t.hashPage(t.pages[l]))
		clear(t.pages[l])
		t.fill[l] = 0
	}
}

// finish zero-pads and hashes the partial pages of every level below the
// top, then returns the salted hash of the top page.
func (t *verityTree) finish() []byte {
	top := len(t.pages) - 1
	for l := 0; l < top; l++ {
		if t.fill[l] > 0 {
			t.push(l+1, t.hashPage(t.pages[l]))
			clear(t.pages[l])
			t.fill[l] = 0
		}
	}
	return t.hashPage(t.pages[top])
}

// concatReaderAt reads several regions as one contiguous stream.
type concatReaderAt struct {
	regions []*io.SectionReader
	starts  []int64
	size    int64
}

func newConcatReaderAt(regions []*io.SectionReader) *concatReaderAt {
	c := &concatReaderAt{regions: regions}
	for _, r := range regions {
		c.starts = append(c.starts, c.size)
		c.size += r.Size()
	}
	return c
}

// ReadAt reads across region boundaries; it returns io.EOF when p
// extends past the last region.
func (c *concatReaderAt) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errors.New("negative offset")
	}
	n := 0
	for i, r := range c.regions {
		if len(p) == 0 {
			break
		}
		start, end := c.starts[i], c.starts[i]+r.Size()
		if off >= end {
			continue
		}
		m, err := r.ReadAt(p[:min(int64(len(p)), end-off)], off-start)
		n += m
		p = p[m:]
		off += int64(m)
		if err != nil && err != io.EOF {
			return n, err
		}
		if off < end && len(p) > 0 {
			return n, io.ErrUnexpectedEOF
		}
	}
	if len(p) > 0 {
		return n, io.EOF
	}
	return n, nil
}
