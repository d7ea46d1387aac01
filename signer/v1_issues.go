package signer

import (
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
	// name; opening the APK already refuses such files (ZIP_DUPLICATE_ENTRY_NAME),
	// so the v1 verifier never reports it.
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
	CodeJarTooManySignatureBlocks       = "JAR_SIG_TOO_MANY_SIGNATURE_BLOCKS"
	CodeJarTooManySignerInfos           = "JAR_SIG_TOO_MANY_SIGNER_INFOS"
	CodeJarTooManyCertificates          = "JAR_SIG_TOO_MANY_CERTIFICATES"
	CodeJarInflateLimitExceeded         = "JAR_SIG_INFLATE_LIMIT_EXCEEDED"
	CodePKCS7Malformed                  = "PKCS7_MALFORMED"
	CodePKCS7UnsupportedContent         = "PKCS7_UNSUPPORTED_CONTENT_TYPE"
	CodePKCS7CertificateMalformed       = "PKCS7_CERTIFICATE_MALFORMED"
	CodePKCS7DuplicateSignedAttribute   = "PKCS7_DUPLICATE_SIGNED_ATTRIBUTE"
	CodePKCS7MultiValuedSignedAttribute = "PKCS7_MULTI_VALUED_SIGNED_ATTRIBUTE"
	// CodePKCS7BERSignedAttributes: signed attributes in BER (indefinite
	// or non-minimal lengths) on a range reaching below Android 7.0.
	CodePKCS7BERSignedAttributes = "PKCS7_BER_SIGNED_ATTRIBUTES"
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

func v1Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Msg: fmt.Sprintf(format, args...)}
}
