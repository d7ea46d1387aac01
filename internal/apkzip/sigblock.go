package apkzip

import (
	"encoding/binary"
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
	// malformed one.
	Pairs []Pair
	// PairsErr is set when a pair's length is out of range. Android finds
	// the pairs before it and cannot reach the ones after it.
	PairsErr *FormatError
}

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
// scheme block, and whether one was found.
func (b *SigningBlock) Find(id uint32) (Pair, bool) {
	if b == nil {
		return Pair{}, false
	}
	for _, p := range b.Pairs {
		if p.ID == id {
			return p, true
		}
	}
	return Pair{}, false
}

// PairValue reads a pair's value into memory.
func (a *Archive) PairValue(p Pair) ([]byte, error) {
	if p.ValueSize > MaxPairValueSize {
		return nil, errorf(CodeSigBlockPair, "", p.Offset,
			"signing block pair 0x%08x is %d bytes, over the %d-byte limit", p.ID, p.ValueSize, MaxPairValueSize)
	}
	return readFull(a.r, p.ValueOffset, int(p.ValueSize))
}

// findSigningBlock looks for the block immediately before the central
// directory. A file without the magic there simply has no block; a file with
// the magic but inconsistent sizes is malformed, as Android treats it.
func (a *Archive) findSigningBlock() error {
	cdOff := a.CentralDirectoryOffset
	if cdOff+a.CentralDirectorySize != a.EOCDOffset {
		return nil // apksig ignores the block of such a file
	}
	if cdOff < sigBlockFooterSize+8 {
		return nil
	}
	footer, err := readFull(a.r, cdOff-sigBlockFooterSize, sigBlockFooterSize)
	if err != nil {
		return err
	}
	if string(footer[8:]) != SigningBlockMagic {
		return nil
	}
	sizeInFooter := binary.LittleEndian.Uint64(footer)
	// The size counts everything after the first size field: the pairs,
	// the second size field and the magic.
	if sizeInFooter < sigBlockFooterSize || sizeInFooter > math.MaxInt64-8 || int64(sizeInFooter)+8 > cdOff {
		return a.ignoreBlock(errorf(CodeSigBlockMalformed, "", cdOff-sigBlockFooterSize,
			"APK Signing Block size %d out of range (central directory at %d)", sizeInFooter, cdOff))
	}
	total := int64(sizeInFooter) + 8
	start := cdOff - total
	head, err := readFull(a.r, start, 8)
	if err != nil {
		return err
	}
	if binary.LittleEndian.Uint64(head) != sizeInFooter {
		return a.ignoreBlock(errorf(CodeSigBlockMalformed, "", start,
			"APK Signing Block size fields differ: %d at the start, %d in the footer", binary.LittleEndian.Uint64(head), sizeInFooter))
	}
	b := &SigningBlock{Offset: start, Size: total}
	// Walk the pairs reading only their 12-byte headers.
	pos := start + 8
	end := cdOff - sigBlockFooterSize
	var hdr [12]byte
	for n := 1; pos < end; n++ {
		if end-pos < 8 {
			b.PairsErr = errorf(CodeSigBlockPair, "", pos, "insufficient data to read size of APK Signing Block entry #%d", n)
			break
		}
		// The footer follows the pairs, so 12 bytes can always be read.
		if _, err := a.r.ReadAt(hdr[:], pos); err != nil {
			return ioError(pos, err)
		}
		pairLen := binary.LittleEndian.Uint64(hdr[:8])
		if pairLen < 4 || pairLen > uint64(end-pos-8) {
			b.PairsErr = errorf(CodeSigBlockPair, "", pos,
				"APK Signing Block entry #%d size out of range: %d, available: %d", n, pairLen, end-pos-8)
			break
		}
		b.Pairs = append(b.Pairs, Pair{
			ID:          binary.LittleEndian.Uint32(hdr[8:]),
			Offset:      pos,
			ValueOffset: pos + 12,
			ValueSize:   int64(pairLen) - 4,
		})
		pos += 8 + int64(pairLen)
	}
	a.block = b
	return nil
}

// ignoreBlock records why a block that carries the magic is not used.
// Android treats such a file as having no APK Signing Block, so its v2+
// signatures do not count; the file is still read as a ZIP.
func (a *Archive) ignoreBlock(why *FormatError) error {
	a.Findings = append(a.Findings, *why)
	return nil
}
