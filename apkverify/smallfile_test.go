package apkverify

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestVerifyFileSmallFromMemory: a small file, verified from the copy
// VerifyFile reads in one go, gets exactly the result of verifying it
// through the file, whether it verifies or not.
func TestVerifyFileSmallFromMemory(t *testing.T) {
	good := filepath.Join("..", "testdata", "apk", "min21-v123.apk")
	b, err := os.ReadFile(good)
	require.NoError(t, err, "committed fixture")
	require.LessOrEqual(t, len(b), smallFileMax)
	bad := filepath.Join(t.TempDir(), "tampered.apk")
	b[len(b)/3] ^= 0xff
	require.NoError(t, os.WriteFile(bad, b, 0o644))
	for _, tc := range []struct {
		name, path string
		verified   bool
	}{
		{"genuine", good, true},
		{"tampered", bad, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := VerifyFile(context.Background(), tc.path, Options{})
			require.NoError(t, err)
			assert.Equal(t, tc.verified, got.Verified)
			f, err := os.Open(tc.path)
			require.NoError(t, err)
			defer f.Close()
			st, err := f.Stat()
			require.NoError(t, err)
			want, err := Verify(context.Background(), f, st.Size(), Options{})
			require.NoError(t, err)
			want.File = tc.path
			gotJSON, err := json.Marshal(got)
			require.NoError(t, err)
			wantJSON, err := json.Marshal(want)
			require.NoError(t, err)
			assert.JSONEq(t, string(wantJSON), string(gotJSON))
		})
	}
}

// TestSmallFileFallsBack: only a file of at most smallFileMax bytes that
// reads whole is verified from memory; a bigger one, or one shorter than
// its size said (it shrank since the stat), is read through the file, where
// the verification reports the short read.
func TestSmallFileFallsBack(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, n int) *os.File {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, make([]byte, n), 0o644))
		f, err := os.Open(p)
		require.NoError(t, err)
		t.Cleanup(func() { f.Close() })
		return f
	}
	for _, tc := range []struct {
		name     string
		fileSize int
		size     int64
		inMemory bool
	}{
		{"small", 1000, 1000, true},
		{"at the limit", smallFileMax, smallFileMax, true},
		{"over the limit", smallFileMax + 1, smallFileMax + 1, false},
		{"shrank since the stat", 1000, 2000, false},
		{"empty", 0, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := write(tc.name, tc.fileSize)
			r, release := smallFile(f, tc.size)
			defer release()
			_, isFile := r.(*os.File)
			assert.Equal(t, !tc.inMemory, isFile)
		})
	}
}

// TestVerifyFileFromMemoryEveryFixture: every committed fixture (genuine,
// tampered, every scheme mix) gets the same result verified from memory,
// where entries inflate and the content digests hash straight from the
// read buffer, as read through the file.
func TestVerifyFileFromMemoryEveryFixture(t *testing.T) {
	paths, err := filepath.Glob(filepath.Join("..", "testdata", "apk", "*.apk"))
	require.NoError(t, err)
	require.NotEmpty(t, paths, "committed fixtures")
	for _, p := range paths {
		t.Run(filepath.Base(p), func(t *testing.T) {
			f, err := os.Open(p)
			require.NoError(t, err)
			defer f.Close()
			st, err := f.Stat()
			require.NoError(t, err)
			if st.Size() > smallFileMax {
				t.Skipf("%d bytes: not read into memory", st.Size())
			}
			got, gotErr := VerifyFile(context.Background(), p, Options{})
			want, wantErr := Verify(context.Background(), f, st.Size(), Options{})
			if wantErr != nil || gotErr != nil {
				// A container refused outright: the same refusal.
				require.Error(t, gotErr)
				require.Error(t, wantErr)
				assert.Equal(t, wantErr.Error(), gotErr.Error())
				return
			}
			want.File = p
			gotJSON, err := json.Marshal(got)
			require.NoError(t, err)
			wantJSON, err := json.Marshal(want)
			require.NoError(t, err)
			assert.JSONEq(t, string(wantJSON), string(gotJSON))
		})
	}
}
