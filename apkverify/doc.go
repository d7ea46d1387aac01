// Package apkverify answers the question people bring to an APK: is this
// file an authentic build of our app, signed by our official signing key,
// and valid on every Android version it installs on?
//
// Verify reads the file once through io.ReaderAt (the APK is never loaded
// into memory), runs the signature schemes (reporting in package signer's
// types: SchemeResult, SignerResult, Issue), and then
// applies Android's own rules for the checked SDK range, the way AOSP
// apksig's ApkVerifier does:
//
//   - which schemes the platform checks on which API levels: JAR (v1) below
//     API 24 or when the file has no v2+ signature, v2 from 24, v3 from 28,
//     v3.1 from 33 (the v3.1 signer applies from its own minSdk);
//   - stripping protection: a v1 or v2 signature that names a newer scheme
//     missing from the file fails;
//   - targetSandboxVersion ≥ 2 and targetSdk ≥ 30 require a v2+ signature;
//   - the signer sets of v1, v2 and v3 must agree, or follow the v3
//     proof-of-rotation lineage.
//
// The Result says whether the file verified (Result.Verified, with
// apksig's issue codes in Result.Errors), which schemes counted, and which
// signer Android uses on which SDK range (Result.Signers): with key
// rotation an app legitimately presents an old key to old Android versions
// and a new one to newer versions.
//
// A Policy in Options then decides trust: the signing certificates the app
// is allowed to be signed with (the Play App Signing key's SHA-256 from the
// Play Console), the package name, a minimum versionCode, and no debuggable
// or testOnly builds. Result.Trusted and Result.Policy report the outcome,
// each violation with a stable code and a message naming the certificates
// involved. Without a Policy, Result.Policy is nil and Trusted is false:
// "not asked", which Result.Err does not count as a failure; with one,
// Trusted false means rejected.
//
// A Result logs with log/slog as its summary (Result.LogValue). Its text
// fields hold what the file holds (names and subjects may contain control
// characters or invalid UTF-8): escape them before printing to a terminal.
//
// Keys anyone can sign with (the AOSP test keys, OEM platform keys that
// leaked, Android debug certificates) are looked up for every signer,
// lineage and stamp certificate: a match is a warning (CodeKnownTestKey,
// CodeKnownLeakedKey, CodeDebugCertificate) and, under a Policy, the
// violation POLICY_KNOWN_KEY even for a pinned key. Options.KnownKeys adds
// the caller's own entries.
//
// # Evidence: what each piece proves, and what it does not
//
// The signing key (Result.Signers, Policy.TrustedCertSHA256) says who
// signed the file: for a Play app, the app signing key Google holds for
// the developer. It is the only evidence that the build is the app's own.
// It says nothing about how the file reached you.
//
// The source stamp (Result.SourceStamp, Policy.RequireSourceStamp) is a
// second signature, by the distributor's stamp key, over the same content
// digests as the app's signatures; the app's signatures in turn cover the
// stamp-cert-sha256 entry naming the stamp certificate. A verified stamp
// by PlayStoreStampCertSHA256 shows that its signer (for Play, Google)
// saw exactly this content. That certificate is an observation from many
// Play deliveries; Google does not publish it. The manifest markers
// com.android.stamp.source and com.android.stamp.type (SourceStamp.Source
// and Type) are written into the manifest and prove nothing unless the
// stamp verifies. A stamp is checked only when the signatures verified.
// apksigner 31 does not verify stamps with the timestamp attribute
// (present on recent Play deliveries), so it may disagree.
//
// The v4 signature (Result.V4, Options.V4Signature) is the .idsig file of
// incremental installs: verified, it shows that the incremental-install
// signature and its fs-verity Merkle tree match this APK and its v2/v3
// signer. It proves nothing about distribution. Schemes.V4 is true only
// when a given .idsig fully verified.
//
// Play frosting (Result.Frosting, Policy.RequireFrosting) is Google Play's
// signature over its delivery metadata and a digest of the APK. Its layout
// is known only from public reverse engineering, not from Google; key index
// 0 is the key the Play Store app published in its configuration. It
// never changes Verified: a failure is reported in Result.Frosting alone
// and matters only to a Policy that requires it.
//
// Evidence a file does not carry is reported with Present false and no
// errors; only a Policy requiring it turns its absence into a violation
// (POLICY_SOURCE_STAMP_MISSING, POLICY_FROSTING_MISSING). A stamp or
// frosting requirement never replaces the signing key: such a Policy
// still needs TrustedCertSHA256 or InsecureAcceptAnySigner.
//
// # Install sets
//
// VerifySet, VerifyBundle and VerifySetFiles verify the APKs of one
// install (a base and its splits, or a .apks / .xapk / .apkm bundle
// recognised by content) together, with the installer's rules (SetResult,
// SET_... codes); Verify refuses a bundle with ErrBundle.
//
// Verify returns an error only when verification could not run: the file
// could not be read, is not an APK Android would parse, has no usable
// AndroidManifest.xml where the SDK range depends on it, or the context
// was cancelled. A signature that does not verify or a policy violation is
// a Result; Result.Err turns it into an error for callers that only want
// a yes or no.
package apkverify
