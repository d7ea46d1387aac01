package apkzip

import (
	"encoding/binary"
	"io"
	"math"
)

// SigningBlockMagic is the 16-byte magic that ends the APK Signing Block.
const SigningBlockMagic = "APK Sig Block 42"

const sigBlockFooterSize = 24 // uint64 size + 16-byte magic

// SigningBlock is the APK Signing Block: a sequence of ID/value pairs that
// sits immediately before the central directory.
type SigningBlock struct {
	// Offset is the file offset of the block's first size field.
	Offset int64
	// Size is the whole block's size, both size fields and the magic
	// included.
	Size int64
	// Pairs are the ID/value pairs in file order, up to the first
	// malformed one, and at most MaxPairs of them: a hostile block of
	// millions of 12-byte pairs must not cost more memory than the file.
	// Find still sees every pair.
	Pairs []Pair
	// NumPairs counts the well-formed pairs, including any beyond MaxPairs.
	NumPairs int
	// PairsErr is set when a pair's length is out of range. Android finds
	// the pairs before it and cannot reach the ones after it.
	PairsErr *FormatError

	r io.ReaderAt
}

// MaxPairs bounds SigningBlock.Pairs. Blocks Android tools write hold fewer
// than ten pairs (v2, v3, v3.1, source stamp, frosting, verity padding).
const MaxPairs = 1024

// Pair is one ID/value pair of the signing block. Values are not loaded
// until asked for: verity padding and unknown blocks are never read.
type Pair struct {
	ID uint32
	// Offset is the file offset of the pair's 8-byte length field.
	Offset int64
	// ValueOffset and ValueSize locate the value (after the 4-byte ID).
	ValueOffset int64
	ValueSize   int64
}

// MaxPairValueSize bounds the values PairValue loads into memory. Scheme
// blocks are a few KiB; nothing Android writes comes near this.
const MaxPairValueSize = 16 << 20

// Find returns the first pair with the given ID, as Android looks up a
// scheme block, and whether one was found. Pairs beyond MaxPairs are found
// by walking the block again; an I/O error during that walk counts as not
// found.
func (b *SigningBlock) Find(id uint32) (Pair, bool) {
	if b == nil {
		return Pair{}, false
	}
	for _, p := range b.Pairs {
		if p.ID == id {
			return p, true
		}
	}
	if b.NumPairs <= len(b.Pairs) {
		return Pair{}, false
	}
	var found Pair
	ok := false
	w := newPairWalker(b.r)
	defer w.release()
	_, _ = w.walk(b.Offset+8, b.Offset+b.Size-sigBlockFooterSize, func(p Pair) bool {
		if p.ID == id {
			found, ok = p, true
			return false
		}
		return true
	})
	return found, ok
}

// PairValue reads a pair's value into memory, once per archive: the
// slice is shared by every caller and must not be modified.
func (a *Archive) PairValue(p Pair) ([]byte, error) {
	if p.ValueSize > MaxPairValueSize {
		return nil, errorf(CodeSigBlockPair, "", p.Offset,
			"signing block pair 0x%08x is %d bytes, over the %d-byte limit", p.ID, p.ValueSize, MaxPairValueSize)
	}
	type pairKey struct{ off, size int64 }
	k := pairKey{p.ValueOffset, p.ValueSize}
	a.memoMu.Lock()
	v, ok := a.memo[k]
	a.memoMu.Unlock()
	if ok {
		return v.([]byte), nil
	}
	b, err := readFull(a.r, p.ValueOffset, int(p.ValueSize))
	if err != nil {
		return nil, err
	}
	// Every verifier of a block reads it (the digest plan, v2 or v3, the
	// stamp): it is read from the file once.
	a.Memo(k, func() any { return b })
	return b, nil
}

// findSigningBlock looks for the block immediately before the central
// directory with apksig's rules (ApkSigningBlockUtils.findApkSigningBlock):
// a file without the magic there simply has no block; a block whose size
// fields are out of range or disagree is ignored, as apksig ignores it (the
// file then falls back to its JAR signature), and recorded in Findings.
func (a *Archive) findSigningBlock() error {
	cdOff := a.CentralDirectoryOffset
	if cdOff+a.CentralDirectorySize != a.EOCDOffset {
		return nil // apksig ignores the block of such a file
	}
	if cdOff < sigBlockFooterSize+8 {
		return nil
	}
	var footer [sigBlockFooterSize]byte
	if err := readAt(a.r, footer[:], cdOff-sigBlockFooterSize); err != nil {
		return err
	}
	if string(footer[8:]) != SigningBlockMagic {
		return nil
	}
	sizeInFooter := binary.LittleEndian.Uint64(footer[:])
	// The size counts everything after the first size field: the pairs,
	// the second size field and the magic. apksig caps it at 2^31-9
	// because it addresses the block with Java ints; a block claiming
	// 4 GiB is ignored before anything is read or allocated.
	if sizeInFooter < sigBlockFooterSize || sizeInFooter > math.MaxInt32-8 || int64(sizeInFooter)+8 > cdOff {
		return a.ignoreBlock(errorf(CodeSigBlockMalformed, "", cdOff-sigBlockFooterSize,
			"APK Signing Block size %d out of range (central directory at %d)", sizeInFooter, cdOff))
	}
	total := int64(sizeInFooter) + 8
	start := cdOff - total
	var head [8]byte
	if err := readAt(a.r, head[:], start); err != nil {
		return err
	}
	if binary.LittleEndian.Uint64(head[:]) != sizeInFooter {
		return a.ignoreBlock(errorf(CodeSigBlockMalformed, "", start,
			"APK Signing Block size fields differ: %d at the start, %d in the footer", binary.LittleEndian.Uint64(head[:]), sizeInFooter))
	}
	b := &SigningBlock{Offset: start, Size: total, r: a.r}
	w := newPairWalker(a.r)
	defer w.release()
	perr, err := w.walk(start+8, cdOff-sigBlockFooterSize, func(p Pair) bool {
		b.NumPairs++
		if len(b.Pairs) < MaxPairs {
			b.Pairs = append(b.Pairs, p)
		}
		return true
	})
	if err != nil {
		return err
	}
	b.PairsErr = perr
	a.block = b
	return nil
}

// pairWalker reads pair headers through a small window, so that walking a
// block of many tiny pairs costs few reads and no allocation.
type pairWalker struct {
	r      io.ReaderAt
	win    [1024]byte
	winOff int64
	winLen int
}

// header returns the 12 bytes at pos, which the caller has checked lie
// before end.
func (w *pairWalker) header(pos, end int64) ([]byte, error) {
	if pos >= w.winOff && pos+12 <= w.winOff+int64(w.winLen) {
		return w.win[pos-w.winOff:][:12], nil
	}
	n := min(int64(len(w.win)), end-pos)
	if err := readAt(w.r, w.win[:n], pos); err != nil {
		return nil, err
	}
	w.winOff, w.winLen = pos, int(n)
	return w.win[:12], nil
}

// walk calls fn for each well-formed pair in [pos, end), in file order,
// until fn returns false. It applies apksig's rules: each pair is a uint64
// length (at least 4, at most 2^31-1, within the block) followed by a uint32
// ID and the value. It returns the first malformed pair as a FormatError,
// and read failures as err.
func (w *pairWalker) walk(pos, end int64, fn func(Pair) bool) (perr *FormatError, err error) {
	for n := 1; pos < end; n++ {
		if end-pos < 8 {
			return errorf(CodeSigBlockPair, "", pos, "insufficient data to read size of APK Signing Block entry #%d", n), nil
		}
		var pairLen uint64
		var id uint32
		if end-pos >= 12 {
			h, err := w.header(pos, end)
			if err != nil {
				return nil, err
			}
			pairLen = binary.LittleEndian.Uint64(h)
			id = binary.LittleEndian.Uint32(h[8:])
		} else {
			// Too short for an ID: the length check below fails whatever
			// the length says, but it is read for the message.
			var h [8]byte
			if err := readAt(w.r, h[:], pos); err != nil {
				return nil, err
			}
			pairLen = binary.LittleEndian.Uint64(h[:])
		}
		if pairLen < 4 || pairLen > math.MaxInt32 || pairLen > uint64(end-pos-8) {
			return errorf(CodeSigBlockPair, "", pos,
				"APK Signing Block entry #%d size out of range: %d, available: %d", n, pairLen, end-pos-8), nil
		}
		if !fn(Pair{ID: id, Offset: pos, ValueOffset: pos + 12, ValueSize: int64(pairLen) - 4}) {
			return nil, nil
		}
		pos += 8 + int64(pairLen)
	}
	return nil, nil
}

// ignoreBlock records why a block that carries the magic is not used.
// Android treats such a file as having no APK Signing Block, so its v2+
// signatures do not count; the file is still read as a ZIP.
func (a *Archive) ignoreBlock(why *FormatError) error {
	a.Findings = append(a.Findings, *why)
	return nil
}
