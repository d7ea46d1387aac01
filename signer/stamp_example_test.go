package signer_test

import (
	"context"
	"fmt"
	"log"

	"github.com/apktrust/apktrust/apkverify"
)

// A backend telling "our build, delivered by our store" from "our build,
// re-packaged or sideloaded" checks the source stamp next to the app's own
// signatures. apkverify.Verify checks the stamp over the digests of the
// schemes it verified; TrustedBy then names the distributor. The stamp's
// manifest markers (Source, Type) prove nothing until the stamp verified
// with a trusted stamp certificate.
func ExampleSourceStampResult_TrustedBy() {
	// The fixture is stamped with testdata/keys rsa-c, standing in for a
	// store's stamp key; Google Play's is apkverify.PlayStoreStampCertSHA256.
	const storeStampKey = "8c7f3a7cf8b2ff22168ee1721d026f889659f38d86679b0059eb3f6e53252597"
	res, err := apkverify.VerifyFile(context.Background(), "../testdata/apk/evidence-min21-v1234-stamp.apk", apkverify.Options{})
	if err != nil {
		log.Fatal(err)
	}
	stamp := res.SourceStamp
	fmt.Println("stamp:", stamp.Status, stamp.Certificate.Subject)
	fmt.Println("stamped by our store:", stamp.TrustedBy(storeStampKey))
	fmt.Println("stamped by Google Play:", stamp.TrustedBy(apkverify.PlayStoreStampCertSHA256))
	// Output:
	// stamp: STAMP_VERIFIED CN=apktrust test C,O=apktrust test keys
	// stamped by our store: true
	// stamped by Google Play: false
}
