package apkverify

import (
	"errors"

	"github.com/apktrust/apktrust/internal/apkzip"
	"github.com/apktrust/apktrust/internal/bundle"
	"github.com/apktrust/apktrust/signer"
)

// ErrBundle matches the Error Verify returns for a bundle of APKs, for
// errors.Is: verify it with VerifyBundle or VerifySetFiles instead.
var ErrBundle = errors.New("apkverify: a bundle of APKs (an install set), not a single APK")

// sniffContainer recognises, by content, archives that are not a single
// APK although they are ZIPs, so they get a precise error rather than a
// missing manifest.
func sniffContainer(a *apkzip.Archive) error {
	if bundle.Detect(a) {
		return &signer.Error{Kind: ErrBundle, Code: CodeBundle,
			Msg: "the file is a bundle of APKs (.apks, .xapk or .apkm): no top-level AndroidManifest.xml, APK entries inside; verify it as a set (VerifyBundle, verify --set)"}
	}
	return nil
}
