package apkverify_test

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apktrust/apktrust/apkverify"
	"github.com/apktrust/apktrust/internal/testutil"
	"github.com/apktrust/apktrust/manifest"
	"github.com/apktrust/apktrust/signer"
)

// zipOf writes a ZIP holding the named entries.
func zipOf(t *testing.T, entries map[string][]byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for name, data := range entries {
		f, err := w.Create(name)
		require.NoError(t, err)
		_, err = f.Write(data)
		require.NoError(t, err)
	}
	require.NoError(t, w.Close())
	return buf.Bytes()
}

// TestOneErrorModel: every public entry point refuses input with a
// *signer.Error, and errors.Is(err, code), errors.Is(err, kind) and
// errors.As behave the same from each of them, wrapped or not. The kind
// names are those of the JSON error objects (a contract).
func TestOneErrorModel(t *testing.T) {
	ctx := context.Background()
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	notZip := bytes.Repeat([]byte("not a zip "), 100)
	noManifest := zipOf(t, map[string][]byte{"hello.txt": []byte("hi")})
	dup := testutil.Fixture(t, "tamper-duplicate-entry.apk")
	missing := filepath.Join(t.TempDir(), "nope.apk")
	lineageFile := make([]byte, 8) // a zero magic
	cases := []struct {
		name     string
		call     func() error
		code     signer.Code
		kind     error  // nil: the entry point sets no kind
		kindName string // KindName, for apkverify's entry points
	}{
		{name: "VerifyFile: duplicate entry", call: func() error { _, err := apkverify.VerifyFile(ctx, dup, apkverify.Options{}); return err },
			code: signer.CodeZipDuplicateEntry, kind: apkverify.ErrNotAPK, kindName: "not-an-apk"},
		{name: "VerifyFile: no such file", call: func() error { _, err := apkverify.VerifyFile(ctx, missing, apkverify.Options{}); return err },
			code: signer.CodeIO, kind: apkverify.ErrIO, kindName: "io"},
		{name: "Verify: not a ZIP", call: func() error {
			_, err := apkverify.Verify(ctx, bytes.NewReader(notZip), int64(len(notZip)), apkverify.Options{})
			return err
		}, code: signer.CodeZipEOCDNotFound, kind: apkverify.ErrNotAPK, kindName: "not-an-apk"},
		{name: "Verify: no manifest", call: func() error {
			_, err := apkverify.Verify(ctx, bytes.NewReader(noManifest), int64(len(noManifest)), apkverify.Options{})
			return err
		}, code: manifest.CodeMissing, kind: apkverify.ErrManifest, kindName: "manifest"},
		{name: "Verify: invalid options", call: func() error {
			_, err := apkverify.Verify(ctx, bytes.NewReader(noManifest), int64(len(noManifest)), apkverify.Options{MinSDK: 30, MaxSDK: 20})
			return err
		}, code: apkverify.CodeInvalidOptions, kind: apkverify.ErrInvalidOptions, kindName: "invalid-options"},
		{name: "Verify: cancelled", call: func() error { _, err := apkverify.VerifyFile(cancelled, dup, apkverify.Options{}); return err },
			code: apkverify.CodeContextCancelled, kind: context.Canceled, kindName: "error"},
		{name: "VerifyFile: a bundle of APKs", call: func() error {
			_, err := apkverify.VerifyFile(ctx, testutil.Testdata(t, "sets", "ok.apks"), apkverify.Options{})
			return err
		}, code: apkverify.CodeBundle, kind: apkverify.ErrBundle, kindName: "error"},
		{name: "VerifySetFiles: no such file", call: func() error {
			_, err := apkverify.VerifySetFiles(ctx, []string{missing}, apkverify.Options{})
			return err
		}, code: signer.CodeIO, kind: apkverify.ErrIO, kindName: "io"},
		{name: "VerifyBundle: no APK inside", call: func() error {
			_, err := apkverify.VerifyBundle(ctx, bytes.NewReader(noManifest), int64(len(noManifest)), apkverify.Options{})
			return err
		}, code: signer.CodeBundleNoAPK, kind: apkverify.ErrNotAPK, kindName: "not-an-apk"},
		{name: "VerifySet: invalid options", call: func() error {
			_, err := apkverify.VerifySet(ctx, nil, apkverify.Options{MinSDK: -1})
			return err
		}, code: apkverify.CodeInvalidOptions, kind: apkverify.ErrInvalidOptions, kindName: "invalid-options"},
		{name: "manifest.Parse: not binary XML", call: func() error { _, err := manifest.Parse([]byte("<manifest/>")); return err },
			code: manifest.CodeNotBinaryXML},
		{name: "manifest.ParseAPK: not a ZIP", call: func() error {
			_, err := manifest.ParseAPK(bytes.NewReader(notZip), int64(len(notZip)))
			return err
		}, code: manifest.CodeRead},
		{name: "manifest.ParseFS: no manifest", call: func() error { _, err := manifest.ParseFS(fstest.MapFS{}); return err },
			code: manifest.CodeMissing},
		{name: "signer.ParseCertificate", call: func() error { _, err := signer.ParseCertificate([]byte("not a certificate")); return err },
			code: signer.CodeCertMalformed},
		{name: "signer.ParseLineage", call: func() error { _, err := signer.ParseLineage([]byte{1, 2}); return err },
			code: signer.CodeLineageMalformed},
		{name: "signer.ParseLineageFile", call: func() error { _, err := signer.ParseLineageFile(lineageFile); return err },
			code: signer.CodeLineageBadMagic},
		{name: "signer.ParseKnownKeys", call: func() error { _, err := signer.ParseKnownKeys([]byte("{")); return err },
			code: signer.CodeKnownKeys},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			require.Error(t, err)
			for _, e := range []error{err, fmt.Errorf("checking app: %w", err)} {
				assert.ErrorIs(t, e, tc.code)
				var se *signer.Error
				require.True(t, errors.As(e, &se), "a *signer.Error: %v", e)
				assert.Equal(t, tc.code, se.Code)
				if tc.kind != nil {
					assert.ErrorIs(t, e, tc.kind)
					assert.Equal(t, tc.kindName, apkverify.KindName(e))
				}
				assert.NotErrorIs(t, e, signer.CodeDigestIO, "another code")
			}
		})
	}
}

// TestVerdictErrorIs: the verdict error of Result.Err follows the same
// rules: its class by sentinel, its reasons by code.
func TestVerdictErrorIs(t *testing.T) {
	res, err := apkverify.VerifyFile(context.Background(), testutil.Fixture(t, "tamper-v2-stripped.apk"), apkverify.Options{
		Policy: &apkverify.Policy{TrustedCertSHA256: []string{fixtureKey}},
	})
	require.NoError(t, err)
	verr := res.Err()
	require.Error(t, verr)
	assert.ErrorIs(t, verr, apkverify.ErrNotVerified)
	assert.ErrorIs(t, verr, signer.CodeJarMissingApkSigReferenced)
	assert.ErrorIs(t, verr, apkverify.PolicyNotVerified)
	assert.NotErrorIs(t, verr, signer.CodeV2DidNotVerify)
	var se *signer.Error
	assert.False(t, errors.As(verr, &se), "a verdict is not a refused input")
}
