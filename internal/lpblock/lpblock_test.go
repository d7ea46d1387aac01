package lpblock

import (
	"encoding/binary"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func le32(v uint32) []byte { return binary.LittleEndian.AppendUint32(nil, v) }

func TestLengthPrefixedBytes(t *testing.T) {
	tests := []struct {
		name     string
		in       []byte
		want     []byte
		wantCode string
		rest     int
	}{
		{"value and trailer", append(append(le32(2), 'a', 'b'), 'c'), []byte("ab"), "", 1},
		{"empty value", le32(0), []byte{}, "", 0},
		{"short prefix", []byte{1, 0, 0}, nil, CodeTruncated, 3},
		{"length past end", append(le32(3), 'a', 'b'), nil, CodeLengthRange, 6},
		{"negative to Java", append(le32(0x80000000), 'a'), nil, CodeLengthRange, 5},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := New(tc.in)
			got, err := r.LengthPrefixedBytes()
			if tc.wantCode != "" {
				var e *Error
				require.True(t, errors.As(err, &e))
				assert.Equal(t, tc.wantCode, e.Code)
				assert.Equal(t, tc.rest, r.Remaining(), "a failed read consumes nothing")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
			assert.Equal(t, len(got), cap(got), "capacity is capped so appends cannot clobber the input")
			assert.Equal(t, tc.rest, r.Remaining())
		})
	}
}

func TestIntegersAndRest(t *testing.T) {
	r := New(append(le32(0xfffffffe), le32(7)...))
	v, err := r.I32()
	require.NoError(t, err)
	assert.Equal(t, int32(-2), v, "read as Java's getInt")
	outer := New(append(le32(4), le32(9)...))
	sub, err := outer.LengthPrefixed()
	require.NoError(t, err)
	u, err := sub.U32()
	require.NoError(t, err)
	assert.Equal(t, uint32(9), u)
	assert.False(t, sub.HasRemaining())
	assert.Equal(t, le32(7), r.Rest())
	assert.False(t, r.HasRemaining())
	_, err = r.U32()
	assert.EqualError(t, err, "signer: BLOCK_TRUNCATED: need 4 bytes for an integer, 0 remain")
}

func TestFixed(t *testing.T) {
	r := New([]byte{1, 2, 3})
	b, ok := r.Fixed(2)
	require.True(t, ok)
	assert.Equal(t, []byte{1, 2}, b)
	_, ok = r.Fixed(2)
	assert.False(t, ok)
	_, ok = r.Fixed(-1)
	assert.False(t, ok)
	assert.Equal(t, 1, r.Remaining())
}

// FuzzReader walks arbitrary input as nested length-prefixed records: no
// read may panic, return more bytes than remain, or fail without a code.
func FuzzReader(f *testing.F) {
	f.Add(append(le32(8), append(le32(4), le32(1)...)...))
	f.Add(append(le32(0x7fffffff), 0))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		var walk func(r Reader, depth int)
		walk = func(r Reader, depth int) {
			for r.HasRemaining() && depth < 8 {
				before := r.Remaining()
				sub, err := r.LengthPrefixed()
				if err != nil {
					var e *Error
					if !errors.As(err, &e) || e.Code == "" {
						t.Fatalf("error without a code: %v", err)
					}
					if _, err := r.U32(); err == nil && r.Remaining() != before-4 {
						t.Fatalf("U32 consumed %d bytes", before-r.Remaining())
					}
					return
				}
				if r.Remaining()+4+sub.Remaining() != before {
					t.Fatalf("record of %d bytes from %d, %d left", sub.Remaining(), before, r.Remaining())
				}
				walk(sub, depth+1)
			}
		}
		walk(New(data), 0)
	})
}
