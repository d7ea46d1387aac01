package apkverify

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"runtime"
	"slices"
	"sync"

	"github.com/apktrust/apktrust/internal/apkzip"
	"github.com/apktrust/apktrust/internal/bundle"
	"github.com/apktrust/apktrust/signer"
)

// SetKind is SetResult.Kind.
const SetKind = "set"

// Part is one APK of an install set given to VerifySet: its name (a file
// name, or the entry name inside a bundle), and its content.
type Part struct {
	Name string
	R    io.ReaderAt
	Size int64
}

// SetIssue is a problem of the set as a whole, with a stable Code (the
// Set... constants, or a bundle code such as BUNDLE_UNSAFE_NAME); File
// and Split name the APK concerned, when there is one. It is a Violation:
// one finding type for what apkverify itself judges.
type SetIssue = Violation

// SetAPK is one APK of a set with its own Result.
type SetAPK struct {
	// File is the name the APK was given under (the entry name inside a
	// bundle).
	File string
	// Split is the manifest's split name, empty for the base.
	Split string
	// Feature is android:isFeatureSplit; ConfigFor the configForSplit
	// attribute; Types the android:splitTypes it provides.
	Feature   bool
	ConfigFor string
	Types     []string
	// Result is the APK's verification, under the base's SDK range and
	// targetSdk rules, without the policy (which applies to the set). An
	// APK that could not be read has a Result with Verified false and the
	// reason in Errors.
	Result *Result
}

// SetResult is the outcome of verifying the APKs of one install.
type SetResult struct {
	// Kind is always "set", so stored results tell a set from one APK.
	Kind string
	// File is the bundle's path (VerifySetFiles) or empty; Layout the
	// bundle's layout (bundletool-apks, sai-apks, xapk, apkm, apks), or
	// "files" for APKs given one by one.
	File   string
	Layout string
	// Verified is true when every APK verified and the set follows every
	// rule: no Errors.
	Verified bool
	// Trusted is true when a Policy was given and the set verified and
	// holds it; encoded only with a Policy.
	Trusted bool
	// Package and VersionCode are the base's.
	Package     string
	VersionCode int64
	// SignerCertSHA256 are the certificates of the set's signer as
	// apksigner names them (Result.SignerCertificates of the base).
	SignerCertSHA256 []string
	Base             *SetAPK
	Splits           []*SetAPK
	// Standalones are bundletool's standalone APKs, each verified on its
	// own (with the Policy) rather than as a member of the set.
	Standalones []*SetAPK
	// Unreadable are the APKs whose manifest could not be read, so it is
	// unknown whether they are the base or a split.
	Unreadable []*SetAPK
	// Ignored are the bundle's entries that are not APKs.
	Ignored []string
	Errors  []SetIssue
	// Policy is the trust policy's outcome for the set, nil without one.
	Policy *PolicyResult
}

// APKs returns the base (when there is one), the splits, the unreadable
// APKs and the standalones, in that order.
func (s *SetResult) APKs() []*SetAPK {
	var out []*SetAPK
	if s.Base != nil {
		out = append(out, s.Base)
	}
	out = append(out, s.Splits...)
	out = append(out, s.Unreadable...)
	return append(out, s.Standalones...)
}

// Err returns nil when the set verified and, with a Policy, is trusted;
// else an error listing the set's errors and policy violations.
func (s *SetResult) Err() error {
	if s.Verified && (s.Policy == nil || s.Trusted) {
		return nil
	}
	return &SetError{Result: s}
}

// SetError is what SetResult.Err returns. errors.Is(err, ErrNotVerified)
// and errors.Is(err, ErrUntrusted) tell the two cases apart.
type SetError struct{ Result *SetResult }

// Error says whether the set did not verify or is not trusted, then lists
// the set's errors and policy violations.
func (e *SetError) Error() string {
	s := "apkverify: install set "
	if e.Result.File != "" {
		s += e.Result.File + " "
	}
	if !e.Result.Verified {
		s += "did not verify"
	} else {
		s += "not trusted"
	}
	sep := ": "
	for _, i := range e.Result.Errors {
		s += sep + string(i.Code) + ": " + i.Message
		sep = "; "
	}
	if p := e.Result.Policy; p != nil {
		for _, v := range p.Violations {
			s += sep + string(v.Code) + ": " + v.Message
			sep = "; "
		}
	}
	return s
}

// Is matches ErrNotVerified, ErrUntrusted and the codes of the set's
// errors and policy violations, as VerificationError does.
func (e *SetError) Is(target error) bool {
	r := e.Result
	return verdictIs(target, r.Verified, r.Policy, r.Trusted, func(c signer.Code) bool {
		return slices.ContainsFunc(r.Errors, func(i SetIssue) bool { return i.Code == c })
	})
}

// VerifySetFiles verifies the files at paths as one install. A single
// path holding a bundle (.apks, .xapk, .apkm, recognised by content) is
// verified as the set it packs; a single APK is a set of one.
func VerifySetFiles(ctx context.Context, paths []string, opts Options) (*SetResult, error) {
	if len(paths) == 0 {
		return nil, optionsError("no file given for the install set")
	}
	parts := make([]Part, 0, len(paths))
	for _, p := range paths {
		f, size, err := openRegular(p)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		parts = append(parts, Part{Name: p, R: f, Size: size})
	}
	if len(parts) == 1 {
		if a, err := apkzip.Open(parts[0].R, parts[0].Size); err == nil && bundle.Detect(a) {
			res, err := verifyBundle(ctx, a, opts)
			if res != nil {
				res.File = paths[0]
			}
			return res, err
		}
	}
	return VerifySet(ctx, parts, opts)
}

func openRegular(path string) (*os.File, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, &signer.Error{Kind: ErrIO, Code: signer.CodeIO, Msg: "cannot open the file", Err: err}
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, &signer.Error{Kind: ErrIO, Code: signer.CodeIO, Msg: "cannot stat the file", Err: err}
	}
	if !st.Mode().IsRegular() {
		f.Close()
		return nil, 0, &signer.Error{Kind: ErrIO, Code: signer.CodeIO, Msg: path + " is not a regular file"}
	}
	return f, st.Size(), nil
}

// VerifyBundle verifies the bundle of size bytes read through r (.apks,
// .xapk, .apkm) as one install. A bundle refused as hostile or unknown
// (BUNDLE_... codes) yields a SetResult that did not verify; the error
// is non-nil only when verification could not run (not a ZIP, I/O,
// invalid options, cancelled).
func VerifyBundle(ctx context.Context, r io.ReaderAt, size int64, opts Options) (*SetResult, error) {
	a, err := apkzip.Open(r, size)
	if err != nil {
		var fe *apkzip.FormatError
		if errors.As(err, &fe) && fe.Code == apkzip.CodeEncrypted {
			return refused(&bundle.Error{Code: bundle.CodeEncrypted, Entry: fe.Entry, Msg: "the bundle's entries are encrypted; only unencrypted bundles can be verified"}), nil
		}
		return nil, fromContainer(err)
	}
	if a.Lookup("AndroidManifest.xml") != nil {
		return VerifySet(ctx, []Part{{Name: "base.apk", R: r, Size: size}}, opts)
	}
	return verifyBundle(ctx, a, opts)
}

func refused(err *bundle.Error) *SetResult {
	return &SetResult{Kind: SetKind, Errors: []SetIssue{{Code: err.Code, Message: err.Msg, File: err.Entry}}}
}

func verifyBundle(ctx context.Context, a *apkzip.Archive, opts Options) (*SetResult, error) {
	b, err := bundle.Read(a, bundle.DefaultLimits)
	if err != nil {
		var be *bundle.Error
		if errors.As(err, &be) {
			if be.Code == bundle.CodeNotBundle {
				return nil, &signer.Error{Kind: ErrNotAPK, Code: be.Code, Msg: "neither an APK nor a bundle of APKs: no AndroidManifest.xml and no APK inside"}
			}
			return refused(be), nil
		}
		return nil, err
	}
	keys, err := checkSetOptions(opts)
	if err != nil {
		return nil, err
	}
	op := bundle.NewOpener(bundle.DefaultLimits)
	sv := &setVerification{ctx: ctx, opts: opts, keys: keys, layout: string(b.Layout), ignored: b.Ignored}
	sv.items = make([]*setItem, len(b.Parts))
	for i := range b.Parts {
		p := &b.Parts[i]
		sv.items[i] = &setItem{name: p.Name, standalone: p.Standalone, open: func() (io.ReaderAt, int64, func(), error) {
			c, err := op.Open(p)
			if err != nil {
				return nil, 0, nil, err
			}
			return c.R, c.Size, c.Close, nil
		}}
	}
	return sv.run()
}

// VerifySet verifies the APKs of one install (a base and its splits, as
// `pm path` lists them) as the platform's installer would accept them:
// each APK verifies for the base's SDK range and under the base's
// targetSdk rules, and together they follow the set rules (Set...
// codes). opts.Policy applies to the set: the signing key to the set's
// signer, package, MinVersionCode, debuggable and frosting to the base,
// RequireSourceStamp and RequireSchemes to every APK.
//
// Parts are read once each and verified in parallel. The error is
// non-nil only when verification could not run (invalid options, I/O
// errors of the caller's readers, cancelled); an APK that is not an APK
// makes the set fail with SET_APK_NOT_VERIFIED.
func VerifySet(ctx context.Context, parts []Part, opts Options) (*SetResult, error) {
	keys, err := checkSetOptions(opts)
	if err != nil {
		return nil, err
	}
	if len(parts) == 0 {
		return nil, optionsError("no APK given for the install set")
	}
	if len(parts) > bundle.DefaultLimits.MaxParts {
		return refused(&bundle.Error{Code: bundle.CodeTooManyParts, Msg: "more APKs than an install set may hold"}), nil
	}
	sv := &setVerification{ctx: ctx, opts: opts, keys: keys, layout: "files"}
	for _, p := range parts {
		sv.items = append(sv.items, &setItem{name: p.Name, open: func() (io.ReaderAt, int64, func(), error) {
			return p.R, p.Size, nil, nil
		}})
	}
	return sv.run()
}

func checkSetOptions(opts Options) (policyKeys, error) {
	if opts.V4Signature != nil {
		return policyKeys{}, optionsError("a v4 signature belongs to one APK, not to an install set")
	}
	return checkOptions(opts)
}

// setPart is what verifyArchive needs of an APK of a set: its manifest,
// read once beforehand, and the base's manifest whose SDK rules apply.
type setPart struct {
	m    *Manifest
	mErr error
	base *Manifest
}

func (p *setPart) readManifest(a *apkzip.Archive) (*Manifest, error) {
	if p == nil {
		return readManifest(a)
	}
	return p.m, p.mErr
}

// rules returns the manifest whose SDK facts decide the checks: a split's
// own, with the base's minSdk, targetSdk and targetSandboxVersion, since
// the installer verifies every split for the base's SDK range and with
// the minimum scheme the base's targetSdk requires.
func (p *setPart) rules(m *Manifest) *Manifest {
	if p == nil || p.base == nil || m == nil {
		return m
	}
	c := *m
	c.MinSDK, c.TargetSDK, c.TargetSandboxVersion = p.base.MinSDK, p.base.TargetSDK, p.base.TargetSandboxVersion
	return &c
}

// setItem is one APK during a set verification.
type setItem struct {
	name       string
	standalone bool
	open       func() (io.ReaderAt, int64, func(), error)

	a       *apkzip.Archive
	m       *Manifest
	err     error // why it could not be opened or its manifest read
	code    signer.Code
	release func()
	apk     *SetAPK
}

type setVerification struct {
	ctx     context.Context
	opts    Options
	keys    policyKeys
	layout  string
	ignored []string
	items   []*setItem
}

// parallel runs fn for 0..n-1 on up to GOMAXPROCS goroutines; each
// verification parallelises its digests too, so a few large parts still
// use every core.
func parallel(n int, fn func(i int)) {
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(n, runtime.GOMAXPROCS(0)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				fn(i)
			}
		}()
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
}

func (sv *setVerification) run() (*SetResult, error) {
	defer func() {
		for _, it := range sv.items {
			if it.release != nil {
				it.release()
			}
		}
	}()
	// Phase 1: open every part and read its manifest, which says which
	// APK is the base whose rules the others follow.
	parallel(len(sv.items), func(i int) { sv.items[i].load(sv.ctx) })
	if err := ctxErr(sv.ctx); err != nil {
		return nil, err
	}
	for _, it := range sv.items {
		var e *signer.Error
		if errors.As(it.err, &e) && e.Kind == ErrIO && e.Code == signer.CodeIO {
			return nil, it.err
		}
	}
	if sv.layout == string(bundle.LayoutAPKM) {
		for _, it := range sv.items {
			if it.code == apkzip.CodeEOCDNotFound || it.code == apkzip.CodeTooSmall {
				// APKMirror's encrypted .apkm keep the ZIP around parts
				// that are no longer ZIPs.
				it.err = &bundle.Error{Code: bundle.CodeEncrypted, Entry: it.name, Msg: "the part is not a ZIP: an encrypted .apkm? only unencrypted bundles can be verified", Err: it.err}
				it.code = bundle.CodeEncrypted
			}
		}
	}
	var base *setItem
	bases := 0
	for _, it := range sv.items {
		if it.err == nil && !it.standalone && it.m.Split == "" {
			bases++
			if base == nil {
				base = it
			}
		}
	}
	var baseM *Manifest
	if bases == 1 {
		baseM = base.m
	}
	// Phase 2: verify every part.
	opts := sv.opts
	opts.Policy = nil
	var fatal error
	var mu sync.Mutex
	parallel(len(sv.items), func(i int) {
		it := sv.items[i]
		it.apk = &SetAPK{File: it.name}
		if it.err != nil {
			it.apk.Result = unreadableResult(it)
			return
		}
		full := it.m.Full
		it.apk.Split, it.apk.Feature, it.apk.ConfigFor, it.apk.Types = it.m.Split, full.IsFeatureSplit, full.ConfigForSplit, full.SplitTypes
		o, part := opts, &setPart{m: it.m, base: baseM}
		if it.standalone {
			o, part = sv.opts, &setPart{m: it.m}
		}
		res, err := verifyArchive(sv.ctx, it.a, part, o, sv.keys)
		if err != nil {
			var e *signer.Error
			if errors.As(err, &e) && (e.Kind == ErrIO || e.Kind == ErrInvalidOptions || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)) {
				mu.Lock()
				fatal = err
				mu.Unlock()
				return
			}
			it.err, it.code = err, errCode(err)
			it.apk.Result = unreadableResult(it)
			return
		}
		res.File = it.name
		it.apk.Result = res
	})
	if fatal != nil {
		return nil, fatal
	}
	sr := &SetResult{Kind: SetKind, Layout: sv.layout, Ignored: sv.ignored}
	for _, it := range sv.items {
		switch {
		case it.standalone:
			sr.Standalones = append(sr.Standalones, it.apk)
		case it.m == nil:
			sr.Unreadable = append(sr.Unreadable, it.apk)
		case it == base:
			sr.Base = it.apk
		default:
			sr.Splits = append(sr.Splits, it.apk)
		}
	}
	sr.Errors = setRules(sr, bases)
	sr.Verified = len(sr.Errors) == 0
	if sr.Base != nil {
		m := sr.Base.Result.Manifest
		sr.Package, sr.VersionCode = m.Package, m.VersionCode
		for _, c := range sr.Base.Result.SignerCertificates() {
			sr.SignerCertSHA256 = append(sr.SignerCertSHA256, certHex(c))
		}
	} else if len(sr.Standalones) > 0 && sr.Standalones[0].Result.Manifest != nil {
		m := sr.Standalones[0].Result.Manifest
		sr.Package, sr.VersionCode = m.Package, m.VersionCode
	}
	if sv.opts.Policy != nil {
		applySetPolicy(sr, sv.opts.Policy, sv.keys)
	}
	return sr, nil
}

// load opens the part, checks that it is an APK and not a bundle, and
// reads its manifest.
func (it *setItem) load(ctx context.Context) {
	if ctxErr(ctx) != nil {
		return
	}
	r, size, release, err := it.open()
	it.release = release
	if err != nil {
		it.err, it.code = err, errCode(err)
		return
	}
	a, err := apkzip.Open(r, size)
	if err != nil {
		it.err = fromContainer(err)
		it.code = errCode(it.err)
		return
	}
	if bundle.Detect(a) {
		it.err = &bundle.Error{Code: bundle.CodeNested, Entry: it.name, Msg: "a bundle of APKs among the APKs of a set"}
		it.code = bundle.CodeNested
		return
	}
	it.a = a
	it.m, err = readManifest(a)
	if err != nil {
		it.err, it.code = err, errCode(err)
	}
}

func errCode(err error) signer.Code {
	var e *signer.Error
	if errors.As(err, &e) {
		return e.Code
	}
	return signer.CodeIO
}

// unreadableResult is the Result of an APK that could not be verified at
// all: not verified, with the reason as its only error.
func unreadableResult(it *setItem) *Result {
	return &Result{File: it.name, Manifest: it.m,
		Errors: []Issue{{Code: it.code, Message: it.err.Error(), Signer: -1}}}
}

// setAPKJSON holds the fields a set adds to an APK's Result encoding.
type setAPKJSON struct {
	Split     string   `json:"split"`
	Feature   bool     `json:"featureSplit,omitempty"`
	ConfigFor string   `json:"configForSplit,omitempty"`
	Types     []string `json:"splitTypes,omitempty"`
}

// MarshalJSON encodes the APK as its Result (the single-APK shape, with
// "file" the name it was given under) plus "split" (empty for the base),
// and "featureSplit", "configForSplit", "splitTypes" when set.
func (a SetAPK) MarshalJSON() ([]byte, error) {
	r := *a.Result
	r.File = a.File
	body, err := r.MarshalJSON()
	if err != nil {
		return nil, err
	}
	extra, err := json.Marshal(setAPKJSON{Split: a.Split, Feature: a.Feature, ConfigFor: a.ConfigFor, Types: a.Types})
	if err != nil {
		return nil, err
	}
	// Both are objects: splice the set's fields in front of the Result's.
	out := append(extra[:len(extra)-1:len(extra)-1], ',')
	return append(out, body[1:]...), nil
}

type setResultJSON struct {
	Kind             string        `json:"kind"`
	File             string        `json:"file,omitempty"`
	Layout           string        `json:"layout"`
	Verified         bool          `json:"verified"`
	Trusted          *bool         `json:"trusted,omitempty"`
	Package          string        `json:"package"`
	VersionCode      int64         `json:"versionCode"`
	SignerCertSHA256 []string      `json:"signerCertSha256"`
	Base             *SetAPK       `json:"base"`
	Splits           []*SetAPK     `json:"splits"`
	Standalones      []*SetAPK     `json:"standalones,omitempty"`
	Unreadable       []*SetAPK     `json:"unreadable,omitempty"`
	Ignored          []string      `json:"ignored"`
	Errors           []SetIssue    `json:"errors"`
	Policy           *PolicyResult `json:"policy,omitempty"`
}

// MarshalJSON encodes the set with "kind": "set"; lists are [] rather
// than null, and "trusted" appears exactly when a Policy was applied.
func (s SetResult) MarshalJSON() ([]byte, error) {
	j := setResultJSON{
		Kind: SetKind, File: s.File, Layout: s.Layout, Verified: s.Verified,
		Package: s.Package, VersionCode: s.VersionCode, SignerCertSHA256: nonNil(s.SignerCertSHA256),
		Base: s.Base, Splits: nonNil(s.Splits), Standalones: s.Standalones, Unreadable: s.Unreadable,
		Ignored: nonNil(s.Ignored), Errors: nonNil(s.Errors), Policy: s.Policy,
	}
	if s.Policy != nil {
		t := s.Trusted
		j.Trusted = &t
	}
	return json.Marshal(j)
}
