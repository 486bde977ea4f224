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
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/mentorbot/mentorbot/bot/webapp"
	"github.com/mentorbot/mentorbot/flows"
	"github.com/mentorbot/mentorbot/flows/redisstore"
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
	// RedisURL is a redis:// or rediss:// URL, with several
	// comma-separated host:port addresses for Sentinel or Cluster, or
	// "memory" for an embedded server whose data is lost on exit. It is
	// required with a Token; empty in console mode means "memory".
	RedisURL string
	// Redis is RedisURL with REDIS_MASTER and REDIS_CLUSTER parsed into
	// client options; nil for the embedded server.
	Redis *redis.UniversalOptions
	// RedisPrefix starts every key the bot writes, so several
	// deployments can share one Redis database.
	RedisPrefix string
	// ListenAddr is where /healthz, /readyz and the webhook are served.
	ListenAddr string
	// MetricsAddr is where /metrics is served, apart from the public
	// listener; empty serves no metrics.
	MetricsAddr string
	// WebhookURL, when set, makes Telegram push updates there instead of
	// the bot polling; WebhookSecret is then required.
	WebhookURL    string
	WebhookSecret string
	// WebAppURL is the public https address of the staff workspace, a
	// Mini App served at /app/ on ListenAddr; by default the origin of
	// WebhookURL with /app/, and none when polling without it.
	WebAppURL string
	// ProgramFile is the programme file read into Program; empty means
	// the embedded example programme.
	ProgramFile string
	Program     *flows.Program
	LogLevel    slog.Level
	// LogJSON writes JSON log lines instead of key=value text.
	LogJSON bool
	// SessionTTL is how long an idle conversation is kept.
	SessionTTL time.Duration
	// InviteValidity is how long an invite link works.
	InviteValidity time.Duration

	// The fields below are not read from the environment: main sets
	// LogOutput, tests set the rest.

	// LogOutput receives the logs; os.Stderr when nil.
	LogOutput io.Writer
	// OnListen, when set, is called with the HTTP server's bound
	// address once it accepts connections; OnMetricsListen likewise
	// with the metrics server's.
	OnListen        func(net.Addr)
	OnMetricsListen func(net.Addr)
	// HTTPTimeouts bound each HTTP connection; zero fields take the
	// defaults of defaultHTTPTimeouts.
	HTTPTimeouts HTTPTimeouts
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
	token, tokenFile, apiURL, redisURL, redisURLFile, redisMaster, redisCluster, redisSentinelPassword, redisPrefix,
	listen, metrics, webhookURL, webhookSecret, webhookSecretFile, webAppURL, programFile, logLevel, logFormat, sessionTTL, inviteValidity string
}

func (r *raw) settings() []setting {
	return []setting{
		{"TELEGRAM_TOKEN", "token", "", "bot token from BotFather; empty opens the console mode", &r.token},
		{"TELEGRAM_TOKEN_FILE", "token-file", "", "file holding TELEGRAM_TOKEN (a Docker or Kubernetes secret)", &r.tokenFile},
		{"TELEGRAM_API_URL", "api-url", defaultAPIURL, "Bot API server base URL", &r.apiURL},
		{"REDIS_URL", "redis-url", "", "redis:// or rediss:// URL, several host:port comma-separated for Sentinel or Cluster; memory starts an embedded Redis whose data is lost on exit (the default only in console mode)", &r.redisURL},
		{"REDIS_URL_FILE", "redis-url-file", "", "file holding REDIS_URL, which may hold a password", &r.redisURLFile},
		{"REDIS_MASTER", "redis-master", "", "Sentinel master name: REDIS_URL then lists the sentinels", &r.redisMaster},
		{"REDIS_CLUSTER", "redis-cluster", "false", "true: REDIS_URL names a Redis Cluster, even with one address (several addresses without REDIS_MASTER mean a Cluster too)", &r.redisCluster},
		{"REDIS_SENTINEL_PASSWORD", "redis-sentinel-password", "", "password of the sentinels themselves, when they require one", &r.redisSentinelPassword},
		{"REDIS_PREFIX", "redis-prefix", defaultRedisPrefix, "prefix of every Redis key, so deployments can share a database", &r.redisPrefix},
		{"LISTEN_ADDR", "listen", ":8080", "address of the public HTTP server (/healthz, /readyz, webhook)", &r.listen},
		{"METRICS_ADDR", "metrics", defaultMetricsAddr, "address of the Prometheus /metrics server, kept off the public one; off serves none", &r.metrics},
		{"WEBHOOK_URL", "webhook-url", "", "public https URL Telegram posts updates to; empty polls instead", &r.webhookURL},
		{"WEBHOOK_SECRET", "webhook-secret", "", "secret Telegram sends with each webhook call (1-256 of A-Z a-z 0-9 _ -)", &r.webhookSecret},
		{"WEBHOOK_SECRET_FILE", "webhook-secret-file", "", "file holding WEBHOOK_SECRET", &r.webhookSecretFile},
		{"WEBAPP_URL", "webapp-url", "", "public https URL of the staff workspace (a Mini App served at /app/ on LISTEN_ADDR); empty: WEBHOOK_URL's origin + /app/, or no workspace buttons when polling", &r.webAppURL},
		{"PROGRAM_FILE", "program", "", "programme file (TOML); empty uses the built-in example", &r.programFile},
		{"LOG_LEVEL", "log-level", "info", "debug, info, warn or error", &r.logLevel},
		{"LOG_FORMAT", "log-format", "text", "text (key=value lines) or json (one JSON object a line)", &r.logFormat},
		{"SESSION_TTL", "session-ttl", defaultSessionTTL.String(), "how long an idle conversation is kept, e.g. 720h", &r.sessionTTL},
		{"INVITE_VALIDITY", "invite-validity", flows.DefaultInviteValidity.String(), "how long an invite link works, e.g. 72h", &r.inviteValidity},
	}
}

var (
	tokenPattern  = regexp.MustCompile(`^[0-9]+:[A-Za-z0-9_-]+$`)
	secretPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,256}$`)
	pathPattern   = regexp.MustCompile(`^/[A-Za-z0-9/_.~-]*$`)
	prefixPattern = regexp.MustCompile(`^[A-Za-z0-9:_.-]{1,64}$`)
)

// defaultRedisPrefix starts every key unless REDIS_PREFIX says otherwise.
const defaultRedisPrefix = "mb:"

// defaultMetricsAddr keeps /metrics on the loopback interface: what it
// tells (traffic, errors, queue lengths) is for the operator, not for
// whoever can reach the webhook.
const defaultMetricsAddr = "127.0.0.1:9091"

// redisMemory is the REDIS_URL that asks for the embedded server.
const redisMemory = "memory"

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
	// For -h, Parse calls fs.Usage itself before returning flag.ErrHelp.
	if err := fs.Parse(args); err != nil {
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

// validate turns the raw settings into a Config, checking them in the
// order they are listed; the error names the first setting at fault.
func (r *raw) validate() (Config, error) {
	if err := r.readSecretFiles(); err != nil {
		return Config{}, err
	}
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
	if cfg.Token != "" && cfg.RedisURL == "" {
		return Config{}, errors.New("REDIS_URL (-redis-url): required with TELEGRAM_TOKEN, so a real bot never keeps its data in memory; set it to your Redis, or to memory to accept losing everything on exit")
	}
	var err error
	if cfg.Redis, err = r.redisOptions(cfg.RedisURL); err != nil {
		return Config{}, err
	}
	cfg.RedisPrefix = strings.TrimSpace(r.redisPrefix)
	if !prefixPattern.MatchString(cfg.RedisPrefix) {
		return Config{}, fmt.Errorf("REDIS_PREFIX (-redis-prefix): %q must be 1-64 characters of A-Z a-z 0-9 and : _ . -, such as %s", r.redisPrefix, defaultRedisPrefix)
	}
	if err := checkListenAddr(cfg.ListenAddr); err != nil {
		return Config{}, fmt.Errorf("LISTEN_ADDR (-listen): %q %v", cfg.ListenAddr, err)
	}
	if cfg.MetricsAddr, err = metricsAddr(r.metrics, cfg.ListenAddr); err != nil {
		return Config{}, err
	}
	if err := checkWebhook(cfg.WebhookURL, cfg.WebhookSecret); err != nil {
		return Config{}, err
	}
	if cfg.WebAppURL, err = webAppURL(r.webAppURL, cfg.WebhookURL); err != nil {
		return Config{}, err
	}
	if cfg.LogLevel, err = parseLevel(r.logLevel); err != nil {
		return Config{}, fmt.Errorf("LOG_LEVEL (-log-level): %w", err)
	}
	switch strings.ToLower(strings.TrimSpace(r.logFormat)) {
	case "text":
	case "json":
		cfg.LogJSON = true
	default:
		return Config{}, fmt.Errorf("LOG_FORMAT (-log-format): %q is not text or json", r.logFormat)
	}
	if cfg.SessionTTL, err = time.ParseDuration(strings.TrimSpace(r.sessionTTL)); err != nil || cfg.SessionTTL <= 0 {
		return Config{}, fmt.Errorf("SESSION_TTL (-session-ttl): %q is not a positive duration such as 720h", r.sessionTTL)
	}
	if cfg.InviteValidity, err = time.ParseDuration(strings.TrimSpace(r.inviteValidity)); err != nil || cfg.InviteValidity <= 0 {
		return Config{}, fmt.Errorf("INVITE_VALIDITY (-invite-validity): %q is not a positive duration such as 168h", r.inviteValidity)
	}
	if cfg.Program, err = loadProgram(cfg.ProgramFile); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

// readSecretFiles reads the settings that may come from files (the
// Docker and Kubernetes way of handing over secrets) into their
// values; a setting given both ways is refused, since either choice
// could surprise.
func (r *raw) readSecretFiles() error {
	for _, s := range []struct {
		env, flag string
		file      string
		dst       *string
	}{
		{"TELEGRAM_TOKEN", "token", r.tokenFile, &r.token},
		{"REDIS_URL", "redis-url", r.redisURLFile, &r.redisURL},
		{"WEBHOOK_SECRET", "webhook-secret", r.webhookSecretFile, &r.webhookSecret},
	} {
		file := strings.TrimSpace(s.file)
		if file == "" {
			continue
		}
		if strings.TrimSpace(*s.dst) != "" {
			return fmt.Errorf("%s_FILE (-%s-file): set together with %s; give one of them", s.env, s.flag, s.env)
		}
		buf, err := os.ReadFile(file)
		if err != nil {
			return fmt.Errorf("%s_FILE (-%s-file): %v", s.env, s.flag, err)
		}
		// Files written by editors and echo end with a newline.
		*s.dst = strings.TrimSpace(string(buf))
		if *s.dst == "" {
			return fmt.Errorf("%s_FILE (-%s-file): %s is empty", s.env, s.flag, file)
		}
	}
	return nil
}

// metricsAddr checks METRICS_ADDR: host:port apart from the public
// listener, or "off" (returned as "") for no metrics server.
func metricsAddr(raw, listen string) (string, error) {
	addr := strings.TrimSpace(raw)
	if strings.EqualFold(addr, "off") {
		return "", nil
	}
	if err := checkListenAddr(addr); err != nil {
		return "", fmt.Errorf("METRICS_ADDR (-metrics): %q %v, or off", addr, err)
	}
	if addr == listen && !strings.HasSuffix(addr, ":0") {
		return "", fmt.Errorf("METRICS_ADDR (-metrics): %s is LISTEN_ADDR too; metrics need a listener of their own, e.g. %s", addr, defaultMetricsAddr)
	}
	return addr, nil
}

// checkWebhook checks WEBHOOK_URL and WEBHOOK_SECRET together: both or
// neither, an https URL whose path the server can mount without taking
// /healthz or /metrics, and a secret Telegram accepts.
func checkWebhook(webhookURL, secret string) error {
	if webhookURL != "" {
		u, err := url.Parse(webhookURL)
		switch {
		case err != nil || u.Scheme != "https" || u.Host == "":
			return fmt.Errorf("WEBHOOK_URL (-webhook-url): %q is not an https URL; Telegram only posts to https", webhookURL)
		case !pathPattern.MatchString(webhookPath(u)):
			return fmt.Errorf("WEBHOOK_URL (-webhook-url): path %q may only hold letters, digits and / _ . - ~", u.Path)
		case webhookPath(u) == "/healthz" || webhookPath(u) == "/readyz" || strings.HasPrefix(webhookPath(u)+"/", webapp.Path):
			return fmt.Errorf("WEBHOOK_URL (-webhook-url): path %s is taken by the server itself; use another, e.g. /telegram", u.Path)
		case secret == "":
			return errors.New("WEBHOOK_SECRET (-webhook-secret): required with WEBHOOK_URL")
		}
	}
	if secret != "" && !secretPattern.MatchString(secret) {
		return errors.New("WEBHOOK_SECRET (-webhook-secret): must be 1-256 characters of A-Z, a-z, 0-9, _ and -")
	}
	if secret != "" && webhookURL == "" {
		return errors.New("WEBHOOK_SECRET (-webhook-secret): set without WEBHOOK_URL")
	}
	return nil
}

// loadProgram reads the programme file, or the embedded example when
// file is empty so the bot can be tried without writing one; the error
// names PROGRAM_FILE.
func loadProgram(file string) (*flows.Program, error) {
	var p *flows.Program
	var err error
	if file == "" {
		p, err = flows.ParseProgram(exampleProgram)
	} else {
		p, err = flows.LoadProgram(file)
	}
	if err != nil {
		return nil, fmt.Errorf("PROGRAM_FILE (-program): %w", err)
	}
	return p, nil
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

// redisOptions parses REDIS_URL with REDIS_MASTER, REDIS_CLUSTER and
// REDIS_SENTINEL_PASSWORD into options for redis.NewUniversalClient: a
// standalone server for one address, Sentinel when a master name is
// given (the addresses are the sentinels'), Cluster for several
// addresses without one or when REDIS_CLUSTER is true. The URL's user,
// password, database, TLS (rediss://) and query options apply to every
// address. It returns nil for an empty url.
func (r *raw) redisOptions(rawURL string) (*redis.UniversalOptions, error) {
	master := strings.TrimSpace(r.redisMaster)
	cluster, err := strconv.ParseBool(strings.TrimSpace(r.redisCluster))
	if err != nil {
		return nil, fmt.Errorf("REDIS_CLUSTER (-redis-cluster): %q is not true or false", r.redisCluster)
	}
	if rawURL == "" || rawURL == redisMemory {
		if master != "" || cluster || r.redisSentinelPassword != "" {
			return nil, errors.New("REDIS_URL (-redis-url): a Redis URL is required with REDIS_MASTER, REDIS_CLUSTER or REDIS_SENTINEL_PASSWORD")
		}
		return nil, nil
	}
	scheme, userinfo, hosts, tail, err := splitRedisURL(rawURL)
	if err != nil {
		return nil, err
	}
	defaultPort := "6379"
	if master != "" {
		defaultPort = "26379"
	}
	addrs, err := redisAddrs(hosts, defaultPort)
	if err != nil {
		return nil, err
	}
	// The first address stands for all in go-redis's own URL parser,
	// which reads the user, password, database and options.
	opts, err := redis.ParseURL(scheme + "://" + userinfo + addrs[0] + tail)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", redisURLSetting, err)
	}
	if cluster, err = r.clusterMode(master, cluster, len(addrs)); err != nil {
		return nil, err
	}
	if cluster && opts.DB != 0 {
		return nil, fmt.Errorf("%s: a Redis Cluster has only database 0, not %d", redisURLSetting, opts.DB)
	}
	return universalOptions(opts, addrs, master, cluster, r.redisSentinelPassword), nil
}

// redisURLSetting names REDIS_URL in errors about it.
const redisURLSetting = "REDIS_URL (-redis-url)"

// splitRedisURL cuts a redis:// or rediss:// URL into its scheme, its
// user info (with the "@"), its comma-separated hosts and the path and
// query after them, since url.Parse rejects several hosts.
func splitRedisURL(rawURL string) (scheme, userinfo, hosts, tail string, err error) {
	scheme, rest, ok := strings.Cut(rawURL, "://")
	if !ok || (scheme != "redis" && scheme != "rediss") {
		return "", "", "", "", fmt.Errorf("%s: %q is not a redis:// or rediss:// URL", redisURLSetting, rawURL)
	}
	authority := rest
	if i := strings.IndexAny(rest, "/?"); i >= 0 {
		authority, tail = rest[:i], rest[i:]
	}
	hosts = authority
	if i := strings.LastIndex(authority, "@"); i >= 0 {
		userinfo, hosts = authority[:i+1], authority[i+1:]
	}
	return scheme, userinfo, hosts, tail, nil
}

// redisAddrs splits the comma-separated hosts into host:port addresses,
// adding defaultPort where a host has none; the error names the first
// empty or malformed address.
func redisAddrs(hosts, defaultPort string) ([]string, error) {
	var addrs []string
	for _, h := range strings.Split(hosts, ",") {
		h = strings.TrimSpace(h)
		if h == "" {
			return nil, fmt.Errorf("%s: empty address in %q", redisURLSetting, hosts)
		}
		if _, _, err := net.SplitHostPort(h); err != nil {
			h = net.JoinHostPort(strings.Trim(h, "[]"), defaultPort)
		}
		if err := checkListenAddr(h); err != nil {
			return nil, fmt.Errorf("%s: address %q %v", redisURLSetting, h, err)
		}
		addrs = append(addrs, h)
	}
	return addrs, nil
}

// clusterMode reports whether the client is to speak Cluster: when
// REDIS_CLUSTER says so, or for several addresses without a Sentinel
// master. It rejects Sentinel settings that contradict each other.
func (r *raw) clusterMode(master string, cluster bool, nAddrs int) (bool, error) {
	switch {
	case master != "" && cluster:
		return false, errors.New("REDIS_MASTER (-redis-master): Sentinel and REDIS_CLUSTER exclude each other")
	case master == "" && r.redisSentinelPassword != "":
		return false, errors.New("REDIS_SENTINEL_PASSWORD (-redis-sentinel-password): set without REDIS_MASTER")
	case master == "" && nAddrs > 1:
		return true, nil
	}
	return cluster, nil
}

// universalOptions copies what go-redis parsed from the URL into
// options for every address, speaking redisstore.Protocol unless the
// URL chose one, and checking TLS against each server's own name when
// there are several.
func universalOptions(opts *redis.Options, addrs []string, master string, cluster bool, sentinelPassword string) *redis.UniversalOptions {
	if opts.Protocol == 0 { // no protocol= in the URL
		opts.Protocol = redisstore.Protocol
	}
	if opts.TLSConfig != nil && len(addrs) > 1 {
		// Each server is checked against its own name.
		opts.TLSConfig.ServerName = ""
	}
	return &redis.UniversalOptions{
		Addrs:            addrs,
		MasterName:       master,
		IsClusterMode:    cluster,
		DB:               opts.DB,
		Username:         opts.Username,
		Password:         opts.Password,
		SentinelPassword: sentinelPassword,
		TLSConfig:        opts.TLSConfig,
		ClientName:       opts.ClientName,
		Protocol:         opts.Protocol,
		MaxRetries:       opts.MaxRetries,
		MinRetryBackoff:  opts.MinRetryBackoff,
		MaxRetryBackoff:  opts.MaxRetryBackoff,
		DialTimeout:      opts.DialTimeout,
		ReadTimeout:      opts.ReadTimeout,
		WriteTimeout:     opts.WriteTimeout,
		PoolFIFO:         opts.PoolFIFO,
		PoolSize:         opts.PoolSize,
		PoolTimeout:      opts.PoolTimeout,
		MinIdleConns:     opts.MinIdleConns,
		MaxIdleConns:     opts.MaxIdleConns,
		MaxActiveConns:   opts.MaxActiveConns,
		ConnMaxIdleTime:  opts.ConnMaxIdleTime,
		ConnMaxLifetime:  opts.ConnMaxLifetime,
	}
}

// webAppURL is the workspace's public address: the one given, which
// must be https (Telegram opens Mini Apps over https only) and end in
// /app/ where the server serves it, else the webhook's origin + /app/.
func webAppURL(given, webhookURL string) (string, error) {
	given = strings.TrimSpace(given)
	if given == "" {
		if webhookURL == "" {
			return "", nil
		}
		u, err := url.Parse(webhookURL)
		if err != nil {
			return "", nil // refused by checkWebhook already
		}
		return (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: webapp.Path}).String(), nil
	}
	u, err := url.Parse(given)
	if err != nil || u.Scheme != "https" || u.Host == "" || !strings.HasSuffix(u.Path, webapp.Path) || u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("WEBAPP_URL (-webapp-url): %q is not an https URL ending in %s, such as https://bot.example.org%s", given, webapp.Path, webapp.Path)
	}
	return u.String(), nil
}
