package scheme

import (
	"cmp"
	"context"
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/binary"
	"fmt"
	"hash"
	"io"
	"os"
	"runtime/debug"
	"slices"

	"github.com/apktrust/apktrust/internal/apkzip"
)

// mappedBatchPerWorker is batchPerWorker for a mapped file: each item in
// flight keeps a MiB of the file resident.
const mappedBatchPerWorker = 4

// mmapMinSize is the smallest file the digests map instead of reading:
// below it, the mapping's system calls and page faults cost more than the
// copy they save.
const mmapMinSize = 4 << 20

// DigestPlan says what the verifications of one archive will need from its
// bytes, so that Prefetch computes all of it in one pass over the file.
type DigestPlan struct {
	// SchemeBlocks are the IDs of the signing-block pairs (v2, v3, v3.1)
	// whose signers' content digests will be checked: every content digest
	// algorithm their signers list is computed.
	SchemeBlocks []uint32
	// Frosting asks for the Play frosting file hash when the file has a
	// frosting block whose signature verifies with FrostingKeys (nil: the
	// Play Store's keys), the case in which VerifyFrosting compares it.
	Frosting     bool
	FrostingKeys []*ecdsa.PublicKey
	// V4Salt, with V4 set, asks for the v4 Merkle tree of the whole file
	// with that salt (a v4 signature's).
	V4     bool
	V4Salt []byte
}

// Prefetch computes, in one pass over the file, everything p asks for that
// is not cached yet; the verifiers then find it cached. Failures are cached
// too and reported by the verifier that needs the failed digest, as if it
// had computed it itself; Prefetch returns only ctx's error. A digester
// made by NewRegionDigester has no file: only SchemeBlocks' algorithms are
// meaningful for it, and it has no signing block to read them from.
func (d *ContentDigester) Prefetch(ctx context.Context, p DigestPlan) error {
	var w passWants
	if d.a != nil {
		if block := d.a.SigningBlock(); block != nil {
			for _, id := range p.SchemeBlocks {
				pair, ok := block.Find(id)
				if !ok {
					continue
				}
				value, err := d.a.PairValue(pair)
				if err != nil {
					continue // the verifier reports it
				}
				m := map[ContentDigestAlgorithm][]byte{}
				_ = stampSignerDigests(value, m) // partial is fine: a plan
				for alg := range m {
					if !containsAlg(w.algs, alg) {
						w.algs = append(w.algs, alg)
					}
				}
			}
		}
		w.frosting = p.Frosting && frostingNeedsDigest(d.a, p.FrostingKeys)
		if p.V4 {
			w.v4 = true
			w.v4Salt = p.V4Salt
		}
	}
	// Sorted, so the plan is the same whatever order the blocks list them.
	slices.Sort(w.algs)
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.compute(ctx, w); err != nil && ctx.Err() != nil {
		return ctx.Err()
	}
	return nil
}

// passWants is what one pass is asked for.
type passWants struct {
	algs     []ContentDigestAlgorithm
	frosting bool
	v4       bool
	v4Salt   []byte
}

// frostingDigest returns the frosting file hash, computing it unless a
// pass already did.
func (d *ContentDigester) frostingDigest(ctx context.Context) ([]byte, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.compute(ctx, passWants{frosting: true}); err != nil {
		return nil, err
	}
	return d.frost, d.frostErr
}

// v4MerkleTree returns the v4 Merkle tree of the whole file for salt,
// computing it unless a pass already did.
func (d *ContentDigester) v4MerkleTree(ctx context.Context, salt []byte) (tree, root []byte, err error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.compute(ctx, passWants{v4: true, v4Salt: salt}); err != nil {
		return nil, nil, err
	}
	t := d.v4[string(salt)]
	return t.tree, t.root, t.err
}

// faultGuard runs fn, turning a memory fault (a page of a file mapping
// that the file no longer backs: SIGBUS under debug.SetPanicOnFault) into
// CodeDigestFileChanged. Other panics go on.
func faultGuard(fn func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			if _, ok := r.(interface{ Addr() uintptr }); ok {
				err = &Error{Code: CodeDigestFileChanged, Msg: "the file shrank or changed while it was read"}
				return
			}
			panic(r)
		}
	}()
	return fn()
}

// unit is one read of the file in a pass and the consumers of those bytes:
// a 1 MiB chunk of a content region (every chunked algorithm), a 1 MiB
// segment of the regions concatenated (256 verity leaves), a 1 MiB segment
// of the whole file (256 v4 leaves). Before the signing block the three
// coincide, and one unit reads the MiB once for all of them. Units run in
// file order.
type unit struct {
	key               int64 // file offset of the bytes, for the order
	chunk, verity, v4 int   // index per consumer, -1 when not one
}

// pass is one read of the file computing several digests at once: the
// chunked content digests, the verity root, the v4 leaves (units hashed by
// all workers, emitted in order), and the frosting hash, a sequential
// stream fed by the emitter from the chunks' bytes in order (or, when no
// chunked digest is computed, read on a goroutine of its own).
type pass struct {
	d       *ContentDigester
	workers int
	window  int

	views    [][]byte // per region: its bytes in the file mapping, or nil
	fileMap  []byte   // the whole file's mapping, or nil
	released int64    // the mapping's pages below this were released
	bufs     [][]byte // per worker, for reads when not mapped
	slotBuf  [][]byte // per window slot: a chunk's bytes kept for the emitter
	largest  int64

	// chunked digests
	algs       []ContentDigestAlgorithm
	sizes      []int
	chunkSlot  int
	firstChunk []int
	tops       []hash.Hash
	hashers    [][]hash.Hash // per worker, per algorithm

	// verity
	verity      bool
	tree        *verityTree
	cat         *concatReaderAt
	verityTotal int64

	// v4
	v4       bool
	v4Salt   []byte
	v4Tree   *v4TreeBuf
	v4Level0 []byte // the tree's level 0, filled in order

	// frosting fed by the emitter
	frostEmit  bool
	frost      hash.Hash
	frostPair  bool // the v2 pair was hashed
	frostAlone bool // frosting is the pass's only consumer

	sha []hash.Hash // per worker, for verity and v4 leaves
}

// compute runs one pass for what w asks that is neither cached nor failed
// before, and caches the results. d.mu is held. It returns an error only
// when the pass could not run to the end (an unreadable file, ctx); the
// per-digest errors are in the caches.
func (d *ContentDigester) compute(ctx context.Context, w passWants) error {
	p := &pass{d: d, workers: d.workers}
	for _, a := range w.algs {
		if _, ok := d.cache[a]; ok || d.errs[a] != nil {
			continue
		}
		switch a {
		case DigestChunkedSHA256, DigestChunkedSHA512:
			if !containsAlg(p.algs, a) {
				p.algs = append(p.algs, a)
			}
		case DigestVerityChunkedSHA256:
			if len(d.regions) > 0 && d.regions[0].Size()%verityBlockSize != 0 {
				d.errs[a] = &Error{Code: CodeDigestVerityUnaligned,
					Msg: fmt.Sprintf("data before the APK Signing Block is %d bytes, not a multiple of %d", d.regions[0].Size(), verityBlockSize)}
				continue
			}
			p.verity = true
		}
	}
	frost := w.frosting && d.a != nil && d.frost == nil && d.frostErr == nil
	if w.v4 && d.a != nil {
		if _, ok := d.v4[string(w.v4Salt)]; !ok {
			p.v4, p.v4Salt = true, w.v4Salt
		}
	}
	if len(p.algs) == 0 && !p.verity && !p.v4 && !frost {
		return nil
	}
	var nChunks, concat int64
	p.firstChunk = make([]int, len(d.regions))
	for i, r := range d.regions {
		p.firstChunk[i] = int(nChunks)
		nChunks += (r.Size() + chunkSize - 1) / chunkSize
		p.largest = max(p.largest, r.Size())
		concat += r.Size()
	}
	if len(p.algs) > 0 && nChunks > 0xffffffff {
		err := &Error{Code: CodeDigestTooLarge, Msg: fmt.Sprintf("%d chunks", nChunks)}
		for _, a := range p.algs {
			d.errs[a] = err
		}
		p.algs = nil
	}
	var total int64 // bytes hashed by the units
	if p.verity {
		// A verity segment may span regions.
		p.largest = concat
		total += concat
	}
	if len(p.algs) > 0 {
		total += concat
	}
	if p.v4 {
		p.largest = max(p.largest, d.a.Size())
		total += d.a.Size()
	}
	// A file whose work fits in a couple of chunks is hashed on the
	// caller's goroutine.
	if total <= 2*chunkSize {
		p.workers = 1
	}
	if d.a != nil && d.a.Size() >= mmapMinSize {
		if f, ok := d.a.ReaderAt().(*os.File); ok {
			if m, unmap, ok := mapFile(f, d.a.Size()); ok {
				p.fileMap = m
				defer unmap()
			}
		}
	}
	p.views = make([][]byte, len(d.regions))
	// A small file read whole into memory is hashed in place, as a
	// mapped one is (but never released: it is the caller's buffer).
	whole := p.fileMap
	if whole == nil && d.a != nil {
		whole = apkzip.Bytes(d.a.ReaderAt())
	}
	if whole != nil {
		for i, r := range d.regions {
			if outer, base, n := r.Outer(); outer == d.a.ReaderAt() && base >= 0 && base+n <= int64(len(whole)) {
				p.views[i] = whole[base : base+n]
			}
		}
	}
	// Frosting hashes the content regions in order, which the chunk
	// units emit in order: the emitter feeds it their bytes.
	p.frostEmit = frost && len(p.algs) > 0 && len(d.regions) == 3
	if p.frostEmit {
		p.frost = sha256.New()
		if p.fileMap == nil {
			// Unmapped, a chunk's bytes live in its slot's buffer until
			// emitted: a short window bounds them.
			p.window = 2*p.workers + 2
		}
	}
	units := p.plan()
	if p.fileMap != nil && p.window == 0 {
		// Workers run ahead of the emitter, which releases the pages
		// behind it: the window is the mapped MiBs resident at once.
		p.window = p.workers * mappedBatchPerWorker
	}
	// The same window as parallelOrdered's: slot buffers are indexed by it.
	if p.window == 0 {
		p.window = p.workers * batchPerWorker
	}
	p.window = max(1, min(len(units), p.window))
	if p.workers == 1 || len(units) <= 1 {
		p.workers, p.window = 1, 1
	}
	var fj *frostJob
	if frost && !p.frostEmit {
		p.frostAlone = len(units) == 0
		fj = p.startFrost(ctx)
	}
	p.bufs = make([][]byte, max(1, p.workers))
	defer releaseChunkBufs(p.bufs)
	if p.frostEmit && p.fileMap == nil {
		p.slotBuf = make([][]byte, p.window)
		defer releaseChunkBufs(p.slotBuf)
	}
	slot := p.chunkSlot
	if p.verity {
		slot += chunkSize / verityBlockSize * sha256.Size
	}
	if p.v4 {
		slot += chunkSize / v4BlockSize * sha256.Size
	}
	err := parallelOrdered(ctx, p.workers, p.window, len(units), slot,
		func(w, i int, slot []byte) error { return p.work(w, i, units[i], slot) },
		func(i int, slot []byte) error { return p.emit(i, units[i], slot) })
	var frostSum []byte
	var frostErr error
	if fj != nil {
		<-fj.done
		frostSum, frostErr = fj.sum, fj.err
	}
	if p.frostEmit {
		frostErr = err
		if err == nil {
			frostSum = p.frost.Sum(nil)
		}
	}
	if frost {
		if frostErr != nil {
			if ctx.Err() == nil {
				d.frostErr = frostErr
			}
		} else {
			d.frost = frostSum
		}
	}
	if err != nil {
		if ctx.Err() == nil {
			for _, a := range p.algs {
				d.errs[a] = err
			}
			if p.verity {
				d.errs[DigestVerityChunkedSHA256] = err
			}
			if p.v4 {
				d.setV4(p.v4Salt, v4Tree{err: err})
			}
		}
		return err
	}
	for i, t := range p.tops {
		d.cache[p.algs[i]] = t.Sum(nil)
	}
	if p.verity {
		root := p.tree.finish()
		out := make([]byte, 0, sha256.Size+8)
		out = append(out, root...)
		d.cache[DigestVerityChunkedSHA256] = binary.LittleEndian.AppendUint64(out, uint64(p.verityTotal))
	}
	if p.v4 {
		root := p.v4Tree.finish(p.v4Salt)
		d.setV4(p.v4Salt, v4Tree{tree: p.v4Tree.tree, root: root})
	}
	if frostErr != nil && ctx.Err() != nil {
		return ctx.Err()
	}
	return nil
}

// frostJob is the frosting hash computed on its own (not fed by the
// emitter): done is closed when sum or err is set.
type frostJob struct {
	done chan struct{}
	sum  []byte
	err  error
}

// startFrost hashes the file for frosting, on its own goroutine when the
// pass has workers, else before returning. (Its own allocation: a pass
// without frosting, every small app's, makes no channel and no closure.)
func (p *pass) startFrost(ctx context.Context) *frostJob {
	j := &frostJob{done: make(chan struct{})}
	run := func() {
		defer close(j.done)
		defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
		j.err = faultGuard(func() error {
			var err error
			j.sum, err = p.frostingHash(ctx)
			return err
		})
	}
	if p.workers > 1 {
		go run()
	} else {
		run()
	}
	return j
}

func (d *ContentDigester) setV4(salt []byte, t v4Tree) {
	if d.v4 == nil {
		d.v4 = map[string]v4Tree{}
	}
	d.v4[string(salt)] = t
}

// fileKey maps an offset in region r to an offset in the file, for the
// order of the units; regions not in the file (the EOCD copy) go last.
func (p *pass) fileKey(r int, off int64) int64 {
	d := p.d
	if d.a == nil {
		return p.concatStart(r) + off
	}
	if outer, base, _ := d.regions[r].Outer(); outer == d.a.ReaderAt() {
		return base + off
	}
	return d.a.Size() + off
}

func (p *pass) concatStart(r int) int64 {
	var start int64
	for _, x := range p.d.regions[:r] {
		start += x.Size()
	}
	return start
}

// plan sets up the consumers and lists the units in file order, one unit
// per range of bytes, so each range is read once.
func (p *pass) plan() []unit {
	d := p.d
	// Every consumer lists its pieces (file offset, length); pieces of
	// the same bytes become one unit below.
	type piece struct {
		key, n            int64
		chunk, verity, v4 int
	}
	var pieces []piece
	add := func(key, n int64, set func(u *piece)) {
		pc := piece{key: key, n: n, chunk: -1, verity: -1, v4: -1}
		set(&pc)
		pieces = append(pieces, pc)
	}
	if len(p.algs) > 0 {
		n := 0
		for _, r := range d.regions {
			n += int((r.Size() + chunkSize - 1) / chunkSize)
		}
		var hdr [5]byte
		hdr[0] = 0x5a
		binary.LittleEndian.PutUint32(hdr[1:], uint32(n))
		for _, a := range p.algs {
			t := newChunkHash(a)
			p.sizes = append(p.sizes, t.Size())
			p.chunkSlot += t.Size()
			t.Write(hdr[:])
			p.tops = append(p.tops, t)
		}
		p.hashers = make([][]hash.Hash, p.workers)
		for w := range p.hashers {
			for _, a := range p.algs {
				p.hashers[w] = append(p.hashers[w], newChunkHash(a))
			}
		}
		for i := 0; i < n; i++ {
			c := d.chunkAt(i, p.firstChunk)
			add(p.fileKey(c.region, c.off), int64(c.n), func(u *piece) { u.chunk = i })
		}
	}
	if p.verity || p.v4 {
		p.sha = make([]hash.Hash, p.workers)
		for w := range p.sha {
			p.sha[w] = sha256.New()
		}
	}
	if p.verity {
		p.cat = newConcatReaderAt(d.regions)
		p.verityTotal = p.cat.size
		levels := 0
		for size := p.verityTotal; ; {
			chunks := (size + verityBlockSize - 1) / verityBlockSize
			levels++
			if chunks*sha256.Size <= verityBlockSize {
				break
			}
			size = chunks * sha256.Size
		}
		p.tree = newVerityTree(levels, make([]byte, 8))
		nseg := int((p.verityTotal + chunkSize - 1) / chunkSize)
		for i := 0; i < nseg; i++ {
			off := int64(i) * chunkSize
			n := min(int64(chunkSize), p.verityTotal-off)
			r := 0
			for r+1 < len(p.cat.starts) && p.cat.starts[r+1] <= off {
				r++
			}
			key := p.fileKey(r, off-p.cat.starts[r])
			if off+n > p.cat.starts[r]+d.regions[r].Size() {
				// Spans regions: not the same bytes as any chunk.
				n = -n
			}
			add(key, n, func(u *piece) { u.verity = i })
		}
	}
	if p.v4 {
		size := d.a.Size()
		p.v4Tree = newV4Tree(size)
		p.v4Level0 = p.v4Tree.level0()[:0]
		nseg := int((size + chunkSize - 1) / chunkSize)
		for i := 0; i < nseg; i++ {
			off := int64(i) * chunkSize
			n := min(int64(chunkSize), size-off)
			add(off, n, func(u *piece) { u.v4 = i })
		}
	}
	slices.SortStableFunc(pieces, func(a, b piece) int {
		if c := cmp.Compare(a.key, b.key); c != 0 {
			return c
		}
		return cmp.Compare(a.n, b.n)
	})
	units := make([]unit, 0, len(pieces))
	for i, pc := range pieces {
		if i > 0 && pc.key == pieces[i-1].key && pc.n == pieces[i-1].n {
			u := &units[len(units)-1]
			u.chunk, u.verity, u.v4 = max(u.chunk, pc.chunk), max(u.verity, pc.verity), max(u.v4, pc.v4)
			continue
		}
		units = append(units, unit{key: pc.key, chunk: pc.chunk, verity: pc.verity, v4: pc.v4})
	}
	return units
}

func newChunkHash(a ContentDigestAlgorithm) hash.Hash {
	if a == DigestChunkedSHA512 {
		return sha512.New()
	}
	return sha256.New()
}

// buf returns the buffer item i read by worker w reads into: its slot's
// when the emitter needs the bytes after the worker moved on.
func (p *pass) buf(w, i int) []byte {
	bufs, k := p.bufs, w
	if p.slotBuf != nil {
		bufs, k = p.slotBuf, i%p.window
	}
	if bufs[k] == nil {
		bufs[k] = chunkBuf(p.largest)
	}
	return bufs[k]
}

// regionBytes returns n bytes of region r at off: a slice of the mapping,
// or read into buf.
func (p *pass) regionBytes(buf []byte, r int, off int64, n int) ([]byte, error) {
	if v := p.views[r]; v != nil {
		return v[off : off+int64(n)], nil
	}
	b := buf[:n]
	return b, readFullAt(p.d.regions[r], b, off)
}

// fileBytes returns n bytes of the file at off.
func (p *pass) fileBytes(buf []byte, off int64, n int) ([]byte, error) {
	if p.fileMap != nil {
		return p.fileMap[off : off+int64(n)], nil
	}
	b := buf[:n]
	return b, readFullAt(p.d.a.ReaderAt(), b, off)
}

// concatBytes returns n bytes of the regions concatenated, at off: a slice
// of the mapping when they lie in one mapped region.
func (p *pass) concatBytes(buf []byte, off int64, n int) ([]byte, error) {
	for r, start := range p.cat.starts {
		end := start + p.d.regions[r].Size()
		if off >= start && off+int64(n) <= end && p.views[r] != nil {
			return p.views[r][off-start : off-start+int64(n)], nil
		}
	}
	b := buf[:n]
	return b, readFullAt(p.cat, b, off)
}

// work reads the unit's bytes once and hashes them for each consumer into
// its part of the slot: chunk digests, then verity leaves, then v4 leaves.
func (p *pass) work(w, i int, u unit, slot []byte) error {
	var data []byte // the unit's bytes, once read
	if u.chunk >= 0 {
		c := p.d.chunkAt(u.chunk, p.firstChunk)
		var err error
		if data, err = p.regionBytes(p.buf(w, i), c.region, c.off, c.n); err != nil {
			return &Error{Code: CodeDigestIO, Msg: fmt.Sprintf("reading chunk %d", u.chunk), Err: err}
		}
		var prefix [5]byte
		prefix[0] = 0xa5
		binary.LittleEndian.PutUint32(prefix[1:], uint32(c.n))
		out := slot[:0]
		for _, h := range p.hashers[w] {
			h.Reset()
			h.Write(prefix[:])
			h.Write(data)
			out = h.Sum(out)
		}
	}
	slot = slot[p.chunkSlot:]
	if u.verity >= 0 {
		if data == nil {
			off := int64(u.verity) * chunkSize
			n := int(min(int64(chunkSize), p.verityTotal-off))
			var err error
			if data, err = p.concatBytes(p.buf(w, i), off, n); err != nil {
				return &Error{Code: CodeDigestIO, Msg: fmt.Sprintf("reading verity segment %d", u.verity), Err: err}
			}
		}
		hashLeaves(p.sha[w], p.tree.salt, data, slot[:0])
		slot = slot[chunkSize/verityBlockSize*sha256.Size:]
	}
	if u.v4 >= 0 {
		if data == nil {
			off := int64(u.v4) * chunkSize
			n := int(min(int64(chunkSize), p.d.a.Size()-off))
			var err error
			if data, err = p.fileBytes(p.buf(w, i), off, n); err != nil {
				return &Error{Code: CodeDigestIO, Msg: fmt.Sprintf("reading v4 segment %d", u.v4), Err: err}
			}
		}
		hashLeaves(p.sha[w], p.v4Salt, data, slot[:0])
	}
	return nil
}

// hashLeaves appends the salted SHA-256 of every 4 KiB block of data (the
// last one zero-padded) to out.
func hashLeaves(h hash.Hash, salt, data, out []byte) []byte {
	for b := 0; b < len(data); b += verityBlockSize {
		h.Reset()
		h.Write(salt)
		blk := data[b:min(b+verityBlockSize, len(data))]
		h.Write(blk)
		if len(blk) < verityBlockSize {
			h.Write(zeroPage[:verityBlockSize-len(blk)])
		}
		out = h.Sum(out)
	}
	return out
}

// emit folds a unit's hashes into the digests, in file order, and
// releases the mapped pages before the unit: every unit before it is done.
func (p *pass) emit(i int, u unit, slot []byte) error {
	if p.fileMap != nil {
		p.release(u.key)
	}
	if u.chunk >= 0 {
		off := 0
		for k, t := range p.tops {
			t.Write(slot[off : off+p.sizes[k]])
			off += p.sizes[k]
		}
		if p.frostEmit {
			if err := p.frostChunk(i, u.chunk); err != nil {
				return err
			}
		}
	}
	slot = slot[p.chunkSlot:]
	if u.verity >= 0 {
		off := int64(u.verity) * chunkSize
		n := min(int64(chunkSize), p.verityTotal-off)
		blocks := int((n + verityBlockSize - 1) / verityBlockSize)
		for b := 0; b < blocks; b++ {
			p.tree.push(0, slot[b*sha256.Size:(b+1)*sha256.Size])
		}
		slot = slot[chunkSize/verityBlockSize*sha256.Size:]
	}
	if u.v4 >= 0 {
		off := int64(u.v4) * chunkSize
		n := min(int64(chunkSize), p.d.a.Size()-off)
		blocks := int((n + v4BlockSize - 1) / v4BlockSize)
		p.v4Level0 = append(p.v4Level0, slot[:blocks*sha256.Size]...)
	}
	return nil
}

// release drops the mapped pages below off (rounded down to a page).
func (p *pass) release(off int64) {
	off = min(off, int64(len(p.fileMap))) &^ (verityBlockSize - 1)
	if off > p.released {
		releaseMapped(p.fileMap[p.released:off])
		p.released = off
	}
}

// frostChunk feeds chunk c (item i) to the frosting hash: the v2 pair goes
// between the data before the signing block and the central directory.
func (p *pass) frostChunk(i, c int) error {
	ch := p.d.chunkAt(c, p.firstChunk)
	if ch.region > 0 && !p.frostPair {
		p.frostPair = true
		if err := p.frostV2Pair(); err != nil {
			return err
		}
	}
	var data []byte
	switch {
	case p.views[ch.region] != nil:
		data = p.views[ch.region][ch.off : ch.off+int64(ch.n)]
	case p.slotBuf != nil:
		data = p.slotBuf[i%p.window][:ch.n]
	default:
		// A mapped file's region that is not in the mapping: the EOCD
		// copy, a few bytes in memory.
		data = make([]byte, ch.n)
		if err := readFullAt(p.d.regions[ch.region], data, ch.off); err != nil {
			return err
		}
	}
	p.frost.Write(data)
	return nil
}

// frostV2Pair hashes the v2 pair's ID and value, if there is one.
func (p *pass) frostV2Pair() error {
	pair, ok := p.d.a.SigningBlock().Find(BlockIDV2)
	if !ok {
		return nil
	}
	// The pair's ID sits right before its value.
	if p.fileMap != nil {
		p.frost.Write(p.fileMap[pair.ValueOffset-4 : pair.ValueOffset+pair.ValueSize])
		return nil
	}
	r := io.NewSectionReader(p.d.a.ReaderAt(), pair.ValueOffset-4, pair.ValueSize+4)
	_, err := io.CopyBuffer(p.frost, r, make([]byte, 32<<10))
	return err
}

// frostingHash is the frosting consumer on its own, when the pass computes
// no chunked digest to share the reads with: one SHA-256 over the regions
// before and after the signing block with the v2 pair (ID and value) in
// between; see FrostingAPKDigest.
func (p *pass) frostingHash(ctx context.Context) ([]byte, error) {
	d := p.d
	if len(d.regions) != 3 {
		return nil, fmt.Errorf("no APK Signing Block")
	}
	p.frost = sha256.New()
	buf := chunkBuf(d.a.Size())
	defer releaseChunkBufs([][]byte{buf})
	region := func(r int) error {
		size := d.regions[r].Size()
		for off := int64(0); off < size; off += chunkSize {
			if err := ctx.Err(); err != nil {
				return err
			}
			b, err := p.regionBytes(buf, r, off, int(min(chunkSize, size-off)))
			if err != nil {
				return err
			}
			p.frost.Write(b)
			if p.frostAlone && p.fileMap != nil && p.views[r] != nil {
				releaseMapped(b[:len(b)&^(verityBlockSize-1)])
			}
		}
		return nil
	}
	if err := region(0); err != nil {
		return nil, err
	}
	if err := p.frostV2Pair(); err != nil {
		return nil, err
	}
	for r := 1; r < 3; r++ {
		if err := region(r); err != nil {
			return nil, err
		}
	}
	return p.frost.Sum(nil), nil
}
