package main

import (
	"context"
	"fmt"

	"github.com/apktrust/apktrust/apkverify"
)

// bundleReason is the verdict line's reason for an App Bundle that
// verified: what it is and its upload key. ok is false for other files
// and for failures, whose reasons are the same as an APK's.
func bundleReason(v verdict, res *apkverify.Result) (string, bool) {
	if res.Kind != apkverify.KindAppBundle {
		return "", false
	}
	switch v {
	case verdictTrusted:
		return "bundle " + appSummary(res) + "upload key " + signerName(res, res.Policy.TrustedSigner), true
	case verdictVerified:
		return "bundle " + appSummary(res) + "upload key " + signerName(res, ""), true
	}
	return "", false
}

// printBundleDetails prints an App Bundle: its upload key (the JAR
// signers), the facts of each module's manifest, then the findings and
// the policy's decision as for an APK.
func (c *config) printBundleDetails(res *apkverify.Result) {
	w := c.stdout
	for _, wi := range res.Warnings {
		if isKeyWarning(string(wi.Code)) {
			fmt.Fprintf(w, "  WARNING %s\n", issueLine(wi))
		}
	}
	fmt.Fprintln(w, "  kind:     Android App Bundle, JAR-signed with the upload key (Google Play signs the APKs it makes with the app signing key)")
	if len(res.Signers) > 0 {
		fmt.Fprintln(w, "  upload key:")
		for _, sg := range res.Signers {
			fmt.Fprintf(w, "    %-4s %s %s\n", sg.Scheme, sg.CertSHA256, esc(sg.Subject))
			printCertificate(c, sg)
		}
	}
	printApp(w, res.Manifest)
	if len(res.Modules) > 0 {
		fmt.Fprintln(w, "  modules:")
		for _, m := range res.Modules {
			mf := m.Manifest
			fmt.Fprintf(w, "    %-12s %s versionCode %d", esc(m.Name), esc(mf.Package), mf.VersionCode)
			if mf.Debuggable {
				fmt.Fprint(w, ", DEBUGGABLE")
			}
			fmt.Fprintln(w)
		}
	}
	c.printFindings(res)
}

// sameRelease verifies the bundle (or file) --same-release-as names, for
// Policy.SameReleaseAs. A file that cannot be read at all is a usage
// error; one that does not verify is kept, so every input is refused with
// POLICY_RELEASE_NOT_VERIFIED.
func sameRelease(path string, opts apkverify.Options) (*apkverify.Result, error) {
	res, err := apkverify.VerifyFile(context.Background(), path, apkverify.Options{KnownKeys: opts.KnownKeys})
	if err != nil {
		return nil, fmt.Errorf("--same-release-as %s: %w", path, err)
	}
	return res, nil
}
