package main

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mentorbot/mentorbot/bot/telegramtest"
)

var ada = telegramtest.User{ID: 4242, FirstName: "Ada", LanguageCode: "en"}

// telegramConfig points a test run at the fake Telegram server.
func telegramConfig(tb testing.TB, tg *telegramtest.Server, args ...string) Config {
	tb.Helper()
	args = append([]string{"-listen", "127.0.0.1:0", "-metrics", "127.0.0.1:0", "-redis-url", "memory", "-token", tg.Token(), "-api-url", tg.URL()}, args...)
	cfg, err := parseConfig(args, env(nil), io.Discard)
	if err != nil {
		tb.Fatal(err)
	}
	cfg.LogOutput = tb.Output()
	return cfg
}

func TestRunPollingAnswersStart(t *testing.T) {
	tg := telegramtest.NewServer(t)
	_, metrics, stop := startRunMetrics(t, telegramConfig(t, tg), strings.NewReader(""))

	tg.Inject(tg.CommandMessage(ada, "start", ""))
	m := tg.WaitMessage(ada.ID, 1)
	if !strings.Contains(m.Text, "Hello Ada!") || !strings.Contains(m.Text, "Mentoring for International Experience") {
		t.Errorf("reply to /start = %q; want the welcome of the example programme", m.Text)
	}
	if cmds := tg.Commands("it"); len(cmds) == 0 {
		t.Errorf("no Italian command menu was set; want one")
	}
	if _, body := get(t, metrics+"/metrics"); !strings.Contains(body, "mentorbot_updates_total") {
		t.Errorf("GET /metrics lacks mentorbot_updates_total in Telegram mode")
	}
	if err := stop(); err != nil {
		t.Errorf("run after cancel = %v; want nil", err)
	}
}

func TestRunWebhookAnswersStart(t *testing.T) {
	tg := telegramtest.NewServer(t)
	cfg := telegramConfig(t, tg, "-webhook-url", "https://bot.example/tg/hook", "-webhook-secret", "s3cret")
	webhookSet := make(chan struct{})
	cfg.HTTPClient = &http.Client{Transport: &afterCall{method: "setWebhook", done: webhookSet}}
	base, stop := startRun(t, cfg, strings.NewReader(""))
	select {
	case <-webhookSet:
	case <-time.After(telegramtest.DefaultTimeout):
		t.Fatal("the bot did not call setWebhook")
	}
	if url, secret := tg.Webhook(); url != cfg.WebhookURL || secret != "s3cret" {
		t.Fatalf("webhook set to %q with secret %q; want %q with s3cret", url, secret, cfg.WebhookURL)
	}
	post := func(secret string) int {
		t.Helper()
		req, err := http.NewRequest(http.MethodPost, base+"/tg/hook", bytes.NewReader(tg.Encode(tg.CommandMessage(ada, "start", ""))))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Telegram-Bot-Api-Secret-Token", secret)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := post("wrong"); code != http.StatusUnauthorized {
		t.Errorf("POST /tg/hook with a wrong secret = %d; want 401", code)
	}
	if code := post("s3cret"); code != http.StatusOK {
		t.Fatalf("POST /tg/hook = %d; want 200", code)
	}
	if m := tg.WaitMessage(ada.ID, 1); !strings.Contains(m.Text, "Hello Ada!") {
		t.Errorf("reply to /start = %q; want the welcome", m.Text)
	}
	if n := len(tg.Messages(ada.ID)); n != 1 {
		t.Errorf("bot sent %d messages to Ada; want 1 (the refused update did nothing)", n)
	}
	// The staff workspace shares the public listener, at the webhook's
	// origin, and its API wants initData.
	if cfg.WebAppURL != "https://bot.example/app/" {
		t.Errorf("workspace address = %q; want the webhook's origin + /app/", cfg.WebAppURL)
	}
	if code, _ := get(t, base+"/app/"); code != http.StatusOK {
		t.Errorf("GET /app/ = %d; want the workspace's page", code)
	}
	if code, _ := get(t, base+"/app/api/me"); code != http.StatusUnauthorized {
		t.Errorf("GET /app/api/me without initData = %d; want 401", code)
	}
	if err := stop(); err != nil {
		t.Errorf("run after cancel = %v; want nil", err)
	}
}

// afterCall is an http.RoundTripper that closes done once a call of
// the Bot API method got its answer, to synchronise on it.
type afterCall struct {
	method string
	done   chan struct{}
	once   sync.Once
}

func (a *afterCall) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(r)
	if err == nil && strings.HasSuffix(r.URL.Path, "/"+a.method) {
		a.once.Do(func() { close(a.done) })
	}
	return resp, err
}

func TestRunBadTokenFails(t *testing.T) {
	tg := telegramtest.NewServer(t)
	cfg := telegramConfig(t, tg)
	cfg.Token = "1:wrong"
	err := run(t.Context(), cfg, strings.NewReader(""), nil)
	if err == nil || !strings.Contains(err.Error(), "getMe") {
		t.Errorf("run with a token Telegram refuses = %v; want an error about getMe", err)
	}
}

// TestRunTelegramNeedsItsPort: unlike the console, a Telegram replica
// does not run without /healthz, which its load balancer relies on.
func TestRunTelegramNeedsItsPort(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	tg := telegramtest.NewServer(t)
	cfg := telegramConfig(t, tg, "-listen", busy.Addr().String())
	err = run(t.Context(), cfg, strings.NewReader(""), io.Discard)
	if err == nil || !strings.Contains(err.Error(), "listen on "+busy.Addr().String()) {
		t.Errorf("run(telegram) with its port taken = %v; want a listen error", err)
	}
}
