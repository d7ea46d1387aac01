package apkzip

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// FuzzOpen feeds arbitrary bytes to the container reader: open, walk the
// entries and their local headers, stream each entry with a small limit,
// and read the signing block's pairs. Nothing may panic, every error must be
// a *FormatError, and no stream may yield more than its declared size.
//
// Seeds: the project's fixtures (testdata/apk, when generated) and the
// synthetic shapes of the unit tests. The fixtures are whole APKs of about
// 17 KB, which the fuzzer is slow to minimise; pass -fuzzminimizetime=3s
// so that short runs spend their time fuzzing:
//
//	go test -run=^$ -fuzz=FuzzOpen -fuzztime=60s -fuzzminimizetime=3s ./internal/apkzip/
func FuzzOpen(f *testing.F) {
	if dir := fixtureDir(); dir != "" {
		paths, _ := filepath.Glob(filepath.Join(dir, "*.apk"))
		for _, p := range paths {
			if b, err := os.ReadFile(p); err == nil {
				f.Add(b)
			}
		}
	}
	for _, s := range fuzzSeedSpecs() {
		f.Add(s.build(f))
	}
	f.Add(withZip64Records(f, (&spec{entries: basicEntries()}).build(f), nil))
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := Open(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			mustBeFormatError(t, err)
			return
		}
		if _, err := a.CheckLocalHeaders(); err != nil {
			mustBeFormatError(t, err)
		}
		buf := make([]byte, 4096)
		for _, e := range a.Entries() {
			if a.Lookup(e.Name) != e {
				t.Fatalf("Lookup(%q) does not return the entry", e.Name)
			}
			rc, err := e.Open()
			if err != nil {
				mustBeFormatError(t, err)
				continue
			}
			n, err := io.CopyBuffer(io.Discard, io.LimitReader(rc, 1<<20), buf)
			rc.Close()
			if err != nil {
				mustBeFormatError(t, err)
			}
			if n > e.UncompressedSize {
				t.Fatalf("%q: read %d bytes, declared %d", e.Name, n, e.UncompressedSize)
			}
			if _, err := e.ReadAll(64 << 10); err != nil {
				mustBeFormatError(t, err)
			}
		}
		if b := a.SigningBlock(); b != nil {
			if len(b.Pairs) > MaxPairs || b.NumPairs < len(b.Pairs) {
				t.Fatalf("%d pairs stored of %d", len(b.Pairs), b.NumPairs)
			}
			for _, p := range b.Pairs {
				if p.ValueOffset < b.Offset || p.ValueOffset+p.ValueSize > b.Offset+b.Size {
					t.Fatalf("pair %#x outside the block", p.ID)
				}
				if _, err := a.PairValue(p); err != nil {
					mustBeFormatError(t, err)
				}
			}
			_, _ = b.Find(0x7109871a)
			for _, r := range a.ContentRegions() {
				if _, err := io.Copy(io.Discard, r); err != nil {
					t.Fatalf("content region: %v", err)
				}
			}
		}
	})
}

func mustBeFormatError(t *testing.T, err error) {
	t.Helper()
	var fe *FormatError
	if !errors.As(err, &fe) || fe.Code == "" {
		t.Fatalf("error is not a *FormatError with a code: %T %v", err, err)
	}
}

func fuzzSeedSpecs() []spec {
	dd := &specEntry{name: "dd", content: []byte("with descriptor"), method: MethodDeflated, flags: flagDataDescriptor}
	dd.after = []byte{0x50, 0x4b, 0x07, 0x08, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}
	return []spec{
		{entries: basicEntries()},
		{entries: basicEntries(), comment: []byte("comment")},
		{entries: basicEntries(), sigBlock: sigBlockBytes(pair{0x7109871a, []byte("v2")}, pair{0xf05368c0, []byte("v3")}, pair{0x42726577, make([]byte, 16)})},
		{entries: []*specEntry{dd, {name: "stored", content: []byte("s")}}},
		{},
	}
}
