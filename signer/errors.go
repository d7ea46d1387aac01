package signer

import (
	"errors"
	"fmt"
)

// Error is an input this package refused: a malformed signing block,
// certificate, lineage, JAR manifest or signature file, PKCS #7 block, v4
// signature file or frosting block. Code is stable and machine-readable
// (the constants of each area: CodeBlock..., CodeCert..., CodeLineage...,
// CodeJar..., V4Code..., FrostingCode...).
//
// The exported Err... sentinels carry only a Code, and errors.Is matches
// every Error with that Code, so callers can test for a class of problem
// without caring about the details.
type Error struct {
	Code Code
	Msg  string
	// Node is the 1-based lineage node concerned, 0 when not about one.
	Node int
	// Err is the underlying cause (an I/O or certificate error), if any.
	Err error
}

// Error returns "signer: CODE: [node #N: ]message[: cause]".
func (e *Error) Error() string {
	s := "signer: " + string(e.Code)
	if e.Node > 0 {
		s += fmt.Sprintf(": node #%d", e.Node)
	}
	if e.Msg != "" {
		s += ": " + e.Msg
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the underlying cause, if any.
func (e *Error) Unwrap() error { return e.Err }

// Is reports whether target is e's Code, or a sentinel (an Error with
// only a Code) with the same Code.
func (e *Error) Is(target error) bool {
	if c, ok := target.(Code); ok {
		return c == e.Code
	}
	var t *Error
	return errors.As(target, &t) && t.Code == e.Code && t.Msg == "" && t.Node == 0 && t.Err == nil
}

// Sentinels for errors.Is.
var (
	ErrDigestIO               = &Error{Code: CodeDigestIO}
	ErrDigestVerityUnaligned  = &Error{Code: CodeDigestVerityUnaligned}
	ErrDigestUnknownAlgorithm = &Error{Code: CodeDigestUnknownAlgorithm}
	ErrDigestTooLarge         = &Error{Code: CodeDigestTooLarge}
)

// ErrDigestFileChanged is the sentinel of CodeDigestFileChanged for
// errors.Is.
var ErrDigestFileChanged = &Error{Code: CodeDigestFileChanged}

// ErrJarWeakDigest matches (errors.Is) the weak-digest errors of that JAR
// verification.
var ErrJarWeakDigest = &Error{Code: CodeJarWeakDigest}
