package signer

import (
	"context"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"io"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/apktrust/apktrust/internal/apkzip"
)

// Codes of Error.
const (
	// CodeDigestIO: a region of the APK could not be read.
	CodeDigestIO = "DIGEST_IO_ERROR"
	// CodeDigestVerityUnaligned: the APK Signing Block does not start on
	// a 4 KiB boundary, which the verity digest requires (apksig throws).
	CodeDigestVerityUnaligned = "DIGEST_VERITY_UNALIGNED"
	// CodeDigestUnknownAlgorithm: the algorithm is not one this package
	// computes.
	CodeDigestUnknownAlgorithm = "DIGEST_UNKNOWN_ALGORITHM"
	// CodeDigestTooLarge: the content has more 1 MiB chunks than the
	// format's uint32 chunk count can express.
	CodeDigestTooLarge = "DIGEST_INPUT_TOO_LARGE"
)

// Sentinels for errors.Is.
var (
	ErrDigestIO               = &Error{Code: CodeDigestIO}
	ErrDigestVerityUnaligned  = &Error{Code: CodeDigestVerityUnaligned}
	ErrDigestUnknownAlgorithm = &Error{Code: CodeDigestUnknownAlgorithm}
	ErrDigestTooLarge         = &Error{Code: CodeDigestTooLarge}
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
// Chunks are hashed on all cores, each worker reading its own chunks with
// ReadAt into a reused buffer; memory use does not depend on the file size.
type ContentDigester struct {
	regions []*io.SectionReader
	workers int

	mu    sync.Mutex
	cache map[ContentDigestAlgorithm][]byte
	errs  map[ContentDigestAlgorithm]error
}

// NewContentDigester returns a digester over the archive's content regions
// (data before the signing block, central directory, and the EOCD with its
// central-directory offset pointing at the signing block).
func NewContentDigester(a *apkzip.Archive) *ContentDigester {
	return NewRegionDigester(a.ContentRegions()...)
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
// the missing ones. Chunked SHA-256 and SHA-512 are computed together in a
// single pass over the file. Returned slices must not be modified.
func (d *ContentDigester) Digests(ctx context.Context, algs ...ContentDigestAlgorithm) (map[ContentDigestAlgorithm][]byte, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	var chunked []ContentDigestAlgorithm
	verity := false
	for _, a := range algs {
		if _, ok := d.cache[a]; ok {
			continue
		}
		if err := d.errs[a]; err != nil {
			return nil, err
		}
		switch a {
		case DigestChunkedSHA256, DigestChunkedSHA512:
			if !containsAlg(chunked, a) {
				chunked = append(chunked, a)
			}
		case DigestVerityChunkedSHA256:
			verity = true
		default:
			return nil, &Error{Code: CodeDigestUnknownAlgorithm, Msg: a.String()}
		}
	}
	if len(chunked) > 0 {
		out, err := d.chunkedDigests(ctx, chunked)
		if err != nil {
			if ctx.Err() == nil {
				for _, a := range chunked {
					d.errs[a] = err
				}
			}
			return nil, err
		}
		for i, a := range chunked {
			d.cache[a] = out[i]
		}
	}
	if verity {
		v, err := d.verityDigest(ctx)
		if err != nil {
			if ctx.Err() == nil {
				d.errs[DigestVerityChunkedSHA256] = err
			}
			return nil, err
		}
		d.cache[DigestVerityChunkedSHA256] = v
	}
	res := make(map[ContentDigestAlgorithm][]byte, len(algs))
	for _, a := range algs {
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

// parallelOrdered runs work(w, i, slot) for i in [0, n) on the digester's
// workers and calls emit(slot) for every item in order, as soon as it and
// all items before it are done. Workers run at most a window of items ahead
// of emit, so memory is bounded, and there is no barrier: a worker that is
// descheduled delays only its own item. Worker w only ever runs on one
// goroutine, so per-worker state indexed by w needs no locking.
func (d *ContentDigester) parallelOrdered(ctx context.Context, n, slotSize int,
	work func(w, i int, slot []byte) error, emit func(slot []byte)) error {
	if n == 0 {
		return ctx.Err()
	}
	workers := max(1, min(d.workers, n))
	window := workers * batchPerWorker
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
					err = work(w, i, slots[k*slotSize:(k+1)*slotSize])
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
		emit(slots[k*slotSize : (k+1)*slotSize])
		tokens <- struct{}{}
	}
	close(stop)
	wg.Wait()
	if firstErr != nil {
		return firstErr
	}
	return ctx.Err()
}

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

// chunkedDigests computes the v2 chunked digests: every region is cut into
// 1 MiB chunks (the last one shorter, none for an empty region); each
// chunk is hashed as 0xa5 || uint32le(len) || data, and the result is the
// hash of 0x5a || uint32le(chunk count) || the chunk hashes in order.
func (d *ContentDigester) chunkedDigests(ctx context.Context, algs []ContentDigestAlgorithm) ([][]byte, error) {
	var total int64
	firstChunk := make([]int, len(d.regions))
	for i, r := range d.regions {
		firstChunk[i] = int(total)
		total += (r.Size() + chunkSize - 1) / chunkSize
	}
	if total > 0xffffffff {
		return nil, &Error{Code: CodeDigestTooLarge, Msg: fmt.Sprintf("%d chunks", total)}
	}
	n := int(total)
	newHash := func(a ContentDigestAlgorithm) hash.Hash {
		if a == DigestChunkedSHA512 {
			return sha512.New()
		}
		return sha256.New()
	}
	sizes := make([]int, len(algs))
	slotSize := 0
	for i, a := range algs {
		sizes[i] = newHash(a).Size()
		slotSize += sizes[i]
	}
	workers := max(1, min(d.workers, n))
	bufs := make([][]byte, workers)
	hashers := make([][]hash.Hash, workers)
	for w := range hashers {
		for _, a := range algs {
			hashers[w] = append(hashers[w], newHash(a))
		}
	}
	tops := make([]hash.Hash, len(algs))
	var hdr [5]byte
	hdr[0] = 0x5a
	binary.LittleEndian.PutUint32(hdr[1:], uint32(n))
	for i, a := range algs {
		tops[i] = newHash(a)
		tops[i].Write(hdr[:])
	}
	var largest int64
	for _, r := range d.regions {
		largest = max(largest, r.Size())
	}
	defer releaseChunkBufs(bufs)
	work := func(w, i int, slot []byte) error {
		c := d.chunkAt(i, firstChunk)
		if bufs[w] == nil {
			bufs[w] = chunkBuf(largest)
		}
		buf := bufs[w][:c.n]
		if err := readFullAt(d.regions[c.region], buf, c.off); err != nil {
			return &Error{Code: CodeDigestIO, Msg: fmt.Sprintf("reading chunk %d", i), Err: err}
		}
		var prefix [5]byte
		prefix[0] = 0xa5
		binary.LittleEndian.PutUint32(prefix[1:], uint32(c.n))
		out := slot[:0]
		for _, h := range hashers[w] {
			h.Reset()
			h.Write(prefix[:])
			h.Write(buf)
			out = h.Sum(out)
		}
		return nil
	}
	emit := func(slot []byte) {
		off := 0
		for i, t := range tops {
			t.Write(slot[off : off+sizes[i]])
			off += sizes[i]
		}
	}
	if err := d.parallelOrdered(ctx, n, slotSize, work, emit); err != nil {
		return nil, err
	}
	out := make([][]byte, len(algs))
	for i, t := range tops {
		out[i] = t.Sum(nil)
	}
	return out, nil
}

// chunkBufPool holds full-size chunk buffers, so a service verifying one
// upload after another reuses them instead of clearing a fresh MiB per
// worker per file.
var chunkBufPool = sync.Pool{New: func() any { return new([chunkSize]byte) }}

// chunkBuf returns a buffer for chunks of data that is at most limit bytes
// long: exactly sized for small files (a 12 KiB app needs no MiB buffers),
// pooled at the full chunk size otherwise.
func chunkBuf(limit int64) []byte {
	if limit < chunkSize {
		return make([]byte, limit)
	}
	return chunkBufPool.Get().(*[chunkSize]byte)[:]
}

// releaseChunkBufs returns the full-size buffers of a computation to the
// pool once every worker has stopped.
func releaseChunkBufs(bufs [][]byte) {
	for _, b := range bufs {
		if cap(b) == chunkSize {
			chunkBufPool.Put((*[chunkSize]byte)(b[:chunkSize]))
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

// verityDigest computes the VERITY_CHUNKED_SHA256 content digest as apksig
// does: the root of an fs-verity style SHA-256 Merkle tree over 4 KiB
// blocks of the three regions concatenated, every hash salted with eight
// zero bytes, followed by the total length as uint64le. Partial blocks, of
// the data and of every tree level, are zero-padded to 4 KiB; levels are
// added until one fits in a single page, whose salted hash is the root.
func (d *ContentDigester) verityDigest(ctx context.Context) ([]byte, error) {
	if len(d.regions) > 0 && d.regions[0].Size()%verityBlockSize != 0 {
		return nil, &Error{Code: CodeDigestVerityUnaligned,
			Msg: fmt.Sprintf("data before the APK Signing Block is %d bytes, not a multiple of %d", d.regions[0].Size(), verityBlockSize)}
	}
	cat := newConcatReaderAt(d.regions)
	total := cat.size
	const digestSize = sha256.Size
	// Number of tree levels, as apksig's calculateLevelOffset counts them.
	levels := 0
	for size := total; ; {
		chunks := (size + verityBlockSize - 1) / verityBlockSize
		levels++
		if chunks*digestSize <= verityBlockSize {
			break
		}
		size = chunks * digestSize
	}
	var salt [8]byte
	tree := newVerityTree(levels, salt[:])
	const segBlocks = chunkSize / verityBlockSize
	nseg := int((total + chunkSize - 1) / chunkSize)
	workers := max(1, min(d.workers, nseg))
	bufs := make([][]byte, workers)
	hashers := make([]hash.Hash, workers)
	for w := range hashers {
		hashers[w] = sha256.New()
	}
	defer releaseChunkBufs(bufs)
	work := func(w, i int, slot []byte) error {
		off := int64(i) * chunkSize
		n := int(min(int64(chunkSize), total-off))
		if bufs[w] == nil {
			bufs[w] = chunkBuf(total)
		}
		buf := bufs[w][:n]
		if err := readFullAt(cat, buf, off); err != nil {
			return &Error{Code: CodeDigestIO, Msg: fmt.Sprintf("reading verity segment %d", i), Err: err}
		}
		h := hashers[w]
		out := slot[:0]
		for b := 0; b < n; b += verityBlockSize {
			h.Reset()
			h.Write(salt[:])
			blk := buf[b:min(b+verityBlockSize, n)]
			h.Write(blk)
			if len(blk) < verityBlockSize {
				// The last block is zero-padded to a full page.
				h.Write(zeroPage[:verityBlockSize-len(blk)])
			}
			out = h.Sum(out)
		}
		return nil
	}
	seg := 0
	emit := func(slot []byte) {
		off := int64(seg) * chunkSize
		n := min(int64(chunkSize), total-off)
		blocks := int((n + verityBlockSize - 1) / verityBlockSize)
		for b := 0; b < blocks; b++ {
			tree.push(0, slot[b*digestSize:(b+1)*digestSize])
		}
		seg++
	}
	if err := d.parallelOrdered(ctx, nseg, segBlocks*digestSize, work, emit); err != nil {
		return nil, err
	}
	root := tree.finish()
	out := make([]byte, 0, digestSize+8)
	out = append(out, root...)
	return binary.LittleEndian.AppendUint64(out, uint64(total)), nil
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
