package apkverify

import "github.com/apktrust/apktrust/signer"

// The stable codes this package reports (in Result.Errors and Warnings,
// PolicyResult.Violations, SetResult.Errors and the *signer.Error of a
// refused input), besides those of package signer and manifest. Each is a
// signer.Code, so errors.Is(err, code) works for the refusals.

// Codes of a refused input (*signer.Error). Container problems carry the
// container's code (signer.CodeZip..., signer.CodeIO, signer.CodeBundle...)
// and manifest problems the manifest's (manifest.CodeMissing, ...).
const (
	// CodeInvalidOptions: Options are inconsistent (MinSDK > MaxSDK, a trusted certificate that is not a SHA-256...).
	CodeInvalidOptions signer.Code = "INVALID_OPTIONS"
	// CodeContextCancelled: the context was cancelled or timed out during the verification.
	CodeContextCancelled signer.Code = "CANCELLED"
)

// Issue codes this package reports besides those of package signer. The
// cross-scheme and SDK-range rules use apksig's names; package signer may
// report some of them itself, and each is then reported once.
const (
	// CodeV2SigMissing: a JAR signer has no v2 signature beside it (the two schemes must name the same signers).
	CodeV2SigMissing signer.Code = "V2_SIG_MISSING"
	// CodeJarSigMissing: a v2 signer has no JAR signature beside it.
	CodeJarSigMissing signer.Code = "JAR_SIG_MISSING"
	// CodeV3MultiplePastSigners: the v1/v2 signature that v3 rotates from has more than one signer.
	CodeV3MultiplePastSigners signer.Code = "V3_SIG_MULTIPLE_PAST_SIGNERS"
	// CodeV3MultipleSigners: more than one v3 signer applies to one API level.
	CodeV3MultipleSigners signer.Code = "V3_SIG_MULTIPLE_SIGNERS"
	// CodeV3PastSignersMismatch: the v1/v2 signer is neither the v3 signer nor in its lineage.
	CodeV3PastSignersMismatch signer.Code = "V3_SIG_PAST_SIGNERS_MISMATCH"
	// CodeNoSigForSandbox: targetSandboxVersion 2 needs a v2+ signature the range reads.
	CodeNoSigForSandbox signer.Code = "NO_SIG_FOR_TARGET_SANDBOX_VERSION"
	// CodeMinSchemeForTargetSDK: targetSdkVersion 30+ needs a v2+ signature the range reads.
	CodeMinSchemeForTargetSDK signer.Code = "MIN_SIG_SCHEME_FOR_TARGET_SDK_NOT_MET"

	// CodeNoSignatureVerified: no scheme verified although none reported
	// an error (apksig throws in that case).
	CodeNoSignatureVerified signer.Code = "NO_SIGNATURE_VERIFIED"
	// CodeDuplicateBlockID: the APK Signing Block holds a signature pair
	// twice (an error; apksig silently reads the first).
	CodeDuplicateBlockID signer.Code = "APK_SIG_BLOCK_DUPLICATE_ID"
	// CodeNoSigBeforeP: a warning that API 24-27 devices refuse the file
	// although apksig accepts it (v3 without v2 or v1).
	CodeNoSigBeforeP signer.Code = "NO_SIG_FOR_SDK_24_TO_27"
)

// Issue codes of App Bundles.
const (
	// CodeAppBundleManifestInvalid: a module's protobuf AndroidManifest.xml
	// cannot be read; the message carries the manifest reader's code.
	CodeAppBundleManifestInvalid signer.Code = "AAB_MANIFEST_INVALID"
	// CodeAppBundleTooManyModules: more than 256 modules; the others'
	// manifests are not read.
	CodeAppBundleTooManyModules signer.Code = "AAB_TOO_MANY_MODULES"
	// CodeAppBundleModuleMismatch: a feature module's manifest names another
	// package or versionCode than the base module (bundletool refuses to
	// build such a bundle).
	CodeAppBundleModuleMismatch signer.Code = "AAB_MODULE_MISMATCH"
)

// Codes of Violation for Policy.SameReleaseAs.
const (
	// PolicyReleaseMismatch: the file's package or versionCode is not the
	// release's (Policy.SameReleaseAs).
	PolicyReleaseMismatch signer.Code = "POLICY_RELEASE_MISMATCH"
	// PolicyReleaseNotVerified: the release the file is compared with did
	// not verify or has no manifest, so it vouches for nothing.
	PolicyReleaseNotVerified signer.Code = "POLICY_RELEASE_NOT_VERIFIED"
)

// CodeBundle is the Error code Verify returns for an install set packed
// as a bundle (.apks, .xapk, .apkm): the file is a ZIP of APKs, not an
// APK. VerifySetFiles and VerifyBundle verify it.
const CodeBundle signer.Code = "APK_SET_BUNDLE"

// Codes of Violation for evidence that verified but does not bind.
const (
	// PolicySourceStampSignerNotCovered: a stamp verified but does not cover the signer Android uses.
	PolicySourceStampSignerNotCovered signer.Code = "POLICY_SOURCE_STAMP_SIGNER_NOT_COVERED"
	// PolicyFrostingSignerNotCovered: a frosting verified but does not cover the signer Android uses.
	PolicyFrostingSignerNotCovered signer.Code = "POLICY_FROSTING_SIGNER_NOT_COVERED"
)

// Warning codes of known keys: a signer, lineage or source stamp
// certificate that anyone can sign with (see signer.BuiltinKnownKeys and
// Options.KnownKeys). The signatures still verify; they just prove nothing
// about who made the file.
const (
	// CodeKnownTestKey: a key whose private key is published, such as the
	// AOSP test keys.
	CodeKnownTestKey signer.Code = "KNOWN_TEST_KEY"
	// CodeKnownLeakedKey: an OEM platform key that leaked and signed
	// malware.
	CodeKnownLeakedKey signer.Code = "KNOWN_LEAKED_KEY"
	// CodeDebugCertificate: an Android debug certificate (CN=Android Debug,
	// O=Android, C=US), generated on a developer's machine.
	CodeDebugCertificate signer.Code = "DEBUG_CERTIFICATE"
	// CodeSystemSharedUserID: the manifest asks to share a system user ID
	// (android.uid.system, ...), which only an app signed with the device's
	// platform key gets.
	CodeSystemSharedUserID signer.Code = "SYSTEM_SHARED_USER_ID"

	// PolicyKnownKey is the Violation of a signer found among the known
	// keys, pinned or not, whose category the Policy does not allow
	// (Policy.AllowKnownKeyCategories).
	PolicyKnownKey signer.Code = "POLICY_KNOWN_KEY"
)

// Codes of the per-API-level signer invariant: every API level of the
// checked range has exactly one verified signer (for v1 and v2 one signer
// set), the one Android itself uses there.
const (
	// CodeLevelNoSigner: at these API levels the block Android reads
	// has no signer for the level (a v3/v3.1 SDK range gap), or none
	// that verified, so devices at these levels refuse the file.
	CodeLevelNoSigner signer.Code = "API_LEVEL_NO_SIGNER"
	// CodeLevelMultipleSigners: at these API levels the block Android
	// reads has several signers for the level; Android accepts exactly
	// one and refuses the file.
	CodeLevelMultipleSigners signer.Code = "API_LEVEL_MULTIPLE_SIGNERS"
	// CodeLevelSignerChange is a warning: the signing key changes from
	// one API level to the next without a proof-of-rotation explaining
	// it, so the app installs under unrelated identities depending on
	// the Android version.
	CodeLevelSignerChange signer.Code = "API_LEVEL_SIGNER_CHANGE_WITHOUT_ROTATION"
)

// CodeNoSignature is the Issue code of an APK that carries no signature at
// all: no JAR signature (neither META-INF/MANIFEST.MF nor a .SF file) and
// no v2, v3 or v3.1 block. apksig reports such a file as
// JAR_SIG_NO_MANIFEST, which says what is missing but not that the file
// is simply unsigned; that issue stays in Result.Errors after this one.
const CodeNoSignature signer.Code = "NO_SIGNATURE"

// PolicyInvalid is the only violation of a Policy that Validate refuses,
// when Evaluate is given one: an invalid Policy trusts nothing.
const PolicyInvalid signer.Code = "POLICY_INVALID"

// Codes of Violation and of PolicyResult.Warnings for the signing-history
// and rotation-capability rules (see Policy.History).
const (
	// PolicyHistoryFork: with Policy.History, a signer Android uses from
	// API 28 branches from the history at a key other than its current
	// one, or shares no key with it; or, below API 28, a signer is no key
	// of the history at all.
	PolicyHistoryFork signer.Code = "POLICY_HISTORY_FORK"
	// PolicyCapabilityMissing: a new key takes over through a lineage in
	// which the key it takes over from (the history's current key, or a
	// pinned key) was denied a capability Android requires for it:
	// installed-data for every update, shared-uid when the manifest sets
	// android:sharedUserId.
	PolicyCapabilityMissing signer.Code = "POLICY_LINEAGE_CAPABILITY_MISSING"
	// PolicyRotationWithoutHistory (a warning, not a violation): the file
	// is trusted because a signer's proof-of-rotation descends from a
	// pinned key, and no History was given. Without a history a retired
	// key can start its own branch (old → attacker's key), and the pin
	// cannot tell it from the app's real rotation.
	PolicyRotationWithoutHistory signer.Code = "POLICY_ROTATION_WITHOUT_HISTORY"
)

// Codes of Violation.
const (
	// PolicyNoTrustedKey: the policy names no trusted key and does not accept any signer.
	PolicyNoTrustedKey signer.Code = "POLICY_NO_TRUSTED_KEY"
	// PolicyNotVerified: the signatures did not verify, so nothing in the file can be trusted.
	PolicyNotVerified signer.Code = "POLICY_SIGNATURE_NOT_VERIFIED"
	// PolicyUntrustedSigner: a signer Android uses on the range is not a trusted key.
	PolicyUntrustedSigner signer.Code = "POLICY_UNTRUSTED_SIGNER"
	// PolicySignerNotInLineage: the signer is not in the trusted key's lineage.
	PolicySignerNotInLineage signer.Code = "POLICY_SIGNER_NOT_IN_LINEAGE"
	// PolicyRollbackNotAllowed: an older key of the lineage signs where rollback is not allowed.
	PolicyRollbackNotAllowed signer.Code = "POLICY_ROLLBACK_NOT_ALLOWED"
	// PolicyManifestUnavailable: the manifest facts the policy judges cannot be read.
	PolicyManifestUnavailable signer.Code = "POLICY_MANIFEST_UNAVAILABLE"
	// PolicyPackageMismatch: the package name is not the policy's.
	PolicyPackageMismatch signer.Code = "POLICY_PACKAGE_MISMATCH"
	// PolicyVersionTooLow: the versionCode is below the policy's minimum.
	PolicyVersionTooLow signer.Code = "POLICY_VERSION_TOO_LOW"
	// PolicyDebuggable: the app is debuggable and the policy refuses it.
	PolicyDebuggable signer.Code = "POLICY_DEBUGGABLE"
	// PolicyTestOnly: the app is testOnly and the policy refuses it.
	PolicyTestOnly signer.Code = "POLICY_TEST_ONLY"
	// PolicySchemeMissing: a scheme the policy requires did not verify.
	PolicySchemeMissing signer.Code = "POLICY_SCHEME_MISSING"

	// Policy.RequireSourceStamp: the APK has no source stamp, has one
	// that did not verify, or has a verified one signed by a stamp
	// certificate the policy does not trust.
	PolicySourceStampMissing signer.Code = "POLICY_SOURCE_STAMP_MISSING"
	// PolicySourceStampNotVerified: a required source stamp did not verify.
	PolicySourceStampNotVerified signer.Code = "POLICY_SOURCE_STAMP_NOT_VERIFIED"
	// PolicySourceStampUntrusted: a verified stamp is signed by a stamp certificate the policy does not trust.
	PolicySourceStampUntrusted signer.Code = "POLICY_SOURCE_STAMP_UNTRUSTED"

	// Policy.RequireFrosting: the APK has no Play frosting, or has one
	// that did not verify with a known key.
	PolicyFrostingMissing signer.Code = "POLICY_FROSTING_MISSING"
	// PolicyFrostingNotVerified: a required Play frosting did not verify with a known key.
	PolicyFrostingNotVerified signer.Code = "POLICY_FROSTING_NOT_VERIFIED"
)

// Codes of the rules an install set (a base APK and its splits) must
// follow, reported in SetResult.Errors. They are the platform installer's
// rules (ApkLiteParseUtils, PackageInstallerSession), each under a name
// of its own.
const (
	// SetBaseMissing: no APK without a split attribute.
	SetBaseMissing signer.Code = "SET_BASE_MISSING"
	// SetBaseDuplicate: more than one APK without a split attribute.
	SetBaseDuplicate signer.Code = "SET_BASE_DUPLICATE"
	// SetPackageMismatch: an APK names another package than the base.
	SetPackageMismatch signer.Code = "SET_PACKAGE_MISMATCH"
	// SetVersionMismatch: an APK has another (long) versionCode.
	SetVersionMismatch signer.Code = "SET_VERSION_MISMATCH"
	// SetSplitDuplicate: two APKs carry the same split name.
	SetSplitDuplicate signer.Code = "SET_SPLIT_DUPLICATE"
	// SetSignerMismatch: a split is not signed by exactly the base's
	// signers, on some API level of the range.
	SetSignerMismatch signer.Code = "SET_SIGNER_MISMATCH"
	// SetAPKNotVerified: an APK does not verify on its own (its Result
	// says why) or could not be read.
	SetAPKNotVerified signer.Code = "SET_APK_NOT_VERIFIED"
	// SetSplitRequiredMissing: the base sets android:isSplitRequired and
	// there is no split, or an APK's android:requiredSplitTypes names a
	// type no split provides (android:splitTypes).
	SetSplitRequiredMissing signer.Code = "SET_SPLIT_REQUIRED_MISSING"
	// SetSplitDependencyMissing: a split's <uses-split> or configForSplit
	// names a split that is not in the set.
	SetSplitDependencyMissing signer.Code = "SET_SPLIT_DEPENDENCY_MISSING"
)

// Codes of the evidence a failed verification left unchecked. They are
// reported only in Result.SourceStamp and Result.V4, never in
// Result.Errors: the file already failed for the reasons there.
const (
	// CodeStampNotChecked: the APK has a source stamp, but its
	// signatures did not verify, and a stamp vouches only for content
	// whose signatures verified.
	CodeStampNotChecked signer.Code = "SOURCE_STAMP_NOT_CHECKED"
	// CodeV4NotChecked: a v4 signature file was given, but the APK's
	// v2/v3 signatures it pairs with did not verify.
	CodeV4NotChecked signer.Code = "V4_SIG_NOT_CHECKED"
	// CodeV4NotApplicable: a v4 signature file was given, but no Android
	// version of the range reads the v2/v3 signature it pairs with.
	CodeV4NotApplicable signer.Code = "V4_SIG_NOT_APPLICABLE"
)
