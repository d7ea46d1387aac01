// Command mkaab makes the App Bundle fixtures of testdata/make-aab.sh:
// unsigned bundles built by package aabgen, and the shapes a bundle takes
// when someone edits it after signing.
//
//	mkaab build base|feature|debuggable-feature OUT
//	mkaab change IN OUT NAME    replace NAME's content
//	mkaab add IN OUT NAME       add an entry NAME
//	mkaab remove IN OUT NAME    drop the entry NAME
package main

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/apktrust/apktrust/internal/aabgen"
)

const usage = `usage:
  mkaab build base|feature|debuggable-feature OUT
  mkaab change IN OUT NAME
  mkaab add IN OUT NAME
  mkaab remove IN OUT NAME`

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "mkaab:", err)
		os.Exit(1)
	}
}

// The fixtures' app: the package and version of the APK fixtures
// (testdata/apk), so they stand for the APKs Play makes from the bundle.
var base = aabgen.Manifest{Package: "dev.apktrust.fixture", VersionCode: 7, VersionName: "1.2.3",
	MinSDK: 24, TargetSDK: 34, Label: "apktrust fixture"}

func run(args []string) error {
	switch {
	case len(args) == 3 && args[0] == "build":
		feature := aabgen.Manifest{Package: base.Package, VersionCode: base.VersionCode, Split: "extras"}
		var files []aabgen.File
		switch args[1] {
		case "base":
			files = aabgen.Bundle(base)
		case "feature":
			files = aabgen.Bundle(base, feature)
		case "debuggable-feature":
			t := true
			feature.Debuggable = &t
			files = aabgen.Bundle(base, feature)
		default:
			return fmt.Errorf("unknown bundle %q\n%s", args[1], usage)
		}
		return write(args[2], func(w io.Writer) error { return aabgen.WriteZip(w, files) })
	case len(args) == 4 && (args[0] == "change" || args[0] == "add" || args[0] == "remove"):
		return edit(args[0], args[1], args[2], args[3])
	}
	return fmt.Errorf("%s", usage)
}

func write(path string, f func(io.Writer) error) error {
	var buf bytes.Buffer
	if err := f(&buf); err != nil {
		return err
	}
	return os.WriteFile(path, buf.Bytes(), 0o644)
}

// edit copies every entry of in unchanged (compressed bytes and all)
// except NAME, which is replaced, dropped, or added at the end.
func edit(op, in, out, name string) error {
	r, err := zip.OpenReader(in)
	if err != nil {
		return err
	}
	defer r.Close()
	found := false
	err = write(out, func(w io.Writer) error {
		zw := zip.NewWriter(w)
		for _, f := range r.File {
			if f.Name != name {
				if err := zw.Copy(f); err != nil {
					return err
				}
				continue
			}
			found = true
			switch op {
			case "remove":
				continue
			case "add":
				return fmt.Errorf("%s already exists", name)
			}
			fw, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: f.Method, Modified: f.Modified})
			if err != nil {
				return err
			}
			if _, err := io.WriteString(fw, "changed after signing\n"); err != nil {
				return err
			}
		}
		if op == "add" {
			found = true
			fw, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)})
			if err != nil {
				return err
			}
			if _, err := io.WriteString(fw, "added after signing\n"); err != nil {
				return err
			}
		}
		return zw.Close()
	})
	if err == nil && !found {
		err = fmt.Errorf("%s has no entry %s", in, name)
	}
	return err
}
