package scheme

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"io"
	"math/rand"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func v23RandomBytes(seed int64, n int) []byte {
	b := make([]byte, n)
	rand.New(rand.NewSource(seed)).Read(b)
	return b
}

func v23Sections(regions ...[]byte) []*io.SectionReader {
	var out []*io.SectionReader
	for _, r := range regions {
		out = append(out, io.NewSectionReader(bytes.NewReader(r), 0, int64(len(r))))
	}
	return out
}

// v23RefVerityDigest builds the whole verity tree in memory level by level,
// the straightforward way, to cross-check the streaming implementation.
func v23RefVerityDigest(regions ...[]byte) []byte {
	var data []byte
	for _, r := range regions {
		data = append(data, r...)
	}
	salt := make([]byte, 8)
	hashPages := func(b []byte) []byte {
		var out []byte
		for off := 0; off < len(b); off += verityBlockSize {
			page := make([]byte, verityBlockSize)
			copy(page, b[off:min(off+verityBlockSize, len(b))])
			h := sha256.Sum256(append(append([]byte(nil), salt...), page...))
			out = append(out, h[:]...)
		}
		return out
	}
	level := hashPages(data)
	for len(level) > verityBlockSize {
		level = hashPages(level)
	}
	root := hashPages(level) // one padded page
	return binary.LittleEndian.AppendUint64(root[:32:32], uint64(len(data)))
}

// TestContentDigesterMatchesReference compares the parallel digester with
// plain sequential implementations for region sizes around the chunk and
// page boundaries and for several worker counts.
func TestContentDigesterMatchesReference(t *testing.T) {
	const mb = chunkSize
	tests := []struct {
		name    string
		sizes   []int
		workers []int
		verity  bool
	}{
		{name: "tiny", sizes: []int{4096, 100, 22}, workers: []int{1, 4}, verity: true},
		{name: "empty middle region", sizes: []int{8192, 0, 22}, workers: []int{1, 3}, verity: true},
		{name: "chunk boundaries", sizes: []int{mb, mb - 1, mb + 1}, workers: []int{1, 2, 5}},
		{name: "several chunks per region", sizes: []int{3*mb + 4096*3, 2*mb + 7, 22}, workers: []int{1, 2, 8}, verity: true},
		{name: "two verity levels", sizes: []int{600 * 4096, 5000, 22}, workers: []int{2}, verity: true},
		{name: "many batches", sizes: []int{40*mb + 4096, 1000, 22}, workers: []int{1, 2}, verity: true},
	}
	for _, tc := range tests {
		var regions [][]byte
		for i, n := range tc.sizes {
			regions = append(regions, v23RandomBytes(int64(i+len(tc.name)), n))
		}
		want256 := v23RefChunkedDigest(DigestChunkedSHA256, regions...)
		want512 := v23RefChunkedDigest(DigestChunkedSHA512, regions...)
		var wantVerity []byte
		if tc.verity {
			wantVerity = v23RefVerityDigest(regions...)
		}
		for _, w := range tc.workers {
			t.Run(tc.name, func(t *testing.T) {
				d := NewRegionDigester(v23Sections(regions...)...)
				d.SetWorkers(w)
				got, err := d.Digests(context.Background(), DigestChunkedSHA256, DigestChunkedSHA512)
				require.NoError(t, err)
				assert.Equal(t, want256, got[DigestChunkedSHA256], "SHA-256, %d workers", w)
				assert.Equal(t, want512, got[DigestChunkedSHA512], "SHA-512, %d workers", w)
				if tc.verity {
					v, err := d.Digest(context.Background(), DigestVerityChunkedSHA256)
					require.NoError(t, err)
					assert.Equal(t, wantVerity, v, "verity, %d workers", w)
				}
			})
		}
	}
}

// v23CountingReaderAt counts bytes read, to show each digest is computed once.
type v23CountingReaderAt struct {
	r    io.ReaderAt
	n    atomic.Int64
	fail bool
}

func (c *v23CountingReaderAt) ReadAt(p []byte, off int64) (int, error) {
	if c.fail {
		return 0, errors.New("disk on fire")
	}
	n, err := c.r.ReadAt(p, off)
	c.n.Add(int64(n))
	return n, err
}

// TestContentDigesterComputesOnce checks that SHA-256 and SHA-512 share
// one pass over the file and that later requests are served from cache.
func TestContentDigesterComputesOnce(t *testing.T) {
	data := v23RandomBytes(1, 3*chunkSize+10)
	cr := &v23CountingReaderAt{r: bytes.NewReader(data)}
	d := NewRegionDigester(io.NewSectionReader(cr, 0, int64(len(data))))
	first, err := d.Digests(context.Background(), DigestChunkedSHA256, DigestChunkedSHA512)
	require.NoError(t, err)
	assert.Equal(t, int64(len(data)), cr.n.Load(), "both algorithms in a single read of the file")
	again, err := d.Digest(context.Background(), DigestChunkedSHA512)
	require.NoError(t, err)
	assert.Equal(t, first[DigestChunkedSHA512], again)
	assert.Equal(t, int64(len(data)), cr.n.Load(), "no second read")
}

// TestContentDigesterErrors checks the typed errors, and that a cancelled
// computation is not cached as a failure.
func TestContentDigesterErrors(t *testing.T) {
	t.Run("verity needs an aligned signing block", func(t *testing.T) {
		d := NewRegionDigester(v23Sections(make([]byte, 4097), make([]byte, 10))...)
		_, err := d.Digest(context.Background(), DigestVerityChunkedSHA256)
		assert.ErrorIs(t, err, CodeDigestVerityUnaligned)
	})
	t.Run("read failure", func(t *testing.T) {
		cr := &v23CountingReaderAt{r: bytes.NewReader(make([]byte, 100)), fail: true}
		d := NewRegionDigester(io.NewSectionReader(cr, 0, 100))
		_, err := d.Digest(context.Background(), DigestChunkedSHA256)
		assert.ErrorIs(t, err, CodeDigestIO)
	})
	t.Run("unknown algorithm", func(t *testing.T) {
		d := NewRegionDigester(v23Sections(make([]byte, 10))...)
		_, err := d.Digest(context.Background(), ContentDigestAlgorithm(99))
		assert.ErrorIs(t, err, CodeDigestUnknownAlgorithm)
	})
	t.Run("cancelled, then retried", func(t *testing.T) {
		data := v23RandomBytes(2, 2*chunkSize)
		d := NewRegionDigester(v23Sections(data)...)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := d.Digest(ctx, DigestChunkedSHA256)
		assert.ErrorIs(t, err, context.Canceled)
		got, err := d.Digest(context.Background(), DigestChunkedSHA256)
		require.NoError(t, err)
		assert.Equal(t, v23RefChunkedDigest(DigestChunkedSHA256, data), got)
	})
}

// TestConcatReaderAt checks reads spanning region boundaries.
func TestConcatReaderAt(t *testing.T) {
	a, b, c := []byte("hello "), []byte(""), []byte("world")
	cat := newConcatReaderAt(v23Sections(a, b, c))
	tests := []struct {
		off  int64
		n    int
		want string
		err  error
	}{
		{off: 0, n: 11, want: "hello world"},
		{off: 4, n: 4, want: "o wo"},
		{off: 6, n: 5, want: "world"},
		{off: 8, n: 10, want: "rld", err: io.EOF},
	}
	for _, tc := range tests {
		buf := make([]byte, tc.n)
		n, err := cat.ReadAt(buf, tc.off)
		assert.Equal(t, tc.want, string(buf[:n]))
		if tc.err != nil {
			assert.ErrorIs(t, err, tc.err)
		} else {
			assert.NoError(t, err)
		}
	}
}
