package apkverify_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apktrust/apktrust/apkverify"
	"github.com/apktrust/apktrust/internal/apkzip"
	"github.com/apktrust/apktrust/signer"
)

// TestZip64RecordsVerdicts: files whose EOCD is preceded by ZIP64 records
// that agree with it (testdata/make-evidence.sh, apksigner's answers in
// testdata/evidence). apksigner verifies the v1-only one, so apktrust
// does, with a warning; the records hide the APK Signing Block from
// apksig and the platform, so a v2-only file has no signature (apksigner:
// "Missing META-INF/MANIFEST.MF"), and records that disagree with the
// EOCD are refused.
func TestZip64RecordsVerdicts(t *testing.T) {
	v1 := readFile(t, evidenceFixture(t, "evidence-zip64-v1.apk"))
	v2 := readFile(t, evidenceFixture(t, "evidence-zip64-v2.apk"))

	res := verifyBytes(t, v1, apkverify.Options{})
	assert.True(t, res.Verified, "apksigner verifies it: %v", res.Errors)
	assert.True(t, res.Schemes.V1)
	assert.Contains(t, issueCodes(res.Warnings), apkzip.CodeZip64Records)

	res = verifyBytes(t, v2, apkverify.Options{})
	assert.False(t, res.Verified, "apksigner refuses it")
	assert.False(t, res.Schemes.V2, "the signing block is not found through ZIP64 records")

	// The record's directory offset one byte off: readers would disagree.
	bad := slices.Clone(v1)
	eocd := len(bad) - 22
	rec := int(binary.LittleEndian.Uint64(bad[eocd-20+8:]))
	binary.LittleEndian.PutUint64(bad[rec+48:], binary.LittleEndian.Uint64(bad[rec+48:])+1)
	_, err := apkverify.Verify(context.Background(), bytes.NewReader(bad), int64(len(bad)), apkverify.Options{})
	require.Error(t, err)
	var ae *signer.Error
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, apkzip.CodeZip64, ae.Code)
	assert.ErrorIs(t, err, apkverify.ErrNotAPK)
}
