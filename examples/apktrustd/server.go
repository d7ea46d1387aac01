package main

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/apktrust/apktrust/apkverify"
)

// server is the verification service: one per configuration.
type server struct {
	cfg     *config
	log     *slog.Logger
	metrics *metrics
	tmpDir  string

	work     *limiter
	uploads  *limiter
	draining atomic.Bool
	reqID    atomic.Uint64
}

func newServer(cfg *config, log *slog.Logger) (*server, error) {
	dir := cfg.TempDir
	if dir == "" {
		d, err := os.MkdirTemp("", "apktrustd-")
		if err != nil {
			return nil, fmt.Errorf("temporary directory: %w", err)
		}
		dir = d
	} else if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("tempDir: %w", err)
	}
	s := &server{
		cfg:     cfg,
		log:     log,
		metrics: newMetrics(),
		tmpDir:  dir,
		work:    newLimiter(cfg.Limits.Workers, cfg.Limits.Queue),
		uploads: newLimiter(cfg.Limits.MaxUploads, 0),
	}
	if err := s.checkTempDir(); err != nil {
		return nil, err
	}
	return s, nil
}

// close removes the private temporary directory (not a configured one:
// it may be shared).
func (s *server) close() {
	if s.cfg.TempDir == "" {
		os.RemoveAll(s.tmpDir)
	}
}

func (s *server) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/v1/verify", s.handleVerify)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET /readyz", s.handleReady)
	mux.Handle("GET /metrics", s.authorize(s.metrics.handler()))
	return mux
}

// httpServer applies the configured timeouts: ReadHeaderTimeout and
// ReadTimeout cut slow-loris clients, WriteTimeout covers body, queue and
// verification.
func (s *server) httpServer(addr string) *http.Server {
	l := s.cfg.Limits
	return &http.Server{
		Addr:              addr,
		Handler:           s.handler(),
		ReadHeaderTimeout: l.ReadHeaderTimeout,
		ReadTimeout:       l.ReadTimeout,
		WriteTimeout:      l.WriteTimeout,
		IdleTimeout:       l.IdleTimeout,
		MaxHeaderBytes:    l.MaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
}

func (s *server) checkTempDir() error {
	f, err := os.CreateTemp(s.tmpDir, "ready-*")
	if err != nil {
		return fmt.Errorf("temporary directory %s not writable: %w", s.tmpDir, err)
	}
	f.Close()
	return os.Remove(f.Name())
}

func (s *server) handleReady(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if s.draining.Load() {
		http.Error(w, "shutting down", http.StatusServiceUnavailable)
		return
	}
	if err := s.checkTempDir(); err != nil {
		http.Error(w, err.Error(), http.StatusServiceUnavailable)
		return
	}
	fmt.Fprintf(w, "ready: %d policies\n", len(s.cfg.Policies))
}

// authorize requires the bearer token when one is configured. Both sides
// are hashed first so that the comparison takes the same time whatever
// the length of the guess.
func (s *server) authorize(h http.Handler) http.Handler {
	if s.cfg.Token == "" {
		return h
	}
	want := sha256.Sum256([]byte(s.cfg.Token))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		sum := sha256.Sum256([]byte(got))
		if !ok || subtle.ConstantTimeCompare(sum[:], want[:]) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="apktrustd"`)
			writeError(w, http.StatusUnauthorized, errorDetail{Code: codeUnauthorized, Kind: kindRequest, Message: "missing or wrong bearer token"})
			return
		}
		h.ServeHTTP(w, r)
	})
}

// limiter bounds concurrent work: n may run, queue more may wait.
type limiter struct {
	slots   chan struct{}
	queue   int64
	waiting atomic.Int64
}

var errQueueFull = errors.New("queue full")

func newLimiter(n, queue int) *limiter {
	return &limiter{slots: make(chan struct{}, n), queue: int64(queue)}
}

// acquire takes a slot, waiting in the queue while ctx allows.
func (l *limiter) acquire(ctx context.Context, queued func(int)) error {
	select {
	case l.slots <- struct{}{}:
		return nil
	default:
	}
	if l.waiting.Add(1) > l.queue {
		l.waiting.Add(-1)
		return errQueueFull
	}
	queued(1)
	defer func() { l.waiting.Add(-1); queued(-1) }()
	select {
	case l.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (l *limiter) release() { <-l.slots }

// accessLog is what one request's log line and metrics say.
type accessLog struct {
	verdict string
	code    string
	kind    string
	pkg     string
	bytes   int64
	parts   int
	verify  time.Duration
	limit   string
}

func (s *server) handleVerify(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	a := &accessLog{verdict: verdictNone}
	rw := &statusWriter{ResponseWriter: w}
	defer func() { s.finish(r, rw, a, start) }()
	s.authorize(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.verify(w, r, a)
	})).ServeHTTP(rw, r)
}

// finish writes the access log line and counts the request.
func (s *server) finish(r *http.Request, rw *statusWriter, a *accessLog, start time.Time) {
	status := rw.status
	if status == 0 {
		// Nothing was written: the client went away first.
		status = statusClientClosed
	}
	if a.limit != "" {
		s.metrics.rejected.WithLabelValues(a.limit).Inc()
	}
	s.metrics.requests.WithLabelValues(strconv.Itoa(status), a.verdict).Inc()
	attrs := []slog.Attr{
		slog.Uint64("id", s.reqID.Add(1)),
		slog.String("method", r.Method),
		slog.String("path", r.URL.Path),
		slog.String("remote", r.RemoteAddr),
		slog.Int("status", status),
		slog.String("verdict", a.verdict),
		slog.Int64("bytes", a.bytes),
		slog.Float64("ms", float64(time.Since(start).Microseconds())/1000),
	}
	for _, kv := range [][2]string{{"kind", a.kind}, {"package", a.pkg}, {"code", a.code}, {"limit", a.limit}} {
		if kv[1] != "" {
			attrs = append(attrs, slog.String(kv[0], kv[1]))
		}
	}
	if a.parts > 0 {
		attrs = append(attrs, slog.Int("parts", a.parts))
	}
	if a.verify > 0 {
		attrs = append(attrs, slog.Float64("verify_ms", float64(a.verify.Microseconds())/1000))
	}
	s.log.LogAttrs(r.Context(), slog.LevelInfo, "request", attrs...)
}

// statusClientClosed is logged (never sent) for a client that left before
// the answer, as nginx does.
const statusClientClosed = 499

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// verify answers POST /v1/verify.
func (s *server) verify(w http.ResponseWriter, r *http.Request, a *accessLog) {
	fail := func(status int, d errorDetail, limit string) {
		a.code, a.limit, a.verdict = d.Code, limit, verdictCannotRead
		writeError(w, status, d)
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		fail(http.StatusMethodNotAllowed, errorDetail{Code: codeMethod, Kind: kindRequest, Message: "use POST"}, "")
		return
	}
	if s.draining.Load() {
		w.Header().Set("Connection", "close")
		fail(http.StatusServiceUnavailable, errorDetail{Code: codeShuttingDown, Kind: kindUnavailable, Message: "the service is shutting down; retry on another instance"}, "")
		return
	}
	want := r.URL.Query().Get("package")
	if want != "" && !packageName.MatchString(want) {
		fail(http.StatusBadRequest, errorDetail{Code: codeBadRequest, Kind: kindRequest, Message: "package: not a valid Android package name"}, "")
		return
	}
	a.pkg = want
	if err := s.uploads.acquire(r.Context(), func(int) {}); err != nil {
		fail(http.StatusTooManyRequests, errorDetail{Code: codeTooManyUploads, Kind: kindLimit, Message: "too many uploads at once; retry later"}, limitUploads)
		return
	}
	in, err := s.receiveHolding(w, r, a)
	defer in.close()
	if err != nil {
		re := refuse(http.StatusBadRequest, codeBadRequest, kindRequest, "", "%v", err)
		errors.As(err, &re)
		fail(re.status, re.detail, re.limit)
		return
	}
	a.kind = in.kind
	if !supportedKinds[in.kind] {
		fail(http.StatusUnsupportedMediaType, errorDetail{Code: codeUnsupportedKind, Kind: kindUnsupported, InputKind: in.kind,
			Message: unsupportedKindMessage(in.kind)}, "")
		return
	}

	// The deadline covers the wait for a worker and the verification.
	ctx, cancel := context.WithTimeout(r.Context(), s.cfg.Limits.VerifyTimeout)
	defer cancel()
	if err := s.work.acquire(ctx, func(d int) { s.metrics.queued.Add(float64(d)) }); err != nil {
		switch {
		case errors.Is(err, errQueueFull):
			w.Header().Set("Retry-After", "1")
			fail(http.StatusTooManyRequests, errorDetail{Code: codeQueueFull, Kind: kindLimit, Message: "all verification workers busy and the queue is full; retry later"}, limitQueue)
		case errors.Is(err, context.DeadlineExceeded):
			fail(http.StatusGatewayTimeout, deadlineDetail(s.cfg.Limits.VerifyTimeout), limitDeadline)
		}
		return
	}
	out, err := s.verifyHolding(ctx, in, want, a)

	switch {
	case err == nil:
		if a.pkg == "" {
			a.pkg = out.pkg
		}
		a.verdict = out.verdict
		writeResult(w, out)
	case errors.Is(err, context.DeadlineExceeded):
		fail(http.StatusGatewayTimeout, deadlineDetail(s.cfg.Limits.VerifyTimeout), limitDeadline)
	case errors.Is(err, context.Canceled):
		// The client went away; nobody to answer.
	case errors.Is(err, apkverify.ErrNotAPK), errors.Is(err, apkverify.ErrManifest):
		// A rejection, as the CLI sees it: the file is not trusted
		// (a hostile container is no reason to say "cannot read").
		d := apkverifyDetail(err)
		if len(in.files) == 1 {
			d.File = in.files[0].name
		}
		a.code, a.verdict = d.Code, verdictNotTrusted
		writeErrorAs(w, http.StatusBadRequest, verdictNotTrusted, d)
	default:
		// Our own temporary file could not be read, or the configured
		// policy was refused: the service's fault, not the file's.
		s.log.Error("verification could not run", "err", err)
		fail(http.StatusInternalServerError, errorDetail{Code: codeInternal, Kind: kindInternal, Message: "verification could not run"}, "")
	}
}

// receiveHolding receives the body while holding an upload slot, which
// it releases whatever happens.
func (s *server) receiveHolding(w http.ResponseWriter, r *http.Request, a *accessLog) (*input, error) {
	defer s.uploads.release()
	s.metrics.uploading.Inc()
	defer s.metrics.uploading.Dec()
	return s.receive(w, r, a)
}

// outcome is one verified input: its JSON (the encoding of an
// apkverify.Result, or of a set's result), verdict and package.
type outcome struct {
	body    json.Marshaler
	file    string
	verdict string
	pkg     string
}

// verifyHolding verifies while holding a worker slot, which it releases
// whatever happens (a panic included, so a slot is never lost).
func (s *server) verifyHolding(ctx context.Context, in *input, want string, a *accessLog) (outcome, error) {
	defer s.work.release()
	s.metrics.inFlight.Inc()
	defer s.metrics.inFlight.Dec()
	t0 := time.Now()
	defer func() {
		a.verify = time.Since(t0)
		s.metrics.duration.WithLabelValues(in.kind).Observe(a.verify.Seconds())
	}()
	switch in.kind {
	case kindSplitSet, kindAPKSet:
		return s.verifySet(ctx, in, want)
	}
	f := in.files[0]
	res, err := s.verifyAPK(ctx, f, want, in.kind)
	if errors.Is(err, apkverify.ErrBundle) {
		// The verifier recognised an archive of APKs that our quick
		// look took for an APK: verify it as the set it is.
		in.kind, a.kind = kindAPKSet, kindAPKSet
		return s.verifySet(ctx, in, want)
	}
	if err != nil {
		return outcome{}, err
	}
	res.File = f.name
	return outcome{body: res, file: f.name, verdict: verdictOf(res), pkg: manifestPackage(res)}, nil
}

func deadlineDetail(d time.Duration) errorDetail {
	return errorDetail{Code: codeDeadline, Kind: kindLimit, Message: fmt.Sprintf("verification did not finish within %v", d)}
}

// verifyAPK verifies one APK (or App Bundle, kind aab) under the policy
// of its package: the one the request names, else the one the manifest
// names.
func (s *server) verifyAPK(ctx context.Context, f *upload, want, kind string) (*apkverify.Result, error) {
	pkg := want
	if pkg == "" {
		pkg = f.pkg
	}
	res, err := apkverify.Verify(ctx, f.file, f.size, s.options(kind, pkg))
	if err != nil {
		return nil, err
	}
	if got := manifestPackage(res); want == "" && got != pkg {
		// Our quick look at the manifest (archive/zip) read another
		// package than the verifier did, or none (bundles are not
		// looked into). The verifier's reading is the one its Result
		// reports and the one Android uses: judge by it. The pinned
		// Policy.Package made the first answer a mismatch anyway,
		// never a wrong "trusted".
		pkg = got
		if res, err = apkverify.Verify(ctx, f.file, f.size, s.options(kind, pkg)); err != nil {
			return nil, err
		}
	}
	if s.policy(kind, pkg) == nil {
		res.Trusted, res.Policy = false, noPolicy(kind, pkg)
	}
	return res, nil
}

// noPolicy is the policy outcome for a package the configuration does not
// know: verified, perhaps, but trusted by nobody.
func noPolicy(kind, pkg string) *apkverify.PolicyResult {
	msg := fmt.Sprintf("no policy for package %q in the service configuration", pkg)
	switch {
	case pkg == "":
		msg = "the package is unknown (no readable manifest), so no policy applies"
	case kind == kindAAB:
		msg = fmt.Sprintf("no uploadCertSha256 for package %q in the service configuration: its bundles are not trusted", pkg)
	}
	return &apkverify.PolicyResult{Violations: []apkverify.Violation{{Code: codeNoPolicy, Message: msg}}}
}

func manifestPackage(res *apkverify.Result) string {
	if res.Manifest == nil {
		return ""
	}
	return res.Manifest.Package
}

// policy is the policy for an input of kind for package pkg, nil when
// the configuration has none.
func (s *server) policy(kind, pkg string) *apkverify.Policy {
	if kind == kindAAB {
		return s.cfg.BundlePolicies[pkg]
	}
	return s.cfg.Policies[pkg]
}

func (s *server) options(kind, pkg string) apkverify.Options {
	return apkverify.Options{Policy: s.policy(kind, pkg), KnownKeys: s.cfg.KnownKeys}
}

// writeResult answers 200 with the verification JSON, whatever the verdict.
func writeResult(w http.ResponseWriter, out outcome) {
	b, err := withEnvelope(out.verdict, out.file, out.body)
	if err != nil {
		writeError(w, http.StatusInternalServerError, errorDetail{Code: codeInternal, Kind: kindInternal, Message: "encoding the result: " + err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, b)
}

func writeError(w http.ResponseWriter, status int, d errorDetail) {
	writeErrorAs(w, status, verdictCannotRead, d)
}

func writeErrorAs(w http.ResponseWriter, status int, verdict string, d errorDetail) {
	b, err := withEnvelope(verdict, d.File, errorJSON{File: d.File, Error: d})
	if err != nil { // cannot happen: plain strings
		http.Error(w, d.Message, status)
		return
	}
	writeJSON(w, status, b)
}

func writeJSON(w http.ResponseWriter, status int, b []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)+1))
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}

// withEnvelope encodes body (a JSON object) with the tool and verdict
// fields first, as the apktrust CLI's --json does.
func withEnvelope(verdict, file string, body any) ([]byte, error) {
	e := envelope{Tool: toolInfo(), Verdict: verdict}
	if !utf8.ValidString(file) {
		e.FileHex = hex.EncodeToString([]byte(file))
	}
	env, err := json.Marshal(e)
	if err != nil {
		return nil, err
	}
	var b []byte
	if m, ok := body.(json.Marshaler); ok {
		// Directly: json.Marshal would re-validate and compact the
		// Result's own encoding, a tenth of a small request's cost.
		b, err = m.MarshalJSON()
	} else {
		b, err = json.Marshal(body)
	}
	if err != nil {
		return nil, err
	}
	if len(b) < 2 || b[0] != '{' {
		return nil, fmt.Errorf("not a JSON object: %.20s", b)
	}
	if string(b) == "{}" {
		return env, nil
	}
	return append(append(env[:len(env)-1:len(env)-1], ','), b[1:]...), nil
}
