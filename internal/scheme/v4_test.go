package scheme

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"os"
	"testing"

	"github.com/apktrust/apktrust/internal/apkzip"
	"github.com/apktrust/apktrust/internal/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// v4Schemes verifies v2, v3 and v3.1 of a for the whole range, as the
// scheme results VerifyV4 pairs with.
func v4Schemes(t testing.TB, a *apkzip.Archive) map[Scheme]*SchemeResult {
	t.Helper()
	ctx := context.Background()
	d := NewContentDigester(a)
	v3, v31 := VerifyV3Schemes(ctx, a, d, FindBlocks(a), SDKNougat, MaxSDK)
	return map[Scheme]*SchemeResult{
		SchemeV2:  VerifyV2(ctx, a, d, FindBlocks(a), SDKNougat, MaxSDK),
		SchemeV3:  v3,
		SchemeV31: v31,
	}
}

func v4ReadFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return b
}

func v4Codes(issues []Issue) []Code {
	var out []Code
	for _, i := range issues {
		out = append(out, i.Code)
	}
	return out
}

func TestVerifyV4Fixtures(t *testing.T) {
	apkPath := testutil.Testdata(t, "apk/min21-v1234.apk")
	valid := v4ReadFile(t, testutil.Testdata(t, "apk/min21-v1234.apk.idsig"))
	parsed, err := ParseV4Signature(bytes.NewReader(valid), int64(len(valid)))
	require.NoError(t, err)
	flipAt := func(off int64) func([]byte) []byte {
		return func(b []byte) []byte {
			b = append([]byte(nil), b...)
			b[off] ^= 0x01
			return b
		}
	}
	// Offsets of the signature's last byte and of a byte inside the tree.
	sigEnd := bytes.Index(valid, parsed.Signers[0].Signature) + len(parsed.Signers[0].Signature) - 1
	tests := []struct {
		name     string
		idsig    string              // fixture file, or
		mutate   func([]byte) []byte // a change to the valid file
		verified bool
		code     Code
	}{
		{name: "valid", idsig: "apk/min21-v1234.apk.idsig", verified: true},
		{name: "idsig of another APK", idsig: "apk/min24-v1234.apk.idsig", code: V4CodeDigestsMismatch},
		{name: "altered signature (fixture)", idsig: "apk/min21-v1234.sig-tampered.idsig", code: V4CodeDidNotVerify},
		{name: "altered Merkle tree (fixture)", idsig: "apk/min21-v1234.tree-tampered.idsig", code: V4CodeTreeDidNotVerify},
		{name: "altered signature", mutate: flipAt(int64(sigEnd)), code: V4CodeDidNotVerify},
		{name: "altered Merkle tree", mutate: flipAt(parsed.TreeOffset + parsed.TreeSize - 1), code: V4CodeTreeDidNotVerify},
		{name: "altered root hash", mutate: flipAt(int64(bytes.Index(valid, parsed.RootHash))), code: V4CodeDidNotVerify},
	}
	a := testutil.OpenAPK(t, apkPath)
	schemes := v4Schemes(t, a)
	require.True(t, schemes[SchemeV3].Verified, "fixture's v3 must verify: %v", schemes[SchemeV3].Errors)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var idsig []byte
			if tc.mutate != nil {
				idsig = tc.mutate(valid)
			} else {
				idsig = v4ReadFile(t, testutil.Testdata(t, tc.idsig))
			}
			r := VerifyV4(a, bytes.NewReader(idsig), int64(len(idsig)), schemes)
			assert.True(t, r.Present)
			assert.Equal(t, tc.verified, r.Verified, "errors: %v", r.Errors)
			if tc.code == "" {
				assert.Empty(t, r.Errors)
				require.Len(t, r.CertSHA256, 1)
				assert.Equal(t, schemes[SchemeV3].Signers[0].Cert().SHA256Hex(), r.CertSHA256[0])
			} else {
				assert.Contains(t, v4Codes(r.Errors), tc.code)
				assert.NotEmpty(t, r.Errors[0].Message, "a failure must say why")
			}
		})
	}
}

func TestVerifyV4OtherFixturePair(t *testing.T) {
	// The minSdk 24 fixture verifies with its own .idsig, and its .idsig
	// fails on the minSdk 21 APK for the reason the digests say.
	a24 := testutil.OpenAPK(t, testutil.Testdata(t, "apk/min24-v1234.apk"))
	idsig24 := v4ReadFile(t, testutil.Testdata(t, "apk/min24-v1234.apk.idsig"))
	r := VerifyV4(a24, bytes.NewReader(idsig24), int64(len(idsig24)), v4Schemes(t, a24))
	assert.True(t, r.Verified, "errors: %v", r.Errors)

	a21 := testutil.OpenAPK(t, testutil.Testdata(t, "apk/min21-v1234.apk"))
	bad := VerifyV4(a21, bytes.NewReader(idsig24), int64(len(idsig24)), v4Schemes(t, a21))
	assert.False(t, bad.Verified)
	require.NotEmpty(t, bad.Errors)
	assert.Contains(t, bad.Errors[0].Message, "belongs to another APK")
}

func TestVerifyV4PairsWithV2WhenNoV3(t *testing.T) {
	apkPath := testutil.Testdata(t, "apk/min21-v1234.apk")
	idsig := v4ReadFile(t, testutil.Testdata(t, "apk/min21-v1234.apk.idsig"))
	a := testutil.OpenAPK(t, apkPath)
	schemes := v4Schemes(t, a)

	// Android pairs with v2 when v3 did not verify: the same key signs
	// both, and the v2 digest must match the idsig's.
	r := VerifyV4(a, bytes.NewReader(idsig), int64(len(idsig)), map[Scheme]*SchemeResult{SchemeV2: schemes[SchemeV2]})
	if !r.Verified {
		// The idsig's digest is the v3 signer's; it equals v2's only when
		// both list the same best digest.
		assert.Contains(t, v4Codes(r.Errors), V4CodeDigestsMismatch)
	}
	none := VerifyV4(a, bytes.NewReader(idsig), int64(len(idsig)), nil)
	assert.False(t, none.Verified)
	assert.Equal(t, []Code{V4CodeNoV2V3}, v4Codes(none.Errors))
}

func TestVerifyV4ApkWithoutIdsigTree(t *testing.T) {
	apkPath := testutil.Testdata(t, "apk/min21-v1234.apk")
	idsig := v4ReadFile(t, testutil.Testdata(t, "apk/min21-v1234.apk.idsig"))
	sig, err := ParseV4Signature(bytes.NewReader(idsig), int64(len(idsig)))
	require.NoError(t, err)
	require.GreaterOrEqual(t, sig.TreeSize, int64(0), "the committed fixture has a Merkle tree")
	// Dropping the tree (and its length) leaves a valid signature file:
	// the tree is optional, the root hash is what is signed.
	noTree := idsig[:sig.TreeOffset-4]
	a := testutil.OpenAPK(t, apkPath)
	r := VerifyV4(a, bytes.NewReader(noTree), int64(len(noTree)), v4Schemes(t, a))
	assert.True(t, r.Verified, "errors: %v", r.Errors)
}

func TestParseV4SignatureFixture(t *testing.T) {
	idsig := v4ReadFile(t, testutil.Testdata(t, "apk/min21-v1234.apk.idsig"))
	sig, err := ParseV4Signature(bytes.NewReader(idsig), int64(len(idsig)))
	require.NoError(t, err)
	assert.EqualValues(t, 2, sig.Version)
	assert.EqualValues(t, 1, sig.HashAlgorithm)
	assert.EqualValues(t, 12, sig.Log2BlockSize)
	assert.Len(t, sig.RootHash, 32)
	require.NotEmpty(t, sig.Signers)
	assert.NotEmpty(t, sig.Signers[0].Certificate)
	assert.NotEmpty(t, sig.Signers[0].Signature)
	assert.Greater(t, sig.TreeSize, int64(0))
	assert.Zero(t, sig.TreeSize%4096)
}

// v4TestFile builds a v4 signature file from its parts.
func v4TestFile(version uint32, hashing, signing []byte, tree []byte) []byte {
	var b []byte
	b = binary.LittleEndian.AppendUint32(b, version)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(hashing)))
	b = append(b, hashing...)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(signing)))
	b = append(b, signing...)
	if tree != nil {
		b = binary.LittleEndian.AppendUint32(b, uint32(len(tree)))
		b = append(b, tree...)
	}
	return b
}

func v4TestLP(fields ...[]byte) []byte {
	var b []byte
	for _, f := range fields {
		b = binary.LittleEndian.AppendUint32(b, uint32(len(f)))
		b = append(b, f...)
	}
	return b
}

func v4TestHashing() []byte {
	h := binary.LittleEndian.AppendUint32(nil, 1)
	h = append(h, 12)
	return append(h, v4TestLP(nil, make([]byte, 32))...)
}

func v4TestSigning() []byte {
	s := v4TestLP([]byte("digest"), []byte("cert"), nil, []byte("key"))
	s = binary.LittleEndian.AppendUint32(s, uint32(AlgECDSASHA256))
	return append(s, v4TestLP([]byte("sig"))...)
}

func TestParseV4SignatureRejectsHostileInput(t *testing.T) {
	huge := binary.LittleEndian.AppendUint32(binary.LittleEndian.AppendUint32(nil, 2), 0xfffffff0)
	tests := []struct {
		name string
		file []byte
		want error
	}{
		{"empty", nil, V4CodeMalformed},
		{"version 1", v4TestFile(1, v4TestHashing(), v4TestSigning(), nil), V4CodeVersionNotCurrent},
		{"hashing info length past end", huge, V4CodeMalformed},
		{"truncated hashing info", v4TestFile(2, v4TestHashing()[:6], v4TestSigning(), nil), V4CodeMalformed},
		{"truncated signing info", v4TestFile(2, v4TestHashing(), v4TestSigning()[:10], nil), V4CodeMalformed},
		{"tree length past end", append(v4TestFile(2, v4TestHashing(), v4TestSigning(), nil), 0xff, 0xff, 0, 0), V4CodeMalformed},
		{"bad signing info block", v4TestFile(2, v4TestHashing(), append(v4TestSigning(), 1, 2, 3), nil), V4CodeMalformed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseV4Signature(bytes.NewReader(tc.file), int64(len(tc.file)))
			require.Error(t, err)
			assert.ErrorIs(t, err, tc.want)
		})
	}
	ok := v4TestFile(2, v4TestHashing(), append(v4TestSigning(), v4TestLP(nil)[:0]...), []byte{})
	sig, err := ParseV4Signature(bytes.NewReader(ok), int64(len(ok)))
	require.NoError(t, err)
	assert.EqualValues(t, 0, sig.TreeSize)
	assert.Equal(t, []byte("digest"), sig.Signers[0].APKDigest)
	assert.Equal(t, AlgECDSASHA256, sig.Signers[0].SignatureAlgorithm)
}

// TestV4TrailingBytes: bytes the platform's reader never reads (after the
// Merkle tree, after the signing infos when too few for a tree length,
// after a signing info inside its block) are a warning, not a failure:
// apksigner and Android ignore them, and no signature covers them.
func TestV4TrailingBytes(t *testing.T) {
	block := binary.LittleEndian.AppendUint32(nil, BlockIDV31)
	block = append(block, v4TestLP(append(v4TestSigning(), 7, 7))...)
	for _, tc := range []struct {
		name string
		file []byte
		tree int64
	}{
		{"one byte after the tree", append(v4TestFile(2, v4TestHashing(), v4TestSigning(), []byte{1}), 9), 1},
		{"a kilobyte after the tree", append(v4TestFile(2, v4TestHashing(), v4TestSigning(), []byte{1}), make([]byte, 1024)...), 1},
		{"three bytes where the tree length would be", append(v4TestFile(2, v4TestHashing(), v4TestSigning(), nil), 1, 2, 3), -1},
		{"bytes after a signing info in its block", v4TestFile(2, v4TestHashing(), append(v4TestSigning(), block...), nil), -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sig, err := ParseV4Signature(bytes.NewReader(tc.file), int64(len(tc.file)))
			require.NoError(t, err)
			assert.Equal(t, tc.tree, sig.TreeSize)
			assert.Equal(t, []Code{V4CodeTrailingBytes}, v4Codes(sig.Warnings))
		})
	}
	// The real fixture with bytes appended still verifies, with the
	// warning (apksigner 35 verifies it too: testdata/evidence).
	apk := testutil.OpenAPK(t, testutil.Testdata(t, "apk/min21-v1234.apk"))
	idsig := append(v4ReadFile(t, testutil.Testdata(t, "apk/min21-v1234.apk.idsig")), "trailing"...)
	r := VerifyV4(apk, bytes.NewReader(idsig), int64(len(idsig)), v4Schemes(t, apk))
	assert.True(t, r.Verified, "errors: %v", r.Errors)
	assert.Equal(t, []Code{V4CodeTrailingBytes}, v4Codes(r.Warnings))
}

func TestV4MerkleTreeShape(t *testing.T) {
	tests := []struct {
		size     int
		treeSize int
	}{
		{1, 4096},                // one data block: one hash, one page
		{4096, 4096},             // exactly one block
		{4096 * 128, 4096},       // 128 hashes fill one page
		{4096*128 + 1, 3 * 4096}, // two pages of hashes plus a root page
		{4096 * 128 * 128, 129 * 4096},
	}
	for _, tc := range tests {
		data := bytes.Repeat([]byte{0xa5}, tc.size)
		tree, root, err := V4MerkleTree(bytes.NewReader(data), int64(len(data)), nil)
		require.NoError(t, err)
		assert.Len(t, tree, tc.treeSize, "size %d", tc.size)
		top := frostingSHA256(tree[:4096])
		assert.Equal(t, top, root, "root is the hash of the top page")
	}
	// The salt is hashed before every block.
	data := []byte("abc")
	_, r1, _ := V4MerkleTree(bytes.NewReader(data), 3, nil)
	_, r2, _ := V4MerkleTree(bytes.NewReader(data), 3, []byte("salt"))
	assert.NotEqual(t, r1, r2)
}

func TestV4ResultJSON(t *testing.T) {
	b, err := json.Marshal(&V4Result{Present: true, Errors: []Issue{{Code: V4CodeDidNotVerify, Scheme: SchemeV4, Message: "m", Signer: 0}}})
	require.NoError(t, err)
	assert.JSONEq(t, `{"present":true,"verified":false,"errors":[{"code":"V4_SIG_DID_NOT_VERIFY","scheme":"v4","message":"m","signer":0}]}`, string(b))
}

func FuzzParseV4Signature(f *testing.F) {
	f.Add(v4TestFile(2, v4TestHashing(), v4TestSigning(), []byte{1, 2, 3}))
	f.Add(v4TestFile(2, v4TestHashing(), v4TestSigning(), nil))
	if b, err := os.ReadFile(testutil.Testdata(f, "apk", "min21-v1234.apk.idsig")); err == nil && len(b) < 64<<10 {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		sig, err := ParseV4Signature(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			var ve *Error
			assert.ErrorAs(t, err, &ve)
			return
		}
		assert.LessOrEqual(t, sig.TreeOffset+sig.TreeSize, int64(len(b)))
		for _, si := range sig.Signers {
			_ = sig.SignedData(si, 1)
		}
	})
}

// TestV4MatchesFixtureVerdicts replays every .idsig of testdata/
// fixtures.json against the APK it was checked with and compares the v4
// verdict with apksigner's. Where apksigner says only "v4: false", this
// library must also say why, with the issue the tampering calls for.
func TestV4MatchesFixtureVerdicts(t *testing.T) {
	path := testutil.Testdata(t, "fixtures.json")
	var fixtures []struct {
		File      string `json:"file"`
		Kind      string `json:"kind"`
		PairedAPK string `json:"pairedApk"`
		Tamper    string `json:"tamper"`
		Apksigner struct {
			Schemes map[string]bool `json:"schemes"`
		} `json:"apksigner"`
	}
	require.NoError(t, json.Unmarshal(v4ReadFile(t, path), &fixtures))
	wantCode := map[string]Code{
		"idsig-flip-signature":   V4CodeDidNotVerify,
		"idsig-flip-merkle-tree": V4CodeTreeDidNotVerify,
		"idsig-wrong-apk":        V4CodeDigestsMismatch,
	}
	n := 0
	for _, fx := range fixtures {
		if fx.Kind != "idsig" {
			continue
		}
		n++
		t.Run(fx.File, func(t *testing.T) {
			a := testutil.OpenAPK(t, testutil.Testdata(t, fx.PairedAPK))
			idsig := v4ReadFile(t, testutil.Testdata(t, fx.File))
			r := VerifyV4(a, bytes.NewReader(idsig), int64(len(idsig)), v4Schemes(t, a))
			assert.Equal(t, fx.Apksigner.Schemes["v4"], r.Verified, "apksigner's v4 verdict; our errors: %v", r.Errors)
			if code, ok := wantCode[fx.Tamper]; ok {
				assert.Contains(t, v4Codes(r.Errors), code)
			}
		})
	}
	assert.GreaterOrEqual(t, n, 5, "fixtures.json lists the valid, tampered and wrongly paired idsig files")
}
