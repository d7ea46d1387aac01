package main

import (
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

const (
	fixturePkg = "dev.apktrust.fixture"
	// certA is the SHA-256 of test key A (rsa-a), which signs
	// min21-v123.apk.
	certA = "24abac6cdc9fbdb266f14c2312da964c206954dcca18b457cdacb00befc6e7b5"
)

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "apk", name))
	require.NoError(t, err, "committed fixture missing")
	return b
}

// testConfig is a configuration trusting key A for the fixtures' package,
// with small limits that tests can reach; mod adjusts it.
func testConfig(t testing.TB, mod func(*fileConfig)) *config {
	t.Helper()
	fc := &fileConfig{
		TempDir: t.TempDir(),
		Limits:  limitsConfig{Workers: 2, Queue: 4, MaxBodyBytes: 4 << 20, MaxParts: 8},
		Policies: map[string]policyConfig{
			fixturePkg:        {TrustedCertSHA256: []string{certA}},
			"com.example.app": {TrustedCertSHA256: []string{certA}},
		},
	}
	if mod != nil {
		mod(fc)
	}
	c, errs := buildConfig(fc, ".", func(string) string { return "" })
	require.Empty(t, errs)
	return c
}

type testServer struct {
	*server
	ts   *httptest.Server
	url  string
	logs *syncBuffer
}

// start runs the service over real loopback HTTP with the configured
// timeouts.
func start(t testing.TB, cfg *config) *testServer {
	t.Helper()
	logs := &syncBuffer{}
	s, err := newServer(cfg, slog.New(slog.NewJSONHandler(logs, nil)))
	require.NoError(t, err)
	ts := httptest.NewUnstartedServer(nil)
	ts.Config = s.httpServer("")
	ts.Start()
	t.Cleanup(func() {
		ts.Close()
		s.close()
	})
	return &testServer{server: s, ts: ts, url: ts.URL, logs: logs}
}

type response struct {
	status int
	header http.Header
	body   map[string]any
	raw    []byte
}

func (r response) errorCode() string {
	e, _ := r.body["error"].(map[string]any)
	c, _ := e["code"].(string)
	return c
}

func (r response) violations() []string {
	p, _ := r.body["policy"].(map[string]any)
	vs, _ := p["violations"].([]any)
	var codes []string
	for _, v := range vs {
		codes = append(codes, v.(map[string]any)["code"].(string))
	}
	return codes
}

func (ts *testServer) post(t testing.TB, path, contentType string, body io.Reader, hdr ...string) response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, ts.url+path, body)
	require.NoError(t, err)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := ts.ts.Client().Do(req)
	require.NoError(t, err)
	return readResponse(t, resp)
}

func readResponse(t testing.TB, resp *http.Response) response {
	t.Helper()
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	r := response{status: resp.StatusCode, header: resp.Header, raw: raw}
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		require.NoError(t, json.Unmarshal(raw, &r.body), "%s", raw)
	}
	return r
}

// multipartBody encodes parts as multipart/form-data: name, filename,
// content triples.
func multipartBody(t testing.TB, parts ...[3]string) (string, *bytes.Buffer) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, p := range parts {
		var w io.Writer
		var err error
		if p[1] != "" {
			w, err = mw.CreateFormFile(p[0], p[1])
		} else {
			w, err = mw.CreateFormField(p[0])
		}
		require.NoError(t, err)
		_, err = io.WriteString(w, p[2])
		require.NoError(t, err)
	}
	require.NoError(t, mw.Close())
	return mw.FormDataContentType(), &buf
}

// zipOf builds a ZIP archive with the given entries (name, content).
func zipOf(t testing.TB, entries ...[2]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		w, err := zw.Create(e[0])
		require.NoError(t, err)
		_, err = io.WriteString(w, e[1])
		require.NoError(t, err)
	}
	require.NoError(t, zw.Close())
	return buf.Bytes()
}

// metric scrapes /metrics and returns the value of the sample line that
// starts with series (name and labels as Prometheus prints them).
func (ts *testServer) metric(t testing.TB, series string) float64 {
	t.Helper()
	resp, err := ts.ts.Client().Get(ts.url + "/metrics")
	require.NoError(t, err)
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), series+" "); ok {
			v, err := strconv.ParseFloat(rest, 64)
			require.NoError(t, err)
			return v
		}
	}
	return 0
}

// openUploads counts this process's open descriptors on files in dir
// (unlinked uploads show as "dir/upload-123 (deleted)"), and the files
// still in dir: both must be zero once requests ended.
func openUploads(t testing.TB, dir string) (fds, files int) {
	t.Helper()
	if runtime.GOOS == "linux" {
		ents, err := os.ReadDir("/proc/self/fd")
		require.NoError(t, err)
		for _, e := range ents {
			target, err := os.Readlink(filepath.Join("/proc/self/fd", e.Name()))
			if err == nil && strings.HasPrefix(target, dir+string(filepath.Separator)) {
				fds++
			}
		}
	}
	ents, err := os.ReadDir(dir)
	require.NoError(t, err)
	return fds, len(ents)
}

// requireNoUploadsLeft waits briefly for handlers to finish, then requires
// that no upload file is open or on disk.
func requireNoUploadsLeft(t testing.TB, dir string) {
	t.Helper()
	var fds, files int
	for range 100 {
		if fds, files = openUploads(t, dir); fds == 0 && files == 0 {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	require.Failf(t, "uploads left behind", "%d open descriptors, %d files in %s", fds, files, dir)
}

// rawConn opens a TCP connection to the test server for requests that
// net/http's client would not send (lies, stalls, hang-ups).
func (ts *testServer) rawConn(t testing.TB) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", ts.ts.Listener.Addr().String())
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	return c
}

// syncBuffer collects the server's logs from several goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func removeAll(dir string) error { return os.RemoveAll(dir) }

func isLinux() bool { return runtime.GOOS == "linux" }

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

func bufioReader(c net.Conn) *bufio.Reader { return bufio.NewReader(c) }
