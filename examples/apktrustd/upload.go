package main

import (
	"archive/zip"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"net/http"
	"os"
	"runtime"
	"strings"
	"sync"

	"github.com/apktrust/apktrust/manifest"
)

// Input kinds (metrics label "kind", error.inputKind).
const (
	kindAPK = "apk"
	// kindAAB is an Android App Bundle (.aab): BundleConfig.pb, modules
	// with their manifest under <module>/manifest/.
	kindAAB = "aab"
	// kindAPKSet is one archive of APKs: bundletool's .apks (toc.pb,
	// splits/*.apk) and the .xapk/.apkm shapes of app stores.
	kindAPKSet = "apk-set"
	// kindSplitSet is a loose split set: several multipart file parts.
	kindSplitSet = "split-set"
)

// supportedKinds are the input kinds verified; the others are answered
// 415 with UNSUPPORTED_INPUT_KIND.
var supportedKinds = map[string]bool{kindAPK: true, kindAAB: true, kindSplitSet: true, kindAPKSet: true}

func unsupportedKindMessage(kind string) string {
	what := map[string]string{
		kindAAB:      "an Android App Bundle (.aab)",
		kindAPKSet:   "an archive of APKs (install-set bundle such as .apks)",
		kindSplitSet: "a set of split APKs (several file parts)",
	}[kind]
	return fmt.Sprintf("%s is not supported by this service", what)
}

// rawTypes are the Content-Types accepted for a raw body. curl
// --data-binary sends application/x-www-form-urlencoded unless told
// otherwise, so that is accepted too: the body is never parsed as a form.
var rawTypes = map[string]bool{
	"application/octet-stream":                true,
	"application/vnd.android.package-archive": true,
	"application/zip":                         true,
	"application/x-zip-compressed":            true,
	"application/x-authorware-bin":            true, // what some systems call .aab
	"application/x-www-form-urlencoded":       true,
}

// upload is one received file, spooled to disk.
type upload struct {
	file *os.File
	path string // "" once unlinked
	size int64
	name string // the multipart filename, if any
	pkg  string // the manifest's package by a quick look, "" if unknown
}

func (u *upload) close() {
	u.file.Close()
	if u.path != "" {
		os.Remove(u.path)
	}
}

// input is what a request carried.
type input struct {
	files []*upload
	kind  string
}

func (in *input) close() {
	for _, u := range in.files {
		u.close()
	}
}

// requestError is a request refused with an HTTP status.
type requestError struct {
	status int
	detail errorDetail
	limit  string
}

func (e *requestError) Error() string { return e.detail.Code + ": " + e.detail.Message }

func refuse(status int, code, kind, limit, format string, a ...any) *requestError {
	return &requestError{status: status, limit: limit, detail: errorDetail{Code: code, Kind: kind, Message: fmt.Sprintf(format, a...)}}
}

// bodyReader counts the bytes read and keeps the first error of the
// connection (not a clean EOF), so that a multipart error can be told
// apart from a client that went away or was too slow.
type bodyReader struct {
	r   io.Reader
	n   int64
	err error
}

func (b *bodyReader) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	b.n += int64(n)
	if err != nil && err != io.EOF && b.err == nil {
		b.err = err
	}
	return n, err
}

// receive reads the request body into temporary files: a raw body is one
// file, a multipart body one per "file" part. It never holds a body in
// memory. The returned input is never nil and must be closed, also on
// error.
func (s *server) receive(w http.ResponseWriter, r *http.Request, a *accessLog) (*input, error) {
	in := &input{}
	l := s.cfg.Limits
	if r.ContentLength > l.MaxBodyBytes {
		return in, refuse(http.StatusRequestEntityTooLarge, codeBodyTooLarge, kindLimit, limitBodySize,
			"Content-Length %d exceeds the limit of %d bytes", r.ContentLength, l.MaxBodyBytes)
	}
	ct := r.Header.Get("Content-Type")
	mt, params := "", map[string]string(nil)
	if ct != "" {
		var err error
		if mt, params, err = mime.ParseMediaType(ct); err != nil {
			return in, refuse(http.StatusUnsupportedMediaType, codeUnsupportedType, kindUnsupported, "", "Content-Type %q: %v", ct, err)
		}
	}
	multi := mt == "multipart/form-data"
	if ct != "" && !multi && !rawTypes[mt] {
		return in, refuse(http.StatusUnsupportedMediaType, codeUnsupportedType, kindUnsupported, "",
			"Content-Type %q: send the APK as the raw body (application/octet-stream) or as multipart/form-data parts named file", mt)
	}
	body := &bodyReader{r: http.MaxBytesReader(w, r.Body, l.MaxBodyBytes)}
	defer func() {
		a.bytes = body.n
		s.metrics.received.Add(float64(body.n))
	}()
	var err error
	if multi {
		err = s.receiveParts(in, body, params["boundary"], a)
	} else {
		var u *upload
		if u, err = s.spool(body, body, ""); u != nil {
			in.files = append(in.files, u)
		}
	}
	if err != nil {
		return in, err
	}
	switch {
	case len(in.files) == 0:
		return in, refuse(http.StatusBadRequest, codeBadRequest, kindRequest, "", "no part named file")
	case len(in.files) > 1:
		in.kind = kindSplitSet
		for _, u := range in.files {
			_, u.pkg = inspect(u.file, u.size)
		}
		return in, nil
	case in.files[0].size == 0:
		return in, refuse(http.StatusBadRequest, codeBadRequest, kindRequest, "", "empty body: send the APK")
	}
	in.kind, in.files[0].pkg = inspect(in.files[0].file, in.files[0].size)
	return in, nil
}

func (s *server) receiveParts(in *input, body *bodyReader, boundary string, a *accessLog) error {
	if boundary == "" {
		return refuse(http.StatusBadRequest, codeBadRequest, kindRequest, "", "multipart/form-data without a boundary parameter")
	}
	mr := multipart.NewReader(body, boundary)
	for {
		// NextRawPart: the parts are binary, no transfer decoding.
		p, err := mr.NextRawPart()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return readError(body, fmt.Errorf("multipart: %w", err))
		}
		a.parts++
		if a.parts > s.cfg.Limits.MaxParts {
			return refuse(http.StatusRequestEntityTooLarge, codeTooManyParts, kindLimit, limitParts,
				"more than %d parts", s.cfg.Limits.MaxParts)
		}
		if p.FormName() != "file" {
			// Other form fields are allowed and ignored; their bytes
			// still count against the body limit.
			if _, err := io.Copy(io.Discard, p); err != nil {
				return readError(body, err)
			}
			continue
		}
		u, err := s.spool(body, p, p.FileName())
		if u != nil {
			in.files = append(in.files, u)
		}
		if err != nil {
			return err
		}
	}
}

var copyBufs = sync.Pool{New: func() any { b := make([]byte, 64<<10); return &b }}

// spool copies from (the body or one part of it) into a new temporary
// file. On Unix the file is unlinked at once: it lives only as long as the
// open descriptor, so nothing is left behind whatever happens to the
// request or the process.
func (s *server) spool(body *bodyReader, from io.Reader, name string) (*upload, error) {
	f, err := os.CreateTemp(s.tmpDir, "upload-*")
	if err != nil {
		s.log.Error("creating a temporary file", "err", err)
		return nil, refuse(http.StatusInternalServerError, codeInternal, kindInternal, "", "cannot store the upload")
	}
	u := &upload{file: f, path: f.Name(), name: name}
	if runtime.GOOS != "windows" && os.Remove(u.path) == nil {
		u.path = ""
	}
	buf := copyBufs.Get().(*[]byte)
	defer copyBufs.Put(buf)
	fw := &fileWriter{f: f}
	if u.size, err = io.CopyBuffer(fw, from, *buf); err != nil {
		if fw.err != nil {
			s.log.Error("writing a temporary file", "err", err)
			return u, refuse(http.StatusInternalServerError, codeInternal, kindInternal, "", "cannot store the upload")
		}
		return u, readError(body, err)
	}
	return u, nil
}

// fileWriter keeps the file's write error apart from the body's read
// errors; being no io.ReaderFrom, it makes CopyBuffer use the pooled
// buffer.
type fileWriter struct {
	f   *os.File
	err error
}

func (w *fileWriter) Write(p []byte) (int, error) {
	n, err := w.f.Write(p)
	if err != nil {
		w.err = err
	}
	return n, err
}

// readError turns a failure to read the body into the answer: 413 over
// the size limit, 408 for a client too slow for the read timeout, 400 for
// a body that ended early or is not valid multipart.
func readError(body *bodyReader, err error) error {
	cause := err
	if body.err != nil {
		cause = body.err
	}
	var mbe *http.MaxBytesError
	var ne net.Error
	switch {
	case errors.As(cause, &mbe):
		return refuse(http.StatusRequestEntityTooLarge, codeBodyTooLarge, kindLimit, limitBodySize,
			"body exceeds the limit of %d bytes", mbe.Limit)
	case errors.As(cause, &ne) && ne.Timeout():
		return refuse(http.StatusRequestTimeout, codeReadTimeout, kindLimit, limitReadTimeout,
			"the body was not received within the read timeout")
	case body.err != nil:
		return refuse(http.StatusBadRequest, codeBadRequest, kindRequest, "", "reading the body: %v", body.err)
	}
	return refuse(http.StatusBadRequest, codeBadRequest, kindRequest, "", "%v", err)
}

// quickManifestLimit bounds the manifest read by inspect; real manifests
// are far smaller, and a larger one is left to the verifier.
const quickManifestLimit = 1 << 20

// inspect tells an APK from an app bundle or an archive of APKs, and reads
// the APK's package to choose its policy. It is a quick look with
// archive/zip, not a verdict: anything with AndroidManifest.xml at the
// root goes to the verifier, which reads the file its own (Android's) way
// and whose reading of the package is pinned by the policy.
func inspect(f io.ReaderAt, size int64) (kind, pkg string) {
	zr, err := zip.NewReader(f, size)
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return kindAPK, "" // the verifier says why it is not an APK
	}
	var root, base *zip.File
	bundle, apks := false, 0
	for _, zf := range zr.File {
		switch {
		case zf.Name == manifest.ManifestEntry:
			if root == nil {
				root = zf
			}
		case zf.Name == "base/manifest/AndroidManifest.xml":
			if base == nil {
				base = zf
			}
			bundle = true
		case zf.Name == "BundleConfig.pb", strings.HasSuffix(zf.Name, "/manifest/AndroidManifest.xml"):
			bundle = true
		case strings.HasSuffix(strings.ToLower(zf.Name), ".apk"):
			apks++
		}
	}
	switch {
	case root != nil:
		return kindAPK, quickPackage(root, manifest.Parse)
	case bundle:
		// The base module's manifest is aapt2's protobuf XML.
		return kindAAB, quickPackage(base, func(b []byte) (*manifest.Manifest, error) { return manifest.ParseProto(b, nil) })
	case apks > 0:
		return kindAPKSet, ""
	}
	return kindAPK, ""
}

func quickPackage(zf *zip.File, parse func([]byte) (*manifest.Manifest, error)) string {
	if zf == nil || zf.UncompressedSize64 > quickManifestLimit {
		return ""
	}
	rc, err := zf.Open()
	if err != nil {
		return ""
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, quickManifestLimit+1))
	if err != nil || len(b) > quickManifestLimit {
		return ""
	}
	m, err := parse(b)
	if err != nil {
		return ""
	}
	return m.Package
}
