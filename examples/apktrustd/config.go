package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/apktrust/apktrust/apkverify"
	"github.com/apktrust/apktrust/internal/scheme"
	"github.com/apktrust/apktrust/signer"
)

// envToken names the environment variable holding the bearer token.
const envToken = "APKTRUSTD_TOKEN"

// fileConfig is the JSON configuration file. Field names follow the
// camelCase of the verification JSON. Unknown fields are errors, so a
// misspelt limit or policy rule is refused instead of silently ignored.
type fileConfig struct {
	// Listen is the TCP address, 127.0.0.1:8080 by default.
	Listen string `json:"listen"`
	// TempDir is where uploads are spooled; empty means a private
	// directory under the system's temporary directory.
	TempDir string `json:"tempDir"`
	// TokenFile holds the bearer token clients must send; the
	// APKTRUSTD_TOKEN environment variable is the other way to give one.
	TokenFile string `json:"tokenFile"`
	// KnownKeysFile adds the deployment's own known keys (a revoked or
	// internal test key) to the built-in table; see signer.ParseKnownKeys.
	KnownKeysFile string `json:"knownKeysFile"`
	// Limits bound what one request and all of them together may cost.
	Limits limitsConfig `json:"limits"`
	// Policies are the trust policies by package name.
	Policies map[string]policyConfig `json:"policies"`
}

type limitsConfig struct {
	MaxBodyBytes   int64 `json:"maxBodyBytes"`
	MaxParts       int   `json:"maxParts"`
	MaxHeaderBytes int   `json:"maxHeaderBytes"`
	// Durations are strings such as "30s" or "2m".
	ReadHeaderTimeout string `json:"readHeaderTimeout"`
	ReadTimeout       string `json:"readTimeout"`
	WriteTimeout      string `json:"writeTimeout"`
	IdleTimeout       string `json:"idleTimeout"`
	VerifyTimeout     string `json:"verifyTimeout"`
	ShutdownTimeout   string `json:"shutdownTimeout"`
	// Workers is how many verifications run at once, Queue how many more
	// may wait for one, MaxUploads how many request bodies may be
	// received at once.
	Workers    int `json:"workers"`
	Queue      int `json:"queue"`
	MaxUploads int `json:"maxUploads"`
}

// policyConfig is one app's policy; see apkverify.Policy for the rules.
type policyConfig struct {
	TrustedCertSHA256 []string `json:"trustedCertSha256"`
	// LineageFile is the app's signing history (apksigner rotate output),
	// relative to the configuration file.
	LineageFile      string   `json:"lineageFile"`
	MinVersionCode   int64    `json:"minVersionCode"`
	RequirePlayStamp bool     `json:"requirePlayStamp"`
	StampCertSHA256  []string `json:"stampCertSha256"`
	RequireFrosting  bool     `json:"requireFrosting"`
	AllowDebuggable  bool     `json:"allowDebuggable"`
	AllowTestOnly    bool     `json:"allowTestOnly"`
	RequireSchemes   []string `json:"requireSchemes"`
	// UploadCertSHA256 are the upload key certificates an Android App
	// Bundle (.aab) of this package must be signed with (a bundle carries
	// the developer's upload key, not the app signing key). Without them
	// no bundle of the package is trusted.
	UploadCertSHA256 []string `json:"uploadCertSha256"`
	// AllowKnownKeyCategories accepts signers among the known keys of
	// these categories (test-key, leaked-platform-key, debug), e.g. on a
	// test farm; any other known key is POLICY_KNOWN_KEY even if pinned.
	AllowKnownKeyCategories []string `json:"allowKnownKeyCategories"`
}

// config is the validated configuration the server runs with.
type config struct {
	Listen   string
	TempDir  string
	Token    string
	Limits   limits
	Policies map[string]*apkverify.Policy
	// BundlePolicies are the policies for App Bundles, by package: the
	// same rules with the upload keys (policyConfig.UploadCertSHA256).
	BundlePolicies map[string]*apkverify.Policy
	KnownKeys      []signer.KnownKey
	SourcePath     string
}

type limits struct {
	MaxBodyBytes      int64
	MaxParts          int
	MaxHeaderBytes    int
	ReadHeaderTimeout time.Duration
	ReadTimeout       time.Duration
	WriteTimeout      time.Duration
	IdleTimeout       time.Duration
	VerifyTimeout     time.Duration
	ShutdownTimeout   time.Duration
	Workers           int
	Queue             int
	MaxUploads        int
}

// defaultLimits are safe for a service on localhost or behind a proxy:
// one verification per core (verification is CPU-bound, more would only
// queue inside the scheduler), a queue of a few milliseconds of work, and
// timeouts that cut slow clients well before they tie up the uploads.
func defaultLimits() limits {
	workers := runtime.GOMAXPROCS(0)
	queue := 16 * workers
	return limits{
		MaxBodyBytes:      256 << 20,
		MaxParts:          32,
		MaxHeaderBytes:    64 << 10,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       2 * time.Minute,
		IdleTimeout:       time.Minute,
		VerifyTimeout:     30 * time.Second,
		ShutdownTimeout:   30 * time.Second,
		Workers:           workers,
		Queue:             queue,
		MaxUploads:        2 * (workers + queue),
	}
}

// packageName is what Android accepts as an application package name:
// two or more dot-separated segments, each a letter then letters, digits
// or underscores.
var packageName = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)+$`)

var sha256Hex = regexp.MustCompile(`^[0-9a-f]{64}$`)

// loadConfig reads and validates the configuration file. Every problem is
// reported, each naming the field, so one start shows all of them.
func loadConfig(path string, getenv func(string) string) (*config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var fc fileConfig
	if err := dec.Decode(&fc); err != nil {
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("config %s: trailing data after the JSON object", path)
	}
	c, errs := buildConfig(&fc, filepath.Dir(path), getenv)
	if len(errs) > 0 {
		return nil, fmt.Errorf("config %s:\n  %w", path, errors.Join(errs...))
	}
	c.SourcePath = path
	return c, nil
}

func buildConfig(fc *fileConfig, dir string, getenv func(string) string) (*config, []error) {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	c := &config{Listen: fc.Listen, TempDir: fc.TempDir, Limits: defaultLimits(),
		Policies: map[string]*apkverify.Policy{}, BundlePolicies: map[string]*apkverify.Policy{}}
	if c.Listen == "" {
		c.Listen = "127.0.0.1:8080"
	}

	l, fl := &c.Limits, fc.Limits
	setInt64 := func(name string, dst *int64, v int64) {
		if v < 0 {
			bad("limits.%s: must not be negative", name)
		} else if v > 0 {
			*dst = v
		}
	}
	setInt := func(name string, dst *int, v int) {
		v64 := int64(*dst)
		setInt64(name, &v64, int64(v))
		*dst = int(v64)
	}
	setInt64("maxBodyBytes", &l.MaxBodyBytes, fl.MaxBodyBytes)
	setInt("maxParts", &l.MaxParts, fl.MaxParts)
	setInt("maxHeaderBytes", &l.MaxHeaderBytes, fl.MaxHeaderBytes)
	setInt("workers", &l.Workers, fl.Workers)
	if fl.Workers > 0 && fl.Queue == 0 {
		l.Queue = 16 * l.Workers
	}
	setInt("queue", &l.Queue, fl.Queue)
	if fl.MaxUploads == 0 {
		l.MaxUploads = 2 * (l.Workers + l.Queue)
	}
	setInt("maxUploads", &l.MaxUploads, fl.MaxUploads)
	for _, d := range []struct {
		name string
		dst  *time.Duration
		v    string
	}{
		{"readHeaderTimeout", &l.ReadHeaderTimeout, fl.ReadHeaderTimeout}, {"readTimeout", &l.ReadTimeout, fl.ReadTimeout},
		{"writeTimeout", &l.WriteTimeout, fl.WriteTimeout}, {"idleTimeout", &l.IdleTimeout, fl.IdleTimeout},
		{"verifyTimeout", &l.VerifyTimeout, fl.VerifyTimeout}, {"shutdownTimeout", &l.ShutdownTimeout, fl.ShutdownTimeout},
	} {
		if d.v == "" {
			continue
		}
		v, err := time.ParseDuration(d.v)
		switch {
		case err != nil:
			bad("limits.%s %q: want a duration such as \"30s\"", d.name, d.v)
		case v <= 0:
			bad("limits.%s %q: must be positive", d.name, d.v)
		default:
			*d.dst = v
		}
	}
	if l.WriteTimeout == 0 {
		// Go starts the write deadline when the headers are read, so it
		// must cover receiving the body and verifying it.
		l.WriteTimeout = l.ReadTimeout + l.VerifyTimeout + 10*time.Second
	}
	if l.WriteTimeout < l.ReadTimeout+l.VerifyTimeout {
		bad("limits.writeTimeout %v: must be at least readTimeout + verifyTimeout (%v), Go starts it when the headers are read", l.WriteTimeout, l.ReadTimeout+l.VerifyTimeout)
	}
	if l.ReadHeaderTimeout > l.ReadTimeout {
		bad("limits.readHeaderTimeout %v: must not exceed readTimeout %v", l.ReadHeaderTimeout, l.ReadTimeout)
	}

	token, err := loadToken(fc.TokenFile, dir, getenv)
	if err != nil {
		errs = append(errs, err)
	}
	c.Token = token

	if fc.KnownKeysFile != "" {
		b, err := os.ReadFile(resolve(dir, fc.KnownKeysFile))
		if err == nil {
			c.KnownKeys, err = signer.ParseKnownKeys(b)
		}
		if err != nil {
			bad("knownKeysFile: %v", err)
		}
	}
	if len(fc.Policies) == 0 {
		bad("policies: none given; every file would be reported untrusted (%s)", codeNoPolicy)
	}
	for _, pkg := range slices.Sorted(maps.Keys(fc.Policies)) {
		p, bp, perrs := buildPolicy(pkg, fc.Policies[pkg], dir)
		errs = append(errs, perrs...)
		if len(perrs) == 0 {
			c.Policies[pkg] = p
			if bp != nil {
				c.BundlePolicies[pkg] = bp
			}
		}
	}
	return c, errs
}

// loadToken reads the bearer token from the environment or a file; giving
// both is an error rather than a silent precedence.
func loadToken(file, dir string, getenv func(string) string) (string, error) {
	env := getenv(envToken)
	if env != "" && file != "" {
		return "", fmt.Errorf("tokenFile and %s are both set: give the token one way", envToken)
	}
	token := env
	if file != "" {
		b, err := os.ReadFile(resolve(dir, file))
		if err != nil {
			return "", fmt.Errorf("tokenFile: %w", err)
		}
		token = strings.TrimSpace(string(b))
		if token == "" {
			return "", fmt.Errorf("tokenFile %s: empty", file)
		}
	}
	if token != "" && len(token) < 16 {
		return "", errors.New("bearer token: shorter than 16 characters, too easy to guess")
	}
	return token, nil
}

func resolve(dir, p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(dir, p)
}

// buildPolicy turns one configured policy into an apkverify.Policy,
// pinned to its package so that a file claiming another package is never
// judged trusted by it.
func buildPolicy(pkg string, pc policyConfig, dir string) (p, bundle *apkverify.Policy, errs []error) {
	bad := func(format string, a ...any) {
		errs = append(errs, fmt.Errorf("policies[%q]: "+format, append([]any{pkg}, a...)...))
	}
	if !packageName.MatchString(pkg) {
		bad("not a valid Android package name")
	}
	p = &apkverify.Policy{
		Package:         pkg,
		MinVersionCode:  pc.MinVersionCode,
		AllowDebuggable: pc.AllowDebuggable,
		AllowTestOnly:   pc.AllowTestOnly,
		RequireFrosting: pc.RequireFrosting,
	}
	if len(pc.TrustedCertSHA256) == 0 {
		bad("trustedCertSha256: at least one signing certificate is required")
	}
	checkCerts := func(field string, certs []string) []string {
		var out []string
		for i, c := range certs {
			n := scheme.NormalizeSHA256Hex(c)
			if !sha256Hex.MatchString(n) {
				bad("%s[%d] %q: not a SHA-256 fingerprint (64 hex digits, colons allowed)", field, i, c)
			}
			out = append(out, n)
		}
		return out
	}
	p.TrustedCertSHA256 = checkCerts("trustedCertSha256", pc.TrustedCertSHA256)
	p.TrustedStampCertSHA256 = checkCerts("stampCertSha256", pc.StampCertSHA256)
	if pc.RequirePlayStamp {
		p.TrustedStampCertSHA256 = append(p.TrustedStampCertSHA256, apkverify.PlayStoreStampCertSHA256)
	}
	p.RequireSourceStamp = len(p.TrustedStampCertSHA256) > 0
	if pc.MinVersionCode < 0 {
		bad("minVersionCode: must not be negative")
	}
	for i, s := range pc.RequireSchemes {
		sc := signer.Scheme(strings.ToLower(strings.ReplaceAll(s, ".", "")))
		switch sc {
		case signer.SchemeV1, signer.SchemeV2, signer.SchemeV3, signer.SchemeV31, signer.SchemeV4:
			p.RequireSchemes = append(p.RequireSchemes, sc)
		default:
			bad("requireSchemes[%d] %q: want v1, v2, v3, v31 or v4", i, s)
		}
	}
	for i, k := range pc.AllowKnownKeyCategories {
		switch k {
		case signer.KnownKeyTestKey, signer.KnownKeyLeakedPlatform, signer.KnownKeyDebug:
			p.AllowKnownKeyCategories = append(p.AllowKnownKeyCategories, k)
		default:
			bad("allowKnownKeyCategories[%d] %q: want %s, %s or %s", i, k, signer.KnownKeyTestKey, signer.KnownKeyLeakedPlatform, signer.KnownKeyDebug)
		}
	}
	if pc.LineageFile != "" {
		b, err := os.ReadFile(resolve(dir, pc.LineageFile))
		if err == nil {
			p.History, err = signer.ParseLineage(b)
		}
		if err != nil {
			bad("lineageFile: %v", err)
		}
	}
	upload := checkCerts("uploadCertSha256", pc.UploadCertSHA256)
	if len(errs) > 0 {
		return nil, nil, errs
	}
	if len(upload) > 0 {
		// A bundle is held to the app's identity rules under its upload
		// key. Stamps, frosting, schemes and the signing history are
		// evidence of the APKs Play makes, which a bundle cannot carry.
		b := *p
		b.TrustedCertSHA256, b.History = upload, nil
		b.RequireSourceStamp, b.TrustedStampCertSHA256, b.RequireFrosting, b.RequireSchemes = false, nil, false, nil
		bundle = &b
	}
	// Let the library judge the rest as it will at every request.
	for _, pol := range []*apkverify.Policy{p, bundle} {
		if pol == nil {
			continue
		}
		if err := pol.Validate(); err != nil {
			bad("%v", err)
			return nil, nil, errs
		}
	}
	return p, bundle, nil
}
