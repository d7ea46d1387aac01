package apkverify_test

import (
	"context"
	"fmt"
	"log"

	"github.com/apktrust/apktrust/apkverify"
)

// A release pipeline's two checks: the App Bundle is signed by the upload
// key and is the release meant; then the APK Google Play made from it is
// that release, signed by the app signing key.
func ExamplePolicy_sameReleaseAs() {
	const uploadKey = "dcd124c696963fd0f9bbe8a479b99a2640fd514953fc89f5fb02308ed27efe15" // testdata/keys rsa-b
	ctx := context.Background()
	bundle, err := apkverify.VerifyFile(ctx, "../testdata/aab/intact.aab", apkverify.Options{
		Policy: &apkverify.Policy{TrustedCertSHA256: []string{uploadKey}, Package: "dev.apktrust.fixture", MinVersionCode: 7},
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(bundle.Kind, "trusted:", bundle.Trusted, "upload key:", bundle.Signers[0].Scheme, bundle.Signers[0].Subject)

	apk, err := apkverify.VerifyFile(ctx, "../testdata/apk/min21-v123.apk", apkverify.Options{
		Policy: &apkverify.Policy{TrustedCertSHA256: []string{fixtureKey}, SameReleaseAs: bundle},
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("delivered APK trusted:", apk.Trusted, apk.Manifest.Package, apk.Manifest.VersionCode)
	// Output:
	// bundle trusted: true upload key: jar CN=apktrust test B,O=apktrust test keys
	// delivered APK trusted: true dev.apktrust.fixture 7
}
