package ber

import (
	"bytes"
	"math/big"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// der encodes one definite-length element from its parts.
func der(tag byte, parts ...[]byte) []byte { return AppendTLV([]byte{tag}, bytes.Join(parts, nil)) }

// The DER encodings of PKCS #9 contentType and PKCS #7 data.
var (
	oidContentType = []byte{0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x03}
	oidData        = []byte{0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01}
)

func TestReadBER(t *testing.T) {
	tests := []struct {
		name        string
		in          []byte
		wantContent []byte
		wantRawLen  int
		wantRest    int
		wantErr     bool
	}{
		{name: "short form", in: []byte{0x04, 0x02, 'h', 'i', 0xff}, wantContent: []byte("hi"), wantRawLen: 4, wantRest: 1},
		{name: "long form", in: append([]byte{0x04, 0x81, 0x03}, "abc"...), wantContent: []byte("abc"), wantRawLen: 6},
		{name: "non-minimal long form (BER)", in: append([]byte{0x04, 0x82, 0x00, 0x01}, 'z'), wantContent: []byte("z"), wantRawLen: 5},
		{name: "indefinite length", in: []byte{0x30, 0x80, 0x02, 0x01, 0x05, 0x00, 0x00, 0x01}, wantContent: []byte{0x02, 0x01, 0x05}, wantRawLen: 7, wantRest: 1},
		{name: "high tag number", in: []byte{0x9f, 0x81, 0x01, 0x01, 0x07}, wantContent: []byte{7}, wantRawLen: 5},
		{name: "length past the end", in: []byte{0x04, 0x05, 'a'}, wantErr: true},
		{name: "huge length", in: []byte{0x04, 0x84, 0xff, 0xff, 0xff, 0xff}, wantErr: true},
		{name: "five length octets", in: []byte{0x04, 0x85, 0, 0, 0, 0, 1}, wantErr: true},
		{name: "indefinite primitive", in: []byte{0x04, 0x80, 0x00, 0x00}, wantErr: true},
		{name: "indefinite without end", in: []byte{0x30, 0x80, 0x02, 0x01, 0x05}, wantErr: true},
		{name: "truncated", in: []byte{0x30}, wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e, rest, err := Read(tc.in, 0)
			if tc.wantErr {
				require.Error(t, err)
				var be *Error
				assert.ErrorAs(t, err, &be)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.wantContent, e.Content)
			assert.Len(t, e.Raw, tc.wantRawLen)
			assert.Len(t, rest, tc.wantRest)
		})
	}
}

func TestJavaDefinite(t *testing.T) {
	a1 := der(0x30, oidContentType, der(0x31, oidData))
	set := der(0x31, a1)
	tests := []struct {
		name string
		in   []byte
		want []byte
	}{
		{name: "DER: the tag only", in: append([]byte{0xa0}, set[1:]...), want: set},
		{name: "indefinite outer length", in: append(append([]byte{0xa0, 0x80}, a1...), 0, 0), want: set},
		{name: "non-minimal outer length", in: append([]byte{0xa0, 0x81, byte(len(a1))}, a1...), want: set},
		{name: "nested indefinite lengths", in: append(append([]byte{0xa0, 0x80, 0x30, 0x80}, a1[2:]...), 0, 0, 0, 0), want: set},
		{name: "non-minimal child length under an indefinite parent", in: append(append([]byte{0xa0, 0x80, 0x30, 0x81, a1[1]}, a1[2:]...), 0, 0), want: set},
		{name: "non-minimal child length under a definite parent is kept", in: append([]byte{0xa0, byte(len(a1) + 1), 0x30, 0x81, a1[1]}, a1[2:]...),
			want: append([]byte{0x31, byte(len(a1) + 1), 0x30, 0x81, a1[1]}, a1[2:]...)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := JavaDefinite(tc.in, 0x31)
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}
}

func FuzzJavaDefinite(f *testing.F) {
	a1 := der(0x30, oidContentType, der(0x31, oidData))
	f.Add(append([]byte{0xa0}, der(0x31, a1)[1:]...))
	f.Add(append(append([]byte{0xa0, 0x80, 0x30, 0x80}, a1[2:]...), 0, 0, 0, 0))
	f.Add([]byte{0xa0, 0x80, 0x24, 0x80, 0x04, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00})
	f.Fuzz(func(t *testing.T, data []byte) {
		out, err := JavaDefinite(data, 0x31)
		if err != nil {
			return
		}
		// The result is one definite-length element, and converting it
		// again changes nothing but the tag.
		e, rest, err := Read(out, 0)
		require.NoError(t, err)
		require.Empty(t, rest)
		require.False(t, e.indefinite)
		again, err := JavaDefinite(out, 0x31)
		require.NoError(t, err)
		require.Equal(t, out, again)
	})
}

func TestBERIntegerAndOID(t *testing.T) {
	tests := []struct {
		in   []byte
		want int64
	}{
		{[]byte{0x02, 0x01, 0x05}, 5},
		{[]byte{0x02, 0x01, 0xff}, -1},
		{[]byte{0x02, 0x03, 0xfa, 0x5b, 0x3c}, -0x05a4c4},
		{[]byte{0x02, 0x02, 0x00, 0x80}, 128},
	}
	for _, tc := range tests {
		e, _, err := Read(tc.in, 0)
		require.NoError(t, err)
		n, err := Integer(e)
		require.NoError(t, err)
		assert.Equal(t, 0, big.NewInt(tc.want).Cmp(n), "got %v", n)
	}
	e, _, err := Read([]byte{0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02}, 0)
	require.NoError(t, err)
	oid, err := OID(e)
	require.NoError(t, err)
	assert.Equal(t, "1.2.840.113549.1.7.2", oid)
}
