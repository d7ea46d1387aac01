package scheme

import (
	"context"
	"crypto/rsa"
	"crypto/x509"
	"math/big"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func v23IntPtr(v int) *int { return &v }

func v23RepeatAlg(id SignatureAlgorithmID, n int) []SignatureAlgorithmID {
	out := make([]SignatureAlgorithmID, n)
	for i := range out {
		out[i] = id
	}
	return out
}

// v23ManySigners returns n v3 signers with contiguous one-version ranges.
func v23ManySigners(k *v23Key, n int) []v23Signer {
	var out []v23Signer
	for i := 0; i < n; i++ {
		out = append(out, v23Signer{key: k, minSDK: 24 + i, maxSDK: 24 + i})
	}
	out[n-1].maxSDK = MaxSDK
	return out
}

// v23HugeRSAKey is an RSA public key (no private half) larger than Android
// accepts.
func v23HugeRSAKey(t *testing.T) []byte {
	n := new(big.Int).Lsh(big.NewInt(1), 17000)
	n.Add(n, big.NewInt(1))
	b, err := x509.MarshalPKIXPublicKey(&rsa.PublicKey{N: n, E: 65537})
	require.NoError(t, err)
	return b
}

// TestVerifyV2Shapes checks each v2 rule on an APK built for it: what a
// user sees is whether v2 verifies and which issue codes explain why not.
func TestVerifyV2Shapes(t *testing.T) {
	a := v23NewKey(t, "signer A")
	b := v23NewKey(t, "signer B")
	rsaKey := v23NewRSAKey(t, "rsa signer")
	one := func(s v23Signer) []v23Block { return []v23Block{{id: BlockIDV2, signers: []v23Signer{s}}} }
	many := func(n int) []v23Block {
		var ss []v23Signer
		for i := 0; i < n; i++ {
			ss = append(ss, v23Signer{key: a})
		}
		return []v23Block{{id: BlockIDV2, signers: ss}}
	}
	tests := []struct {
		name       string
		blocks     []v23Block
		maxSDK     int
		verified   bool
		errors     []Code
		warnings   []Code
		wantSigned []SignatureAlgorithmID // verified algorithms of signer 0
	}{
		{name: "valid ECDSA", blocks: one(v23Signer{key: a}), verified: true, wantSigned: []SignatureAlgorithmID{AlgECDSASHA256}},
		{name: "valid RSA PKCS#1, SHA-512 picked over SHA-256", blocks: one(v23Signer{key: rsaKey,
			algs: []SignatureAlgorithmID{AlgRSAPKCS1SHA256, AlgRSAPKCS1SHA512}}), verified: true, wantSigned: []SignatureAlgorithmID{AlgRSAPKCS1SHA512}},
		{name: "valid RSA-PSS SHA-256", blocks: one(v23Signer{key: rsaKey, algs: []SignatureAlgorithmID{AlgRSAPSSSHA256}}),
			verified: true, wantSigned: []SignatureAlgorithmID{AlgRSAPSSSHA256}},
		{name: "RSA-PSS signature does not verify", blocks: one(v23Signer{key: rsaKey, algs: []SignatureAlgorithmID{AlgRSAPSSSHA256},
			corruptSignature: true}), errors: []Code{"V2_SIG_DID_NOT_VERIFY"}},
		{name: "strongest of SHA-256 and SHA-512 is verified", blocks: one(v23Signer{key: a,
			algs: []SignatureAlgorithmID{AlgECDSASHA256, AlgECDSASHA512}}), verified: true, wantSigned: []SignatureAlgorithmID{AlgECDSASHA512}},
		{name: "two signers", blocks: []v23Block{{id: BlockIDV2, signers: []v23Signer{{key: a}, {key: b}}}}, verified: true,
			wantSigned: []SignatureAlgorithmID{AlgECDSASHA256}},
		{name: "10 signers allowed", blocks: many(10), verified: true, wantSigned: []SignatureAlgorithmID{AlgECDSASHA256}},
		{name: "11 signers refused", blocks: many(11), errors: []Code{"V2_SIG_MAX_SIGNATURES_EXCEEDED"}},
		{name: "signature does not verify", blocks: one(v23Signer{key: a, corruptSignature: true}), errors: []Code{"V2_SIG_DID_NOT_VERIFY"}},
		{name: "content digest mismatch", blocks: one(v23Signer{key: a, wrongDigestForAll: true}), errors: []Code{"V2_SIG_APK_DIGEST_DID_NOT_VERIFY"}},
		{name: "only unknown algorithm", blocks: one(v23Signer{key: a, algs: []SignatureAlgorithmID{0x0999}}),
			errors: []Code{"V2_SIG_NO_SUPPORTED_SIGNATURES"}, warnings: []Code{"V2_SIG_UNKNOWN_SIG_ALGORITHM"}},
		{name: "unknown algorithm next to a known one", blocks: one(v23Signer{key: a, algs: []SignatureAlgorithmID{0x0999, AlgECDSASHA256}}),
			verified: true, warnings: []Code{"V2_SIG_UNKNOWN_SIG_ALGORITHM"}, wantSigned: []SignatureAlgorithmID{AlgECDSASHA256}},
		{name: "public key differs from certificate", blocks: one(v23Signer{key: a, publicKey: b.spki}),
			errors: []Code{"V2_SIG_DID_NOT_VERIFY"}},
		{name: "algorithm lists differ", blocks: one(v23Signer{key: a, digestAlgs: []SignatureAlgorithmID{AlgECDSASHA512}}),
			errors: []Code{"V2_SIG_SIG_ALG_MISMATCH_BETWEEN_SIGNATURES_AND_DIGESTS_RECORDS"}},
		{name: "no certificates", blocks: one(v23Signer{key: a, noCertificates: true}), errors: []Code{"V2_SIG_NO_CERTIFICATES"}},
		{name: "RSA key for an ECDSA algorithm", blocks: one(v23Signer{key: a, publicKey: rsaKey.spki}),
			errors: []Code{"V2_SIG_MALFORMED_PUBLIC_KEY"}},
		{name: "stripping protection names v3, v3 block missing", blocks: one(v23Signer{key: a,
			attrs: []attribute{v23IntAttr(AttrStrippingProtection, 3)}}), errors: []Code{"V2_SIG_MISSING_APK_SIG_REFERENCED"}},
		{name: "stripping protection names v3, range ends before v3", maxSDK: 27, blocks: one(v23Signer{key: a,
			attrs: []attribute{v23IntAttr(AttrStrippingProtection, 3)}}), verified: true, warnings: []Code{"V2_SIG_UNKNOWN_APK_SIG_SCHEME_ID"},
			wantSigned: []SignatureAlgorithmID{AlgECDSASHA256}},
		{name: "stripping protection satisfied", blocks: []v23Block{
			{id: BlockIDV2, signers: []v23Signer{{key: a, attrs: []attribute{v23IntAttr(AttrStrippingProtection, 3)}}}},
			{id: BlockIDV3, signers: []v23Signer{{key: a, minSDK: 24, maxSDK: MaxSDK}}},
		}, verified: true, wantSigned: []SignatureAlgorithmID{AlgECDSASHA256}},
		{name: "truncated stripping attribute", blocks: one(v23Signer{key: a, attrs: []attribute{{id: AttrStrippingProtection, value: []byte{3}}}}),
			errors: []Code{"V2_SIG_MALFORMED_ADDITIONAL_ATTRIBUTE"}},
		{name: "unknown attribute", blocks: one(v23Signer{key: a, attrs: []attribute{{id: 0x12345678, value: []byte("x")}}}),
			verified: true, warnings: []Code{"V2_SIG_UNKNOWN_ADDITIONAL_ATTRIBUTE"}, wantSigned: []SignatureAlgorithmID{AlgECDSASHA256}},
		{name: "RSA key over Android's 16384-bit limit", blocks: one(v23Signer{key: rsaKey, algs: []SignatureAlgorithmID{AlgRSAPKCS1SHA256},
			publicKey: v23HugeRSAKey(t)}), errors: []Code{CodeKeyUnsupported}},
		{name: "many unknown algorithms warn a bounded number of times", blocks: one(v23Signer{key: a,
			algs: append(v23RepeatAlg(0x0999, 500), AlgECDSASHA256)}), verified: true, warnings: []Code{"V2_SIG_UNKNOWN_SIG_ALGORITHM"},
			wantSigned: []SignatureAlgorithmID{AlgECDSASHA256}},
		{name: "no signers", blocks: []v23Block{{id: BlockIDV2, raw: v23LP(nil)}}, errors: []Code{"V2_SIG_NO_SIGNERS"}},
		{name: "signers length past the end", blocks: []v23Block{{id: BlockIDV2, raw: v23U32(100)}}, errors: []Code{"V2_SIG_MALFORMED_SIGNERS"}},
		{name: "truncated signer", blocks: []v23Block{{id: BlockIDV2, raw: v23LP(v23LP(v23U32(50)))}}, errors: []Code{"V2_SIG_MALFORMED_SIGNER"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			arc := v23BuildAPK(t, tc.blocks...).open(t)
			maxSDK := MaxSDK
			if tc.maxSDK != 0 {
				maxSDK = tc.maxSDK
			}
			r := VerifyV2(context.Background(), arc, nil, FindBlocks(arc), 24, maxSDK)
			assert.True(t, r.Present)
			assert.Equal(t, tc.verified, r.Verified, "errors: %v", v23Codes(r, false))
			for _, c := range tc.errors {
				assert.Contains(t, v23Codes(r, false), c)
			}
			if tc.verified {
				assert.Empty(t, v23Codes(r, false))
			}
			for _, c := range tc.warnings {
				assert.Contains(t, v23Codes(r, true), c)
			}
			for _, sg := range r.Signers {
				assert.LessOrEqual(t, len(sg.Warnings), maxSignerWarnings)
			}
			if tc.wantSigned != nil {
				require.NotEmpty(t, r.Signers)
				assert.Equal(t, tc.wantSigned, r.Signers[0].VerifiedAlgorithms)
				assert.Equal(t, tc.blocks[0].signers[0].key.cert, r.Signers[0].Cert().Raw)
			}
		})
	}
}

// TestVerifyV2Absent checks that an APK without a v2 block is reported as
// not present rather than failed.
func TestVerifyV2Absent(t *testing.T) {
	a := v23NewKey(t, "signer A")
	arc := v23BuildAPK(t, v23Block{id: BlockIDV3, signers: []v23Signer{{key: a, minSDK: 24, maxSDK: MaxSDK}}}).open(t)
	r := VerifyV2(context.Background(), arc, nil, FindBlocks(arc), 24, MaxSDK)
	assert.False(t, r.Present)
	assert.False(t, r.Verified)
	assert.Empty(t, r.Errors)
}

// TestVerifyV3Shapes checks the v3/v3.1 rules: SDK ranges, rotation
// stripping protection, lineages and the v3.2 stripping attributes.
func TestVerifyV3Shapes(t *testing.T) {
	a := v23NewKey(t, "signer A")
	b := v23NewKey(t, "signer B")
	c := v23NewKey(t, "signer C")
	lineageAB := v23BuildLineage(t, []v23LineageNode{{key: a, flags: 0x1f, alg: AlgECDSASHA256}, {key: b, flags: 0x1f}}, 0)
	lineageABC := v23BuildLineage(t, []v23LineageNode{{key: a, flags: 0x1f, alg: AlgECDSASHA256}, {key: b, flags: 0x1f, alg: AlgECDSASHA256}, {key: c}}, 0)
	lineageBroken := v23BuildLineage(t, []v23LineageNode{{key: a, alg: AlgECDSASHA256}, {key: b}}, 2)
	v3 := func(ss ...v23Signer) v23Block { return v23Block{id: BlockIDV3, signers: ss} }
	v31 := func(ss ...v23Signer) v23Block { return v23Block{id: BlockIDV31, signers: ss} }
	tests := []struct {
		name        string
		blocks      []v23Block
		minSDK      int
		maxSDK      int
		v3OK, v31OK bool
		v3Errors    []Code
		v31Errors   []Code
		v3Warnings  []Code
		lineage     int // nodes of the v3.1 (else v3) signer's lineage
	}{
		{name: "one signer for all versions", blocks: []v23Block{v3(v23Signer{key: a, minSDK: 24, maxSDK: MaxSDK})}, v3OK: true},
		{name: "signer starting at 28 covers the v3 range", blocks: []v23Block{v3(v23Signer{key: a, minSDK: 28, maxSDK: MaxSDK})}, v3OK: true},
		{name: "signer starting at 30 leaves 28-29 uncovered", blocks: []v23Block{v3(v23Signer{key: a, minSDK: 30, maxSDK: MaxSDK})},
			v3Errors: []Code{"V3_MISSING_SDK_VERSIONS"}},
		{name: "signer ending at 32 leaves 33+ uncovered", blocks: []v23Block{v3(v23Signer{key: a, minSDK: 24, maxSDK: 32})},
			v3Errors: []Code{"V3_MISSING_SDK_VERSIONS"}},
		{name: "two signers, contiguous, rotated with lineage", blocks: []v23Block{v3(
			v23Signer{key: a, minSDK: 24, maxSDK: 32},
			v23Signer{key: b, minSDK: 33, maxSDK: MaxSDK, attrs: []attribute{{id: AttrProofOfRotation, value: lineageAB}}})},
			v3OK: true, lineage: 2},
		{name: "two signers with a gap", blocks: []v23Block{v3(
			v23Signer{key: a, minSDK: 24, maxSDK: 30},
			v23Signer{key: b, minSDK: 33, maxSDK: MaxSDK})}, v3Errors: []Code{"V3_INCONSISTENT_SDK_VERSIONS"}},
		{name: "two signers overlapping", blocks: []v23Block{v3(
			v23Signer{key: a, minSDK: 24, maxSDK: 33},
			v23Signer{key: b, minSDK: 33, maxSDK: MaxSDK})}, v3Errors: []Code{"V3_INCONSISTENT_SDK_VERSIONS"}},
		{name: "overlap by one allowed for a dev-release signer", blocks: []v23Block{v3(
			v23Signer{key: a, minSDK: 24, maxSDK: 33},
			v23Signer{key: b, minSDK: 33, maxSDK: MaxSDK, attrs: []attribute{{id: AttrRotationOnDevRelease, value: v23U32(0)}}})},
			v3OK: true, v3Warnings: []Code{"V31_ROTATION_TARGETS_DEV_RELEASE_ATTR_ON_V3_SIGNER"}},
		{name: "lineages shrinking with newer versions", blocks: []v23Block{v3(
			v23Signer{key: c, minSDK: 24, maxSDK: 32, attrs: []attribute{{id: AttrProofOfRotation, value: lineageABC}}},
			v23Signer{key: c, minSDK: 33, maxSDK: MaxSDK, attrs: []attribute{{id: AttrProofOfRotation,
				value: v23BuildLineage(t, []v23LineageNode{{key: b, alg: AlgECDSASHA256}, {key: c}}, 0)}}})},
			v3Errors: []Code{"V3_INCONSISTENT_LINEAGES"}},
		{name: "lineages diverging", blocks: []v23Block{v3(
			v23Signer{key: b, minSDK: 24, maxSDK: 32, attrs: []attribute{{id: AttrProofOfRotation, value: lineageAB}}},
			v23Signer{key: c, minSDK: 33, maxSDK: MaxSDK, attrs: []attribute{{id: AttrProofOfRotation,
				value: v23BuildLineage(t, []v23LineageNode{{key: a, alg: AlgECDSASHA256}, {key: c}}, 0)}}})},
			v3Errors: []Code{"V3_INCONSISTENT_LINEAGES"}},
		{name: "lineages that overlap merge into one history", blocks: []v23Block{v3(
			v23Signer{key: b, minSDK: 24, maxSDK: 32, attrs: []attribute{{id: AttrProofOfRotation, value: lineageAB}}},
			v23Signer{key: c, minSDK: 33, maxSDK: MaxSDK, attrs: []attribute{{id: AttrProofOfRotation,
				value: v23BuildLineage(t, []v23LineageNode{{key: b, alg: AlgECDSASHA256}, {key: c}}, 0)}}})},
			v3OK: true, lineage: 3},
		{name: "invalid SDK range", blocks: []v23Block{v3(v23Signer{key: a, minSDK: 40, maxSDK: 30})}, v3Errors: []Code{"V3_SIG_INVALID_SDK_VERSIONS"}},
		{name: "signed min SDK differs from the record", blocks: []v23Block{v3(v23Signer{key: a, minSDK: 24, maxSDK: MaxSDK, signedMinSDK: v23IntPtr(26)})},
			v3Errors: []Code{"V3_MIN_SDK_VERSION_MISMATCH_BETWEEN_SIGNER_AND_SIGNED_DATA_RECORD"}},
		{name: "v3 signature does not verify", blocks: []v23Block{v3(v23Signer{key: a, minSDK: 24, maxSDK: MaxSDK, corruptSignature: true})},
			v3Errors: []Code{"V3_SIG_DID_NOT_VERIFY"}},
		{name: "v3 content digest mismatch", blocks: []v23Block{v3(v23Signer{key: a, minSDK: 24, maxSDK: MaxSDK, wrongDigestForAll: true})},
			v3Errors: []Code{"V3_SIG_APK_DIGEST_DID_NOT_VERIFY"}},
		{name: "lineage A-B-C on signer C", blocks: []v23Block{v3(v23Signer{key: c, minSDK: 24, maxSDK: MaxSDK,
			attrs: []attribute{{id: AttrProofOfRotation, value: lineageABC}}})}, v3OK: true, lineage: 3},
		{name: "lineage not ending with the signer", blocks: []v23Block{v3(v23Signer{key: c, minSDK: 24, maxSDK: MaxSDK,
			attrs: []attribute{{id: AttrProofOfRotation, value: lineageAB}}})}, v3Errors: []Code{"V3_SIG_POR_CERT_MISMATCH"}},
		{name: "lineage with a broken link", blocks: []v23Block{v3(v23Signer{key: b, minSDK: 24, maxSDK: MaxSDK,
			attrs: []attribute{{id: AttrProofOfRotation, value: lineageBroken}}})}, v3Errors: []Code{"V3_SIG_POR_DID_NOT_VERIFY"}},
		{name: "truncated lineage", blocks: []v23Block{v3(v23Signer{key: b, minSDK: 24, maxSDK: MaxSDK,
			attrs: []attribute{{id: AttrProofOfRotation, value: lineageAB[:len(lineageAB)-5]}}})}, v3Errors: []Code{"V3_SIG_MALFORMED_LINEAGE"}},
		{name: "rotation attribute without v3.1 block", blocks: []v23Block{v3(v23Signer{key: a, minSDK: 24, maxSDK: MaxSDK,
			attrs: []attribute{v23IntAttr(AttrRotationMinSDK, 33)}})}, v3Errors: []Code{"V31_BLOCK_MISSING"}},
		{name: "rotation attribute ignored below Android 13", maxSDK: 32, blocks: []v23Block{v3(v23Signer{key: a, minSDK: 24, maxSDK: MaxSDK,
			attrs: []attribute{v23IntAttr(AttrRotationMinSDK, 33)}})}, v3OK: true},
		{name: "short rotation attribute ignored below Android 13", maxSDK: 32, blocks: []v23Block{v3(v23Signer{key: a, minSDK: 24, maxSDK: MaxSDK,
			attrs: []attribute{{id: AttrRotationMinSDK, value: []byte{33}}}})}, v3OK: true},
		{name: "short rotation attribute malformed from Android 13", blocks: []v23Block{v3(v23Signer{key: a, minSDK: 24, maxSDK: MaxSDK,
			attrs: []attribute{{id: AttrRotationMinSDK, value: []byte{33}}}})}, v3Errors: []Code{"V3_SIG_MALFORMED_ADDITIONAL_ATTRIBUTE"}},
		{name: "v3.1 rotation at 33", blocks: []v23Block{
			v31(v23Signer{key: b, minSDK: 33, maxSDK: MaxSDK, attrs: []attribute{{id: AttrProofOfRotation, value: lineageAB}}}),
			v3(v23Signer{key: a, minSDK: 24, maxSDK: 32, attrs: []attribute{v23IntAttr(AttrRotationMinSDK, 33)}}),
		}, v3OK: true, v31OK: true, lineage: 2},
		{name: "v3.1 rotation at 34 while v3 says 33", blocks: []v23Block{
			v31(v23Signer{key: b, minSDK: 34, maxSDK: MaxSDK}),
			v3(v23Signer{key: a, minSDK: 24, maxSDK: 33, attrs: []attribute{v23IntAttr(AttrRotationMinSDK, 33)}}),
		}, v31OK: true, v3Errors: []Code{"V31_ROTATION_MIN_SDK_MISMATCH"}},
		{name: "v3.1 without rotation attribute in v3", blocks: []v23Block{
			v31(v23Signer{key: b, minSDK: 33, maxSDK: MaxSDK}),
			v3(v23Signer{key: a, minSDK: 24, maxSDK: 32}),
		}, v3OK: true, v31OK: true, v3Warnings: []Code{"V31_ROTATION_MIN_SDK_ATTR_MISSING"}},
		{name: "v3 signer must cover up to the rotation", blocks: []v23Block{
			v31(v23Signer{key: b, minSDK: 33, maxSDK: MaxSDK}),
			v3(v23Signer{key: a, minSDK: 24, maxSDK: 30, attrs: []attribute{v23IntAttr(AttrRotationMinSDK, 33)}}),
		}, v31OK: true, v3Errors: []Code{"V3_MISSING_SDK_VERSIONS"}},
		{name: "v3.1 without v3 block", blocks: []v23Block{v31(v23Signer{key: b, minSDK: 33, maxSDK: MaxSDK})},
			v31Errors: []Code{"V31_BLOCK_FOUND_WITHOUT_V3_BLOCK"}},
		{name: "v3.1 signature does not verify", blocks: []v23Block{
			v31(v23Signer{key: b, minSDK: 33, maxSDK: MaxSDK, corruptSignature: true}),
			v3(v23Signer{key: a, minSDK: 24, maxSDK: 32, attrs: []attribute{v23IntAttr(AttrRotationMinSDK, 33)}}),
		}, v3OK: true, v31Errors: []Code{"V3_SIG_DID_NOT_VERIFY"}},
		{name: "v3.2 required but stripped", blocks: []v23Block{v3(v23Signer{key: a, minSDK: 24, maxSDK: MaxSDK,
			attrs: []attribute{{id: AttrV32Required, value: v23U32(1)}}})}, v3Errors: []Code{"V3_SIG_MISSING_V32_BLOCK"}},
		{name: "v3.2 required (alternative attribute) but stripped", blocks: []v23Block{v3(v23Signer{key: a, minSDK: 24, maxSDK: MaxSDK,
			attrs: []attribute{{id: AttrV32RequiredAlt, value: v23U32(1)}}})}, v3Errors: []Code{"V3_SIG_MISSING_V32_BLOCK"}},
		{name: "too many v3 signers", blocks: []v23Block{v3(v23ManySigners(a, maxV3Signers+1)...)}, v3Errors: []Code{"V3_SIG_MAX_SIGNERS_EXCEEDED"}},
		{name: "v3.2 required and present", blocks: []v23Block{
			v3(v23Signer{key: a, minSDK: 24, maxSDK: MaxSDK, attrs: []attribute{{id: AttrV32Required, value: v23U32(1)}}}),
			{id: BlockIDV32, raw: []byte("v3.2 block body")},
		}, v3OK: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			arc := v23BuildAPK(t, tc.blocks...).open(t)
			maxSDK := MaxSDK
			if tc.maxSDK != 0 {
				maxSDK = tc.maxSDK
			}
			minSDK := max(tc.minSDK, 24)
			r3, r31 := VerifyV3Schemes(context.Background(), arc, NewContentDigester(arc), FindBlocks(arc), minSDK, maxSDK)
			require.NotNil(t, r3)
			hasV3 := false
			for _, b := range tc.blocks {
				hasV3 = hasV3 || b.id == BlockIDV3
			}
			assert.Equal(t, hasV3, r3.Present)
			if hasV3 {
				assert.Equal(t, tc.v3OK, r3.Verified, "v3 errors: %v", v23Codes(r3, false))
			}
			for _, c := range tc.v3Errors {
				assert.Contains(t, v23Codes(r3, false), c)
			}
			for _, c := range tc.v3Warnings {
				assert.Contains(t, v23Codes(r3, true), c)
			}
			if r31 != nil && r31.Present {
				assert.Equal(t, tc.v31OK, r31.Verified, "v3.1 errors: %v", v23Codes(r31, false))
				for _, c := range tc.v31Errors {
					assert.Contains(t, v23Codes(r31, false), c)
				}
			} else {
				assert.Empty(t, tc.v31Errors)
			}
			if tc.lineage > 0 {
				src := r3
				if r31 != nil && r31.Present {
					src = r31
				}
				l := SchemeLineage(src)
				require.NotNil(t, l)
				assert.Len(t, l.Nodes, tc.lineage)
				last := src.Signers[len(src.Signers)-1]
				assert.Equal(t, last.Cert().Raw, l.Nodes[len(l.Nodes)-1].Certificate.Raw, "lineage ends with the signer")
			}
		})
	}
}

// TestVerifyV32Recognised checks that a v3.2 block is reported, with a
// warning saying it is not verified.
func TestVerifyV32Recognised(t *testing.T) {
	a := v23NewKey(t, "signer A")
	with := v23BuildAPK(t, v23Block{id: BlockIDV3, signers: []v23Signer{{key: a, minSDK: 24, maxSDK: MaxSDK}}},
		v23Block{id: BlockIDV32, raw: []byte("body")}).open(t)
	without := v23BuildAPK(t, v23Block{id: BlockIDV3, signers: []v23Signer{{key: a, minSDK: 24, maxSDK: MaxSDK}}}).open(t)
	r := VerifyV32(FindBlocks(with))
	assert.True(t, r.Present)
	assert.False(t, r.Verified)
	assert.Contains(t, v23Codes(r, true), CodeV32NotVerified)
	assert.False(t, VerifyV32(FindBlocks(without)).Present)
}

// TestSharedDigester checks that v2 and v3 given one ContentDigester agree
// and that a cancelled context surfaces as an error, not as a verdict
// about the APK's content.
func TestSharedDigester(t *testing.T) {
	a := v23NewKey(t, "signer A")
	apk := v23BuildAPK(t,
		v23Block{id: BlockIDV2, signers: []v23Signer{{key: a}}},
		v23Block{id: BlockIDV3, signers: []v23Signer{{key: a, minSDK: 24, maxSDK: MaxSDK}}})
	arc := apk.open(t)
	d := NewContentDigester(arc)
	assert.Same(t, d, NewContentDigester(arc), "one digester per archive")
	r2 := VerifyV2(context.Background(), arc, d, FindBlocks(arc), 24, MaxSDK)
	r3 := verifyV3(context.Background(), arc, d, FindBlocks(arc), 24, MaxSDK, nil)
	assert.True(t, r2.Verified)
	assert.True(t, r3.Verified)
	assert.Equal(t, ApkContentDigests(r2)[DigestChunkedSHA256], ApkContentDigests(r3)[DigestChunkedSHA256])

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	// A fresh archive: the first one's digests are cached.
	ca := apk.open(t)
	rc := VerifyV2(ctx, ca, nil, FindBlocks(ca), 24, MaxSDK)
	assert.False(t, rc.Verified)
	assert.Contains(t, v23Codes(rc, false), CodeCanceled)
	assert.NotContains(t, v23Codes(rc, false), "V2_SIG_APK_DIGEST_DID_NOT_VERIFY")
}
