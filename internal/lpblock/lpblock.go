// Package lpblock reads the little-endian, uint32-length-prefixed records
// that APK Signature Scheme v2/v3/v3.1 blocks, proof-of-rotation lineages,
// source stamps and v4 signature files are made of.
//
// A Reader never allocates: every slice it returns aliases the input, and
// every length is checked against what remains before it is used, so
// hostile lengths cannot cause large allocations or out-of-range reads.
package lpblock

import (
	"encoding/binary"
	"fmt"
)

// Codes of Error: the ways a length-prefixed structure can be malformed.
// The strings are the ones the signer package has always reported.
const (
	CodeTruncated   = "BLOCK_TRUNCATED"
	CodeLengthRange = "BLOCK_LENGTH_OUT_OF_RANGE"
)

// Error is a read past the end of the input or a length prefix that does
// not fit in what remains. Its Code is only ever read as text: the
// callers report it inside their own issues, so it needs no errors.Is
// rule (this package sits below signer and cannot use *signer.Error).
type Error struct {
	Code string
	Msg  string
}

// Error returns "signer: CODE: message": the text these errors had while
// the reader lived in the signer package, which issue messages of
// verification results still carry.
func (e *Error) Error() string {
	s := "signer: " + e.Code
	if e.Msg != "" {
		s += ": " + e.Msg
	}
	return s
}

// Reader reads records from a byte slice. The zero value is an empty
// reader; copying a Reader copies its position.
type Reader struct {
	b []byte
}

// New returns a Reader over b.
func New(b []byte) Reader { return Reader{b: b} }

// Remaining returns the number of unread bytes.
func (r *Reader) Remaining() int { return len(r.b) }

// HasRemaining reports whether any bytes are left.
func (r *Reader) HasRemaining() bool { return len(r.b) > 0 }

// U32 reads an unsigned 32-bit little-endian integer.
func (r *Reader) U32() (uint32, error) {
	if len(r.b) < 4 {
		return 0, &Error{Code: CodeTruncated, Msg: fmt.Sprintf("need 4 bytes for an integer, %d remain", len(r.b))}
	}
	v := binary.LittleEndian.Uint32(r.b)
	r.b = r.b[4:]
	return v, nil
}

// I32 reads a signed 32-bit little-endian integer, as Java's getInt does.
func (r *Reader) I32() (int32, error) {
	v, err := r.U32()
	return int32(v), err
}

// LengthPrefixed reads a uint32 length and returns a Reader over that many
// following bytes. Lengths with the top bit set are negative to Java's
// ByteBuffer and are refused like any other out-of-range length.
func (r *Reader) LengthPrefixed() (Reader, error) {
	b, err := r.LengthPrefixedBytes()
	return Reader{b: b}, err
}

// LengthPrefixedBytes reads a uint32 length and returns that many
// following bytes (aliasing the input, with its capacity capped so an
// append cannot overwrite what follows).
func (r *Reader) LengthPrefixedBytes() ([]byte, error) {
	if len(r.b) < 4 {
		return nil, &Error{Code: CodeTruncated, Msg: fmt.Sprintf("need 4 bytes for a length prefix, %d remain", len(r.b))}
	}
	n := binary.LittleEndian.Uint32(r.b)
	if n > 0x7fffffff || uint64(n) > uint64(len(r.b)-4) {
		return nil, &Error{Code: CodeLengthRange, Msg: fmt.Sprintf("length-prefixed field of %d bytes, %d remain", n, len(r.b)-4)}
	}
	v := r.b[4 : 4+n : 4+n]
	r.b = r.b[4+n:]
	return v, nil
}

// Fixed returns the next n bytes (aliasing the input, capacity capped),
// or false and no progress when fewer than n remain or n is negative.
func (r *Reader) Fixed(n int) ([]byte, bool) {
	if n < 0 || len(r.b) < n {
		return nil, false
	}
	v := r.b[:n:n]
	r.b = r.b[n:]
	return v, true
}

// Rest returns all remaining bytes and leaves the reader empty.
func (r *Reader) Rest() []byte {
	v := r.b
	r.b = nil
	return v
}
