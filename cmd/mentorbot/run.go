package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/redis/go-redis/v9"

	"github.com/mentorbot/mentorbot/bot"
	"github.com/mentorbot/mentorbot/bot/console"
	"github.com/mentorbot/mentorbot/flows"
	"github.com/mentorbot/mentorbot/flows/redisstore"
	"github.com/mentorbot/mentorbot/locales"
)

// shutdownTimeout bounds how long in-flight HTTP requests may finish
// after a stop signal.
const shutdownTimeout = 10 * time.Second

// run starts mentorbot with cfg and blocks until ctx is cancelled, a
// part fails, or (in console mode) stdin ends.
func run(ctx context.Context, cfg Config, stdin io.Reader, stdout io.Writer) error {
	log := newLogger(cfg)
	rdb, closeRedis, err := openRedis(ctx, cfg.Redis, log)
	if err != nil {
		return err
	}
	defer closeRedis()
	flowsCfg, err := flowsConfig(cfg, rdb, log)
	if err != nil {
		return err
	}
	ready := &readiness{rdb: rdb}
	reg, mux, metricsMux := httpHandlers(ready)

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	front, err := startFront(ctx, cfg, flowsCfg, reg, mux, ready, log, stdin, stdout)
	if err != nil {
		return err
	}
	srv, served, err := serveHTTP(cfg, listener{cfg.ListenAddr, "HTTP server", cfg.OnListen}, mux, log)
	if err != nil {
		return err
	}
	var metricsSrv *http.Server
	metricsServed := make(<-chan error)
	if cfg.MetricsAddr != "" {
		metricsSrv, metricsServed, err = serveHTTP(cfg, listener{cfg.MetricsAddr, "metrics server", cfg.OnMetricsListen}, metricsMux, log)
		if err != nil {
			_ = shutdownHTTP(ctx, srv, nil)
			return err
		}
	}

	fronted := make(chan error, 1)
	go func() { fronted <- front(ctx) }()
	runErr := waitForEnd(ctx, cancel, fronted, served, metricsServed)
	cancel()
	runErr = shutdownHTTP(ctx, srv, runErr)
	runErr = shutdownHTTP(ctx, metricsSrv, runErr)
	if errors.Is(runErr, context.Canceled) {
		runErr = nil
	}
	log.Info("stopped")
	return runErr
}

// newLogger writes logs at cfg.LogLevel, as text or as JSON lines for
// log collectors, to cfg.LogOutput, or to os.Stderr when that is nil,
// so tests can capture what main prints.
func newLogger(cfg Config) *slog.Logger {
	logOut := cfg.LogOutput
	if logOut == nil {
		logOut = os.Stderr
	}
	opts := &slog.HandlerOptions{Level: cfg.LogLevel}
	if cfg.LogJSON {
		return slog.New(slog.NewJSONHandler(logOut, opts))
	}
	return slog.New(slog.NewTextHandler(logOut, opts))
}

// flowsConfig builds the engine's configuration: the Redis store with
// cfg's prefix and session TTL (every key in one hash slot on a
// Cluster, where a turn's commit must name keys of one slot), the
// message catalog and the programme. Both front ends start their
// engine from it.
func flowsConfig(cfg Config, rdb redis.UniversalClient, log *slog.Logger) (flows.Config, error) {
	_, cluster := rdb.(*redis.ClusterClient)
	store := redisstore.New(rdb, redisstore.Options{Prefix: cfg.RedisPrefix, SessionTTL: cfg.SessionTTL, OneSlot: cluster})
	cat, err := locales.New()
	if err != nil {
		return flows.Config{}, fmt.Errorf("load messages: %w", err)
	}
	return flows.Config{Store: store, Catalog: cat, Program: cfg.Program, Now: cfg.Now, Logger: log, InviteValidity: cfg.InviteValidity}, nil
}

// httpHandlers returns the metrics registry, the public mux serving
// /healthz and /readyz (the Telegram front end adds its webhook), and
// the metrics mux serving /metrics, which only METRICS_ADDR listens
// to: queue lengths and error counts are no one else's business.
func httpHandlers(ready *readiness) (*prometheus.Registry, *http.ServeMux, *http.ServeMux) {
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	mux := http.NewServeMux()
	mux.Handle("GET /healthz", healthz())
	mux.Handle("GET /readyz", ready)
	metrics := http.NewServeMux()
	metrics.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}))
	return reg, mux, metrics
}

// startFront prepares the part that talks to people: the console when
// cfg has no token, Telegram otherwise. The returned func runs it until
// ctx ends or it fails.
func startFront(ctx context.Context, cfg Config, flowsCfg flows.Config, reg prometheus.Registerer, mux *http.ServeMux,
	ready *readiness, log *slog.Logger, stdin io.Reader, stdout io.Writer) (func(context.Context) error, error) {
	if cfg.Token != "" {
		files, err := bot.NewFiles(cfg.Token, cfg.APIURL, cfg.HTTPClient)
		if err != nil {
			return nil, err
		}
		flowsCfg.Files = files // uploads are downloaded and checked
		return telegram(ctx, cfg, flowsCfg, reg, mux, ready, log)
	}
	flowsCfg.Files = console.Files{}
	// A test's fixed time is where the clock starts; :time moves it.
	clock := console.NewClock(flowsCfg.Now)
	flowsCfg.Now = clock.Now
	engine, err := flows.New(withUsername(flowsCfg, console.BotName))
	if err != nil {
		return nil, fmt.Errorf("start flows: %w", err)
	}
	log.Info("no TELEGRAM_TOKEN: console mode; type :help for how to use it")
	return func(ctx context.Context) error {
		c := console.New(engine, stdin, stdout, log)
		c.UseClock(clock)
		return c.Run(ctx)
	}, nil
}

// HTTPTimeouts bound the phases of an HTTP connection, so a client
// that sends slowly, reads slowly or idles cannot hold a connection
// (and its goroutine) for ever.
type HTTPTimeouts struct {
	ReadHeader, Read, Write, Idle time.Duration
}

// defaultHTTPTimeouts leave Telegram's webhook calls (a few kilobytes,
// answered once the update is committed) ample time.
var defaultHTTPTimeouts = HTTPTimeouts{ReadHeader: 5 * time.Second, Read: 30 * time.Second, Write: 60 * time.Second, Idle: 120 * time.Second}

// withDefaults fills t's zero fields from defaultHTTPTimeouts.
func (t HTTPTimeouts) withDefaults() HTTPTimeouts {
	d := defaultHTTPTimeouts
	for _, f := range []struct{ dst, def *time.Duration }{{&t.ReadHeader, &d.ReadHeader}, {&t.Read, &d.Read}, {&t.Write, &d.Write}, {&t.Idle, &d.Idle}} {
		if *f.dst <= 0 {
			*f.dst = *f.def
		}
	}
	return t
}

// listener names one of the HTTP servers: its address, its name in
// logs, and whom to tell its bound address.
type listener struct {
	addr, name string
	onListen   func(net.Addr)
}

// serveHTTP serves mux on l.addr in a goroutine whose end is sent on
// served. In console mode a port that cannot be had only costs the
// probes and metrics: srv is then nil and served never receives.
func serveHTTP(cfg Config, l listener, mux *http.ServeMux, log *slog.Logger) (srv *http.Server, served <-chan error, err error) {
	done := make(chan error, 1)
	ln, err := net.Listen("tcp", l.addr)
	switch {
	case err == nil:
		t := cfg.HTTPTimeouts.withDefaults()
		srv = &http.Server{Handler: mux, ReadHeaderTimeout: t.ReadHeader, ReadTimeout: t.Read, WriteTimeout: t.Write, IdleTimeout: t.Idle,
			ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelDebug)}
		go func() { done <- srv.Serve(ln) }()
		log.Info(l.name+" listening", "addr", ln.Addr().String())
		if l.onListen != nil {
			l.onListen(ln.Addr())
		}
	case cfg.Token == "":
		// The console needs no HTTP server: a port already taken must
		// not keep a newcomer from trying the bot.
		log.Warn("console mode without "+l.name, "addr", l.addr, "err", err)
	default:
		return nil, nil, fmt.Errorf("%s: listen on %s: %w", l.name, l.addr, err)
	}
	return srv, done, nil
}

// waitForEnd blocks until ctx ends, the front end returns or the HTTP
// server fails, and returns why the program is stopping. When the
// server fails first it stops the front end with cancel and waits for
// it, so nothing still runs when run shuts down.
func waitForEnd(ctx context.Context, cancel context.CancelFunc, fronted, served, metricsServed <-chan error) error {
	var runErr error
	select {
	case <-ctx.Done():
		return <-fronted
	case err := <-fronted:
		return err
	case err := <-served:
		runErr = fmt.Errorf("HTTP server: %w", err)
	case err := <-metricsServed:
		runErr = fmt.Errorf("metrics server: %w", err)
	}
	cancel()
	<-fronted
	return runErr
}

// shutdownHTTP lets in-flight requests to srv (if any) finish within
// shutdownTimeout, even though ctx is already cancelled. A shutdown
// error is returned only when runErr is nil, so the first cause wins.
func shutdownHTTP(ctx context.Context, srv *http.Server, runErr error) error {
	if srv == nil {
		return runErr
	}
	shutCtx, stop := context.WithTimeout(context.WithoutCancel(ctx), shutdownTimeout)
	defer stop()
	if err := srv.Shutdown(shutCtx); err != nil && runErr == nil {
		return fmt.Errorf("HTTP server shutdown: %w", err)
	}
	return runErr
}

// withUsername returns c with the bot's username set, for deep links.
func withUsername(c flows.Config, name string) flows.Config {
	c.BotUsername = name
	return c
}

// openRedis connects to the standalone server, Sentinel or Cluster opts
// names, or starts the embedded server when opts is nil. The returned
// func closes whatever was opened.
func openRedis(ctx context.Context, opts *redis.UniversalOptions, log *slog.Logger) (redis.UniversalClient, func(), error) {
	if opts == nil {
		emb, err := redisstore.StartEmbedded()
		if err != nil {
			return nil, nil, err
		}
		log.Warn("embedded Redis (REDIS_URL=memory or console mode): all data is lost on exit", "addr", emb.Addr())
		rdb := emb.Client()
		return rdb, func() { rdb.Close(); emb.Close() }, nil
	}
	rdb := redis.NewUniversalClient(opts)
	addrs := strings.Join(opts.Addrs, ",")
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := rdb.Ping(pingCtx).Err(); err != nil {
		rdb.Close()
		return nil, nil, fmt.Errorf("connect to Redis at %s: %w", addrs, err)
	}
	log.Info("connected to Redis", "addr", addrs, "db", opts.DB, "master", opts.MasterName, "cluster", opts.IsClusterMode)
	return rdb, func() { rdb.Close() }, nil
}

// healthz is the liveness probe: it answers 200 "ok" while the process
// serves HTTP at all. It does not ask Redis, so an outage of Redis
// does not make an orchestrator restart every replica at once.
func healthz() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		fmt.Fprint(w, "ok")
	})
}

// readiness is the readiness probe, /readyz: 200 "ready" while Redis
// answers a PING and every added check (the bot's outbox) passes, 503
// naming the first failure otherwise, so a load balancer sends webhook
// calls to replicas that can commit them.
type readiness struct {
	rdb    redis.UniversalClient
	mu     sync.Mutex
	checks []func() error
}

// add makes check part of readiness.
func (r *readiness) add(check func() error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.checks = append(r.checks, check)
}

func (r *readiness) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if err := r.check(req.Context()); err != nil {
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprint(w, err.Error())
		return
	}
	fmt.Fprint(w, "ready")
}

func (r *readiness) check(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if err := r.rdb.Ping(ctx).Err(); err != nil {
		return errors.New("redis unavailable")
	}
	r.mu.Lock()
	checks := slices.Clone(r.checks)
	r.mu.Unlock()
	for _, c := range checks {
		if err := c(); err != nil {
			return err
		}
	}
	return nil
}
