package signer_test

import (
	"fmt"
	"os"

	"github.com/apktrust/apktrust/signer"
)

// ExampleParseLineageFile reads a lineage written by apksigner rotate and
// lists its certificates with the capabilities each one keeps.
func ExampleParseLineageFile() {
	b, err := os.ReadFile("../testdata/lineage/rsa-a_to_rsa-b.lineage")
	if err != nil {
		fmt.Println(err)
		return
	}
	l, err := signer.ParseLineageFile(b)
	if err != nil {
		fmt.Println(err)
		return
	}
	for i, n := range l.Nodes {
		fmt.Println(i, n.Certificate.Subject, signer.CapabilityNames(n.Flags))
	}
	// Output:
	// 0 CN=apktrust test A,O=apktrust test keys [installedData sharedUid permission auth]
	// 1 CN=apktrust test B,O=apktrust test keys [installedData sharedUid permission auth]
}
