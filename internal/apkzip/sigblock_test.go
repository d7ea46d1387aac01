package apkzip

import (
	"bytes"
	"encoding/binary"
	"io"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSigningBlockPairsInFileOrder(t *testing.T) {
	pairs := []pair{
		{0x7109871a, []byte("v2 signature block")},
		{0xf05368c0, []byte("v3 signature block")},
		{0x42726577, make([]byte, 100)}, // verity padding
		{0x7109871a, []byte("a second v2 block is never looked at")},
	}
	s := spec{entries: basicEntries(), sigBlock: sigBlockBytes(pairs...)}
	b := s.build(t)
	a, err := openBytes(b)
	require.NoError(t, err)
	blk := a.SigningBlock()
	require.NotNil(t, blk)
	assert.Nil(t, blk.PairsErr)
	assert.Equal(t, int64(len(s.sigBlock)), blk.Size)
	assert.Equal(t, a.CentralDirectoryOffset-blk.Size, blk.Offset)
	require.Len(t, blk.Pairs, len(pairs))
	assert.Equal(t, len(pairs), blk.NumPairs)
	for i, p := range pairs {
		assert.Equal(t, p.id, blk.Pairs[i].ID)
		v, err := a.PairValue(blk.Pairs[i])
		require.NoError(t, err)
		assert.Equal(t, p.value, v)
	}
	v2, ok := blk.Find(0x7109871a)
	require.True(t, ok)
	v, err := a.PairValue(v2)
	require.NoError(t, err)
	assert.Equal(t, []byte("v2 signature block"), v, "Find returns the first pair of an ID, as Android does")
	_, ok = blk.Find(0x12345678)
	assert.False(t, ok)
}

// TestContentRegionsAreTheUnsignedFile checks the three v2/v3 digest
// regions: concatenated, they are exactly the archive as it was before the
// signing block was inserted.
func TestContentRegionsAreTheUnsignedFile(t *testing.T) {
	unsigned := (&spec{entries: basicEntries(), comment: []byte("c")}).build(t)
	signed := (&spec{entries: basicEntries(), comment: []byte("c"),
		sigBlock: sigBlockBytes(pair{0x7109871a, []byte("sig")})}).build(t)
	a, err := openBytes(signed)
	require.NoError(t, err)
	regions := a.ContentRegions()
	require.Len(t, regions, 3)
	var got bytes.Buffer
	for _, r := range regions {
		_, err := io.Copy(&got, r)
		require.NoError(t, err)
	}
	assert.Equal(t, unsigned, got.Bytes())
	// The archive's own EOCD is unchanged.
	assert.Equal(t, signed[a.EOCDOffset:], a.EOCD())
}

func TestSigningBlockMalformedPairs(t *testing.T) {
	tests := []struct {
		name      string
		edit      func(b []byte) // b is the whole block
		wantPairs int
	}{
		{"pair length below 4", func(b []byte) {
			// Second pair: after size(8) + first pair (12+3).
			binary.LittleEndian.PutUint64(b[8+15:], 3)
		}, 1},
		{"pair length past the block", func(b []byte) { binary.LittleEndian.PutUint64(b[8+15:], 1<<20) }, 1},
		{"pair length of 2^63", func(b []byte) { binary.LittleEndian.PutUint64(b[8:], 1<<63) }, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			blockBytes := sigBlockBytes(pair{1, []byte("one")}, pair{2, []byte("two")})
			tt.edit(blockBytes)
			a, err := openBytes((&spec{entries: basicEntries(), sigBlock: blockBytes}).build(t))
			require.NoError(t, err, "a malformed pair does not make the ZIP unreadable")
			blk := a.SigningBlock()
			require.NotNil(t, blk)
			require.NotNil(t, blk.PairsErr)
			assert.ErrorIs(t, blk.PairsErr, CodeSigBlockPair)
			assert.Len(t, blk.Pairs, tt.wantPairs)
			_, ok := blk.Find(2)
			assert.False(t, ok, "pairs after a malformed one are unreachable, as for Android")
		})
	}
}

// TestSigningBlockManyTinyPairs shows that a block of many 12-byte pairs
// costs bounded memory while Find still sees every pair, as apksig does.
func TestSigningBlockManyTinyPairs(t *testing.T) {
	const n = 50_000
	pairs := make([]pair, n)
	for i := range pairs {
		pairs[i] = pair{id: uint32(i + 1)}
	}
	pairs[n-1].value = []byte("last")
	in := (&spec{entries: basicEntries(), sigBlock: sigBlockBytes(pairs...)}).build(t)
	var a *Archive
	var err error
	alloc := allocDuring(func() { a, err = openBytes(in) })
	require.NoError(t, err)
	blk := a.SigningBlock()
	assert.Len(t, blk.Pairs, MaxPairs)
	assert.Equal(t, n, blk.NumPairs)
	assert.Nil(t, blk.PairsErr)
	assert.Less(t, alloc, uint64(len(in)/4), "Open allocated %d bytes for a %d-byte input", alloc, len(in))

	p, ok := blk.Find(n)
	require.True(t, ok)
	v, err := a.PairValue(p)
	require.NoError(t, err)
	assert.Equal(t, []byte("last"), v)
}

func TestPairValueRefusesHugeValues(t *testing.T) {
	a := &Archive{}
	_, err := a.PairValue(Pair{ID: 1, Offset: 100, ValueOffset: 112, ValueSize: MaxPairValueSize + 1})
	fe := requireFormatError(t, err, CodeSigBlockPair, "")
	assert.Equal(t, int64(100), fe.Offset)
}

func TestNoSigningBlock(t *testing.T) {
	tests := []struct {
		name string
		s    spec
	}{
		{"unsigned", spec{entries: basicEntries()}},
		{"magic corrupted", spec{entries: basicEntries(), sigBlock: func() []byte {
			b := sigBlockBytes(pair{1, []byte("x")})
			b[len(b)-1] ^= 1
			return b
		}()}},
		{"central directory too close to the start", spec{entries: []*specEntry{{name: "a", content: nil}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := openBytes(tt.s.build(t))
			require.NoError(t, err)
			assert.Nil(t, a.SigningBlock())
			assert.Nil(t, a.ContentRegions())
			_, ok := a.SigningBlock().Find(1)
			assert.False(t, ok)
			assert.Empty(t, a.Findings)
		})
	}
}
