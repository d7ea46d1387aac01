package apkzip

import (
	"errors"
	"io"
	"io/fs"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// FS opens entries by exactly the name given: the names Android looks up
// never match an entry under another spelling.
func TestFSOpensExactNames(t *testing.T) {
	s := &spec{entries: []*specEntry{
		{name: "AndroidManifest.xml", content: []byte("manifest")},
		{name: "res/../resources.arsc", content: []byte("not the table")},
		{name: "Resources.arsc", content: []byte("not the table either")},
	}}
	b := s.build(t)
	a, err := openBytes(b)
	require.NoError(t, err)
	fsys := a.FS()

	tests := []struct {
		name string
		want string
		err  error
	}{
		{"AndroidManifest.xml", "manifest", nil},
		{"resources.arsc", "", fs.ErrNotExist},
		{"androidmanifest.xml", "", fs.ErrNotExist},
		{"./AndroidManifest.xml", "", fs.ErrInvalid},
		{"/AndroidManifest.xml", "", fs.ErrInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := fs.ReadFile(fsys, tc.name)
			if tc.err != nil {
				assert.ErrorIs(t, err, tc.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, string(got))
		})
	}
}

// A file reports its declared size without reading, streams with the
// container's checks, and cannot be read after Close.
func TestFSFile(t *testing.T) {
	s := &spec{entries: []*specEntry{{name: "dir/a.txt", content: []byte("hello")}}}
	b := s.build(t)
	a, err := openBytes(b)
	require.NoError(t, err)
	f, err := a.FS().Open("dir/a.txt")
	require.NoError(t, err)
	st, err := f.Stat()
	require.NoError(t, err)
	assert.Equal(t, "a.txt", st.Name())
	assert.Equal(t, int64(5), st.Size())
	assert.False(t, st.IsDir())
	got, err := io.ReadAll(f)
	require.NoError(t, err)
	assert.Equal(t, "hello", string(got))
	require.NoError(t, f.Close())
	_, err = f.Read(make([]byte, 1))
	assert.True(t, errors.Is(err, fs.ErrClosed), "%v", err)
}
