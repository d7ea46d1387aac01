package apkverify_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"os"

	"github.com/apktrust/apktrust/apkverify"
	"github.com/apktrust/apktrust/signer"
)

// The SHA-256 of the test key that signs the fixtures (testdata/keys,
// rsa-a). For a Play app, use the "App signing key certificate" SHA-256
// from the Play Console.
const fixtureKey = "24abac6cdc9fbdb266f14c2312da964c206954dcca18b457cdacb00befc6e7b5"

// Verify a file the way Android would, for every version it installs on,
// and see which key signs for which versions.
func ExampleVerifyFile() {
	res, err := apkverify.VerifyFile(context.Background(), "../testdata/apk/min21-v123.apk", apkverify.Options{})
	if err != nil {
		log.Fatal(err) // not an APK, unreadable...
	}
	fmt.Println("verified:", res.Verified)
	fmt.Printf("schemes: %+v\n", res.Schemes)
	for _, s := range res.Signers {
		fmt.Printf("API %d-%d: %s signed by %s\n", s.MinSDK, s.MaxSDK, s.Scheme, s.Subject)
	}
	// Output:
	// verified: true
	// schemes: {V1:true V2:true V3:true V31:false V4:false}
	// API 21-23: v1 signed by CN=apktrust test A,O=apktrust test keys
	// API 24-27: v2 signed by CN=apktrust test A,O=apktrust test keys
	// API 28-2147483647: v3 signed by CN=apktrust test A,O=apktrust test keys
}

// Decide whether a file is an authentic release of the app: signed by the
// official key, with the right package, not a debug build.
func ExampleVerifyFile_policy() {
	res, err := apkverify.VerifyFile(context.Background(), "../testdata/apk/debuggable-v123.apk", apkverify.Options{
		Policy: &apkverify.Policy{
			TrustedCertSHA256: []string{fixtureKey},
			Package:           "dev.apktrust.fixture",
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("verified:", res.Verified, "trusted:", res.Trusted)
	for _, v := range res.Policy.Violations {
		fmt.Println(v.Code)
	}
	// Output:
	// verified: true trusted: false
	// POLICY_DEBUGGABLE
}

// Require evidence of delivery by Google Play on top of the signing key:
// a verified source stamp by Play's stamp certificate and verified Play
// frosting. A fixture built outside Play has neither.
func ExampleVerifyFile_playDelivery() {
	res, err := apkverify.VerifyFile(context.Background(), "../testdata/apk/min21-v123.apk", apkverify.Options{
		Policy: &apkverify.Policy{
			TrustedCertSHA256:      []string{fixtureKey},
			RequireSourceStamp:     true,
			TrustedStampCertSHA256: []string{apkverify.PlayStoreStampCertSHA256},
			RequireFrosting:        true,
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("verified:", res.Verified, "trusted:", res.Trusted)
	fmt.Println("stamp present:", res.SourceStamp.Present, "frosting present:", res.Frosting.Present)
	for _, v := range res.Policy.Violations {
		fmt.Println(v.Code)
	}
	// Output:
	// verified: true trusted: false
	// stamp present: false frosting present: false
	// POLICY_SOURCE_STAMP_MISSING
	// POLICY_FROSTING_MISSING
}

// Key rotation: a file whose v3 signer rotated from the pinned key is
// trusted through its proof-of-rotation.
func ExampleVerifyFile_rotation() {
	res, err := apkverify.VerifyFile(context.Background(), "../testdata/apk/min21-v123-rot-ab.apk", apkverify.Options{
		Policy: &apkverify.Policy{TrustedCertSHA256: []string{fixtureKey}},
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("trusted:", res.Trusted)
	for _, n := range res.Lineage {
		fmt.Println("lineage:", n.Subject, n.Capabilities)
	}
	// Output:
	// trusted: true
	// lineage: CN=apktrust test A,O=apktrust test keys [installedData sharedUid permission auth]
	// lineage: CN=apktrust test B,O=apktrust test keys [installedData sharedUid permission auth]
}

// Result.Err turns a verdict into an error for callers that only want a
// yes or no, while errors.Is still tells the reasons apart.
func ExampleResult_Err() {
	res, err := apkverify.VerifyFile(context.Background(), "../testdata/apk/tamper-v2-stripped.apk", apkverify.Options{
		Policy: &apkverify.Policy{TrustedCertSHA256: []string{fixtureKey}},
	})
	if err != nil {
		log.Fatal(err)
	}
	err = res.Err()
	fmt.Println(errors.Is(err, apkverify.ErrNotVerified), errors.Is(err, apkverify.ErrUntrusted))
	var ve *apkverify.VerificationError
	if errors.As(err, &ve) {
		fmt.Println(ve.Result.Errors[0].Code)
	}
	// Output:
	// true true
	// JAR_SIG_MISSING_APK_SIG_REFERENCED
}

// Files Android would not even parse are refused with a *signer.Error:
// errors.Is tells the class (a Kind such as ErrNotAPK) or the exact code,
// errors.As gives the details.
func Example_refusedInput() {
	_, err := apkverify.VerifyFile(context.Background(), "../testdata/apk/tamper-duplicate-entry.apk", apkverify.Options{})
	fmt.Println(errors.Is(err, apkverify.ErrNotAPK), errors.Is(err, signer.CodeZipDuplicateEntry))
	var se *signer.Error
	if errors.As(err, &se) {
		fmt.Println(se.Code, se.Entry)
	}
	// Output:
	// true true
	// ZIP_DUPLICATE_ENTRY_NAME assets/hello.txt
}

// The Result encodes to JSON with stable field names (the verify CLI's
// --json output).
func ExampleResult_MarshalJSON() {
	res, err := apkverify.VerifyFile(context.Background(), "../testdata/apk/min28-v123.apk", apkverify.Options{})
	if err != nil {
		log.Fatal(err)
	}
	// Keep the example short: only a few of the fields.
	b, _ := json.Marshal(res)
	var m struct {
		Verified bool            `json:"verified"`
		Schemes  map[string]bool `json:"schemes"`
		Signers  []struct {
			Scheme string `json:"scheme"`
			MinSDK int    `json:"minSdk"`
		} `json:"signers"`
	}
	_ = json.Unmarshal(b, &m)
	out, _ := json.Marshal(m)
	os.Stdout.Write(append(out, '\n'))
	// Output:
	// {"verified":true,"schemes":{"v1":false,"v2":false,"v3":true,"v31":false,"v4":false},"signers":[{"scheme":"v3","minSdk":28}]}
}
