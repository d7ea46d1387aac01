package manifest

import (
	"errors"

	"github.com/apktrust/apktrust/internal/apkzip"
)

// Entry names Android looks up, exactly as written (no path cleaning).
const (
	ManifestEntry  = "AndroidManifest.xml"
	ResourcesEntry = "resources.arsc"
)

// Size limits for the two entries the reader loads into memory. Real
// manifests are well under 1 MiB and real resource tables under 16 MiB.
const (
	MaxManifestSize  = 8 << 20
	MaxResourcesSize = 32 << 20
)

// FromArchive reads AndroidManifest.xml from an opened APK and parses it.
// When the manifest refers to resources (a label such as @string/app_name,
// a versionCode, a debuggable flag, a <meta-data> value), resources.arsc
// is read to resolve them in every configuration; a missing or unusable
// table leaves those values unresolved (versionCode 0, debuggable and
// testOnly true, the label empty) and is reported in
// Manifest.ResourcesErr. A targetSdkVersion reference that cannot be
// resolved is CodeRefused, and a table that would decode past its budget
// is CodeResourcesLimit.
//
// Errors are *FormatError: CodeMissing when the APK has no entry named
// exactly AndroidManifest.xml, CodeTooLarge over MaxManifestSize,
// CodeRead (wrapping the *apkzip.FormatError) when the container cannot
// deliver the entry, or any code Parse returns.
func FromArchive(a *apkzip.Archive) (*Manifest, error) {
	b, err := ReadEntry(a)
	if err != nil {
		return nil, err
	}
	return parse(b, &lazyTable{a: a})
}

// ReadEntry returns the bytes of the APK's AndroidManifest.xml, with the
// errors FromArchive documents. Callers that need only what Parse reads
// without resources (minSdkVersion, targetSdkVersion, the sandbox version
// for signature checks) use it with Parse and never touch resources.arsc.
func ReadEntry(a *apkzip.Archive) ([]byte, error) {
	e := a.Lookup(ManifestEntry)
	if e == nil {
		return nil, errorf(CodeMissing, -1, "APK has no %s entry", ManifestEntry)
	}
	b, err := e.ReadAll(MaxManifestSize)
	if err != nil {
		if errors.Is(err, apkzip.ErrEntryTooLarge) {
			return nil, &FormatError{Code: CodeTooLarge, Offset: -1,
				Msg: "AndroidManifest.xml is larger than the limit", Err: err}
		}
		return nil, &FormatError{Code: CodeRead, Offset: -1, Msg: "cannot read AndroidManifest.xml", Err: err}
	}
	return b, nil
}

// lazyTable reads resources.arsc on the first lookup, so APKs whose
// manifest needs no resolution never pay for the table.
type lazyTable struct {
	a      *apkzip.Archive
	loaded bool
	t      *resTable
	err    error
}

func (l *lazyTable) load() (*resTable, error) {
	if !l.loaded {
		l.loaded = true
		l.t, l.err = l.open()
	}
	return l.t, l.err
}

func (l *lazyTable) open() (*resTable, error) {
	e := l.a.Lookup(ResourcesEntry)
	if e == nil {
		return nil, resErr("APK has no %s entry", ResourcesEntry)
	}
	b, err := e.ReadAll(MaxResourcesSize)
	if err != nil {
		return nil, &FormatError{Code: CodeResources, Offset: -1, Msg: "cannot read resources.arsc", Err: err}
	}
	return loadTable(b)
}

func (l *lazyTable) values(id uint32, minSDK int) ([]resValue, error) {
	t, err := l.load()
	if err != nil {
		return nil, err
	}
	return t.values(id, minSDK)
}

func (l *lazyTable) str(v resValue) (string, error) {
	t, err := l.load()
	if err != nil {
		return "", err
	}
	return t.str(v)
}
