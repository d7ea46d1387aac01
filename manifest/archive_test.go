package manifest

import (
	"archive/zip"
	"bytes"
	"errors"
	"testing"

	"github.com/apktrust/apktrust/internal/apkentry"
	"github.com/apktrust/apktrust/internal/apkzip"
	"github.com/apktrust/apktrust/signer"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type zipFile struct {
	name   string
	data   []byte
	stored bool
}

// buildAPK writes an unsigned ZIP and opens it with the project's reader.
func buildAPK(t testing.TB, files ...zipFile) *apkzip.Archive {
	t.Helper()
	return openZipBytes(t, zipBytes(t, files...))
}

func zipBytes(t testing.TB, files ...zipFile) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for _, f := range files {
		m := zip.Deflate
		if f.stored {
			m = zip.Store
		}
		fw, err := w.CreateHeader(&zip.FileHeader{Name: f.name, Method: m})
		require.NoError(t, err)
		_, err = fw.Write(f.data)
		require.NoError(t, err)
	}
	require.NoError(t, w.Close())
	return buf.Bytes()
}

func openZipBytes(t testing.TB, b []byte) *apkzip.Archive {
	t.Helper()
	a, err := apkzip.Open(bytes.NewReader(b), int64(len(b)))
	require.NoError(t, err)
	return a
}

func labelledManifest(label, debuggable tAttr) []byte {
	return buildXML(minimalManifest(
		usesSDK(aInt("minSdkVersion", attrMinSdkVersion, 21)),
		el("application", []tAttr{label, debuggable},
			el("meta-data", []tAttr{aStr("name", attrName, "str.res"), aRef("value", attrValue, 0x7f010004)}),
		),
	), false)
}

func TestFromArchiveResolvesResources(t *testing.T) {
	xml := labelledManifest(aRef("label", attrLabel, 0x7f010003), aRef("debuggable", attrDebuggable, 0x7f020001))
	m, err := fromArchive(buildAPK(t,
		zipFile{name: ManifestEntry, data: xml},
		zipFile{name: apkentry.Resources, data: testTable(), stored: true},
	))
	require.NoError(t, err)
	assert.NoError(t, m.ResourcesErr)
	assert.Equal(t, "Hello", m.Label, "label reference followed through a second reference")
	assert.Equal(t, uint32(0x7f010003), m.LabelResource)
	assert.False(t, m.Debuggable, "debuggable resolves to false")
	assert.Equal(t, uint32(0x7f020001), m.DebuggableResource)
	assert.Equal(t, []MetaData{{Name: "str.res", Kind: MetaResource, Resource: 0x7f010004, String: "1.0-res"}}, m.MetaData)
}

func TestFromArchiveBrokenOrMissingTable(t *testing.T) {
	xml := labelledManifest(aRef("label", attrLabel, 0x7f010000), aRef("debuggable", attrDebuggable, 0x7f020001))
	tests := []struct {
		name  string
		files []zipFile
	}{
		{"no resources.arsc", []zipFile{{name: ManifestEntry, data: xml}}},
		{"garbage resources.arsc", []zipFile{{name: ManifestEntry, data: xml}, {name: apkentry.Resources, data: []byte("not a table")}}},
		{"cyclic label", []zipFile{{name: ManifestEntry, data: labelledManifest(aRef("label", attrLabel, 0x7f010001), aRef("debuggable", attrDebuggable, 0x7f020001))},
			{name: apkentry.Resources, data: testTable()}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := fromArchive(buildAPK(t, tc.files...))
			require.NoError(t, err, "a broken table is not a broken manifest")
			assert.Equal(t, "dev.apktrust.test", m.Package)
			assert.Equal(t, 21, m.MinSDK())
			assert.Empty(t, m.Label)
			assert.ErrorIs(t, m.ResourcesErr, CodeResources)
			if tc.name != "cyclic label" {
				assert.True(t, m.Debuggable, "an unreadable debuggable flag counts as set")
			}
		})
	}
}

func TestFromArchiveSkipsTableWhenNotNeeded(t *testing.T) {
	xml := buildXML(minimalManifest(el("application", []tAttr{aStr("label", attrLabel, "Literal")})), false)
	m, err := fromArchive(buildAPK(t,
		zipFile{name: ManifestEntry, data: xml},
		zipFile{name: apkentry.Resources, data: []byte("garbage never read")},
	))
	require.NoError(t, err)
	assert.Equal(t, "Literal", m.Label)
	assert.NoError(t, m.ResourcesErr, "nothing needed the table, so its damage is never seen")

	// A meta-data value that references a resource does need it.
	xml = labelledManifest(aStr("label", attrLabel, "Literal"), aBool("debuggable", attrDebuggable, false))
	m, err = fromArchive(buildAPK(t,
		zipFile{name: ManifestEntry, data: xml},
		zipFile{name: apkentry.Resources, data: []byte("garbage")},
	))
	require.NoError(t, err)
	assert.ErrorIs(t, m.ResourcesErr, CodeResources)
}

func TestFromArchiveErrors(t *testing.T) {
	xml := buildXML(minimalManifest(), false)
	big := make([]byte, apkentry.MaxManifestSize+1)
	tests := []struct {
		name    string
		archive func(t *testing.T) *apkzip.Archive
		code    Code
	}{
		{"no manifest", func(t *testing.T) *apkzip.Archive {
			return buildAPK(t, zipFile{name: "classes.dex", data: []byte("dex")})
		}, CodeMissing},
		{"manifest under another case", func(t *testing.T) *apkzip.Archive {
			return buildAPK(t, zipFile{name: "androidmanifest.xml", data: xml})
		}, CodeMissing},
		{"manifest behind a path that cleans to the name", func(t *testing.T) *apkzip.Archive {
			return buildAPK(t, zipFile{name: "res/../AndroidManifest.xml", data: xml})
		}, CodeMissing},
		{"manifest over the size limit", func(t *testing.T) *apkzip.Archive {
			return buildAPK(t, zipFile{name: ManifestEntry, data: big})
		}, CodeTooLarge},
		{"manifest with a bad CRC", func(t *testing.T) *apkzip.Archive {
			b := zipBytes(t, zipFile{name: ManifestEntry, data: xml, stored: true})
			i := bytes.Index(b, xml[len(xml)-8:])
			b[i] ^= 0xff
			return openZipBytes(t, b)
		}, CodeRead},
		{"manifest is not binary XML", func(t *testing.T) *apkzip.Archive {
			return buildAPK(t, zipFile{name: ManifestEntry, data: []byte(`<manifest package="x"/>`)})
		}, CodeNotBinaryXML},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := tc.archive(t)
			_, entryErr := readManifest(a.FS())
			m, err := fromArchive(a)
			assert.Nil(t, m)
			if tc.code != CodeNotBinaryXML {
				assert.ErrorIs(t, entryErr, tc.code, "ReadEntry fails the same way")
			}
			var fe *signer.Error
			require.True(t, errors.As(err, &fe), "%v", err)
			assert.Equal(t, tc.code, fe.Code, "%v", err)
			if tc.code == CodeRead {
				var ze *apkzip.FormatError
				assert.True(t, errors.As(err, &ze), "the container error is kept")
			}
		})
	}
}

// fromArchive parses an opened APK's manifest as apkverify does: through
// the archive's fs.FS view.
func fromArchive(a *apkzip.Archive) (*Manifest, error) { return ParseFS(a.FS()) }
