package main

import (
	_ "embed"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/mentorbot/mentorbot/flows"
)

// exampleProgram is the programme used when PROGRAM_FILE is empty, so
// the bot can be tried without writing one first.
//
//go:embed program.example.toml
var exampleProgram []byte

// defaultAPIURL is Telegram's Bot API server.
const defaultAPIURL = "https://api.telegram.org"

// defaultSessionTTL is how long an idle conversation is kept.
const defaultSessionTTL = 30 * 24 * time.Hour

// Config is everything mentorbot is told at start-up, from environment
// variables and flags (flags win).
type Config struct {
	// Token is the bot token from BotFather; empty runs the console.
	Token string
	// APIURL is the Bot API server's base URL.
	APIURL string
	// RedisURL is a redis:// or rediss:// URL; empty starts an embedded
	// server whose data is lost on exit.
	RedisURL string
	// ListenAddr is where /healthz, /metrics and the webhook are served.
	ListenAddr string
	// WebhookURL, when set, makes Telegram push updates there instead of
	// the bot polling; WebhookSecret is then required.
	WebhookURL    string
	WebhookSecret string
	// ProgramFile is the programme file read into Program; empty means
	// the embedded example programme.
	ProgramFile string
	Program     *flows.Program
	LogLevel    slog.Level
	// SessionTTL is how long an idle conversation is kept.
	SessionTTL time.Duration

	// The fields below are not read from the environment: main sets
	// LogOutput, tests set the rest.

	// LogOutput receives the logs; os.Stderr when nil.
	LogOutput io.Writer
	// OnListen, when set, is called with the HTTP server's bound
	// address once it accepts connections.
	OnListen func(net.Addr)
	// Now is the flows' clock; time.Now when nil.
	Now func() time.Time
	// HTTPClient talks to the Bot API; http.DefaultClient's settings
	// when nil.
	HTTPClient *http.Client
}

// setting is one configuration value: its environment variable, flag,
// default and description (shown by -h and kept in step with README).
type setting struct {
	env, flag, def, usage string
	dst                   *string
}

// raw holds the settings as strings before they are validated.
type raw struct {
	token, apiURL, redisURL, listen, webhookURL, webhookSecret,
	programFile, logLevel, sessionTTL string
}

func (r *raw) settings() []setting {
	return []setting{
		{"TELEGRAM_TOKEN", "token", "", "bot token from BotFather; empty opens the console mode", &r.token},
		{"TELEGRAM_API_URL", "api-url", defaultAPIURL, "Bot API server base URL", &r.apiURL},
		{"REDIS_URL", "redis-url", "", "redis:// or rediss:// URL; empty starts an embedded Redis (data lost on exit)", &r.redisURL},
		{"LISTEN_ADDR", "listen", ":8080", "address of the HTTP server (/healthz, /metrics, webhook)", &r.listen},
		{"WEBHOOK_URL", "webhook-url", "", "public https URL Telegram posts updates to; empty polls instead", &r.webhookURL},
		{"WEBHOOK_SECRET", "webhook-secret", "", "secret Telegram sends with each webhook call (1-256 of A-Z a-z 0-9 _ -)", &r.webhookSecret},
		{"PROGRAM_FILE", "program", "", "programme file (TOML); empty uses the built-in example", &r.programFile},
		{"LOG_LEVEL", "log-level", "info", "debug, info, warn or error", &r.logLevel},
		{"SESSION_TTL", "session-ttl", defaultSessionTTL.String(), "how long an idle conversation is kept, e.g. 720h", &r.sessionTTL},
	}
}

var (
	tokenPattern  = regexp.MustCompile(`^[0-9]+:[A-Za-z0-9_-]+$`)
	secretPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,256}$`)
	pathPattern   = regexp.MustCompile(`^/[A-Za-z0-9/_.~-]*$`)
)

// parseConfig reads the configuration from args (without the program
// name) and the environment, through getenv. Flags win over variables.
// Usage goes to usage for -h, and the error is flag.ErrHelp then. Any
// other error names the setting at fault in one line.
func parseConfig(args []string, getenv func(string) string, usage io.Writer) (Config, error) {
	var r raw
	fs := flag.NewFlagSet("mentorbot", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	settings := r.settings()
	for _, s := range settings {
		def := s.def
		if v, ok := lookup(getenv, s.env); ok {
			def = v
		}
		fs.StringVar(s.dst, s.flag, def, s.usage+" (env "+s.env+")")
	}
	fs.Usage = func() {
		fmt.Fprintln(usage, "Usage: mentorbot [flags]\n\nEvery flag can also be set by the environment variable named with it; flags win.")
		fs.SetOutput(usage)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.Usage()
			return Config{}, err
		}
		return Config{}, err
	}
	if fs.NArg() > 0 {
		return Config{}, fmt.Errorf("unexpected argument %q; every setting is a flag such as -listen :8080", fs.Arg(0))
	}
	return r.validate()
}

// lookup returns an environment variable, treating empty as unset.
func lookup(getenv func(string) string, key string) (string, bool) {
	v := strings.TrimSpace(getenv(key))
	return v, v != ""
}

func (r *raw) validate() (Config, error) {
	cfg := Config{
		Token:         strings.TrimSpace(r.token),
		APIURL:        strings.TrimRight(strings.TrimSpace(r.apiURL), "/"),
		RedisURL:      strings.TrimSpace(r.redisURL),
		ListenAddr:    strings.TrimSpace(r.listen),
		WebhookURL:    strings.TrimSpace(r.webhookURL),
		WebhookSecret: r.webhookSecret,
		ProgramFile:   strings.TrimSpace(r.programFile),
	}
	if cfg.Token != "" && !tokenPattern.MatchString(cfg.Token) {
		return Config{}, errors.New("TELEGRAM_TOKEN (-token): not a bot token of the form 123456:ABC-def, as BotFather gives it")
	}
	if u, err := url.Parse(cfg.APIURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return Config{}, fmt.Errorf("TELEGRAM_API_URL (-api-url): %q is not an http(s) URL such as %s", r.apiURL, defaultAPIURL)
	}
	if cfg.RedisURL != "" {
		if _, err := redis.ParseURL(cfg.RedisURL); err != nil {
			return Config{}, fmt.Errorf("REDIS_URL (-redis-url): %v", err)
		}
	}
	if err := checkListenAddr(cfg.ListenAddr); err != nil {
		return Config{}, fmt.Errorf("LISTEN_ADDR (-listen): %q %v", cfg.ListenAddr, err)
	}
	if cfg.WebhookURL != "" {
		u, err := url.Parse(cfg.WebhookURL)
		switch {
		case err != nil || u.Scheme != "https" || u.Host == "":
			return Config{}, fmt.Errorf("WEBHOOK_URL (-webhook-url): %q is not an https URL; Telegram only posts to https", cfg.WebhookURL)
		case !pathPattern.MatchString(webhookPath(u)):
			return Config{}, fmt.Errorf("WEBHOOK_URL (-webhook-url): path %q may only hold letters, digits and / _ . - ~", u.Path)
		case webhookPath(u) == "/healthz" || webhookPath(u) == "/metrics":
			return Config{}, fmt.Errorf("WEBHOOK_URL (-webhook-url): path %s is taken by the server itself; use another, e.g. /telegram", u.Path)
		case cfg.WebhookSecret == "":
			return Config{}, errors.New("WEBHOOK_SECRET (-webhook-secret): required with WEBHOOK_URL")
		}
	}
	if cfg.WebhookSecret != "" && !secretPattern.MatchString(cfg.WebhookSecret) {
		return Config{}, errors.New("WEBHOOK_SECRET (-webhook-secret): must be 1-256 characters of A-Z, a-z, 0-9, _ and -")
	}
	if cfg.WebhookSecret != "" && cfg.WebhookURL == "" {
		return Config{}, errors.New("WEBHOOK_SECRET (-webhook-secret): set without WEBHOOK_URL")
	}
	var err error
	if cfg.LogLevel, err = parseLevel(r.logLevel); err != nil {
		return Config{}, fmt.Errorf("LOG_LEVEL (-log-level): %w", err)
	}
	if cfg.SessionTTL, err = time.ParseDuration(strings.TrimSpace(r.sessionTTL)); err != nil || cfg.SessionTTL <= 0 {
		return Config{}, fmt.Errorf("SESSION_TTL (-session-ttl): %q is not a positive duration such as 720h", r.sessionTTL)
	}
	if cfg.ProgramFile == "" {
		cfg.Program, err = flows.ParseProgram(exampleProgram)
	} else {
		cfg.Program, err = flows.LoadProgram(cfg.ProgramFile)
	}
	if err != nil {
		return Config{}, fmt.Errorf("PROGRAM_FILE (-program): %w", err)
	}
	return cfg, nil
}

// checkListenAddr accepts host:port with a numeric port, ":0" included.
func checkListenAddr(addr string) error {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return errors.New("is not host:port, such as :8080")
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return errors.New("has no port number between 0 and 65535")
	}
	return nil
}

func parseLevel(s string) (slog.Level, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "debug":
		return slog.LevelDebug, nil
	case "info":
		return slog.LevelInfo, nil
	case "warn", "warning":
		return slog.LevelWarn, nil
	case "error":
		return slog.LevelError, nil
	}
	return 0, fmt.Errorf("%q is not one of debug, info, warn, error", s)
}

// webhookPath is the path the webhook handler is mounted at.
func webhookPath(u *url.URL) string {
	if u.Path == "" {
		return "/"
	}
	return u.Path
}
