package apkverify

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/apktrust/apktrust/internal/apkentry"
	"github.com/apktrust/apktrust/internal/apkzip"
	"github.com/apktrust/apktrust/internal/scheme"
	"github.com/apktrust/apktrust/manifest"
	"github.com/apktrust/apktrust/signer"
)

// Kinds of file in Result.Kind.
const (
	// KindAppBundle is an Android App Bundle (.aab): the artifact a release
	// pipeline signs with its upload key and sends to Google Play.
	KindAppBundle = "bundle"
)

// Entries that make an archive an App Bundle: bundletool's configuration
// and the base module's manifest, both at the top of the archive.
const (
	bundleConfigEntry = "BundleConfig.pb"
	bundleBaseModule  = "base"
)

// maxBundleModules bounds the manifests read from one bundle: each may be
// MaxManifestSize inflated, so a small hostile archive of many modules
// would otherwise cost gigabytes of inflating. Real apps have a few dozen.
const maxBundleModules = 256

// Module is one module of an App Bundle: base, or a feature module, with
// the facts of its own manifest.
type Module struct {
	Name     string    `json:"name"`
	Manifest *Manifest `json:"manifest,omitempty"`
}

// isAppBundle recognises an App Bundle by content, whatever its name:
// BundleConfig.pb and base/manifest/AndroidManifest.xml at the top.
func isAppBundle(a *apkzip.Archive) bool {
	return a.Lookup(bundleConfigEntry) != nil &&
		a.Lookup(bundleBaseModule+"/"+apkentry.BundleManifest) != nil
}

// verifyAppBundle verifies a bundle: its JAR signature (the upload key),
// strictly, and the manifests of its modules; then the policy. Nothing of
// the APK rules applies: a bundle is never installed, Play turns it into
// APKs it signs itself.
func verifyAppBundle(ctx context.Context, a *apkzip.Archive, opts Options, keys policyKeys) (*Result, error) {
	res := &Result{Kind: KindAppBundle}
	var manifestErr error
	res.Modules, manifestErr = readModules(a, res)
	for _, m := range res.Modules {
		if m.Name == bundleBaseModule {
			// A copy: checkModules adds the feature modules' flags to
			// the bundle's facts, not to the base module's own.
			base := *m.Manifest
			res.Manifest = &base
		}
	}
	if res.Manifest != nil {
		checkModules(res)
	}

	jar := scheme.VerifyJAR(ctx, a)
	if err := ctxErr(ctx); err != nil {
		return nil, err
	}
	res.SchemeResults = []*signer.SchemeResult{jar}
	res.Errors = append(res.Errors, jar.Errors...)
	res.Warnings = append(res.Warnings, jar.Warnings...)
	for _, s := range jar.Signers {
		res.Errors = append(res.Errors, s.Errors...)
		res.Warnings = append(res.Warnings, s.Warnings...)
	}
	if jar.Verified {
		for _, s := range jar.Signers {
			res.Signers = append(res.Signers, newSigner(signer.SchemeJAR, s, 0, 0))
		}
	}
	res.Verified = jar.Verified && len(res.Errors) == 0
	// Known keys (a debug or test certificate as the upload key) are named
	// as for an APK.
	(&verification{ctx: ctx, opts: opts, res: res}).knownKeys()
	if res.Manifest == nil && manifestErr != nil {
		res.ManifestError = manifestErr.Error()
	}
	if opts.Policy != nil {
		res.setPolicy(evaluatePolicy(res, opts.Policy, keys))
	}
	return res, nil
}

// readModules reads the manifest of every module: each top-level
// directory holding manifest/AndroidManifest.xml, base first. A manifest
// that cannot be read is an error of the bundle; the base module's error
// is also returned for the policy to cite.
func readModules(a *apkzip.Archive, res *Result) ([]Module, error) {
	var names []string
	for _, e := range a.Entries() {
		dir, rest, ok := strings.Cut(e.Name, "/")
		if ok && rest == apkentry.BundleManifest && dir != "" {
			names = append(names, dir)
		}
	}
	sort.SliceStable(names, func(i, j int) bool {
		return names[i] == bundleBaseModule || names[j] != bundleBaseModule && names[i] < names[j]
	})
	if len(names) > maxBundleModules {
		res.Errors = append(res.Errors, Issue{Code: CodeAppBundleTooManyModules, Signer: -1,
			Message: fmt.Sprintf("%d modules, more than the %d read", len(names), maxBundleModules)})
		names = names[:maxBundleModules]
	}
	var baseErr error
	modules := make([]Module, 0, len(names))
	for _, name := range names {
		m, err := readModuleManifest(a, name)
		if err != nil {
			res.Errors = append(res.Errors, Issue{Code: CodeAppBundleManifestInvalid, Signer: -1,
				Message: fmt.Sprintf("module %s: %v", name, err)})
			if name == bundleBaseModule {
				baseErr = err
			}
			continue
		}
		modules = append(modules, Module{Name: name, Manifest: fromManifest(m)})
	}
	return modules, baseErr
}

func readModuleManifest(a *apkzip.Archive, module string) (*manifest.Manifest, error) {
	b, err := readBundleEntry(a, module+"/"+apkentry.BundleManifest, apkentry.MaxManifestSize)
	if err != nil {
		return nil, err
	}
	var res []byte
	if a.Lookup(module+"/"+apkentry.BundleResources) != nil {
		// An unreadable table leaves references unresolved (flags then
		// count as set), as for an APK's resources.arsc.
		res, _ = readBundleEntry(a, module+"/"+apkentry.BundleResources, apkentry.MaxResourcesSize)
	}
	return manifest.ParseProto(b, res)
}

func readBundleEntry(a *apkzip.Archive, name string, limit int64) ([]byte, error) {
	e := a.Lookup(name)
	if e == nil {
		return nil, fmt.Errorf("no %s", name)
	}
	b, err := e.ReadAll(limit)
	if err != nil {
		if errors.Is(err, apkzip.CodeEntryTooLarge) {
			return nil, fmt.Errorf("%s is larger than %d bytes", name, limit)
		}
		return nil, fmt.Errorf("cannot read %s: %w", name, err)
	}
	return b, nil
}

// checkModules holds the feature modules to the base module's identity,
// and applies their release flags to the bundle: a debuggable or testOnly
// feature module makes the bundle a debug or test build (the worst
// reading, as for a flag the manifest reader cannot resolve).
func checkModules(res *Result) {
	base := res.Manifest
	for _, m := range res.Modules {
		if m.Name == bundleBaseModule {
			continue
		}
		f := m.Manifest
		if f.Package != base.Package || f.VersionCode != base.VersionCode {
			res.Errors = append(res.Errors, Issue{Code: CodeAppBundleModuleMismatch, Signer: -1,
				Message: fmt.Sprintf("module %s is package %q versionCode %d, the base module %q versionCode %d",
					m.Name, f.Package, f.VersionCode, base.Package, base.VersionCode)})
		}
		base.Debuggable = base.Debuggable || f.Debuggable
		base.TestOnly = base.TestOnly || f.TestOnly
	}
}
