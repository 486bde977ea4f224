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
	logOut := cfg.LogOutput
	if logOut == nil {
		logOut = os.Stderr
	}
	log := slog.New(slog.NewTextHandler(logOut, &slog.HandlerOptions{Level: cfg.LogLevel}))

	rdb, closeRedis, err := openRedis(ctx, cfg.Redis, log)
	if err != nil {
		return err
	}
	defer closeRedis()
	store := redisstore.New(rdb, redisstore.Options{Prefix: cfg.RedisPrefix, SessionTTL: cfg.SessionTTL})

	cat, err := locales.New()
	if err != nil {
		return fmt.Errorf("load messages: %w", err)
	}
	flowsCfg := flows.Config{Store: store, Catalog: cat, Program: cfg.Program, Now: cfg.Now, Logger: log}

	reg := prometheus.NewRegistry()
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	mux := http.NewServeMux()
	mux.Handle("GET /healthz", healthz(rdb))
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}))

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	// front is the part that talks to people: Telegram or the console.
	var front func(context.Context) error
	if cfg.Token == "" {
		engine, err := flows.New(withUsername(flowsCfg, console.BotName))
		if err != nil {
			return fmt.Errorf("start flows: %w", err)
		}
		log.Info("no TELEGRAM_TOKEN: console mode; type :help for how to use it")
		front = func(ctx context.Context) error {
			return console.New(engine, stdin, stdout, log).Run(ctx)
		}
	} else {
		front, err = telegram(ctx, cfg, flowsCfg, reg, mux, log)
		if err != nil {
			return err
		}
	}

	var srv *http.Server
	served := make(chan error, 1)
	ln, err := net.Listen("tcp", cfg.ListenAddr)
	switch {
	case err == nil:
		srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
		go func() { served <- srv.Serve(ln) }()
		log.Info("HTTP server listening", "addr", ln.Addr().String())
		if cfg.OnListen != nil {
			cfg.OnListen(ln.Addr())
		}
	case cfg.Token == "":
		// The console needs no HTTP server: a port already taken must
		// not keep a newcomer from trying the bot.
		log.Warn("console mode without /healthz and /metrics", "addr", cfg.ListenAddr, "err", err)
	default:
		return fmt.Errorf("listen on %s: %w", cfg.ListenAddr, err)
	}

	fronted := make(chan error, 1)
	go func() { fronted <- front(ctx) }()

	var runErr error
	select {
	case <-ctx.Done():
		runErr = <-fronted
	case runErr = <-fronted:
	case err := <-served:
		runErr = fmt.Errorf("HTTP server: %w", err)
		cancel()
		<-fronted
	}
	cancel()
	if srv != nil {
		shutCtx, stop := context.WithTimeout(context.WithoutCancel(ctx), shutdownTimeout)
		defer stop()
		if err := srv.Shutdown(shutCtx); err != nil && runErr == nil {
			runErr = fmt.Errorf("HTTP server shutdown: %w", err)
		}
	}
	if errors.Is(runErr, context.Canceled) {
		runErr = nil
	}
	log.Info("stopped")
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
