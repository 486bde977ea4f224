package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	tgbot "github.com/go-telegram/bot"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/mentorbot/mentorbot/bot"
	"github.com/mentorbot/mentorbot/bot/webapp"
	"github.com/mentorbot/mentorbot/flows"
)

// telegram builds the Telegram front: it learns the bot's username,
// builds the engine and the bot with its metrics, and in webhook mode
// mounts the bot's handler on mux; the bot's outbox joins the
// readiness checks. The returned func runs the bot
// until ctx ends.
func telegram(ctx context.Context, cfg Config, fc flows.Config, reg prometheus.Registerer, mux *http.ServeMux,
	ready *readiness, log *slog.Logger) (func(context.Context) error, error) {
	name, err := botUsername(ctx, cfg)
	if err != nil {
		return nil, err
	}
	fc.Outbox = true // the bot sends what turns commit to the durable outbox
	fc.WorkspaceURL = cfg.WebAppURL
	engine, err := flows.New(withUsername(fc, name))
	if err != nil {
		return nil, fmt.Errorf("start flows: %w", err)
	}
	if n, err := engine.Records().EnsureIndexes(ctx); err != nil {
		return nil, fmt.Errorf("index records: %w", err)
	} else if n > 0 {
		log.Info("indexed applications written by an older version", "applications", n)
	}
	b, err := bot.New(ctx, bot.Config{
		Token:         cfg.Token,
		APIURL:        cfg.APIURL,
		WebhookURL:    cfg.WebhookURL,
		WebhookSecret: cfg.WebhookSecret,
		Engine:        engine,
		Logger:        log,
		Metrics:       bot.NewMetrics(reg),
		HTTPClient:    cfg.HTTPClient,
	})
	if err != nil {
		return nil, fmt.Errorf("start telegram bot: %w", err)
	}
	ready.add(b.Ready)
	if err := mountWorkspace(cfg, engine, fc.Files, mux, log); err != nil {
		return nil, err
	}
	if cfg.WebhookURL != "" {
		u, err := url.Parse(cfg.WebhookURL)
		if err != nil { // validated by parseConfig already
			return nil, fmt.Errorf("WEBHOOK_URL: %w", err)
		}
		mux.Handle(webhookPath(u), b.WebhookHandler())
		log.Info("webhook mode", "bot", "@"+b.Username(), "url", cfg.WebhookURL, "path", webhookPath(u))
	} else {
		log.Info("long polling mode", "bot", "@"+b.Username())
	}
	// Every minute the scheduler puts the due reminders in the durable
	// outbox and wakes b's feeder to send them; it stops, cancelling a
	// running tick, as soon as ctx ends.
	sched, err := bot.NewScheduler(bot.SchedulerConfig{Tick: bot.RemindersTick(engine, b.WakeFeeder),
		Now: fc.Now, Location: cfg.Program.Location(), Logger: log})
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context) error {
		sched.Start()
		stop := context.AfterFunc(ctx, func() { _ = sched.Stop(context.WithoutCancel(ctx)) })
		err := b.Run(ctx)
		if stop() { // b.Run ended by itself
			_ = sched.Stop(context.WithoutCancel(ctx))
		}
		return err
	}, nil
}

// botUsername asks Telegram (getMe) for the bot's username, which the
// engine needs for deep links before the bot itself can be built.
func botUsername(ctx context.Context, cfg Config) (string, error) {
	opts := []tgbot.Option{tgbot.WithSkipGetMe(), tgbot.WithServerURL(cfg.APIURL)}
	if cfg.HTTPClient != nil {
		opts = append(opts, tgbot.WithHTTPClient(time.Minute, cfg.HTTPClient))
	}
	tg, err := tgbot.New(cfg.Token, opts...)
	if err != nil {
		return "", fmt.Errorf("create telegram client: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	me, err := tg.GetMe(ctx)
	if err != nil {
		return "", fmt.Errorf("ask Telegram who the bot is (getMe), is TELEGRAM_TOKEN right?: %w", err)
	}
	return me.Username, nil
}

// mountWorkspace serves the staff workspace (a Mini App) at
// webapp.Path on the public listener, beside the webhook: Telegram
// opens it from the buttons that cfg.WebAppURL makes, and every API
// call proves who calls with initData signed for this bot's token.
func mountWorkspace(cfg Config, engine *flows.Engine, files webapp.Files, mux *http.ServeMux, log *slog.Logger) error {
	ws, err := flows.NewWorkspace(engine)
	if err != nil {
		return err
	}
	srv, err := webapp.New(webapp.Config{Workspace: ws, Token: cfg.Token, Files: files, Logger: log})
	if err != nil {
		return fmt.Errorf("start the workspace: %w", err)
	}
	mux.Handle(webapp.Path, srv)
	if cfg.WebAppURL != "" {
		log.Info("staff workspace", "url", cfg.WebAppURL)
	}
	return nil
}
