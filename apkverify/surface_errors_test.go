package apkverify_test

// The surface calls on apkverify's error types (VerificationError,
// SetError, KindName, Result.Err, SetResult.Err, and the *signer.Error of
// a refusal with its Kind), apart from the other surface calls (see
// public_surface_test.go).

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apktrust/apktrust/apkverify"
	"github.com/apktrust/apktrust/signer"
)

func TestSurfaceErrorNotAPK(t *testing.T) {
	junk := []byte("this is not a ZIP file")
	_, err := apkverify.Verify(context.Background(), bytes.NewReader(junk), int64(len(junk)), apkverify.Options{})
	var e *signer.Error
	require.ErrorAs(t, err, &e)
	assert.True(t, e.Is(apkverify.ErrNotAPK))
	assert.False(t, e.Is(apkverify.ErrIO))
	assert.True(t, e.Is(e.Code))
	assert.NotEmpty(t, e.Code)
	assert.Contains(t, e.Error(), string(e.Code))
	assert.NotNil(t, e.Unwrap(), "the container's error is the cause")
	assert.Equal(t, "not-an-apk", apkverify.KindName(err))
	assert.Equal(t, "error", apkverify.KindName(context.Canceled))

	_, err = apkverify.VerifyFile(context.Background(), "../testdata/sets/ok.apks", apkverify.Options{})
	assert.ErrorIs(t, err, apkverify.ErrBundle, "a bundle is verified as a set")

	bad := &apkverify.Policy{TrustedCertSHA256: []string{"not a fingerprint"}}
	err = bad.Validate()
	assert.ErrorIs(t, err, apkverify.ErrInvalidOptions)
	assert.Equal(t, "invalid-options", apkverify.KindName(err))
}

func TestSurfaceResultErr(t *testing.T) {
	ctx := context.Background()
	res, err := apkverify.VerifyFile(ctx, "../testdata/apk/min21-v123.apk", apkverify.Options{})
	require.NoError(t, err)
	assert.NoError(t, res.Err(), "verified, and no policy asked")

	res, err = apkverify.VerifyFile(ctx, "../testdata/apk/tamper-v2-signature.apk", apkverify.Options{})
	require.NoError(t, err)
	var ve *apkverify.VerificationError
	require.ErrorAs(t, res.Err(), &ve)
	assert.True(t, ve.Is(apkverify.ErrNotVerified))
	assert.False(t, ve.Is(apkverify.ErrUntrusted))
	assert.Contains(t, ve.Error(), "V2_SIG_DID_NOT_VERIFY")
	assert.Same(t, res, ve.Result)

	policy := &apkverify.Policy{TrustedCertSHA256: []string{surfaceKeyC}}
	res, err = apkverify.VerifyFile(ctx, "../testdata/apk/min21-v123.apk", apkverify.Options{Policy: policy})
	require.NoError(t, err)
	require.ErrorAs(t, res.Err(), &ve)
	assert.True(t, ve.Is(apkverify.ErrUntrusted))
	assert.False(t, ve.Is(apkverify.ErrNotVerified))
	assert.Contains(t, ve.Error(), string(apkverify.PolicyUntrustedSigner))
	assert.True(t, ve.Is(apkverify.PolicyUntrustedSigner))
}

func TestSurfaceSetErr(t *testing.T) {
	ctx := context.Background()
	set, err := apkverify.VerifySetFiles(ctx, []string{"../testdata/sets/ok.xapk"}, apkverify.Options{})
	require.NoError(t, err)
	assert.NoError(t, set.Err())

	set, err = apkverify.VerifySetFiles(ctx, []string{"../testdata/sets/signer-mismatch.apks"}, apkverify.Options{})
	require.NoError(t, err)
	assert.False(t, set.Verified)
	var se *apkverify.SetError
	require.ErrorAs(t, set.Err(), &se)
	assert.True(t, se.Is(apkverify.ErrNotVerified))
	assert.False(t, se.Is(apkverify.ErrUntrusted))
	assert.Contains(t, se.Error(), string(apkverify.SetSignerMismatch))
	assert.True(t, se.Is(apkverify.SetSignerMismatch))
	assert.True(t, errors.Is(set.Err(), apkverify.ErrNotVerified))
}
