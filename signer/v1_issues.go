package signer

import (
	"errors"
	"fmt"
)

// Issue codes of the v1 (JAR) signature scheme. Where AOSP apksig has an
// equivalent Issue, the code is that Issue's name, spelling included (the
// triple N of JAR_SIG_UNNNAMED_* is apksig's).
const (
	CodeJarNoManifest            = "JAR_SIG_NO_MANIFEST"
	CodeJarNoSignatures          = "JAR_SIG_NO_SIGNATURES"
	CodeJarMaxSignaturesExceeded = "JAR_SIG_MAX_SIGNATURES_EXCEEDED"
	// CodeJarDuplicateZipEntry is apksig's name for two entries with one
	// name; apkzip.Open already refuses such files (ZIP_DUPLICATE_ENTRY_NAME),
	// so VerifyV1 never reports it.
	CodeJarDuplicateZipEntry            = "JAR_SIG_DUPLICATE_ZIP_ENTRY"
	CodeJarUnnamedManifestSection       = "JAR_SIG_UNNNAMED_MANIFEST_SECTION"
	CodeJarDuplicateManifestSection     = "JAR_SIG_DUPLICATE_MANIFEST_SECTION"
	CodeJarMissingZipEntryReferenced    = "JAR_SIG_MISSING_ZIP_ENTRY_REFERENCED_IN_MANIFEST"
	CodeJarMissingFile                  = "JAR_SIG_MISSING_FILE"
	CodeJarParseException               = "JAR_SIG_PARSE_EXCEPTION"
	CodeJarNoSigners                    = "JAR_SIG_NO_SIGNERS"
	CodeJarVerifyException              = "JAR_SIG_VERIFY_EXCEPTION"
	CodeJarDidNotVerify                 = "JAR_SIG_DID_NOT_VERIFY"
	CodeJarUnsupportedSigAlg            = "JAR_SIG_UNSUPPORTED_SIG_ALG"
	CodeJarMissingVersionAttr           = "JAR_SIG_MISSING_VERSION_ATTR_IN_SIG_FILE"
	CodeJarNoApkSigStripProtection      = "JAR_SIG_NO_APK_SIG_STRIP_PROTECTION"
	CodeJarUnknownApkSigSchemeID        = "JAR_SIG_UNKNOWN_APK_SIG_SCHEME_ID"
	CodeJarMissingApkSigReferenced      = "JAR_SIG_MISSING_APK_SIG_REFERENCED"
	CodeJarNoManifestDigestInSigFile    = "JAR_SIG_NO_MANIFEST_DIGEST_IN_SIG_FILE"
	CodeJarManifestMainSectionDigest    = "JAR_SIG_MANIFEST_MAIN_SECTION_DIGEST_DID_NOT_VERIFY"
	CodeJarManifestSectionDigest        = "JAR_SIG_MANIFEST_SECTION_DIGEST_DID_NOT_VERIFY"
	CodeJarUnnamedSigFileSection        = "JAR_SIG_UNNNAMED_SIG_FILE_SECTION"
	CodeJarDuplicateSigFileSection      = "JAR_SIG_DUPLICATE_SIG_FILE_SECTION"
	CodeJarNoZipEntryDigestInSigFile    = "JAR_SIG_NO_ZIP_ENTRY_DIGEST_IN_SIG_FILE"
	CodeJarNoZipEntryDigestInManifest   = "JAR_SIG_NO_ZIP_ENTRY_DIGEST_IN_MANIFEST"
	CodeJarZipEntryNotSigned            = "JAR_SIG_ZIP_ENTRY_NOT_SIGNED"
	CodeJarZipEntrySignersMismatch      = "JAR_SIG_ZIP_ENTRY_SIGNERS_MISMATCH"
	CodeJarZipEntryDigestDidNotVerify   = "JAR_SIG_ZIP_ENTRY_DIGEST_DID_NOT_VERIFY"
	CodeJarNoSignedZipEntries           = "JAR_SIG_NO_SIGNED_ZIP_ENTRIES"
	CodeJarUnprotectedZipEntry          = "JAR_SIG_UNPROTECTED_ZIP_ENTRY"
	CodeJarFileTooLarge                 = "JAR_SIG_FILE_TOO_LARGE"
	CodeJarTooManySections              = "JAR_SIG_TOO_MANY_SECTIONS"
	CodeJarMalformedDigest              = "JAR_SIG_MALFORMED_DIGEST"
	CodeJarMalformedZipEntry            = "JAR_SIG_MALFORMED_ZIP_ENTRY"
	CodeJarCanceled                     = "JAR_SIG_CANCELED"
	CodeJarInvalidSDKRange              = "JAR_SIG_INVALID_SDK_RANGE"
	CodePKCS7Malformed                  = "PKCS7_MALFORMED"
	CodePKCS7UnsupportedContent         = "PKCS7_UNSUPPORTED_CONTENT_TYPE"
	CodePKCS7CertificateMalformed       = "PKCS7_CERTIFICATE_MALFORMED"
	CodePKCS7DuplicateSignedAttribute   = "PKCS7_DUPLICATE_SIGNED_ATTRIBUTE"
	CodePKCS7MultiValuedSignedAttribute = "PKCS7_MULTI_VALUED_SIGNED_ATTRIBUTE"
)

// V1Error is a problem found while parsing or verifying a JAR signature. It
// carries a stable Code (one of the Code* constants); errors.Is matches any
// V1Error with the same Code, so the sentinels below (and any
// &V1Error{Code: c}) can be used as targets.
type V1Error struct {
	Code string
	Msg  string
	Err  error
}

// Error returns "signer: CODE: message", with the cause when there is one.
func (e *V1Error) Error() string {
	s := "signer: " + e.Code
	if e.Msg != "" {
		s += ": " + e.Msg
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the underlying cause, if any.
func (e *V1Error) Unwrap() error { return e.Err }

// Is reports whether target is a V1Error with the same Code and no message,
// which is how the sentinels are built.
func (e *V1Error) Is(target error) bool {
	var t *V1Error
	if errors.As(target, &t) {
		return t.Code == e.Code && t.Msg == ""
	}
	return false
}

// Sentinels for errors.Is on the errors this package's v1 helpers return.
var (
	ErrJarNoManifest          = &V1Error{Code: CodeJarNoManifest}
	ErrJarFileTooLarge        = &V1Error{Code: CodeJarFileTooLarge}
	ErrJarTooManySections     = &V1Error{Code: CodeJarTooManySections}
	ErrPKCS7Malformed         = &V1Error{Code: CodePKCS7Malformed}
	ErrPKCS7UnsupportedType   = &V1Error{Code: CodePKCS7UnsupportedContent}
	ErrPKCS7CertificateFormat = &V1Error{Code: CodePKCS7CertificateMalformed}
)

func v1Errorf(code, format string, args ...any) *V1Error {
	return &V1Error{Code: code, Msg: fmt.Sprintf(format, args...)}
}
