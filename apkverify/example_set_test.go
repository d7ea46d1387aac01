package apkverify_test

import (
	"context"
	"fmt"
	"log"

	"github.com/apktrust/apktrust/apkverify"
)

// Verify the APKs of one install (a base and its splits, or one .apks /
// .xapk / .apkm bundle) together, pinned to the app's key.
func ExampleVerifySetFiles() {
	res, err := apkverify.VerifySetFiles(context.Background(), []string{"../testdata/sets/ok.xapk"}, apkverify.Options{
		Policy: &apkverify.Policy{TrustedCertSHA256: []string{fixtureKey}, Package: "com.apktrust.sets"},
	})
	if err != nil {
		log.Fatal(err) // unreadable, not a ZIP, invalid options...
	}
	fmt.Println(res.Layout, res.Package, res.VersionCode, "trusted:", res.Trusted)
	for _, apk := range res.APKs() {
		fmt.Printf("%s split=%q verified=%v\n", apk.File, apk.Split, apk.Result.Verified)
	}
	// A split signed by another key breaks the set.
	res, err = apkverify.VerifySetFiles(context.Background(),
		[]string{"../testdata/sets/base.apk", "../testdata/sets/config.de-b.apk"}, apkverify.Options{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("verified:", res.Verified, res.Errors[0].Code)
	// Output:
	// xapk com.apktrust.sets 7 trusted: true
	// com.apktrust.sets.apk split="" verified=true
	// config.de.apk split="config.de" verified=true
	// config.xxhdpi.apk split="config.xxhdpi" verified=true
	// verified: false SET_SIGNER_MISMATCH
}
