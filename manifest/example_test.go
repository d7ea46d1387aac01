package manifest_test

import (
	"archive/zip"
	"fmt"
	"io"

	"github.com/apktrust/apktrust/manifest"
)

// ExampleParse decodes the binary AndroidManifest.xml of an APK. Attributes
// are found by resource ID, as Android finds them, so obfuscated attribute
// names change nothing.
func ExampleParse() {
	zr, err := zip.OpenReader("../testdata/apk/min21-attrnames-garbage-v123.apk")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer zr.Close()
	f, err := zr.Open("AndroidManifest.xml")
	if err != nil {
		fmt.Println(err)
		return
	}
	b, err := io.ReadAll(io.LimitReader(f, 8<<20))
	f.Close()
	if err != nil {
		fmt.Println(err)
		return
	}
	m, err := manifest.Parse(b)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(m.Package, m.LongVersionCode, m.VersionName)
	fmt.Println("minSdk", m.MinSDK(), "targetSdk", m.TargetSDK(), "debuggable", m.Debuggable)
	// Output:
	// dev.apktrust.fixture 7 1.2.3
	// minSdk 21 targetSdk 29 debuggable false
}
