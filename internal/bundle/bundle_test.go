package bundle

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"errors"
	"hash/crc32"
	"io"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apktrust/apktrust/internal/apkzip"
)

// entry is one member of a generated bundle. Claim, when set, is the
// uncompressed size the central directory declares instead of the real one.
type entry struct {
	name   string
	data   []byte
	stored bool
	claim  uint64
	flags  uint16
}

// makeZip writes a ZIP of the entries with archive/zip.
func makeZip(t testing.TB, entries ...entry) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for _, e := range entries {
		h := &zip.FileHeader{Name: e.name, Method: zip.Deflate, Flags: e.flags}
		raw := e.data
		if e.stored {
			h.Method = zip.Store
		} else {
			var c bytes.Buffer
			fw, err := flate.NewWriter(&c, flate.BestSpeed)
			require.NoError(t, err)
			_, _ = fw.Write(e.data)
			require.NoError(t, fw.Close())
			raw = c.Bytes()
		}
		h.CRC32 = crc32.ChecksumIEEE(e.data)
		h.CompressedSize64 = uint64(len(raw))
		h.UncompressedSize64 = uint64(len(e.data))
		if e.claim != 0 {
			h.UncompressedSize64 = e.claim
		}
		fw, err := w.CreateRaw(h)
		require.NoError(t, err)
		_, err = fw.Write(raw)
		require.NoError(t, err)
	}
	require.NoError(t, w.Close())
	return buf.Bytes()
}

// apk is a minimal stand-in for an APK: a ZIP with a manifest entry.
func apk(t testing.TB) []byte {
	return makeZip(t, entry{name: "AndroidManifest.xml", data: []byte("manifest")})
}

func open(t testing.TB, b []byte) *apkzip.Archive {
	t.Helper()
	a, err := apkzip.Open(bytes.NewReader(b), int64(len(b)))
	require.NoError(t, err)
	return a
}

func partNames(b *Bundle) (names []string, standalone []bool) {
	for _, p := range b.Parts {
		names = append(names, p.Name)
		standalone = append(standalone, p.Standalone)
	}
	return names, standalone
}

func TestReadLayouts(t *testing.T) {
	a := apk(t)
	tests := []struct {
		name       string
		entries    []entry
		layout     Layout
		parts      []string
		standalone []bool
		ignored    []string
	}{
		{"bundletool", []entry{{name: "toc.pb"}, {name: "splits/base-master.apk", data: a, stored: true}, {name: "splits/base-de.apk", data: a},
			{name: "standalones/standalone-hdpi.apk", data: a}, {name: "instant/instant-base.apk", data: a}},
			LayoutBundletool, []string{"splits/base-master.apk", "splits/base-de.apk", "standalones/standalone-hdpi.apk"}, []bool{false, false, true},
			[]string{"toc.pb", "instant/instant-base.apk"}},
		{"sai", []entry{{name: "meta.sai_v2.json"}, {name: "icon.png"}, {name: "base.apk", data: a}, {name: "split_config.de.apk", data: a}},
			LayoutSAI, []string{"base.apk", "split_config.de.apk"}, []bool{false, false}, []string{"meta.sai_v2.json", "icon.png"}},
		{"xapk", []entry{{name: "manifest.json"}, {name: "com.example.apk", data: a}, {name: "config.de.apk", data: a},
			{name: "Android/obb/com.example/main.1.com.example.obb", data: []byte("obb")}},
			LayoutXAPK, []string{"com.example.apk", "config.de.apk"}, []bool{false, false},
			[]string{"manifest.json", "Android/obb/com.example/main.1.com.example.obb"}},
		{"apkm", []entry{{name: "info.json"}, {name: "base.apk", data: a}},
			LayoutAPKM, []string{"base.apk"}, []bool{false}, []string{"info.json"}},
		{"bare", []entry{{name: "base.apk", data: a}}, LayoutAPKs, []string{"base.apk"}, []bool{false}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ar := open(t, makeZip(t, tc.entries...))
			require.True(t, Detect(ar))
			b, err := Read(ar, DefaultLimits)
			require.NoError(t, err)
			assert.Equal(t, tc.layout, b.Layout)
			names, standalone := partNames(b)
			assert.Equal(t, tc.parts, names)
			assert.Equal(t, tc.standalone, standalone)
			assert.Equal(t, tc.ignored, b.Ignored)
		})
	}
}

func TestDetectAPKIsNotBundle(t *testing.T) {
	// An APK that happens to carry an APK inside (assets) is an APK.
	b := makeZip(t, entry{name: "AndroidManifest.xml", data: []byte("m")}, entry{name: "assets/plugin.apk", data: apk(t)})
	assert.False(t, Detect(open(t, b)))
	assert.False(t, Detect(open(t, makeZip(t, entry{name: "readme.txt", data: []byte("x")}))))
}

func TestReadRefusals(t *testing.T) {
	a := apk(t)
	small := Limits{MaxParts: 2, MaxPartSize: 1 << 20, MaxTotalSize: int64(3 * len(a))}
	tests := []struct {
		name    string
		entries []entry
		lim     Limits
		code    Code
	}{
		{"dot-dot", []entry{{name: "../evil.apk", data: a}}, DefaultLimits, CodeUnsafeName},
		{"dot-dot inside", []entry{{name: "splits/../../evil.apk", data: a}}, DefaultLimits, CodeUnsafeName},
		{"absolute", []entry{{name: "/data/app/base.apk", data: a}}, DefaultLimits, CodeUnsafeName},
		{"backslash", []entry{{name: "..\\base.apk", data: a}}, DefaultLimits, CodeUnsafeName},
		{"nested bundle", []entry{{name: "base.apk", data: a}, {name: "inner.apks", data: a}}, DefaultLimits, CodeNested},
		{"nested xapk", []entry{{name: "base.apk", data: a}, {name: "x/inner.XAPK", data: a}}, DefaultLimits, CodeNested},
		{"unknown place", []entry{{name: "base.apk", data: a}, {name: "lib/other.apk", data: a}}, DefaultLimits, CodeUnknownLayout},
		{"too many parts", []entry{{name: "a.apk", data: a}, {name: "b.apk", data: a}, {name: "c.apk", data: a}}, small, CodeTooManyParts},
		{"part too large", []entry{{name: "a.apk", data: a, stored: true}}, Limits{MaxParts: 2, MaxPartSize: 16, MaxTotalSize: 1 << 20}, CodePartTooLarge},
		{"deflate ratio", []entry{{name: "a.apk", data: a, claim: 0xfffffff0}}, DefaultLimits, CodePartTooLarge},
		{"total too large", []entry{{name: "a.apk", data: a, claim: uint64(2 * len(a))}, {name: "b.apk", data: a, claim: uint64(2 * len(a))}}, small, CodeTooLarge},
		{"no apk", []entry{{name: "info.json"}}, DefaultLimits, CodeNotBundle},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Read(open(t, makeZip(t, tc.entries...)), tc.lim)
			require.Error(t, err)
			assert.ErrorIs(t, err, tc.code)
		})
	}
}

// A bundle claiming a part of nearly 4 GiB is refused from its central
// directory: nothing near that size is allocated.
func TestHugeClaimRefusedBeforeAllocating(t *testing.T) {
	raw := makeZip(t, entry{name: "base.apk", data: apk(t), claim: 0xfffffff0})
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	ar := open(t, raw)
	_, err := Read(ar, DefaultLimits)
	runtime.ReadMemStats(&after)
	require.ErrorIs(t, err, CodePartTooLarge)
	assert.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(1<<20))
}

func TestOpenParts(t *testing.T) {
	a := apk(t)
	raw := makeZip(t, entry{name: "s.apk", data: a, stored: true}, entry{name: "d.apk", data: a}, entry{name: "f.apk", data: a})
	b, err := Read(open(t, raw), DefaultLimits)
	require.NoError(t, err)
	// A budget for one inflated part: the second deflated one goes to a
	// temporary file.
	op := NewOpener(Limits{MemoryBudget: int64(len(a))})
	op.TempDir = t.TempDir()
	var contents []*Content
	for i := range b.Parts {
		c, err := op.Open(&b.Parts[i])
		require.NoError(t, err)
		got, err := io.ReadAll(io.NewSectionReader(c.R, 0, c.Size))
		require.NoError(t, err)
		assert.Equal(t, a, got, b.Parts[i].Name)
		contents = append(contents, c)
	}
	_, isSection := contents[0].R.(*io.SectionReader)
	assert.True(t, isSection, "a stored part is read in place")
	for _, c := range contents {
		c.Close()
	}
	assert.Equal(t, int64(len(a)), op.budget, "budget returned")
}

// A deflated part whose content is longer than declared is an error, not
// a larger buffer.
func TestOpenLyingPart(t *testing.T) {
	a := apk(t)
	raw := makeZip(t, entry{name: "d.apk", data: a, claim: uint64(len(a) - 10)})
	b, err := Read(open(t, raw), DefaultLimits)
	require.NoError(t, err)
	_, err = NewOpener(DefaultLimits).Open(&b.Parts[0])
	var be *Error
	require.True(t, errors.As(err, &be))
	assert.Equal(t, CodePartRead, be.Code)
}
