package scheme

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/apktrust/apktrust/internal/apkzip"
	"github.com/stretchr/testify/require"
)

// frostingTestPair is one ID/value pair of a test APK Signing Block.
type frostingTestPair struct {
	id    uint32
	value []byte
}

// frostingTestAPK is a small synthetic APK: a ZIP whose entries are
// followed by an APK Signing Block holding pairs, then the central
// directory and EOCD.
type frostingTestAPK struct {
	raw        []byte
	blockStart int
	cdStart    int
	eocdStart  int
}

func (f *frostingTestAPK) open(t testing.TB) *apkzip.Archive {
	t.Helper()
	a, err := apkzip.Open(bytes.NewReader(f.raw), int64(len(f.raw)))
	require.NoError(t, err)
	return a
}

// buildFrostingTestAPK writes a ZIP with the given entries and inserts a
// signing block with the pairs between the entries and the central
// directory, patching the EOCD's central directory offset.
func buildFrostingTestAPK(t testing.TB, entries map[string]string, pairs []frostingTestPair) *frostingTestAPK {
	t.Helper()
	var zbuf bytes.Buffer
	zw := zip.NewWriter(&zbuf)
	for _, name := range []string{"AndroidManifest.xml", "classes.dex", "res/a.txt"} {
		body, ok := entries[name]
		if !ok {
			continue
		}
		w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Store})
		require.NoError(t, err)
		_, err = w.Write([]byte(body))
		require.NoError(t, err)
	}
	for name, body := range entries {
		if name == "AndroidManifest.xml" || name == "classes.dex" || name == "res/a.txt" {
			continue
		}
		w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Store})
		require.NoError(t, err)
		_, err = w.Write([]byte(body))
		require.NoError(t, err)
	}
	require.NoError(t, zw.Close())
	z := zbuf.Bytes()
	eocd := bytes.LastIndex(z, []byte("PK\x05\x06"))
	cdOff := int(binary.LittleEndian.Uint32(z[eocd+16:]))

	var pairsBytes []byte
	for _, p := range pairs {
		pairsBytes = binary.LittleEndian.AppendUint64(pairsBytes, uint64(len(p.value)+4))
		pairsBytes = binary.LittleEndian.AppendUint32(pairsBytes, p.id)
		pairsBytes = append(pairsBytes, p.value...)
	}
	size := uint64(len(pairsBytes) + 8 + 16)
	var block []byte
	block = binary.LittleEndian.AppendUint64(block, size)
	block = append(block, pairsBytes...)
	block = binary.LittleEndian.AppendUint64(block, size)
	block = append(block, apkzip.SigningBlockMagic...)

	out := append([]byte(nil), z[:cdOff]...)
	out = append(out, block...)
	newCD := len(out)
	out = append(out, z[cdOff:]...)
	newEOCD := newCD + (eocd - cdOff)
	binary.LittleEndian.PutUint32(out[newEOCD+16:], uint32(newCD))
	return &frostingTestAPK{raw: out, blockStart: cdOff, cdStart: newCD, eocdStart: newEOCD}
}

// frostingIndependentDigest recomputes the frosting APK hash from the raw
// bytes with the recipe spelled out: bytes before the block, v2 pair as
// ID||value, central directory, EOCD with the offset patched.
func frostingIndependentDigest(raw []byte, blockStart, cdStart, eocdStart int, v2ID uint32, v2Value []byte) []byte {
	var msg []byte
	msg = append(msg, raw[:blockStart]...)
	if v2Value != nil {
		msg = binary.LittleEndian.AppendUint32(msg, v2ID)
		msg = append(msg, v2Value...)
	}
	msg = append(msg, raw[cdStart:eocdStart]...)
	eocd := append([]byte(nil), raw[eocdStart:]...)
	binary.LittleEndian.PutUint32(eocd[16:], uint32(blockStart))
	msg = append(msg, eocd...)
	return frostingSHA256(msg)
}
