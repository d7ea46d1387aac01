package apkzip

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"io"
	"math/rand"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// entryOutcome is what a reader of one entry sees: its content's digest
// or the error code that stopped it, and how many bytes came out.
type entryOutcome struct {
	Name string
	Sum  [32]byte
	N    int64
	Code Code
	Msg  string
}

// readOutcomes opens data through r and streams every entry.
func readOutcomes(t *testing.T, r io.ReaderAt, size int64) ([]entryOutcome, Code) {
	a, err := Open(r, size)
	if err != nil {
		var fe *FormatError
		require.True(t, errors.As(err, &fe), "%T %v", err, err)
		return nil, fe.Code
	}
	var out []entryOutcome
	for _, e := range a.Entries() {
		o := entryOutcome{Name: e.Name}
		rc, err := e.Open()
		if err == nil {
			h := sha256.New()
			o.N, err = io.Copy(h, io.LimitReader(rc, 1<<20))
			copy(o.Sum[:], h.Sum(nil))
			rc.Close()
		}
		if err != nil {
			var fe *FormatError
			require.True(t, errors.As(err, &fe), "%T %v", err, err)
			o.Code, o.Msg = fe.Code, fe.Error()
		}
		out = append(out, o)
	}
	return out, ""
}

// sameFromMemory checks that an archive read from a NewMemFile (entries
// inflated straight from memory) yields exactly what the streamed reader
// yields: the same bytes, and the same error where the data is bad.
func sameFromMemory(t *testing.T, data []byte) {
	t.Helper()
	want, wantCode := readOutcomes(t, bytes.NewReader(data), int64(len(data)))
	got, gotCode := readOutcomes(t, NewMemFile(data), int64(len(data)))
	assert.Equal(t, wantCode, gotCode)
	assert.Equal(t, want, got)
}

// TestMemFileReadsAsStreamed: every committed fixture, and seeded
// corruptions of their compressed data (bytes flipped, the file cut
// short), read the same from memory as streamed.
func TestMemFileReadsAsStreamed(t *testing.T) {
	paths, err := filepath.Glob(filepath.Join(fixtureDir(), "*.apk"))
	require.NoError(t, err)
	require.NotEmpty(t, paths, "no committed fixtures in testdata/apk")
	rng := rand.New(rand.NewSource(18))
	for _, p := range paths {
		data, err := os.ReadFile(p)
		require.NoError(t, err)
		t.Run(filepath.Base(p), func(t *testing.T) {
			sameFromMemory(t, data)
			a, err := Open(bytes.NewReader(data), int64(len(data)))
			if err != nil {
				return // a refused container: compared above
			}
			for _, e := range a.Entries() {
				if e.Method != MethodDeflated || e.CompressedSize == 0 {
					continue
				}
				off, err := e.DataOffset()
				if err != nil {
					continue // a bad local header: compared above
				}
				bad := bytes.Clone(data)
				bad[off+rng.Int63n(e.CompressedSize)] ^= byte(1 + rng.Intn(255))
				sameFromMemory(t, bad)
				// Cut inside the entry's data: every later entry is gone.
				sameFromMemory(t, data[:off+rng.Int63n(e.CompressedSize)])
			}
		})
	}
}

// FuzzMemFile: for any bytes, reading from memory and streaming agree.
//
//	go test -run=^$ -fuzz=FuzzMemFile -fuzztime=60s -fuzzminimizetime=3s ./internal/apkzip/
func FuzzMemFile(f *testing.F) {
	paths, _ := filepath.Glob(filepath.Join(fixtureDir(), "*.apk"))
	for _, p := range paths {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	for _, s := range fuzzSeedSpecs() {
		f.Add(s.build(f))
	}
	f.Fuzz(func(t *testing.T, data []byte) { sameFromMemory(t, data) })
}

func TestBytesOnlyForMemFiles(t *testing.T) {
	b := []byte("PK")
	assert.Equal(t, b, Bytes(NewMemFile(b)))
	assert.Nil(t, Bytes(bytes.NewReader(b)))
}
