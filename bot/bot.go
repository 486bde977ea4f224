// Package bot is mentorbot's Telegram edge: it turns Telegram updates
// into flow events, runs them through the flows engine and sends the
// replies through one rate-limited outbox, by long polling or webhook.
package bot

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/mentorbot/mentorbot/flows"
	"github.com/mentorbot/mentorbot/flows/records"
	"github.com/mentorbot/mentorbot/locales"
)

// engine is what the bot needs from *flows.Engine.
type engine interface {
	// HandleOnce handles an update (ev.UpdateID) once across replicas
	// and commits its messages to the durable outbox; see
	// flows.Engine.HandleOnce.
	HandleOnce(ctx context.Context, ev flows.Event) (reply flows.Reply, duplicate bool, err error)
	// Records holds the durable outbox the bot sends from.
	Records() *records.DB
	// QueuesMessages reports whether turns commit their messages to the
	// durable outbox (flows.Config.Outbox), which the bot needs.
	QueuesMessages() bool
	Sent(ctx context.Context, ref string, chatID int64, messageID int) error
	Undeliverable(ctx context.Context, u flows.Undelivered) ([]flows.Message, error)
	// Enqueue commits messages sent outside a turn to the durable outbox.
	Enqueue(ctx context.Context, msgs []flows.Message) error
	Catalog() *locales.Catalog
	jobEngine
}

var _ engine = (*flows.Engine)(nil)

// drainTimeout bounds how long Run waits for queued work at shutdown.
const drainTimeout = 10 * time.Second

// Config is what a Bot needs. Token and Engine are required.
type Config struct {
	Token string
	// APIURL is the Bot API server; https://api.telegram.org when empty.
	APIURL string
	// WebhookURL switches to webhook mode; empty means long polling.
	WebhookURL string
	// WebhookSecret is required with WebhookURL: Telegram sends it in
	// X-Telegram-Bot-Api-Secret-Token and other requests are refused.
	WebhookSecret string
	Engine        *flows.Engine
	// Logger receives unexpected errors; slog.Default when nil.
	Logger *slog.Logger
	// Metrics may be nil.
	Metrics *Metrics
	// HTTPClient talks to the Bot API; its timeout must exceed the long
	// poll's (one minute). A default client when nil.
	HTTPClient *http.Client

	// Limits are the sending limits; DefaultLimits when nil.
	Limits *Limits
	// Clock paces the outbox; the real clock when nil.
	Clock Clock
	// Workers is how many chats are handled in parallel; 64 when zero.
	// More turns in flight share more Redis round trips.
	Workers int
	// JobGate, when set, is called by the job runner before it runs a
	// job; tests hold a job with it.
	JobGate func(jobID string)
	// OnProcessed, when set, is called after each update was handled,
	// skipped as a duplicate or ignored, with its replies queued. Tests
	// synchronise on it.
	OnProcessed func(updateID int64)
}

// Bot is a running Telegram edge. Create it with New, start it with Run.
type Bot struct {
	cfg      Config
	tg       *tgbot.Bot
	engine   engine
	log      *slog.Logger
	metrics  *Metrics
	outbox   *Outbox
	feeder   *feeder
	jobs     *jobRunner
	menus    flows.Menus // which commands the command menus show
	username string
	apiURL   string
	http     *http.Client

	queues  *chatQueues
	workers int
	failed  failedUpdates
	stopped chan struct{}
	once    sync.Once
}

// New checks cfg, calls getMe to learn the bot's username and returns
// a Bot ready to Run. It fails when cfg is incomplete or Telegram
// refuses the token.
func New(ctx context.Context, cfg Config) (*Bot, error) {
	if cfg.Token == "" || cfg.Engine == nil {
		return nil, errors.New("bot: Token and Engine are required")
	}
	if !cfg.Engine.QueuesMessages() {
		return nil, errors.New("bot: the Engine must commit messages to the durable outbox (flows.Config.Outbox)")
	}
	if cfg.WebhookURL != "" && !validSecret(cfg.WebhookSecret) {
		return nil, errors.New("bot: a WebhookSecret of 1-256 characters A-Z, a-z, 0-9, _ or - is required with WebhookURL")
	}
	b := &Bot{cfg: cfg, engine: cfg.Engine, log: cfg.Logger, metrics: cfg.Metrics,
		menus: flows.MenusOf(cfg.Engine), stopped: make(chan struct{})}
	if b.log == nil {
		b.log = slog.Default()
	}
	workers := cfg.Workers
	if workers <= 0 {
		workers = 64
	}
	b.queues, b.workers = newChatQueues(), workers
	opts := []tgbot.Option{
		tgbot.WithSkipGetMe(),
		tgbot.WithErrorsHandler(func(err error) {
			if !errors.Is(err, context.Canceled) {
				b.log.Warn("telegram client", "err", err)
			}
		}),
	}
	b.apiURL, b.http = "https://api.telegram.org", &http.Client{Timeout: pollTimeout + 10*time.Second}
	if cfg.APIURL != "" {
		b.apiURL = strings.TrimSuffix(cfg.APIURL, "/")
		opts = append(opts, tgbot.WithServerURL(cfg.APIURL))
	}
	if cfg.HTTPClient != nil {
		b.http = cfg.HTTPClient
		opts = append(opts, tgbot.WithHTTPClient(time.Minute, cfg.HTTPClient))
	}
	tg, err := tgbot.New(cfg.Token, opts...)
	if err != nil {
		return nil, fmt.Errorf("create telegram client: %w", err)
	}
	b.tg = tg
	me, err := tg.GetMe(ctx)
	if err != nil {
		return nil, fmt.Errorf("getMe: %w", err)
	}
	b.username = me.Username
	b.outbox = NewOutbox(OutboxConfig{
		Sender:        tg,
		Menus:         tg,
		Limits:        cfg.Limits,
		Clock:         cfg.Clock,
		Sent:          cfg.Engine.Sent,
		Undeliverable: b.undeliverable,
		Thread:        cfg.Engine.Records().TopicThread,
		Logger:        b.log,
		Metrics:       cfg.Metrics,
		SharedWindow:  cfg.Engine.Records().TakeSendSlot,
		SharedDone:    cfg.Engine.Records().SendDone,
	})
	b.feeder = newFeeder(cfg.Engine.Records(), b.outbox, b.log)
	b.jobs = &jobRunner{engine: cfg.Engine, out: b.outbox, edit: b.editText, log: b.log, now: time.Now, gate: cfg.JobGate}
	return b, nil
}

func validSecret(s string) bool {
	if len(s) < 1 || len(s) > 256 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}

// editText replaces the text of message messageID in chatID.
func (b *Bot) editText(ctx context.Context, chatID int64, messageID int, text string) error {
	_, err := b.tg.EditMessageText(ctx, &tgbot.EditMessageTextParams{ChatID: chatID, MessageID: messageID, Text: text})
	return err
}

// Username is the bot's Telegram username, without the @.
func (b *Bot) Username() string { return b.username }

// Ready returns an error when this replica cannot do its job: its
// feeder made no progress through the durable outbox for several
// minutes (Redis unreadable, or Telegram refusing every message). It
// backs the readiness probe.
func (b *Bot) Ready() error { return b.feeder.stuck() }

// Outbox is the bot's sender of the durable outbox. The Bot owns it;
// Run closes it.
func (b *Bot) Outbox() *Outbox { return b.outbox }

// undeliverable lets the flows react to a message Telegram refused for
// good, and commits what they send instead (a note to a committee,
// alerts to staff) to the durable outbox, so a crash loses none of it.
// Should Redis refuse, the messages go out from memory.
func (b *Bot) undeliverable(ctx context.Context, u flows.Undelivered) ([]flows.Message, error) {
	more, err := b.engine.Undeliverable(ctx, u)
	if err != nil || len(more) == 0 {
		return more, err
	}
	if err := b.engine.Enqueue(ctx, more); err != nil {
		b.log.Warn("durable outbox unavailable; notices sent from memory", "err", err)
		return more, nil
	}
	b.feeder.poke()
	return nil, nil
}

// Flush waits until every message committed so far, by any replica,
// left the durable outbox and was sent, or until ctx ends.
func (b *Bot) Flush(ctx context.Context) error { return b.feeder.flush(ctx) }

// Run sets the command menus (menus.go), then receives updates by long
// polling, or sets the webhook, and handles them until ctx ends, while
// the feeder sends what the turns committed. When ctx ends it stops
// taking updates, finishes the turns in hand, and sends for a few
// seconds more; messages still unsent stay in the durable outbox for
// the next start or another replica. It returns an error only when
// the webhook cannot be set.
func (b *Bot) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if b.registerCommands(ctx) {
		b.queuePersonalMenus(ctx)
	}
	var workers sync.WaitGroup
	for range b.workers {
		workers.Add(1)
		go func() {
			defer workers.Done()
			b.work(ctx)
		}()
	}
	feeding, stopFeeding := context.WithCancel(context.WithoutCancel(ctx))
	fed := make(chan struct{})
	go func() {
		defer close(fed)
		b.feeder.run(feeding)
	}()
	var jobs sync.WaitGroup
	jobs.Go(func() { b.jobs.run(ctx) })
	err := b.receive(ctx)
	cancel()
	jobs.Wait() // a job cut short stays queued, for the next start or another replica
	b.once.Do(func() { close(b.stopped) })
	b.queues.stop()
	workers.Wait()
	drain, stop := context.WithTimeout(context.WithoutCancel(ctx), drainTimeout)
	defer stop()
	if ferr := b.feeder.flush(drain); ferr != nil {
		b.log.Warn("messages left in the durable outbox for the next start", "err", ferr)
	}
	stopFeeding()
	<-fed
	_ = b.feeder.wait(drain) // what is still in hand went back to the ready queue
	if cerr := b.outbox.Close(drain); cerr != nil {
		b.log.Error("outbox not drained", "err", cerr)
	}
	return err
}

// receive gets updates until ctx ends: it long-polls, or sets the
// webhook and waits while WebhookHandler receives them.
func (b *Bot) receive(ctx context.Context) error {
	if b.cfg.WebhookURL != "" {
		_, err := b.tg.SetWebhook(ctx, &tgbot.SetWebhookParams{URL: b.cfg.WebhookURL, SecretToken: b.cfg.WebhookSecret})
		if err != nil {
			return fmt.Errorf("set webhook: %w", err)
		}
		<-ctx.Done()
		return nil
	}
	if _, err := b.tg.DeleteWebhook(ctx, &tgbot.DeleteWebhookParams{}); err != nil && ctx.Err() == nil {
		b.log.Warn("delete webhook", "err", err)
	}
	b.poll(ctx)
	return nil
}

// WebhookHandler receives updates posted by Telegram. Requests without
// the secret token get 401; a body that is not an update gets 400. An
// update is answered 200 only once its turn committed (or it was a
// duplicate); 503 when it could not be, so Telegram delivers it again,
// perhaps to another replica.
func (b *Bot) WebhookHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		got := r.Header.Get("X-Telegram-Bot-Api-Secret-Token")
		if b.cfg.WebhookSecret == "" || subtle.ConstantTimeCompare([]byte(got), []byte(b.cfg.WebhookSecret)) != 1 {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		var u models.Update
		if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&u); err != nil || u.ID == 0 {
			http.Error(w, "not an update", http.StatusBadRequest)
			return
		}
		done := b.dispatch(r.Context(), &u, nil)
		var err error
		if done == nil {
			err = errStopped
		} else {
			select {
			case err = <-done:
			case <-r.Context().Done():
				err = r.Context().Err()
			}
		}
		if err != nil {
			// Telegram retries later, perhaps on another replica.
			http.Error(w, "update not handled, try again", http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
}

// job is an update on its way through the chat queues, and where its result
// goes: nil once its turn committed (or it needed none), the error
// otherwise.
type job struct {
	u    *models.Update
	done chan error
	// batch, for polled updates, is where a failure of one update of a
	// chat stops the later ones of that chat in the same fetch: they
	// come again, after it, in order.
	batch *batch
}

// batch records the chats of one fetch whose update failed.
type batch struct {
	mu     sync.Mutex
	failed map[int64]bool
}

func (bt *batch) fail(chat int64) {
	if bt == nil {
		return
	}
	bt.mu.Lock()
	bt.failed[chat] = true
	bt.mu.Unlock()
}

func (bt *batch) failedBefore(chat int64) bool {
	if bt == nil {
		return false
	}
	bt.mu.Lock()
	defer bt.mu.Unlock()
	return bt.failed[chat]
}

// errLaterUpdate is the result of an update left for its fetch's
// earlier update of the same chat, which failed.
var errLaterUpdate = errors.New("an earlier update of the chat failed")

// dispatch queues u behind its chat's earlier updates (see chatQueues)
// and returns the channel its result arrives on; nil when the bot
// stopped or too many updates are waiting.
func (b *Bot) dispatch(_ context.Context, u *models.Update, bt *batch) chan error {
	j := job{u: u, done: make(chan error, 1), batch: bt}
	if !b.queues.push(chatOf(u), j) {
		return nil
	}
	return j.done
}

func chatOf(u *models.Update) int64 {
	switch {
	case u.Message != nil:
		return u.Message.Chat.ID
	case u.CallbackQuery != nil:
		if m := u.CallbackQuery.Message.Message; m != nil {
			return m.Chat.ID
		}
		if m := u.CallbackQuery.Message.InaccessibleMessage; m != nil {
			return m.Chat.ID
		}
		return u.CallbackQuery.From.ID
	case u.EditedMessage != nil:
		return u.EditedMessage.Chat.ID
	}
	return 0
}

// work handles updates, a chat at a time, until the queues stop and
// are empty; those queued when ctx ended get drainTimeout more.
func (b *Bot) work(ctx context.Context) {
	drain, cancel := context.WithCancel(context.WithoutCancel(ctx))
	defer cancel()
	stop := context.AfterFunc(ctx, func() {
		time.AfterFunc(drainTimeout, cancel)
	})
	defer stop()
	for {
		chat, j, ok := b.queues.next()
		if !ok {
			return
		}
		b.process(drain, j)
		b.queues.done(chat)
	}
}

// process handles j's update with panics recovered, then reports its
// result and that it was processed.
func (b *Bot) process(ctx context.Context, j job) {
	if b.cfg.OnProcessed != nil {
		defer b.cfg.OnProcessed(j.u.ID)
	}
	chat := chatOf(j.u)
	if j.batch.failedBefore(chat) {
		// Not handled now, so the chat's order holds; the sender is
		// still told, once, that the bot cannot answer at the moment.
		if ev, ok := toEvent(j.u, b.username); ok && b.failed.first(j.u.ID) {
			b.answerError(ctx, j.u, ev, "error.unavailable")
		}
		j.done <- errLaterUpdate
		return
	}
	err := b.recoverPanics(b.handle)(ctx, j.u)
	if err != nil {
		j.batch.fail(chat)
	}
	j.done <- err
}

type handlerFunc func(ctx context.Context, u *models.Update) error

// recoverPanics is the middleware that keeps a bug in one flow from
// taking the bot down: it logs the panic with the update id and tells
// the user something went wrong.
//
// A panicking update counts as handled: handling it again would panic
// again, and Telegram would redeliver it forever.
func (b *Bot) recoverPanics(next handlerFunc) handlerFunc {
	return func(ctx context.Context, u *models.Update) (err error) {
		defer func() {
			if p := recover(); p != nil {
				b.metrics.update("panic")
				b.log.Error("panic handling update", "update_id", u.ID, "panic", p, "stack", string(debug.Stack()))
				if ev, ok := toEvent(u, b.username); ok {
					b.answerError(ctx, u, ev, "error.internal")
				}
				err = nil
			}
		}()
		return next(ctx, u)
	}
}

// handle runs one update through the engine, once across replicas.
// The turn commits its messages to the durable outbox and the feeder
// sends them. It returns the error of a turn that could not commit.
func (b *Bot) handle(ctx context.Context, u *models.Update) error {
	ev, ok := toEvent(u, b.username)
	if !ok {
		b.metrics.update("ignored")
		return nil
	}
	start := time.Now()
	reply, duplicate, err := b.engine.HandleOnce(ctx, ev)
	if duplicate {
		b.metrics.update("duplicate")
		return nil
	}
	b.metrics.step(time.Since(start))
	if err != nil {
		b.metrics.update("failed")
		b.log.Error("handle update", "update_id", u.ID, "chat_id", ev.ChatID, "err", err)
		if b.failed.first(u.ID) {
			// Telegram delivers the update again until it commits;
			// the user is told once.
			b.answerError(ctx, u, ev, "error.unavailable")
		}
		return err
	}
	b.metrics.update(kindName(ev.Kind))
	if ev.Kind == flows.KindButton {
		b.answerCallback(ctx, u.CallbackQuery.ID, reply.Notice)
	}
	if len(reply.Messages) > 0 {
		b.feeder.poke()
	}
	return nil
}

// failedUpdates remembers the updates whose turn failed and whose
// sender was told, so a redelivery that fails again stays quiet.
type failedUpdates struct {
	mu  sync.Mutex
	ids map[int64]bool
}

// maxFailedUpdates bounds the memory of failed updates.
const maxFailedUpdates = 4096

// first reports whether update id failed for the first time.
func (f *failedUpdates) first(id int64) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.ids[id] {
		return false
	}
	if f.ids == nil || len(f.ids) >= maxFailedUpdates {
		f.ids = make(map[int64]bool)
	}
	f.ids[id] = true
	return true
}

// answerError tells the user, in their Telegram language, that their
// update could not be handled: as a toast for a button, as a message in
// a private chat or for a command in a group.
func (b *Bot) answerError(ctx context.Context, u *models.Update, ev flows.Event, id string) {
	cat := b.engine.Catalog()
	lang := cat.Match(ev.From.LanguageCode)
	if lang == "" {
		lang = locales.Default
	}
	text := cat.T(lang, id, nil)
	switch {
	case ev.Kind == flows.KindButton:
		b.answerCallback(ctx, u.CallbackQuery.ID, text)
	case ev.ChatType == flows.ChatPrivate || ev.ChatType == "" || ev.Kind == flows.KindCommand:
		b.outbox.Enqueue(flows.Message{ChatID: ev.ChatID, Text: text})
	}
}

func (b *Bot) answerCallback(ctx context.Context, id, text string) {
	if id == "" {
		return
	}
	if _, err := b.tg.AnswerCallbackQuery(ctx, &tgbot.AnswerCallbackQueryParams{CallbackQueryID: id, Text: text}); err != nil {
		b.log.Warn("answer callback query", "err", err)
	}
}

func kindName(k flows.Kind) string {
	switch k {
	case flows.KindCommand:
		return "command"
	case flows.KindText:
		return "text"
	case flows.KindButton:
		return "button"
	case flows.KindDocument:
		return "document"
	case flows.KindPhoto:
		return "photo"
	case flows.KindEdited:
		return "edited"
	}
	return "other"
}
