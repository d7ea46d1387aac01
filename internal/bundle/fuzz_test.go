package bundle

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/apktrust/apktrust/internal/apkzip"
)

// FuzzBundle feeds arbitrary bytes to the bundle reader: open the ZIP,
// recognise and classify it under small limits, and read every part
// (stored in place, deflated into a small memory budget or a temporary
// file). Nothing may panic, every error must be an *Error, no part may be
// longer than declared, and the memory budget must come back whole.
//
// Seeds: the committed bundles of testdata/sets and the layouts of the
// unit tests.
//
//	go test -run=^$ -fuzz=FuzzBundle -fuzztime=10m -fuzzminimizetime=3s -timeout=0 -parallel=1 ./internal/bundle/
func FuzzBundle(f *testing.F) {
	for _, pattern := range []string{"*.apks", "*.xapk"} {
		paths, _ := filepath.Glob(filepath.Join("..", "..", "testdata", "sets", pattern))
		for _, p := range paths {
			if b, err := os.ReadFile(p); err == nil {
				f.Add(b)
			}
		}
	}
	a := apk(f)
	f.Add(makeZip(f, entry{name: "toc.pb"}, entry{name: "splits/base-master.apk", data: a, stored: true}, entry{name: "standalones/s.apk", data: a}))
	f.Add(makeZip(f, entry{name: "manifest.json"}, entry{name: "com.x.apk", data: a}, entry{name: "Android/obb/x/main.obb", data: []byte("o")}))
	f.Add(makeZip(f, entry{name: "meta.sai_v2.json"}, entry{name: "base.apk", data: a}, entry{name: "../x.apk", data: a}))
	lim := Limits{MaxParts: 8, MaxPartSize: 1 << 20, MaxTotalSize: 2 << 20, MemoryBudget: 64 << 10}
	tmp := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		ar, err := apkzip.Open(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			return
		}
		Detect(ar)
		b, err := Read(ar, lim)
		if err != nil {
			var be *Error
			if !errors.As(err, &be) {
				t.Fatalf("Read: %T %v is not a *bundle.Error", err, err)
			}
			return
		}
		if len(b.Parts) > lim.MaxParts {
			t.Fatalf("%d parts over the limit", len(b.Parts))
		}
		op := NewOpener(lim)
		op.TempDir = tmp
		for i := range b.Parts {
			c, err := op.Open(&b.Parts[i])
			if err != nil {
				var be *Error
				if !errors.As(err, &be) {
					t.Fatalf("Open: %T %v is not a *bundle.Error", err, err)
				}
				continue
			}
			if c.Size != b.Parts[i].Size() || c.Size > lim.MaxPartSize {
				t.Fatalf("part of %d bytes, declared %d", c.Size, b.Parts[i].Size())
			}
			n, _ := io.Copy(io.Discard, io.NewSectionReader(c.R, 0, c.Size+1))
			if n > c.Size {
				t.Fatalf("read %d bytes from a part of %d", n, c.Size)
			}
			c.Close()
		}
		if op.budget != lim.MemoryBudget {
			t.Fatalf("memory budget %d after closing every part, want %d", op.budget, lim.MemoryBudget)
		}
	})
}
