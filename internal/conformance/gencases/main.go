// Command gencases writes testdata/apksig/cases.json, the project's own
// record of the facts of the apksig conformance corpus: for every case the
// file, the expectation, the issue codes, the SDK range, the signers and
// what apksigner answered. It leaves out the prose of the source (note,
// caveat) and replaces a precondition sentence with a short token, so the
// vendored file holds facts only.
//
// Usage, from the repository root:
//
//	go run ./internal/conformance/gencases [-src ../shared/conformance/apksig/cases.json] [-out testdata/apksig/cases.json]
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/apktrust/apktrust/internal/conformance"
)

// preconditions maps a phrase of each precondition sentence of the source
// to the token the vendored file keeps. An unknown sentence stops the
// generator rather than slip prose through.
var preconditions = []struct{ phrase, token string }{
	{"SHA1withDSA must accept a 2048-bit DSA key", "jca-sha1withdsa-2048"},
	{"SHA224withDSA must accept a 2048-bit DSA key", "jca-sha224withdsa-2048"},
	{"SHA256withRSA/PSS must be installed", "jca-rsa-pss-provider"},
	{"Conscrypt OpenSSLProvider", "conscrypt-provider-first"},
	{"Redundant length bytes found", "sun-certfactory-accepts-ber"},
}

func main() {
	src := flag.String("src", "../shared/conformance/apksig/cases.json", "cases.json of the apksig corpus, with prose")
	out := flag.String("out", "testdata/apksig/cases.json", "the facts-only file to write")
	flag.Parse()
	if err := run(*src, *out); err != nil {
		fmt.Fprintln(os.Stderr, "gencases:", err)
		os.Exit(1)
	}
}

func run(src, out string) error {
	b, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	var cases []conformance.Case
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields() // a new field of the source must be looked at, not dropped
	if err := dec.Decode(&cases); err != nil {
		return fmt.Errorf("%s: %w", src, err)
	}
	for i := range cases {
		c := &cases[i]
		c.Note, c.Caveat = "", nil
		if c.Precondition != nil {
			tok, err := preconditionToken(*c.Precondition)
			if err != nil {
				return fmt.Errorf("case %s: %w", c.ID, err)
			}
			c.Precondition = &tok
		}
	}
	enc, err := json.MarshalIndent(cases, "", " ")
	if err != nil {
		return err
	}
	return os.WriteFile(out, append(enc, '\n'), 0o644)
}

func preconditionToken(sentence string) (string, error) {
	for _, p := range preconditions {
		if strings.Contains(sentence, p.phrase) {
			return p.token, nil
		}
	}
	return "", fmt.Errorf("unknown precondition %q: add a token for it", sentence)
}
