// Command apktrustd is an HTTP service that verifies APKs for backends (an
// app store's upload endpoint, a mirror refusing tampered updates, a build
// farm's gate) with package apkverify, under per-app trust policies.
//
// Usage:
//
//	apktrustd -config apktrustd.json [-listen 127.0.0.1:8080]
//
// POST /v1/verify takes an APK as the raw body or as a multipart/form-data
// part named "file" and answers with the JSON the apktrust CLI prints with
// --json: 200 with the result whatever the verdict, 400 for a body that is
// not an APK, 413 over the size or part limit, 415 for an unsupported
// Content-Type or input kind (app bundles and split sets for now), 429
// when workers and queue are full, 503 while shutting down, 504 when the
// verification deadline passed. GET /healthz, /readyz and /metrics
// (Prometheus) serve operations. SIGTERM or SIGINT drain and stop the
// server, finishing requests in flight up to limits.shutdownTimeout.
//
// The configuration is JSON (see README.md); a bearer token, when set in
// APKTRUSTD_TOKEN or tokenFile, is required on /v1/verify and /metrics.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stderr, os.Getenv))
}

// run starts the service and blocks until ctx ends and it has drained.
// Exit status 0 after a clean shutdown, 1 when serving failed, 2 for a
// bad command line or configuration.
func run(ctx context.Context, args []string, stderr io.Writer, getenv func(string) string) int {
	fs := flag.NewFlagSet("apktrustd", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", "apktrustd.json", "configuration file (JSON)")
	listen := fs.String("listen", "", "address to listen on (default: the configuration's listen, else 127.0.0.1:8080)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "apktrustd: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	log := slog.New(slog.NewJSONHandler(stderr, nil))
	cfg, err := loadConfig(*cfgPath, getenv)
	if err != nil {
		fmt.Fprintf(stderr, "apktrustd: %v\n", err)
		return 2
	}
	if *listen != "" {
		cfg.Listen = *listen
	}
	s, err := newServer(cfg, log)
	if err != nil {
		fmt.Fprintf(stderr, "apktrustd: %v\n", err)
		return 2
	}
	defer s.close()
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		fmt.Fprintf(stderr, "apktrustd: %v\n", err)
		return 1
	}
	if err := s.serve(ctx, ln); err != nil {
		log.Error("serving", "err", err)
		return 1
	}
	return 0
}

// serve serves on ln until ctx ends, then drains: /readyz and new
// verification requests answer 503, the listener closes, and requests in
// flight finish within the shutdown timeout.
func (s *server) serve(ctx context.Context, ln net.Listener) error {
	l := s.cfg.Limits
	hs := s.httpServer(ln.Addr().String())
	s.log.Info("listening", "addr", ln.Addr().String(), "policies", len(s.cfg.Policies),
		"workers", l.Workers, "queue", l.Queue, "maxUploads", l.MaxUploads, "maxBodyBytes", l.MaxBodyBytes,
		"auth", s.cfg.Token != "", "tempDir", s.tmpDir)
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	s.draining.Store(true)
	s.log.Info("shutting down", "timeout", l.ShutdownTimeout.String())
	sctx, cancel := context.WithTimeout(context.Background(), l.ShutdownTimeout)
	defer cancel()
	err := hs.Shutdown(sctx)
	if err != nil {
		// Requests still running past the deadline are cut.
		hs.Close()
		err = fmt.Errorf("shutdown: %w", err)
	}
	if serr := <-errc; !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = serr
	}
	s.log.Info("stopped")
	return err
}
