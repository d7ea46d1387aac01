package signer_test

import (
	"fmt"
	"os"

	"github.com/apktrust/apktrust/internal/apkzip"
	"github.com/apktrust/apktrust/signer"
)

// A backend telling "our build, delivered by Google Play" from "our build,
// re-packaged or sideloaded" checks the source stamp and the frosting
// next to the app's own signatures. The stamp's manifest markers (Source,
// Type) are printed only once the stamp verified with the Play stamp
// certificate: on their own they prove nothing.
func ExampleVerifySourceStamp() {
	f, err := os.Open("../../shared/realworld/play-reasily-base.apk")
	if err != nil {
		return // the real-world corpus is not part of the repository
	}
	defer f.Close()
	st, _ := f.Stat()
	a, err := apkzip.Open(f, st.Size())
	if err != nil {
		fmt.Println(err)
		return
	}
	// Without verified scheme results at hand, read the digests from the
	// signing block (apksig's SourceStampVerifier); package apkverify
	// passes StampDigestsFromSchemes of the verified schemes instead.
	digests, _, err := signer.SourceStampDigests(a, 30, signer.MaxSDK)
	if err != nil {
		fmt.Println(err)
		return
	}
	stamp := signer.VerifySourceStamp(a, digests, signer.SourceStampOptions{MinSDK: 30})
	if stamp.TrustedBy(signer.PlayStoreStampCertSHA256) {
		fmt.Println("stamped by Google Play:", stamp.Type)
	}
	frosting := signer.VerifyFrosting(a, nil)
	fmt.Println("frosting verified:", frosting.Verified)
}
