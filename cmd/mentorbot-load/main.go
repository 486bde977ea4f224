// Command mentorbot-load sizes a deployment: it starts the real bot
// against an in-process fake Telegram (bot/telegramtest) and drives N
// simulated students through the whole apply flow at once (/apply,
// degree, year, project, level, five uploads, confirm), then reports
// updates per second, the latency of a step (update sent until the
// bot's answer reached Telegram), the process's memory and, with a real
// Redis, the Redis memory each student used.
//
//	go run ./cmd/mentorbot-load -users 500
//	REDIS_URL=redis://127.0.0.1:6379/15 go run ./cmd/mentorbot-load -users 2000
//
// Telegram's sending limits are off unless -limits is given; with them
// on, every answer waits its turn in the outbox on a virtual clock.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mentorbot/mentorbot/bot"
	"github.com/mentorbot/mentorbot/bot/bottest"
	"github.com/mentorbot/mentorbot/bot/telegramtest"
)

func main() {
	cfg, err := parseFlags(os.Args[1:], os.Stderr)
	if err != nil {
		os.Exit(2)
	}
	res, err := run(context.Background(), cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "mentorbot-load:", err)
		os.Exit(1)
	}
	res.print(os.Stdout)
}

// config is what a load run is told.
type config struct {
	Users   int
	Limits  bool
	Timeout time.Duration
}

func parseFlags(args []string, stderr io.Writer) (config, error) {
	fs := flag.NewFlagSet("mentorbot-load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c config
	fs.IntVar(&c.Users, "users", 100, "simulated students applying at the same time")
	fs.BoolVar(&c.Limits, "limits", false, "keep to Telegram's sending limits (on a virtual clock)")
	fs.DurationVar(&c.Timeout, "timeout", 10*time.Minute, "give up after this long")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if c.Users < 1 {
		fmt.Fprintln(stderr, "-users must be at least 1")
		return c, errors.New("bad -users")
	}
	return c, nil
}

// result is what a load run measured.
type result struct {
	Users, Updates, Messages int
	Elapsed                  time.Duration
	P50, P99, Max            time.Duration
	RSSMB                    float64
	// RedisBytesPerUser is 0 on the embedded Redis.
	RedisBytesPerUser float64
}

func (r result) print(w io.Writer) {
	fmt.Fprintf(w, "users %d, updates %d, messages sent %d in %v\n", r.Users, r.Updates, r.Messages, r.Elapsed.Round(time.Millisecond))
	fmt.Fprintf(w, "throughput %.0f updates/s\n", float64(r.Updates)/r.Elapsed.Seconds())
	fmt.Fprintf(w, "step latency p50 %v, p99 %v, max %v\n", r.P50.Round(time.Microsecond), r.P99.Round(time.Microsecond), r.Max.Round(time.Microsecond))
	fmt.Fprintf(w, "process RSS %.1f MB\n", r.RSSMB)
	if r.RedisBytesPerUser > 0 {
		fmt.Fprintf(w, "redis %.0f bytes per student (sessions, profiles, applications, files, claims)\n", r.RedisBytesPerUser)
	}
}

// firstStudent is the user id of the first simulated student.
const firstStudent = 400_000_000

// run starts the bot and drives cfg.Users students through the apply
// flow, all at once.
func run(ctx context.Context, cfg config) (result, error) {
	tb := &loadTB{}
	defer tb.cleanup()
	var env *bottest.Env
	processed := newTracker()
	if err := tb.do(func() {
		opts := []bottest.Option{bottest.WithConfig(func(c *bot.Config) {
			prev := c.OnProcessed
			c.OnProcessed = func(id int64) { prev(id); processed.done(id) }
		})}
		if !cfg.Limits {
			opts = append(opts, bottest.WithoutLimits())
		}
		env = bottest.Start(tb, opts...)
		env.Server.SetTimeout(cfg.Timeout)
	}); err != nil {
		return result{}, err
	}
	redisBefore := usedMemory(ctx, env)
	ctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	lat := make([][]time.Duration, cfg.Users)
	errs := make([]error, cfg.Users)
	var wg sync.WaitGroup
	start := time.Now()
	for i := range cfg.Users {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := student{env: env, tb: tb, processed: processed, ctx: ctx,
				u: bottest.User(int64(firstStudent+i), "Student"+strconv.Itoa(i), "en")}
			errs[i] = tb.do(func() { s.apply() })
			lat[i] = s.lat
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	if err := errors.Join(errs...); err != nil {
		return result{}, err
	}
	all := slices.Concat(lat...)
	slices.Sort(all)
	runtime.GC()
	debug.FreeOSMemory()
	r := result{Users: cfg.Users, Updates: len(all), Messages: len(env.Server.AllMessages()), Elapsed: elapsed,
		P50: all[len(all)*50/100], P99: all[min(len(all)-1, len(all)*99/100)], Max: all[len(all)-1], RSSMB: rssMB()}
	if after := usedMemory(ctx, env); redisBefore > 0 && after > redisBefore {
		r.RedisBytesPerUser = float64(after-redisBefore) / float64(cfg.Users)
	}
	return r, nil
}

// student is one simulated applicant.
type student struct {
	env       *bottest.Env
	tb        *loadTB
	processed *tracker
	ctx       context.Context
	u         telegramtest.User
	lat       []time.Duration
}

// uploads are the five documents the apply flow asks for.
var uploads = []struct{ name, mime string }{
	{"cv-it.pdf", "application/pdf"},
	{"cv-es.pdf", "application/pdf"},
	{"letter-it.pdf", "application/pdf"},
	{"letter-es.pdf", "application/pdf"},
	{"certificate.pdf", "application/pdf"},
}

// project is the title of a project of flows/testdata/program.toml.
const project = "Machine learning for public health"

func (s *student) apply() {
	srv := s.env.Server
	s.step(srv.CommandMessage(s.u, "apply", ""), button("Bachelor's"))
	s.press("Bachelor's", button("Year 2"))
	s.press("Year 2", button(project))
	s.press(project, button("B1"))
	s.press("B1", text("Step 5 of 9"))
	for i, up := range uploads {
		want := text(fmt.Sprintf("Step %d of 9", 6+i))
		if i == len(uploads)-1 {
			want = button("Confirm")
		}
		s.step(srv.DocumentMessage(s.u, up.name, up.mime, []byte("%PDF-1.4 load test"), ""), want)
	}
	s.press("Confirm", text("reference number"))
}

// expectation is what a step waits for in the bot's answers.
type expectation func(telegramtest.Message) bool

func button(label string) expectation {
	return func(m telegramtest.Message) bool { _, ok := m.Button(label); return ok }
}

func text(sub string) expectation {
	return func(m telegramtest.Message) bool { return strings.Contains(m.Text, sub) }
}

// press presses the button whose text contains label on the latest
// message to the student that has one.
func (s *student) press(label string, want expectation) {
	ms := s.env.Server.Messages(s.u.ID)
	for i := len(ms) - 1; i >= 0; i-- {
		if b, ok := ms[i].Button(label); ok {
			s.step(s.env.Server.Press(s.u, ms[i], b.Data), want)
			return
		}
	}
	s.tb.Fatalf("student %d: no button %q in:%s", s.u.ID, label, telegramtest.Dump(ms))
}

// step sends u and waits until the bot handled it and an answer that
// meets want reached Telegram.
func (s *student) step(u telegramtest.Update, want expectation) {
	before := len(s.env.Server.Messages(s.u.ID))
	start := time.Now()
	id := s.env.Server.Inject(u)
	if err := s.processed.wait(s.ctx, id); err != nil {
		s.tb.Fatalf("student %d: update %d not handled: %v", s.u.ID, id, err)
	}
	for n := before + 1; ; n++ {
		ms := s.env.Server.WaitMessages(s.u.ID, n)
		if slices.ContainsFunc(ms[before:], want) {
			break
		}
	}
	s.lat = append(s.lat, time.Since(start))
}

// tracker records which updates the bot has handled.
type tracker struct {
	mu      sync.Mutex
	handled map[int64]bool
	changed chan struct{}
}

func newTracker() *tracker {
	return &tracker{handled: make(map[int64]bool), changed: make(chan struct{})}
}

func (t *tracker) done(id int64) {
	t.mu.Lock()
	t.handled[id] = true
	close(t.changed)
	t.changed = make(chan struct{})
	t.mu.Unlock()
}

func (t *tracker) wait(ctx context.Context, id int64) error {
	for {
		t.mu.Lock()
		ok, ch := t.handled[id], t.changed
		t.mu.Unlock()
		if ok {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func usedMemory(ctx context.Context, env *bottest.Env) int64 {
	if os.Getenv("REDIS_URL") == "" {
		return 0
	}
	info, err := env.Store.Client().Info(ctx, "memory").Result()
	if err != nil {
		return 0
	}
	for line := range strings.Lines(info) {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "used_memory:"); ok {
			n, _ := strconv.ParseInt(v, 10, 64)
			return n
		}
	}
	return 0
}

// rssMB is the process's resident set size (VmRSS); 0 without /proc.
func rssMB() float64 {
	buf, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range strings.Lines(string(buf)) {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
			return kb / 1024
		}
	}
	return 0
}

// loadTB lets the test helpers (bottest, telegramtest, redistest) run
// in a program: a failure stops the goroutine that called do, which
// returns it as an error, and cleanups run when the program is done.
// Methods the helpers do not call are left to the embedded nil TB.
type loadTB struct {
	testing.TB
	mu       sync.Mutex
	cleanups []func()
}

// failure is what Fatal panics with, for do to recover.
type failure struct{ msg string }

func (tb *loadTB) Helper()      {}
func (tb *loadTB) Name() string { return "mentorbot-load" }
func (tb *loadTB) Cleanup(f func()) {
	tb.mu.Lock()
	tb.cleanups = append(tb.cleanups, f)
	tb.mu.Unlock()
}
func (tb *loadTB) Fatal(args ...any) {
	panic(failure{strings.TrimSuffix(fmt.Sprintln(args...), "\n")})
}
func (tb *loadTB) Fatalf(format string, args ...any) { panic(failure{fmt.Sprintf(format, args...)}) }
func (tb *loadTB) Errorf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "mentorbot-load: "+format+"\n", args...)
}
func (tb *loadTB) Logf(format string, args ...any) { fmt.Fprintf(os.Stderr, format+"\n", args...) }

// do runs f, turning a Fatal into an error.
func (tb *loadTB) do(f func()) (err error) {
	defer func() {
		if p := recover(); p != nil {
			fail, ok := p.(failure)
			if !ok {
				panic(p)
			}
			err = errors.New(fail.msg)
		}
	}()
	f()
	return nil
}

func (tb *loadTB) cleanup() {
	tb.mu.Lock()
	fs := tb.cleanups
	tb.cleanups = nil
	tb.mu.Unlock()
	for i := len(fs) - 1; i >= 0; i-- {
		fs[i]()
	}
}
