package apkverify_test

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apktrust/apktrust/apkverify"
	"github.com/apktrust/apktrust/internal/scheme"
	"github.com/apktrust/apktrust/signer"
)

// v41Info is one signing info of a .idsig built by the test.
type v41Info struct {
	key     *testKey
	blockID uint32 // 0: the main signing info
	digest  []byte
}

// buildIdsig writes a v4 signature file for apk: SHA-256 fs-verity tree of
// 4 KiB blocks without salt, the signing infos signed (RSA PKCS#1 SHA-256)
// by their keys, and the tree.
func buildIdsig(t testing.TB, apk []byte, infos ...v41Info) []byte {
	t.Helper()
	tree, root, err := scheme.V4MerkleTree(bytes.NewReader(apk), int64(len(apk)), nil)
	require.NoError(t, err)
	sig := &scheme.V4Signature{HashAlgorithm: 1, Log2BlockSize: 12, RootHash: root}
	hashing := append(append(u32(1), 12), lp(nil)...)
	hashing = append(hashing, lp(root)...)
	var signing []byte
	for _, in := range infos {
		s := in.key.sign(t, signer.AlgRSAPKCS1SHA256, sig.SignedData(&scheme.V4SigningInfo{APKDigest: in.digest, Certificate: in.key.cert}, int64(len(apk))))
		one := append(lp(in.digest), lp(in.key.cert)...)
		one = append(one, lp(nil)...)
		one = append(one, lp(in.key.spki)...)
		one = append(one, u32(uint32(signer.AlgRSAPKCS1SHA256))...)
		one = append(one, lp(s)...)
		if in.blockID != 0 {
			one = append(u32(in.blockID), lp(one)...)
		}
		signing = append(signing, one...)
	}
	out := append(u32(scheme.V4SignatureVersion), lp(hashing)...)
	out = append(out, lp(signing)...)
	return append(out, lp(tree)...)
}

// v4Digest is the content digest Android pairs a v4 signing info with.
func v4Digest(t testing.TB, res *apkverify.Result, scheme signer.Scheme) []byte {
	t.Helper()
	d := contentDigests(t, res, scheme)
	for _, c := range []signer.ContentDigestAlgorithm{signer.DigestChunkedSHA512, signer.DigestVerityChunkedSHA256, signer.DigestChunkedSHA256} {
		if b, ok := d[c]; ok {
			return b
		}
	}
	t.Fatalf("no v4 digest for %s", scheme)
	return nil
}

// TestV41RotatedAPK: apksig's rotated test APK (v3 by rsa-2048 up to API
// 32, v3.1 by rsa-2048_2 from 33) with .idsig files built from its keys.
// Android 13+ looks the v3.1 signer's signing info up by the v3.1 block
// ID, which no signature covers; under any other ID it finds none and
// refuses the install, and so does apktrust, on the whole range and on
// API 33+ (where only v3.1 is used, and the v3 block is still checked for
// the main signing info).
func TestV41RotatedAPK(t *testing.T) {
	apk := readFile(t, corpusAPK(t, "v31-rsa-2048_2-tgt-33-1-tgt-28.apk"))
	oldKey := loadKeyFiles(t, corpusAPK(t, "rsa-2048.pk8"), corpusAPK(t, "rsa-2048.x509.pem"))
	newKey := loadKeyFiles(t, corpusAPK(t, "rsa-2048_2.pk8"), corpusAPK(t, "rsa-2048_2.x509.pem"))
	res := verifyBytes(t, apk, apkverify.Options{MinSDK: 28})
	require.True(t, res.Verified, "%v", res.Errors)
	dOld, dNew := v4Digest(t, res, signer.SchemeV3), v4Digest(t, res, signer.SchemeV31)
	cases := []struct {
		name  string
		infos []v41Info
		code  signer.Code
	}{
		{"v4.1 as apksigner writes it", []v41Info{{oldKey, 0, dOld}, {newKey, scheme.BlockIDV31, dNew}}, ""},
		{"v3.1 signing info under the v3 block ID", []v41Info{{oldKey, 0, dOld}, {newKey, scheme.BlockIDV3, dNew}}, signer.V4CodeBlockIDMismatch},
		{"v3.1 signing info under the v3.2 block ID", []v41Info{{oldKey, 0, dOld}, {newKey, scheme.BlockIDV32, dNew}}, signer.V4CodeBlockIDMismatch},
		{"v3.1 signing info missing", []v41Info{{oldKey, 0, dOld}}, signer.V4CodeNeedsTwoSigners},
	}
	for _, c := range cases {
		idsig := buildIdsig(t, apk, c.infos...)
		for _, minSDK := range []int{0, 33} {
			res := verifyBytes(t, apk, apkverify.Options{MinSDK: minSDK, V4Signature: bytes.NewReader(idsig), V4SignatureSize: int64(len(idsig))})
			if c.code == "" {
				assert.True(t, res.Verified, "%s, API %d+: %v", c.name, minSDK, res.Errors)
				assert.True(t, res.Schemes.V4, "%s, API %d+", c.name, minSDK)
				continue
			}
			assert.False(t, res.Verified, "%s, API %d+", c.name, minSDK)
			assert.False(t, res.Schemes.V4)
			assert.Contains(t, issueCodes(res.Errors), c.code, "%s, API %d+", c.name, minSDK)
		}
	}
}
