package signer

import (
	"fmt"
)

// Sentinels for errors.Is on the errors of the v1 verifier's parsers.
var (
	ErrJarNoManifest          = &Error{Code: CodeJarNoManifest}
	ErrJarFileTooLarge        = &Error{Code: CodeJarFileTooLarge}
	ErrJarTooManySections     = &Error{Code: CodeJarTooManySections}
	ErrPKCS7Malformed         = &Error{Code: CodePKCS7Malformed}
	ErrPKCS7UnsupportedType   = &Error{Code: CodePKCS7UnsupportedContent}
	ErrPKCS7CertificateFormat = &Error{Code: CodePKCS7CertificateMalformed}
)

func v1Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Msg: fmt.Sprintf(format, args...)}
}
