package apkzip

import (
	"bytes"
	"fmt"
	"math/rand"
	"testing"

	"github.com/apktrust/apktrust/signer"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// callCountingReaderAt counts ReadAt calls.
type callCountingReaderAt struct {
	r     *bytes.Reader
	calls int
}

func (c *callCountingReaderAt) ReadAt(p []byte, off int64) (int, error) {
	c.calls++
	return c.r.ReadAt(p, off)
}

func manyEntries(n int) []*specEntry {
	out := make([]*specEntry, n)
	for i := range out {
		out[i] = &specEntry{name: fmt.Sprintf("res/raw/e%03d.txt", i), content: []byte(fmt.Sprintf("content of entry %d", i))}
	}
	return out
}

// An app with many entries has its local headers checked with a few
// reads, and a bad header among them is reported as before.
func TestCheckLocalHeadersThroughWindow(t *testing.T) {
	s := spec{entries: manyEntries(200)}
	b := s.build(t)
	cr := &callCountingReaderAt{r: bytes.NewReader(b)}
	a, err := Open(cr, int64(len(b)))
	require.NoError(t, err)
	before := cr.calls
	warnings, err := a.CheckLocalHeaders()
	require.NoError(t, err)
	assert.Empty(t, warnings)
	assert.LessOrEqual(t, cr.calls-before, 6, "a few windows cover the 200 small entries")

	bad := manyEntries(200)
	bad[150].local = func(h []byte) { h[0] = 'X' }
	s = spec{entries: bad}
	a, err = openBytes(s.build(t))
	require.NoError(t, err)
	_, err = a.CheckLocalHeaders()
	requireFormatError(t, err, signer.CodeZipLocalHeader, bad[150].name)

	mismatch := manyEntries(200)
	mismatch[199].local = func(h []byte) { h[14] ^= 0xff } // CRC-32
	s = spec{entries: mismatch}
	a, err = openBytes(s.build(t))
	require.NoError(t, err)
	_, err = a.CheckLocalHeaders()
	requireFormatError(t, err, signer.CodeZipLocalHeaderMismatch, mismatch[199].name)
}

// The window reads what the reader under it holds, wherever reads fall:
// inside the window, across its end, at and past the limit.
func TestHeaderWindowReadsLikeItsReader(t *testing.T) {
	data := make([]byte, 3*headerWindowSize+123)
	rnd := rand.New(rand.NewSource(1))
	rnd.Read(data)
	limit := int64(len(data) - 50)
	direct := bytes.NewReader(data)
	w := &headerWindow{r: direct, limit: limit, buf: new([headerWindowSize]byte)}
	for i := 0; i < 5000; i++ {
		off := rnd.Int63n(int64(len(data)) + 10)
		n := rnd.Intn(300)
		if i%7 == 0 {
			off = limit - int64(rnd.Intn(40)) // near the limit
		}
		got, want := make([]byte, n), make([]byte, n)
		gn, gerr := w.ReadAt(got, off)
		wn, werr := direct.ReadAt(want, off)
		require.Equal(t, wn, gn, "read of %d at %d", n, off)
		require.Equal(t, want[:wn], got[:gn], "read of %d at %d", n, off)
		require.Equal(t, werr == nil, gerr == nil, "read of %d at %d: %v / %v", n, off, gerr, werr)
	}
}
