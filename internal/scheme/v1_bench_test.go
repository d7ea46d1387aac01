package scheme

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"context"
	"crypto"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/apktrust/apktrust/internal/testutil"
)

// v1BenchSpec shapes a generated APK: many small deflated entries plus a
// few large ones, stored and deflated, like real apps (dex and resources
// compressed, native libraries and media stored).
type v1BenchSpec struct {
	smallCount int
	smallSize  int
	large      []struct {
		size   int64
		stored bool
		random bool
	}
}

func v1BenchSpecMB(totalMB int) v1BenchSpec {
	per := int64(totalMB) << 20 / 4
	s := v1BenchSpec{smallCount: 4000, smallSize: int(per / 4000)}
	s.large = append(s.large,
		struct {
			size   int64
			stored bool
			random bool
		}{per, true, true},
		struct {
			size   int64
			stored bool
			random bool
		}{per, false, false},
		struct {
			size   int64
			stored bool
			random bool
		}{per, false, true})
	return s
}

// v1BenchData writes n bytes of either random or text-like (compressible)
// content.
type v1BenchData struct {
	rng    *rand.Rand
	random bool
	chunk  []byte
}

func (d *v1BenchData) write(w io.Writer, n int64) error {
	if d.chunk == nil {
		d.chunk = make([]byte, 64<<10)
	}
	for n > 0 {
		c := d.chunk[:min(int64(len(d.chunk)), n)]
		if d.random {
			for i := 0; i+8 <= len(c); i += 8 {
				v := d.rng.Uint64()
				for j := 0; j < 8; j++ {
					c[i+j] = byte(v >> (8 * j))
				}
			}
		} else {
			words := []string{"android ", "layout ", "string ", "0x7f0b00", "\n", "resource ", "<item/> "}
			p := 0
			for p < len(c) {
				p += copy(c[p:], words[d.rng.IntN(len(words))])
			}
		}
		if _, err := w.Write(c); err != nil {
			return err
		}
		n -= int64(len(c))
	}
	return nil
}

// v1WriteBenchAPK writes a v1-signed APK to path, streaming (the content is
// never held in memory), and returns the total uncompressed size. The
// binary AndroidManifest.xml of a project fixture is used when present so
// that apksigner can read the file too.
func v1WriteBenchAPK(tb testing.TB, path string, spec v1BenchSpec) int64 {
	tb.Helper()
	rsaKey, _ := v1Keys(tb)
	f, err := os.Create(path)
	require.NoError(tb, err)
	defer f.Close()
	zw := zip.NewWriter(f)
	zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) { return flate.NewWriter(w, flate.BestSpeed) })
	var mf bytes.Buffer
	mf.WriteString("Manifest-Version: 1.0\r\nCreated-By: apktrust bench\r\n\r\n")
	mainLen := mf.Len()
	var sfSections bytes.Buffer
	var total int64
	add := func(name string, stored bool, n int64, d *v1BenchData, literal []byte) {
		method := zip.Deflate
		if stored {
			method = zip.Store
		}
		w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: method})
		require.NoError(tb, err)
		h := sha256.New()
		mw := io.MultiWriter(w, h)
		if literal != nil {
			_, err = mw.Write(literal)
			n = int64(len(literal))
		} else {
			err = d.write(mw, n)
		}
		require.NoError(tb, err)
		total += n
		start := mf.Len()
		v1WriteAttr(&mf, "Name", name)
		v1WriteAttr(&mf, "SHA-256-Digest", base64.StdEncoding.EncodeToString(h.Sum(nil)))
		mf.WriteString("\r\n")
		v1WriteAttr(&sfSections, "Name", name)
		v1WriteAttr(&sfSections, "SHA-256-Digest", v1B64(crypto.SHA256, mf.Bytes()[start:]))
		sfSections.WriteString("\r\n")
	}
	manifest := []byte("<manifest/>")
	if fx, err := testutil.TryOpenAPK(tb, filepath.Join(v1FixtureDir, "apk", "unsigned-min21.apk")); err == nil {
		if e := fx.Lookup("AndroidManifest.xml"); e != nil {
			if b, err := e.ReadAll(1 << 20); err == nil {
				manifest = b
			}
		}
	}
	add("AndroidManifest.xml", false, 0, nil, manifest)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < spec.smallCount; i++ {
		d := &v1BenchData{rng: rng, random: i%3 == 0}
		add(fmt.Sprintf("res/raw/r%05d.bin", i), false, int64(spec.smallSize/2+rng.IntN(spec.smallSize+1)), d, nil)
	}
	for i, l := range spec.large {
		add(fmt.Sprintf("lib/arm64-v8a/libbig%d.so", i), l.stored, l.size, &v1BenchData{rng: rng, random: l.random}, nil)
	}
	w, err := zw.Create(v1ManifestName)
	require.NoError(tb, err)
	_, err = w.Write(mf.Bytes())
	require.NoError(tb, err)
	var sf bytes.Buffer
	sf.WriteString("Signature-Version: 1.0\r\nCreated-By: 1.0 (Android)\r\n")
	v1WriteAttr(&sf, "SHA-256-Digest-Manifest", v1B64(crypto.SHA256, mf.Bytes()))
	v1WriteAttr(&sf, "SHA-256-Digest-Manifest-Main-Attributes", v1B64(crypto.SHA256, mf.Bytes()[:mainLen]))
	sf.WriteString("\r\n")
	sf.Write(sfSections.Bytes())
	w, err = zw.Create("META-INF/CERT.SF")
	require.NoError(tb, err)
	_, err = w.Write(sf.Bytes())
	require.NoError(tb, err)
	w, err = zw.Create("META-INF/CERT.RSA")
	require.NoError(tb, err)
	_, err = w.Write(v1SignedData(tb, v1SignerSpec{key: rsaKey, digestOID: oidV1DigestSHA256, sigOID: oidV1SigRSA}, sf.Bytes()))
	require.NoError(tb, err)
	require.NoError(tb, zw.Close())
	return total
}

// v1BenchSizeMB is the size of the benchmark APK: 64 MB by default (kind
// to a shared machine), APKTRUST_V1_BENCH_MB to change it.
func v1BenchSizeMB() int {
	if n, err := strconv.Atoi(os.Getenv("APKTRUST_V1_BENCH_MB")); err == nil && n > 0 {
		return n
	}
	return 64
}

// BenchmarkVerifyV1 verifies a generated v1-signed APK of a few thousand
// entries plus large ones; MB/s is of uncompressed content.
func BenchmarkVerifyV1(b *testing.B) {
	path := filepath.Join(b.TempDir(), "bench.apk")
	total := v1WriteBenchAPK(b, path, v1BenchSpecMB(v1BenchSizeMB()))
	a := testutil.OpenAPK(b, path)
	b.SetBytes(total)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r := VerifyV1(context.Background(), a, 21, MaxSDK)
		if !r.Verified {
			b.Fatalf("not verified: %v", r.Errors)
		}
	}
}

// TestV1SpeedVsApksigner times VerifyV1 against `apksigner verify` on the
// same generated APK (1 GB by default, minSdk 21). It is CPU-heavy, so it
// runs only when APKTRUST_V1_SPEED=1 and apksigner is installed.
func TestV1SpeedVsApksigner(t *testing.T) {
	if os.Getenv("APKTRUST_V1_SPEED") != "1" {
		t.Skip("set APKTRUST_V1_SPEED=1 to run (generates a large APK)")
	}
	tool, err := exec.LookPath("apksigner")
	if err != nil {
		t.Skip("apksigner not installed")
	}
	mb := 1024
	if os.Getenv("APKTRUST_V1_BENCH_MB") != "" {
		mb = v1BenchSizeMB()
	}
	path := filepath.Join(t.TempDir(), "big.apk")
	total := v1WriteBenchAPK(t, path, v1BenchSpecMB(mb))
	st, err := os.Stat(path)
	require.NoError(t, err)
	// Warm the page cache for both tools alike.
	fh, err := os.Open(path)
	require.NoError(t, err)
	_, _ = io.Copy(io.Discard, fh)
	fh.Close()

	// The machine is shared: runs alternate, and the best of each is
	// compared (the least disturbed run of either tool).
	var ours, theirs []time.Duration
	for i := 0; i < 3; i++ {
		start := time.Now()
		r := VerifyV1(context.Background(), testutil.OpenAPK(t, path), 21, MaxSDK)
		ours = append(ours, time.Since(start))
		require.True(t, r.Verified, "errors %v", r.Errors)

		start = time.Now()
		out, err := exec.Command(tool, "verify", "--min-sdk-version", "21", path).CombinedOutput()
		theirs = append(theirs, time.Since(start))
		require.NoError(t, err, "apksigner: %s", out)
	}
	t.Logf("runs: VerifyV1 %v, apksigner %v", ours, theirs)
	bestOurs, bestTheirs := slices.Min(ours), slices.Min(theirs)
	t.Logf("APK %d MB (%d MB uncompressed), best of 3: VerifyV1 %v (%.0f MB/s), apksigner %v; speed-up %.2fx",
		st.Size()>>20, total>>20, bestOurs, float64(total)/bestOurs.Seconds()/(1<<20), bestTheirs, bestTheirs.Seconds()/bestOurs.Seconds())
}
