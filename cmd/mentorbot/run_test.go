package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/mentorbot/mentorbot/flows"
	"github.com/mentorbot/mentorbot/flows/redisstore"
	"github.com/mentorbot/mentorbot/flows/redisstore/redistest"
	"github.com/mentorbot/mentorbot/locales"
)

// testConfig is the configuration of a test run: no settings at all
// (console mode, embedded Redis, example programme) on a free port.
func testConfig(tb testing.TB) Config {
	tb.Helper()
	cfg, err := parseConfig([]string{"-listen", "127.0.0.1:0", "-metrics", "127.0.0.1:0"}, env(nil), io.Discard)
	if err != nil {
		tb.Fatal(err)
	}
	cfg.LogOutput = tb.Output()
	cfg.Now = func() time.Time { return time.Date(2027, 2, 1, 10, 0, 0, 0, time.UTC) }
	return cfg
}

// runConsole runs the whole program in console mode with input as
// stdin and returns what it printed.
func runConsole(tb testing.TB, input string) string {
	tb.Helper()
	var out bytes.Buffer
	if err := run(tb.Context(), testConfig(tb), strings.NewReader(input), &out); err != nil {
		tb.Fatalf("run(console, %q) = %v; want nil", input, err)
	}
	return out.String()
}

// wantInOrder fails unless every part occurs in out, in order.
func wantInOrder(tb testing.TB, out string, parts ...string) {
	tb.Helper()
	rest := out
	for _, p := range parts {
		i := strings.Index(rest, p)
		if i < 0 {
			tb.Fatalf("output lacks %q (after the earlier parts); got:\n%s", p, out)
		}
		rest = rest[i+len(p):]
	}
}

// TestConsoleWithPortTaken: a newcomer whose port 8080 is busy can
// still try the bot; only /healthz and /metrics are missing.
func TestConsoleWithPortTaken(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	cfg := testConfig(t)
	cfg.ListenAddr = busy.Addr().String()
	var out bytes.Buffer
	if err := run(t.Context(), cfg, strings.NewReader("/start\n1\n"), &out); err != nil {
		t.Fatalf("run(console) with %s taken = %v; want nil", cfg.ListenAddr, err)
	}
	wantInOrder(t, out.String(), "From now on I will write to you in English.")
}

func TestConsoleStartLanguageHelpCancel(t *testing.T) {
	out := runConsole(t, "/start\n2\n/help\n/cancel\n")
	wantInOrder(t, out,
		"You are Ada (user 1)",
		"Ada> Please choose your language. / Scegli la tua lingua.",
		"[1] English  [2] Italiano",
		"Ada> D'ora in poi ti scriverò in italiano.",
		"Ciao Ada!",
		"Ada> Ecco cosa puoi fare:",
		"/help - cosa posso fare",
		"/cancel - esci dal passaggio in corso",
		"Ada> Non c'è niente da annullare.",
	)
}

func TestConsoleBadInputChangesNothing(t *testing.T) {
	out := runConsole(t, strings.Join([]string{
		"/start",
		"70",             // no button 70: told so, the flow waits
		":as abc",        // nobody is called so: told so, still Ada
		":file /nope",    // no such file: told so
		":group nowhere", // no such university: told so
		"1",              // English, so the buttons still worked
		":as 100000001",  // staff of the example programme
		"/help",
		":as ada",
		"/cancel",
	}, "\n")+"\n")
	wantInOrder(t, out,
		"[1] English  [2] Italiano",
		"Ada> There is no such button: type a number from 1 to",
		"Ada> Nobody here is called \"abc\".",
		"Sofia (user 100000001, staff)",
		"Ada> No file at \"/nope\".",
		"Ada> No university is called \"nowhere\".",
		"Ada> From now on I will write to you in English.",
		"You are now Sofia (user 100000001, staff)",
		"Sofia> ",
		"You are now Ada (user 1)",
		"Ada> There is nothing to cancel.",
	)
	if strings.Contains(out, "→") {
		t.Errorf("bad input made the bot write to another chat:\n%s", out)
	}
}

func TestConsoleFile(t *testing.T) {
	path, err := filepath.Abs(filepath.Join("..", "..", "bot", "console", "testdata", "cv_it.pdf"))
	if err != nil {
		t.Fatal(err)
	}
	// A file outside any flow gets the idle hint; what matters here is
	// that the console turns :file into a document the engine accepts.
	out := runConsole(t, "/start\n1\n:file "+path+"\n")
	wantInOrder(t, out, "From now on I will write to you in English.", "Ada> I did not understand that.")
}

// TestRestartContinuesConversation runs two engines, as two processes
// one after the other, on two clients of the same Redis: the second
// continues the conversation the first began.
func TestRestartContinuesConversation(t *testing.T) {
	rdb, prefix := redistest.Client(t)
	cat, err := locales.New()
	if err != nil {
		t.Fatal(err)
	}
	program := testConfig(t).Program
	newEngine := func(rdb redis.UniversalClient) *flows.Engine {
		e, err := flows.New(flows.Config{Store: redisstore.New(rdb, redistest.Options(rdb, prefix)), Catalog: cat, Program: program})
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	second := rdb
	if c, ok := rdb.(*redis.Client); ok {
		second = redis.NewClient(c.Options())
		t.Cleanup(func() { second.Close() })
	}
	e1, e2 := newEngine(rdb), newEngine(second)
	ctx := t.Context()
	from := flows.User{ID: 42, FirstName: "Ada"}
	ev := func(kind flows.Kind) flows.Event {
		return flows.Event{Kind: kind, ChatID: 42, ChatType: flows.ChatPrivate, From: from}
	}

	start := ev(flows.KindCommand)
	start.Command = "start"
	r1, err := e1.Handle(ctx, start)
	if err != nil || len(r1.Messages) != 1 || len(r1.Messages[0].Buttons) == 0 {
		t.Fatalf("engine 1: /start = %+v, %v; want the language question with buttons", r1, err)
	}

	// Engine 2 knows the chat is mid-flow: free text is answered by the
	// language step, not the idle hint.
	text := ev(flows.KindText)
	text.Text = "hello"
	r2, err := e2.Handle(ctx, text)
	if err != nil || len(r2.Messages) != 1 || r2.Messages[0].Text != cat.T("en", "language.use_buttons", nil) {
		t.Fatalf("engine 2: text mid-flow = %+v, %v; want %q", r2, err, cat.T("en", "language.use_buttons", nil))
	}

	// A button engine 1 sent still works on engine 2.
	var italian string
	for _, b := range r1.Messages[0].Buttons[0] {
		if b.Text == "Italiano" {
			italian = b.Data
		}
	}
	press := ev(flows.KindButton)
	press.Data = italian
	r3, err := e2.Handle(ctx, press)
	if err != nil || len(r3.Messages) == 0 || r3.Messages[0].Text != cat.T("it", "language.set", nil) {
		t.Fatalf("engine 2: press Italiano = %+v, %v; want %q", r3, err, cat.T("it", "language.set", nil))
	}
	if got := e1.LangOf(ctx, 42); got != "it" {
		t.Errorf("engine 1: LangOf(42) = %q after engine 2 set it; want it", got)
	}
}

// startRun runs the program with cfg until the test ends and returns
// the HTTP server's address and a func that stops the program and
// returns run's error.
func startRun(tb testing.TB, cfg Config, stdin io.Reader) (string, func() error) {
	tb.Helper()
	addrs := make(chan net.Addr, 1)
	cfg.OnListen = func(a net.Addr) { addrs <- a }
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, cfg, stdin, io.Discard) }()
	stopped := false
	var runErr error
	stop := func() error {
		if !stopped {
			stopped = true
			cancel()
			runErr = <-done
		}
		return runErr
	}
	tb.Cleanup(func() { stop() })
	select {
	case a := <-addrs:
		return "http://" + a.String(), stop
	case err := <-done:
		tb.Fatalf("run ended before listening: %v", err)
	case <-time.After(30 * time.Second):
		tb.Fatal("run did not listen within 30s")
	}
	return "", nil
}

func get(tb testing.TB, url string) (int, string) {
	tb.Helper()
	resp, err := http.Get(url)
	if err != nil {
		tb.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatalf("GET %s: %v", url, err)
	}
	return resp.StatusCode, string(body)
}

// startRunMetrics is startRun that also returns the metrics server's
// base URL.
func startRunMetrics(tb testing.TB, cfg Config, stdin io.Reader) (base, metrics string, stop func() error) {
	tb.Helper()
	addrs := make(chan net.Addr, 1)
	cfg.OnMetricsListen = func(a net.Addr) { addrs <- a }
	base, stop = startRun(tb, cfg, stdin)
	return base, "http://" + (<-addrs).String(), stop
}

// TestProbesAndMetrics: /healthz and /readyz answer on the public
// listener, /metrics only on its own: the public one says 404.
func TestProbesAndMetrics(t *testing.T) {
	stdin, w := io.Pipe() // the console waits on it until stopped
	t.Cleanup(func() { w.Close() })
	base, metrics, stop := startRunMetrics(t, testConfig(t), stdin)

	if code, body := get(t, base+"/healthz"); code != http.StatusOK || body != "ok" {
		t.Errorf("GET /healthz = %d %q; want 200 \"ok\"", code, body)
	}
	if code, body := get(t, base+"/readyz"); code != http.StatusOK || body != "ready" {
		t.Errorf("GET /readyz = %d %q; want 200 \"ready\"", code, body)
	}
	code, body := get(t, metrics+"/metrics")
	if code != http.StatusOK || !strings.Contains(body, "go_goroutines") || !strings.Contains(body, "process_") {
		t.Errorf("GET /metrics on METRICS_ADDR = %d with go_goroutines %v, process_ %v; want 200 with both",
			code, strings.Contains(body, "go_goroutines"), strings.Contains(body, "process_"))
	}
	if code, _ := get(t, base+"/metrics"); code != http.StatusNotFound {
		t.Errorf("GET /metrics on LISTEN_ADDR = %d; want 404: metrics are not public", code)
	}
	if code, _ := get(t, metrics+"/healthz"); code != http.StatusNotFound {
		t.Errorf("GET /healthz on METRICS_ADDR = %d; want 404", code)
	}
	if code, _ := get(t, base+"/nothing"); code != http.StatusNotFound {
		t.Errorf("GET /nothing = %d; want 404", code)
	}
	if err := stop(); err != nil {
		t.Errorf("run after cancel = %v; want nil", err)
	}
	for _, u := range []string{base + "/healthz", metrics + "/metrics"} {
		if _, err := http.Get(u); err == nil {
			t.Errorf("GET %s after stop succeeded; want the server closed", u)
		}
	}
}

// TestReadyzDuringRedisOutage: when Redis goes away the replica says it
// is not ready, but stays live, so an orchestrator stops routing to it
// without restarting every replica.
func TestReadyzDuringRedisOutage(t *testing.T) {
	emb, err := redisstore.StartEmbedded()
	if err != nil {
		t.Fatal(err)
	}
	defer emb.Close()
	cfg := testConfig(t)
	cfg.Redis = &redis.UniversalOptions{Addrs: []string{emb.Addr()}, MaxRetries: -1, DialTimeout: time.Second}
	stdin, w := io.Pipe()
	t.Cleanup(func() { w.Close() })
	base, _ := startRun(t, cfg, stdin)

	if code, _ := get(t, base+"/readyz"); code != http.StatusOK {
		t.Fatalf("GET /readyz with Redis up = %d; want 200", code)
	}
	emb.Close()
	if code, body := get(t, base+"/readyz"); code != http.StatusServiceUnavailable {
		t.Errorf("GET /readyz with Redis down = %d %q; want 503", code, body)
	}
	if code, body := get(t, base+"/healthz"); code != http.StatusOK {
		t.Errorf("GET /healthz with Redis down = %d %q; want 200: the process itself is fine", code, body)
	}
}

// TestSlowHeaderClientIsDisconnected: a client that opens a connection
// and never finishes its request headers is cut off after the header
// timeout instead of holding a connection for ever.
func TestSlowHeaderClientIsDisconnected(t *testing.T) {
	cfg := testConfig(t)
	cfg.HTTPTimeouts = HTTPTimeouts{ReadHeader: 100 * time.Millisecond}
	stdin, w := io.Pipe()
	t.Cleanup(func() { w.Close() })
	base, _ := startRun(t, cfg, stdin)

	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, "GET /healthz HTTP/1.1\r\nHost: x\r\n"); err != nil {
		t.Fatal(err)
	}
	// The deadline only bounds a broken test; the server is expected
	// to close the connection long before.
	conn.SetReadDeadline(time.Now().Add(20 * time.Second))
	_, err = io.ReadAll(conn)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("server kept a connection with unfinished headers open for 20s; want it closed after 100ms")
	}
}

// TestHealthcheckMode: "mentorbot -healthcheck", the container's
// HEALTHCHECK, exits 0 while the server on LISTEN_ADDR is live and 1
// once it is gone.
func TestHealthcheckMode(t *testing.T) {
	stdin, w := io.Pipe()
	t.Cleanup(func() { w.Close() })
	base, stop := startRun(t, testConfig(t), stdin)
	addr := strings.TrimPrefix(base, "http://")
	_, port, _ := net.SplitHostPort(addr)
	for _, listen := range []string{addr, ":" + port} {
		if code, stderr := runMain(t, "-healthcheck", "LISTEN_ADDR="+listen); code != 0 {
			t.Errorf("mentorbot -healthcheck with LISTEN_ADDR=%s: exit %d, %q; want 0", listen, code, stderr)
		}
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if code, _ := runMain(t, "-healthcheck", "LISTEN_ADDR="+addr); code != 1 {
		t.Errorf("mentorbot -healthcheck after stop: exit %d; want 1", code)
	}
}
