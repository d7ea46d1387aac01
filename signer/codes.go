package signer

// Codes of the content digest errors.
const (
	// CodeDigestIO: a region of the APK could not be read.
	CodeDigestIO = "DIGEST_IO_ERROR"
	// CodeDigestVerityUnaligned: the APK Signing Block does not start on
	// a 4 KiB boundary, which the verity digest requires (apksig throws).
	CodeDigestVerityUnaligned = "DIGEST_VERITY_UNALIGNED"
	// CodeDigestUnknownAlgorithm: the algorithm is not one the digester
	// computes.
	CodeDigestUnknownAlgorithm = "DIGEST_UNKNOWN_ALGORITHM"
	// CodeDigestTooLarge: the content has more 1 MiB chunks than the
	// format's uint32 chunk count can express.
	CodeDigestTooLarge = "DIGEST_INPUT_TOO_LARGE"
)

// Sentinels for errors.Is.
var (
	ErrDigestIO               = &Error{Code: CodeDigestIO}
	ErrDigestVerityUnaligned  = &Error{Code: CodeDigestVerityUnaligned}
	ErrDigestUnknownAlgorithm = &Error{Code: CodeDigestUnknownAlgorithm}
	ErrDigestTooLarge         = &Error{Code: CodeDigestTooLarge}
)

// CodeDigestFileChanged: the file shrank or changed while it was being
// read (a page of its memory mapping was no longer backed by the file).
// The verification fails; it never crashes.
const CodeDigestFileChanged = "DIGEST_FILE_CHANGED"

// ErrDigestFileChanged is the sentinel of CodeDigestFileChanged for
// errors.Is.
var ErrDigestFileChanged = &Error{Code: CodeDigestFileChanged}

// SchemeJAR is the signature of a plain JAR file that is not an APK, such
// as an Android App Bundle signed with its upload key.
const SchemeJAR Scheme = "jar"

// Issue codes that only the verification of a plain JAR (an app bundle's
// upload-key signature) reports.
const (
	// CodeJarWeakAlgorithm: a signature block's SignerInfo uses a digest
	// weaker than SHA-256, or a key that is not RSA, EC or DSA.
	CodeJarWeakAlgorithm = "JAR_SIG_WEAK_ALGORITHM"
	// CodeJarWeakDigest: the strongest digest of MANIFEST.MF or of a .SF
	// (for an entry, a section or the whole manifest) is SHA-1.
	CodeJarWeakDigest = "JAR_SIG_WEAK_DIGEST"
)

// ErrJarWeakDigest matches (errors.Is) the weak-digest errors of that JAR
// verification.
var ErrJarWeakDigest = &Error{Code: CodeJarWeakDigest}

// Codes of the disagreements between the two readers.
const (
	// CodeJarPlatformManifest: the platform's StrictJarManifestReader
	// refuses MANIFEST.MF (an invalid attribute name, a line without ": "
	// joined to the next, a NUL, a repeated section name, ...), or names
	// an entry the APK does not have under the platform's reading.
	CodeJarPlatformManifest = "JAR_SIG_PLATFORM_MANIFEST_REFUSED"
	// CodeJarPlatformSigFile: the platform fails the APK on a signer's
	// .SF (stripping protection checked before Signature-Version, a
	// main-section or per-entry digest as the platform reads it, ...),
	// including signers apksig ignores.
	CodeJarPlatformSigFile = "JAR_SIG_PLATFORM_SIG_FILE_REFUSED"
	// CodeJarPlatformSigners: an entry's signer set under the platform's
	// rules differs from apksig's (a signer one reader ignores and the
	// other uses, or an entry the platform finds unsigned).
	CodeJarPlatformSigners = "JAR_SIG_PLATFORM_SIGNERS_DIFFER"
	// CodeJarPlatformDigest: the platform checks a different digest
	// attribute for an entry than apksig (a repeated attribute, whose
	// last value the platform takes, or a different section reading).
	CodeJarPlatformDigest = "JAR_SIG_PLATFORM_DIGEST_DIFFERS"
	// CodeJarSchemeIDNotASCII: an X-Android-APK-Signed token that is not
	// ASCII and not a number Java reads; it is refused rather than
	// guessed at.
	CodeJarSchemeIDNotASCII = "JAR_SIG_APK_SIG_SCHEME_ID_NOT_ASCII"
)
