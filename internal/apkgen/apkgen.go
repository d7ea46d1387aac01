// Package apkgen writes large, realistic, unsigned APK-shaped ZIP archives
// on demand, for benchmarks and scale tests that must not commit such files.
//
// An archive holds a binary AndroidManifest.xml, a deflated classes.dex, a
// stored resources.arsc, about 2000 small resource entries (mostly deflated
// XML-like text, some stored PNG-like blobs), stored native libraries and
// large deflated assets (compressible and random), then one stored filler
// entry that brings the file to the requested size exactly. Output is a
// deterministic function of Options. Stored entries are aligned like
// zipalign's output (4 bytes, and 4096 for native libraries as with
// zipalign -p), using the alignment extra field (0xD935) that apksigner
// writes. Nothing is signed: apksigner signs the result if a test needs it.
package apkgen

import (
	"bufio"
	"bytes"
	"compress/flate"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"testing"

	"github.com/apktrust/apktrust/internal/apkzip"
)

// Sizes callers typically ask for.
const (
	MB10  = 10 << 20
	MB100 = 100 << 20
	GB1   = 1 << 30
)

// Options parameterise Write.
type Options struct {
	// Size is the exact size of the archive in bytes. It must be at least
	// MinSize(SmallEntries); 0 means 10 MiB.
	Size int64
	// Seed makes the content; the same Options give the same bytes.
	Seed uint64
	// SmallEntries is the number of small resource entries; 0 means 2000,
	// a negative value means none.
	SmallEntries int
	// Manifest is the binary AndroidManifest.xml to store; nil means
	// MinimalManifest().
	Manifest []byte
}

// Largest entry written, so that memory stays bounded whatever the size.
const maxEntry = 16 << 20

// ErrTooSmall is returned when Options.Size cannot hold the fixed entries.
var ErrTooSmall = errors.New("apkgen: requested size too small for the archive's fixed entries")

func (o Options) withDefaults() Options {
	if o.Size == 0 {
		o.Size = MB10
	}
	if o.SmallEntries == 0 {
		o.SmallEntries = 2000
	}
	if o.SmallEntries < 0 {
		o.SmallEntries = 0
	}
	if o.Manifest == nil {
		o.Manifest = MinimalManifest()
	}
	return o
}

type cdEntry struct {
	name   string
	method uint16
	crc    uint32
	csize  int64
	usize  int64
	offset int64
}

type writer struct {
	w   *bufio.Writer
	off int64
	cd  []cdEntry
	cdn int64 // central directory bytes so far
	rng *rand.Rand
	fw  *flate.Writer
	buf bytes.Buffer
}

func (w *writer) write(b []byte) error {
	n, err := w.w.Write(b)
	w.off += int64(n)
	return err
}

// dosDate is 1981-01-01 00:00, the fixed timestamp deterministic Android
// build tools write.
const dosDate = 1<<5 | 1

// add writes one entry. Stored entries are aligned to align bytes.
func (w *writer) add(name string, content []byte, method uint16, align int64) error {
	if len(name) > 0xffff || int64(len(content)) > 0xfffffffe {
		return fmt.Errorf("apkgen: entry %q too large", name)
	}
	data := content
	if method == apkzip.MethodDeflated {
		w.buf.Reset()
		w.fw.Reset(&w.buf)
		if _, err := w.fw.Write(content); err != nil {
			return err
		}
		if err := w.fw.Close(); err != nil {
			return err
		}
		data = w.buf.Bytes()
	}
	var extra []byte
	if method == apkzip.MethodStored && align > 1 {
		// Alignment extra field: ID 0xD935, size, alignment, zero padding.
		start := w.off + 30 + int64(len(name)) + 6
		pad := (align - start%align) % align
		extra = make([]byte, 6+pad)
		binary.LittleEndian.PutUint16(extra, 0xd935)
		binary.LittleEndian.PutUint16(extra[2:], uint16(2+pad))
		binary.LittleEndian.PutUint16(extra[4:], uint16(align))
	}
	e := cdEntry{name: name, method: method, crc: crc32.ChecksumIEEE(content),
		csize: int64(len(data)), usize: int64(len(content)), offset: w.off}
	h := make([]byte, 30, 30+len(name)+len(extra))
	binary.LittleEndian.PutUint32(h, 0x04034b50)
	binary.LittleEndian.PutUint16(h[4:], version(method))
	binary.LittleEndian.PutUint16(h[8:], method)
	binary.LittleEndian.PutUint16(h[12:], dosDate)
	binary.LittleEndian.PutUint32(h[14:], e.crc)
	binary.LittleEndian.PutUint32(h[18:], uint32(e.csize))
	binary.LittleEndian.PutUint32(h[22:], uint32(e.usize))
	binary.LittleEndian.PutUint16(h[26:], uint16(len(name)))
	binary.LittleEndian.PutUint16(h[28:], uint16(len(extra)))
	h = append(append(h, name...), extra...)
	if err := w.write(h); err != nil {
		return err
	}
	if err := w.write(data); err != nil {
		return err
	}
	w.cd = append(w.cd, e)
	w.cdn += 46 + int64(len(name))
	return nil
}

func version(method uint16) uint16 {
	if method == apkzip.MethodDeflated {
		return 20
	}
	return 10
}

func (w *writer) finish() error {
	cdOff := w.off
	for _, e := range w.cd {
		c := make([]byte, 46, 46+len(e.name))
		binary.LittleEndian.PutUint32(c, 0x02014b50)
		binary.LittleEndian.PutUint16(c[4:], version(e.method))
		binary.LittleEndian.PutUint16(c[6:], version(e.method))
		binary.LittleEndian.PutUint16(c[10:], e.method)
		binary.LittleEndian.PutUint16(c[14:], dosDate)
		binary.LittleEndian.PutUint32(c[16:], e.crc)
		binary.LittleEndian.PutUint32(c[20:], uint32(e.csize))
		binary.LittleEndian.PutUint32(c[24:], uint32(e.usize))
		binary.LittleEndian.PutUint16(c[28:], uint16(len(e.name)))
		binary.LittleEndian.PutUint32(c[42:], uint32(e.offset))
		if err := w.write(append(c, e.name...)); err != nil {
			return err
		}
	}
	eocd := make([]byte, 22)
	binary.LittleEndian.PutUint32(eocd, 0x06054b50)
	binary.LittleEndian.PutUint16(eocd[8:], uint16(len(w.cd)))
	binary.LittleEndian.PutUint16(eocd[10:], uint16(len(w.cd)))
	binary.LittleEndian.PutUint32(eocd[12:], uint32(w.off-cdOff))
	binary.LittleEndian.PutUint32(eocd[16:], uint32(cdOff))
	if err := w.write(eocd); err != nil {
		return err
	}
	return w.w.Flush()
}

// Word list for compressible, text-like content.
var words = strings.Fields(`android view layout width height match_parent wrap_content
	orientation vertical horizontal text string color drawable id style theme padding margin
	gravity center visibility gone visible public final class void return static import
	package invoke move const field method object array int long boolean`)

// text fills n bytes with XML-ish lines of random words.
func text(rng *rand.Rand, n int) []byte {
	b := make([]byte, 0, n+64)
	for len(b) < n {
		b = append(b, `<item name="`...)
		b = append(b, words[rng.IntN(len(words))]...)
		b = append(b, `">`...)
		for k := 2 + rng.IntN(6); k > 0; k-- {
			b = append(b, words[rng.IntN(len(words))]...)
			b = append(b, ' ')
		}
		b = append(b, "</item>\n"...)
	}
	return b[:n]
}

// random fills n bytes that do not compress.
func random(rng *rand.Rand, n int) []byte {
	b := make([]byte, n+8)
	for i := 0; i < n; i += 8 {
		binary.LittleEndian.PutUint64(b[i:], rng.Uint64())
	}
	return b[:n]
}

// MinSize is the smallest Size Write accepts for this many small entries.
func MinSize(smallEntries int) int64 {
	return int64(smallEntries)*3<<10 + 1<<20
}

// Write writes an unsigned APK-shaped ZIP of exactly opts.Size bytes to w.
func Write(w io.Writer, opts Options) error {
	opts = opts.withDefaults()
	if opts.Size < MinSize(opts.SmallEntries) || opts.Size > 0xfffffff0 {
		return fmt.Errorf("%w: %d bytes (min %d, max 4 GiB)", ErrTooSmall, opts.Size, MinSize(opts.SmallEntries))
	}
	fw, err := flate.NewWriter(nil, flate.BestSpeed)
	if err != nil {
		return err
	}
	g := &writer{w: bufio.NewWriterSize(w, 1<<20), fw: fw, rng: rand.New(rand.NewPCG(opts.Seed, 0x61706b67656e))}
	rng := g.rng

	if err := g.add("AndroidManifest.xml", opts.Manifest, apkzip.MethodDeflated, 0); err != nil {
		return err
	}
	if err := g.add("resources.arsc", random(rng, 64<<10+rng.IntN(64<<10)), apkzip.MethodStored, 4); err != nil {
		return err
	}
	dirs := []string{"layout", "values", "drawable", "xml", "anim", "menu", "raw"}
	for i := range opts.SmallEntries {
		dir := dirs[rng.IntN(len(dirs))]
		if i%10 == 9 {
			// PNGs are stored: they are already compressed.
			if err := g.add(fmt.Sprintf("res/drawable-xxhdpi/ic_%04d.png", i), random(rng, 200+rng.IntN(1800)), apkzip.MethodStored, 4); err != nil {
				return err
			}
			continue
		}
		if err := g.add(fmt.Sprintf("res/%s/item_%04d.xml", dir, i), text(rng, 300+rng.IntN(3700)), apkzip.MethodDeflated, 0); err != nil {
			return err
		}
	}

	// Share what remains among the large entries, measured in file bytes;
	// the filler takes the exact remainder.
	eocd := int64(22)
	remaining := func() int64 { return opts.Size - g.off - g.cdn - eocd }
	budget := remaining()
	large := []struct {
		name   string
		share  int64 // per mille of the budget
		method uint16
		align  int64
		ratio  int64 // expected compression ratio of the content
		gen    func(*rand.Rand, int) []byte
	}{
		{"classes%s.dex", 200, apkzip.MethodDeflated, 0, 4, text},
		{"lib/arm64-v8a/libapp%s.so", 250, apkzip.MethodStored, 4096, 1, random},
		{"assets/text%s.dat", 150, apkzip.MethodDeflated, 0, 4, text},
		{"assets/blob%s.bin", 150, apkzip.MethodDeflated, 0, 1, random},
	}
	for _, l := range large {
		target := g.off + budget*l.share/1000
		for n := 1; g.off < target; n++ {
			suffix := ""
			if n > 1 {
				suffix = fmt.Sprint(n)
			}
			name := fmt.Sprintf(l.name, suffix)
			size := min(int64(maxEntry), l.ratio*(target-g.off))
			// Leave room for this entry's headers and padding and for the
			// filler that follows.
			if remaining() < size/max(1, l.ratio/2)+2*(30+46+int64(len(name))+4096) {
				break
			}
			if err := g.add(name, l.gen(rng, int(size)), l.method, l.align); err != nil {
				return err
			}
		}
	}
	// Stored fillers: each costs its header, name and alignment padding in
	// the file, and a central directory record.
	for n := 1; ; n++ {
		name := fmt.Sprintf("assets/filler%d.bin", n)
		overhead := int64(30+len(name)+6) + int64(46+len(name))
		pad := (4 - (g.off+int64(30+len(name)+6))%4) % 4
		left := remaining() - overhead - pad
		if left < 0 {
			return fmt.Errorf("apkgen: internal error: %d bytes over the requested size", -left)
		}
		size := min(left, int64(maxEntry))
		if err := g.add(name, random(rng, int(size)), apkzip.MethodStored, 4); err != nil {
			return err
		}
		if size == left {
			break
		}
	}
	if err := g.finish(); err != nil {
		return err
	}
	if g.off != opts.Size {
		return fmt.Errorf("apkgen: internal error: wrote %d bytes, wanted %d", g.off, opts.Size)
	}
	return nil
}

// File returns the path of a generated APK of the given size in dir,
// writing it on first use (seed 1, 2000 small entries, the manifest of a
// project fixture when testdata/apk holds one). Later calls with the same
// dir and size reuse the file. dir "" means a cache folder under the
// system temporary directory, shared between test runs.
func File(tb testing.TB, dir string, size int64) string {
	tb.Helper()
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "apktrust-apkgen")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		tb.Fatalf("apkgen: %v", err)
	}
	manifest, from := FixtureManifest()
	path := filepath.Join(dir, fmt.Sprintf("apkgen-%d-seed1-%s.apk", size, from))
	if st, err := os.Stat(path); err == nil && st.Size() == size {
		return path
	}
	tmp, err := os.CreateTemp(dir, ".apkgen-*.tmp")
	if err != nil {
		tb.Fatalf("apkgen: %v", err)
	}
	defer os.Remove(tmp.Name())
	if err := Write(tmp, Options{Size: size, Seed: 1, Manifest: manifest}); err != nil {
		tmp.Close()
		tb.Fatalf("apkgen: writing %d bytes: %v", size, err)
	}
	if err := tmp.Close(); err != nil {
		tb.Fatalf("apkgen: %v", err)
	}
	// Rename last, so a concurrent or interrupted run never sees half a file.
	if err := os.Rename(tmp.Name(), path); err != nil {
		tb.Fatalf("apkgen: %v", err)
	}
	return path
}

// FixtureManifest returns the binary AndroidManifest.xml of the first
// project fixture (testdata/apk/*.apk, in name order) that has one, and
// its file name; or MinimalManifest() and "minimal" when there is none.
func FixtureManifest() (manifest []byte, from string) {
	_, file, _, ok := runtime.Caller(0)
	if ok {
		dir := filepath.Join(filepath.Dir(file), "..", "..", "testdata", "apk")
		paths, _ := filepath.Glob(filepath.Join(dir, "*.apk"))
		sort.Strings(paths)
		// The normal release-shaped fixture (numeric minSdk 21) first, so
		// generated files sign and verify like an ordinary app; the others
		// (codename minSdk, debuggable...) only as a fallback.
		paths = append([]string{filepath.Join(dir, "min21-v123.apk")}, paths...)
		for _, p := range paths {
			if m := manifestOf(p); m != nil {
				return m, strings.TrimSuffix(filepath.Base(p), ".apk")
			}
		}
	}
	return MinimalManifest(), "minimal"
}

func manifestOf(path string) []byte {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil
	}
	a, err := apkzip.Open(f, st.Size())
	if err != nil {
		return nil
	}
	e := a.Lookup("AndroidManifest.xml")
	if e == nil {
		return nil
	}
	m, err := e.ReadAll(1 << 20)
	if err != nil {
		return nil
	}
	return m
}
