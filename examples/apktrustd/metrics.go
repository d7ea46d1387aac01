package main

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics are the service's Prometheus metrics, on a registry of their own
// so that several servers (tests) never share counters.
type metrics struct {
	reg       *prometheus.Registry
	requests  *prometheus.CounterVec
	duration  *prometheus.HistogramVec
	received  prometheus.Counter
	inFlight  prometheus.Gauge
	queued    prometheus.Gauge
	uploading prometheus.Gauge
	rejected  *prometheus.CounterVec
}

// Label values of rejected{limit}.
const (
	limitBodySize    = "body_size"
	limitParts       = "parts"
	limitUploads     = "uploads"
	limitQueue       = "queue"
	limitDeadline    = "deadline"
	limitReadTimeout = "read_timeout"
)

func newMetrics() *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "apktrustd_requests_total",
			Help: "Verification requests by HTTP status and verdict (trusted, not-trusted, cannot-read).",
		}, []string{"status", "verdict"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "apktrustd_verify_duration_seconds",
			Help: "Time spent verifying one input (not receiving or queueing it), by input kind.",
			// From a small APK (~0.5 ms) to a large game (seconds).
			Buckets: prometheus.ExponentialBuckets(0.0005, 2.5, 12),
		}, []string{"kind"}),
		received: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "apktrustd_received_bytes_total",
			Help: "Request body bytes received on /v1/verify.",
		}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "apktrustd_verifications_in_flight",
			Help: "Verifications running now.",
		}),
		queued: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "apktrustd_verifications_queued",
			Help: "Requests waiting for a verification worker.",
		}),
		uploading: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "apktrustd_uploads_in_flight",
			Help: "Request bodies being received now.",
		}),
		rejected: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "apktrustd_rejected_total",
			Help: "Requests refused by a limit: body_size, parts, uploads, queue, deadline, read_timeout.",
		}, []string{"limit"}),
	}
	m.reg.MustRegister(m.requests, m.duration, m.received, m.inFlight, m.queued, m.uploading, m.rejected,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	// Every limit appears from the start, at zero, so alerts on rate()
	// work before the first refusal.
	for _, l := range []string{limitBodySize, limitParts, limitUploads, limitQueue, limitDeadline, limitReadTimeout} {
		m.rejected.WithLabelValues(l)
	}
	return m
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}
