package main

import (
	"archive/zip"
	"bytes"
	le "encoding/binary"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apktrust/apktrust/internal/apkgen"
)

// unsignedAPK writes a ZIP holding only the manifest.
func unsignedAPK(t *testing.T, manifest []byte) string {
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	fw, err := w.Create("AndroidManifest.xml")
	require.NoError(t, err)
	_, err = fw.Write(manifest)
	require.NoError(t, err)
	require.NoError(t, w.Close())
	p := filepath.Join(t.TempDir(), "m.apk")
	require.NoError(t, os.WriteFile(p, buf.Bytes(), 0o644))
	return p
}

// A manifest Android refuses (here versionCode="1.0", a string) rejects
// the file: exit 1 with the manifest code, not exit 2.
func TestManifestRefusedIsRejection(t *testing.T) {
	m := apkgen.MinimalManifest()
	// The versionCode attribute: android namespace (string 6), name
	// versionCode (string 0), no raw value, TYPE_INT_DEC 1.
	attr := []byte{6, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 8, 0, 0, 0x10, 1, 0, 0, 0}
	i := bytes.Index(m, attr)
	require.GreaterOrEqual(t, i, 0, "versionCode attribute of the minimal manifest")
	le.LittleEndian.PutUint32(m[i+8:], 10) // raw: "1.0"
	m[i+15] = 0x03                         // TYPE_STRING
	le.LittleEndian.PutUint32(m[i+16:], 10)

	out, _, code := runVerify(t, unsignedAPK(t, m))
	assert.Equal(t, 1, code, out)
	assert.Contains(t, out, "MANIFEST_REFUSED_BY_PLATFORM")
}

// A control character in a manifest string is escaped in the human
// output, so a hostile package name cannot rewrite the terminal.
func TestManifestControlCharactersEscaped(t *testing.T) {
	m := apkgen.MinimalManifest()
	i := bytes.Index(m, []byte("com.example.apkgen\x00"))
	require.GreaterOrEqual(t, i, 0)
	m[i+3] = 0x1b // ESC: "com\x1bexample.apkgen"

	out, _, code := runVerify(t, unsignedAPK(t, m))
	assert.Equal(t, 1, code, "unsigned")
	assert.Contains(t, out, `app:      "com\x1bexample.apkgen" versionCode 1`)
	assert.NotContains(t, out, "\x1b")
}
