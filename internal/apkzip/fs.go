package apkzip

import (
	"io"
	"io/fs"
	"path"
	"time"
)

// FS returns the archive as an fs.FS, for readers (such as package
// manifest) that take any file system. Open finds an entry by exactly the
// name given, as Android's lookups do: no case folding and no cleaning, so
// "res/../AndroidManifest.xml" is never AndroidManifest.xml. Names that
// are not valid fs paths (fs.ValidPath) fail with fs.ErrInvalid, names no
// entry has with fs.ErrNotExist. Reads stream through Entry.Open, with its
// length and CRC checks (an entry of up to 64 KiB is checked whole on the
// first Read); directories are not listed.
func (a *Archive) FS() fs.FS { return archiveFS{a} }

type archiveFS struct{ a *Archive }

func (f archiveFS) Open(name string) (fs.File, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	e := f.a.Lookup(name)
	if e == nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	return &entryFile{e: e}, nil
}

// entryFile is an opened entry; its stream is opened on the first Read, so
// a Stat (the declared size, checked against a limit) reads nothing. A
// small entry is read whole on the first Read and kept for the archive's
// later readers (openWhole).
type entryFile struct {
	e      *Entry
	rc     io.ReadCloser
	closed bool
}

func (f *entryFile) Stat() (fs.FileInfo, error) { return entryInfo{f.e}, nil }

func (f *entryFile) Read(p []byte) (int, error) {
	if f.closed {
		return 0, fs.ErrClosed
	}
	if f.rc == nil {
		rc, err := f.e.openWhole()
		if err != nil {
			return 0, err
		}
		f.rc = rc
	}
	return f.rc.Read(p)
}

// ReadShared returns the whole content of a small entry (one the archive
// keeps for its later readers, such as AndroidManifest.xml, which the v1
// verifier hashes after the manifest reader parsed it) without copying
// it: ok is false, with nothing read, for an entry too large to be kept or
// a file already being read, which the caller then reads with Read. The
// bytes are shared with the archive's other readers and must not be
// modified. Package manifest finds it by a type assertion.
func (f *entryFile) ReadShared() (b []byte, ok bool, err error) {
	if f.closed {
		return nil, false, fs.ErrClosed
	}
	if f.rc != nil || f.e.UncompressedSize > maxSharedContent {
		return nil, false, nil
	}
	b, err = f.e.ReadAll(maxSharedContent)
	if err != nil {
		return nil, false, err
	}
	return b, true, nil
}

func (f *entryFile) Close() error {
	f.closed = true
	if f.rc == nil {
		return nil
	}
	err := f.rc.Close()
	f.rc = nil
	return err
}

// entryInfo describes an entry by what its central directory record
// declares.
type entryInfo struct{ e *Entry }

func (i entryInfo) Name() string       { return path.Base(i.e.Name) }
func (i entryInfo) Size() int64        { return i.e.UncompressedSize }
func (i entryInfo) Mode() fs.FileMode  { return 0o444 }
func (i entryInfo) ModTime() time.Time { return time.Time{} }
func (i entryInfo) IsDir() bool        { return false }
func (i entryInfo) Sys() any           { return i.e }
