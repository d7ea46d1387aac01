package scheme

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// v41Info is one signing info of a synthetic .idsig.
type v41Info struct {
	key     *v23Key
	blockID uint32 // 0 for the main signing info
	digest  []byte
}

// v41BuildIdsig writes a v4 signature file for apk (version 2, SHA-256,
// 4 KiB blocks, no salt, with its Merkle tree), its signing infos signed
// by their keys.
func v41BuildIdsig(t testing.TB, apk []byte, infos ...v41Info) []byte {
	t.Helper()
	tree, root, err := V4MerkleTree(bytes.NewReader(apk), int64(len(apk)), nil)
	require.NoError(t, err)
	sig := &V4Signature{HashAlgorithm: 1, Log2BlockSize: 12, RootHash: root}
	hashing := binary.LittleEndian.AppendUint32(nil, 1)
	hashing = append(hashing, 12)
	hashing = append(hashing, v23LP(nil)...)
	hashing = append(hashing, v23LP(root)...)
	var signing []byte
	for _, in := range infos {
		si := &V4SigningInfo{APKDigest: in.digest, Certificate: in.key.cert}
		s := in.key.sign(t, AlgECDSASHA256, sig.SignedData(si, int64(len(apk))))
		one := append(v23LP(in.digest), v23LP(in.key.cert)...)
		one = append(one, v23LP(nil)...)
		one = append(one, v23LP(in.key.spki)...)
		one = append(one, v23U32(uint32(AlgECDSASHA256))...)
		one = append(one, v23LP(s)...)
		if in.blockID != 0 {
			one = append(v23U32(in.blockID), v23LP(one)...)
		}
		signing = append(signing, one...)
	}
	out := v23U32(V4SignatureVersion)
	out = append(out, v23LP(hashing)...)
	out = append(out, v23LP(signing)...)
	return append(out, v23LP(tree)...)
}

// TestV41SigningInfoBlockID: on a v3 + v3.1 file (key A rotated to B from
// API 33), Android 13+ looks the v3.1 signer's signing info up by the
// v3.1 block ID. The ID is covered by no signature, so a genuine .idsig
// relabelled under another ID still verifies signature by signature; the
// platform finds no signing info for v3.1 and refuses the install, and so
// must we.
func TestV41SigningInfoBlockID(t *testing.T) {
	a := v23NewKey(t, "v4.1 old key A")
	b := v23NewKey(t, "v4.1 new key B")
	lineage := v23BuildLineage(t, []v23LineageNode{{key: a, flags: 0x1f, alg: AlgECDSASHA256}, {key: b, flags: 0x1f}}, 0)
	apk := v23BuildAPK(t,
		v23Block{id: BlockIDV31, signers: []v23Signer{{key: b, minSDK: 33, maxSDK: MaxSDK,
			attrs: []attribute{{id: AttrProofOfRotation, value: lineage}}}}},
		v23Block{id: BlockIDV3, signers: []v23Signer{{key: a, minSDK: 24, maxSDK: 32,
			attrs: []attribute{v23IntAttr(AttrRotationMinSDK, 33)}}}})
	arc := apk.open(t)
	schemes := v4Schemes(t, arc)
	require.True(t, schemes[SchemeV3].Verified, "%v", schemes[SchemeV3].Errors)
	require.True(t, schemes[SchemeV31].Verified, "%v", schemes[SchemeV31].Errors)
	dA := v4BestDigest(schemes[SchemeV3].Signers[0])
	dB := v4BestDigest(schemes[SchemeV31].Signers[0])
	cases := []struct {
		name  string
		infos []v41Info
		code  Code
	}{
		{"v4.1 as apksigner writes it", []v41Info{{a, 0, dA}, {b, BlockIDV31, dB}}, ""},
		{"second signing info under the v3 block ID", []v41Info{{a, 0, dA}, {b, BlockIDV3, dB}}, V4CodeBlockIDMismatch},
		{"second signing info under an unknown ID", []v41Info{{a, 0, dA}, {b, 0x12345678, dB}}, V4CodeBlockIDMismatch},
		{"signing infos swapped", []v41Info{{b, 0, dB}, {a, BlockIDV31, dA}}, V4CodeSignersMismatch},
		{"v3.1 signing info missing", []v41Info{{a, 0, dA}}, V4CodeNeedsTwoSigners},
		{"v3.1 ID on the v3 signer's info", []v41Info{{a, 0, dA}, {a, BlockIDV31, dA}}, V4CodeSignersMismatch},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			idsig := v41BuildIdsig(t, apk.bytes, c.infos...)
			r := VerifyV4(arc, bytes.NewReader(idsig), int64(len(idsig)), schemes)
			if c.code == "" {
				assert.True(t, r.Verified, "errors: %v", r.Errors)
				assert.Empty(t, r.Errors)
				return
			}
			assert.False(t, r.Verified)
			assert.Contains(t, v4Codes(r.Errors), c.code)
		})
	}
}
