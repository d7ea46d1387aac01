package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/apktrust/apktrust/apkverify"
	"github.com/apktrust/apktrust/internal/safetext"
	"github.com/apktrust/apktrust/internal/scheme"
	"github.com/apktrust/apktrust/signer"
)

// verdict is the answer of the first line for one input.
type verdict int

const (
	verdictTrusted verdict = iota
	verdictNotTrusted
	verdictVerified
	verdictNotVerified
	verdictCannotRead
)

// words are the verdicts as the first line prints them; json as --json
// does ("verdict").
var verdictText = map[verdict]struct{ words, json, color string }{
	verdictTrusted:     {"TRUSTED", "trusted", "\x1b[1;32m"},
	verdictNotTrusted:  {"NOT TRUSTED", "not-trusted", "\x1b[1;31m"},
	verdictVerified:    {"VERIFIED (no policy)", "verified", "\x1b[1;32m"},
	verdictNotVerified: {"NOT VERIFIED", "not-verified", "\x1b[1;31m"},
	verdictCannotRead:  {"CANNOT READ", "cannot-read", "\x1b[1;33m"},
}

func (c *config) verdictOf(o *outcome) verdict {
	switch o.class() {
	case classUnreadable, classUsage, classInterrupted:
		return verdictCannotRead
	}
	policy := c.opts.Policy != nil
	switch {
	case o.res != nil && o.res.Policy != nil && o.res.Trusted && o.res.Verified:
		return verdictTrusted
	case policy:
		return verdictNotTrusted
	case o.res != nil && o.res.Verified:
		return verdictVerified
	}
	return verdictNotVerified
}

// useColor reports whether verdicts are coloured: only on a terminal, and
// never when NO_COLOR is set (https://no-color.org) or TERM is dumb.
func (c *config) useColor() bool {
	if os.Getenv("NO_COLOR") != "" || os.Getenv("TERM") == "dumb" {
		return false
	}
	return isTerminal(c.stdout)
}

// esc escapes text that comes from the input.
func esc(s string) string { return safetext.Escape(s) }

// printHuman prints the verdict line, then the details indented.
func (c *config) printHuman(i int, o *outcome) {
	w := c.stdout
	if i > 0 && !c.quiet {
		fmt.Fprintln(w)
	}
	v := c.verdictOf(o)
	words := verdictText[v].words
	if c.useColor() {
		words = verdictText[v].color + words + "\x1b[0m"
	}
	name := o.in.name
	if name == "-" {
		name = "(stdin)"
	}
	fmt.Fprintf(w, "%s  %s: %s\n", words, esc(name), esc(shortenFingerprints(c.reason(v, o))))
	if c.quiet {
		return
	}
	switch {
	case o.in.readErr != nil:
	case o.err != nil:
		fmt.Fprintf(w, "  ERROR %s: %s\n", errCode(o.err), esc(errMessage(o.err)))
	case o.res.Kind == apkverify.KindAppBundle:
		c.printBundleDetails(o.res)
	default:
		c.printDetails(o.res)
	}
}

// reason is the one-line reason of the verdict line.
func (c *config) reason(v verdict, o *outcome) string {
	switch {
	case o.in.readErr != nil:
		var pe *fs.PathError
		if errors.As(o.in.readErr, &pe) {
			return pe.Err.Error()
		}
		return o.in.readErr.Error()
	case o.err != nil:
		if v == verdictCannotRead {
			return errMessage(o.err)
		}
		return fmt.Sprintf("refused: %s [%s]", errMessage(o.err), errCode(o.err))
	}
	res := o.res
	if r, ok := bundleReason(v, res); ok {
		return r
	}
	switch v {
	case verdictTrusted:
		who := "signed by " + signerName(res, res.Policy.TrustedSigner)
		if res.Policy.InsecureAcceptAnySigner {
			who = "signer NOT checked (--insecure-any-signer)"
		}
		return appSummary(res) + who
	case verdictVerified:
		return appSummary(res) + "signed by " + signerName(res, "") + ", " + sdkRange(res.MinSDK, res.MaxSDK)
	case verdictNotTrusted:
		if !res.Verified && len(res.Errors) > 0 {
			return "did not verify: " + issueReason(res.Errors[0]) + more(len(res.Errors)-1, "error")
		}
		if p := res.Policy; p != nil && len(p.Violations) > 0 {
			return p.Violations[0].Message + more(len(p.Violations)-1, "policy violation")
		}
	case verdictNotVerified:
		if len(res.Errors) > 0 {
			return issueReason(res.Errors[0]) + more(len(res.Errors)-1, "error")
		}
	}
	return "see the details below"
}

func more(n int, what string) string {
	switch {
	case n == 1:
		return fmt.Sprintf(" (and 1 more %s)", what)
	case n > 1:
		return fmt.Sprintf(" (and %d more %ss)", n, what)
	}
	return ""
}

func issueReason(i apkverify.Issue) string {
	where := ""
	if i.Scheme != "" {
		where = " " + string(i.Scheme)
	}
	return fmt.Sprintf("%s [%s%s]", i.Message, i.Code, where)
}

// appSummary is "package versionName (versionCode), " when the manifest
// was read.
func appSummary(res *apkverify.Result) string {
	m := res.Manifest
	if m == nil {
		return ""
	}
	s := m.Package
	if m.VersionName != "" {
		s += " " + m.VersionName
	}
	return fmt.Sprintf("%s (%d), ", s, m.VersionCode)
}

// signerName names the signers the verdict rests on: the one with the
// given fingerprint, else every signer Android uses on the newest
// versions of the range (several for a file with several v1/v2 signers).
func signerName(res *apkverify.Result, fp string) string {
	var names []string
	seen := map[string]bool{}
	for _, sg := range res.Signers {
		if (fp != "" && sg.CertSHA256 != fp) || (fp == "" && sg.MaxSDK != res.MaxSDK) || seen[sg.CertSHA256] {
			continue
		}
		seen[sg.CertSHA256] = true
		name := sg.CertSHA256
		if sg.Subject != "" {
			name += " (" + sg.Subject + ")"
		}
		names = append(names, name)
	}
	if len(names) == 0 {
		return "(no signer)"
	}
	return strings.Join(names, " and ")
}

var fingerprintRE = regexp.MustCompile(`\b[0-9a-f]{64}\b`)

// shortenFingerprints writes SHA-256 fingerprints as the first and last
// four digits, for the verdict line; the details print them in full.
func shortenFingerprints(s string) string {
	return fingerprintRE.ReplaceAllStringFunc(s, func(fp string) string { return fp[:4] + "…" + fp[60:] })
}

func errCode(err error) string {
	var ve *signer.Error
	if errors.As(err, &ve) {
		return string(ve.Code)
	}
	return "ERROR"
}

func errMessage(err error) string {
	return strings.TrimPrefix(err.Error(), errCode(err)+": ")
}

func sdkRange(lo, hi int) string {
	if hi == scheme.MaxSDK {
		return fmt.Sprintf("API %d+", lo)
	}
	if lo == hi {
		return fmt.Sprintf("API %d", lo)
	}
	return fmt.Sprintf("API %d-%d", lo, hi)
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// isKeyWarning reports whether a warning is about the signing key itself
// (a published test key, a leaked key, a debug certificate): those go
// right under the verdict line.
func isKeyWarning(code string) bool {
	return strings.HasPrefix(code, "KNOWN_") || code == "DEBUG_CERTIFICATE"
}

// printDetails prints, indented, what apksigner verify -v --print-certs
// prints, but says which key signs for which Android versions and why a
// file fails.
func (c *config) printDetails(res *apkverify.Result) {
	w := c.stdout
	for _, wi := range res.Warnings {
		if isKeyWarning(string(wi.Code)) {
			fmt.Fprintf(w, "  WARNING %s\n", issueLine(wi))
		}
	}
	s := res.Schemes
	fmt.Fprintf(w, "  checked:  %s\n", sdkRange(res.MinSDK, res.MaxSDK))
	fmt.Fprintf(w, "  schemes:  v1 %s, v2 %s, v3 %s, v3.1 %s, v4 %s\n", yesNo(s.V1), yesNo(s.V2), yesNo(s.V3), yesNo(s.V31), yesNo(s.V4))
	if len(res.Signers) > 0 {
		fmt.Fprintln(w, "  signers:")
		shown := map[string]bool{}
		for _, sg := range res.Signers {
			rot := ""
			if sg.Rotated {
				rot = " (rotated)"
			}
			fmt.Fprintf(w, "    %-12s %-4s %s %s%s\n", sdkRange(sg.MinSDK, sg.MaxSDK), sg.Scheme, sg.CertSHA256, esc(sg.Subject), rot)
			if !shown[sg.CertSHA256] {
				shown[sg.CertSHA256] = true
				printCertificate(c, sg)
			}
		}
	}
	if len(res.Lineage) > 0 {
		fmt.Fprintln(w, "  key rotation (oldest first):")
		for _, n := range res.Lineage {
			fmt.Fprintf(w, "    %s %s [%s]\n", n.CertSHA256, esc(n.Subject), strings.Join(n.Capabilities, " "))
		}
	}
	printApp(w, res.Manifest)
	c.printEvidence(res)
	c.printFindings(res)
}

// printApp prints the manifest's facts, when it was read.
func printApp(w io.Writer, m *apkverify.Manifest) {
	if m == nil {
		return
	}
	fmt.Fprintf(w, "  app:      %s versionCode %d (%s), minSdk %d, targetSdk %d", esc(m.Package), m.VersionCode, esc(m.VersionName), m.MinSDK, m.TargetSDK)
	if m.Debuggable {
		fmt.Fprint(w, ", DEBUGGABLE")
	}
	if m.TestOnly {
		fmt.Fprint(w, ", TEST-ONLY")
	}
	fmt.Fprintln(w)
}

// printFindings prints the errors, the other warnings, the schemes (with
// -v) and the policy's decision.
func (c *config) printFindings(res *apkverify.Result) {
	w := c.stdout
	for _, e := range res.Errors {
		fmt.Fprintf(w, "  ERROR %s\n", issueLine(e))
	}
	c.printWarnings(res.Warnings)
	if c.verbose {
		c.printSchemeResults(res)
	}
	if p := res.Policy; p != nil {
		c.printPolicy(p, res.Trusted)
	}
}

// printPolicy prints the policy's outcome: the trusted signer, or every
// violation, then its warnings.
func (c *config) printPolicy(p *apkverify.PolicyResult, trusted bool) {
	w := c.stdout
	if trusted {
		who := p.TrustedSigner
		if p.InsecureAcceptAnySigner {
			who = "any signer (--insecure-any-signer: the key was NOT checked)"
		}
		fmt.Fprintf(w, "  policy:   trusted (signer %s)\n", who)
	} else {
		fmt.Fprintln(w, "  policy:   not trusted")
		for _, v := range p.Violations {
			fmt.Fprintf(w, "    %s: %s\n", v.Code, esc(v.Message))
		}
	}
	for _, v := range policyWarnings(p) {
		fmt.Fprintf(w, "    WARNING %s: %s\n", v.Code, esc(v.Message))
	}
}

// sameCodeShown is how many warnings of one code (and scheme) are printed
// before the rest are counted; -v prints them all. A v1 signature can
// leave hundreds of entries unprotected, each its own warning.
const sameCodeShown = 3

// printWarnings prints the warnings other than the key warnings (already
// under the verdict line), each code at least once, in their order.
func (c *config) printWarnings(warnings []apkverify.Issue) {
	count := map[string]int{}
	for _, wi := range warnings {
		count[string(wi.Code)+"\x00"+string(wi.Scheme)]++
	}
	shown := map[string]int{}
	for _, wi := range warnings {
		if isKeyWarning(string(wi.Code)) {
			continue
		}
		key := string(wi.Code) + "\x00" + string(wi.Scheme)
		shown[key]++
		switch n := shown[key]; {
		case c.verbose || n <= sameCodeShown:
			fmt.Fprintf(c.stdout, "  WARNING %s\n", issueLine(wi))
		case n == sameCodeShown+1:
			fmt.Fprintf(c.stdout, "  WARNING %s: and %d more like it (-v shows all)\n", wi.Code, count[key]-sameCodeShown)
		}
	}
}

// policyWarnings are the policy's findings that do not make the file
// untrusted (such as being trusted through a key rotation the policy has
// no signing history for).
func policyWarnings(p *apkverify.PolicyResult) []apkverify.Violation { return p.Warnings }

// printCertificate prints a signer certificate's other fingerprints and
// its validity, once per certificate.
func printCertificate(c *config, sg apkverify.Signer) {
	w := c.stdout
	const pad = "                      "
	if sg.CertSHA1 != "" {
		fmt.Fprintf(w, "%sSHA-1 %s  MD5 %s\n", pad, sg.CertSHA1, sg.CertMD5)
	}
	if sg.PublicKeySHA256 != "" {
		key := sg.KeyAlgorithm
		if sg.KeySize > 0 {
			key = fmt.Sprintf("%s %d", key, sg.KeySize)
		}
		fmt.Fprintf(w, "%spublic key %s, SHA-256 %s\n", pad, key, sg.PublicKeySHA256)
	}
	if sg.Issuer != "" && sg.Issuer != sg.Subject {
		fmt.Fprintf(w, "%sissuer %s\n", pad, esc(sg.Issuer))
	}
	if sg.NotBefore != "" || sg.NotAfter != "" {
		note := "reported, not enforced by Android"
		if t, err := time.Parse(time.RFC3339, sg.NotAfter); err == nil && t.Before(time.Now()) {
			note = "expired; Android installs it anyway"
		}
		fmt.Fprintf(w, "%svalid %s to %s (%s)\n", pad, day(sg.NotBefore), day(sg.NotAfter), note)
	}
}

func day(rfc string) string {
	if t, err := time.Parse(time.RFC3339, rfc); err == nil {
		return t.Format("2006-01-02")
	}
	return "?"
}

// printSchemeResults says, per scheme checked, whether it was present and
// verified (its issues are already in the result's errors and warnings).
func (c *config) printSchemeResults(res *apkverify.Result) {
	for _, sr := range res.SchemeResults {
		fmt.Fprintf(c.stdout, "  scheme %-5s present %s, verified %s, %d signer(s)\n", sr.Scheme, yesNo(sr.Present), yesNo(sr.Verified), len(sr.Signers))
	}
}

func issueLine(i apkverify.Issue) string {
	where := ""
	if i.Scheme != "" {
		where = " (" + string(i.Scheme) + ")"
	}
	return string(i.Code) + where + ": " + esc(i.Message)
}
