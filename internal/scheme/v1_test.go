package scheme

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apktrust/apktrust/internal/apkzip"
)

// v1TestFiles are the entries of the generated test APKs: stored and
// deflated, a long name that needs a manifest continuation line, and a
// directory entry (which JAR signing ignores).
func v1TestFiles() []v1File {
	return []v1File{
		{name: "AndroidManifest.xml", data: []byte("<manifest/>")},
		{name: "classes.dex", data: bytes.Repeat([]byte("dex\n035\x00"), 500)},
		{name: "assets/raw.bin", data: bytes.Repeat([]byte{0, 1, 2, 3, 250}, 1000), stored: true},
		{name: "res/" + strings.Repeat("long-directory-name/", 5) + "file.txt", data: []byte("deep")},
		{name: "empty.txt", data: nil},
	}
}

func v1Open(t testing.TB, apk []byte) *apkzip.Archive {
	t.Helper()
	a, err := apkzip.Open(bytes.NewReader(apk), int64(len(apk)))
	require.NoError(t, err)
	return a
}

// v1AllCodes lists the codes of every error and warning, scheme and
// signers.
func v1AllCodes(r *SchemeResult) []Code {
	e, w := v1Codes(r)
	return append(e, w...)
}

func TestVerifyV1Generated(t *testing.T) {
	rsaKey, ecKey := v1Keys(t)
	rsaSpec := v1SignerSpec{name: "CERT", ext: ".RSA", key: rsaKey, digestOID: oidV1DigestSHA256, sigOID: oidV1SigRSA}
	ecSpec := v1SignerSpec{name: "EC", ext: ".EC", key: ecKey, digestOID: oidV1DigestSHA256, sigOID: oidV1SigSHA256WithECDSA}
	with := func(s v1SignerSpec, f func(*v1SignerSpec)) v1SignerSpec { f(&s); return s }
	elevenSigners := make([]v1SignerSpec, 11)
	for i := range elevenSigners {
		elevenSigners[i] = with(rsaSpec, func(s *v1SignerSpec) { s.name = fmt.Sprintf("S%02d", i) })
	}

	tests := []struct {
		name       string
		signers    []v1SignerSpec
		opts       v1BuildOptions
		minSDK     int
		maxSDK     int
		found      []int
		verified   bool
		errCodes   []Code   // must be among errors
		warnCodes  []Code   // must be among warnings
		signerName []string // names of the signers Android uses
	}{
		{name: "RSA SHA-256", signers: []v1SignerSpec{rsaSpec}, minSDK: 18, maxSDK: MaxSDK, verified: true, signerName: []string{"CERT"}},
		{name: "ECDSA P-256", signers: []v1SignerSpec{ecSpec}, minSDK: 21, maxSDK: MaxSDK, verified: true, signerName: []string{"EC"}},
		{name: "ECDSA before API 18 is unsupported", signers: []v1SignerSpec{with(ecSpec, func(s *v1SignerSpec) { s.sigOID = oidV1SigEC })},
			opts: v1BuildOptions{entryDigest: "SHA1"}, minSDK: 14, maxSDK: MaxSDK, errCodes: []Code{CodeJarUnsupportedSigAlg}},
		{name: "two signers", signers: []v1SignerSpec{rsaSpec, ecSpec}, minSDK: 21, maxSDK: MaxSDK, verified: true, signerName: []string{"CERT", "EC"}},
		{name: "SHA-1 digests for API 14", signers: []v1SignerSpec{with(rsaSpec, func(s *v1SignerSpec) { s.digestOID = oidV1DigestSHA1; s.sigOID = oidV1SigSHA1WithRSA })},
			opts: v1BuildOptions{entryDigest: "SHA1"}, minSDK: 14, maxSDK: MaxSDK, verified: true, signerName: []string{"CERT"}},
		{name: "SHA-256 manifest digests are unknown before API 18", signers: []v1SignerSpec{with(rsaSpec, func(s *v1SignerSpec) { s.digestOID = oidV1DigestSHA1 })},
			minSDK: 14, maxSDK: MaxSDK, errCodes: []Code{CodeJarNoZipEntryDigestInSigFile}, warnCodes: []Code{CodeJarNoManifestDigestInSigFile}},
		{name: "SHA256withRSA block is unsupported on API 9-17", signers: []v1SignerSpec{with(rsaSpec, func(s *v1SignerSpec) { s.sigOID = oidV1SigSHA256WithRSA })},
			opts: v1BuildOptions{entryDigest: "SHA1"}, minSDK: 14, maxSDK: MaxSDK, errCodes: []Code{CodeJarUnsupportedSigAlg}},
		{name: "entry added after signing", signers: []v1SignerSpec{rsaSpec},
			opts:   v1BuildOptions{unlisted: []v1File{{name: "assets/added.txt", data: []byte("added")}}},
			minSDK: 21, maxSDK: MaxSDK, errCodes: []Code{CodeJarNoZipEntryDigestInManifest}},
		{name: "entry changed after signing", signers: []v1SignerSpec{rsaSpec},
			opts:   v1BuildOptions{changed: map[string][]byte{"classes.dex": []byte("patched")}},
			minSDK: 21, maxSDK: MaxSDK, errCodes: []Code{CodeJarZipEntryDigestDidNotVerify}},
		{name: "stored entry changed after signing", signers: []v1SignerSpec{rsaSpec},
			opts:   v1BuildOptions{changed: map[string][]byte{"assets/raw.bin": []byte("patched")}},
			minSDK: 21, maxSDK: MaxSDK, errCodes: []Code{CodeJarZipEntryDigestDidNotVerify}},
		{name: "v2 signature stripped", signers: []v1SignerSpec{with(rsaSpec, func(s *v1SignerSpec) { s.stripping = "2" })},
			minSDK: 21, maxSDK: MaxSDK, errCodes: []Code{CodeJarMissingApkSigReferenced}},
		{name: "stripping not checked below API 24", signers: []v1SignerSpec{with(rsaSpec, func(s *v1SignerSpec) { s.stripping = "2" })},
			minSDK: 21, maxSDK: 23, verified: true, signerName: []string{"CERT"}},
		{name: "v3 unknown before API 28", signers: []v1SignerSpec{with(rsaSpec, func(s *v1SignerSpec) { s.stripping = "2, 3" })},
			minSDK: 21, maxSDK: 27, found: []int{2}, verified: true, warnCodes: []Code{CodeJarUnknownApkSigSchemeID}},
		{name: "v3 stripped", signers: []v1SignerSpec{with(rsaSpec, func(s *v1SignerSpec) { s.stripping = "2,3" })},
			minSDK: 21, maxSDK: MaxSDK, found: []int{2}, errCodes: []Code{CodeJarMissingApkSigReferenced}},
		{name: "no stripping protection with v2 present", signers: []v1SignerSpec{rsaSpec},
			minSDK: 21, maxSDK: MaxSDK, found: []int{2}, verified: true, warnCodes: []Code{CodeJarNoApkSigStripProtection}},
		{name: "more than 10 signers", signers: elevenSigners, minSDK: 21, maxSDK: MaxSDK, errCodes: []Code{CodeJarMaxSignaturesExceeded}},
		{name: "entry missing from a signer's .SF", signers: []v1SignerSpec{with(rsaSpec, func(s *v1SignerSpec) { s.omit = map[string]bool{"classes.dex": true} })},
			minSDK: 21, maxSDK: MaxSDK, errCodes: []Code{CodeJarZipEntryNotSigned}},
		{name: "signers cover different entries", signers: []v1SignerSpec{rsaSpec, with(ecSpec, func(s *v1SignerSpec) { s.omit = map[string]bool{"classes.dex": true} })},
			minSDK: 21, maxSDK: MaxSDK, errCodes: []Code{CodeJarZipEntrySignersMismatch}},
		{name: "signature does not verify", signers: []v1SignerSpec{with(rsaSpec, func(s *v1SignerSpec) { s.corruptSig = true })},
			minSDK: 21, maxSDK: MaxSDK, errCodes: []Code{CodeJarDidNotVerify}},
		{name: ".SF without Signature-Version is ignored", signers: []v1SignerSpec{with(rsaSpec, func(s *v1SignerSpec) { s.noVersion = true })},
			minSDK: 21, maxSDK: MaxSDK, errCodes: []Code{CodeJarNoSignatures}, warnCodes: []Code{CodeJarMissingVersionAttr}},
		{name: "ignored signer beside a good one", signers: []v1SignerSpec{rsaSpec, with(ecSpec, func(s *v1SignerSpec) { s.noVersion = true })},
			minSDK: 21, maxSDK: MaxSDK, verified: true, warnCodes: []Code{CodeJarMissingVersionAttr}, signerName: []string{"CERT"}},
		{name: "block without .SF", signers: []v1SignerSpec{with(rsaSpec, func(s *v1SignerSpec) { s.noSF = true })},
			minSDK: 21, maxSDK: MaxSDK, errCodes: []Code{CodeJarNoSignatures}, warnCodes: []Code{CodeJarMissingFile}},
		{name: "signed attributes from API 19", signers: []v1SignerSpec{with(rsaSpec, func(s *v1SignerSpec) { s.signedAttrs = true })},
			minSDK: 19, maxSDK: MaxSDK, verified: true, signerName: []string{"CERT"}},
		{name: "signed attributes unsafe before API 19", signers: []v1SignerSpec{with(rsaSpec, func(s *v1SignerSpec) { s.signedAttrs = true })},
			minSDK: 18, maxSDK: MaxSDK, errCodes: []Code{CodeJarVerifyException}},
		{name: "unprotected META-INF entry", signers: []v1SignerSpec{rsaSpec},
			opts:   v1BuildOptions{extra: []v1File{{name: "META-INF/extra.txt", data: []byte("x")}}},
			minSDK: 21, maxSDK: MaxSDK, verified: true, warnCodes: []Code{CodeJarUnprotectedZipEntry}, signerName: []string{"CERT"}},
		{name: "no manifest", signers: []v1SignerSpec{rsaSpec}, opts: v1BuildOptions{noManifest: true},
			minSDK: 21, maxSDK: MaxSDK, errCodes: []Code{CodeJarNoManifest}},
		{name: "unsigned", minSDK: 21, maxSDK: MaxSDK, opts: v1BuildOptions{noManifest: true}, errCodes: []Code{CodeJarNoManifest}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			apk := v1BuildAPK(t, v1TestFiles(), tc.signers, tc.opts)
			a := v1Open(t, apk)
			opts := V1Options{MinSDK: tc.minSDK, MaxSDK: tc.maxSDK, Blocks: v1BlocksOf(tc.found)}
			out := VerifyV1Options(context.Background(), a, opts)
			r := out.Result
			errs, warns := v1Codes(r)
			assert.Equal(t, SchemeV1, r.Scheme)
			assert.Equal(t, tc.verified, r.Verified, "errors: %v %v", r.Errors, r.Signers)
			// A manifest or any .SF makes the scheme present.
			assert.Equal(t, !tc.opts.noManifest || len(tc.signers) > 0, r.Present)
			for _, c := range tc.errCodes {
				assert.Contains(t, errs, c)
			}
			for _, c := range tc.warnCodes {
				assert.Contains(t, warns, c)
			}
			if tc.verified {
				assert.Empty(t, errs)
				var names []string
				for i, s := range r.Signers {
					names = append(names, s.Name)
					assert.Equal(t, i, s.Index)
					require.NotNil(t, s.Cert())
				}
				if tc.signerName != nil {
					assert.Equal(t, tc.signerName, names)
				}
			}
		})
	}
}

// TestVerifyV1SignerDetails checks what a verified signer reports: its
// certificate (the exact bytes, even when crypto/x509 refuses them), its
// name and the schemes its X-Android-APK-Signed header names.
func TestVerifyV1SignerDetails(t *testing.T) {
	rsaKey, _ := v1Keys(t)
	neg := v1NegativeSerialKey(t)
	tests := []struct {
		name      string
		key       *v1TestKey
		stripping string
		wantProt  []int
	}{
		{name: "positive serial", key: rsaKey, stripping: "2, 3", wantProt: []int{2, 3}},
		{name: "negative serial", key: neg, stripping: "2,junk, 3 ,", wantProt: []int{2, 3}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			spec := v1SignerSpec{name: "KEY", ext: ".RSA", key: tc.key, digestOID: oidV1DigestSHA256, sigOID: oidV1SigSHA256WithRSA, stripping: tc.stripping}
			apk := v1BuildAPK(t, v1TestFiles(), []v1SignerSpec{spec}, v1BuildOptions{})
			out := VerifyV1Options(context.Background(), v1Open(t, apk), V1Options{MinSDK: 21, MaxSDK: 23})
			r := out.Result
			require.True(t, r.Verified, "errors %v %v", r.Errors, r.Signers)
			require.Len(t, r.Signers, 1)
			s := r.Signers[0]
			assert.Equal(t, "KEY", s.Name)
			assert.Equal(t, tc.wantProt, s.StrippingProtection)
			require.NotNil(t, s.Cert())
			assert.Equal(t, sha256.Sum256(tc.key.certDER), s.Cert().SHA256)
			assert.Equal(t, 0, tc.key.serial.Cmp(s.Cert().SerialNumber))
			mf := v1Open(t, apk).Lookup(v1ManifestName)
			body, err := mf.ReadAll(1 << 20)
			require.NoError(t, err)
			want := sha256.Sum256(body)
			assert.Equal(t, want[:], out.ManifestSHA256)
			d, err := V1ManifestDigest(v1Open(t, apk))
			require.NoError(t, err)
			assert.Equal(t, want[:], d)
		})
	}
}

func TestV1ManifestDigestWithoutManifest(t *testing.T) {
	apk := v1BuildAPK(t, v1TestFiles(), nil, v1BuildOptions{noManifest: true})
	_, err := V1ManifestDigest(v1Open(t, apk))
	require.Error(t, err)
	assert.ErrorIs(t, err, CodeJarNoManifest)
	var ve *Error
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, CodeJarNoManifest, ve.Code)
}

// TestVerifyV1Canceled checks that a cancelled context stops the work and
// fails the result instead of reporting a verdict.
func TestVerifyV1Canceled(t *testing.T) {
	rsaKey, _ := v1Keys(t)
	spec := v1SignerSpec{name: "CERT", ext: ".RSA", key: rsaKey, digestOID: oidV1DigestSHA256, sigOID: oidV1SigRSA}
	apk := v1BuildAPK(t, v1TestFiles(), []v1SignerSpec{spec}, v1BuildOptions{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r := VerifyV1(ctx, v1Open(t, apk), 21, MaxSDK)
	assert.False(t, r.Verified)
	assert.Contains(t, v1AllCodes(r), CodeJarCanceled)
}

// TestVerifyV1WorkerCounts checks that the verdict and issues do not depend
// on how many goroutines hash the entries.
func TestVerifyV1WorkerCounts(t *testing.T) {
	rsaKey, _ := v1Keys(t)
	spec := v1SignerSpec{name: "CERT", ext: ".RSA", key: rsaKey, digestOID: oidV1DigestSHA256, sigOID: oidV1SigRSA}
	files := v1TestFiles()
	for i := 0; i < 40; i++ {
		files = append(files, v1File{name: fmt.Sprintf("assets/f%02d", i), data: bytes.Repeat([]byte{byte(i)}, 100*i)})
	}
	changed := map[string][]byte{"assets/f03": []byte("x"), "assets/f27": []byte("y"), "assets/f39": []byte("z")}
	apk := v1BuildAPK(t, files, []v1SignerSpec{spec}, v1BuildOptions{changed: changed})
	var first []Issue
	for _, w := range []int{1, 2, 3, 8} {
		r := VerifyV1Options(context.Background(), v1Open(t, apk), V1Options{MinSDK: 21, MaxSDK: MaxSDK, Workers: w}).Result
		assert.False(t, r.Verified)
		require.Len(t, r.Errors, 3, "workers=%d", w)
		for _, is := range r.Errors {
			assert.Equal(t, CodeJarZipEntryDigestDidNotVerify, is.Code)
		}
		if first == nil {
			first = r.Errors
		} else {
			assert.Equal(t, first, r.Errors, "issue order with %d workers", w)
		}
	}
	assert.Contains(t, first[0].Message, "assets/f03")
	assert.Contains(t, first[2].Message, "assets/f39")
}

// TestV1SigAlgSupported spot-checks the API-level table of digest and
// signature algorithm pairs against the platform history it encodes.
func TestV1SigAlgSupported(t *testing.T) {
	tests := []struct {
		digest, sig    string
		minSDK, maxSDK int
		want           bool
	}{
		{oidV1DigestSHA1, oidV1SigRSA, 1, MaxSDK, true},
		{oidV1DigestSHA256, oidV1SigRSA, 1, MaxSDK, false},
		{oidV1DigestSHA256, oidV1SigRSA, 18, MaxSDK, true},
		{oidV1DigestSHA256, oidV1SigRSA, 1, 8, true},
		{oidV1DigestMD5, oidV1SigMD5WithRSA, 9, 20, false},
		{oidV1DigestMD5, oidV1SigMD5WithRSA, 21, MaxSDK, true},
		{oidV1DigestSHA256, oidV1SigSHA1WithRSA, 21, 21, true},
		{oidV1DigestSHA256, oidV1SigSHA1WithRSA, 21, 22, false},
		{oidV1DigestSHA1, oidV1SigEC, 17, MaxSDK, false},
		{oidV1DigestSHA1, oidV1SigEC, 18, MaxSDK, true},
		{oidV1DigestSHA256, oidV1SigDSA, 22, MaxSDK, true},
		{oidV1DigestSHA256, oidV1SigDSA, 21, MaxSDK, false},
		{oidV1DigestSHA512, oidV1SigSHA256WithECDSA, 21, 23, true},
		{oidV1DigestSHA512, oidV1SigSHA256WithECDSA, 21, 24, false},
		{"1.2.3.4", oidV1SigRSA, 1, MaxSDK, false},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%s/%s/%d-%d", tc.digest, tc.sig, tc.minSDK, tc.maxSDK), func(t *testing.T) {
			assert.Equal(t, tc.want, V1SigAlgSupported(tc.digest, tc.sig, tc.minSDK, tc.maxSDK))
		})
	}
}

// TestVerifyV1DuplicateEntries documents that two entries with one name
// never reach v1 verification: the container is refused when opened,
// which Android's JAR_SIG_DUPLICATE_ZIP_ENTRY also makes fatal.
func TestVerifyV1DuplicateEntries(t *testing.T) {
	rsaKey, _ := v1Keys(t)
	spec := v1SignerSpec{name: "CERT", ext: ".RSA", key: rsaKey, digestOID: oidV1DigestSHA256, sigOID: oidV1SigRSA}
	apk := v1BuildAPK(t, v1TestFiles(), []v1SignerSpec{spec}, v1BuildOptions{extra: []v1File{{name: "classes.dex", data: []byte("evil")}}})
	_, err := apkzip.Open(bytes.NewReader(apk), int64(len(apk)))
	require.Error(t, err)
	assert.ErrorIs(t, err, apkzip.CodeDuplicateEntry)
}
