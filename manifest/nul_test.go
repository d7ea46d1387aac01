package manifest

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Where a NUL inside a UTF-8 pool string counts: Java strings (values,
// element names) end at it, as JNI NewStringUTF reads them; the native
// attribute lookup by name compares declared lengths, so "package\0x" is
// not the package attribute. UTF-16 strings keep the NUL in Java.
func TestNULInsidePoolStrings(t *testing.T) {
	t.Run("attribute name with a NUL is not package", func(t *testing.T) {
		doc := el("manifest", []tAttr{aPlain("package\x00x", "com.evil.app"), aPlain("package", victim)})
		m, err := Parse(buildXML(doc, true))
		require.NoError(t, err)
		assert.Equal(t, victim, m.Package)
	})
	t.Run("element name cut at the NUL is application", func(t *testing.T) {
		doc := el("manifest", []tAttr{aPlain("package", victim)},
			el("application\x00x", []tAttr{aBool("debuggable", attrDebuggable, true)}))
		m, err := Parse(buildXML(doc, true))
		require.NoError(t, err)
		assert.True(t, m.Debuggable, "Java sees <application>")
	})
	t.Run("UTF-16 package keeps the NUL and is refused", func(t *testing.T) {
		doc := el("manifest", []tAttr{aPlain("package", victim+"\x00evil")})
		_, err := Parse(buildXML(doc, false))
		assert.ErrorIs(t, err, CodeRefused)
	})
	t.Run("UTF-8 versionName cut at the NUL", func(t *testing.T) {
		doc := minimalManifest()
		doc.attrs[1] = aStr("versionName", attrVersionName, "1.0\x00-evil")
		m, err := Parse(buildXML(doc, true))
		require.NoError(t, err)
		assert.Equal(t, "1.0", m.VersionName)
	})
}

// ApkLiteParseUtils reads versionCode by namespace and name, and the
// downgrade check uses that reading: a forged android:versionCode without
// the resource ID that says another value is refused, while stripped
// names (no attribute by that name) are accepted.
func TestVersionCodeLiteReading(t *testing.T) {
	forged := tAttr{name: "versionCode", typ: 0x10, data: 200, noRaw: true} // android: namespace, no ID
	first := el("manifest", nil).withAttrs(true, aPlain("package", victim), forged, aInt("versionCode", attrVersionCode, 1))
	_, err := Parse(buildXML(first, false))
	assert.ErrorIs(t, err, CodeAmbiguous, "the lite parser reads the forged one first")
	renamed := el("manifest", []tAttr{aPlain("package", victim), forged, aInt("vc", attrVersionCode, 1)})
	_, err = Parse(buildXML(renamed, false))
	assert.ErrorIs(t, err, CodeAmbiguous, "only the forged one has the name")

	stripped := el("manifest", []tAttr{aPlain("package", victim), aInt("", attrVersionCode, 100)})
	m, err := Parse(buildXML(stripped, false))
	require.NoError(t, err)
	assert.Equal(t, int32(100), m.VersionCode)
}
