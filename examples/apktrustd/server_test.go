package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestVerifyVerdicts(t *testing.T) {
	ts := start(t, testConfig(t, nil))
	tests := []struct {
		name, file, query string
		verdict           string
		verified          bool
		violations        []string
	}{
		{"trusted: key A, policy pins A", "min21-v123.apk", "", verdictTrusted, true, nil},
		{"untrusted: another key", "min21-v123-ec.apk", "", verdictNotTrusted, true, []string{"POLICY_UNTRUSTED_SIGNER"}},
		{"tampered: signature does not verify", "tamper-v2-signature.apk", "", verdictNotTrusted, false, []string{"POLICY_SIGNATURE_NOT_VERIFIED"}},
		{"?package= judges by the named policy although the file claims another package",
			"min21-v123.apk", "?package=com.example.app", verdictNotTrusted, true, []string{"POLICY_PACKAGE_MISMATCH"}},
		{"?package= without a policy", "min21-v123.apk", "?package=com.example.other", verdictNotTrusted, true, []string{codeNoPolicy}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := ts.post(t, "/v1/verify"+tt.query, "application/vnd.android.package-archive", bytes.NewReader(fixture(t, tt.file)))
			require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
			assert.Equal(t, tt.verdict, r.body["verdict"])
			assert.Equal(t, map[string]any{"name": toolName, "version": toolVersion}, r.body["tool"])
			assert.Equal(t, tt.verified, r.body["verified"])
			if tt.violations == nil {
				assert.Empty(t, r.violations())
				assert.Equal(t, certA, r.body["policy"].(map[string]any)["trustedSigner"])
			} else {
				assert.Subset(t, r.violations(), tt.violations)
			}
		})
	}
	requireNoUploadsLeft(t, ts.tmpDir)
}

// The body is the library's Result encoding, as the CLI's --json prints it,
// with "tool" and "verdict" first.
func TestVerifyBodyIsResultJSON(t *testing.T) {
	ts := start(t, testConfig(t, nil))
	r := ts.post(t, "/v1/verify", "", bytes.NewReader(fixture(t, "min21-v123.apk")))
	require.Equal(t, http.StatusOK, r.status)
	assert.True(t, bytes.HasPrefix(r.raw, []byte(`{"tool":{"name":"apktrustd","version":`)), "%.80s", r.raw)
	for _, key := range []string{"verified", "schemes", "minSdk", "maxSdk", "signers", "lineage", "manifest", "errors", "warnings", "policy", "sourceStamp", "v4", "frosting"} {
		assert.Contains(t, r.body, key)
	}
	assert.Equal(t, fixturePkg, r.body["manifest"].(map[string]any)["package"])
}

func TestNoPolicyForPackage(t *testing.T) {
	ts := start(t, testConfig(t, func(fc *fileConfig) {
		fc.Policies = map[string]policyConfig{"com.example.app": {TrustedCertSHA256: []string{certA}}}
	}))
	r := ts.post(t, "/v1/verify", "", bytes.NewReader(fixture(t, "min21-v123.apk")))
	require.Equal(t, http.StatusOK, r.status)
	assert.Equal(t, verdictNotTrusted, r.body["verdict"])
	assert.Equal(t, true, r.body["verified"], "verified but not trusted")
	assert.Equal(t, []string{codeNoPolicy}, r.violations())
}

func TestMultipart(t *testing.T) {
	ts := start(t, testConfig(t, nil))
	apk := string(fixture(t, "min21-v123.apk"))

	t.Run("one file part, other fields ignored", func(t *testing.T) {
		ct, body := multipartBody(t, [3]string{"note", "", "hello"}, [3]string{"file", "app.apk", apk})
		r := ts.post(t, "/v1/verify", ct, body)
		require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
		assert.Equal(t, verdictTrusted, r.body["verdict"])
		assert.Equal(t, "app.apk", r.body["file"])
	})
	// Kinds apkverify has no entry point for are refused by name, never
	// given a verdict (supportedKinds).
	aab := zipOf(t, [2]string{"BundleConfig.pb", "x"}, [2]string{"base/manifest/AndroidManifest.xml", "x"}, [2]string{"base/dex/classes.dex", "x"})
	apks := zipOf(t, [2]string{"toc.pb", "x"}, [2]string{"splits/base-master.apk", apk}, [2]string{"splits/base-en.apk", apk})
	for _, tt := range []struct {
		name, kind string
		ct         string
		body       io.Reader
	}{
		{"split set as multipart", kindSplitSet, "", nil},
		{"app bundle (.aab)", kindAAB, "application/octet-stream", bytes.NewReader(aab)},
		{"install-set archive (.apks)", kindAPKSet, "application/octet-stream", bytes.NewReader(apks)},
		{"app bundle as a file part", kindAAB, "", nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ct, body := tt.ct, tt.body
			switch {
			case tt.kind == kindSplitSet:
				var buf *bytes.Buffer
				ct, buf = multipartBody(t, [3]string{"file", "base.apk", apk}, [3]string{"file", "split_config.en.apk", apk})
				body = buf
			case body == nil:
				var buf *bytes.Buffer
				ct, buf = multipartBody(t, [3]string{"file", "app.aab", string(aab)})
				body = buf
			}
			r := ts.post(t, "/v1/verify", ct, body)
			if supportedKinds[tt.kind] {
				// Verified by apkverify: these made-up inputs are
				// rejections, never trusted.
				assert.Contains(t, []int{http.StatusOK, http.StatusBadRequest}, r.status, "%.300s", r.raw)
				assert.Equal(t, verdictNotTrusted, r.body["verdict"])
				return
			}
			require.Equal(t, http.StatusUnsupportedMediaType, r.status, "%s", r.raw)
			assert.Equal(t, codeUnsupportedKind, r.errorCode())
			assert.Equal(t, tt.kind, r.body["error"].(map[string]any)["inputKind"])
			assert.Equal(t, verdictCannotRead, r.body["verdict"])
			assert.Equal(t, false, r.body["verified"])
		})
	}
	requireNoUploadsLeft(t, ts.tmpDir)
}

func TestErrorStatuses(t *testing.T) {
	cfg := testConfig(t, func(fc *fileConfig) { fc.Limits.MaxBodyBytes = 64 << 10; fc.Limits.MaxParts = 3 })
	ts := start(t, cfg)
	apk := fixture(t, "min21-v123.apk")
	many := make([][3]string, 10)
	for i := range many {
		many[i] = [3]string{"field", "", "x"}
	}
	manyCT, manyBody := multipartBody(t, many...)
	noFileCT, noFileBody := multipartBody(t, [3]string{"other", "a.apk", string(apk)})
	tests := []struct {
		name   string
		method string
		ct     string
		body   io.Reader
		status int
		code   string
	}{
		{"not an APK", "", "application/octet-stream", strings.NewReader(strings.Repeat("hello, I am text. ", 20)), 400, "ZIP_EOCD_NOT_FOUND"},
		{"empty body", "", "application/octet-stream", strings.NewReader(""), 400, codeBadRequest},
		{"ZIP without a manifest", "", "", bytes.NewReader(zipOf(t, [2]string{"a.txt", "x"})), 400, "MANIFEST_MISSING"},
		{"multipart without a file part", "", noFileCT, noFileBody, 400, codeBadRequest},
		{"multipart without a boundary", "", "multipart/form-data", strings.NewReader("--x\r\n"), 400, codeBadRequest},
		{"body over the limit (Content-Length)", "", "", bytes.NewReader(make([]byte, 65<<10)), 413, codeBodyTooLarge},
		{"body over the limit (chunked)", "", "", io.MultiReader(bytes.NewReader(make([]byte, 65<<10))), 413, codeBodyTooLarge},
		{"too many parts", "", manyCT, manyBody, 413, codeTooManyParts},
		{"unsupported Content-Type", "", "text/plain", strings.NewReader("x"), 415, codeUnsupportedType},
		{"malformed Content-Type", "", "multipart/form-data; boundary=", strings.NewReader("x"), 415, codeUnsupportedType},
		{"GET", http.MethodGet, "", nil, 405, codeMethod},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			method := tt.method
			if method == "" {
				method = http.MethodPost
			}
			req, err := http.NewRequest(method, ts.url+"/v1/verify", tt.body)
			require.NoError(t, err)
			if tt.ct != "" {
				req.Header.Set("Content-Type", tt.ct)
			}
			resp, err := ts.ts.Client().Do(req)
			require.NoError(t, err)
			r := readResponse(t, resp)
			assert.Equal(t, tt.status, r.status, "%s", r.raw)
			assert.Equal(t, tt.code, r.errorCode())
			// A file that is not an APK is a rejection, as in the CLI;
			// a refused request was never judged.
			wantVerdict := verdictCannotRead
			if kind, _ := r.body["error"].(map[string]any)["kind"].(string); kind == "not-an-apk" || kind == "manifest" {
				wantVerdict = verdictNotTrusted
			}
			assert.Equal(t, wantVerdict, r.body["verdict"])
			assert.Equal(t, false, r.body["trusted"])
		})
	}
	assert.Equal(t, 2.0, ts.metric(t, `apktrustd_rejected_total{limit="body_size"}`))
	assert.Equal(t, 1.0, ts.metric(t, `apktrustd_rejected_total{limit="parts"}`))
	requireNoUploadsLeft(t, ts.tmpDir)
}

// Workers and queue full: 429; a request waiting in the queue past the
// deadline: 504; draining: 503. A test holds the workers' slots itself so
// that the states are exact, not raced.
func TestConcurrencyAndDeadline(t *testing.T) {
	apk := fixture(t, "min21-v123.apk")
	t.Run("429 when workers and queue are full", func(t *testing.T) {
		cfg := testConfig(t, func(fc *fileConfig) { fc.Limits.Workers = 1 })
		cfg.Limits.Queue = 0
		ts := start(t, cfg)
		ts.work.slots <- struct{}{}
		r := ts.post(t, "/v1/verify", "", bytes.NewReader(apk))
		assert.Equal(t, http.StatusTooManyRequests, r.status, "%s", r.raw)
		assert.Equal(t, codeQueueFull, r.errorCode())
		assert.Equal(t, "1", r.header.Get("Retry-After"))
		ts.work.release()
		r = ts.post(t, "/v1/verify", "", bytes.NewReader(apk))
		assert.Equal(t, http.StatusOK, r.status, "a free worker answers again")
		assert.Equal(t, 1.0, ts.metric(t, `apktrustd_rejected_total{limit="queue"}`))
	})
	t.Run("429 when too many uploads", func(t *testing.T) {
		ts := start(t, testConfig(t, func(fc *fileConfig) { fc.Limits.MaxUploads = 1 }))
		ts.uploads.slots <- struct{}{}
		r := ts.post(t, "/v1/verify", "", bytes.NewReader(apk))
		assert.Equal(t, http.StatusTooManyRequests, r.status)
		assert.Equal(t, codeTooManyUploads, r.errorCode())
	})
	t.Run("504 when the deadline passes in the queue", func(t *testing.T) {
		ts := start(t, testConfig(t, func(fc *fileConfig) {
			fc.Limits.Workers = 1
			fc.Limits.VerifyTimeout = "50ms"
		}))
		ts.work.slots <- struct{}{}
		defer ts.work.release()
		r := ts.post(t, "/v1/verify", "", bytes.NewReader(apk))
		assert.Equal(t, http.StatusGatewayTimeout, r.status, "%s", r.raw)
		assert.Equal(t, codeDeadline, r.errorCode())
		assert.Equal(t, 1.0, ts.metric(t, `apktrustd_rejected_total{limit="deadline"}`))
	})
	t.Run("503 while draining", func(t *testing.T) {
		ts := start(t, testConfig(t, nil))
		ts.draining.Store(true)
		r := ts.post(t, "/v1/verify", "", bytes.NewReader(apk))
		assert.Equal(t, http.StatusServiceUnavailable, r.status)
		assert.Equal(t, codeShuttingDown, r.errorCode())
		resp, err := ts.ts.Client().Get(ts.url + "/readyz")
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
	})
}

func TestBearerToken(t *testing.T) {
	const token = "s3cret-token-of-some-length"
	tokenFile := filepath.Join(t.TempDir(), "token")
	require.NoError(t, os.WriteFile(tokenFile, []byte(token+"\n"), 0o600))
	ts := start(t, testConfig(t, func(fc *fileConfig) { fc.TokenFile = tokenFile }))
	apk := fixture(t, "min21-v123.apk")
	for _, tt := range []struct {
		name, auth string
		status     int
	}{
		{"no token", "", 401},
		{"wrong token", "Bearer " + token + "x", 401},
		{"prefix of the token", "Bearer " + token[:10], 401},
		{"not a bearer scheme", "Basic " + token, 401},
		{"right token", "Bearer " + token, 200},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var hdr []string
			if tt.auth != "" {
				hdr = []string{"Authorization", tt.auth}
			}
			r := ts.post(t, "/v1/verify", "", bytes.NewReader(apk), hdr...)
			assert.Equal(t, tt.status, r.status)
			if tt.status == 401 {
				assert.Equal(t, codeUnauthorized, r.errorCode())
				assert.Contains(t, r.header.Get("WWW-Authenticate"), "Bearer")
			}
		})
	}
	resp, err := ts.ts.Client().Get(ts.url + "/metrics")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 401, resp.StatusCode, "metrics need the token too")
	resp, err = ts.ts.Client().Get(ts.url + "/healthz")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 200, resp.StatusCode, "probes do not")
}

func TestHealthAndReady(t *testing.T) {
	ts := start(t, testConfig(t, nil))
	for _, p := range []string{"/healthz", "/readyz"} {
		resp, err := ts.ts.Client().Get(ts.url + p)
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, 200, resp.StatusCode, p)
	}
	// A temporary directory that disappeared makes the service unready.
	require.NoError(t, removeAll(ts.tmpDir))
	resp, err := ts.ts.Client().Get(ts.url + "/readyz")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 503, resp.StatusCode)
}

func TestMetricsMove(t *testing.T) {
	ts := start(t, testConfig(t, nil))
	apk := fixture(t, "min21-v123.apk")
	trusted := `apktrustd_requests_total{status="200",verdict="trusted"}`
	before := ts.metric(t, trusted)
	bytesBefore := ts.metric(t, "apktrustd_received_bytes_total")
	for range 3 {
		require.Equal(t, 200, ts.post(t, "/v1/verify", "", bytes.NewReader(apk)).status)
	}
	ts.post(t, "/v1/verify", "", strings.NewReader("junk"))
	assert.Equal(t, before+3, ts.metric(t, trusted))
	assert.Equal(t, 1.0, ts.metric(t, `apktrustd_requests_total{status="400",verdict="not-trusted"}`))
	assert.Equal(t, bytesBefore+float64(3*len(apk)+4), ts.metric(t, "apktrustd_received_bytes_total"))
	assert.Equal(t, 4.0, ts.metric(t, `apktrustd_verify_duration_seconds_count{kind="apk"}`))
	assert.Equal(t, 0.0, ts.metric(t, "apktrustd_verifications_in_flight"))

	// One JSON access-log line per request.
	var lines int
	for _, l := range strings.Split(strings.TrimSpace(ts.logs.String()), "\n") {
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(l), &m), l)
		if m["msg"] == "request" && m["path"] == "/v1/verify" {
			lines++
			assert.Contains(t, m, "status")
			assert.Contains(t, m, "verdict")
		}
	}
	assert.Equal(t, 4, lines)
}

// A client sending its body too slowly is cut by the read timeout, one
// dribbling its headers by the header timeout; neither leaves a file.
func TestSlowLoris(t *testing.T) {
	cfg := testConfig(t, func(fc *fileConfig) {
		fc.Limits.ReadHeaderTimeout = "200ms"
		fc.Limits.ReadTimeout = "400ms"
	})
	ts := start(t, cfg)
	apk := fixture(t, "min21-v123.apk")

	t.Run("body", func(t *testing.T) {
		c := ts.rawConn(t)
		fmt.Fprintf(c, "POST /v1/verify HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n", len(apk))
		c.Write(apk[:100])
		began := time.Now()
		// One byte every 100 ms: alive, never done.
		go func() {
			for i := 100; i < len(apk); i++ {
				if _, err := c.Write(apk[i : i+1]); err != nil {
					return
				}
				time.Sleep(100 * time.Millisecond)
			}
		}()
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		got, _ := io.ReadAll(c)
		assert.Less(t, time.Since(began), 3*time.Second, "cut by the read timeout")
		if len(got) > 0 { // the 408 may or may not get through the dying connection
			assert.Contains(t, string(got), "408")
		}
		requireNoUploadsLeft(t, ts.tmpDir)
		assert.Eventually(t, func() bool { return ts.metric(t, `apktrustd_rejected_total{limit="read_timeout"}`) == 1 }, time.Second, 10*time.Millisecond)
	})
	t.Run("headers", func(t *testing.T) {
		c := ts.rawConn(t)
		began := time.Now()
		go func() {
			for _, b := range []byte("POST /v1/verify HTTP/1.1\r\nHost: x\r\nX-Slow: " + strings.Repeat("a", 100)) {
				if _, err := c.Write([]byte{b}); err != nil {
					return
				}
				time.Sleep(50 * time.Millisecond)
			}
		}()
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		io.ReadAll(c)
		assert.Less(t, time.Since(began), 2*time.Second, "cut by the header timeout")
	})
}

// A client that hangs up halfway through its upload leaves no file, open
// or on disk, and the service goes on answering.
func TestClientDisconnectMidUpload(t *testing.T) {
	ts := start(t, testConfig(t, nil))
	apk := fixture(t, "min21-v123.apk")
	for _, tt := range []struct{ name, ct string }{
		{"raw", "application/octet-stream"},
		{"multipart", "multipart/form-data; boundary=XyZ"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := ts.rawConn(t)
			fmt.Fprintf(c, "POST /v1/verify HTTP/1.1\r\nHost: x\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n", tt.ct, 1<<20)
			if strings.HasPrefix(tt.ct, "multipart") {
				fmt.Fprintf(c, "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.apk\"\r\n\r\n")
			}
			c.Write(apk)
			// The upload is being received: its file exists (open).
			require.Eventually(t, func() bool { fds, _ := openUploads(t, ts.tmpDir); return fds == 1 || !isLinux() }, 2*time.Second, 5*time.Millisecond)
			c.Close()
			requireNoUploadsLeft(t, ts.tmpDir)
		})
	}
	r := ts.post(t, "/v1/verify", "", bytes.NewReader(apk))
	assert.Equal(t, http.StatusOK, r.status)
}

// SIGTERM (here: the context) drains: new connections are refused, the
// request in flight still gets its answer, and serve returns cleanly.
func TestGracefulShutdown(t *testing.T) {
	s, ln, cancel, served := serveInBackground(t, testConfig(t, nil))

	apk := fixture(t, "min21-v123.apk")
	c, err := net.Dial("tcp", ln.Addr().String())
	require.NoError(t, err)
	defer c.Close()
	fmt.Fprintf(c, "POST /v1/verify HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n", len(apk))
	c.Write(apk[:len(apk)/2])
	require.Eventually(t, func() bool { return len(s.uploads.slots) == 1 }, 2*time.Second, 5*time.Millisecond, "upload in flight")

	cancel()
	require.Eventually(t, func() bool {
		nc, err := net.DialTimeout("tcp", ln.Addr().String(), 100*time.Millisecond)
		if err == nil {
			nc.Close()
		}
		return err != nil
	}, 2*time.Second, 10*time.Millisecond, "listener closed while draining")
	select {
	case err := <-served:
		t.Fatalf("serve returned with a request in flight: %v", err)
	default:
	}

	c.Write(apk[len(apk)/2:])
	resp, err := http.ReadResponse(bufioReader(c), nil)
	require.NoError(t, err)
	r := readResponse(t, resp)
	assert.Equal(t, http.StatusOK, r.status)
	assert.Equal(t, verdictTrusted, r.body["verdict"])
	select {
	case err := <-served:
		assert.NoError(t, err)
	case <-time.After(5 * time.Second):
		t.Fatal("serve did not return after the last request")
	}
}

func TestShutdownDeadline(t *testing.T) {
	s, ln, cancel, served := serveInBackground(t, testConfig(t, func(fc *fileConfig) { fc.Limits.ShutdownTimeout = "200ms" }))
	c, err := net.Dial("tcp", ln.Addr().String())
	require.NoError(t, err)
	defer c.Close()
	fmt.Fprintf(c, "POST /v1/verify HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\nPK")
	require.Eventually(t, func() bool { return len(s.uploads.slots) == 1 }, 2*time.Second, 5*time.Millisecond)
	cancel()
	select {
	case err := <-served:
		assert.ErrorContains(t, err, "shutdown", "a request past the deadline is cut and reported")
	case <-time.After(5 * time.Second):
		t.Fatal("shutdown deadline not enforced")
	}
	requireNoUploadsLeft(t, s.tmpDir)
}

// serveInBackground runs serve as main does; cancel stands for SIGTERM.
func serveInBackground(t *testing.T, cfg *config) (*server, net.Listener, context.CancelFunc, chan error) {
	t.Helper()
	s, err := newServer(cfg, discardLogger())
	require.NoError(t, err)
	t.Cleanup(s.close)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	served := make(chan error, 1)
	go func() { served <- s.serve(ctx, ln) }()
	return s, ln, cancel, served
}

// BenchmarkVerifyLoopback measures one small-APK request over loopback
// HTTP, client included (bench/ has the load test with the service as
// its own process).
func BenchmarkVerifyLoopback(b *testing.B) {
	ts := start(b, testConfig(b, func(fc *fileConfig) { fc.Limits.Queue = 64 }))
	apk := fixture(b, "min21-v123.apk")
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	b.SetParallelism(4)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			resp, err := client.Post(ts.url+"/v1/verify", "application/octet-stream", bytes.NewReader(apk))
			if err != nil {
				b.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				b.Fatal(resp.Status)
			}
		}
	})
}

// The deployment's own known keys (knownKeysFile) make a pinned signer
// untrusted unless the policy allows the category.
func TestKnownKeysFile(t *testing.T) {
	kk := filepath.Join(t.TempDir(), "known.json")
	require.NoError(t, os.WriteFile(kk, []byte(`{"format": "apktrust-known-keys/1", "keys": [
		{"certSha256": "`+certA+`", "name": "our revoked CI key", "category": "test-key", "source": "test"}]}`), 0o600))
	ts := start(t, testConfig(t, func(fc *fileConfig) {
		fc.KnownKeysFile = kk
		fc.Policies["com.example.app"] = policyConfig{TrustedCertSHA256: []string{certA}, AllowKnownKeyCategories: []string{"test-key"}}
	}))
	apk := fixture(t, "min21-v123.apk")
	r := ts.post(t, "/v1/verify", "", bytes.NewReader(apk))
	require.Equal(t, http.StatusOK, r.status)
	assert.Equal(t, verdictNotTrusted, r.body["verdict"])
	assert.Contains(t, r.violations(), "POLICY_KNOWN_KEY")
	r = ts.post(t, "/v1/verify?package=com.example.app", "", bytes.NewReader(apk))
	assert.NotContains(t, r.violations(), "POLICY_KNOWN_KEY", "the category is allowed by this policy")
}
