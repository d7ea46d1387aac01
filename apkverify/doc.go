// Package apkverify answers the question people bring to an APK: is this
// file an authentic build of our app, signed by our official signing key,
// and valid on every Android version it installs on?
//
// Verify reads the file once through io.ReaderAt (the APK is never loaded
// into memory), runs the signature schemes of package signer, and then
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
// involved.
//
// Verify returns an error only when verification could not run: the file
// could not be read, is not an APK Android would parse, has no usable
// AndroidManifest.xml where the SDK range depends on it, or the context
// was cancelled. A signature that does not verify or a policy violation is
// a Result; Result.Err turns it into an error for callers that only want
// a yes or no.
package apkverify
