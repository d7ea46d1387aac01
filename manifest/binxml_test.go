package manifest

import (
	"bytes"
	"encoding/binary"
	"runtime"
	"testing"

	ab "github.com/shogo82148/androidbinary"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// abManifest is what androidbinary's XMLFile.Decode can fill: it matches
// attributes by their name string.
type abManifest struct {
	Package string `xml:"package,attr"`
	UsesSDK struct {
		Min ab.Int32 `xml:"http://schemas.android.com/apk/res/android minSdkVersion,attr"`
	} `xml:"uses-sdk"`
}

// The reasons binxml.go does not hand the manifest to androidbinary's
// XMLFile, each shown on input it cannot handle while Parse can.
func TestAndroidbinaryXMLFileLimits(t *testing.T) {
	decode := func(b []byte) (abManifest, error) {
		var m abManifest
		f, err := ab.NewXMLFile(bytes.NewReader(b))
		if err != nil {
			return m, err
		}
		err = f.Decode(&m, nil, nil)
		return m, err
	}

	t.Run("stripped attribute names", func(t *testing.T) {
		doc := minimalManifest(usesSDK(tAttr{name: "", id: attrMinSdkVersion, typ: 0x10, data: 21, noRaw: true}))
		b := buildXML(doc, false)
		m, err := decode(b)
		var v int32
		if err == nil {
			v, err = m.UsesSDK.Min.Int32()
		}
		assert.True(t, err != nil || v != 21, "androidbinary cannot find minSdkVersion without its name (got %d, %v)", v, err)

		pm, err := Parse(b)
		require.NoError(t, err)
		assert.Equal(t, 21, pm.MinSDK())
	})

	t.Run("forged name shadows the real attribute", func(t *testing.T) {
		forged := tAttr{name: "minSdkVersion", typ: 0x10, data: 1, noRaw: true} // no resource ID
		real := tAttr{name: "x", id: attrMinSdkVersion, typ: 0x10, data: 28, noRaw: true}
		b := buildXML(minimalManifest(usesSDK(forged, real)), false)
		m, err := decode(b)
		require.NoError(t, err)
		v, err := m.UsesSDK.Min.Int32()
		require.NoError(t, err)
		assert.Equal(t, int32(1), v, "androidbinary reads the forged attribute")

		pm, err := Parse(b)
		require.NoError(t, err)
		assert.Equal(t, 28, pm.MinSDK(), "Android (and Parse) use the resource ID")
	})

	t.Run("string count larger than the pool", func(t *testing.T) {
		b := buildXML(minimalManifest(), false)
		// A claim of 2^22 strings: androidbinary allocates 4 bytes per
		// claimed string before it notices they are not there.
		binary.LittleEndian.PutUint32(b[8+8:], 1<<22)
		allocated := func(f func()) uint64 {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			f()
			runtime.ReadMemStats(&after)
			return after.TotalAlloc - before.TotalAlloc
		}
		abBytes := allocated(func() { _, _ = ab.NewXMLFile(bytes.NewReader(b)) })
		var err error
		ourBytes := allocated(func() { _, err = Parse(b) })
		assert.ErrorIs(t, err, CodeMalformed)
		assert.GreaterOrEqual(t, abBytes, uint64(16<<20), "androidbinary allocates the claimed count")
		assert.Less(t, ourBytes, uint64(64<<10), "Parse checks the count against the bytes first")
	})
}
