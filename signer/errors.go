package signer

import (
	"fmt"
	"strings"
)

// Error is an input that was refused: a malformed APK container, signing
// block, certificate, lineage, JAR manifest or signature file, PKCS #7
// block, v4 signature file, frosting block, AndroidManifest.xml or
// known-keys file, or options that cannot be used. It is the one error
// type for refused input of this module: apkverify's entry points
// (Verify, VerifyFile, VerifySet..., VerifyBundle), manifest's parsers
// (Parse, ParseAPK, ParseFS) and this package's (ParseCertificate,
// ParseLineage, ParseLineageFile, ParseKnownKeys) return it, so
// errors.As(err, &e) with e a *Error gives the Code from every one of
// them.
//
// Code is stable and machine-readable: one of the constants of this
// package, of manifest or of apkverify. errors.Is(err, code) is true for
// an Error with that Code (there is no second, sentinel name for a
// code). errors.Is(err, Kind) is true too:
// apkverify sets Kind to its ErrNotAPK, ErrManifest, ErrIO or
// ErrInvalidOptions (or the context's error) so that callers can test
// the class of a refusal without listing codes.
type Error struct {
	Code Code
	// Kind is the class of the refusal at apkverify's entry points, nil
	// elsewhere.
	Kind error
	Msg  string
	// Entry is the ZIP entry concerned, "" when not about one.
	Entry string
	// Offset is the byte offset of the problem in the input (the file,
	// or the document parsed, such as AndroidManifest.xml), 0 when
	// unknown.
	Offset int64
	// Node is the 1-based lineage node concerned, 0 when not about one.
	Node int
	// Err is the underlying cause (an I/O, container or certificate
	// error), if any.
	Err error
}

// Error returns "CODE[: node #N][: message][ (entry "NAME")][ (offset
// N)][: cause]": the code names the problem, so no package name precedes
// it. The cause is left out when it names the same code: it is then the
// same problem in the words of the layer that found it.
func (e *Error) Error() string {
	s := string(e.Code)
	if e.Node > 0 {
		s += fmt.Sprintf(": node #%d", e.Node)
	}
	if e.Msg != "" {
		s += ": " + e.Msg
	}
	if e.Entry != "" {
		s += fmt.Sprintf(" (entry %q)", e.Entry)
	}
	if e.Offset > 0 {
		s += fmt.Sprintf(" (offset %d)", e.Offset)
	}
	if e.Err != nil && !strings.Contains(e.Err.Error(), string(e.Code)) {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the underlying cause, if any.
func (e *Error) Unwrap() error { return e.Err }

// Is reports whether target is e's Code or e's Kind.
func (e *Error) Is(target error) bool {
	if c, ok := target.(Code); ok {
		return c == e.Code
	}
	return e.Kind != nil && target == e.Kind
}
