package manifest

import (
	"errors"
	"fmt"
	"io"
	"io/fs"

	"github.com/apktrust/apktrust/internal/apkentry"
	"github.com/apktrust/apktrust/internal/apkzip"
	"github.com/apktrust/apktrust/signer"
)

// ManifestEntry is the name of the APK entry Android reads the manifest
// from, exactly as written (no path cleaning).
const ManifestEntry = "AndroidManifest.xml"

// ParseAPK opens the APK (a ZIP file) of size bytes read through r and
// parses its AndroidManifest.xml as ParseFS does. The container is read
// the way package apkverify reads it: only the central directory and the
// entries needed, never the whole file. A file that is not a ZIP the
// platform would open fails with CodeRead, wrapping the container's error.
func ParseAPK(r io.ReaderAt, size int64) (*Manifest, error) {
	a, err := apkzip.Open(r, size)
	if err != nil {
		return nil, &signer.Error{Code: CodeRead, Msg: "cannot open the APK", Err: err}
	}
	return ParseFS(a.FS())
}

// ParseFS reads AndroidManifest.xml from fsys (an APK's entries, such as
// an unpacked APK in an os.DirFS or a zip.Reader) and parses it. When the
// manifest refers to resources (a label such as @string/app_name, a
// versionCode, a debuggable flag, a <meta-data> value), resources.arsc is
// read to resolve them in every configuration, and only then; a missing
// or unusable table leaves those values unresolved (versionCode 0,
// debuggable and testOnly true, the label empty) and is reported in
// Manifest.ResourcesErr. A targetSdkVersion reference that cannot be
// resolved is CodeRefused, and a table that would decode past its budget
// is CodeResourcesLimit.
//
// Both names are looked up exactly as Android does, with no case folding.
// Errors are *signer.Error: CodeMissing when fsys has no
// AndroidManifest.xml (its Open fails with fs.ErrNotExist), CodeTooLarge
// over the 8 MiB limit, CodeRead (wrapping the cause) when it cannot be
// read, or any code Parse returns.
func ParseFS(fsys fs.FS) (*Manifest, error) {
	b, err := readManifest(fsys)
	if err != nil {
		return nil, err
	}
	return parse(b, &lazyTable{fsys: fsys})
}

// readManifest returns the bytes of AndroidManifest.xml, with the errors
// ParseFS documents.
func readManifest(fsys fs.FS) ([]byte, error) {
	b, err := readLimited(fsys, ManifestEntry, apkentry.MaxManifestSize)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, errorf(CodeMissing, 0, "APK has no %s entry", ManifestEntry)
	case errors.Is(err, errTooLarge):
		return nil, &signer.Error{Code: CodeTooLarge, Msg: "AndroidManifest.xml is larger than the limit", Err: err}
	case err != nil:
		return nil, &signer.Error{Code: CodeRead, Msg: "cannot read AndroidManifest.xml", Err: err}
	}
	return b, nil
}

// errTooLarge is readLimited's refusal of a file over its limit.
var errTooLarge = errors.New("larger than the limit")

// readLimited reads the file name of fsys whole, refusing one that
// declares (Stat) or turns out to hold more than limit bytes: a hostile
// entry costs at most limit bytes of memory.
func readLimited(fsys fs.FS, name string, limit int64) ([]byte, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var want int64
	if st, err := f.Stat(); err == nil {
		if st.IsDir() {
			return nil, &fs.PathError{Op: "read", Path: name, Err: errors.New("is a directory")}
		}
		if want = st.Size(); want > limit {
			return nil, fmt.Errorf("%s declares %d bytes, over the %d-byte limit: %w", name, want, limit, errTooLarge)
		}
	}
	// An APK's small entry read whole once already (or now) is taken as
	// the archive keeps it, without a copy: the parser only reads it.
	if sf, ok := f.(sharedFile); ok {
		if b, ok, err := sf.ReadShared(); ok || err != nil {
			if err == nil && int64(len(b)) > limit {
				err = fmt.Errorf("%s holds more than %d bytes: %w", name, limit, errTooLarge)
			}
			return b, err
		}
	}
	// One byte beyond the declared size, so that an entry of the size it
	// declares is read into one allocation: the EOF lands in that byte.
	// (bytes.Buffer.ReadFrom would double the buffer first, as it wants
	// 512 free bytes before every read.)
	b := make([]byte, 0, max(want, 0)+1)
	r := io.LimitReader(f, limit+1)
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%s holds more than %d bytes: %w", name, limit, errTooLarge)
	}
	return b, nil
}

// sharedFile is a file that can hand out its whole content without a
// copy (an APK entry opened through apkzip's fs.FS view); ok is false when
// it cannot, and the file is then read as any other. The bytes must not be
// modified: readLimited's callers only parse them.
type sharedFile interface {
	ReadShared() (b []byte, ok bool, err error)
}

// lazyTable reads resources.arsc on the first lookup, so APKs whose
// manifest needs no resolution never pay for the table.
type lazyTable struct {
	fsys   fs.FS
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
	b, err := readLimited(l.fsys, apkentry.Resources, apkentry.MaxResourcesSize)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, resErr("APK has no %s entry", apkentry.Resources)
	}
	if err != nil {
		return nil, &signer.Error{Code: CodeResources, Msg: "cannot read resources.arsc", Err: err}
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
