package signer_test

// The surface calls on signer's error type and codes, apart from the
// other surface calls (see apkverify/public_surface_test.go).

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apktrust/apktrust/signer"
)

func TestSurfaceError(t *testing.T) {
	_, err := signer.ParseLineageFile([]byte("not a lineage file"))
	var se *signer.Error
	require.ErrorAs(t, err, &se)
	assert.Equal(t, signer.CodeLineageBadMagic, se.Code)
	assert.True(t, se.Is(signer.CodeLineageBadMagic))
	assert.False(t, se.Is(signer.CodeLineageSignature))
	assert.Contains(t, se.Error(), string(signer.CodeLineageBadMagic))
	assert.Equal(t, "LINEAGE_BAD_MAGIC", signer.CodeLineageBadMagic.Error())
	assert.ErrorIs(t, err, signer.CodeLineageBadMagic)

	_, err = signer.ParseCertificate([]byte("not a certificate"))
	assert.ErrorIs(t, err, signer.CodeCertMalformed)

	// The cause is kept: a known-keys file that is not JSON.
	_, err = signer.ParseKnownKeys([]byte(`{"format": 1]`))
	require.ErrorAs(t, err, &se)
	assert.True(t, errors.Is(err, signer.CodeKnownKeys))
	var syntax *json.SyntaxError
	assert.ErrorAs(t, se.Unwrap(), &syntax)
}
