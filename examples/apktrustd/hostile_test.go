package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Hostile requests over a real connection, written byte for byte: each
// gets its status, no crash, and no upload file stays open or on disk.
func TestHostileRequests(t *testing.T) {
	ts := start(t, testConfig(t, nil)) // 4 MiB body, 8 parts
	apk := string(fixture(t, "min21-v123.apk"))
	part := func(name, filename, content string) string {
		fn := ""
		if filename != "" {
			fn = fmt.Sprintf("; filename=%q", filename)
		}
		return fmt.Sprintf("--B\r\nContent-Disposition: form-data; name=%q%s\r\n\r\n%s\r\n", name, fn, content)
	}
	var manyParts, manyHeaders strings.Builder
	for range 10000 {
		manyParts.WriteString(part("f", "", "x"))
	}
	manyParts.WriteString("--B--\r\n")
	manyHeaders.WriteString("--B\r\nContent-Disposition: form-data; name=\"file\"\r\n")
	for i := range 20000 {
		fmt.Fprintf(&manyHeaders, "X-H%d: v\r\n", i)
	}
	manyHeaders.WriteString("\r\n" + apk + "\r\n--B--\r\n")
	twoFiles := part("file", "a.apk", apk) + part("file", "b.apk", apk) + "--B--\r\n"
	// Two copies of one base: a set that does not verify, or a kind
	// refused by name where sets are not supported.
	splitSetStatus, splitSetCode := http.StatusOK, ""
	if !supportedKinds[kindSplitSet] {
		splitSetStatus, splitSetCode = http.StatusUnsupportedMediaType, codeUnsupportedKind
	}

	tests := []struct {
		name string
		ct   string
		// contentLength is sent as is; -1 means chunked. body is what is
		// actually sent; then the write side is closed.
		contentLength int
		body          string
		status        int
		code          string
	}{
		{"10,000 parts", "multipart/form-data; boundary=B", len(manyParts.String()), manyParts.String(), 413, codeTooManyParts},
		{"20,000 part headers", "multipart/form-data; boundary=B", len(manyHeaders.String()), manyHeaders.String(), 400, codeBadRequest},
		{"no boundary parameter", "multipart/form-data", len(twoFiles), twoFiles, 400, codeBadRequest},
		{"boundary not in the body", "multipart/form-data; boundary=OTHER", len(twoFiles), twoFiles, 400, codeBadRequest},
		{"no closing boundary", "multipart/form-data; boundary=B", len(part("file", "a.apk", apk)), part("file", "a.apk", apk), 400, codeBadRequest},
		{"empty file part", "multipart/form-data; boundary=B", len(part("file", "a.apk", "") + "--B--\r\n"), part("file", "a.apk", "") + "--B--\r\n", 400, codeBadRequest},
		{"two file parts: a split set", "multipart/form-data; boundary=B", len(twoFiles), twoFiles, splitSetStatus, splitSetCode},
		{"Content-Length larger than the body", "application/octet-stream", len(apk) + 5000, apk, 400, codeBadRequest},
		{"Content-Length smaller than the body", "application/octet-stream", len(apk) / 2, apk, 400, "ZIP_EOCD_NOT_FOUND"},
		{"Content-Length over the limit", "application/octet-stream", 5 << 20, apk, 413, codeBodyTooLarge},
		{"Content-Length larger than the multipart body", "multipart/form-data; boundary=B", len(twoFiles) + 100, twoFiles[:len(twoFiles)/2], 400, codeBadRequest},
		{"chunked, cut off", "application/octet-stream", -1, "3000\r\n" + apk[:100], 400, codeBadRequest},
		{"file name with control characters and a path", "multipart/form-data; boundary=B", len(part("file", "../../etc/\x1b[31mx.apk", apk) + "--B--\r\n"),
			part("file", "../../etc/\x1b[31mx.apk", apk) + "--B--\r\n", 200, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := ts.rawConn(t)
			length := fmt.Sprintf("Content-Length: %d", tt.contentLength)
			if tt.contentLength < 0 {
				length = "Transfer-Encoding: chunked"
			}
			go func() {
				fmt.Fprintf(c, "POST /v1/verify HTTP/1.1\r\nHost: x\r\nContent-Type: %s\r\n%s\r\n\r\n", tt.ct, length)
				io.WriteString(c, tt.body)
				c.(*net.TCPConn).CloseWrite()
			}()
			c.SetReadDeadline(time.Now().Add(10 * time.Second))
			resp, err := http.ReadResponse(bufioReader(c), nil)
			require.NoError(t, err)
			r := readResponse(t, resp)
			assert.Equal(t, tt.status, r.status, "%s", r.raw)
			assert.Equal(t, tt.code, r.errorCode())
			requireNoUploadsLeft(t, ts.tmpDir)
		})
	}
	// The service still answers.
	assert.Equal(t, http.StatusOK, ts.post(t, "/v1/verify", "", strings.NewReader(apk)).status)
}

// FuzzVerifyRequest throws arbitrary Content-Types and bodies at the
// handler: the answer is always one of the documented statuses with a JSON
// body, and no upload is left open or on disk.
func FuzzVerifyRequest(f *testing.F) {
	apk := fixture(f, "min21-v123.apk")
	cfg := testConfig(f, func(fc *fileConfig) { fc.Limits.MaxBodyBytes = 64 << 10; fc.Limits.MaxParts = 4 })
	s, err := newServer(cfg, discardLogger())
	require.NoError(f, err)
	f.Cleanup(s.close)
	h := s.handler()

	mp := func(boundary string, parts ...string) []byte {
		var b bytes.Buffer
		for _, p := range parts {
			fmt.Fprintf(&b, "--%s\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.apk\"\r\n\r\n%s\r\n", boundary, p)
		}
		fmt.Fprintf(&b, "--%s--\r\n", boundary)
		return b.Bytes()
	}
	f.Add("application/octet-stream", apk)
	f.Add("multipart/form-data; boundary=B", mp("B", string(apk)))
	f.Add("multipart/form-data; boundary=B", mp("B", string(apk), string(apk)))
	f.Add("multipart/form-data; boundary=B", mp("B", "x", "y", "z", "w", "v"))
	f.Add("multipart/form-data; boundary=\"a b\"", mp("a b", "PK\x03\x04"))
	f.Add("multipart/form-data", mp("B", "x"))
	f.Add("multipart/mixed; boundary=B", mp("B", "x"))
	f.Add("text/plain; charset=utf-8", []byte("x"))
	f.Add("", []byte("PK\x05\x06"+strings.Repeat("\x00", 18)))
	f.Add("application/zip; x=\"", apk[:100])

	allowed := map[int]bool{200: true, 400: true, 413: true, 415: true, 429: true, 504: true}
	f.Fuzz(func(t *testing.T, ct string, body []byte) {
		req := httptest.NewRequest(http.MethodPost, "/v1/verify", bytes.NewReader(body))
		req.Header.Set("Content-Type", ct)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if !allowed[rec.Code] {
			t.Fatalf("status %d for Content-Type %q: %s", rec.Code, ct, rec.Body.Bytes())
		}
		var m map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &m); err != nil {
			t.Fatalf("status %d: body not JSON: %v", rec.Code, err)
		}
		if fds, files := openUploads(t, s.tmpDir); fds+files != 0 {
			t.Fatalf("%d uploads open, %d files left", fds, files)
		}
	})
}
