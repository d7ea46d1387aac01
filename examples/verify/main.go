// Command verify checks that APK files are authentic builds: signed so that
// every Android version they install on accepts them (as apksigner verify
// decides), and, when a policy flag is given, signed by the app's official
// key with the expected manifest facts.
//
// Usage:
//
//	go run ./examples/verify [flags] FILE...
//
// Flags may come before or after the files. Exit status: 0 when every file
// verified (and is trusted, when a policy flag was given), 1 when any did
// not, 2 for usage errors, unreadable files and files that are not APKs.
//
// Each result ends with the evidence of distribution: the source stamp
// (--require-play-stamp and --stamp-cert-sha256 require one), the v4
// signature given with --v4-signature, and Google Play frosting
// (--require-frosting requires it). Like the other policy flags they
// decide trust, never the signature verdict.
//
// With --json, each file's result is printed as the JSON encoding of
// apkverify.Result (one object per line when several files are given);
// files that could not be verified print {"file", "verified": false,
// "error": {"code", "kind", "message"}}.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/apktrust/apktrust/apkverify"
	"github.com/apktrust/apktrust/signer"
)

// Exit statuses.
const (
	exitOK       = 0
	exitRejected = 1
	exitUsage    = 2
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// listFlag collects a repeatable flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(s string) error { *l = append(*l, s); return nil }

type config struct {
	json, verbose           bool
	minSDK, maxSDK          int
	v4                      string
	certs, schemes          listFlag
	pkg                     string
	minVersionCode          int64
	allowDebuggable         bool
	allowTestOnly           bool
	lineage                 string
	insecureAcceptAnySigner bool
	stampCerts              listFlag
	requirePlayStamp        bool
	requireFrosting         bool
	knownKeys               string

	files           []string
	policyRequested bool
	v4File          *os.File
	opts            apkverify.Options
	stdout, stderr  io.Writer
}

func newFlagSet(c *config, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.BoolVar(&c.json, "json", false, "print each result as JSON (one object per line for several files)")
	fs.BoolVar(&c.verbose, "v", false, "print every warning and the per-scheme details")
	fs.IntVar(&c.minSDK, "min-sdk", 0, "lowest Android API level to verify for (default: the manifest's minSdkVersion)")
	fs.IntVar(&c.maxSDK, "max-sdk", 0, "highest Android API level to verify for (default: all future versions)")
	fs.StringVar(&c.v4, "v4-signature", "", "APK Signature Scheme v4 file (.idsig) to verify with the APK (one APK only)")
	fs.Var(&c.certs, "cert-sha256", "trusted signing certificate SHA-256 in hex, e.g. the Play App Signing key's (repeatable)")
	fs.StringVar(&c.pkg, "package", "", "required package name")
	fs.Int64Var(&c.minVersionCode, "min-version-code", 0, "smallest acceptable versionCode")
	fs.BoolVar(&c.allowDebuggable, "allow-debuggable", false, "accept android:debuggable builds (refused by any policy otherwise)")
	fs.BoolVar(&c.allowTestOnly, "allow-test-only", false, "accept android:testOnly builds (refused by any policy otherwise)")
	fs.Var(&c.schemes, "require-scheme", "signature scheme that must verify: v1, v2, v3, v31 or v4 (repeatable)")
	fs.StringVar(&c.lineage, "lineage", "", "the app's signing history (lineage file from apksigner rotate): refuse files signed by an older key without the rollback capability")
	fs.BoolVar(&c.insecureAcceptAnySigner, "insecure-any-signer", false, "apply the policy without checking who signed (INSECURE: trusts any key)")
	fs.Var(&c.stampCerts, "stamp-cert-sha256", "require a verified source stamp signed by this stamp certificate SHA-256 in hex (repeatable)")
	fs.BoolVar(&c.requirePlayStamp, "require-play-stamp", false, "require a verified source stamp by Google Play's stamp certificate (observed on Play deliveries; Google does not publish it)")
	fs.BoolVar(&c.requireFrosting, "require-frosting", false, "require Google Play frosting that verifies with a known Play key")
	fs.StringVar(&c.knownKeys, "known-keys", "", "JSON file of your own known keys (revoked or internal test keys), in the format of signer/knownkeys.json")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: verify [flags] FILE...\n\n"+
			"Verifies APK signatures as Android does for every API level the app installs on.\n"+
			"Policy flags (--cert-sha256, --package, --min-version-code, --require-scheme, --lineage,\n"+
			"--insecure-any-signer, --stamp-cert-sha256, --require-play-stamp, --require-frosting)\n"+
			"also decide whether each file is a trusted build.\n\n"+
			"Exit status: 0 all verified (and trusted), 1 some did not, 2 usage or unreadable/non-APK files.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	return fs
}

// parseArgs parses flags and files in any order.
func parseArgs(c *config, args []string) error {
	fs := newFlagSet(c, c.stderr)
	for {
		if err := fs.Parse(args); err != nil {
			return err
		}
		args = fs.Args()
		if len(args) == 0 {
			break
		}
		if args[0] == "--" {
			c.files = append(c.files, args[1:]...)
			break
		}
		c.files = append(c.files, args[0])
		args = args[1:]
	}
	if len(c.files) == 0 {
		fs.Usage()
		return errors.New("no APK file given")
	}
	seen := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { seen[f.Name] = true })
	for _, name := range []string{"cert-sha256", "package", "min-version-code", "require-scheme", "lineage", "insecure-any-signer",
		"stamp-cert-sha256", "require-play-stamp", "require-frosting"} {
		if seen[name] {
			c.policyRequested = true
		}
	}
	if !c.policyRequested && (seen["allow-debuggable"] || seen["allow-test-only"]) {
		// They relax a policy; alone they would make one that trusts no key.
		return errors.New("--allow-debuggable and --allow-test-only modify a policy: also give --cert-sha256 (or --insecure-any-signer)")
	}
	if c.v4 != "" && len(c.files) != 1 {
		return errors.New("--v4-signature belongs to one APK: give exactly one FILE")
	}
	if c.minSDK < 0 || c.maxSDK < 0 {
		return errors.New("--min-sdk and --max-sdk must not be negative")
	}
	return nil
}

// setup builds the verification options, reading the v4 and lineage files.
func setup(c *config) error {
	c.opts = apkverify.Options{MinSDK: c.minSDK, MaxSDK: c.maxSDK}
	if c.knownKeys != "" {
		b, err := os.ReadFile(c.knownKeys)
		if err == nil {
			c.opts.KnownKeys, err = signer.ParseKnownKeys(b)
		}
		if err != nil {
			return fmt.Errorf("--known-keys: %w", err)
		}
	}
	if c.v4 != "" {
		f, err := os.Open(c.v4)
		if err != nil {
			return fmt.Errorf("--v4-signature: %w", err)
		}
		st, err := f.Stat()
		if err != nil {
			f.Close()
			return fmt.Errorf("--v4-signature: %w", err)
		}
		c.v4File = f
		c.opts.V4Signature, c.opts.V4SignatureSize = f, st.Size()
	}
	if !c.policyRequested {
		return nil
	}
	p := &apkverify.Policy{
		TrustedCertSHA256:       c.certs,
		InsecureAcceptAnySigner: c.insecureAcceptAnySigner,
		Package:                 c.pkg,
		MinVersionCode:          c.minVersionCode,
		AllowDebuggable:         c.allowDebuggable,
		AllowTestOnly:           c.allowTestOnly,
		RequireFrosting:         c.requireFrosting,
	}
	// Either stamp flag requires a stamp; together they trust both.
	p.TrustedStampCertSHA256 = append(p.TrustedStampCertSHA256, c.stampCerts...)
	if c.requirePlayStamp {
		p.TrustedStampCertSHA256 = append(p.TrustedStampCertSHA256, apkverify.PlayStoreStampCertSHA256)
	}
	p.RequireSourceStamp = len(p.TrustedStampCertSHA256) > 0
	for _, s := range c.schemes {
		p.RequireSchemes = append(p.RequireSchemes, signer.Scheme(strings.ToLower(strings.ReplaceAll(s, ".", ""))))
	}
	if c.lineage != "" {
		b, err := os.ReadFile(c.lineage)
		if err != nil {
			return fmt.Errorf("--lineage: %w", err)
		}
		l, err := signer.ParseLineage(b)
		if err != nil {
			return fmt.Errorf("--lineage %s: %w", c.lineage, err)
		}
		p.History = l
	}
	c.opts.Policy = p
	return nil
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	c := &config{stdout: stdout, stderr: stderr}
	if err := parseArgs(c, args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK // -h asked for the usage text, which was printed
		}
		fmt.Fprintln(stderr, "verify:", err)
		return exitUsage
	}
	if err := setup(c); err != nil {
		fmt.Fprintln(stderr, "verify:", err)
		return exitUsage
	}
	if c.v4File != nil {
		defer c.v4File.Close()
	}
	status := exitOK
	for i, file := range c.files {
		res, err := apkverify.VerifyFile(ctx, file, c.opts)
		var s int
		switch {
		case err != nil:
			s = exitUsage
			var ve *apkverify.Error
			if errors.As(err, &ve) && ve.Kind == apkverify.ErrInvalidOptions {
				// Wrong flags, not a wrong file: say so once and stop.
				fmt.Fprintln(stderr, "verify:", err)
				return exitUsage
			}
			if errors.Is(err, context.Canceled) {
				fmt.Fprintln(stderr, "verify: interrupted")
				return exitUsage
			}
			c.printError(i, file, err)
		default:
			if res.Err() != nil {
				s = exitRejected
			}
			c.printResult(i, res)
		}
		status = max(status, s)
	}
	return status
}

// errorJSON is what --json prints for a file that could not be verified.
type errorJSON struct {
	File     string      `json:"file"`
	Verified bool        `json:"verified"`
	Error    errorDetail `json:"error"`
}

type errorDetail struct {
	Code    string `json:"code"`
	Kind    string `json:"kind"`
	Message string `json:"message"`
}

func kindName(err error) string {
	for _, k := range []struct {
		err  error
		name string
	}{
		{apkverify.ErrNotAPK, "not-an-apk"},
		{apkverify.ErrManifest, "manifest"},
		{apkverify.ErrIO, "io"},
		{apkverify.ErrInvalidOptions, "invalid-options"},
	} {
		if errors.Is(err, k.err) {
			return k.name
		}
	}
	return "error"
}

func (c *config) printError(i int, file string, err error) {
	code := "ERROR"
	var ve *apkverify.Error
	if errors.As(err, &ve) {
		code = ve.Code
	}
	msg := strings.TrimPrefix(err.Error(), "apkverify: "+code+": ")
	if c.json {
		c.emitJSON(errorJSON{File: file, Error: errorDetail{Code: code, Kind: kindName(err), Message: msg}})
		return
	}
	c.separator(i)
	fmt.Fprintf(c.stdout, "%s: CANNOT VERIFY: %s: %s\n", file, code, msg)
}

func (c *config) emitJSON(v any) {
	var b []byte
	if len(c.files) == 1 {
		b, _ = json.MarshalIndent(v, "", "  ")
	} else {
		b, _ = json.Marshal(v)
	}
	c.stdout.Write(append(b, '\n'))
}

func (c *config) separator(i int) {
	if i > 0 {
		fmt.Fprintln(c.stdout)
	}
}

func sdkRange(lo, hi int) string {
	if hi == signer.MaxSDK {
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

// printResult prints what apksigner verify -v --print-certs prints, but
// says which key signs for which Android versions, and why a file fails.
func (c *config) printResult(i int, res *apkverify.Result) {
	if c.json {
		c.emitJSON(res)
		return
	}
	w := c.stdout
	c.separator(i)
	verdict := "VERIFIED"
	if !res.Verified {
		verdict = "DOES NOT VERIFY"
	}
	fmt.Fprintf(w, "%s: %s for %s\n", res.File, verdict, sdkRange(res.MinSDK, res.MaxSDK))
	s := res.Schemes
	fmt.Fprintf(w, "  schemes:  v1 %s, v2 %s, v3 %s, v3.1 %s, v4 %s\n", yesNo(s.V1), yesNo(s.V2), yesNo(s.V3), yesNo(s.V31), yesNo(s.V4))
	if len(res.Signers) > 0 {
		fmt.Fprintln(w, "  signers:")
		for _, sg := range res.Signers {
			rot := ""
			if sg.Rotated {
				rot = " (rotated)"
			}
			fmt.Fprintf(w, "    %-12s %-4s %s %s%s\n", sdkRange(sg.MinSDK, sg.MaxSDK), sg.Scheme, sg.CertSHA256, sg.Subject, rot)
		}
	}
	if len(res.Lineage) > 0 {
		fmt.Fprintln(w, "  key rotation (oldest first):")
		for _, n := range res.Lineage {
			fmt.Fprintf(w, "    %s %s [%s]\n", n.CertSHA256, n.Subject, strings.Join(n.Capabilities, " "))
		}
	}
	if m := res.Manifest; m != nil {
		fmt.Fprintf(w, "  app:      %s versionCode %d (%s), minSdk %d, targetSdk %d", m.Package, m.VersionCode, m.VersionName, m.MinSDK, m.TargetSDK)
		if m.Debuggable {
			fmt.Fprint(w, ", DEBUGGABLE")
		}
		if m.TestOnly {
			fmt.Fprint(w, ", TEST-ONLY")
		}
		fmt.Fprintln(w)
	}
	c.printEvidence(res)
	for _, e := range res.Errors {
		fmt.Fprintf(w, "  ERROR %s\n", issueLine(e))
	}
	c.printWarnings(res.Warnings)
	if p := res.Policy; p != nil {
		if res.Trusted {
			who := p.TrustedSigner
			if p.InsecureAcceptAnySigner {
				who = "any signer (--insecure-any-signer: the key was NOT checked)"
			}
			fmt.Fprintf(w, "  policy:   TRUSTED (signer %s)\n", who)
		} else {
			fmt.Fprintln(w, "  policy:   NOT TRUSTED")
			for _, v := range p.Violations {
				fmt.Fprintf(w, "    %s: %s\n", v.Code, v.Message)
			}
		}
	}
}

func issueLine(i apkverify.Issue) string {
	where := ""
	if i.Scheme != "" {
		where = " (" + string(i.Scheme) + ")"
	}
	return i.Code + where + ": " + i.Message
}

// printWarnings prints each warning code once with a count; -v prints all.
func (c *config) printWarnings(warnings []apkverify.Issue) {
	if c.verbose {
		for _, wi := range warnings {
			fmt.Fprintf(c.stdout, "  WARNING %s\n", issueLine(wi))
		}
		return
	}
	count := map[string]int{}
	first := map[string]apkverify.Issue{}
	var order []string
	for _, wi := range warnings {
		key := wi.Code + "\x00" + string(wi.Scheme)
		if count[key] == 0 {
			first[key] = wi
			order = append(order, key)
		}
		count[key]++
	}
	for _, k := range order {
		line := issueLine(first[k])
		if n := count[k]; n > 1 {
			line += fmt.Sprintf(" (and %d more like it; -v shows all)", n-1)
		}
		fmt.Fprintf(c.stdout, "  WARNING %s\n", line)
	}
}

// printEvidence prints the "Evidence of distribution" block: the source
// stamp, the v4 signature and Play frosting, each with what it proves.
func (c *config) printEvidence(res *apkverify.Result) {
	w := c.stdout
	fmt.Fprintln(w, "  Evidence of distribution:")
	st := res.SourceStamp
	switch {
	case st == nil:
		fmt.Fprintln(w, "    source stamp:  none")
	case !st.Present:
		fmt.Fprintln(w, "    source stamp:  none")
		if st.Source != "" || st.Type != "" {
			// Markers without a stamp: someone wrote them by hand.
			fmt.Fprintf(w, "                   source %s, type %s (unverified: proves nothing)\n", orNone(st.Source), orNone(st.Type))
		}
	default:
		fmt.Fprintf(w, "    source stamp:  verified %s", yesNo(st.Verified))
		if !st.Verified {
			fmt.Fprintf(w, " (%s)", firstIssue(st.Errors, string(st.Status)))
		}
		fmt.Fprintln(w)
		if st.CertSHA256 != "" {
			who := "not the Google Play stamp certificate"
			if signer.NormalizeSHA256Hex(st.CertSHA256) == apkverify.PlayStoreStampCertSHA256 {
				who = "the Google Play stamp certificate"
			}
			fmt.Fprintf(w, "                   certificate %s (%s)\n", st.CertSHA256, who)
		}
		if st.Timestamp != 0 {
			fmt.Fprintf(w, "                   stamped %s\n", time.Unix(st.Timestamp, 0).UTC().Format("2006-01-02 15:04:05 UTC"))
		}
		if st.Source != "" || st.Type != "" {
			note := "(unverified: proves nothing)"
			if st.Verified {
				note = "(manifest markers; meaningful only because the stamp verified)"
			}
			fmt.Fprintf(w, "                   source %s, type %s %s\n", orNone(st.Source), orNone(st.Type), note)
		}
	}
	switch v4 := res.V4; {
	case v4 == nil || !v4.Present:
		fmt.Fprintln(w, "    v4 signature:  not given")
	case v4.Verified && len(v4.Errors) == 0:
		fmt.Fprintln(w, "    v4 signature:  given, verified yes")
	default:
		fmt.Fprintf(w, "    v4 signature:  given, verified no (%s)\n", firstIssue(v4.Errors, "not verified"))
	}
	switch fr := res.Frosting; {
	case fr == nil || !fr.Present:
		fmt.Fprintln(w, "    Play frosting: none")
	case fr.Verified:
		fmt.Fprintf(w, "    Play frosting: present, verified yes (key index %s)\n", keyIndex(fr.KeyIndex))
	default:
		why := firstIssue(fr.Errors, "")
		if why == "" && fr.KeyIndex != nil {
			why = "unknown key index " + keyIndex(fr.KeyIndex)
		}
		if why == "" {
			why = firstIssue(fr.Warnings, "not verified")
		}
		fmt.Fprintf(w, "    Play frosting: present, verified no (%s)\n", why)
	}
}

func firstIssue(issues []apkverify.Issue, otherwise string) string {
	if len(issues) == 0 {
		return otherwise
	}
	s := issues[0].Code + ": " + issues[0].Message
	if n := len(issues) - 1; n > 0 {
		s += fmt.Sprintf("; and %d more", n)
	}
	return s
}

func keyIndex(k *uint64) string {
	if k == nil {
		return "unknown"
	}
	return fmt.Sprint(*k)
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}
