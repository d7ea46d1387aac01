package scheme

import (
	"bytes"
	"context"
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apktrust/apktrust/internal/apkzip"
)

// passTestAPK builds an APK of about size bytes: one stored entry of
// random bytes, then a signing block with a v2 pair and a frosting pair
// (neither needs to parse for the digests). With aligned, the data before
// the block is a multiple of 4 KiB, as the verity digest requires.
func passTestAPK(t testing.TB, seed int64, size int, aligned bool) *frostingTestAPK {
	t.Helper()
	v2 := v23RandomBytes(seed+1, 3000)
	pairs := []frostingTestPair{{id: BlockIDV2, value: v2}, {id: BlockIDFrosting, value: v23RandomBytes(seed+2, 500)}}
	build := func(n int) *frostingTestAPK {
		return buildFrostingTestAPK(t, map[string]string{"res/a.txt": string(v23RandomBytes(seed, n))}, pairs)
	}
	f := build(size)
	if aligned {
		if rem := f.blockStart % verityBlockSize; rem != 0 {
			f = build(size + verityBlockSize - rem)
		}
		require.Zero(t, f.blockStart%verityBlockSize)
	} else if f.blockStart%verityBlockSize == 0 {
		f = build(size + 1)
	}
	return f
}

// passWantAll asks one pass for every digest it can compute.
func passWantAll(salt []byte) passWants {
	return passWants{algs: []ContentDigestAlgorithm{DigestChunkedSHA256, DigestChunkedSHA512, DigestVerityChunkedSHA256},
		frosting: true, v4: true, v4Salt: salt}
}

func passCompute(t testing.TB, d *ContentDigester, w passWants) error {
	t.Helper()
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.compute(context.Background(), w)
}

// passOpenFile writes raw to a file and opens it as an archive read
// through the *os.File, the case in which the digests map the file.
func passOpenFile(t testing.TB, raw []byte) (*apkzip.Archive, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "big.apk")
	require.NoError(t, os.WriteFile(path, raw, 0o644))
	f, err := os.Open(path)
	require.NoError(t, err)
	t.Cleanup(func() { f.Close() })
	a, err := apkzip.Open(f, int64(len(raw)))
	require.NoError(t, err)
	return a, path
}

// TestPassComputesEveryDigestInOneRead checks the single pass against
// independent recomputations of every digest (chunked SHA-256 and
// SHA-512, verity, Play frosting's file hash, the v4 Merkle tree) for a
// mapped file and for a plain io.ReaderAt, on one worker (the caller's
// goroutine) and on several, and that the plain reader is read about once
// (only the ranges where the consumers' pieces differ, at the signing
// block, are read twice).
func TestPassComputesEveryDigestInOneRead(t *testing.T) {
	salt := []byte("v4 salt!")
	for _, aligned := range []bool{true, false} {
		apk := passTestAPK(t, 7, mmapMinSize+3*chunkSize/2, aligned)
		raw := apk.raw
		eocd := append([]byte(nil), raw[apk.eocdStart:]...)
		binary.LittleEndian.PutUint32(eocd[16:], uint32(apk.blockStart))
		regions := [][]byte{raw[:apk.blockStart], raw[apk.cdStart:apk.eocdStart], eocd}
		wantTree, wantRoot, err := V4MerkleTree(bytes.NewReader(raw), int64(len(raw)), salt)
		require.NoError(t, err)
		wantFrost := frostingIndependentDigest(raw, apk.blockStart, apk.cdStart, apk.eocdStart, BlockIDV2, raw[apk.blockStart+8+8+4:apk.blockStart+8+8+4+3000])
		for _, source := range []string{"file", "readerat"} {
			for _, workers := range []int{1, 2} {
				name := map[bool]string{true: "aligned", false: "unaligned"}[aligned] + "/" + source + "/workers=" + string(rune('0'+workers))
				t.Run(name, func(t *testing.T) {
					var a *apkzip.Archive
					cr := &v23CountingReaderAt{r: bytes.NewReader(raw)}
					if source == "file" {
						a, _ = passOpenFile(t, raw)
					} else {
						var err error
						a, err = apkzip.Open(cr, int64(len(raw)))
						require.NoError(t, err)
						cr.n.Store(0)
					}
					d := NewContentDigester(a)
					d.SetWorkers(workers)
					require.NoError(t, passCompute(t, d, passWantAll(salt)))
					if source == "readerat" {
						assert.LessOrEqual(t, cr.n.Load(), int64(len(raw)+3*chunkSize), "one read of the file, but for the pieces around the signing block")
					}
					before := cr.n.Load()
					for _, alg := range []ContentDigestAlgorithm{DigestChunkedSHA256, DigestChunkedSHA512} {
						got, err := d.Digest(context.Background(), alg)
						require.NoError(t, err)
						assert.Equal(t, v23RefChunkedDigest(alg, regions...), got, alg.String())
					}
					got, err := d.Digest(context.Background(), DigestVerityChunkedSHA256)
					if aligned {
						require.NoError(t, err)
						assert.Equal(t, v23RefVerityDigest(regions...), got)
					} else {
						assert.ErrorIs(t, err, CodeDigestVerityUnaligned)
					}
					frost, err := d.frostingDigest(context.Background())
					require.NoError(t, err)
					assert.Equal(t, wantFrost, frost)
					tree, root, err := d.v4MerkleTree(context.Background(), salt)
					require.NoError(t, err)
					assert.Equal(t, wantRoot, root)
					assert.True(t, bytes.Equal(wantTree, tree), "v4 tree")
					assert.Equal(t, before, cr.n.Load(), "everything was computed by the one pass")
				})
			}
		}
	}
}

// TestPassConsumersAlone checks each consumer computed without the
// others (the frosting hash then reads the file itself).
func TestPassConsumersAlone(t *testing.T) {
	apk := passTestAPK(t, 9, mmapMinSize+chunkSize, true)
	raw := apk.raw
	wantFrost := frostingIndependentDigest(raw, apk.blockStart, apk.cdStart, apk.eocdStart, BlockIDV2, raw[apk.blockStart+8+8+4:apk.blockStart+8+8+4+3000])
	_, wantRoot, err := V4MerkleTree(bytes.NewReader(raw), int64(len(raw)), nil)
	require.NoError(t, err)
	for _, source := range []string{"file", "readerat"} {
		t.Run(source, func(t *testing.T) {
			open := func() *apkzip.Archive {
				if source == "file" {
					a, _ := passOpenFile(t, raw)
					return a
				}
				return apk.open(t)
			}
			frost, err := FrostingAPKDigest(open())
			require.NoError(t, err)
			assert.Equal(t, wantFrost, frost)
			_, root, err := NewContentDigester(open()).v4MerkleTree(context.Background(), nil)
			require.NoError(t, err)
			assert.Equal(t, wantRoot, root)
		})
	}
}

// TestPassFileTruncatedWhileMapped: a file that shrinks after it was
// opened (its mapping then has pages no longer backed by the file) yields
// the typed error for every digest of the pass, never a crash.
func TestPassFileTruncatedWhileMapped(t *testing.T) {
	apk := passTestAPK(t, 11, mmapMinSize+2*chunkSize, true)
	for _, workers := range []int{1, 2} {
		a, path := passOpenFile(t, apk.raw)
		require.NoError(t, os.Truncate(path, chunkSize))
		d := NewContentDigester(a)
		d.SetWorkers(workers)
		err := passCompute(t, d, passWantAll(nil))
		require.Error(t, err)
		assert.ErrorIs(t, err, CodeDigestFileChanged, "workers=%d", workers)
		_, err = d.Digest(context.Background(), DigestChunkedSHA256)
		assert.ErrorIs(t, err, CodeDigestFileChanged)
		_, err = d.frostingDigest(context.Background())
		assert.ErrorIs(t, err, CodeDigestFileChanged)
		_, _, err = d.v4MerkleTree(context.Background(), nil)
		assert.ErrorIs(t, err, CodeDigestFileChanged)
	}
}

// TestPassSmallFileStartsNoGoroutine: a file whose digests fit in a couple
// of chunks is hashed on the caller's goroutine, every digest of it.
func TestPassSmallFileStartsNoGoroutine(t *testing.T) {
	apk := passTestAPK(t, 13, 300<<10, true)
	d := NewContentDigester(apk.open(t))
	before := workerGoroutines.Load()
	require.NoError(t, passCompute(t, d, passWantAll([]byte("s"))))
	assert.Equal(t, before, workerGoroutines.Load())
	_, err := d.Digest(context.Background(), DigestVerityChunkedSHA256)
	require.NoError(t, err)

	big := NewContentDigester(passTestAPK(t, 14, 3*chunkSize, true).open(t))
	big.SetWorkers(2)
	require.NoError(t, passCompute(t, big, passWantAll(nil)))
	assert.Greater(t, workerGoroutines.Load(), before, "a bigger file is hashed on the workers")
}
