package main

import (
	"fmt"
	"io"

	"github.com/apktrust/apktrust/signer"
)

// printBinding says, under a verified stamp or frosting, whether it binds
// the signers Android uses: evidence that does not is not proof that the
// file, signed as it is, was delivered that way.
func printBinding(w io.Writer, b *signer.EvidenceBinding) {
	if b == nil {
		return
	}
	if b.Binds {
		fmt.Fprintln(w, "                   binds the signers Android uses: yes")
		return
	}
	fmt.Fprintf(w, "                   binds the signers Android uses: no (it covers %s)\n", b.Covers)
}
