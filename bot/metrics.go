package bot

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the bot's Prometheus metrics. A nil *Metrics records
// nothing, so every use is optional.
type Metrics struct {
	updates    *prometheus.CounterVec
	sentTotal  prometheus.Counter
	sendErrors *prometheus.CounterVec
	latency    prometheus.Histogram
}

// NewMetrics creates the metrics and registers them with reg. It
// panics if they are already registered with reg, like
// prometheus.MustRegister.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		updates: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "mentorbot_updates_total",
			Help: "Telegram updates handled, by kind (command, text, button, document, photo, other, ignored, duplicate, failed, panic).",
		}, []string{"kind"}),
		sentTotal: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "mentorbot_messages_sent_total",
			Help: "Messages Telegram accepted.",
		}),
		sendErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "mentorbot_send_errors_total",
			Help: "Failed send attempts, by reason (too_many_requests, blocked, bad_request, transient).",
		}, []string{"reason"}),
		latency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "mentorbot_flow_step_seconds",
			Help:    "Time the flows engine took to handle one update.",
			Buckets: prometheus.ExponentialBuckets(0.001, 2, 14),
		}),
	}
	reg.MustRegister(m.updates, m.sentTotal, m.sendErrors, m.latency)
	return m
}

func (m *Metrics) update(kind string) {
	if m != nil {
		m.updates.WithLabelValues(kind).Inc()
	}
}

func (m *Metrics) sent() {
	if m != nil {
		m.sentTotal.Inc()
	}
}

func (m *Metrics) sendError(reason string) {
	if m != nil {
		m.sendErrors.WithLabelValues(reason).Inc()
	}
}

func (m *Metrics) step(d time.Duration) {
	if m != nil {
		m.latency.Observe(d.Seconds())
	}
}
