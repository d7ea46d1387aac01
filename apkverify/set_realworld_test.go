package apkverify_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apktrust/apktrust/apkverify"
	"github.com/apktrust/apktrust/signer"
)

const (
	appManagerSigner = "320c0c0fe8cef873f2b554cb88c837f1512589dcced50c5b25c43c04596760ab"
	reasilySigner    = "eb7562595921795e5936d9c1c90cfdd0fedf79a7f187f3be7b75b9bc30d4e192"
)

func setViolations(res *apkverify.SetResult) []signer.Code {
	var codes []signer.Code
	if res.Policy != nil {
		for _, v := range res.Policy.Violations {
			codes = append(codes, v.Code)
		}
	}
	return codes
}

// The AppManager .apks (SAI/AppManager layout: base, 25 config splits and
// a feature split at the top level) verifies as one install, pinned to its
// signer, each split under the base's SDK range.
func TestSetRealAppManager(t *testing.T) {
	p := realWorldAPK(t, "dev-appmanager-2.5.22.apks")
	res, err := apkverify.VerifySetFiles(context.Background(), []string{p}, apkverify.Options{Policy: &apkverify.Policy{
		TrustedCertSHA256: []string{appManagerSigner}, Package: "io.github.muntashirakon.AppManager", MinVersionCode: 379}})
	require.NoError(t, err)
	require.Empty(t, res.Errors)
	assert.True(t, res.Verified)
	assert.True(t, res.Trusted, "%+v", res.Policy)
	assert.Equal(t, "io.github.muntashirakon.AppManager", res.Package)
	assert.EqualValues(t, 379, res.VersionCode)
	assert.Equal(t, []string{appManagerSigner}, res.SignerCertSHA256)
	require.NotNil(t, res.Base)
	assert.Equal(t, "base.apk", res.Base.File)
	require.Len(t, res.Splits, 26)
	features := 0
	for _, s := range res.Splits {
		assert.True(t, s.Result.Verified, s.File)
		assert.Equal(t, res.Base.Result.MinSDK, s.Result.MinSDK, "split %s checked for the base's range", s.Split)
		if s.Feature {
			features++
		}
	}
	assert.Equal(t, 1, features)

	// Pinned to another key, the set is not trusted.
	res, err = apkverify.VerifySetFiles(context.Background(), []string{p}, apkverify.Options{Policy: &apkverify.Policy{
		TrustedCertSHA256: []string{keySHA256(t, "rsa-a")}}})
	require.NoError(t, err)
	assert.True(t, res.Verified)
	assert.False(t, res.Trusted)
	assert.Contains(t, setViolations(res), apkverify.PolicyUntrustedSigner)
}

// A Play install (base + ABI split) verifies as a set with a Play stamp on
// both APKs for Android up to 12L. The base requires the split types
// base__abi and base__density (android:requiredSplitTypes), and the corpus
// holds only the ABI split, so from API 33 on, where the installer reads
// split types, the set is incomplete.
func TestSetRealPlayStamped(t *testing.T) {
	base := realWorldAPK(t, "play-reasily-base.apk")
	split := realWorldAPK(t, "play-reasily-split_config.arm64_v8a.apk")
	policy := &apkverify.Policy{TrustedCertSHA256: []string{reasilySigner}, Package: "com.gmail.jxlab.app.reasily",
		RequireSourceStamp: true, TrustedStampCertSHA256: []string{apkverify.PlayStoreStampCertSHA256}}
	res, err := apkverify.VerifySetFiles(context.Background(), []string{base, split}, apkverify.Options{MaxSDK: 32, Policy: policy})
	require.NoError(t, err)
	require.Empty(t, res.Errors)
	assert.True(t, res.Trusted, "%+v", res.Policy)
	assert.Equal(t, []string{reasilySigner}, res.SignerCertSHA256)
	require.Len(t, res.Splits, 1)
	assert.Equal(t, "config.arm64_v8a", res.Splits[0].Split)
	assert.Equal(t, []string{"base__abi"}, res.Splits[0].Types)
	for _, a := range res.APKs() {
		require.NotNil(t, a.Result.SourceStamp)
		assert.True(t, a.Result.SourceStamp.Verified, a.File)
		assert.Equal(t, apkverify.PlayStoreStampCertSHA256, a.Result.SourceStamp.CertSHA256, a.File)
	}

	res, err = apkverify.VerifySetFiles(context.Background(), []string{base, split}, apkverify.Options{Policy: policy})
	require.NoError(t, err)
	require.Len(t, res.Errors, 1)
	assert.Equal(t, apkverify.SetSplitRequiredMissing, res.Errors[0].Code)
	assert.Contains(t, res.Errors[0].Message, "base__density")
	assert.False(t, res.Trusted)
	assert.NotContains(t, setViolations(res), apkverify.PolicySourceStampMissing)
}
