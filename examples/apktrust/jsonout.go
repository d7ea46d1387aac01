package main

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"unicode/utf8"

	"github.com/apktrust/apktrust/apkverify"
	"github.com/apktrust/apktrust/signer"
)

// envelope is what --json adds to every object: the tool that wrote it,
// the verdict of the first human line, and the file name's bytes in hex
// when they are not valid UTF-8 (JSON replaces such bytes).
type envelope struct {
	Tool    toolJSON `json:"tool"`
	Verdict string   `json:"verdict"`
	FileHex string   `json:"fileHex,omitempty"`
}

// errorJSON is what --json prints for an input that was refused before a
// Result existed, or could not be read.
type errorJSON struct {
	File     string `json:"file"`
	Verified bool   `json:"verified"`
	// Trusted is false when a policy was given (the input cannot be
	// trusted), absent otherwise, as in a Result.
	Trusted *bool       `json:"trusted,omitempty"`
	Error   errorDetail `json:"error"`
}

type errorDetail struct {
	Code    string `json:"code"`
	Kind    string `json:"kind"`
	Message string `json:"message"`
}

// printJSON prints one object on one line (indented with --pretty): the
// Result's own encoding, or errorJSON, with the envelope's fields first.
func (c *config) printJSON(o *outcome) {
	env := envelope{Tool: tool(), Verdict: verdictText[c.verdictOf(o)].json}
	if !utf8.ValidString(o.in.name) {
		env.FileHex = hex.EncodeToString([]byte(o.in.name))
	}
	var trusted *bool
	if c.opts.Policy != nil {
		trusted = new(bool)
	}
	var body any
	switch {
	case o.in.readErr != nil:
		body = errorJSON{File: o.in.name, Trusted: trusted, Error: errorDetail{Code: string(signer.CodeIO), Kind: "io", Message: o.in.readErr.Error()}}
	case o.err != nil:
		body = errorJSON{File: o.in.name, Trusted: trusted, Error: errorDetail{Code: errCode(o.err), Kind: apkverify.KindName(o.err), Message: errMessage(o.err)}}
	default:
		body = o.res
	}
	c.writeJSON(env, body)
}

// writeJSON prints the envelope's and the body's fields as one object.
func (c *config) writeJSON(env envelope, body any) {
	b, err := merge(env, body)
	if err != nil {
		fmt.Fprintf(c.stderr, "%s: encoding JSON: %v\n", progName, err)
		return
	}
	if c.pretty {
		var buf bytes.Buffer
		if json.Indent(&buf, b, "", "  ") == nil {
			b = buf.Bytes()
		}
	}
	c.stdout.Write(append(b, '\n'))
}

// merge encodes both objects as one: a's fields, then b's.
func merge(a, b any) ([]byte, error) {
	ja, err := json.Marshal(a)
	if err != nil {
		return nil, err
	}
	jb, err := json.Marshal(b)
	if err != nil {
		return nil, err
	}
	if len(jb) < 2 || jb[0] != '{' {
		return nil, fmt.Errorf("not an object: %.20s", jb)
	}
	if string(jb) == "{}" {
		return ja, nil
	}
	return append(append(ja[:len(ja)-1:len(ja)-1], ','), jb[1:]...), nil
}
