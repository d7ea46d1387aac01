package apkverify

import (
	"crypto/ecdsa"
	"encoding/hex"
	"io"
	"strings"

	"github.com/apktrust/apktrust/signer"
)

// Options configure Verify. The zero value is ready to use: it verifies
// for every Android version from the manifest's minSdk to the newest, and
// applies no trust policy (Result.Trusted is then not reported).
type Options struct {
	// MinSDK and MaxSDK bound the Android API levels to verify for, like
	// apksigner's --min-sdk-version and --max-sdk-version. Zero means the
	// manifest's minSdk and every future version respectively.
	MinSDK int
	MaxSDK int

	// V4Signature is an APK Signature Scheme v4 file (.idsig) to verify
	// together with the APK, V4SignatureSize its length. Nil for none.
	V4Signature     io.ReaderAt
	V4SignatureSize int64

	// frostingKeys replace the Play frosting keys (the keys Google Play published,
	// indexed by the key index a frosting entry names) in tests, which
	// sign frosting with keys of their own (export_test.go); nil in use.
	frostingKeys []*ecdsa.PublicKey

	// Policy, when non-nil, is the trust policy to apply once the
	// signatures verified. See Policy.
	Policy *Policy

	// KnownKeys are the caller's own known keys (a revoked key, an
	// internal test key), looked up before the built-in table
	// (signer.BuiltinKnownKeys); read a file with signer.ParseKnownKeys.
	// Every signer, lineage and stamp certificate found among them gets a
	// warning (KNOWN_TEST_KEY, KNOWN_LEAKED_KEY, DEBUG_CERTIFICATE) and,
	// under a Policy, a signer gets POLICY_KNOWN_KEY.
	KnownKeys []signer.KnownKey
}

// Policy is what an authentic build of the app must look like.
//
// A Policy trusts nothing unless it names the app's signing certificates
// in TrustedCertSHA256, or explicitly opts out with
// InsecureAcceptAnySigner: a Policy that only checks the package name must
// never make a file signed by anyone look trusted. Such a Policy reports
// the violation POLICY_NO_TRUSTED_KEY.
type Policy struct {
	// TrustedCertSHA256 are the SHA-256 fingerprints of the certificates
	// the app may be signed with, in hex (upper or lower case, colons and
	// spaces allowed): for Play apps, the "App signing key certificate"
	// SHA-256 from the Play Console.
	//
	// With key rotation, pinning either the old or the new key trusts a
	// file whose newer signer proves rotation from the old one. A file
	// signed only by the old key is trusted only when the old key is
	// pinned: nothing in it shows the new key's consent. The key Android
	// uses is checked on every API level of the range (Result.Signers):
	// a file that presents another key on some levels, without a lineage
	// from a pinned key, is not trusted.
	TrustedCertSHA256 []string

	// InsecureAcceptAnySigner trusts whoever signed the file, as long as
	// the signatures verify and the other rules hold. It exists for tools
	// that only check manifest facts; with it, Trusted says nothing about
	// who built the file. It is ignored when TrustedCertSHA256 is set: the
	// keys are then always checked.
	InsecureAcceptAnySigner bool

	// Package, when set, is the required package name.
	Package string
	// MinVersionCode, when non-zero, is the smallest acceptable
	// versionCode (protects against downgrades to old, vulnerable builds).
	MinVersionCode int64

	// AllowDebuggable and AllowTestOnly accept builds whose manifest sets
	// android:debuggable or android:testOnly; both are refused by default
	// because they are not release builds.
	AllowDebuggable bool
	AllowTestOnly   bool

	// RequireSchemes lists schemes that must have verified for the
	// checked SDK range (for example signer.SchemeV2 to refuse v1-only
	// files). Use the names of Result.Schemes: v1, v2, v3, v31, v4.
	RequireSchemes []signer.Scheme

	// History is the app's known signing history: a lineage file from
	// apksigner rotate, or the lineage of a release already trusted
	// (Result.LineageOf). When set, every signer Android uses from API 28
	// must be accepted the way Android accepts an update of the app
	// installed under History's current key: its lineage holds that key
	// (with the installed-data capability) and goes on from it, or it is
	// that key, or it is an older key History grants the rollback
	// capability. Anything else, above all a branch that a retired key
	// started (old → attacker's key), is refused (POLICY_HISTORY_FORK,
	// POLICY_ROLLBACK_NOT_ALLOWED, POLICY_LINEAGE_CAPABILITY_MISSING).
	// Only a History protects against such forks: without one, a pinned
	// key vouches for every key its lineages rotate to, and such a
	// result carries the POLICY_ROTATION_WITHOUT_HISTORY warning.
	History *signer.Lineage

	// RequireSourceStamp requires a source stamp that verified and was
	// signed by one of TrustedStampCertSHA256: evidence that the
	// distributor owning that stamp key (Google Play, for
	// PlayStoreStampCertSHA256) saw exactly this content. Violations:
	// POLICY_SOURCE_STAMP_MISSING, POLICY_SOURCE_STAMP_NOT_VERIFIED,
	// POLICY_SOURCE_STAMP_UNTRUSTED, and POLICY_SOURCE_STAMP_SIGNER_NOT_COVERED
	// for a stamp that verified but does not cover the signers Android
	// uses (SourceStamp.Binding).
	//
	// The stamp says nothing about who built the app: the signing-key
	// rules above still apply, so a Policy that only requires a stamp
	// still needs TrustedCertSHA256 or InsecureAcceptAnySigner.
	RequireSourceStamp bool
	// TrustedStampCertSHA256 are the SHA-256 fingerprints of the stamp
	// certificates accepted by RequireSourceStamp, in the hex forms of
	// TrustedCertSHA256. A stamp whose verified proof-of-rotation contains
	// one of them is also accepted. RequireSourceStamp without any, or any
	// without RequireSourceStamp, is an invalid Policy (ErrInvalidOptions):
	// a stamp signed by an arbitrary key proves nothing, and trusted stamp
	// certificates that are never checked would be a silent mistake.
	TrustedStampCertSHA256 []string

	// RequireFrosting requires Google Play frosting that verified with a
	// known Play key (one Google Play published): evidence that the file is as Play
	// delivered it. Violations: POLICY_FROSTING_MISSING,
	// POLICY_FROSTING_NOT_VERIFIED, and POLICY_FROSTING_SIGNER_NOT_COVERED
	// for frosting that verified but does not cover the signers Android
	// uses (Frosting.Binding). Without it, frosting is only reported.
	RequireFrosting bool

	// SameReleaseAs, when set, is the verified Result of the release the
	// pipeline built, usually the App Bundle it uploaded (VerifyFile on
	// the .aab): the file must have its package and versionCode
	// (POLICY_RELEASE_MISMATCH). A Result that did not verify or has no
	// manifest trusts nothing (POLICY_RELEASE_NOT_VERIFIED). Combined with
	// TrustedCertSHA256 set to the app signing key, it checks that what
	// Google Play delivers is that release, signed by that key.
	SameReleaseAs *Result

	// AllowKnownKeyCategories accepts signers from the known keys of these
	// categories (signer.KnownKeyTestKey, KnownKeyLeakedPlatform,
	// KnownKeyDebug), for example test keys on a test device farm. Any
	// other known signer is the violation POLICY_KNOWN_KEY, even when it
	// is pinned in TrustedCertSHA256.
	AllowKnownKeyCategories []string
}

// PlayStoreStampCertSHA256 is the SHA-256 of the source stamp certificate
// (CN=Android, OU=Android, O=Google Inc.) seen on the APKs Google Play
// delivers, for Policy.TrustedStampCertSHA256.
//
// Google does not publish it: it was observed on many unrelated apps
// delivered by Play from 2022 to 2026. A policy relying on it relies on
// that observation, and must be updated should Google rotate the key.
const PlayStoreStampCertSHA256 = "3257d599a49d2c961a471ca9843f59d341a405884583fc087df4237b733bbd6d"

// parseFingerprint accepts the usual ways a SHA-256 fingerprint is
// written: keytool's colon-separated upper case, the Play Console's, or
// plain hex.
func parseFingerprint(s string) ([32]byte, bool) {
	var out [32]byte
	clean := strings.Map(func(r rune) rune {
		switch r {
		case ':', ' ', '\t', '-':
			return -1
		}
		return r
	}, s)
	b, err := hex.DecodeString(clean)
	if err != nil || len(b) != 32 {
		return out, false
	}
	copy(out[:], b)
	return out, true
}
