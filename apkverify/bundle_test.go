package apkverify_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apktrust/apktrust/apkverify"
	"github.com/apktrust/apktrust/internal/aabgen"
	"github.com/apktrust/apktrust/signer"
)

// The fixture bundles (testdata/make-aab.sh) are package
// dev.apktrust.fixture, versionCode 7 (as the APK fixtures, signed by the
// app signing key rsa-a), signed with jarsigner by rsa-b as the upload key
// unless their name says otherwise.
const (
	bundlePackage = "dev.apktrust.fixture"
	bundleVersion = 7
	uploadKeyName = "rsa-b"
)

// bundleFixture returns testdata/aab/NAME; a committed fixture that is
// missing fails the test.
func bundleFixture(t testing.TB, name string) string {
	t.Helper()
	p := filepath.Join(repoRoot(), "testdata", "aab", name)
	_, err := os.Stat(p)
	require.NoError(t, err, "bundle fixture missing: run bash testdata/make-aab.sh")
	return p
}

// TestBundleFixtures checks each bundle against the upload-key policy and
// against what jarsigner said about it (NAME.jarsigner.txt). Where
// jarsigner accepts a bundle this project refuses, stricter says why.
func TestBundleFixtures(t *testing.T) {
	uploadKey := keySHA256(t, uploadKeyName)
	tests := []struct {
		file     string
		verified bool
		err      signer.Code // first error code when not verified
		signers  []string    // key names of the signers, in order
		modules  []string
		trusted  bool
		// violation is the first policy violation when not trusted.
		violation signer.Code
		// jarsigner is a line of its recorded answer; stricter explains
		// where this project refuses what jarsigner accepts.
		jarsigner string
		stricter  string
	}{
		{file: "intact.aab", verified: true, signers: []string{uploadKeyName}, modules: []string{"base"}, trusted: true,
			jarsigner: "jar verified."},
		{file: "unsigned.aab", err: signer.CodeJarNoManifest, modules: []string{"base"},
			violation: apkverify.PolicyNotVerified, jarsigner: "jar is unsigned.",
			stricter: "jarsigner exits 0 on an unsigned jar; an unsigned bundle is a rejection"},
		{file: "changed-entry.aab", err: signer.CodeJarZipEntryDigestDidNotVerify, modules: []string{"base"},
			violation: apkverify.PolicyNotVerified, jarsigner: "SHA-256 digest error for base/res/raw/hello.txt"},
		{file: "added-entry.aab", err: signer.CodeJarNoZipEntryDigestInManifest, modules: []string{"base"},
			violation: apkverify.PolicyNotVerified, jarsigner: "This jar contains unsigned entries which have not been integrity-checked.",
			stricter: "jarsigner only warns about an entry added after signing (exit 0); every entry must be signed"},
		{file: "removed-entry.aab", err: signer.CodeJarMissingZipEntryReferenced, modules: []string{"base"},
			violation: apkverify.PolicyNotVerified, jarsigner: "This jar contains signed entries for files that do not exist.",
			stricter: "jarsigner only warns about a signed entry that was removed (exit 0); the bundle is no longer what was signed"},
		{file: "two-signers.aab", verified: true, signers: []string{"rsa-c", uploadKeyName}, modules: []string{"base"},
			violation: apkverify.PolicyUntrustedSigner, jarsigner: "jar verified.",
			stricter: "anyone can add a signer to a signed JAR; the policy trusts a bundle only when every signer is a pinned upload key"},
		{file: "sha1-digest.aab", err: signer.CodeJarWeakDigest, modules: []string{"base"},
			violation: apkverify.PolicyNotVerified, jarsigner: "The jar will be treated as unsigned, because it is signed with a weak algorithm",
			stricter: "jarsigner treats it as unsigned and exits 0; a weakly signed bundle is a rejection"},
		{file: "sha1-only.aab", err: signer.CodeJarWeakAlgorithm, modules: []string{"base"},
			violation: apkverify.PolicyNotVerified, jarsigner: "The jar will be treated as unsigned, because it is signed with a weak algorithm",
			stricter: "as sha1-digest.aab"},
		{file: "ec-signed.aab", verified: true, signers: []string{"ec-p256"}, modules: []string{"base"},
			violation: apkverify.PolicyUntrustedSigner, jarsigner: "jar verified."},
		{file: "dsa-signed.aab", verified: true, signers: []string{"dsa2048"}, modules: []string{"base"},
			violation: apkverify.PolicyUntrustedSigner, jarsigner: "jar verified."},
		{file: "meta-inf-file.aab", verified: true, signers: []string{uploadKeyName}, modules: []string{"base"}, trusted: true,
			jarsigner: "jar verified."},
		{file: "feature.aab", verified: true, signers: []string{uploadKeyName}, modules: []string{"base", "extras"}, trusted: true,
			jarsigner: "jar verified."},
		{file: "debuggable-feature.aab", verified: true, signers: []string{uploadKeyName}, modules: []string{"base", "extras"},
			violation: apkverify.PolicyDebuggable, jarsigner: "jar verified."},
	}
	ctx := context.Background()
	policy := &apkverify.Policy{TrustedCertSHA256: []string{uploadKey}, Package: bundlePackage, MinVersionCode: bundleVersion}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			path := bundleFixture(t, tc.file)
			res, err := apkverify.VerifyFile(ctx, path, apkverify.Options{Policy: policy})
			require.NoError(t, err)
			assert.Equal(t, apkverify.KindAppBundle, res.Kind)
			assert.Equal(t, tc.verified, res.Verified, "errors: %v", res.Errors)
			if !tc.verified {
				require.NotEmpty(t, res.Errors)
				assert.Equal(t, tc.err, res.Errors[0].Code, "errors: %v", res.Errors)
				assert.Error(t, res.Err(), "a bundle that did not verify is a rejection")
			}
			var signers []string
			for _, s := range res.Signers {
				signers = append(signers, s.CertSHA256)
				assert.Equal(t, signer.SchemeJAR, s.Scheme)
				assert.NotNil(t, s.Certificate)
			}
			var want []string
			for _, k := range tc.signers {
				want = append(want, keySHA256(t, k))
			}
			assert.Equal(t, want, signers)

			var modules []string
			for _, m := range res.Modules {
				modules = append(modules, m.Name)
				assert.Equal(t, bundlePackage, m.Manifest.Package)
				assert.EqualValues(t, bundleVersion, m.Manifest.VersionCode)
			}
			assert.Equal(t, tc.modules, modules)
			require.NotNil(t, res.Manifest)
			assert.Equal(t, "apktrust fixture", res.Manifest.Label)
			assert.Equal(t, 24, res.Manifest.MinSDK)
			assert.Equal(t, 34, res.Manifest.TargetSDK)
			assert.Equal(t, "1.2.3", res.Manifest.VersionName)

			assert.Equal(t, tc.trusted, res.Trusted, "violations: %v", res.Policy.Violations)
			if tc.trusted {
				assert.Equal(t, uploadKey, res.Policy.TrustedSigner)
				assert.NoError(t, res.Err())
			} else {
				require.NotEmpty(t, res.Policy.Violations)
				assert.Equal(t, tc.violation, res.Policy.Violations[0].Code, "violations: %v", res.Policy.Violations)
			}

			rec, err := os.ReadFile(path[:len(path)-len(".aab")] + ".jarsigner.txt")
			require.NoError(t, err, "jarsigner's answer must be recorded beside the fixture")
			assert.Contains(t, string(rec), tc.jarsigner)
			if tc.stricter == "" && tc.verified {
				assert.Contains(t, string(rec), "exit status: 0")
			}
		})
	}
}

// A feature module's debuggable flag makes the bundle a debug build, but
// the base module's own facts stay as its manifest says.
func TestBundleDebuggableFeature(t *testing.T) {
	res, err := apkverify.VerifyFile(context.Background(), bundleFixture(t, "debuggable-feature.aab"), apkverify.Options{})
	require.NoError(t, err)
	require.Len(t, res.Modules, 2)
	assert.True(t, res.Manifest.Debuggable)
	assert.False(t, res.Modules[0].Manifest.Debuggable, "base")
	assert.True(t, res.Modules[1].Manifest.Debuggable, "extras")
	assert.Equal(t, "extras", res.Modules[1].Manifest.Split)
}

// rewriteZip copies the ZIP at path entry by entry (compressed bytes
// unchanged) through edit, which may drop or replace an entry by
// returning false after writing its own, then adds the extra entries.
func rewriteZip(t *testing.T, path string, skip map[string]bool, extra []aabgen.File) []byte {
	t.Helper()
	r, err := zip.OpenReader(path)
	require.NoError(t, err)
	defer r.Close()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range r.File {
		if !skip[f.Name] {
			require.NoError(t, zw.Copy(f))
		}
	}
	for _, f := range extra {
		w, err := zw.Create(f.Name)
		require.NoError(t, err)
		_, err = w.Write(f.Data)
		require.NoError(t, err)
	}
	require.NoError(t, zw.Close())
	return buf.Bytes()
}

func readZipEntry(t *testing.T, path, name string) []byte {
	t.Helper()
	r, err := zip.OpenReader(path)
	require.NoError(t, err)
	defer r.Close()
	f, err := r.Open(name)
	require.NoError(t, err)
	defer f.Close()
	b, err := io.ReadAll(f)
	require.NoError(t, err)
	return b
}

// Edits of a signed bundle that cost an attacker nothing: each must make
// it a rejection, whatever jarsigner would say.
func TestBundleAttacks(t *testing.T) {
	intact := bundleFixture(t, "intact.aab")
	feature := bundleFixture(t, "feature.aab")
	ec := bundleFixture(t, "ec-signed.aab")
	tests := []struct {
		name string
		zip  []byte
		err  signer.Code
	}{
		{"a file added under META-INF/ (jarsigner signs those too)",
			rewriteZip(t, intact, nil, []aabgen.File{{Name: "META-INF/services/x", Data: []byte("evil")}}),
			signer.CodeJarNoZipEntryDigestInManifest},
		{"a feature module added to a signed base-only bundle",
			rewriteZip(t, intact, nil, []aabgen.File{{Name: "extras/manifest/AndroidManifest.xml",
				Data: aabgen.Manifest{Package: bundlePackage, VersionCode: bundleVersion, Split: "extras"}.Bytes()}}),
			signer.CodeJarNoZipEntryDigestInManifest},
		{"the base manifest swapped for another bundle's (debuggable) one",
			rewriteZip(t, intact, map[string]bool{"base/manifest/AndroidManifest.xml": true}, []aabgen.File{{
				Name: "base/manifest/AndroidManifest.xml", Data: readZipEntry(t, bundleFixture(t, "debuggable-feature.aab"), "extras/manifest/AndroidManifest.xml")}}),
			signer.CodeJarZipEntryDigestDidNotVerify},
		// An APK's v1 signature leaves META-INF/ out; a JAR's covers it.
		{"a signed file under META-INF/ changed",
			rewriteZip(t, bundleFixture(t, "meta-inf-file.aab"), map[string]bool{"META-INF/services/dev.apktrust.Plugin": true},
				[]aabgen.File{{Name: "META-INF/services/dev.apktrust.Plugin", Data: []byte("evil.Plugin\n")}}),
			signer.CodeJarZipEntryDigestDidNotVerify},
		{"the feature module dropped",
			rewriteZip(t, feature, map[string]bool{"extras/manifest/AndroidManifest.xml": true, "extras/dex/classes.dex": true}, nil),
			signer.CodeJarMissingZipEntryReferenced},
		{"the upload key's signature block of another bundle transplanted",
			rewriteZip(t, intact, map[string]bool{"META-INF/UPLOAD.RSA": true}, []aabgen.File{{
				Name: "META-INF/UPLOAD.RSA", Data: readZipEntry(t, feature, "META-INF/UPLOAD.RSA")}}),
			signer.CodeJarDidNotVerify},
		// The .SF of identical content signed by another key is the same
		// bytes, so that key's block verifies: the bundle is then signed
		// by that key, and the pin refuses it.
		{"another key's signature block over identical content",
			rewriteZip(t, intact, map[string]bool{"META-INF/UPLOAD.RSA": true}, []aabgen.File{{
				Name: "META-INF/UPLOAD.RSA", Data: readZipEntry(t, ec, "META-INF/UPLOAD.EC")}}),
			""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, err := apkverify.Verify(context.Background(), bytes.NewReader(tc.zip), int64(len(tc.zip)),
				apkverify.Options{Policy: &apkverify.Policy{TrustedCertSHA256: []string{keySHA256(t, uploadKeyName)}}})
			require.NoError(t, err)
			assert.Equal(t, apkverify.KindAppBundle, res.Kind)
			assert.False(t, res.Trusted)
			if tc.err == "" {
				require.True(t, res.Verified, "errors: %v", res.Errors)
				require.Len(t, res.Signers, 1)
				assert.Equal(t, keySHA256(t, "ec-p256"), res.Signers[0].CertSHA256)
				assert.Equal(t, apkverify.PolicyUntrustedSigner, res.Policy.Violations[0].Code)
				return
			}
			assert.False(t, res.Verified)
			require.NotEmpty(t, res.Errors)
			codes := make([]signer.Code, 0, len(res.Errors))
			for _, e := range res.Errors {
				codes = append(codes, e.Code)
			}
			assert.Contains(t, codes, tc.err)
		})
	}
}

// A bundle is recognised by its content: BundleConfig.pb alone, or a
// base manifest without it, is not a bundle.
func TestBundleRecognisedByContent(t *testing.T) {
	m := aabgen.Manifest{Package: "p", VersionCode: 1}.Bytes()
	for _, tc := range []struct {
		name   string
		files  []aabgen.File
		bundle bool
	}{
		{"bundle", []aabgen.File{{Name: "BundleConfig.pb"}, {Name: "base/manifest/AndroidManifest.xml", Data: m}}, true},
		{"no BundleConfig.pb", []aabgen.File{{Name: "base/manifest/AndroidManifest.xml", Data: m}}, false},
		{"no base module", []aabgen.File{{Name: "BundleConfig.pb"}, {Name: "extras/manifest/AndroidManifest.xml", Data: m}}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			require.NoError(t, aabgen.WriteZip(&buf, tc.files))
			res, err := apkverify.Verify(context.Background(), bytes.NewReader(buf.Bytes()), int64(buf.Len()), apkverify.Options{})
			if !tc.bundle {
				require.ErrorIs(t, err, apkverify.ErrManifest, "an archive without AndroidManifest.xml is not an APK either")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, apkverify.KindAppBundle, res.Kind)
			assert.False(t, res.Verified, "unsigned")
			assert.Error(t, res.Err())
		})
	}
}

// The pipeline's second question: is the APK Play delivered the release
// the bundle is? Policy.SameReleaseAs compares package and versionCode.
func TestSameReleaseAs(t *testing.T) {
	ctx := context.Background()
	apk := fixture(t, "min21-v123.apk")
	plain, err := apkverify.VerifyFile(ctx, apk, apkverify.Options{})
	require.NoError(t, err)
	require.True(t, plain.Verified)
	require.Equal(t, bundlePackage, plain.Manifest.Package, "the APK fixtures stand for what Play makes from the bundle fixtures")
	bundle, err := apkverify.VerifyFile(ctx, bundleFixture(t, "intact.aab"), apkverify.Options{})
	require.NoError(t, err)
	tampered, err := apkverify.VerifyFile(ctx, bundleFixture(t, "changed-entry.aab"), apkverify.Options{})
	require.NoError(t, err)

	release := func(pkg string, version int64) *apkverify.Result {
		return &apkverify.Result{Kind: apkverify.KindAppBundle, Verified: true,
			Manifest: &apkverify.Manifest{Package: pkg, VersionCode: version}}
	}
	tests := []struct {
		name      string
		release   *apkverify.Result
		violation signer.Code
	}{
		{"the bundle of this release", bundle, ""},
		{"another versionCode", release(plain.Manifest.Package, plain.Manifest.VersionCode+1), apkverify.PolicyReleaseMismatch},
		{"another app", release("com.example.other", plain.Manifest.VersionCode), apkverify.PolicyReleaseMismatch},
		{"a bundle that did not verify", tampered, apkverify.PolicyReleaseNotVerified},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, err := apkverify.VerifyFile(ctx, apk, apkverify.Options{Policy: &apkverify.Policy{
				TrustedCertSHA256: []string{keySHA256(t, "rsa-a")}, SameReleaseAs: tc.release}})
			require.NoError(t, err)
			if tc.violation == "" {
				assert.True(t, res.Trusted, "violations: %v", res.Policy.Violations)
				return
			}
			assert.False(t, res.Trusted)
			require.Len(t, res.Policy.Violations, 1)
			assert.Equal(t, tc.violation, res.Policy.Violations[0].Code)
		})
	}
}

// A bundle whose upload key is the Android debug certificate is named as
// such, and a pin on that key does not make it trusted: Play refuses
// debug-signed bundles, and anyone's machine has such a key.
func TestBundleDebugUploadKey(t *testing.T) {
	const debugCert = "a42285ed2e4a6ba2879532feab91e38cd38ab44205ff357d251551b0f758478c"
	res, err := apkverify.VerifyFile(context.Background(), bundleFixture(t, "debug-key.aab"),
		apkverify.Options{Policy: &apkverify.Policy{TrustedCertSHA256: []string{debugCert}}})
	require.NoError(t, err)
	require.True(t, res.Verified, "errors: %v", res.Errors)
	require.Len(t, res.Signers, 1)
	assert.Equal(t, debugCert, res.Signers[0].CertSHA256)
	require.NotNil(t, res.Signers[0].Known)
	assert.Equal(t, signer.KnownKeyDebug, res.Signers[0].Known.Category)
	var warned bool
	for _, w := range res.Warnings {
		if w.Code == apkverify.CodeDebugCertificate {
			warned = true
			assert.Contains(t, w.Message, "upload key")
		}
	}
	assert.True(t, warned, "warnings: %v", res.Warnings)
	assert.False(t, res.Trusted)
	require.NotEmpty(t, res.Policy.Violations)
	assert.Equal(t, apkverify.PolicyKnownKey, res.Policy.Violations[0].Code)
}

// Hostile module layouts are rejections, never tool errors: a manifest
// that is not protobuf XML, a feature module of another app, more modules
// than are read.
func TestBundleHostileModules(t *testing.T) {
	base := aabgen.Manifest{Package: bundlePackage, VersionCode: bundleVersion}
	var many []aabgen.Manifest
	for i := range 300 {
		many = append(many, aabgen.Manifest{Package: bundlePackage, VersionCode: bundleVersion, Split: fmt.Sprintf("f%03d", i)})
	}
	tests := []struct {
		name  string
		files []aabgen.File
		code  signer.Code
		// policyCode is the manifest violation of a policy requiring the
		// package, when the base manifest is unreadable.
		policyCode signer.Code
	}{
		{"base manifest is binary XML", append(aabgen.Bundle(base)[:1],
			aabgen.File{Name: "base/manifest/AndroidManifest.xml", Data: []byte{0x03, 0x00, 0x08, 0x00, 0x08, 0, 0, 0}}),
			apkverify.CodeAppBundleManifestInvalid, apkverify.PolicyManifestUnavailable},
		{"a feature module of another package",
			aabgen.Bundle(base, aabgen.Manifest{Package: "com.example.other", VersionCode: bundleVersion, Split: "x"}),
			apkverify.CodeAppBundleModuleMismatch, ""},
		{"300 modules", aabgen.Bundle(base, many...), apkverify.CodeAppBundleTooManyModules, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			require.NoError(t, aabgen.WriteZip(&buf, tc.files))
			res, err := apkverify.Verify(context.Background(), bytes.NewReader(buf.Bytes()), int64(buf.Len()),
				apkverify.Options{Policy: &apkverify.Policy{InsecureAcceptAnySigner: true, Package: bundlePackage}})
			require.NoError(t, err)
			assert.Equal(t, apkverify.KindAppBundle, res.Kind)
			assert.False(t, res.Verified)
			assert.False(t, res.Trusted)
			require.NotEmpty(t, res.Errors)
			assert.Equal(t, tc.code, res.Errors[0].Code, "errors: %v", res.Errors)
			if tc.policyCode != "" {
				var codes []signer.Code
				for _, v := range res.Policy.Violations {
					codes = append(codes, v.Code)
				}
				assert.Contains(t, codes, tc.policyCode)
			}
			// Stored and judged again: the same violations, including
			// why the manifest could not be read.
			b, err := json.Marshal(res)
			require.NoError(t, err)
			var stored apkverify.Result
			require.NoError(t, json.Unmarshal(b, &stored))
			p := apkverify.Policy{InsecureAcceptAnySigner: true, Package: bundlePackage}
			assert.Equal(t, *res.Policy, p.Evaluate(&stored))
		})
	}
}

// SameReleaseAs holds an install set (what Play delivers to a device:
// base and splits) to the release as it holds one APK: the base's package
// and versionCode.
func TestSameReleaseAsSet(t *testing.T) {
	path := filepath.Join(repoRoot(), "testdata", "sets", "ok.apks")
	b, err := os.ReadFile(path)
	require.NoError(t, err, "committed fixture missing")
	release := func(version int64) *apkverify.Result {
		return &apkverify.Result{Kind: apkverify.KindAppBundle, Verified: true,
			Manifest: &apkverify.Manifest{Package: "com.apktrust.sets", VersionCode: version}}
	}
	for _, tc := range []struct {
		name      string
		release   *apkverify.Result
		violation signer.Code
	}{
		{"same release", release(7), ""},
		{"another versionCode", release(8), apkverify.PolicyReleaseMismatch},
	} {
		t.Run(tc.name, func(t *testing.T) {
			set, err := apkverify.VerifyBundle(context.Background(), bytes.NewReader(b), int64(len(b)), apkverify.Options{
				Policy: &apkverify.Policy{InsecureAcceptAnySigner: true, SameReleaseAs: tc.release}})
			require.NoError(t, err)
			require.True(t, set.Verified, "errors: %v", set.Errors)
			require.NotNil(t, set.Policy)
			if tc.violation == "" {
				assert.True(t, set.Trusted, "violations: %v", set.Policy.Violations)
				return
			}
			assert.False(t, set.Trusted)
			require.NotEmpty(t, set.Policy.Violations)
			assert.Equal(t, tc.violation, set.Policy.Violations[0].Code)
		})
	}
}
