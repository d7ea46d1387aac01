package main

import (
	"context"
	"encoding/hex"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/apktrust/apktrust/apkverify"
)

// Install sets: --set verifies the inputs as the APKs of one install (a
// base and its splits); an input that is a bundle of APKs (.apks, .xapk,
// .apkm, recognised by content) is verified as the set it packs, without
// the flag. The output is one outcome for the set: the set's verdict line,
// one line per APK, then the set's errors and policy violations.

// verifyBundle verifies an input that Verify recognised as a bundle.
func (c *config) verifyBundle(ctx context.Context, in input) outcome {
	sr, err := apkverify.VerifySetFiles(ctx, []string{in.path}, c.opts)
	if sr != nil {
		sr.File = in.name
	}
	return outcome{in: in, set: sr, err: err}
}

// verifySetInputs verifies every input as one install (--set) and prints
// the one outcome.
func (c *config) verifySetInputs(ctx context.Context, inputs []input) int {
	var paths []string
	names := map[string]string{}
	for _, in := range inputs {
		if in.readErr != nil {
			o := outcome{in: in}
			c.print(0, &o)
			return exitUsage
		}
		paths = append(paths, in.path)
		names[in.path] = in.name
	}
	sr, err := apkverify.VerifySetFiles(ctx, paths, c.opts)
	o := outcome{in: input{name: fmt.Sprintf("set of %d files", len(inputs))}, set: sr, err: err}
	if len(inputs) == 1 {
		o.in.name = inputs[0].name
	}
	if sr != nil {
		sr.File = o.in.name
		if len(inputs) > 1 {
			sr.File = ""
		}
		for _, a := range sr.APKs() {
			if n, ok := names[a.File]; ok {
				a.File = n
			}
		}
	}
	c.print(0, &o)
	switch o.class() {
	case classPassed:
		return exitOK
	case classRejected:
		return exitRejected
	case classInterrupted:
		return exitInterrupted
	}
	return exitUsage
}

// setVerdict is the verdict of a set: with a policy, whether the set is
// trusted; without one, whether it verified.
func (c *config) setVerdict(sr *apkverify.SetResult) verdict {
	switch {
	case c.opts.Policy != nil && sr.Trusted:
		return verdictTrusted
	case c.opts.Policy != nil:
		return verdictNotTrusted
	case sr.Verified:
		return verdictVerified
	}
	return verdictNotVerified
}

func (c *config) printSet(i int, o *outcome) {
	sr := o.set
	v := c.setVerdict(sr)
	if c.json {
		env := envelope{Tool: tool(), Verdict: verdictText[v].json}
		if !utf8.ValidString(o.in.name) {
			env.FileHex = hex.EncodeToString([]byte(o.in.name))
		}
		c.writeJSON(env, sr)
		return
	}
	w := c.stdout
	if i > 0 && !c.quiet {
		fmt.Fprintln(w)
	}
	words := verdictText[v].words
	if c.useColor() {
		words = verdictText[v].color + words + "\x1b[0m"
	}
	fmt.Fprintf(w, "%s  %s: %s\n", words, esc(o.in.name), esc(shortenFingerprints(setReason(v, sr))))
	if c.quiet {
		return
	}
	if sr.Layout != "files" {
		fmt.Fprintf(w, "  bundle:   %s\n", esc(sr.Layout))
	}
	for _, a := range sr.APKs() {
		fmt.Fprintf(w, "  %-10s %s: %s\n", apkRole(sr, a), esc(a.File), esc(shortenFingerprints(apkLine(a))))
	}
	if len(sr.Ignored) > 0 {
		fmt.Fprintf(w, "  ignored:  %s\n", esc(strings.Join(sr.Ignored, ", ")))
	}
	for _, e := range sr.Errors {
		fmt.Fprintf(w, "  ERROR %s: %s\n", e.Code, esc(e.Message))
	}
	if sr.Policy != nil {
		c.printPolicy(sr.Policy, sr.Trusted)
	}
}

// setReason is the verdict line's reason for a set.
func setReason(v verdict, sr *apkverify.SetResult) string {
	switch v {
	case verdictTrusted, verdictVerified:
		s := fmt.Sprintf("set %s (%d), %s", sr.Package, sr.VersionCode, setShape(sr))
		if len(sr.SignerCertSHA256) > 0 {
			s += ", signed by " + strings.Join(sr.SignerCertSHA256, " and ")
		}
		if v == verdictTrusted && sr.Policy.InsecureAcceptAnySigner {
			s += ", signer NOT checked (--insecure-any-signer)"
		}
		return s
	}
	if len(sr.Errors) > 0 {
		return "set did not verify: " + sr.Errors[0].Message + " [" + string(sr.Errors[0].Code) + "]" + more(len(sr.Errors)-1, "error")
	}
	if p := sr.Policy; p != nil && len(p.Violations) > 0 {
		return p.Violations[0].Message + more(len(p.Violations)-1, "policy violation")
	}
	return "see the details below"
}

// setShape is "base + N splits" (and the standalone APKs).
func setShape(sr *apkverify.SetResult) string {
	var parts []string
	if sr.Base != nil {
		parts = append(parts, "base")
	}
	switch n := len(sr.Splits); n {
	case 0:
	case 1:
		parts = append(parts, "1 split")
	default:
		parts = append(parts, fmt.Sprintf("%d splits", n))
	}
	if n := len(sr.Standalones); n > 0 {
		parts = append(parts, fmt.Sprintf("%d standalone APK(s)", n))
	}
	return strings.Join(parts, " + ")
}

func apkRole(sr *apkverify.SetResult, a *apkverify.SetAPK) string {
	switch {
	case a == sr.Base:
		return "base"
	case a.Result.Manifest == nil:
		return "unreadable"
	case a.Split == "":
		for _, s := range sr.Standalones {
			if s == a {
				return "standalone"
			}
		}
		return "base"
	}
	return "split"
}

// apkLine says, on one line, what became of one APK of a set.
func apkLine(a *apkverify.SetAPK) string {
	r := a.Result
	s := ""
	if a.Split != "" {
		s = "[" + a.Split + "] "
	}
	if !r.Verified {
		if len(r.Errors) == 0 {
			return s + "NOT VERIFIED"
		}
		return s + "NOT VERIFIED: " + issueReason(r.Errors[0]) + more(len(r.Errors)-1, "error")
	}
	s += "verified, " + sdkRange(r.MinSDK, r.MaxSDK) + ", signed by " + signerName(r, "")
	if st := r.SourceStamp; st != nil && st.Present {
		if st.Verified {
			s += ", stamp " + st.CertSHA256
		} else {
			s += ", stamp NOT verified"
		}
	}
	return s
}
