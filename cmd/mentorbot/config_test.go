package main

import (
	"bytes"
	"errors"
	"flag"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// env returns a getenv over m.
func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

// writeFile writes content to name in a temp folder and returns the path.
func writeFile(tb testing.TB, name, content string) string {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		tb.Fatal(err)
	}
	return path
}

// sharedGroupProgram writes the example programme with Palermo's
// committee group set to Bicocca's.
func sharedGroupProgram(tb testing.TB) string {
	tb.Helper()
	return writeFile(tb, "shared.toml", strings.Replace(string(exampleProgram),
		"committee_chat = -1001000000002", "committee_chat = -1001000000001", 1))
}

func TestParseConfigDefaults(t *testing.T) {
	cfg, err := parseConfig(nil, env(nil), io.Discard)
	if err != nil {
		t.Fatalf("parseConfig(no settings) = %v; want no error", err)
	}
	want := Config{APIURL: defaultAPIURL, ListenAddr: ":8080", LogLevel: slog.LevelInfo, SessionTTL: 30 * 24 * time.Hour}
	got := cfg
	got.Program = nil
	if got.Token != want.Token || got.APIURL != want.APIURL || got.RedisURL != "" || got.ListenAddr != want.ListenAddr ||
		got.WebhookURL != "" || got.LogLevel != want.LogLevel || got.SessionTTL != want.SessionTTL {
		t.Errorf("parseConfig(no settings) = %+v; want %+v", got, want)
	}
	if cfg.Program == nil || cfg.Program.Name != "Mentoring for International Experience" {
		t.Errorf("parseConfig(no settings).Program = %+v; want the embedded example programme", cfg.Program)
	}
}

func TestParseConfig(t *testing.T) {
	program := writeFile(t, "program.toml", strings.Replace(string(exampleProgram),
		`name = "Mentoring for International Experience"`, `name = "Test Programme"`, 1))
	tokenFile := writeFile(t, "token", "123:from-FILE\n")
	redisFile := writeFile(t, "redis", "redis://:pw@redis.internal:6379/3\n")
	secretFile := writeFile(t, "secret", "file-secret\n")
	tests := []struct {
		name  string
		env   map[string]string
		args  []string
		check func(Config) bool
	}{
		{"env token", map[string]string{"TELEGRAM_TOKEN": "123:abc-DEF_9", "REDIS_URL": "redis://127.0.0.1:6379"}, nil,
			func(c Config) bool { return c.Token == "123:abc-DEF_9" }},
		{"token with memory", map[string]string{"TELEGRAM_TOKEN": "123:abc", "REDIS_URL": "memory"}, nil,
			func(c Config) bool { return c.Redis == nil && c.RedisURL == "memory" }},
		{"console defaults to memory", nil, nil,
			func(c Config) bool { return c.Token == "" && c.Redis == nil }},
		{"secrets from files", map[string]string{"TELEGRAM_TOKEN_FILE": tokenFile, "REDIS_URL_FILE": redisFile,
			"WEBHOOK_URL": "https://bot.example/tg", "WEBHOOK_SECRET_FILE": secretFile}, nil,
			func(c Config) bool {
				return c.Token == "123:from-FILE" && c.Redis != nil && c.Redis.Password == "pw" && c.Redis.DB == 3 &&
					c.WebhookSecret == "file-secret"
			}},
		{"metrics default", nil, nil, func(c Config) bool { return c.MetricsAddr == "127.0.0.1:9091" }},
		{"metrics off", map[string]string{"METRICS_ADDR": "off"}, nil, func(c Config) bool { return c.MetricsAddr == "" }},
		{"log format json", map[string]string{"LOG_FORMAT": "json"}, nil, func(c Config) bool { return c.LogJSON }},
		{"invite validity", map[string]string{"INVITE_VALIDITY": "72h"}, nil, func(c Config) bool { return c.InviteValidity == 72*time.Hour }},
		{"invite validity default", nil, nil, func(c Config) bool { return c.InviteValidity == 7*24*time.Hour }},
		{"flag wins over env", map[string]string{"LISTEN_ADDR": ":9000"}, []string{"-listen", ":9001"},
			func(c Config) bool { return c.ListenAddr == ":9001" }},
		{"listen :0", nil, []string{"-listen=:0"},
			func(c Config) bool { return c.ListenAddr == ":0" }},
		{"api url trailing slash", map[string]string{"TELEGRAM_API_URL": "http://127.0.0.1:8081/"}, nil,
			func(c Config) bool { return c.APIURL == "http://127.0.0.1:8081" }},
		{"redis url", map[string]string{"REDIS_URL": "rediss://user:pw@redis.example:6380/2"}, nil,
			func(c Config) bool { return c.RedisURL == "rediss://user:pw@redis.example:6380/2" }},
		{"webhook", map[string]string{"WEBHOOK_URL": "https://bot.example/telegram", "WEBHOOK_SECRET": "s3cr-et_"}, nil,
			func(c Config) bool {
				return c.WebhookURL == "https://bot.example/telegram" && c.WebhookSecret == "s3cr-et_"
			}},
		{"workspace from the webhook", map[string]string{"WEBHOOK_URL": "https://bot.example:8443/telegram", "WEBHOOK_SECRET": "s"}, nil,
			func(c Config) bool { return c.WebAppURL == "https://bot.example:8443/app/" }},
		{"workspace given", map[string]string{"WEBAPP_URL": "https://staff.example/mentoring/app/"}, nil,
			func(c Config) bool { return c.WebAppURL == "https://staff.example/mentoring/app/" }},
		{"no workspace when polling", nil, nil, func(c Config) bool { return c.WebAppURL == "" }},
		{"log level", map[string]string{"LOG_LEVEL": "DEBUG"}, []string{"-log-level", "warn"},
			func(c Config) bool { return c.LogLevel == slog.LevelWarn }},
		{"session ttl", map[string]string{"SESSION_TTL": "36h"}, nil,
			func(c Config) bool { return c.SessionTTL == 36*time.Hour }},
		{"program file", map[string]string{"PROGRAM_FILE": program}, nil,
			func(c Config) bool { return c.ProgramFile == program && c.Program.Name == "Test Programme" }},
		{"blank env is unset", map[string]string{"LISTEN_ADDR": "  "}, nil,
			func(c Config) bool { return c.ListenAddr == ":8080" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := parseConfig(tt.args, env(tt.env), io.Discard)
			if err != nil {
				t.Fatalf("parseConfig(%q, %v) = %v; want no error", tt.args, tt.env, err)
			}
			if !tt.check(cfg) {
				t.Errorf("parseConfig(%q, %v) = %+v; not what the case wants", tt.args, tt.env, cfg)
			}
		})
	}
}

func TestParseConfigErrors(t *testing.T) {
	badProgram := writeFile(t, "bad.toml", strings.Replace(string(exampleProgram), `id = "madrid-ai"`, `id = "madrid ai"`, 1))
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want string // the error names the setting and the problem
	}{
		{"token", map[string]string{"TELEGRAM_TOKEN": "not-a-token"}, nil, "TELEGRAM_TOKEN"},
		{"token without redis", map[string]string{"TELEGRAM_TOKEN": "123:abc"}, nil, "REDIS_URL"},
		{"token twice", map[string]string{"TELEGRAM_TOKEN": "123:abc", "TELEGRAM_TOKEN_FILE": "/run/secrets/token"}, nil, "TELEGRAM_TOKEN_FILE"},
		{"token file missing", map[string]string{"TELEGRAM_TOKEN_FILE": filepath.Join(t.TempDir(), "none")}, nil, "TELEGRAM_TOKEN_FILE"},
		{"redis file empty", map[string]string{"REDIS_URL_FILE": writeFile(t, "empty", "\n")}, nil, "REDIS_URL_FILE"},
		{"metrics on the public port", map[string]string{"LISTEN_ADDR": ":8080", "METRICS_ADDR": ":8080"}, nil, "METRICS_ADDR"},
		{"metrics no port", map[string]string{"METRICS_ADDR": "localhost"}, nil, "METRICS_ADDR"},
		{"log format", map[string]string{"LOG_FORMAT": "xml"}, nil, "LOG_FORMAT"},
		{"invite validity", map[string]string{"INVITE_VALIDITY": "a week"}, nil, "INVITE_VALIDITY"},
		{"api url scheme", map[string]string{"TELEGRAM_API_URL": "ftp://api.telegram.org"}, nil, "TELEGRAM_API_URL"},
		{"api url", nil, []string{"-api-url", "api.telegram.org"}, "TELEGRAM_API_URL"},
		{"redis url", map[string]string{"REDIS_URL": "http://localhost:6379"}, nil, "REDIS_URL"},
		{"listen no port", map[string]string{"LISTEN_ADDR": "8080"}, nil, "LISTEN_ADDR"},
		{"listen big port", nil, []string{"-listen", ":65536"}, "LISTEN_ADDR"},
		{"webhook http", map[string]string{"WEBHOOK_URL": "http://bot.example/tg", "WEBHOOK_SECRET": "x"}, nil, "WEBHOOK_URL"},
		{"webhook no secret", map[string]string{"WEBHOOK_URL": "https://bot.example/tg"}, nil, "WEBHOOK_SECRET"},
		{"webhook on healthz", map[string]string{"WEBHOOK_URL": "https://bot.example/healthz", "WEBHOOK_SECRET": "x"}, nil, "WEBHOOK_URL"},
		{"workspace http", map[string]string{"WEBAPP_URL": "http://bot.example/app/"}, nil, "WEBAPP_URL"},
		{"workspace elsewhere", map[string]string{"WEBAPP_URL": "https://bot.example/staff"}, nil, "WEBAPP_URL"},
		{"webhook in the workspace", map[string]string{"WEBHOOK_URL": "https://bot.example/app/tg", "WEBHOOK_SECRET": "x"}, nil, "WEBHOOK_URL"},
		{"webhook odd path", map[string]string{"WEBHOOK_URL": "https://bot.example/a%20b", "WEBHOOK_SECRET": "x"}, nil, "WEBHOOK_URL"},
		{"secret chars", map[string]string{"WEBHOOK_URL": "https://bot.example/tg", "WEBHOOK_SECRET": "no spaces!"}, nil, "WEBHOOK_SECRET"},
		{"secret too long", map[string]string{"WEBHOOK_URL": "https://bot.example/tg", "WEBHOOK_SECRET": strings.Repeat("a", 257)}, nil, "WEBHOOK_SECRET"},
		{"secret alone", map[string]string{"WEBHOOK_SECRET": "abc"}, nil, "WEBHOOK_SECRET"},
		{"log level", map[string]string{"LOG_LEVEL": "loud"}, nil, "LOG_LEVEL"},
		{"session ttl", map[string]string{"SESSION_TTL": "forever"}, nil, "SESSION_TTL"},
		{"session ttl negative", nil, []string{"-session-ttl", "-1h"}, "SESSION_TTL"},
		{"program missing", map[string]string{"PROGRAM_FILE": filepath.Join(t.TempDir(), "none.toml")}, nil, "PROGRAM_FILE"},
		{"program invalid", map[string]string{"PROGRAM_FILE": badProgram}, nil, "projects[0].id"},
		{"unknown flag", nil, []string{"-colour"}, "colour"},
		{"stray argument", nil, []string{"serve"}, "serve"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := parseConfig(tt.args, env(tt.env), io.Discard)
			if err == nil {
				t.Fatalf("parseConfig(%q, %v) = %+v, nil; want an error naming %s", tt.args, tt.env, cfg, tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("parseConfig(%q, %v) = %q; want one line naming %s", tt.args, tt.env, err, tt.want)
			}
		})
	}
}

func TestParseConfigHelp(t *testing.T) {
	var out bytes.Buffer
	_, err := parseConfig([]string{"-h"}, env(nil), &out)
	if !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("parseConfig(-h) = %v; want flag.ErrHelp", err)
	}
	if n := strings.Count(out.String(), "Usage: mentorbot"); n != 1 {
		t.Errorf("parseConfig(-h) printed the usage %d times; want once:\n%s", n, out.String())
	}
	for _, s := range (&raw{}).settings() {
		if !strings.Contains(out.String(), "-"+s.flag) || !strings.Contains(out.String(), s.env) {
			t.Errorf("usage lacks -%s or %s:\n%s", s.flag, s.env, out.String())
		}
	}
}

// mainEnv makes TestMain run main() instead of the tests, so a test can
// run the real program as a child process.
const mainEnv = "MENTORBOT_TEST_RUN_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(mainEnv) == "1" {
		os.Args = append([]string{"mentorbot"}, strings.Fields(os.Getenv(mainEnv+"_ARGS"))...)
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// runMain runs main() in a child process with args and extra
// environment, and returns its exit code and stderr.
func runMain(tb testing.TB, args string, extraEnv ...string) (int, string) {
	tb.Helper()
	code, _, stderr := runMainOut(tb, args, extraEnv...)
	return code, stderr
}

// runMainOut is runMain that returns stdout too.
func runMainOut(tb testing.TB, args string, extraEnv ...string) (code int, stdout, stderr string) {
	tb.Helper()
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), mainEnv+"=1", mainEnv+"_ARGS="+args)
	cmd.Env = append(cmd.Env, extraEnv...)
	cmd.Stdin = strings.NewReader("")
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return exit.ExitCode(), out.String(), errOut.String()
	}
	if err != nil {
		tb.Fatalf("run main: %v", err)
	}
	return 0, out.String(), errOut.String()
}

func TestMainExitsTwoOnBadConfig(t *testing.T) {
	tests := []struct {
		args string
		env  []string
		want string
	}{
		{"", []string{"LOG_LEVEL=loud"}, "LOG_LEVEL"},
		{"-session-ttl soon", nil, "SESSION_TTL"},
		{"", []string{"WEBHOOK_URL=https://bot.example/tg"}, "WEBHOOK_SECRET"},
		// A real bot must not keep its people's data in memory only.
		{"", []string{"TELEGRAM_TOKEN=123:abc", "REDIS_URL=", "REDIS_URL_FILE="}, "REDIS_URL"},
		{"", []string{"PROGRAM_FILE=" + sharedGroupProgram(t)}, "universities[1].committee_chat"},
	}
	for _, tt := range tests {
		code, stderr := runMain(t, tt.args, tt.env...)
		lines := strings.Split(strings.TrimSpace(stderr), "\n")
		if code != 2 || len(lines) != 1 || !strings.Contains(lines[0], tt.want) || strings.Contains(stderr, "panic") {
			t.Errorf("mentorbot %s with %v: exit %d, stderr %q; want exit 2 and one line naming %s", tt.args, tt.env, code, stderr, tt.want)
		}
	}
}

// TestMainHelp: the real program given -h (or -help, --help) prints
// its usage once, on stdout, says nothing on stderr and exits 0.
func TestMainHelp(t *testing.T) {
	for _, arg := range []string{"-h", "-help", "--help"} {
		code, stdout, stderr := runMainOut(t, arg)
		if n := strings.Count(stdout, "Usage: mentorbot"); code != 0 || n != 1 || stderr != "" {
			t.Errorf("mentorbot %s: exit %d, usage printed %d times, stderr %q; want exit 0, once, nothing:\n%s", arg, code, n, stderr, stdout)
		}
	}
}
