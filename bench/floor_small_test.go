package bench

import (
	"archive/zip"
	"bytes"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/klauspost/compress/flate"
	"github.com/stretchr/testify/require"
)

// BenchmarkFloorFixture45KB is the floor of BenchmarkVerifyFixture45KB:
// the work its verification cannot skip, each piece measured alone with
// the libraries the verifier uses, nothing else.
//
//   - rsa3: three RSA-2048 PKCS #1 v1.5 verifications with crypto/rsa (the
//     v1 PKCS #7 signature, v2's and v3's signed data; Android reads all
//     three across the fixture's API 21+ range), key A of testdata/keys;
//   - inflate: every deflated entry inflated from memory once with
//     klauspost's flate, one pooled reader reset per entry;
//   - sha256: SHA-256 of every entry v1 digests, of the JAR manifest once
//     and of the whole file once (the v2/v3 content digest, shared);
//   - read: open, stat, one pread of the whole file, close;
//   - all: the four in a row.
func BenchmarkFloorFixture45KB(b *testing.B) {
	path, _, ok := smallFixture(b)
	if !ok {
		b.Fatal("no normal small fixture in the committed testdata/fixtures.json")
	}
	file, err := os.ReadFile(path)
	require.NoError(b, err)
	zr, err := zip.NewReader(bytes.NewReader(file), int64(len(file)))
	require.NoError(b, err)
	var deflated, digested [][]byte
	for _, f := range zr.File {
		if f.Method == zip.Deflate {
			r, err := f.OpenRaw()
			require.NoError(b, err)
			raw, err := io.ReadAll(r)
			require.NoError(b, err)
			deflated = append(deflated, raw)
		}
		if !strings.HasPrefix(f.Name, "META-INF/") || f.Name == "META-INF/MANIFEST.MF" {
			r, err := f.Open()
			require.NoError(b, err)
			content, err := io.ReadAll(r)
			require.NoError(b, err)
			digested = append(digested, content)
		}
	}
	digested = append(digested, file)

	der, err := os.ReadFile(filepath.Join("..", "testdata", "keys", "rsa-a.pk8"))
	require.NoError(b, err)
	k, err := x509.ParsePKCS8PrivateKey(der)
	require.NoError(b, err)
	priv := k.(*rsa.PrivateKey)
	require.Equal(b, 2048, priv.N.BitLen())
	pub := &priv.PublicKey
	var sums [3][32]byte
	var sigs [3][]byte
	for i := range sums {
		sums[i] = sha256.Sum256([]byte{byte(i)})
		sigs[i], err = rsa.SignPKCS1v15(nil, priv, crypto.SHA256, sums[i][:])
		require.NoError(b, err)
	}

	rsa3 := func() {
		for i := range sigs {
			if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, sums[i][:], sigs[i]); err != nil {
				b.Fatal(err)
			}
		}
	}
	var fr io.ReadCloser
	var src bytes.Reader
	out := make([]byte, 64<<10)
	inflate := func() {
		for _, raw := range deflated {
			src.Reset(raw)
			if fr == nil {
				fr = flate.NewReader(&src)
			} else if err := fr.(flate.Resetter).Reset(&src, nil); err != nil {
				b.Fatal(err)
			}
			for {
				_, err := fr.Read(out)
				if err == io.EOF {
					break
				}
				if err != nil {
					b.Fatal(err)
				}
			}
		}
	}
	h := sha256.New()
	var sum [32]byte
	hash := func() {
		for _, d := range digested {
			h.Reset()
			h.Write(d)
			h.Sum(sum[:0])
		}
	}
	buf := make([]byte, 64<<10)
	read := func() {
		f, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		st, err := f.Stat()
		if err != nil {
			b.Fatal(err)
		}
		if _, err := f.ReadAt(buf[:st.Size()], 0); err != nil {
			b.Fatal(err)
		}
		f.Close()
	}
	for _, c := range []struct {
		name string
		run  func()
	}{
		{"rsa3", rsa3},
		{"inflate", inflate},
		{"sha256", hash},
		{"read", read},
		{"all", func() { rsa3(); inflate(); hash(); read() }},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				c.run()
			}
		})
	}
}
