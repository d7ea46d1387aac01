package bench

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/apktrust/apktrust/apkverify"
)

// Environment variables of the service load test.
const (
	// envService runs TestServiceLoad; without it the test skips (it
	// takes about a minute and is meaningless on a busy machine).
	envService = "APKTRUST_BENCH_SERVICE"
	// envServiceSeconds is how long each row runs, default 5.
	envServiceSeconds = "APKTRUST_BENCH_SERVICE_SECONDS"
	// envServiceConc lists the client concurrencies, default "1,8,32".
	envServiceConc = "APKTRUST_BENCH_SERVICE_CONCURRENCY"
)

// TestServiceLoad is the load test of examples/apktrustd: it builds the
// service, starts it as its own process on loopback, and for the small
// fixture and each generated APK size (APKTRUST_BENCH_SIZES, 10M by
// default) posts the file at concurrency 1, 8 and 32 for a fixed time.
// Each row reports requests per second, p50/p99 latency as the client
// sees it (upload, queue, verification, answer), refusals by the
// service's limits (429 queue full, 504 deadline passed), and the
// server's peak RSS during that row (VmHWM, reset before each row through
// /proc/PID/clear_refs). Every answer must be 200 and "trusted". The load
// generator runs on the same machine and competes for its cores.
//
//	APKTRUST_BENCH_SERVICE=1 go test ./bench -run TestServiceLoad -v -timeout 20m
func TestServiceLoad(t *testing.T) {
	if os.Getenv(envService) == "" {
		t.Skipf("set %s=1 to run the service load test (about a minute per size)", envService)
	}
	if raceEnabled {
		t.Skip("timing under the race detector means nothing")
	}
	seconds := 5.0
	if v := os.Getenv(envServiceSeconds); v != "" {
		var err error
		seconds, err = strconv.ParseFloat(v, 64)
		require.NoError(t, err, envServiceSeconds)
	}
	concs := []int{1, 8, 32}
	if v := os.Getenv(envServiceConc); v != "" {
		concs = nil
		for _, f := range strings.Split(v, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(f))
			require.NoError(t, err, envServiceConc)
			concs = append(concs, n)
		}
	}

	type input struct{ label, path string }
	small, _, ok := smallFixture(t)
	require.True(t, ok, "no small fixture in testdata/fixtures.json")
	inputs := []input{{fmt.Sprintf("fixture %d KB", fileSize(t, small)>>10), small}}
	for _, s := range benchSizes(t) {
		inputs = append(inputs, input{"generated " + s.Label, prepare(t, s).V123})
	}
	// The policy trusts what signed the inputs: the service does the
	// whole trusted path (policy lookup, key check) on every request.
	policies := map[string]map[string][]string{}
	for _, in := range inputs {
		res, err := apkverify.VerifyFile(context.Background(), in.path, apkverify.Options{})
		require.NoError(t, err)
		require.True(t, res.Verified, in.path)
		p := policies[res.Manifest.Package]
		if p == nil {
			p = map[string][]string{}
			policies[res.Manifest.Package] = p
		}
		for _, sg := range res.Signers {
			if !slices.Contains(p["trustedCertSha256"], sg.CertSHA256) {
				p["trustedCertSha256"] = append(p["trustedCertSha256"], sg.CertSHA256)
			}
		}
	}

	srv := startService(t, policies)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64, DisableCompression: true}}
	var rows []string
	for _, in := range inputs {
		for _, c := range concs {
			srv.resetPeakRSS(t)
			r := loadRow(t, client, srv.url, in.path, c, time.Duration(seconds*float64(time.Second)))
			peak := srv.peakRSS(t)
			row := fmt.Sprintf("| %s | %d | %d | %.0f | %.1f | %.1f | %d | %.1f |",
				in.label, c, r.ok, r.perSecond, ms(r.p50), ms(r.p99), r.refused, float64(peak)/(1<<20))
			t.Log(row)
			rows = append(rows, row)
			require.Zero(t, r.wrong, "answers other than 200 trusted (429s and 504s are counted apart): %s", r.firstWrong)
		}
	}
	table := "| input | concurrency | requests | req/s | p50 ms | p99 ms | 429/504 | server peak RSS MiB |\n|---|---|---|---|---|---|---|---|\n" +
		strings.Join(rows, "\n") + "\n"
	out := filepath.Join(outDir(t), "service-results.md")
	require.NoError(t, os.WriteFile(out, []byte(table), 0o644))
	fmt.Printf("\n%s\n(written to %s)\n", table, out)
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

type service struct {
	cmd *exec.Cmd
	url string
}

// startService builds examples/apktrustd and runs it on a free loopback
// port with default limits (workers from GOMAXPROCS) and the policies.
func startService(t *testing.T, policies any) *service {
	t.Helper()
	dir := t.TempDir()
	bin := filepath.Join(dir, "apktrustd")
	build := exec.Command("go", "build", "-o", bin, "../examples/apktrustd")
	out, err := build.CombinedOutput()
	require.NoError(t, err, "%s", out)
	cfg, err := json.Marshal(map[string]any{"listen": "127.0.0.1:0", "policies": policies})
	require.NoError(t, err)
	cfgPath := filepath.Join(dir, "apktrustd.json")
	require.NoError(t, os.WriteFile(cfgPath, cfg, 0o600))

	cmd := exec.Command(bin, "-config", cfgPath)
	stderr, err := cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			cmd.Process.Kill()
		}
	})
	// The first log line says where it listens; the access log that
	// follows is drained (the service writes it as in production).
	sc := bufio.NewScanner(stderr)
	var addr string
	for addr == "" && sc.Scan() {
		var line struct{ Msg, Addr string }
		if json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == "listening" {
			addr = line.Addr
		}
	}
	require.NotEmpty(t, addr, "the service did not start")
	go io.Copy(io.Discard, stderr)
	return &service{cmd: cmd, url: "http://" + addr + "/v1/verify"}
}

// resetPeakRSS resets the kernel's peak RSS (VmHWM) of the service.
func (s *service) resetPeakRSS(t *testing.T) {
	t.Helper()
	if err := os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", s.cmd.Process.Pid), []byte("5"), 0); err != nil {
		t.Logf("cannot reset peak RSS (%v): figures are peaks since start", err)
	}
}

func (s *service) peakRSS(t *testing.T) uint64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			kb, _ := strconv.ParseUint(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

type rowResult struct {
	ok, refused, wrong int
	firstWrong         string
	perSecond          float64
	p50, p99           time.Duration
}

// loadRow posts path from conc clients for d, streaming the file from disk
// for each request, and measures the answers.
func loadRow(t *testing.T, client *http.Client, url, path string, conc int, d time.Duration) rowResult {
	t.Helper()
	size := fileSize(t, path)
	var small []byte
	if size <= 1<<20 {
		var err error
		small, err = os.ReadFile(path)
		require.NoError(t, err)
	}
	var (
		mu        sync.Mutex
		latencies []time.Duration
		res       rowResult
	)
	began := time.Now()
	deadline := began.Add(d)
	var wg sync.WaitGroup
	for range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) {
				var body io.Reader
				if small != nil {
					body = bytes.NewReader(small)
				} else {
					f, err := os.Open(path)
					if err != nil {
						panic(err)
					}
					body = f
				}
				req, _ := http.NewRequest(http.MethodPost, url, body)
				req.ContentLength = size
				req.Header.Set("Content-Type", "application/vnd.android.package-archive")
				t0 := time.Now()
				resp, err := client.Do(req)
				var out []byte
				if err == nil {
					out, err = io.ReadAll(resp.Body)
					resp.Body.Close()
				}
				lat := time.Since(t0)
				if f, ok := body.(*os.File); ok {
					f.Close()
				}
				mu.Lock()
				switch {
				case err != nil:
					res.wrong++
					res.firstWrong = err.Error()
				case resp.StatusCode == http.StatusTooManyRequests, resp.StatusCode == http.StatusGatewayTimeout:
					// The service's limits at work (queue full,
					// deadline passed): counted, not failures.
					res.refused++
				case resp.StatusCode != http.StatusOK || !bytes.Contains(out, []byte(`"verdict":"trusted"`)):
					res.wrong++
					res.firstWrong = fmt.Sprintf("%d %.200s", resp.StatusCode, out)
				default:
					res.ok++
					latencies = append(latencies, lat)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(began)
	res.perSecond = float64(res.ok) / elapsed.Seconds()
	slices.Sort(latencies)
	if n := len(latencies); n > 0 {
		res.p50 = latencies[n/2]
		res.p99 = latencies[min(n-1, n*99/100)]
	}
	return res
}
