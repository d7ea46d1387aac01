package signer

import (
	"encoding/binary"
	"fmt"
)

// Codes of Error: the ways a length-prefixed structure inside a
// signing-block value can be malformed.
const (
	CodeBlockTruncated   = "BLOCK_TRUNCATED"
	CodeBlockLengthRange = "BLOCK_LENGTH_OUT_OF_RANGE"
)

// Sentinels for errors.Is; each matches every Error of its Code.
var (
	ErrBlockTruncated   = &Error{Code: CodeBlockTruncated}
	ErrBlockLengthRange = &Error{Code: CodeBlockLengthRange}
)

// blockReader reads the little-endian, uint32-length-prefixed records that
// APK Signature Scheme v2/v3 blocks and lineages are made of. It never
// allocates: every slice it returns aliases the input, and every length is
// checked against what remains before it is used, so hostile lengths cannot
// cause large allocations or out-of-range reads.
type blockReader struct {
	b []byte
}

func (r *blockReader) remaining() int { return len(r.b) }

func (r *blockReader) hasRemaining() bool { return len(r.b) > 0 }

// u32 reads an unsigned 32-bit little-endian integer.
func (r *blockReader) u32() (uint32, error) {
	if len(r.b) < 4 {
		return 0, &Error{Code: CodeBlockTruncated, Msg: fmt.Sprintf("need 4 bytes for an integer, %d remain", len(r.b))}
	}
	v := binary.LittleEndian.Uint32(r.b)
	r.b = r.b[4:]
	return v, nil
}

// i32 reads a signed 32-bit little-endian integer, as Java's getInt does.
func (r *blockReader) i32() (int32, error) {
	v, err := r.u32()
	return int32(v), err
}

// lengthPrefixed reads a uint32 length and returns a reader over that many
// following bytes. Lengths with the top bit set are negative to Java's
// ByteBuffer and are refused like any other out-of-range length.
func (r *blockReader) lengthPrefixed() (blockReader, error) {
	b, err := r.lengthPrefixedBytes()
	return blockReader{b: b}, err
}

// lengthPrefixedBytes reads a uint32 length and returns that many following
// bytes (aliasing the input).
func (r *blockReader) lengthPrefixedBytes() ([]byte, error) {
	if len(r.b) < 4 {
		return nil, &Error{Code: CodeBlockTruncated, Msg: fmt.Sprintf("need 4 bytes for a length prefix, %d remain", len(r.b))}
	}
	n := binary.LittleEndian.Uint32(r.b)
	if n > 0x7fffffff || uint64(n) > uint64(len(r.b)-4) {
		return nil, &Error{Code: CodeBlockLengthRange, Msg: fmt.Sprintf("length-prefixed field of %d bytes, %d remain", n, len(r.b)-4)}
	}
	v := r.b[4 : 4+n : 4+n]
	r.b = r.b[4+n:]
	return v, nil
}

// rest returns all remaining bytes and leaves the reader empty.
func (r *blockReader) rest() []byte {
	v := r.b
	r.b = nil
	return v
}
