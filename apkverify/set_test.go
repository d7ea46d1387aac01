package apkverify_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"hash/crc32"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apktrust/apktrust/apkverify"
	"github.com/apktrust/apktrust/signer"
)

// setFile returns the path of a committed set fixture (testdata/sets,
// made by make-sets.sh); a missing one fails the test.
func setFile(t testing.TB, name string) string {
	t.Helper()
	p := filepath.Join(repoRoot(), "testdata", "sets", name)
	require.FileExists(t, p, "set fixture missing: run testdata/make-sets.sh")
	return p
}

func setFiles(t testing.TB, names ...string) []string {
	t.Helper()
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = setFile(t, n)
	}
	return out
}

func setCodes(res *apkverify.SetResult) []signer.Code {
	var codes []signer.Code
	for _, e := range res.Errors {
		codes = append(codes, e.Code)
	}
	slices.Sort(codes)
	return slices.Compact(codes)
}

func pinned(fps ...string) apkverify.Options {
	return apkverify.Options{Policy: &apkverify.Policy{TrustedCertSHA256: fps}}
}

// A base with language and density splits, a feature split, a config split
// of that feature and a feature depending on it verifies as one install and
// is trusted by a pin of its key.
func TestSetConsistent(t *testing.T) {
	res, err := apkverify.VerifySetFiles(context.Background(),
		setFiles(t, "config.de.apk", "base.apk", "config.xxhdpi.apk", "feat.apk", "feat.config.de.apk", "feat2.apk"),
		pinned(keySHA256(t, "rsa-a")))
	require.NoError(t, err)
	require.Empty(t, res.Errors)
	assert.True(t, res.Verified)
	assert.True(t, res.Trusted, "%+v", res.Policy)
	assert.Equal(t, "set", res.Kind)
	assert.Equal(t, "files", res.Layout)
	assert.Equal(t, "com.apktrust.sets", res.Package)
	assert.EqualValues(t, 7, res.VersionCode)
	assert.Equal(t, []string{keySHA256(t, "rsa-a")}, res.SignerCertSHA256)
	require.NotNil(t, res.Base)
	assert.Equal(t, "", res.Base.Split)
	var splits []string
	for _, s := range res.Splits {
		splits = append(splits, s.Split)
		// Each split is checked for the base's SDK range (minSdk 21), not
		// its own empty uses-sdk (API 1+).
		assert.Equal(t, 21, s.Result.MinSDK, s.Split)
	}
	assert.Equal(t, []string{"config.de", "config.xxhdpi", "feat", "feat.config.de", "feat2"}, splits)
	assert.True(t, res.Splits[2].Feature)
	assert.Equal(t, "feat", res.Splits[3].ConfigFor)
	require.NoError(t, res.Err())
}

// One test per set rule: each set breaks the rules named and is refused
// with exactly their codes.
func TestSetRules(t *testing.T) {
	tests := []struct {
		name  string
		files []string
		codes []signer.Code
		split string // the split the first error names
	}{
		{"base missing", []string{"config.de.apk", "config.xxhdpi.apk"}, []signer.Code{apkverify.SetBaseMissing}, ""},
		{"base duplicate", []string{"base.apk", "base-required.apk"}, []signer.Code{apkverify.SetBaseDuplicate}, ""},
		{"package mismatch", []string{"base.apk", "config.fr-otherpkg.apk"}, []signer.Code{apkverify.SetPackageMismatch}, "config.fr"},
		{"version mismatch", []string{"base.apk", "config.it-v8.apk"}, []signer.Code{apkverify.SetVersionMismatch}, "config.it"},
		{"split duplicate", []string{"base.apk", "config.de.apk", "config.de.apk"}, []signer.Code{apkverify.SetSplitDuplicate}, "config.de"},
		{"split duplicate without base", []string{"config.de.apk", "config.de-b.apk"}, []signer.Code{apkverify.SetBaseMissing, apkverify.SetSplitDuplicate}, ""},
		{"signer mismatch", []string{"base.apk", "config.de-b.apk"}, []signer.Code{apkverify.SetSignerMismatch}, "config.de"},
		{"apk not verified", []string{"base.apk", "config.es-v1only.apk"}, []signer.Code{apkverify.SetAPKNotVerified}, "config.es"},
		{"split required", []string{"base-required.apk"}, []signer.Code{apkverify.SetSplitRequiredMissing}, ""},
		{"configForSplit target missing", []string{"base.apk", "feat.config.de.apk"}, []signer.Code{apkverify.SetSplitDependencyMissing}, "feat.config.de"},
		{"uses-split target missing", []string{"base.apk", "feat2.apk"}, []signer.Code{apkverify.SetSplitDependencyMissing}, "feat2"},
		{"rotated base, unrotated split", []string{"base-rot.apk", "config.de.apk"}, []signer.Code{apkverify.SetSignerMismatch}, "config.de"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, err := apkverify.VerifySetFiles(context.Background(), setFiles(t, tc.files...), pinned(keySHA256(t, "rsa-a")))
			require.NoError(t, err)
			assert.False(t, res.Verified)
			assert.False(t, res.Trusted)
			assert.Equal(t, tc.codes, setCodes(res), "%+v", res.Errors)
			assert.Equal(t, tc.split, res.Errors[0].Split)
			assert.Contains(t, setViolations(res), apkverify.PolicyNotVerified)
			err = res.Err()
			require.ErrorIs(t, err, apkverify.ErrNotVerified)
			assert.Contains(t, err.Error(), tc.codes[0])
		})
	}
}

// A JAR-signed split verifies alone (no uses-sdk: API 1+, target 1) but
// not under its base's targetSdk 30, which requires a v2+ signature:
// the set keeps the split's own errors.
func TestSetSplitUnderBaseTargetSDK(t *testing.T) {
	alone, err := apkverify.VerifyFile(context.Background(), setFile(t, "config.es-v1only.apk"), apkverify.Options{})
	require.NoError(t, err)
	require.True(t, alone.Verified, "%v", alone.Errors)
	assert.Equal(t, 1, alone.MinSDK)

	res, err := apkverify.VerifySetFiles(context.Background(), setFiles(t, "base.apk", "config.es-v1only.apk"), apkverify.Options{})
	require.NoError(t, err)
	require.Len(t, res.Splits, 1)
	split := res.Splits[0].Result
	assert.False(t, split.Verified)
	assert.Equal(t, 21, split.MinSDK)
	assert.Equal(t, []signer.Code{apkverify.CodeMinSchemeForTargetSDK}, issueCodes(split.Errors))
}

// The platform compares a split's current signer with the base's: a base
// rotated A -> B with an un-rotated split signed by A differs from API 28
// on, where the base is signed by B.
func TestSetRotatedBaseUnrotatedSplit(t *testing.T) {
	res, err := apkverify.VerifySetFiles(context.Background(), setFiles(t, "base-rot.apk", "config.de.apk"), apkverify.Options{})
	require.NoError(t, err)
	require.Len(t, res.Errors, 1)
	msg := res.Errors[0].Message
	assert.Contains(t, msg, "API 28+")
	assert.Contains(t, msg, keySHA256(t, "rsa-a"))
	assert.Contains(t, msg, keySHA256(t, "rsa-b"))
}

// A whole set rotated A -> B is trusted by a pin of A and by a pin of B,
// not by an unrelated key.
func TestSetRotated(t *testing.T) {
	files := setFiles(t, "base-rot.apk", "config.de-rot.apk", "config.xxhdpi-rot.apk")
	for _, key := range []string{"rsa-a", "rsa-b"} {
		res, err := apkverify.VerifySetFiles(context.Background(), files, pinned(keySHA256(t, key)))
		require.NoError(t, err)
		require.Empty(t, res.Errors)
		assert.True(t, res.Trusted, "pinned %s: %+v", key, res.Policy)
		assert.Equal(t, []string{keySHA256(t, "rsa-b")}, res.SignerCertSHA256)
	}
	res, err := apkverify.VerifySetFiles(context.Background(), files, pinned(keySHA256(t, "rsa-c")))
	require.NoError(t, err)
	assert.True(t, res.Verified)
	assert.False(t, res.Trusted)
	require.ErrorIs(t, res.Err(), apkverify.ErrUntrusted)
}

// The committed bundles verify like the sets they pack; the layout is
// recognised by content, and non-APK entries are listed.
func TestSetBundles(t *testing.T) {
	tests := []struct {
		file    string
		layout  string
		codes   []signer.Code
		pin     string
		ignored []string
	}{
		{"ok.apks", "bundletool-apks", nil, "rsa-a", []string{"toc.pb"}},
		{"ok.xapk", "xapk", nil, "rsa-a", []string{"manifest.json", "Android/obb/com.apktrust.sets/main.7.com.apktrust.sets.obb", "icon.png"}},
		{"signer-mismatch.apks", "bundletool-apks", []signer.Code{apkverify.SetSignerMismatch}, "rsa-a", nil},
		{"signer-mismatch.xapk", "xapk", []signer.Code{apkverify.SetSignerMismatch}, "rsa-a", nil},
		{"rotated.apks", "bundletool-apks", nil, "rsa-a", nil},
		{"rotated.xapk", "xapk", nil, "rsa-b", nil},
		{"rotated-mixed.apks", "bundletool-apks", []signer.Code{apkverify.SetSignerMismatch}, "rsa-a", nil},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			p := setFile(t, tc.file)
			res, err := apkverify.VerifySetFiles(context.Background(), []string{p}, pinned(keySHA256(t, tc.pin)))
			require.NoError(t, err)
			assert.Equal(t, p, res.File)
			assert.Equal(t, tc.layout, res.Layout)
			assert.Equal(t, tc.codes, setCodes(res), "%+v", res.Errors)
			assert.Equal(t, tc.codes == nil, res.Trusted, "%+v", res.Policy)
			require.NotNil(t, res.Base)
			assert.NotEmpty(t, res.Splits)
			if tc.ignored != nil {
				assert.Equal(t, tc.ignored, res.Ignored)
			}
		})
	}
}

// Verify and VerifyFile recognise a bundle by content and say so, rather
// than reporting a missing manifest.
func TestVerifyNamesBundle(t *testing.T) {
	for _, f := range []string{"ok.apks", "ok.xapk"} {
		_, err := apkverify.VerifyFile(context.Background(), setFile(t, f), apkverify.Options{})
		require.ErrorIs(t, err, apkverify.ErrBundle, f)
		var e *signer.Error
		require.ErrorAs(t, err, &e)
		assert.Equal(t, apkverify.CodeBundle, e.Code)
	}
}

// --json shape: "kind": "set", and each APK in the single-APK shape with
// "file" and "split".
func TestSetJSON(t *testing.T) {
	res, err := apkverify.VerifySetFiles(context.Background(), []string{setFile(t, "ok.xapk")}, pinned(keySHA256(t, "rsa-a")))
	require.NoError(t, err)
	b, err := json.Marshal(res)
	require.NoError(t, err)
	var j map[string]any
	require.NoError(t, json.Unmarshal(b, &j))
	assert.Equal(t, "set", j["kind"])
	assert.Equal(t, true, j["verified"])
	assert.Equal(t, true, j["trusted"])
	assert.Equal(t, "com.apktrust.sets", j["package"])
	assert.Equal(t, []any{}, j["errors"])
	base := j["base"].(map[string]any)
	assert.Equal(t, "com.apktrust.sets.apk", base["file"])
	assert.Equal(t, "", base["split"])
	splits := j["splits"].([]any)
	require.Len(t, splits, 2)
	s0 := splits[0].(map[string]any)
	assert.Equal(t, "config.de.apk", s0["file"])
	assert.Equal(t, "config.de", s0["split"])
	// The single-APK fields are all there.
	single, err := json.Marshal(res.Splits[0].Result)
	require.NoError(t, err)
	var sj map[string]any
	require.NoError(t, json.Unmarshal(single, &sj))
	for k := range sj {
		assert.Contains(t, s0, k)
	}
	_, hasTrusted := sj["trusted"]
	assert.False(t, hasTrusted, "the policy belongs to the set")
}

// RequireSourceStamp holds for every APK of the set: a set without stamps
// is refused once per APK.
func TestSetPolicyStampEveryAPK(t *testing.T) {
	res, err := apkverify.VerifySetFiles(context.Background(), setFiles(t, "base.apk", "config.de.apk", "config.xxhdpi.apk"),
		apkverify.Options{Policy: &apkverify.Policy{TrustedCertSHA256: []string{keySHA256(t, "rsa-a")},
			RequireSourceStamp: true, TrustedStampCertSHA256: []string{apkverify.PlayStoreStampCertSHA256}}})
	require.NoError(t, err)
	assert.True(t, res.Verified)
	assert.False(t, res.Trusted)
	n := 0
	for _, c := range setViolations(res) {
		if c == apkverify.PolicySourceStampMissing {
			n++
		}
	}
	assert.Equal(t, 3, n)
}

// Policy facts come from the base: the package and minimum versionCode.
func TestSetPolicyBaseFacts(t *testing.T) {
	res, err := apkverify.VerifySetFiles(context.Background(), setFiles(t, "base.apk", "config.de.apk"),
		apkverify.Options{Policy: &apkverify.Policy{TrustedCertSHA256: []string{keySHA256(t, "rsa-a")}, Package: "com.apktrust.other", MinVersionCode: 8}})
	require.NoError(t, err)
	assert.True(t, res.Verified)
	assert.ElementsMatch(t, []signer.Code{apkverify.PolicyPackageMismatch, apkverify.PolicyVersionTooLow}, setViolations(res))
}

// hostileBundle writes a ZIP whose entries are given raw, with the
// central directory claiming the sizes given.
func hostileBundle(t testing.TB, entries map[string]uint64, flags uint16) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	names := make([]string, 0, len(entries))
	for n := range entries {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		raw := []byte{0x03, 0x00} // an empty deflate stream
		fw, err := w.CreateRaw(&zip.FileHeader{Name: n, Method: zip.Deflate, Flags: flags, CRC32: crc32.ChecksumIEEE(nil),
			CompressedSize64: uint64(len(raw)), UncompressedSize64: entries[n]})
		require.NoError(t, err)
		_, err = fw.Write(raw)
		require.NoError(t, err)
	}
	require.NoError(t, w.Close())
	return buf.Bytes()
}

// Hostile bundles are rejections with a clear code, not tool errors.
func TestSetHostileBundles(t *testing.T) {
	tests := []struct {
		name    string
		entries map[string]uint64
		flags   uint16
		code    signer.Code
	}{
		{"huge part", map[string]uint64{"base.apk": 0xfffffff0}, 0, signer.CodeBundlePartTooLarge},
		{"dot-dot", map[string]uint64{"../base.apk": 10}, 0, signer.CodeBundleUnsafeName},
		{"nested", map[string]uint64{"base.apk": 10, "more.apks": 10}, 0, signer.CodeBundleNested},
		{"unknown layout", map[string]uint64{"base.apk": 10, "x/y.apk": 10}, 0, signer.CodeBundleUnknownLayout},
		{"encrypted", map[string]uint64{"base.apk": 10}, 1, signer.CodeBundleEncrypted},
		{"not an apk", map[string]uint64{"base.apk": 0}, 0, "SET_APK_NOT_VERIFIED"},
		{"apkm with a part that is no ZIP", map[string]uint64{"info.json": 0, "base.apk": 0}, 0, "SET_APK_NOT_VERIFIED"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := hostileBundle(t, tc.entries, tc.flags)
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			res, err := apkverify.VerifyBundle(context.Background(), bytes.NewReader(b), int64(len(b)), apkverify.Options{})
			runtime.ReadMemStats(&after)
			require.NoError(t, err)
			assert.False(t, res.Verified)
			require.NotEmpty(t, res.Errors)
			assert.Equal(t, tc.code, res.Errors[0].Code, "%+v", res.Errors)
			assert.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(4<<20), "refused before allocating")
			require.ErrorIs(t, res.Err(), apkverify.ErrNotVerified)
		})
	}
}

// A bundle among the files of a set is refused as nested.
func TestSetFilesWithBundle(t *testing.T) {
	res, err := apkverify.VerifySetFiles(context.Background(), setFiles(t, "base.apk", "ok.apks"), apkverify.Options{})
	require.NoError(t, err)
	assert.False(t, res.Verified)
	require.Len(t, res.Unreadable, 1)
	assert.Equal(t, []signer.Code{apkverify.SetAPKNotVerified}, setCodes(res))
	assert.Equal(t, signer.CodeBundleNested, res.Unreadable[0].Result.Errors[0].Code)
}

func TestSetOptions(t *testing.T) {
	_, err := apkverify.VerifySetFiles(context.Background(), nil, apkverify.Options{})
	require.ErrorIs(t, err, apkverify.ErrInvalidOptions)
	f, err := os.Open(setFile(t, "base.apk"))
	require.NoError(t, err)
	defer f.Close()
	_, err = apkverify.VerifySet(context.Background(), []apkverify.Part{{Name: "base.apk", R: f, Size: 1}},
		apkverify.Options{V4Signature: f, V4SignatureSize: 1})
	require.ErrorIs(t, err, apkverify.ErrInvalidOptions)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = apkverify.VerifySetFiles(ctx, setFiles(t, "base.apk", "config.de.apk"), apkverify.Options{})
	require.ErrorIs(t, err, context.Canceled)
}

// An .apkm whose parts are not ZIPs is taken for an encrypted one, and
// says so.
func TestSetAPKMNotZIPParts(t *testing.T) {
	b := hostileBundle(t, map[string]uint64{"info.json": 0, "base.apk": 0}, 0)
	res, err := apkverify.VerifyBundle(context.Background(), bytes.NewReader(b), int64(len(b)), apkverify.Options{})
	require.NoError(t, err)
	assert.Equal(t, "apkm", res.Layout)
	require.Len(t, res.Unreadable, 1)
	assert.Equal(t, signer.CodeBundleEncrypted, res.Unreadable[0].Result.Errors[0].Code)
	assert.Contains(t, res.Errors[0].Message, "BUNDLE_ENCRYPTED")
}

// packBundle writes a bundletool-layout bundle of committed fixtures:
// entries maps the name inside the bundle to the fixture.
func packBundle(t *testing.T, entries [][2]string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "set.apks")
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for _, e := range entries {
		b, err := os.ReadFile(setFile(t, e[1]))
		require.NoError(t, err)
		fw, err := w.CreateHeader(&zip.FileHeader{Name: e[0], Method: zip.Store})
		require.NoError(t, err)
		_, err = fw.Write(b)
		require.NoError(t, err)
	}
	require.NoError(t, w.Close())
	require.NoError(t, os.WriteFile(p, buf.Bytes(), 0o644))
	return p
}

// bundletool's standalone APKs are each verified on their own, with the
// policy: an untrusted one makes the bundle untrusted, although the set of
// splits is fine.
func TestSetBundleStandalones(t *testing.T) {
	p := packBundle(t, [][2]string{{"toc.pb", "base.apk"}, {"splits/base-master.apk", "base.apk"},
		{"splits/base-de.apk", "config.de.apk"}, {"standalones/standalone-hdpi.apk", "config.de-b.apk"}})
	res, err := apkverify.VerifySetFiles(context.Background(), []string{p}, pinned(keySHA256(t, "rsa-a")))
	require.NoError(t, err)
	assert.True(t, res.Verified, "%+v", res.Errors)
	require.Len(t, res.Standalones, 1)
	assert.Equal(t, "standalones/standalone-hdpi.apk", res.Standalones[0].File)
	assert.False(t, res.Trusted)
	assert.Contains(t, setViolations(res), apkverify.PolicyUntrustedSigner)

	p = packBundle(t, [][2]string{{"splits/base-master.apk", "base.apk"}, {"standalones/standalone-hdpi.apk", "base.apk"}})
	res, err = apkverify.VerifySetFiles(context.Background(), []string{p}, pinned(keySHA256(t, "rsa-a")))
	require.NoError(t, err)
	assert.True(t, res.Trusted, "%+v", res.Policy)
}
