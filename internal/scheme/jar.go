package scheme

import (
	"context"
	"crypto"
	"errors"
	"strings"

	"github.com/apktrust/apktrust/internal/apkzip"
	"github.com/apktrust/apktrust/internal/jarmanifest"
)

// weakDigestError names the weak digest attribute; it matches
// CodeJarWeakDigest.
type weakDigestError struct{ attr string }

func (e *weakDigestError) Error() string {
	return e.attr + " is the strongest digest; a JAR signature needs SHA-256 or stronger"
}

func (e *weakDigestError) Is(target error) bool { return target == CodeJarWeakDigest }

// VerifyJAR verifies the JAR signature of an archive that is not an APK,
// an Android App Bundle above all, the way `jarsigner -verify` checks it
// but strictly. It is the v1 verifier, both its readings (apksig's and
// the StrictJarVerifier one that descends from java.util.jar's) required
// to agree, on the current platform's rules, with these differences:
//
//   - Every entry except META-INF/MANIFEST.MF and the signature files
//     (META-INF/*.SF, *.RSA, *.DSA, *.EC, SIG-*) must be in the manifest,
//     with a matching digest, and named by the .SF of every signer (the
//     same set for all entries). An entry added after signing is an error
//     (jarsigner only warns), and so is a manifest section whose entry was
//     removed (jarsigner says nothing).
//   - Digests must be SHA-256 or stronger (the strongest digest of each
//     section is checked) and signatures SHA-256 or stronger with RSA, EC
//     or DSA keys: SHA-1 fails (CodeJarWeakDigest, CodeJarWeakAlgorithm).
//   - No APK rule applies: no per-API-level algorithm table, no
//     X-Android-APK-Signed stripping protection, no APK Signing Block.
//
// Present is true when the archive has a manifest or a .SF file; Verified
// when every signer verified. Issues and the result carry SchemeJAR.
func VerifyJAR(ctx context.Context, a *apkzip.Archive) *SchemeResult {
	out := verifyV1(ctx, a, V1Options{}, true)
	r := out.Result
	r.Scheme = SchemeJAR
	relabel := func(is []Issue) {
		for i := range is {
			is[i].Scheme = SchemeJAR
		}
	}
	relabel(r.Errors)
	relabel(r.Warnings)
	for _, s := range r.Signers {
		relabel(s.Errors)
		relabel(s.Warnings)
	}
	return r
}

// unsignedEntry reports whether an entry is outside what the signature
// covers: for an APK anything under META-INF/ (Android's rule); for a JAR
// only the manifest and the signature files, as java.util.jar names them.
func (v *v1Verifier) unsignedEntry(name string) bool {
	if !v.jar {
		return strings.HasPrefix(name, "META-INF/")
	}
	up := strings.ToUpper(name)
	rest, ok := strings.CutPrefix(up, "META-INF/")
	if !ok || strings.Contains(rest, "/") {
		return false
	}
	if rest == "MANIFEST.MF" || strings.HasPrefix(rest, "SIG-") {
		return true
	}
	for _, ext := range []string{".SF", ".RSA", ".DSA", ".EC"} {
		if strings.HasSuffix(rest, ext) {
			return true
		}
	}
	return false
}

// jarStrongAlgorithm accepts a SignerInfo whose digest and signature hash
// are SHA-256, SHA-384 or SHA-512 and whose key is RSA, EC or DSA.
func jarStrongAlgorithm(digestOID, sigOID string) bool {
	strong := func(h crypto.Hash) bool {
		return h == crypto.SHA256 || h == crypto.SHA384 || h == crypto.SHA512
	}
	dh, ok := v1DigestHash(digestOID)
	if !ok || !strong(dh) {
		return false
	}
	h, family, ok := v1SignatureScheme(digestOID, sigOID)
	return ok && strong(h) && (family == "RSA" || family == "EC" || family == "DSA")
}

// jarWeakDigest returns CodeJarWeakDigest when a section without a digest
// Android reads has one that java.util.jar reads (SHA-1 and MD5 under
// their other spellings), nil otherwise.
func jarWeakDigest(sec *jarmanifest.Section, suffix string) error {
	for _, alg := range []string{"SHA-1", "SHA", "MD5"} {
		if _, ok := sec.Get(alg + suffix); ok {
			return &weakDigestError{alg + suffix}
		}
	}
	return nil
}

// digestErrCode is the issue code of an error digestsToVerify returned.
func digestErrCode(err error) Code {
	if errors.Is(err, CodeJarWeakDigest) {
		return CodeJarWeakDigest
	}
	return CodeJarMalformedDigest
}
