package apkverify_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apktrust/apktrust/apkverify"
	"github.com/apktrust/apktrust/internal/apkgen"
	"github.com/apktrust/apktrust/internal/apkzip"
	"github.com/apktrust/apktrust/internal/scheme"
	"github.com/apktrust/apktrust/signer"
)

// bigSignedAPK generates an APK of size bytes (the project manifest, 2000
// entries) and signs it with a v2 block by a fresh test key: big enough
// that the digests map the file.
func bigSignedAPK(t *testing.T, size int64) []byte {
	t.Helper()
	manifest, _ := apkgen.FixtureManifest()
	var buf bytes.Buffer
	require.NoError(t, apkgen.Write(&buf, apkgen.Options{Size: size, Seed: 3, Manifest: manifest}))
	z := buf.Bytes()
	a, err := apkzip.Open(bytes.NewReader(z), int64(len(z)))
	require.NoError(t, err)
	eocd := a.EOCD()
	cdOff := a.CentralDirectoryOffset
	apk := &sbAPK{head: z[:cdOff], cd: z[cdOff:a.EOCDOffset], eocd: eocd}
	// The content digest of the signed file: the EOCD then points at the
	// signing block, which starts where the central directory did.
	d := scheme.NewRegionDigester(
		io.NewSectionReader(bytes.NewReader(apk.head), 0, int64(len(apk.head))),
		io.NewSectionReader(bytes.NewReader(apk.cd), 0, int64(len(apk.cd))),
		io.NewSectionReader(bytes.NewReader(eocd), 0, int64(len(eocd))))
	binary.LittleEndian.PutUint32(eocd[16:], uint32(cdOff))
	sum, err := d.Digest(context.Background(), signer.DigestChunkedSHA256)
	require.NoError(t, err)
	k := newTestKey(t, rand.Reader, "truncation test")
	block := resignedSchemeBlock(t, false, k, map[signer.ContentDigestAlgorithm][]byte{signer.DigestChunkedSHA256: sum}, 24, scheme.MaxSDK)
	return apk.build([]sbPair{{scheme.BlockIDV2, block}})
}

// TestVerifyFileTruncatedDuringVerification truncates the file while it is
// being verified, at moments spread over the verification: the outcome is
// an error or a failed verdict (or, when the truncation came after the
// file was read, the verdict of the whole file), never a crash. The
// deterministic case, a mapped file that shrank before it was hashed, is
// signer's TestPassFileTruncatedWhileMapped.
func TestVerifyFileTruncatedDuringVerification(t *testing.T) {
	raw := bigSignedAPK(t, 12<<20)
	dir := t.TempDir()
	opts := apkverify.Options{MinSDK: 24}
	path := filepath.Join(dir, "whole.apk")
	require.NoError(t, os.WriteFile(path, raw, 0o644))
	start := time.Now()
	res, err := apkverify.VerifyFile(context.Background(), path, opts)
	took := time.Since(start)
	require.NoError(t, err)
	require.True(t, res.Verified, "%v", res.Errors)

	failed := 0
	for i := 0; i < 8; i++ {
		path := filepath.Join(dir, "truncated.apk")
		require.NoError(t, os.WriteFile(path, raw, 0o644))
		done := make(chan struct{})
		go func() {
			defer close(done)
			time.Sleep(took * time.Duration(i) / 8)
			_ = os.Truncate(path, 1<<20)
		}()
		res, err := apkverify.VerifyFile(context.Background(), path, opts)
		<-done
		switch {
		case err != nil:
			failed++
			t.Logf("delay %d/8: %v", i, err)
		case !res.Verified:
			failed++
			assert.NotEmpty(t, res.Errors)
			t.Logf("delay %d/8: %s", i, res.Errors[0].Code)
		}
	}
	t.Logf("%d of 8 verifications saw the truncation", failed)
}
