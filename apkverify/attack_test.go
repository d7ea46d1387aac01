package apkverify_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/apktrust/apktrust/apkverify"
	"github.com/apktrust/apktrust/internal/apkzip"
	"github.com/apktrust/apktrust/internal/scheme"
	"github.com/apktrust/apktrust/signer"
)

// attack is one row of the attack list: a hostile file and the stable code
// it must be rejected with, either as the error that stops verification
// (the file is not an APK Android would install) or as a Result error.
type attack struct {
	name string
	// file returns the path of the hostile APK, or nil bytes via data.
	file func(t *testing.T) string
	data func(t *testing.T) []byte
	opts apkverify.Options
	// wantErr is the code of the error Verify returns; wantIssue the code
	// that must be among Result.Errors.
	wantErr   signer.Code
	wantIssue signer.Code
}

func TestAttacksRejected(t *testing.T) {
	fx := func(name string) func(t *testing.T) string {
		return func(t *testing.T) string { return fixture(t, name) }
	}
	corpus := func(name string) func(t *testing.T) string {
		return func(t *testing.T) string { return corpusAPK(t, name) }
	}
	attacks := []attack{
		{name: "duplicate entry names (Master Key)", file: fx("tamper-duplicate-entry.apk"), wantErr: apkzip.CodeDuplicateEntry},
		{name: "local header name differs from the central directory", file: fx("tamper-local-name-mismatch.apk"), wantIssue: apkzip.CodeLocalHeaderMismatch},
		{name: "local header mismatch is rejected even for a v1-only range", file: fx("tamper-local-name-mismatch.apk"), opts: apkverify.Options{MaxSDK: 23}, wantIssue: apkzip.CodeLocalHeaderMismatch},
		{name: "DEX prepended (Janus), v1+v2+v3", file: fx("tamper-janus-prepend.apk"), wantErr: apkzip.CodeDataBeforeFirst},
		{name: "DEX prepended (Janus), v1 only, which apksigner accepts", file: fx("tamper-janus-prepend-v1only.apk"), wantErr: apkzip.CodeDataBeforeFirst},
		{name: "v2 stripped to fall back on v1 (fixture)", file: fx("tamper-v2-stripped.apk"), wantIssue: "JAR_SIG_MISSING_APK_SIG_REFERENCED"},
		{name: "v2 stripped to fall back on v1 (apksig corpus)", file: corpus("v2-stripped.apk"), wantIssue: "JAR_SIG_MISSING_APK_SIG_REFERENCED"},
		{name: "v3 stripped to fall back on v2 (fixture)", file: fx("tamper-v3-stripped.apk"), opts: apkverify.Options{MinSDK: 24}, wantIssue: "V2_SIG_MISSING_APK_SIG_REFERENCED"},
		{name: "v3 stripped to fall back on v2 (apksig corpus)", file: corpus("v3-stripped.apk"), wantIssue: "V2_SIG_MISSING_APK_SIG_REFERENCED"},
		{name: "v3.1 stripped to fall back on the old key", file: corpus("v31-block-stripped-v3-attr-value-33.apk"), wantIssue: "V31_BLOCK_MISSING"},
		{name: "v3.1 retargeted to a later SDK than the v3 signer announces", file: corpus("v31-tgt-34-v3-attr-value-33.apk"), wantIssue: "V31_ROTATION_MIN_SDK_MISMATCH"},
		{name: "rotation lineage with a forged link", file: fx("min21-v123-rot-ab-broken-link.apk"), wantIssue: "V3_SIG_POR_DID_NOT_VERIFY"},
		{name: "extra signer whose signature does not verify", file: corpus("two-signers-second-signer-v2-broken.apk"), wantIssue: "V2_SIG_DID_NOT_VERIFY"},
		{name: "extra signer with only unsupported algorithms", file: corpus("v2-only-two-signers-second-signer-no-supported-sig.apk"), wantIssue: "V2_SIG_NO_SUPPORTED_SIGNATURES"},
		{name: "weaker SHA-1 digest wrong where old Android reads it", file: corpus("v1-sha1-sha256-manifest-and-sf-with-sha1-wrong-in-manifest.apk"), wantIssue: "JAR_SIG_ZIP_ENTRY_DIGEST_DID_NOT_VERIFY"},
		{name: "more than 10 JAR signers", file: corpus("v1-only-11-signers.apk"), wantIssue: "JAR_SIG_MAX_SIGNATURES_EXCEEDED"},
		{name: "more than 10 v2 signers", file: corpus("v2-only-11-signers.apk"), opts: apkverify.Options{MinSDK: 24}, wantIssue: "V2_SIG_MAX_SIGNATURES_EXCEEDED"},
		{name: "duplicate signing-block IDs", data: duplicateV3Pair, wantIssue: apkverify.CodeDuplicateBlockID},
		{name: "ZIP64 records hide the signing block of a v1+v2+v3 file", file: fx("tamper-zip64-locator.apk"), wantIssue: "JAR_SIG_MISSING_APK_SIG_REFERENCED"},
		{name: "../ entry name", data: dotDotName, opts: apkverify.Options{MinSDK: 1, MaxSDK: 23}, wantIssue: apkzip.CodeUnsafeName},
		{name: "NUL in an entry name", file: corpus("v1-only-with-nul-in-entry-name.apk"), wantErr: apkzip.CodeInvalidName},
		{name: "entry appended after signing", file: fx("tamper-appended-entry.apk"), wantIssue: "V3_SIG_APK_DIGEST_DID_NOT_VERIFY"},
		{name: "central directory altered after signing", file: fx("tamper-central-directory.apk"), wantIssue: "V3_SIG_APK_DIGEST_DID_NOT_VERIFY"},
	}
	ctx := context.Background()
	for _, a := range attacks {
		t.Run(a.name, func(t *testing.T) {
			var res *apkverify.Result
			var err error
			if a.data != nil {
				b := a.data(t)
				res, err = apkverify.Verify(ctx, bytes.NewReader(b), int64(len(b)), a.opts)
			} else {
				res, err = apkverify.VerifyFile(ctx, a.file(t), a.opts)
			}
			if a.wantErr != "" {
				require.Error(t, err, "a hostile container must stop verification")
				require.Nil(t, res)
				var ve *signer.Error
				require.True(t, errors.As(err, &ve), "error %v is not an *signer.Error", err)
				require.Equal(t, a.wantErr, ve.Code)
				require.ErrorIs(t, err, apkverify.ErrNotAPK)
				return
			}
			require.NoError(t, err)
			require.False(t, res.Verified, "a hostile file must not verify")
			require.Contains(t, codes(res.Errors), a.wantIssue, "errors: %v", res.Errors)
			require.ErrorIs(t, res.Err(), apkverify.ErrNotVerified)
			// A policy never trusts a file that did not verify, even when it
			// pins the key that signed the original.
			pinned := apkverify.Options{MinSDK: a.opts.MinSDK, MaxSDK: a.opts.MaxSDK, Policy: &apkverify.Policy{InsecureAcceptAnySigner: true, AllowDebuggable: true, AllowTestOnly: true}}
			res2, err := apkverify.VerifyFile(ctx, a.fileOrTemp(t), pinned)
			require.NoError(t, err)
			require.False(t, res2.Trusted)
			require.Contains(t, violationCodes(res2), apkverify.PolicyNotVerified)
		})
	}
}

// fileOrTemp returns the attack's file, writing in-memory data to a
// temporary file first.
func (a attack) fileOrTemp(t *testing.T) string {
	if a.data == nil {
		return a.file(t)
	}
	p := filepath.Join(t.TempDir(), "attack.apk")
	require.NoError(t, os.WriteFile(p, a.data(t), 0o644))
	return p
}

// TestAttackBaselinesVerify shows that the files the attacks start from
// verify, so each rejection above is due to the attack alone.
func TestAttackBaselinesVerify(t *testing.T) {
	for _, name := range []string{"min21-v123.apk", "min21-v1-rsa.apk", "min21-v12.apk", "min21-v23.apk", "min21-v123-rot-ab.apk"} {
		t.Run(name, func(t *testing.T) {
			opts := apkverify.Options{}
			if name == "min21-v23.apk" {
				opts.MinSDK = 24
			}
			res, err := apkverify.VerifyFile(context.Background(), fixture(t, name), opts)
			require.NoError(t, err)
			require.True(t, res.Verified, "errors: %v", res.Errors)
			require.Empty(t, res.Errors)
		})
	}
}

func violationCodes(res *apkverify.Result) []signer.Code {
	if res.Policy == nil {
		return nil
	}
	var out []signer.Code
	for _, v := range res.Policy.Violations {
		out = append(out, v.Code)
	}
	return out
}

// duplicateV3Pair returns min21-v123.apk with its v3 pair written twice in
// the APK Signing Block. The signatures still verify (the block is not
// covered by the content digests); only the duplicate is wrong.
func duplicateV3Pair(t *testing.T) []byte {
	b, err := os.ReadFile(fixture(t, "min21-v123.apk"))
	require.NoError(t, err)
	a, err := apkzip.Open(bytes.NewReader(b), int64(len(b)))
	require.NoError(t, err)
	block := a.SigningBlock()
	require.NotNil(t, block)
	v3, ok := block.Find(scheme.BlockIDV3)
	require.True(t, ok)
	pairs := slices.Clone(b[block.Offset+8 : a.CentralDirectoryOffset-24])
	pairs = append(pairs, b[v3.Offset:v3.ValueOffset+v3.ValueSize]...)
	size := uint64(len(pairs) + 8 + 16)
	var nb []byte
	nb = binary.LittleEndian.AppendUint64(nb, size)
	nb = append(nb, pairs...)
	nb = binary.LittleEndian.AppendUint64(nb, size)
	nb = append(nb, apkzip.SigningBlockMagic...)
	out := slices.Clone(b[:block.Offset])
	out = append(out, nb...)
	newCD := int64(len(out))
	out = append(out, b[a.CentralDirectoryOffset:]...)
	eocd := int64(len(out)) - (int64(len(b)) - a.EOCDOffset)
	binary.LittleEndian.PutUint32(out[eocd+16:], uint32(newCD))
	return out
}

// dotDotName returns a ZIP whose entry escapes the app directory.
func dotDotName(t *testing.T) []byte {
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for _, name := range []string{"AndroidManifest.xml", "lib/../../evil.so"} {
		f, err := w.Create(name)
		require.NoError(t, err)
		_, err = f.Write([]byte("x"))
		require.NoError(t, err)
	}
	require.NoError(t, w.Close())
	return buf.Bytes()
}

// TestBitFlipsNeverVerifyAsAnotherSigner flips bytes all over a signed
// fixture: verification must never panic, and whenever a modified file
// still verifies (a flip in bytes no signature covers, such as the signing
// block's padding), it must still be signed by the original key.
func TestBitFlipsNeverVerifyAsAnotherSigner(t *testing.T) {
	orig, err := os.ReadFile(fixture(t, "min21-v123.apk"))
	require.NoError(t, err)
	want := keySHA256(t, "rsa-a")
	ctx := context.Background()
	stillVerified := 0
	for off := 0; off < len(orig); off += 61 {
		b := slices.Clone(orig)
		b[off] ^= 0x5a
		var res *apkverify.Result
		require.NotPanics(t, func() {
			res, err = apkverify.Verify(ctx, bytes.NewReader(b), int64(len(b)), apkverify.Options{})
		}, "flip at offset %d", off)
		if err != nil || !res.Verified {
			continue
		}
		stillVerified++
		for _, s := range res.Signers {
			require.Equal(t, want, s.CertSHA256, "flip at offset %d verified with another signer", off)
		}
	}
	t.Logf("%d of %d single-byte flips left a file that still verifies (uncovered bytes), all with the original signer", stillVerified, (len(orig)+60)/61)
}
