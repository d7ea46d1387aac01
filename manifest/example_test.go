package manifest_test

import (
	"archive/zip"
	"errors"
	"fmt"
	"io"
	"os"
	"testing/fstest"

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

// ExampleParseAPK reads the manifest straight from an APK file: only the
// ZIP's central directory and the entries needed are read, and
// resources.arsc only when a value refers to a resource.
func ExampleParseAPK() {
	f, err := os.Open("../testdata/apk/min21-v123.apk")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		fmt.Println(err)
		return
	}
	m, err := manifest.ParseAPK(f, st.Size())
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(m.Package, m.LongVersionCode, m.VersionName)
	fmt.Println("minSdk", m.MinSDK(), "targetSdk", m.TargetSDK())
	// Output:
	// dev.apktrust.fixture 7 1.2.3
	// minSdk 21 targetSdk 29
}

// ExampleParseFS reads the manifest from any fs.FS holding an APK's
// entries: here archive/zip's reader; an unpacked APK in os.DirFS works
// the same way. A missing manifest is CodeMissing.
func ExampleParseFS() {
	zr, err := zip.OpenReader("../testdata/apk/min21-v123.apk")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer zr.Close()
	m, err := manifest.ParseFS(zr)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(m.Package, "minSdk", m.MinSDK())

	_, err = manifest.ParseFS(fstest.MapFS{})
	fmt.Println(errors.Is(err, manifest.CodeMissing))
	// Output:
	// dev.apktrust.fixture minSdk 21
	// true
}
