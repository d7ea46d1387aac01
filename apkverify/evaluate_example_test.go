package apkverify_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"os"

	"github.com/apktrust/apktrust/apkverify"
)

// Verify reads the file through an io.ReaderAt (an *os.File, a
// *bytes.Reader, an object in storage) without loading it whole.
func ExampleVerify() {
	f, err := os.Open("../testdata/apk/min21-v123-rot-ab.apk")
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		log.Fatal(err)
	}
	res, err := apkverify.Verify(context.Background(), f, st.Size(), apkverify.Options{MinSDK: 24})
	if err != nil {
		log.Fatal(err) // not an APK, unreadable, invalid options...
	}
	fmt.Println("verified:", res.Verified, "no policy asked:", res.Policy == nil)
	for _, s := range res.Signers {
		fmt.Printf("%s from API %d: %s (rotated: %v)\n", s.Scheme, s.MinSDK, s.Subject, s.Rotated)
	}
	// Output:
	// verified: true no policy asked: true
	// v2 from API 24: CN=apktrust test A,O=apktrust test keys (rotated: false)
	// v3 from API 28: CN=apktrust test B,O=apktrust test keys (rotated: true)
}

// A result stored as JSON is judged again later, under the policy of the
// day, with the verdict Verify would give: the JSON keeps the
// certificates and the proof-of-rotation.
func ExamplePolicy_Evaluate() {
	res, err := apkverify.VerifyFile(context.Background(), "../testdata/apk/min21-v123-rot-ab.apk", apkverify.Options{})
	if err != nil {
		log.Fatal(err)
	}
	stored, err := json.Marshal(res) // e.g. kept in a database
	if err != nil {
		log.Fatal(err)
	}

	var back apkverify.Result
	if err := json.Unmarshal(stored, &back); err != nil {
		log.Fatal(err)
	}
	policy := apkverify.Policy{TrustedCertSHA256: []string{fixtureKey}, Package: "dev.apktrust.fixture"}
	if err := policy.Validate(); err != nil {
		log.Fatal(err) // a typo in a fingerprint, an unknown scheme...
	}
	pr := policy.Evaluate(&back)
	fmt.Println("trusted:", pr.Trusted(), "by", pr.TrustedSigner[:16])

	// A stricter policy later: this build is now too old.
	policy.MinVersionCode = 8
	for _, v := range policy.Evaluate(&back).Violations {
		fmt.Println(v.Code)
	}
	// Output:
	// trusted: true by dcd124c696963fd0
	// POLICY_VERSION_TOO_LOW
}

// Validate checks a Policy once, before any file is read, for example at
// a service's start.
func ExamplePolicy_Validate() {
	p := apkverify.Policy{TrustedCertSHA256: []string{"24:AB:AC:6C"}}
	fmt.Println(p.Validate())
	// Output:
	// INVALID_OPTIONS: trusted certificate "24:AB:AC:6C" is not a SHA-256 fingerprint (64 hex digits)
}
