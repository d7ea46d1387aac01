package apkverify_test

import (
	"context"
	"errors"
	"fmt"
	"github.com/apktrust/apktrust/manifest"
	"github.com/apktrust/apktrust/signer"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/apktrust/apktrust/apkverify"
)

// TestKindName pins the kind names of the JSON error objects (a contract):
// the CLI and the service both take them from KindName.
func TestKindName(t *testing.T) {
	notAPK := &apkverify.Error{Kind: apkverify.ErrNotAPK, Code: "ZIP_DUPLICATE_ENTRY_NAME"}
	for _, tc := range []struct {
		err  error
		want string
	}{
		{notAPK, "not-an-apk"},
		{fmt.Errorf("verifying app.apk: %w", notAPK), "not-an-apk"},
		{&apkverify.Error{Kind: apkverify.ErrManifest, Code: manifest.CodeMissing}, "manifest"},
		{&apkverify.Error{Kind: apkverify.ErrIO, Code: signer.CodeIO}, "io"},
		{&apkverify.Error{Kind: apkverify.ErrInvalidOptions, Code: apkverify.CodeInvalidOptions}, "invalid-options"},
		{&apkverify.Error{Kind: context.Canceled, Code: apkverify.CodeContextCancelled}, "error"},
		{errors.New("something else"), "error"},
	} {
		require.Equal(t, tc.want, apkverify.KindName(tc.err), "%v", tc.err)
	}
}
