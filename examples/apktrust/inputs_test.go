package main

import (
	"bytes"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSpoolBounded: standard input is copied up to the limit and refused
// beyond it, without reading the rest.
func TestSpoolBounded(t *testing.T) {
	dir := t.TempDir()
	in := spoolInto(dir, "-", bytes.NewReader(make([]byte, 10)), 10)
	require.NoError(t, in.readErr)
	assert.Equal(t, int64(10), in.size)
	st, err := os.Stat(in.path)
	require.NoError(t, err)
	assert.Equal(t, int64(10), st.Size())

	r := bytes.NewReader(make([]byte, 1000))
	in = spoolInto(dir, "-", r, 10)
	require.Error(t, in.readErr)
	assert.Contains(t, in.readErr.Error(), "more than 10 bytes")
	assert.Equal(t, 1000-11, r.Len(), "reads one byte past the limit, no more")
}
