package manifest_test

// The surface calls on manifest's errors (a *signer.Error with a manifest
// code), apart from the other surface calls (see
// apkverify/public_surface_test.go).

import (
	"bytes"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apktrust/apktrust/manifest"
	"github.com/apktrust/apktrust/signer"
)

func TestSurfaceError(t *testing.T) {
	// Plain-text XML is not the binary XML an APK carries.
	_, err := manifest.Parse([]byte(`<?xml version="1.0"?><manifest package="x"/>`))
	var fe *signer.Error
	require.ErrorAs(t, err, &fe)
	assert.Equal(t, manifest.CodeNotBinaryXML, fe.Code)
	assert.True(t, fe.Is(manifest.CodeNotBinaryXML))
	assert.False(t, fe.Is(manifest.CodeTruncated))
	assert.Contains(t, fe.Error(), string(manifest.CodeNotBinaryXML))
	assert.ErrorIs(t, err, manifest.CodeNotBinaryXML)
	assert.Nil(t, fe.Unwrap(), "a refusal of the bytes themselves has no cause")

	// A file that is not a ZIP: the container's own error is the cause.
	junk := []byte("not a zip file at all")
	_, err = manifest.ParseAPK(bytes.NewReader(junk), int64(len(junk)))
	require.ErrorAs(t, err, &fe)
	assert.Equal(t, manifest.CodeRead, fe.Code)
	assert.True(t, errors.Is(err, manifest.CodeRead))
	assert.NotNil(t, fe.Unwrap(), "the container's error is wrapped")
}
