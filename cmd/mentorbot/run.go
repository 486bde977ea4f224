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
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/redis/go-redis/v9"

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
	reg, mux := httpHandlers(rdb)

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	front, err := startFront(ctx, cfg, flowsCfg, reg, mux, log, stdin, stdout)
	if err != nil {
		return err
	}
	srv, served, err := serveHTTP(cfg, mux, log)
	if err != nil {
		return err
	}

	fronted := make(chan error, 1)
	go func() { fronted <- front(ctx) }()
	runErr := waitForEnd(ctx, cancel, fronted, served)
	cancel()
	runErr = shutdownHTTP(ctx, srv, runErr)
	if errors.Is(runErr, context.Canceled) {
		runErr = nil
	}
	log.Info("stopped")
	return runErr
}

// newLogger writes text logs at cfg.LogLevel to cfg.LogOutput, or to
// os.Stderr when that is nil, so tests can capture what main prints.
func newLogger(cfg Config) *slog.Logger {
	logOut := cfg.LogOutput
	if logOut == nil {
		logOut = os.Stderr
	}
	return slog.New(slog.NewTextHandler(logOut, &slog.HandlerOptions{Level: cfg.LogLevel}))
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
	return flows.Config{Store: store, Catalog: cat, Program: cfg.Program, Now: cfg.Now, Logger: log}, nil
}

// httpHandlers returns the metrics registry and a mux serving /healthz
// and /metrics; the Telegram front end adds its metrics and webhook to
// them.
func httpHandlers(rdb redis.UniversalClient) (*prometheus.Registry, *http.ServeMux) {
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	mux := http.NewServeMux()
	mux.Handle("GET /healthz", healthz(rdb))
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}))
	return reg, mux
}

// startFront prepares the part that talks to people: the console when
// cfg has no token, Telegram otherwise. The returned func runs it until
// ctx ends or it fails.
func startFront(ctx context.Context, cfg Config, flowsCfg flows.Config, reg prometheus.Registerer, mux *http.ServeMux,
	log *slog.Logger, stdin io.Reader, stdout io.Writer) (func(context.Context) error, error) {
	if cfg.Token != "" {
		return telegram(ctx, cfg, flowsCfg, reg, mux, log)
	}
	engine, err := flows.New(withUsername(flowsCfg, console.BotName))
	if err != nil {
		return nil, fmt.Errorf("start flows: %w", err)
	}
	log.Info("no TELEGRAM_TOKEN: console mode; type :help for how to use it")
	return func(ctx context.Context) error {
		return console.New(engine, stdin, stdout, log).Run(ctx)
	}, nil
}

// serveHTTP serves mux on cfg.ListenAddr in a goroutine whose end is
// sent on served. In console mode a port that cannot be had only costs
// /healthz and /metrics: srv is then nil and served never receives.
func serveHTTP(cfg Config, mux *http.ServeMux, log *slog.Logger) (srv *http.Server, served <-chan error, err error) {
	done := make(chan error, 1)
	ln, err := net.Listen("tcp", cfg.ListenAddr)
	switch {
	case err == nil:
		srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
		go func() { done <- srv.Serve(ln) }()
		log.Info("HTTP server listening", "addr", ln.Addr().String())
		if cfg.OnListen != nil {
			cfg.OnListen(ln.Addr())
		}
	case cfg.Token == "":
		// The console needs no HTTP server: a port already taken must
		// not keep a newcomer from trying the bot.
		log.Warn("console mode without /healthz and /metrics", "addr", cfg.ListenAddr, "err", err)
	default:
		return nil, nil, fmt.Errorf("listen on %s: %w", cfg.ListenAddr, err)
	}
	return srv, done, nil
}

// waitForEnd blocks until ctx ends, the front end returns or the HTTP
// server fails, and returns why the program is stopping. When the
// server fails first it stops the front end with cancel and waits for
// it, so nothing still runs when run shuts down.
func waitForEnd(ctx context.Context, cancel context.CancelFunc, fronted, served <-chan error) error {
	select {
	case <-ctx.Done():
		return <-fronted
	case err := <-fronted:
		return err
	case err := <-served:
		runErr := fmt.Errorf("HTTP server: %w", err)
		cancel()
		<-fronted
		return runErr
	}
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
		log.Info("no REDIS_URL: started an embedded Redis; its data is lost on exit", "addr", emb.Addr())
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

// healthz answers 200 "ok" while Redis answers a PING, 503 otherwise.
func healthz(rdb redis.UniversalClient) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		if err := rdb.Ping(ctx).Err(); err != nil {
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprint(w, "redis unavailable")
			return
		}
		fmt.Fprint(w, "ok")
	})
}
