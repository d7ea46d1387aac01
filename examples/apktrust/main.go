// Command apktrust checks that APK files are authentic builds: signed so
// that every Android version they install on accepts them (as apksigner
// verify decides), and, when a policy flag is given, signed by the app's
// official key with the expected manifest facts.
//
// Install and run:
//
//	go install github.com/apktrust/apktrust/examples/apktrust@latest
//	apktrust [flags] FILE|DIR|- ...
//
// Each input's first line is its verdict and the one-line reason: TRUSTED
// or NOT TRUSTED when a policy flag was given, VERIFIED (no policy) or NOT
// VERIFIED without one, CANNOT READ for an input that could not be read;
// the details follow, indented. Text taken from the input (file names,
// certificate names, manifest strings) is escaped, so no input can print a
// line of its own.
//
// Exit status: 0 when every input passed; 1 when any input was rejected
// (did not verify, was refused as malformed or hostile, or failed the
// policy); 2 for usage errors, or when inputs could not be read at all and
// none was rejected.
//
// With --json, each input is one JSON object on one line (NDJSON): the
// JSON encoding of apkverify.Result plus "tool" and "verdict"; an input
// that was refused or could not be read prints {"file", "verified":
// false, "error": {"code", "kind", "message"}}. --pretty indents it.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"strings"

	"github.com/apktrust/apktrust/apkverify"
	"github.com/apktrust/apktrust/signer"
)

// Exit statuses.
const (
	exitOK       = 0
	exitRejected = 1
	exitUsage    = 2
)

const progName = "apktrust"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// listFlag collects a repeatable flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(s string) error { *l = append(*l, s); return nil }

type config struct {
	json, pretty, verbose, quiet, version bool
	set                                   bool
	jobs                                  int
	minSDK, maxSDK                        int
	v4                                    string
	certs, schemes                        listFlag
	pkg                                   string
	minVersionCode                        int64
	allowDebuggable                       bool
	allowTestOnly                         bool
	lineage                               string
	insecureAcceptAnySigner               bool
	stampCerts                            listFlag
	requirePlayStamp                      bool
	requireFrosting                       bool
	knownKeys                             string
	sameReleaseAs                         string

	files           []string
	policyRequested bool
	v4File          *os.File
	opts            apkverify.Options
	stdin           io.Reader
	stdout, stderr  io.Writer
}

func newFlagSet(c *config) *flag.FlagSet {
	fs := flag.NewFlagSet(progName, flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	fs.BoolVar(&c.json, "json", false, "print each result as one JSON object per line (NDJSON)")
	fs.BoolVar(&c.pretty, "pretty", false, "with --json, indent each object")
	fs.BoolVar(&c.quiet, "q", false, "print only the verdict line of each input")
	fs.BoolVar(&c.verbose, "v", false, "print every warning (not 3 per code) and each scheme checked")
	fs.BoolVar(&c.version, "version", false, "print the version and exit")
	fs.BoolVar(&c.set, "set", false, "verify the inputs as the APKs of one install (a base and its splits); a bundle (.apks, .xapk, .apkm) is a set without it")
	fs.IntVar(&c.jobs, "j", runtime.NumCPU(), "verify up to N inputs at once (output stays in input order)")
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
	fs.StringVar(&c.sameReleaseAs, "same-release-as", "", "require the package and versionCode of this verified App Bundle (.aab), e.g. to check the APKs Google Play made from it")
	fs.StringVar(&c.knownKeys, "known-keys", "", "JSON file of your own known keys (revoked or internal test keys), in the format of signer/knownkeys.json")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: %s [flags] FILE|DIR|- ... (%s --help for the flags)\n", progName, progName)
	}
	return fs
}

const helpText = `Usage: apktrust [flags] FILE|DIR|- ...

Verifies APK signatures as Android does for every API level the app installs
on. Policy flags (--cert-sha256, --package, --min-version-code,
--require-scheme, --lineage, --insecure-any-signer, --stamp-cert-sha256,
--require-play-stamp, --require-frosting, --same-release-as) also decide
whether each input is a trusted build.

An Android App Bundle (.aab, recognised by its content) is checked as a
release pipeline's artifact: its JAR signature by the upload key (pin it with
--cert-sha256), strictly (every entry signed, SHA-256 or stronger), and its
modules' manifests. --same-release-as app.aab then checks that the APKs Play
delivers are that release (same package and versionCode).

Inputs: files; "-" or /dev/stdin reads one APK from standard input; a
directory is walked for .apk, .apks, .xapk, .apkm and .aab files in name order, without
following symbolic links out of it. Several inputs are verified in parallel
(-j) and printed in the order given.

Install sets: a bundle of APKs (.apks, .xapk, .apkm, recognised by content)
is verified as the install it packs; --set verifies all the inputs as the
APKs of one install (a base and its splits, as "pm path" lists them). A set
prints its verdict line, one line per APK, then the set's errors; --json
prints one object with "kind": "set" and each APK's result with "file" and
"split". A set that breaks a rule is rejected (exit 1).

Output: each input's first line is its verdict and reason - TRUSTED or
NOT TRUSTED (with a policy), VERIFIED (no policy) or NOT VERIFIED (without),
CANNOT READ - and the details follow, indented. Text from the input is
escaped. --json prints one JSON object per input and line; --pretty indents.

Exit status:
  0  every input passed (verified, and trusted when a policy was given)
  1  some input was rejected: it did not verify, was refused as malformed or
     hostile (e.g. a ZIP with duplicate entries or data before the first
     entry), or failed the policy
  2  usage error, or some input could not be read at all and none was
     rejected
  130  interrupted

Flags:
`

// wantsHelp reports whether the arguments before "--" ask for help.
func wantsHelp(args []string) bool {
	for _, a := range args {
		switch a {
		case "--":
			return false
		case "-h", "-help", "--help":
			return true
		}
	}
	return false
}

// parseArgs parses flags and inputs in any order.
func parseArgs(c *config, args []string) error {
	fs := newFlagSet(c)
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
	if c.version {
		return nil
	}
	if len(c.files) == 0 {
		return errors.New("no input given: name APK files, directories, or - for standard input")
	}
	seen := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { seen[f.Name] = true })
	for _, name := range []string{"cert-sha256", "package", "min-version-code", "require-scheme", "lineage", "insecure-any-signer",
		"stamp-cert-sha256", "require-play-stamp", "require-frosting", "same-release-as"} {
		if seen[name] {
			c.policyRequested = true
		}
	}
	if !c.policyRequested && (seen["allow-debuggable"] || seen["allow-test-only"]) {
		// They relax a policy; alone they would make one that trusts no key.
		return errors.New("--allow-debuggable and --allow-test-only modify a policy: also give --cert-sha256 (or --insecure-any-signer)")
	}
	if c.set && c.v4 != "" {
		return errors.New("--v4-signature belongs to one APK, not to an install set (--set)")
	}
	if c.v4 != "" && len(c.files) != 1 {
		return errors.New("--v4-signature belongs to one APK: give exactly one FILE")
	}
	if c.minSDK < 0 || c.maxSDK < 0 {
		return errors.New("--min-sdk and --max-sdk must not be negative")
	}
	if c.jobs < 1 {
		return errors.New("-j must be at least 1")
	}
	if c.pretty && !c.json {
		return errors.New("--pretty formats --json output: also give --json")
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
	if c.sameReleaseAs != "" {
		rel, err := sameRelease(c.sameReleaseAs, c.opts)
		if err != nil {
			return err
		}
		p.SameReleaseAs = rel
	}
	c.opts.Policy = p
	return nil
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	c := &config{stdin: stdin, stdout: stdout, stderr: stderr}
	if wantsHelp(args) {
		fmt.Fprint(stdout, helpText)
		fs := newFlagSet(c)
		fs.SetOutput(stdout)
		fs.PrintDefaults()
		return exitOK
	}
	if err := parseArgs(c, args); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintf(stderr, "%s: %v\n", progName, err)
		}
		return exitUsage
	}
	if c.version {
		fmt.Fprintf(stdout, "%s %s\n", progName, toolVersion())
		return exitOK
	}
	if err := setup(c); err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", progName, err)
		return exitUsage
	}
	if c.v4File != nil {
		defer c.v4File.Close()
	}
	inputs, cleanup, err := expandInputs(c)
	defer cleanup()
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", progName, err)
		return exitUsage
	}
	if c.set {
		return c.verifySetInputs(ctx, inputs)
	}
	return c.verifyAll(ctx, inputs)
}
