package signer

// Issue codes of v4 verification. Where AOSP apksig has the same Issue, the
// name is the same.
const (
	V4CodeMalformed           = "V4_SIG_MALFORMED"
	V4CodeVersionNotCurrent   = "V4_SIG_VERSION_NOT_CURRENT"
	V4CodeNoSignatures        = "V4_SIG_NO_SIGNATURES"
	V4CodeUnsupportedHashing  = "V4_SIG_UNSUPPORTED_HASHING_INFO"
	V4CodeUnknownSigAlgorithm = "V4_SIG_UNKNOWN_SIG_ALGORITHM"
	V4CodeMalformedPublicKey  = "V4_SIG_MALFORMED_PUBLIC_KEY"
	V4CodeDidNotVerify        = "V4_SIG_DID_NOT_VERIFY"
	V4CodeVerifyException     = "V4_SIG_VERIFY_EXCEPTION"
	V4CodeNoCertificate       = "V4_SIG_NO_CERTIFICATE"
	V4CodeMalformedCert       = "V4_SIG_MALFORMED_CERTIFICATE"
	V4CodePublicKeyMismatch   = "V4_SIG_PUBLIC_KEY_MISMATCH_BETWEEN_CERTIFICATE_AND_SIGNATURES_RECORD"
	V4CodeRootDidNotVerify    = "V4_SIG_APK_ROOT_DID_NOT_VERIFY"
	V4CodeTreeDidNotVerify    = "V4_SIG_APK_TREE_DID_NOT_VERIFY"
	V4CodeMultipleSigners     = "V4_SIG_MULTIPLE_SIGNERS"
	V4CodeNeedsTwoSigners     = "V41_SIG_NEEDS_TWO_SIGNERS"
	V4CodeSignersMismatch     = "V4_SIG_V2_V3_SIGNERS_MISMATCH"
	V4CodeDigestsMismatch     = "V4_SIG_V2_V3_DIGESTS_MISMATCH"
	V4CodeNoV2V3              = "V4_SIG_NO_VERIFIED_V2_V3_SIGNATURE"
	V4CodeIO                  = "V4_SIG_IO_ERROR"
	// V4CodeBlockIDMismatch: the v3.1 signer is in use, and no additional
	// signing info carries the v3.1 block ID under which Android 13+
	// looks it up ("Failed to find V4 signature block corresponding to V3
	// blockId"), so the install is refused.
	V4CodeBlockIDMismatch = "V41_SIG_BLOCK_ID_MISMATCH"
	// V4CodeTrailingBytes is a warning: bytes the platform's reader never
	// looks at (after the Merkle tree, or after a signing info inside its
	// block). No signature covers them and Android ignores them.
	V4CodeTrailingBytes = "V4_SIG_TRAILING_BYTES"
)

// V4Result is what the v4 signature verification found.
type V4Result struct {
	// Present is true when a v4 signature file was given.
	Present bool `json:"present"`
	// Verified is true only when every check passed: the signatures, the
	// pairing with the v2/v3 (and v3.1) signers, and the fs-verity root
	// hash (and Merkle tree, when the file has one) recomputed over the APK.
	Verified bool `json:"verified"`
	// CertSHA256 lists the SHA-256 of each signing info's certificate.
	CertSHA256 []string `json:"certSha256,omitempty"`
	// RootHash is the fs-verity root hash recorded in the file (hex).
	RootHash string  `json:"rootHash,omitempty"`
	Errors   []Issue `json:"errors,omitempty"`
	Warnings []Issue `json:"warnings,omitempty"`
}
