package signer

// Code is a stable, machine-readable reason: the Code of an Issue, of a
// refused input (*Error) or of a policy violation. Codes never change
// meaning once published; new ones may be added. Where AOSP apksig has an
// equivalent Issue, the code is that Issue's name.
//
// A Code is also an error value, so that errors.Is(err, code) is true
// when err or an error it wraps carries that code (an *Error's Code; the
// same holds for manifest's and apkverify's codes, which are Codes too).
// Every code any package of this module produces is a declared constant
// of this package, manifest or apkverify, each text declared once.
type Code string

// Error returns the code itself.
func (c Code) Error() string { return string(c) }

// Codes of the content digest errors.
const (
	// CodeDigestIO: a region of the APK could not be read.
	CodeDigestIO Code = "DIGEST_IO_ERROR"
	// CodeDigestVerityUnaligned: the APK Signing Block does not start on
	// a 4 KiB boundary, which the verity digest requires (apksig throws).
	CodeDigestVerityUnaligned Code = "DIGEST_VERITY_UNALIGNED"
	// CodeDigestUnknownAlgorithm: the algorithm is not one the digester
	// computes.
	CodeDigestUnknownAlgorithm Code = "DIGEST_UNKNOWN_ALGORITHM"
	// CodeDigestTooLarge: the content has more 1 MiB chunks than the
	// format's uint32 chunk count can express.
	CodeDigestTooLarge Code = "DIGEST_INPUT_TOO_LARGE"
)

// CodeDigestFileChanged: the file shrank or changed while it was being
// read (a page of its memory mapping was no longer backed by the file).
// The verification fails; it never crashes.
const CodeDigestFileChanged Code = "DIGEST_FILE_CHANGED"

// Issue codes that only the verification of a plain JAR (an app bundle's
// upload-key signature) reports.
const (
	// CodeJarWeakAlgorithm: a signature block's SignerInfo uses a digest
	// weaker than SHA-256, or a key that is not RSA, EC or DSA.
	CodeJarWeakAlgorithm Code = "JAR_SIG_WEAK_ALGORITHM"
	// CodeJarWeakDigest: the strongest digest of MANIFEST.MF or of a .SF
	// (for an entry, a section or the whole manifest) is SHA-1.
	CodeJarWeakDigest Code = "JAR_SIG_WEAK_DIGEST"
)

// Codes of the disagreements between the two readers.
const (
	// CodeJarPlatformManifest: the platform's StrictJarManifestReader
	// refuses MANIFEST.MF (an invalid attribute name, a line without ": "
	// joined to the next, a NUL, a repeated section name, ...), or names
	// an entry the APK does not have under the platform's reading.
	CodeJarPlatformManifest Code = "JAR_SIG_PLATFORM_MANIFEST_REFUSED"
	// CodeJarPlatformSigFile: the platform fails the APK on a signer's
	// .SF (stripping protection checked before Signature-Version, a
	// main-section or per-entry digest as the platform reads it, ...),
	// including signers apksig ignores.
	CodeJarPlatformSigFile Code = "JAR_SIG_PLATFORM_SIG_FILE_REFUSED"
	// CodeJarPlatformSigners: an entry's signer set under the platform's
	// rules differs from apksig's (a signer one reader ignores and the
	// other uses, or an entry the platform finds unsigned).
	CodeJarPlatformSigners Code = "JAR_SIG_PLATFORM_SIGNERS_DIFFER"
	// CodeJarPlatformDigest: the platform checks a different digest
	// attribute for an entry than apksig (a repeated attribute, whose
	// last value the platform takes, or a different section reading).
	CodeJarPlatformDigest Code = "JAR_SIG_PLATFORM_DIGEST_DIFFERS"
	// CodeJarSchemeIDNotASCII: an X-Android-APK-Signed token that is not
	// ASCII and not a number Java reads; it is refused rather than
	// guessed at.
	CodeJarSchemeIDNotASCII Code = "JAR_SIG_APK_SIG_SCHEME_ID_NOT_ASCII"
)

// Issue codes of the v1 (JAR) signature scheme. Where AOSP apksig has an
// equivalent Issue, the code is that Issue's name, spelling included (the
// triple N of JAR_SIG_UNNNAMED_* is apksig's).
const (
	// CodeJarNoManifest: the APK has no META-INF/MANIFEST.MF.
	CodeJarNoManifest Code = "JAR_SIG_NO_MANIFEST"
	// CodeJarNoSignatures: no JAR signer (.SF with its signature block) in META-INF.
	CodeJarNoSignatures Code = "JAR_SIG_NO_SIGNATURES"
	// CodeJarMaxSignaturesExceeded: more JAR signers than Android reads (10).
	CodeJarMaxSignaturesExceeded Code = "JAR_SIG_MAX_SIGNATURES_EXCEEDED"
	// CodeJarDuplicateZipEntry is apksig's name for two entries with one
	// name; opening the APK already refuses such files (ZIP_DUPLICATE_ENTRY_NAME),
	// so the v1 verifier never reports it.
	CodeJarDuplicateZipEntry Code = "JAR_SIG_DUPLICATE_ZIP_ENTRY"
	// CodeJarUnnamedManifestSection: a MANIFEST.MF section without a Name attribute.
	CodeJarUnnamedManifestSection Code = "JAR_SIG_UNNNAMED_MANIFEST_SECTION"
	// CodeJarDuplicateManifestSection: two MANIFEST.MF sections name the same entry.
	CodeJarDuplicateManifestSection Code = "JAR_SIG_DUPLICATE_MANIFEST_SECTION"
	// CodeJarMissingZipEntryReferenced: MANIFEST.MF names an entry the APK does not have.
	CodeJarMissingZipEntryReferenced Code = "JAR_SIG_MISSING_ZIP_ENTRY_REFERENCED_IN_MANIFEST"
	// CodeJarMissingFile: a warning: a signature block without its .SF.
	CodeJarMissingFile Code = "JAR_SIG_MISSING_FILE"
	// CodeJarParseException: a signature block that does not parse as PKCS #7.
	CodeJarParseException Code = "JAR_SIG_PARSE_EXCEPTION"
	// CodeJarNoSigners: a signature block with no SignerInfo.
	CodeJarNoSigners Code = "JAR_SIG_NO_SIGNERS"
	// CodeJarVerifyException: a signature that could not be verified at all (Java would throw).
	CodeJarVerifyException Code = "JAR_SIG_VERIFY_EXCEPTION"
	// CodeJarDidNotVerify: a signature over the .SF that does not verify.
	CodeJarDidNotVerify Code = "JAR_SIG_DID_NOT_VERIFY"
	// CodeJarUnsupportedSigAlg: a signature algorithm the range's Android versions do not support.
	CodeJarUnsupportedSigAlg Code = "JAR_SIG_UNSUPPORTED_SIG_ALG"
	// CodeJarMissingVersionAttr: a .SF without Signature-Version.
	CodeJarMissingVersionAttr Code = "JAR_SIG_MISSING_VERSION_ATTR_IN_SIG_FILE"
	// CodeJarNoApkSigStripProtection: a warning: the .SF lacks X-Android-APK-Signed while v2+ signatures exist.
	CodeJarNoApkSigStripProtection Code = "JAR_SIG_NO_APK_SIG_STRIP_PROTECTION"
	// CodeJarUnknownApkSigSchemeID: a warning: X-Android-APK-Signed names a scheme Android does not know.
	CodeJarUnknownApkSigSchemeID Code = "JAR_SIG_UNKNOWN_APK_SIG_SCHEME_ID"
	// CodeJarMissingApkSigReferenced: X-Android-APK-Signed names a scheme whose signature was stripped.
	CodeJarMissingApkSigReferenced Code = "JAR_SIG_MISSING_APK_SIG_REFERENCED"
	// CodeJarNoManifestDigestInSigFile: a .SF with no digest of MANIFEST.MF the range can use.
	CodeJarNoManifestDigestInSigFile Code = "JAR_SIG_NO_MANIFEST_DIGEST_IN_SIG_FILE"
	// CodeJarManifestMainSectionDigest: the .SF's digest of the MANIFEST.MF main section does not match.
	CodeJarManifestMainSectionDigest Code = "JAR_SIG_MANIFEST_MAIN_SECTION_DIGEST_DID_NOT_VERIFY"
	// CodeJarManifestSectionDigest: the .SF's digest of a MANIFEST.MF section does not match.
	CodeJarManifestSectionDigest Code = "JAR_SIG_MANIFEST_SECTION_DIGEST_DID_NOT_VERIFY"
	// CodeJarUnnamedSigFileSection: a .SF section without a Name attribute.
	CodeJarUnnamedSigFileSection Code = "JAR_SIG_UNNNAMED_SIG_FILE_SECTION"
	// CodeJarDuplicateSigFileSection: two .SF sections name the same entry.
	CodeJarDuplicateSigFileSection Code = "JAR_SIG_DUPLICATE_SIG_FILE_SECTION"
	// CodeJarNoZipEntryDigestInSigFile: a .SF section with no digest the range can use.
	CodeJarNoZipEntryDigestInSigFile Code = "JAR_SIG_NO_ZIP_ENTRY_DIGEST_IN_SIG_FILE"
	// CodeJarNoZipEntryDigestInManifest: a MANIFEST.MF section with no digest the range can use (or an entry added after signing).
	CodeJarNoZipEntryDigestInManifest Code = "JAR_SIG_NO_ZIP_ENTRY_DIGEST_IN_MANIFEST"
	// CodeJarZipEntryNotSigned: an entry named in MANIFEST.MF that no signer signs.
	CodeJarZipEntryNotSigned Code = "JAR_SIG_ZIP_ENTRY_NOT_SIGNED"
	// CodeJarZipEntrySignersMismatch: entries signed by different sets of signers.
	CodeJarZipEntrySignersMismatch Code = "JAR_SIG_ZIP_ENTRY_SIGNERS_MISMATCH"
	// CodeJarZipEntryDigestDidNotVerify: an entry whose data does not match its MANIFEST.MF digest.
	CodeJarZipEntryDigestDidNotVerify Code = "JAR_SIG_ZIP_ENTRY_DIGEST_DID_NOT_VERIFY"
	// CodeJarNoSignedZipEntries: no entry is signed.
	CodeJarNoSignedZipEntries Code = "JAR_SIG_NO_SIGNED_ZIP_ENTRIES"
	// CodeJarUnprotectedZipEntry: an entry outside META-INF that MANIFEST.MF does not name.
	CodeJarUnprotectedZipEntry Code = "JAR_SIG_UNPROTECTED_ZIP_ENTRY"
	// CodeJarFileTooLarge: MANIFEST.MF, a .SF or a signature block is larger than the limit.
	CodeJarFileTooLarge Code = "JAR_SIG_FILE_TOO_LARGE"
	// CodeJarTooManySections: MANIFEST.MF or a .SF has more sections than the limit.
	CodeJarTooManySections Code = "JAR_SIG_TOO_MANY_SECTIONS"
	// CodeJarMalformedDigest: a digest attribute that is not valid Base64 of the right length.
	CodeJarMalformedDigest Code = "JAR_SIG_MALFORMED_DIGEST"
	// CodeJarMalformedZipEntry: an entry whose data cannot be read to check its digest.
	CodeJarMalformedZipEntry Code = "JAR_SIG_MALFORMED_ZIP_ENTRY"
	// CodeJarCanceled: the JAR verification was cancelled.
	CodeJarCanceled Code = "JAR_SIG_CANCELED"
	// CodeJarInvalidSDKRange: the SDK range asked for is empty or negative.
	CodeJarInvalidSDKRange Code = "JAR_SIG_INVALID_SDK_RANGE"
	// CodeJarTooManySignatureBlocks: more signature block files than the limit.
	CodeJarTooManySignatureBlocks Code = "JAR_SIG_TOO_MANY_SIGNATURE_BLOCKS"
	// CodeJarTooManySignerInfos: a signature block with more SignerInfos than the limit.
	CodeJarTooManySignerInfos Code = "JAR_SIG_TOO_MANY_SIGNER_INFOS"
	// CodeJarTooManyCertificates: a signature block with more certificates than the limit.
	CodeJarTooManyCertificates Code = "JAR_SIG_TOO_MANY_CERTIFICATES"
	// CodeJarInflateLimitExceeded: checking the entries' digests would inflate more than the limit.
	CodeJarInflateLimitExceeded Code = "JAR_SIG_INFLATE_LIMIT_EXCEEDED"
	// CodePKCS7Malformed: a signature block's BER/DER encoding is malformed.
	CodePKCS7Malformed Code = "PKCS7_MALFORMED"
	// CodePKCS7UnsupportedContent: a signature block whose ContentInfo is not SignedData.
	CodePKCS7UnsupportedContent Code = "PKCS7_UNSUPPORTED_CONTENT_TYPE"
	// CodePKCS7CertificateMalformed: a certificate in a signature block does not parse.
	CodePKCS7CertificateMalformed Code = "PKCS7_CERTIFICATE_MALFORMED"
	// CodePKCS7DuplicateSignedAttribute: a SignerInfo repeats a signed attribute.
	CodePKCS7DuplicateSignedAttribute Code = "PKCS7_DUPLICATE_SIGNED_ATTRIBUTE"
	// CodePKCS7MultiValuedSignedAttribute: a signed attribute with more than one value.
	CodePKCS7MultiValuedSignedAttribute Code = "PKCS7_MULTI_VALUED_SIGNED_ATTRIBUTE"
	// CodePKCS7BERSignedAttributes: signed attributes in BER (indefinite
	// or non-minimal lengths) on a range reaching below Android 7.0.
	CodePKCS7BERSignedAttributes Code = "PKCS7_BER_SIGNED_ATTRIBUTES"
)

// Issue codes of source stamp verification; they are apksig's Issue names.
const (
	// StampCodeCertDigestAndSigBlockMissing: a stamp was required but neither stamp-cert-sha256 nor the stamp block exists.
	StampCodeCertDigestAndSigBlockMissing Code = "SOURCE_STAMP_CERT_DIGEST_AND_SIG_BLOCK_MISSING"
	// StampCodeSigBlockWithoutCertDigest: a stamp block without the stamp-cert-sha256 entry.
	StampCodeSigBlockWithoutCertDigest Code = "SOURCE_STAMP_SIGNATURE_BLOCK_WITHOUT_CERT_DIGEST"
	// StampCodeExpectedDigestMismatch: the stamp certificate is not the one the caller expects.
	StampCodeExpectedDigestMismatch Code = "SOURCE_STAMP_EXPECTED_DIGEST_MISMATCH"
	// StampCodeSigMissing: stamp-cert-sha256 without a stamp block.
	StampCodeSigMissing Code = "SOURCE_STAMP_SIG_MISSING"
	// StampCodeMalformedCertificate: the stamp certificate does not parse.
	StampCodeMalformedCertificate Code = "SOURCE_STAMP_MALFORMED_CERTIFICATE"
	// StampCodeCertificateMismatch: stamp-cert-sha256 is not the digest of the stamp block's certificate.
	StampCodeCertificateMismatch Code = "SOURCE_STAMP_CERTIFICATE_MISMATCH_BETWEEN_SIGNATURE_BLOCK_AND_APK"
	// StampCodeMalformedSignature: a stamp signature record is malformed.
	StampCodeMalformedSignature Code = "SOURCE_STAMP_MALFORMED_SIGNATURE"
	// StampCodeUnknownSigAlgorithm: a stamp signature with an algorithm Android does not know.
	StampCodeUnknownSigAlgorithm Code = "SOURCE_STAMP_UNKNOWN_SIG_ALGORITHM"
	// StampCodeNoSignature: the stamp signs no digest for a scheme the APK has.
	StampCodeNoSignature Code = "SOURCE_STAMP_NO_SIGNATURE"
	// StampCodeNoSupportedSignature: no stamp signature the range's Android versions support.
	StampCodeNoSupportedSignature Code = "SOURCE_STAMP_NO_SUPPORTED_SIGNATURE"
	// StampCodeDidNotVerify: a stamp signature that does not verify.
	StampCodeDidNotVerify Code = "SOURCE_STAMP_DID_NOT_VERIFY"
	// StampCodeVerifyException: a stamp signature that could not be verified at all.
	StampCodeVerifyException Code = "SOURCE_STAMP_VERIFY_EXCEPTION"
	// StampCodeMalformedAttribute: a stamp attribute is malformed.
	StampCodeMalformedAttribute Code = "SOURCE_STAMP_MALFORMED_ATTRIBUTE"
	// StampCodeUnknownAttribute: a warning: a stamp attribute this verifier does not know.
	StampCodeUnknownAttribute Code = "SOURCE_STAMP_UNKNOWN_ATTRIBUTE"
	// StampCodeMalformedLineage: the stamp's proof-of-rotation is malformed.
	StampCodeMalformedLineage Code = "SOURCE_STAMP_MALFORMED_LINEAGE"
	// StampCodePORCertMismatch: the stamp certificate is not the last node of its lineage.
	StampCodePORCertMismatch Code = "SOURCE_STAMP_POR_CERT_MISMATCH"
	// StampCodePORDidNotVerify: a node of the stamp's lineage does not verify.
	StampCodePORDidNotVerify Code = "SOURCE_STAMP_POR_DID_NOT_VERIFY"
	// StampCodeInvalidTimestamp: the stamp's timestamp attribute is not positive.
	StampCodeInvalidTimestamp Code = "SOURCE_STAMP_INVALID_TIMESTAMP"
	// StampCodeMalformedAPK: the APK cannot be read to check the stamp (apksig's name).
	StampCodeMalformedAPK Code = "MALFORMED_APK"
	// StampCodeV1Block: the stamp is a version 1 block, which only
	// Android 11 reads (Android 12+ and apksig look for the version 2
	// block only). A warning when the range includes Android 11 and the
	// block verified under its rules, else the error that leaves the
	// stamp unverified.
	StampCodeV1Block Code = "SOURCE_STAMP_V1_BLOCK"
	// StampCodeNoDigests: none of the schemes the stamp must sign has a
	// content digest, so a signature would be over the empty string and
	// would "verify" for every such APK. Android 12+ and apksig would
	// accept it; a stamp that binds nothing is refused here.
	StampCodeNoDigests Code = "SOURCE_STAMP_NO_DIGESTS"
	// StampCodeSignerNotCovered: the stamp verified, but its signature
	// does not cover the signer Android uses on some API level of the
	// range (see apkverify's evidence binding): it says Play saw this
	// content, not that Play delivered it signed by this key.
	StampCodeSignerNotCovered Code = "SOURCE_STAMP_SIGNER_NOT_COVERED"
)

// Issue codes of v4 verification. Where AOSP apksig has the same Issue, the
// name is the same.
const (
	// V4CodeMalformed: the v4 signature file is malformed.
	V4CodeMalformed Code = "V4_SIG_MALFORMED"
	// V4CodeVersionNotCurrent: a v4 signature file of a version Android does not read.
	V4CodeVersionNotCurrent Code = "V4_SIG_VERSION_NOT_CURRENT"
	// V4CodeNoSignatures: a v4 signing info without a signature.
	V4CodeNoSignatures Code = "V4_SIG_NO_SIGNATURES"
	// V4CodeUnsupportedHashing: v4 hashing info other than SHA-256 over 4 KiB blocks.
	V4CodeUnsupportedHashing Code = "V4_SIG_UNSUPPORTED_HASHING_INFO"
	// V4CodeUnknownSigAlgorithm: a v4 signature with an algorithm Android does not know.
	V4CodeUnknownSigAlgorithm Code = "V4_SIG_UNKNOWN_SIG_ALGORITHM"
	// V4CodeMalformedPublicKey: the v4 public key does not parse.
	V4CodeMalformedPublicKey Code = "V4_SIG_MALFORMED_PUBLIC_KEY"
	// V4CodeDidNotVerify: the v4 signature does not verify.
	V4CodeDidNotVerify Code = "V4_SIG_DID_NOT_VERIFY"
	// V4CodeVerifyException: the v4 signature could not be verified at all.
	V4CodeVerifyException Code = "V4_SIG_VERIFY_EXCEPTION"
	// V4CodeNoCertificate: a v4 signing info without a certificate.
	V4CodeNoCertificate Code = "V4_SIG_NO_CERTIFICATE"
	// V4CodeMalformedCert: the v4 certificate does not parse.
	V4CodeMalformedCert Code = "V4_SIG_MALFORMED_CERTIFICATE"
	// V4CodePublicKeyMismatch: the v4 certificate's key is not the v4 public key.
	V4CodePublicKeyMismatch Code = "V4_SIG_PUBLIC_KEY_MISMATCH_BETWEEN_CERTIFICATE_AND_SIGNATURES_RECORD"
	// V4CodeRootDidNotVerify: the v4 Merkle root is not the APK's.
	V4CodeRootDidNotVerify Code = "V4_SIG_APK_ROOT_DID_NOT_VERIFY"
	// V4CodeTreeDidNotVerify: the stored Merkle tree is not the APK's.
	V4CodeTreeDidNotVerify Code = "V4_SIG_APK_TREE_DID_NOT_VERIFY"
	// V4CodeMultipleSigners: v4 pairs with exactly one v2/v3 signer and one signing info; there are more.
	V4CodeMultipleSigners Code = "V4_SIG_MULTIPLE_SIGNERS"
	// V4CodeNeedsTwoSigners: v4.1: a v3.1 signer needs a second signing info.
	V4CodeNeedsTwoSigners Code = "V41_SIG_NEEDS_TWO_SIGNERS"
	// V4CodeSignersMismatch: the v4 signer is not the v2/v3 signer it pairs with.
	V4CodeSignersMismatch Code = "V4_SIG_V2_V3_SIGNERS_MISMATCH"
	// V4CodeDigestsMismatch: the v4 file's APK digest is not the v2/v3 signer's.
	V4CodeDigestsMismatch Code = "V4_SIG_V2_V3_DIGESTS_MISMATCH"
	// V4CodeNoV2V3: no verified v2/v3 signature for v4 to pair with.
	V4CodeNoV2V3 Code = "V4_SIG_NO_VERIFIED_V2_V3_SIGNATURE"
	// V4CodeIO: the v4 file or the APK could not be read.
	V4CodeIO Code = "V4_SIG_IO_ERROR"
	// V4CodeBlockIDMismatch: the v3.1 signer is in use, and no additional
	// signing info carries the v3.1 block ID under which Android 13+
	// looks it up ("Failed to find V4 signature block corresponding to V3
	// blockId"), so the install is refused.
	V4CodeBlockIDMismatch Code = "V41_SIG_BLOCK_ID_MISMATCH"
	// V4CodeTrailingBytes is a warning: bytes the platform's reader never
	// looks at (after the Merkle tree, or after a signing info inside its
	// block). No signature covers them and Android ignores them.
	V4CodeTrailingBytes Code = "V4_SIG_TRAILING_BYTES"
)

// Issue codes of Play frosting checks.
const (
	// FrostingCodeMalformed: the frosting block is malformed.
	FrostingCodeMalformed Code = "FROSTING_MALFORMED"
	// FrostingCodeNoEnabledEntry: no enabled entry in the frosting block.
	FrostingCodeNoEnabledEntry Code = "FROSTING_NO_ENABLED_ENTRY"
	// FrostingCodeUnknownKeyIndex: the frosting names a key index that is not a known Play key.
	FrostingCodeUnknownKeyIndex Code = "FROSTING_UNKNOWN_KEY_INDEX"
	// FrostingCodeSignatureDidNotVer: the frosting signature does not verify.
	FrostingCodeSignatureDidNotVer Code = "FROSTING_SIGNATURE_DID_NOT_VERIFY"
	// FrostingCodeAPKDigestMismatch: the frosting's APK digest is not the file's.
	FrostingCodeAPKDigestMismatch Code = "FROSTING_APK_DIGEST_MISMATCH"
	// FrostingCodeIO: the APK could not be read to check the frosting.
	FrostingCodeIO Code = "FROSTING_IO_ERROR"
	// FrostingCodeTooLarge: the frosting block is larger than the limit.
	FrostingCodeTooLarge Code = "FROSTING_BLOCK_TOO_LARGE"
)

// FrostingCodeSignerNotCovered: the frosting verified, but a signer
// Android uses on the range is neither a covered signer nor a rotation
// successor of one (see EvidenceBinding).
const FrostingCodeSignerNotCovered Code = "FROSTING_SIGNER_NOT_COVERED"

// CodeKnownKeys is the Error code of a known-keys file that cannot be used.
const CodeKnownKeys Code = "KNOWN_KEYS_INVALID"

// Codes of Error.
const (
	// CodeLineageMalformed: a length or field is out of range.
	CodeLineageMalformed Code = "LINEAGE_MALFORMED"
	// CodeLineageEmpty: the lineage has no node.
	CodeLineageEmpty Code = "LINEAGE_EMPTY"
	// CodeLineageBadMagic: a lineage file does not start with the magic.
	CodeLineageBadMagic Code = "LINEAGE_BAD_MAGIC"
	// CodeLineageVersion: the file or attribute version is not 1.
	CodeLineageVersion Code = "LINEAGE_UNSUPPORTED_VERSION"
	// CodeLineageUnknownAlgorithm: a parent signs its child with an
	// algorithm Android does not know.
	CodeLineageUnknownAlgorithm Code = "LINEAGE_UNKNOWN_ALGORITHM"
	// CodeLineageSignature: a node's signature by its parent does not
	// verify.
	CodeLineageSignature Code = "LINEAGE_SIGNATURE_INVALID"
	// CodeLineageAlgorithmMismatch: the algorithm a node says its parent
	// used differs from the one the parent declared.
	CodeLineageAlgorithmMismatch Code = "LINEAGE_ALGORITHM_MISMATCH"
	// CodeLineageDuplicate: a certificate appears twice.
	CodeLineageDuplicate Code = "LINEAGE_DUPLICATE_CERTIFICATE"
	// CodeLineageCertificate: a node's certificate does not parse.
	CodeLineageCertificate Code = "LINEAGE_CERTIFICATE_MALFORMED"
)

// Codes of the bounds on work that hostile files could otherwise make
// unbounded. Bytes are bounded elsewhere; these bound arithmetic.
const (
	// CodeWorkBudgetExceeded: the file asks for more signature
	// verification work (over every scheme, lineage and stamp lineage)
	// than the per-file work budget allows.
	CodeWorkBudgetExceeded Code = "SIG_WORK_BUDGET_EXCEEDED"
	// CodeKeyUnsupported: an RSA or DSA key outside the sizes Android's
	// providers accept (RSA over 16384 bits, or over 3072 bits with an
	// exponent over 64 bits; DSA with q not of 160, 224 or 256 bits or p
	// outside 512..3072 bits).
	CodeKeyUnsupported Code = "SIG_KEY_UNSUPPORTED"
)

// Codes of Error.
const (
	// CodeCertMalformed: the bytes are not a certificate, even read
	// leniently (bad tags or lengths, missing fields).
	CodeCertMalformed Code = "CERT_MALFORMED"
	// CodeCertPublicKey: the certificate parses but its public key does not.
	CodeCertPublicKey Code = "CERT_PUBLIC_KEY_MALFORMED"
)

// Issue codes of the v2 and v3 signature schemes (v3.1 reports the v3
// ones, as apksig's v3 verifier does). The two schemes share one list of
// per-signer problems; each problem has one constant per scheme.
const (
	// CodeV2MalformedSigners: the signers sequence of the block is malformed.
	CodeV2MalformedSigners Code = "V2_SIG_MALFORMED_SIGNERS"
	// CodeV2NoSigners: the block has no signer.
	CodeV2NoSigners Code = "V2_SIG_NO_SIGNERS"
	// CodeV2MalformedSigner: a signer record is malformed.
	CodeV2MalformedSigner Code = "V2_SIG_MALFORMED_SIGNER"
	// CodeV2MalformedSignature: a signature record is malformed.
	CodeV2MalformedSignature Code = "V2_SIG_MALFORMED_SIGNATURE"
	// CodeV2UnknownSigAlgorithm: a warning: a signature uses an algorithm Android does not know (it is ignored).
	CodeV2UnknownSigAlgorithm Code = "V2_SIG_UNKNOWN_SIG_ALGORITHM"
	// CodeV2NoSignatures: a signer has no signature.
	CodeV2NoSignatures Code = "V2_SIG_NO_SIGNATURES"
	// CodeV2NoSupportedSignatures: no signature of a signer is supported on some SDK of the range.
	CodeV2NoSupportedSignatures Code = "V2_SIG_NO_SUPPORTED_SIGNATURES"
	// CodeV2MalformedPublicKey: a signer's public key does not parse for its signature algorithm.
	CodeV2MalformedPublicKey Code = "V2_SIG_MALFORMED_PUBLIC_KEY"
	// CodeV2VerifyException: a signature could not be verified at all (Java would throw).
	CodeV2VerifyException Code = "V2_SIG_VERIFY_EXCEPTION"
	// CodeV2DidNotVerify: a signature over the signed data does not verify.
	CodeV2DidNotVerify Code = "V2_SIG_DID_NOT_VERIFY"
	// CodeV2MalformedCertificate: a signer's certificate does not parse.
	CodeV2MalformedCertificate Code = "V2_SIG_MALFORMED_CERTIFICATE"
	// CodeV2NoCertificates: a signer has no certificate.
	CodeV2NoCertificates Code = "V2_SIG_NO_CERTIFICATES"
	// CodeV2PublicKeyMismatch: the first certificate's key is not the signer's public key.
	CodeV2PublicKeyMismatch Code = "V2_SIG_PUBLIC_KEY_MISMATCH_BETWEEN_CERTIFICATE_AND_SIGNATURES_RECORD"
	// CodeV2MalformedDigest: a digest record is malformed.
	CodeV2MalformedDigest Code = "V2_SIG_MALFORMED_DIGEST"
	// CodeV2SigAlgMismatch: the signatures and digests records list different algorithms.
	CodeV2SigAlgMismatch Code = "V2_SIG_SIG_ALG_MISMATCH_BETWEEN_SIGNATURES_AND_DIGESTS_RECORDS"
	// CodeV2MalformedAdditionalAttribute: an additional attribute is malformed.
	CodeV2MalformedAdditionalAttribute Code = "V2_SIG_MALFORMED_ADDITIONAL_ATTRIBUTE"
	// CodeV2UnknownAdditionalAttribute: a warning: an additional attribute this verifier does not know.
	CodeV2UnknownAdditionalAttribute Code = "V2_SIG_UNKNOWN_ADDITIONAL_ATTRIBUTE"
	// CodeV2APKDigestDidNotVerify: a signed content digest does not match the APK.
	CodeV2APKDigestDidNotVerify Code = "V2_SIG_APK_DIGEST_DID_NOT_VERIFY"
	// CodeV3MalformedSigners: the signers sequence of the block is malformed.
	CodeV3MalformedSigners Code = "V3_SIG_MALFORMED_SIGNERS"
	// CodeV3NoSigners: the block has no signer.
	CodeV3NoSigners Code = "V3_SIG_NO_SIGNERS"
	// CodeV3MalformedSigner: a signer record is malformed.
	CodeV3MalformedSigner Code = "V3_SIG_MALFORMED_SIGNER"
	// CodeV3MalformedSignature: a signature record is malformed.
	CodeV3MalformedSignature Code = "V3_SIG_MALFORMED_SIGNATURE"
	// CodeV3UnknownSigAlgorithm: a warning: a signature uses an algorithm Android does not know (it is ignored).
	CodeV3UnknownSigAlgorithm Code = "V3_SIG_UNKNOWN_SIG_ALGORITHM"
	// CodeV3NoSignatures: a signer has no signature.
	CodeV3NoSignatures Code = "V3_SIG_NO_SIGNATURES"
	// CodeV3NoSupportedSignatures: no signature of a signer is supported on some SDK of the range.
	CodeV3NoSupportedSignatures Code = "V3_SIG_NO_SUPPORTED_SIGNATURES"
	// CodeV3MalformedPublicKey: a signer's public key does not parse for its signature algorithm.
	CodeV3MalformedPublicKey Code = "V3_SIG_MALFORMED_PUBLIC_KEY"
	// CodeV3VerifyException: a signature could not be verified at all (Java would throw).
	CodeV3VerifyException Code = "V3_SIG_VERIFY_EXCEPTION"
	// CodeV3DidNotVerify: a signature over the signed data does not verify.
	CodeV3DidNotVerify Code = "V3_SIG_DID_NOT_VERIFY"
	// CodeV3MalformedCertificate: a signer's certificate does not parse.
	CodeV3MalformedCertificate Code = "V3_SIG_MALFORMED_CERTIFICATE"
	// CodeV3NoCertificates: a signer has no certificate.
	CodeV3NoCertificates Code = "V3_SIG_NO_CERTIFICATES"
	// CodeV3PublicKeyMismatch: the first certificate's key is not the signer's public key.
	CodeV3PublicKeyMismatch Code = "V3_SIG_PUBLIC_KEY_MISMATCH_BETWEEN_CERTIFICATE_AND_SIGNATURES_RECORD"
	// CodeV3MalformedDigest: a digest record is malformed.
	CodeV3MalformedDigest Code = "V3_SIG_MALFORMED_DIGEST"
	// CodeV3SigAlgMismatch: the signatures and digests records list different algorithms.
	CodeV3SigAlgMismatch Code = "V3_SIG_SIG_ALG_MISMATCH_BETWEEN_SIGNATURES_AND_DIGESTS_RECORDS"
	// CodeV3MalformedAdditionalAttribute: an additional attribute is malformed.
	CodeV3MalformedAdditionalAttribute Code = "V3_SIG_MALFORMED_ADDITIONAL_ATTRIBUTE"
	// CodeV3UnknownAdditionalAttribute: a warning: an additional attribute this verifier does not know.
	CodeV3UnknownAdditionalAttribute Code = "V3_SIG_UNKNOWN_ADDITIONAL_ATTRIBUTE"
	// CodeV3APKDigestDidNotVerify: a signed content digest does not match the APK.
	CodeV3APKDigestDidNotVerify Code = "V3_SIG_APK_DIGEST_DID_NOT_VERIFY"
	// CodeV2MaxSignaturesExceeded: the v2 block has more signers than Android allows.
	CodeV2MaxSignaturesExceeded Code = "V2_SIG_MAX_SIGNATURES_EXCEEDED"
	// CodeV2UnknownSchemeID: a warning: the v2 stripping-protection attribute names a scheme Android does not know.
	CodeV2UnknownSchemeID Code = "V2_SIG_UNKNOWN_APK_SIG_SCHEME_ID"
	// CodeV2MissingReferenced: the v2 stripping-protection attribute names a scheme whose block is missing.
	CodeV2MissingReferenced Code = "V2_SIG_MISSING_APK_SIG_REFERENCED"
	// CodeV3MaxSignersExceeded: the v3 block has more signers than this verifier reads.
	CodeV3MaxSignersExceeded Code = "V3_SIG_MAX_SIGNERS_EXCEEDED"
	// CodeV3InvalidSDKVersions: a v3 signer's SDK range is empty or negative.
	CodeV3InvalidSDKVersions Code = "V3_SIG_INVALID_SDK_VERSIONS"
	// CodeV3MinSDKMismatch: a v3 signer's minimum SDK differs from its signed data's.
	CodeV3MinSDKMismatch Code = "V3_MIN_SDK_VERSION_MISMATCH_BETWEEN_SIGNER_AND_SIGNED_DATA_RECORD"
	// CodeV3MaxSDKMismatch: a v3 signer's maximum SDK differs from its signed data's.
	CodeV3MaxSDKMismatch Code = "V3_MAX_SDK_VERSION_MISMATCH_BETWEEN_SIGNER_AND_SIGNED_DATA_RECORD"
	// CodeV3PORCertMismatch: the signer's certificate is not the last node of its lineage (or the lineage is empty or of an unknown version).
	CodeV3PORCertMismatch Code = "V3_SIG_POR_CERT_MISMATCH"
	// CodeV3PORDidNotVerify: a proof-of-rotation node's signature or certificate does not verify.
	CodeV3PORDidNotVerify Code = "V3_SIG_POR_DID_NOT_VERIFY"
	// CodeV3MalformedLineage: the proof-of-rotation attribute is malformed.
	CodeV3MalformedLineage Code = "V3_SIG_MALFORMED_LINEAGE"
	// CodeV3MissingV32Block: a v3 signer announces a v3.2 block the file does not have.
	CodeV3MissingV32Block Code = "V3_SIG_MISSING_V32_BLOCK"
	// CodeV3InconsistentLineages: the signers' lineages do not share one history.
	CodeV3InconsistentLineages Code = "V3_INCONSISTENT_LINEAGES"
	// CodeV3InconsistentSDKs: the v3 signers' SDK ranges overlap or leave gaps.
	CodeV3InconsistentSDKs Code = "V3_INCONSISTENT_SDK_VERSIONS"
	// CodeV3MissingSDKVersions: the v3 signers do not cover the whole checked range.
	CodeV3MissingSDKVersions Code = "V3_MISSING_SDK_VERSIONS"
	// CodeV31BlockMissing: a v3 signer's rotation-min-sdk attribute announces a v3.1 block the file does not have.
	CodeV31BlockMissing Code = "V31_BLOCK_MISSING"
	// CodeV31RotationMinSDKMismatch: the v3 signer's rotation-min-sdk differs from the v3.1 signers' minimum SDK.
	CodeV31RotationMinSDKMismatch Code = "V31_ROTATION_MIN_SDK_MISMATCH"
	// CodeV31RotationAttrMissing: a warning: a v3.1 block exists but the v3 signer has no rotation-min-sdk attribute.
	CodeV31RotationAttrMissing Code = "V31_ROTATION_MIN_SDK_ATTR_MISSING"
	// CodeV31WithoutV3: a v3.1 block without a v3.0 block.
	CodeV31WithoutV3 Code = "V31_BLOCK_FOUND_WITHOUT_V3_BLOCK"
	// CodeV31DevReleaseOnV3: a warning: the rotation-targets-dev-release attribute is on the v3 signer.
	CodeV31DevReleaseOnV3 Code = "V31_ROTATION_TARGETS_DEV_RELEASE_ATTR_ON_V3_SIGNER"
	// CodeV32NotVerified: a warning: a v3.2 block is present; this verifier does not verify it.
	CodeV32NotVerified Code = "V32_SIG_NOT_VERIFIED"
	// CodeContentDigestFailed: the APK's content digests could not be computed.
	CodeContentDigestFailed Code = "CONTENT_DIGEST_FAILED"
	// CodeCanceled: the verification was cancelled while computing digests.
	CodeCanceled Code = "CANCELED"
)

// Codes of the source stamp's view of the other schemes' digests: the
// block of that scheme is too malformed for the stamp to read its
// digests.
const (
	// CodeStampV2SigMalformed: the v2 block, as the stamp reads it.
	CodeStampV2SigMalformed Code = "STAMP_V2_SIG_MALFORMED"
	// CodeStampV3SigMalformed: the v3 block, as the stamp reads it.
	CodeStampV3SigMalformed Code = "STAMP_V3_SIG_MALFORMED"
)

// Codes of the APK container (the ZIP archive and its APK Signing Block):
// the Code of the *Error a verification refuses a file with.
const (
	// CodeZipTooSmall: the file is too small to be a ZIP archive.
	CodeZipTooSmall Code = "ZIP_TOO_SMALL"
	// CodeZipEOCDNotFound: no End of Central Directory record.
	CodeZipEOCDNotFound Code = "ZIP_EOCD_NOT_FOUND"
	// CodeZipEOCDInComment: the archive comment holds an End of Central Directory signature.
	CodeZipEOCDInComment Code = "ZIP_EOCD_SIGNATURE_IN_COMMENT"
	// CodeZip64: the archive uses ZIP64, which Android refuses for APKs.
	CodeZip64 Code = "ZIP_ZIP64_UNSUPPORTED"
	// CodeZipMultiDisk: a multi-disk archive.
	CodeZipMultiDisk Code = "ZIP_MULTI_DISK_UNSUPPORTED"
	// CodeZipCDOutOfRange: the central directory lies outside the file.
	CodeZipCDOutOfRange Code = "ZIP_CENTRAL_DIRECTORY_OUT_OF_RANGE"
	// CodeZipCDNotBeforeEOCD: the central directory does not end where the End of Central Directory record starts.
	CodeZipCDNotBeforeEOCD Code = "ZIP_CENTRAL_DIRECTORY_NOT_BEFORE_EOCD"
	// CodeZipCDMalformed: a central directory record is malformed.
	CodeZipCDMalformed Code = "ZIP_CENTRAL_DIRECTORY_MALFORMED"
	// CodeZipCDEntryCount: the central directory holds a different number of entries than the End of Central Directory record says.
	CodeZipCDEntryCount Code = "ZIP_CENTRAL_DIRECTORY_ENTRY_COUNT_MISMATCH"
	// CodeZipDataBeforeFirst: bytes before the first local header (other than the APK Signing Block).
	CodeZipDataBeforeFirst Code = "ZIP_DATA_BEFORE_FIRST_ENTRY"
	// CodeZipLocalHeader: a local file header is malformed.
	CodeZipLocalHeader Code = "ZIP_LOCAL_HEADER_MALFORMED"
	// CodeZipLocalHeaderMismatch: a local file header disagrees with its central directory record.
	CodeZipLocalHeaderMismatch Code = "ZIP_LOCAL_HEADER_MISMATCH"
	// CodeZipEntryOverlap: two entries' data overlap.
	CodeZipEntryOverlap Code = "ZIP_ENTRY_DATA_OVERLAP"
	// CodeZipEntryOutOfRange: an entry's data lies outside the file.
	CodeZipEntryOutOfRange Code = "ZIP_ENTRY_DATA_OUT_OF_RANGE"
	// CodeZipDuplicateEntry: two entries have the same name.
	CodeZipDuplicateEntry Code = "ZIP_DUPLICATE_ENTRY_NAME"
	// CodeZipInvalidName: an entry name Android refuses.
	CodeZipInvalidName Code = "ZIP_INVALID_ENTRY_NAME"
	// CodeZipUnsafeName: an entry name that is absolute or climbs out with "..".
	CodeZipUnsafeName Code = "ZIP_UNSAFE_ENTRY_NAME"
	// CodeZipDataDescriptor: a data descriptor disagrees with the central directory.
	CodeZipDataDescriptor Code = "ZIP_DATA_DESCRIPTOR_MISMATCH"
	// CodeZipUnsupportedMethod: an entry compressed with a method other than stored or deflate.
	CodeZipUnsupportedMethod Code = "ZIP_UNSUPPORTED_COMPRESSION_METHOD"
	// CodeZipEncrypted: an encrypted entry.
	CodeZipEncrypted Code = "ZIP_ENCRYPTED_ENTRY"
	// CodeZipSizeMismatch: an entry's data has a different size than recorded.
	CodeZipSizeMismatch Code = "ZIP_ENTRY_SIZE_MISMATCH"
	// CodeZipCRCMismatch: an entry's data does not match its CRC-32.
	CodeZipCRCMismatch Code = "ZIP_ENTRY_CRC_MISMATCH"
	// CodeZipInflate: an entry's deflate stream is corrupt.
	CodeZipInflate Code = "ZIP_ENTRY_INFLATE_FAILED"
	// CodeZipEntryTooLarge: an entry is larger than the reader's limit.
	CodeZipEntryTooLarge Code = "ZIP_ENTRY_TOO_LARGE"
	// CodeSigBlockMalformed: the APK Signing Block is malformed.
	CodeSigBlockMalformed Code = "APK_SIG_BLOCK_MALFORMED"
	// CodeSigBlockPair: a pair of the APK Signing Block is malformed.
	CodeSigBlockPair Code = "APK_SIG_BLOCK_PAIR_MALFORMED"
	// CodeIO: reading the file failed.
	CodeIO Code = "IO_ERROR"
	// CodeZip64Records: a warning: ZIP64 records beside a classic End of Central Directory record.
	CodeZip64Records Code = "ZIP_ZIP64_RECORDS"
)

// Codes of an install set packed as one file (.apks, .xapk, .apkm) that
// is refused as hostile, unknown or encrypted.
const (
	// CodeBundleNoAPK: the archive holds no APK (and is not an APK).
	CodeBundleNoAPK Code = "BUNDLE_NO_APK"
	// CodeBundleUnknownLayout: an APK where no known layout puts one.
	CodeBundleUnknownLayout Code = "BUNDLE_UNKNOWN_LAYOUT"
	// CodeBundleEncrypted: encrypted entries, or .apkm parts that are not ZIPs.
	CodeBundleEncrypted Code = "BUNDLE_ENCRYPTED"
	// CodeBundleUnsafeName: an entry name with ".." or an absolute one.
	CodeBundleUnsafeName Code = "BUNDLE_UNSAFE_NAME"
	// CodeBundleNested: a bundle inside a bundle or among a set's files.
	CodeBundleNested Code = "BUNDLE_NESTED"
	// CodeBundleTooManyParts: more APKs than the limit (512).
	CodeBundleTooManyParts Code = "BUNDLE_TOO_MANY_PARTS"
	// CodeBundlePartTooLarge: a part claiming more than the limit, or
	// than deflate can expand to.
	CodeBundlePartTooLarge Code = "BUNDLE_PART_TOO_LARGE"
	// CodeBundleTooLarge: the parts claim more than the total limit.
	CodeBundleTooLarge Code = "BUNDLE_TOO_LARGE"
	// CodeBundlePartUnreadable: a part whose data does not match its header.
	CodeBundlePartUnreadable Code = "BUNDLE_PART_UNREADABLE"
)
