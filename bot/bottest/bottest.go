// Package bottest starts the whole bot for end-to-end tests in one
// call: the fake Telegram server, a store, the flows engine with the
// test programme and a settable clock, and the real bot long-polling
// the fake server. Helpers send updates as a user and return once the
// bot has handled them and sent every reply, so tests can assert on
// what was sent, including that nothing was, without sleeping.
package bottest

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mentorbot/mentorbot/bot"
	"github.com/mentorbot/mentorbot/bot/telegramtest"
	"github.com/mentorbot/mentorbot/flows"
	"github.com/mentorbot/mentorbot/flows/records"
	"github.com/mentorbot/mentorbot/flows/redisstore"
	"github.com/mentorbot/mentorbot/flows/redisstore/redistest"
	"github.com/mentorbot/mentorbot/locales"
)

// Clock is the engine's settable clock.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// Now returns the clock's time.
func (c *Clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

// Set sets the clock.
func (c *Clock) Set(t time.Time) { c.mu.Lock(); c.now = t; c.mu.Unlock() }

// Add moves the clock by d.
func (c *Clock) Add(d time.Duration) { c.mu.Lock(); c.now = c.now.Add(d); c.mu.Unlock() }

// Env is a running bot with its fake Telegram. Its helpers must be
// called from the test's goroutine.
type Env struct {
	TB     testing.TB
	Server *telegramtest.Server
	Store  *redisstore.Store
	// Records reads and writes the engine's records, to set up and
	// check a test.
	Records *records.DB
	Engine  *flows.Engine
	Bot     *bot.Bot
	Program *flows.Program
	// Clock is the engine's clock, 2027-02-01 10:00 in the programme's
	// time zone at start.
	Clock *Clock
	// Pacing is the outbox's virtual clock: rate limits and retry waits
	// pass at once in real time.
	Pacing *telegramtest.Clock

	mu        sync.Mutex
	processed map[int64]bool
	changed   chan struct{}
}

type options struct {
	program   *flows.Program
	wrapStore func(records.Store) records.Store
	workspace string
	config    func(*bot.Config)
	server    func(*telegramtest.Server)
	limits    bool
}

// Option changes how Start builds the environment.
type Option func(*options)

// WithProgram uses p instead of flows/testdata/program.toml.
func WithProgram(p *flows.Program) Option { return func(o *options) { o.program = p } }

// WithEngineStore makes the engine use wrap(store) instead of the
// store itself, to inject failures; update claims still use the store.
func WithEngineStore(wrap func(records.Store) records.Store) Option {
	return func(o *options) { o.wrapStore = wrap }
}

// WithWorkspace gives the engine the staff workspace's address, so
// /applications and staff menus offer it.
func WithWorkspace(url string) Option { return func(o *options) { o.workspace = url } }

// WithConfig lets the test change the bot's configuration before New.
func WithConfig(f func(*bot.Config)) Option { return func(o *options) { o.config = f } }

// WithServer lets the test prepare the fake server (injected failures,
// files) before the bot starts.
func WithServer(f func(*telegramtest.Server)) Option { return func(o *options) { o.server = f } }

// WithoutLimits turns off rate limits in the outbox and the server.
// By default both apply Telegram's limits on the virtual pacing clock.
func WithoutLimits() Option { return func(o *options) { o.limits = false } }

// ProgramPath is the path of flows/testdata/program.toml.
func ProgramPath() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "flows", "testdata", "program.toml")
}

// Start starts everything; it all stops when tb ends.
func Start(tb testing.TB, opts ...Option) *Env {
	tb.Helper()
	o := applyOptions(tb, opts)
	env := newEnv(tb, o.program)
	cat := catalog(tb)
	env.startEngine(cat, o)
	cfg := env.botConfig(o)
	if o.server != nil {
		o.server(env.Server)
	}
	env.runBot(cfg)
	return env
}

// applyOptions applies opts over the defaults (Telegram's limits on)
// and loads flows/testdata/program.toml unless WithProgram gave one.
func applyOptions(tb testing.TB, opts []Option) options {
	tb.Helper()
	o := options{limits: true}
	for _, opt := range opts {
		opt(&o)
	}
	if o.program == nil {
		p, err := flows.LoadProgram(ProgramPath())
		if err != nil {
			tb.Fatalf("load test programme: %v", err)
		}
		o.program = p
	}
	return o
}

// newEnv starts the fake server and the store, and sets the clocks:
// the engine's at 2027-02-01 10:00 in the programme's time zone, and
// the pacing clock the server measures rate limits by.
func newEnv(tb testing.TB, program *flows.Program) *Env {
	env := &Env{
		TB:        tb,
		Server:    telegramtest.NewServer(tb),
		Store:     redistest.Store(tb),
		Program:   program,
		Clock:     &Clock{now: time.Date(2027, 2, 1, 10, 0, 0, 0, program.Location())},
		Pacing:    telegramtest.NewClock(time.Now()),
		processed: make(map[int64]bool),
		changed:   make(chan struct{}),
	}
	env.Server.SetClock(env.Pacing.Now)
	return env
}

// catalog loads the messages and fails the test when it ends if a turn
// asked for a message some language lacks. Turns run on the bot's
// goroutines, so the missing ids are collected and reported at the end.
func catalog(tb testing.TB) *locales.Catalog {
	tb.Helper()
	cat, err := locales.New()
	if err != nil {
		tb.Fatal(err)
	}
	var missingMu sync.Mutex
	var missing []string
	cat.ReportMissing(func(lang, id string) {
		missingMu.Lock()
		missing = append(missing, lang+"/"+id)
		missingMu.Unlock()
	})
	tb.Cleanup(func() {
		missingMu.Lock()
		defer missingMu.Unlock()
		if len(missing) > 0 {
			tb.Errorf("messages missing from the catalog: %q", missing)
		}
	})
	return cat
}

// startEngine builds the flows engine and e.Records over the store, or
// over wrap(store) when the test injects failures with WithEngineStore;
// the engine downloads uploads from the fake server, as from Telegram.
func (e *Env) startEngine(cat *locales.Catalog, o options) {
	e.TB.Helper()
	var engineStore records.Store = e.Store
	if o.wrapStore != nil {
		engineStore = o.wrapStore(e.Store)
	}
	e.Records = records.New(engineStore, e.Clock.Now).InEdition(e.Program.Edition)
	files, err := bot.NewFiles(e.Server.Token(), e.Server.URL(), nil)
	if err != nil {
		e.TB.Fatal(err)
	}
	e.Engine, err = flows.New(flows.Config{Store: engineStore, Catalog: cat, Program: e.Program,
		Now: e.Clock.Now, BotUsername: telegramtest.BotUsername, Outbox: true, Files: files, WorkspaceURL: o.workspace})
	if err != nil {
		e.TB.Fatal(err)
	}
}

// botConfig is the bot's configuration against the fake server, with
// Telegram's rate limits in both the outbox and the server unless
// WithoutLimits, and the test's WithConfig changes applied last.
func (e *Env) botConfig(o options) bot.Config {
	limits := bot.Limits{}
	if o.limits {
		limits = bot.DefaultLimits()
		l := telegramtest.TelegramLimits()
		e.Server.EnforceLimits(&l)
	}
	cfg := bot.Config{
		Token:       e.Server.Token(),
		APIURL:      e.Server.URL(),
		Engine:      e.Engine,
		Limits:      &limits,
		Clock:       e.Pacing,
		OnProcessed: e.markProcessed,
	}
	if o.config != nil {
		o.config(&cfg)
	}
	return cfg
}

// runBot starts the bot with cfg, polling in its own goroutine; when
// the test ends it stops the bot and fails the test if Run failed.
func (e *Env) runBot(cfg bot.Config) {
	e.TB.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var err error
	e.Bot, err = bot.New(ctx, cfg)
	if err != nil {
		cancel()
		e.TB.Fatalf("bot.New: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- e.Bot.Run(ctx) }()
	e.TB.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			e.TB.Errorf("bot.Run: %v", err)
		}
	})
}

func (e *Env) markProcessed(id int64) {
	e.mu.Lock()
	e.processed[id] = true
	close(e.changed)
	e.changed = make(chan struct{})
	e.mu.Unlock()
}

// WaitProcessed waits until the bot handled update id and sent every
// reply; the test fails after telegramtest.DefaultTimeout.
func (e *Env) WaitProcessed(id int64) {
	e.TB.Helper()
	deadline := time.NewTimer(telegramtest.DefaultTimeout)
	defer deadline.Stop()
	for {
		e.mu.Lock()
		done, ch := e.processed[id], e.changed
		e.mu.Unlock()
		if done {
			break
		}
		select {
		case <-ch:
		case <-deadline.C:
			e.TB.Fatalf("bottest: update %d not processed in time", id)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), telegramtest.DefaultTimeout)
	defer cancel()
	if err := e.Bot.Flush(ctx); err != nil {
		e.TB.Fatalf("bottest: replies to update %d not sent in time: %v", id, err)
	}
}

// Result is what the bot did in answer to one update.
type Result struct {
	UpdateID int64
	// Messages are all messages sent meanwhile, to any chat, in order.
	Messages []telegramtest.Message
	// Answer is the answer to a pressed button, if any.
	Answer *telegramtest.CallbackAnswer
}

// To returns the messages sent to chatID.
func (r Result) To(chatID int64) []telegramtest.Message {
	var out []telegramtest.Message
	for _, m := range r.Messages {
		if m.ChatID == chatID {
			out = append(out, m)
		}
	}
	return out
}

// Text returns the texts sent to chatID, joined by newlines.
func (r Result) Text(chatID int64) string {
	var parts []string
	for _, m := range r.To(chatID) {
		parts = append(parts, m.Text)
	}
	return strings.Join(parts, "\n")
}

// Notice is the text of the callback answer, or "".
func (r Result) Notice() string {
	if r.Answer == nil {
		return ""
	}
	return r.Answer.Text
}

// String renders the result for failure messages.
func (r Result) String() string {
	s := telegramtest.Dump(r.Messages)
	if r.Answer != nil {
		s += fmt.Sprintf("\n  answer: %q", r.Answer.Text)
	}
	return s
}

// Inject delivers u, waits until it was handled and returns what the
// bot sent meanwhile.
func (e *Env) Inject(u telegramtest.Update) Result {
	e.TB.Helper()
	before := len(e.Server.AllMessages())
	id := e.Server.Inject(u)
	e.WaitProcessed(id)
	r := Result{UpdateID: id, Messages: e.Server.AllMessages()[before:]}
	if cq := u.CallbackID(); cq != "" {
		for _, a := range e.Server.Answers() {
			if a.ID == cq {
				r.Answer = &a
			}
		}
	}
	return r
}

// User returns a test user writing in lang ("" for none).
func User(id int64, firstName, lang string) telegramtest.User {
	return telegramtest.User{ID: id, FirstName: firstName, Username: strings.ToLower(firstName), LanguageCode: lang}
}

// FlowsUser converts u for code that takes a flows.User.
func FlowsUser(u telegramtest.User) flows.User {
	return flows.User{ID: u.ID, FirstName: u.FirstName, LastName: u.LastName, Username: u.Username, LanguageCode: u.LanguageCode}
}

// Text sends text from u in their private chat.
func (e *Env) Text(u telegramtest.User, text string) Result {
	e.TB.Helper()
	return e.Inject(e.Server.TextMessage(u, text))
}

// Command sends /name args from u in their private chat.
func (e *Env) Command(u telegramtest.User, name, args string) Result {
	e.TB.Helper()
	return e.Inject(e.Server.CommandMessage(u, name, args))
}

// Reply sends text from u replying to message replyTo of their chat.
func (e *Env) Reply(u telegramtest.User, text string, replyTo int) Result {
	e.TB.Helper()
	return e.Inject(e.Server.ReplyMessage(u, text, replyTo))
}

// Document sends a file from u in their private chat.
func (e *Env) Document(u telegramtest.User, name, mimeType string, content []byte, caption string) Result {
	e.TB.Helper()
	return e.Inject(e.Server.DocumentMessage(u, name, mimeType, content, caption))
}

// Photo sends a photo from u in their private chat.
func (e *Env) Photo(u telegramtest.User, content []byte, caption string) Result {
	e.TB.Helper()
	return e.Inject(e.Server.PhotoMessage(u, content, caption))
}

// Group sends text from u in a group, replying to replyTo unless 0.
func (e *Env) Group(chat telegramtest.Chat, u telegramtest.User, text string, replyTo int) Result {
	e.TB.Helper()
	return e.Inject(e.Server.GroupMessage(chat, u, text, replyTo))
}

// Press presses the button whose text contains label on the latest
// message to u's private chat that has one.
func (e *Env) Press(u telegramtest.User, label string) Result {
	e.TB.Helper()
	return e.PressIn(u, u.ID, label)
}

// PressIn presses, as u, the button whose text contains label on the
// latest message to chatID that has one (a committee group, say).
func (e *Env) PressIn(u telegramtest.User, chatID int64, label string) Result {
	e.TB.Helper()
	ms := e.Server.Messages(chatID)
	for i := len(ms) - 1; i >= 0; i-- {
		if b, ok := ms[i].Button(label); ok {
			return e.Inject(e.Server.Press(u, ms[i], b.Data))
		}
	}
	e.TB.Fatalf("bottest: no button %q in chat %d:%s", label, chatID, telegramtest.Dump(ms))
	return Result{}
}

// PressData presses, as u, a button with raw callback data on message m.
func (e *Env) PressData(u telegramtest.User, m telegramtest.Message, data string) Result {
	e.TB.Helper()
	return e.Inject(e.Server.Press(u, m, data))
}

// Last returns the latest message to chatID; the test fails if none.
func (e *Env) Last(chatID int64) telegramtest.Message {
	e.TB.Helper()
	ms := e.Server.Messages(chatID)
	if len(ms) == 0 {
		e.TB.Fatalf("bottest: no message to chat %d", chatID)
	}
	return ms[len(ms)-1]
}

// WantText fails unless some message of r to chatID contains want.
func WantText(tb testing.TB, r Result, chatID int64, want string) {
	tb.Helper()
	if !strings.Contains(r.Text(chatID), want) {
		tb.Fatalf("messages to %d lack %q; got:%s", chatID, want, r)
	}
}
