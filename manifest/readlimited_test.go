package manifest

import (
	"bytes"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestReadLimitedOneBuffer: an entry of the size it declares is read into
// the one buffer sized from Stat. (bytes.Buffer.ReadFrom doubled it before
// the final read: 218 KB more per verification of the 10 MB bench file.)
func TestReadLimitedOneBuffer(t *testing.T) {
	for _, n := range []int{0, 1, 511, 512, 100_000} {
		data := bytes.Repeat([]byte("x"), n)
		b, err := readLimited(fstest.MapFS{"e": {Data: data}}, "e", 1<<20)
		require.NoError(t, err)
		assert.Equal(t, data, b)
		assert.Equal(t, n+1, cap(b), "%d bytes: never grown", n)
	}
}
