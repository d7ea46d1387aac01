package apkverify_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/apktrust/apktrust/apkverify"
	"github.com/apktrust/apktrust/internal/scheme"
	"github.com/apktrust/apktrust/signer"
)

// v31CopyAttack builds the attack of issue 11 on one of the project's
// fixtures: the genuine v3 block (signed by key A, claiming API 24+) is
// copied byte for byte into a v3.1 block, and the v3 block is replaced
// by one signed by key B over the same content. Android 9-12 do not know
// v3.1 and install the file as signed by B. corrupt flips the last byte
// of B's signature.
func v31CopyAttack(t *testing.T, base string, corrupt bool) []byte {
	t.Helper()
	a := splitAPK(t, readFile(t, fixture(t, base)))
	genuineV3 := a.find(scheme.BlockIDV3)
	require.NotNil(t, genuineV3)
	rec, err := parseRecord(blockRecords(t, genuineV3)[0], true)
	require.NoError(t, err)
	forged := loadKey(t, "rsa-b").signRecord(t, true, rec.digests, 24, maxSDK)
	if corrupt {
		// The signature is the record's second-to-last field: flip a
		// byte inside it (before the public key).
		forged[len(forged)-len(loadKey(t, "rsa-b").spki)-4-1] ^= 1
	}
	return a.build([]sbPair{
		{scheme.BlockIDV2, a.find(scheme.BlockIDV2)},
		{scheme.BlockIDV3, makeBlock(forged)},
		{scheme.BlockIDV31, genuineV3},
	})
}

func verifyBytes(t *testing.T, b []byte, opts apkverify.Options) *apkverify.Result {
	t.Helper()
	res, err := apkverify.Verify(context.Background(), bytes.NewReader(b), int64(len(b)), opts)
	require.NoError(t, err)
	return res
}

func pinOpts(t *testing.T, minSDK int, keys ...string) apkverify.Options {
	var fps []string
	for _, k := range keys {
		fps = append(fps, keySHA256(t, k))
	}
	return apkverify.Options{MinSDK: minSDK, Policy: &apkverify.Policy{TrustedCertSHA256: fps}}
}

// TestV31CopyOverForeignV3 reproduces issue 11: before the per-level
// decision the file was trusted for key A and its v3 block never read.
func TestV31CopyOverForeignV3(t *testing.T) {
	a, b := keySHA256(t, "rsa-a"), keySHA256(t, "rsa-b")
	for _, tc := range []struct {
		name   string
		base   string
		minSDK int
	}{
		{"manifest minSdk 28", "min28-v123.apk", 0},
		{"any APK checked from API 28", "min21-v123.apk", 28},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := verifyBytes(t, v31CopyAttack(t, tc.base, false), pinOpts(t, tc.minSDK, "rsa-a"))
			// Android installs it: the signatures verify.
			require.True(t, res.Verified, "%v", res.Errors)
			require.False(t, res.Trusted, "a file that installs under key B on Android 9-12 must not be trusted for key A")
			require.Len(t, res.Policy.Violations, 1)
			v := res.Policy.Violations[0]
			require.Equal(t, apkverify.PolicySignerNotInLineage, v.Code)
			require.Contains(t, v.Message, "v3 API 28-32")
			require.Contains(t, v.Message, b)
			require.Contains(t, res.Err().Error(), "API 28-32")

			// The signers are the per-level map: B where Android 9-12
			// read v3, A from 33 where the v3.1 copy applies.
			require.Len(t, res.Signers, 2)
			require.Equal(t, apkverify.Signer{CertSHA256: b, MinSDK: 28, MaxSDK: 32, Scheme: signer.SchemeV3},
				apkverify.Signer{CertSHA256: res.Signers[0].CertSHA256, MinSDK: res.Signers[0].MinSDK, MaxSDK: res.Signers[0].MaxSDK, Scheme: res.Signers[0].Scheme})
			require.Equal(t, apkverify.Signer{CertSHA256: a, MinSDK: 33, MaxSDK: maxSDK, Scheme: signer.SchemeV31},
				apkverify.Signer{CertSHA256: res.Signers[1].CertSHA256, MinSDK: res.Signers[1].MinSDK, MaxSDK: res.Signers[1].MaxSDK, Scheme: res.Signers[1].Scheme})
			require.Equal(t, b, res.SignersAt(30)[0].CertSHA256)
			require.Equal(t, a, res.SignersAt(33)[0].CertSHA256)
			require.Contains(t, codes(res.Warnings), apkverify.CodeLevelSignerChange)

			// Pinning the attacker's key does not help either: API 33+
			// use A, which B's signer does not descend from.
			res = verifyBytes(t, v31CopyAttack(t, tc.base, false), pinOpts(t, tc.minSDK, "rsa-b"))
			require.False(t, res.Trusted)
			require.Contains(t, res.Policy.Violations[0].Message, "v31 API 33+")
		})
	}
	t.Run("v3 signature corrupted: API 28-32 devices refuse it", func(t *testing.T) {
		res := verifyBytes(t, v31CopyAttack(t, "min28-v123.apk", true), pinOpts(t, 0, "rsa-a"))
		require.False(t, res.Verified)
		require.False(t, res.Trusted)
		require.Contains(t, codes(res.Errors), signer.CodeV3DidNotVerify)
	})
	t.Run("from API 33 only Android reads the v3.1 copy, and the file is A's", func(t *testing.T) {
		res := verifyBytes(t, v31CopyAttack(t, "min28-v123.apk", false), pinOpts(t, 33, "rsa-a"))
		require.True(t, res.Verified, "%v", res.Errors)
		require.True(t, res.Trusted, "%v", res.Policy.Violations)
		require.Len(t, res.Signers, 1)
		require.Equal(t, a, res.Signers[0].CertSHA256)
	})
}

// TestLevelInvariant covers the shapes apksig accepts although devices at
// some level refuse the file, because the block they read has no signer
// for their level, or several.
func TestLevelInvariant(t *testing.T) {
	ka, kb := loadKey(t, "rsa-a"), loadKey(t, "rsa-b")
	base := splitAPK(t, readFile(t, fixture(t, "min28-v123.apk")))
	rec, err := parseRecord(blockRecords(t, base.find(scheme.BlockIDV3))[0], true)
	require.NoError(t, err)
	d := rec.digests
	lineageAB := lineageAttr(t, "min21-v123-rot-ab.apk")
	cases := []struct {
		name      string
		pairs     []sbPair
		wantCode  signer.Code
		wantLevel string
	}{
		{
			// apksig lets v3 stop at the v3.1 block's first level minus
			// one (31 here), but Android 12L (API 32) does not read v3.1.
			name: "v3.1 targeting API 32 without the development-release attribute leaves API 32 unsigned",
			pairs: []sbPair{
				{scheme.BlockIDV3, makeBlock(ka.signRecord(t, true, d, 24, 31, sbPair{attrRotationMin, u32(32)}))},
				{scheme.BlockIDV31, makeBlock(kb.signRecord(t, true, d, 32, maxSDK, sbPair{attrLineage, lineageAB}))},
			},
			wantCode: apkverify.CodeLevelNoSigner, wantLevel: "API 32",
		},
		{
			// apksig keys v3.1 signers by max SDK and keeps the last;
			// Android finds two for the level and refuses the file.
			name: "two v3.1 signers for the same levels",
			pairs: []sbPair{
				{scheme.BlockIDV3, makeBlock(ka.signRecord(t, true, d, 24, 32, sbPair{attrRotationMin, u32(33)}))},
				{scheme.BlockIDV31, makeBlock(
					ka.signRecord(t, true, d, 33, maxSDK),
					kb.signRecord(t, true, d, 33, maxSDK, sbPair{attrLineage, lineageAB}))},
			},
			wantCode: apkverify.CodeLevelMultipleSigners, wantLevel: "API 33+",
		},
		{
			// apksig accepts a development-release overlap in v3 too
			// (with a warning), but only the v3.1 block honours the
			// attribute: in v3 both signers claim API 33.
			name: "development-release overlap in the v3 block",
			pairs: []sbPair{
				{scheme.BlockIDV3, makeBlock(
					ka.signRecord(t, true, d, 24, 33),
					kb.signRecord(t, true, d, 33, maxSDK, sbPair{attrLineage, lineageAB}, sbPair{attrDevRelease, u32(1)}))},
			},
			wantCode: apkverify.CodeLevelMultipleSigners, wantLevel: "API 33",
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := verifyBytes(t, base.build(c.pairs), pinOpts(t, 0, "rsa-a"))
			require.False(t, res.Verified)
			var found bool
			for _, e := range res.Errors {
				if e.Code == c.wantCode {
					found = true
					require.Contains(t, e.Message, c.wantLevel+" ")
				}
			}
			require.True(t, found, "want %s, got %v", c.wantCode, codes(res.Errors))
			require.False(t, res.Trusted)
		})
	}
}

// TestDevReleaseSignersAreChecked: a v3.1 signer targeting a development
// release is what preview builds use at its first level, so the policy
// holds it to the same rule although release builds never use it.
func TestDevReleaseSignersAreChecked(t *testing.T) {
	ka, kb, kc := loadKey(t, "rsa-a"), loadKey(t, "rsa-b"), loadKey(t, "rsa-c")
	base := splitAPK(t, readFile(t, fixture(t, "min28-v123.apk")))
	rec, err := parseRecord(blockRecords(t, base.find(scheme.BlockIDV3))[0], true)
	require.NoError(t, err)
	d := rec.digests
	lineageAB := lineageAttr(t, "min21-v123-rot-ab.apk")
	build := func(dev *sbKey, devAttrs ...sbPair) []byte {
		return base.build([]sbPair{
			{scheme.BlockIDV3, makeBlock(ka.signRecord(t, true, d, 24, 34, sbPair{attrRotationMin, u32(34)}))},
			{scheme.BlockIDV31, makeBlock(
				dev.signRecord(t, true, d, 34, 34, append(devAttrs, sbPair{attrDevRelease, u32(1)})...),
				kb.signRecord(t, true, d, 35, maxSDK, sbPair{attrLineage, lineageAB}))},
		})
	}
	res := verifyBytes(t, build(kb, sbPair{attrLineage, lineageAB}), pinOpts(t, 0, "rsa-a"))
	require.True(t, res.Verified, "%v", res.Errors)
	require.True(t, res.Trusted, "%v", res.Policy.Violations)
	require.Len(t, res.DevReleaseSigners, 1)
	require.Equal(t, 34, res.DevReleaseSigners[0].MinSDK)
	// Release builds at 34 read v3 (key A).
	require.Equal(t, keySHA256(t, "rsa-a"), res.SignersAt(34)[0].CertSHA256)

	res = verifyBytes(t, build(kc), pinOpts(t, 0, "rsa-a"))
	require.True(t, res.Verified, "%v", res.Errors)
	require.False(t, res.Trusted)
	require.Contains(t, res.Policy.Violations[0].Message, keySHA256(t, "rsa-c"))
	require.Contains(t, res.Policy.Violations[0].Message, "v31 API 34]")

	// Previews of Android 13 report SDK 32 and read v3.1: a v3.1 signer
	// ending at 32, which no release build uses, is theirs.
	res = verifyBytes(t, base.build([]sbPair{
		{scheme.BlockIDV3, makeBlock(ka.signRecord(t, true, d, 24, maxSDK))},
		{scheme.BlockIDV31, makeBlock(kc.signRecord(t, true, d, 24, 32), ka.signRecord(t, true, d, 33, maxSDK))},
	}), pinOpts(t, 0, "rsa-a"))
	require.True(t, res.Verified, "%v", res.Errors)
	require.Equal(t, keySHA256(t, "rsa-a"), res.SignersAt(32)[0].CertSHA256)
	require.False(t, res.Trusted)
	require.Contains(t, res.Policy.Violations[0].Message, keySHA256(t, "rsa-c")+" (CN=apktrust test C,O=apktrust test keys) [v31 API 32]")
}

// lineageAttr returns the proof-of-rotation attribute of a fixture's v3
// signer.
func lineageAttr(t *testing.T, name string) []byte {
	t.Helper()
	return lineageAttrAt(t, fixture(t, name))
}

// lineageAttrAt returns the proof-of-rotation attribute of the v3 signer
// of the APK at path.
func lineageAttrAt(t *testing.T, path string) []byte {
	t.Helper()
	_, rec := v3Record(t, path)
	l := rec.attrs[attrLineage]
	require.NotNil(t, l, "%s has no lineage", path)
	return l
}

// v3Record splits the APK at path and parses its first v3 signer record,
// whose content digests a test re-signs with other keys.
func v3Record(t *testing.T, path string) (*sbAPK, *sbRecord) {
	t.Helper()
	a := splitAPK(t, readFile(t, path))
	rec, err := parseRecord(blockRecords(t, a.find(scheme.BlockIDV3))[0], true)
	require.NoError(t, err)
	return a, rec
}
