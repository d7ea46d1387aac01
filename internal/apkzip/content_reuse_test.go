package apkzip

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// reuseRead reads an entry through one of its readers and describes the
// outcome: the content's length and digest, or the error code.
func reuseRead(a *Archive, name, path string) string {
	e := a.Lookup(name)
	var b []byte
	var err error
	switch path {
	case "ReadAll":
		b, err = e.ReadAll(1 << 20)
		if err == nil {
			b = bytes.Clone(b) // shared: not ours to keep
		}
	case "FS":
		b, err = fs.ReadFile(a.FS(), name)
	case "Open":
		var rc io.ReadCloser
		if rc, err = e.Open(); err == nil {
			b, err = io.ReadAll(rc)
			_ = rc.Close()
		}
	}
	if err != nil {
		var fe *FormatError
		if errors.As(err, &fe) {
			return "error " + string(fe.Code)
		}
		return "error " + err.Error()
	}
	return fmt.Sprintf("%d bytes %x", len(b), sha256.Sum256(b))
}

// The content an archive keeps for an entry's later readers changes no
// reader's outcome: for entries just under, at and over the 64 KiB bound,
// stored and deflated, honest or lying (CRC, declared size one off either
// way, across the bound for a 64 KiB entry, a local header whose name,
// CRC, size or method differs from the central directory's, deflated
// data cut short; the archives Open refuses are skipped), read first whole
// (ReadAll), through the fs.FS view or as a stream, every later read
// through each reader gives what that reader gives on a fresh archive. The
// content is kept only after a complete, checked read of at most 64 KiB,
// and a failed read keeps nothing (a second read fails the same way).
func TestContentReuseNeverChangesAnOutcome(t *testing.T) {
	rng := rand.New(rand.NewSource(18))
	paths := []string{"ReadAll", "FS", "Open"}
	lies := map[string]func(e *specEntry){
		"honest":            func(*specEntry) {},
		"crc":               func(e *specEntry) { e.cd = func(c []byte) { c[16] ^= 1 }; e.local = func(h []byte) { h[14] ^= 1 } },
		"declared +1":       func(e *specEntry) { e.cd = func(c []byte) { c[24]++ } },
		"declared -1":       func(e *specEntry) { e.cd = func(c []byte) { c[24]-- } },
		"local name":        func(e *specEntry) { e.local = func(h []byte) { h[localSize] ^= 0x20 } },
		"data short":        func(e *specEntry) { e.data = e.data[:len(e.data)-1] },
		"local crc only":    func(e *specEntry) { e.local = func(h []byte) { h[14] ^= 1 } },
		"local size only":   func(e *specEntry) { e.local = func(h []byte) { h[22] ^= 1 } },
		"local method only": func(e *specEntry) { e.local = func(h []byte) { h[8] ^= 8 } },
	}
	var cases, kept, refused int
	for _, size := range []int{1, maxSharedContent - 1, maxSharedContent, maxSharedContent + 1} {
		content := make([]byte, size)
		rng.Read(content[:size/2]) // half random, half zeros: deflate shrinks it
		for _, method := range []uint16{MethodStored, MethodDeflated} {
			for lie, bend := range lies {
				e := &specEntry{name: "res/raw/x.bin", content: content, method: method}
				e.data = content
				if method != MethodStored {
					e.data = deflate(t, content)
				}
				bend(e)
				s := spec{entries: append(basicEntries()[:1], e)}
				b := s.build(t)
				if _, err := openBytes(b); err != nil {
					refused++ // the archive itself is refused: nothing to reuse
					continue
				}
				open := func() (*Archive, *countingReaderAt) {
					cr := &countingReaderAt{r: bytes.NewReader(b)}
					a, err := Open(cr, int64(len(b)))
					require.NoError(t, err)
					return a, cr
				}
				fresh := map[string]string{}
				for _, p := range paths {
					a, _ := open()
					fresh[p] = reuseRead(a, e.name, p)
				}
				for _, first := range paths {
					name := fmt.Sprintf("%d bytes, method %d, %s, %s first", size, method, lie, first)
					a, cr := open()
					got := reuseRead(a, e.name, first)
					require.Equal(t, fresh[first], got, name)
					ent := a.Lookup(e.name)
					_, isKept := ent.sharedContent()
					wantKept := first != "Open" && ent.UncompressedSize <= maxSharedContent && got[:5] != "error"
					assert.Equal(t, wantKept, isKept, "%s: kept", name)
					for _, then := range paths {
						before := cr.n
						assert.Equal(t, fresh[then], reuseRead(a, e.name, then), "%s, then %s", name, then)
						if isKept {
							assert.Equal(t, before, cr.n, "%s, then %s: from memory", name, then)
						}
					}
					cases++
					if isKept {
						kept++
					}
				}
			}
		}
	}
	t.Logf("%d read sequences, %d of them served from kept content; %d archives refused at Open", cases, kept, refused)
	assert.Positive(t, kept)
}

// The bytes ReadAll shares are the archive's: a later fs.FS reader gets a
// copy, so what it does to its bytes reaches no other reader.
func TestFSCopiesKeptContent(t *testing.T) {
	s := spec{entries: basicEntries()}
	a, err := openBytes(s.build(t))
	require.NoError(t, err)
	kept, err := a.Lookup("AndroidManifest.xml").ReadAll(1 << 20)
	require.NoError(t, err)
	viaFS, err := fs.ReadFile(a.FS(), "AndroidManifest.xml")
	require.NoError(t, err)
	for i := range viaFS {
		viaFS[i] ^= 0xff
	}
	again, err := a.Lookup("AndroidManifest.xml").ReadAll(1 << 20)
	require.NoError(t, err)
	assert.Equal(t, s.entries[0].content, kept)
	assert.Equal(t, s.entries[0].content, again)
}
