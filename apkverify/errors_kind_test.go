package apkverify_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/apktrust/apktrust/apkverify"
	"github.com/apktrust/apktrust/manifest"
	"github.com/apktrust/apktrust/signer"
)

// TestKindName pins the kind names of the JSON error objects (a contract):
// the CLI and the service both take them from KindName.
func TestKindName(t *testing.T) {
	notAPK := &signer.Error{Kind: apkverify.ErrNotAPK, Code: "ZIP_DUPLICATE_ENTRY_NAME"}
	for _, tc := range []struct {
		err  error
		want string
	}{
		{notAPK, "not-an-apk"},
		{fmt.Errorf("verifying app.apk: %w", notAPK), "not-an-apk"},
		{&signer.Error{Kind: apkverify.ErrManifest, Code: manifest.CodeMissing}, "manifest"},
		{&signer.Error{Kind: apkverify.ErrIO, Code: signer.CodeIO}, "io"},
		{&signer.Error{Kind: apkverify.ErrInvalidOptions, Code: apkverify.CodeInvalidOptions}, "invalid-options"},
		{&signer.Error{Kind: context.Canceled, Code: apkverify.CodeContextCancelled}, "error"},
		{errors.New("something else"), "error"},
	} {
		require.Equal(t, tc.want, apkverify.KindName(tc.err), "%v", tc.err)
	}
}
