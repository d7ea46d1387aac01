package apkverify

import (
	"slices"
	"strings"

	"github.com/apktrust/apktrust/signer"
)

// checkBundleSigners holds an App Bundle to the pinned upload keys: every
// signer of its JAR signature must be pinned. A JAR's signers are a set
// that anyone can add to without breaking the others, so one pinned signer
// beside an unknown one is not the pipeline's bundle alone. It returns the
// trusted signer, "" when none.
func checkBundleSigners(res *Result, trusted [][32]byte, add func(signer.Code, string, ...any)) string {
	var others []string
	for _, s := range res.Signers {
		if s.Certificate == nil || !slices.Contains(trusted, s.Certificate.SHA256) {
			others = append(others, describeCert(s.Certificate))
		}
	}
	switch {
	case len(others) > 0:
		add(PolicyUntrustedSigner, "the bundle is signed by %s, not a pinned upload key; expected only %s",
			strings.Join(others, " and "), listFingerprints(trusted))
	case len(res.Signers) > 0:
		return res.Signers[0].CertSHA256
	}
	return ""
}

// checkSameRelease requires the file to be the release of
// Policy.SameReleaseAs: the same package and versionCode as the bundle
// (or file) the pipeline built and verified.
func checkSameRelease(res *Result, rel *Result, add func(signer.Code, string, ...any)) {
	if rel == nil {
		return
	}
	what := "the release"
	if rel.Kind == KindAppBundle {
		what = "the bundle"
	}
	if rel.File != "" {
		what += " " + rel.File
	}
	switch {
	case !rel.Verified || rel.Manifest == nil:
		add(PolicyReleaseNotVerified, "%s did not verify or has no readable manifest, so it cannot say which release to expect", what)
	case res.Manifest == nil:
		add(PolicyReleaseMismatch, "the manifest could not be read, so it cannot be compared with %s (package %q, versionCode %d)",
			what, rel.Manifest.Package, rel.Manifest.VersionCode)
	case res.Manifest.Package != rel.Manifest.Package || res.Manifest.VersionCode != rel.Manifest.VersionCode:
		add(PolicyReleaseMismatch, "package %q versionCode %d, but %s is package %q versionCode %d: not the release the pipeline built",
			res.Manifest.Package, res.Manifest.VersionCode, what, rel.Manifest.Package, rel.Manifest.VersionCode)
	}
}
