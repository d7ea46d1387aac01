package signer_test

import (
	"encoding/pem"
	"fmt"
	"os"

	"github.com/apktrust/apktrust/signer"
)

// A certificate is looked up among the known keys: your own entries first,
// then the built-in table (AOSP test keys, leaked platform keys), then the
// debug-certificate subject.
func ExampleKnownKeySet_Lookup() {
	own, err := signer.ParseKnownKeys([]byte(`{"format": "apktrust-known-keys/1", "keys": [
		{"certSha256": "24abac6cdc9fbdb266f14c2312da964c206954dcca18b457cdacb00befc6e7b5",
		 "name": "our retired CI key", "category": "test-key", "source": "ops ticket 1234, 2026-11"}]}`))
	if err != nil {
		panic(err)
	}
	set, err := signer.NewKnownKeySet(own, signer.BuiltinKnownKeys())
	if err != nil {
		panic(err)
	}
	for _, file := range []string{"../testdata/keys/rsa-a.x509.pem", "../testdata/knownkeys/aosp/testkey.x509.pem", "../testdata/knownkeys/android-debug.x509.pem", "../testdata/keys/rsa-b.x509.pem"} {
		b, _ := os.ReadFile(file)
		block, _ := pem.Decode(b)
		cert, err := signer.ParseCertificate(block.Bytes)
		if err != nil {
			panic(err)
		}
		if m, ok := set.Lookup(cert); ok {
			fmt.Printf("%s (%s, by %s)\n", m.Name, m.Category, m.MatchedBy)
		} else {
			fmt.Println("not a known key")
		}
	}
	// Output:
	// our retired CI key (test-key, by certificate)
	// AOSP testkey (test-key, by certificate)
	// Android debug certificate (debug, by subject)
	// not a known key
}
