package bot

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf16"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/mentorbot/mentorbot/flows"
)

// Sender is what the outbox needs from a Telegram client.
type Sender interface {
	SendMessage(ctx context.Context, params *tgbot.SendMessageParams) (*models.Message, error)
	SendDocument(ctx context.Context, params *tgbot.SendDocumentParams) (*models.Message, error)
	SendPhoto(ctx context.Context, params *tgbot.SendPhotoParams) (*models.Message, error)
}

var _ Sender = (*tgbot.Bot)(nil)

// Clock tells the time and waits. The outbox paces itself by it, so
// tests can make waiting instantaneous.
type Clock interface {
	Now() time.Time
	After(d time.Duration) <-chan time.Time
}

type realClock struct{}

func (realClock) Now() time.Time                         { return time.Now() }
func (realClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// Rate allows at most N sends in any interval of length Per. A zero
// Rate is unlimited.
type Rate struct {
	N   int
	Per time.Duration
}

// Limits are the sending limits the outbox keeps to: overall, per
// private chat and per group or supergroup (negative chat id).
type Limits struct {
	Global  Rate
	Private Rate
	Group   Rate
}

// DefaultLimits are Telegram's documented limits: 30 messages a second
// overall, one a second per private chat (with a burst of three) and
// 20 a minute per group. telegramtest.TelegramLimits enforces the same.
func DefaultLimits() Limits {
	return Limits{
		Global:  Rate{N: 30, Per: time.Second},
		Private: Rate{N: 3, Per: 3 * time.Second},
		Group:   Rate{N: 20, Per: time.Minute},
	}
}

// ErrBlocked is returned by Outbox.Send when Telegram refused the
// message for good for its recipient: 403 (the user blocked the bot,
// the bot was removed from the group) or 400 "chat not found". The
// error also says which (flows.UndeliveredReason), and
// OutboxConfig.Undeliverable was told.
var ErrBlocked = errors.New("recipient cannot be reached")

// ErrClosed is returned by Outbox.Send after Close.
var ErrClosed = errors.New("outbox closed")

// maxTextLength and maxCaptionLength are Telegram's limits, in
// characters.
const (
	maxTextLength    = 4096
	maxCaptionLength = 1024
)

// OutboxConfig configures an Outbox. Sender is required.
type OutboxConfig struct {
	Sender Sender
	// Menus sets the command menus that messages carry (flows.Message
	// Menu, see menus.go); such messages are dropped when it is nil.
	Menus MenuSetter
	// Limits to keep to; DefaultLimits when nil.
	Limits *Limits
	// Clock paces sends; the real clock when nil.
	Clock Clock
	// Sent is told the id Telegram gave a message with a Ref
	// (flows.Engine.Sent).
	Sent func(ctx context.Context, ref string, chatID int64, messageID int) error
	// Undeliverable is told about a message refused for good for its
	// recipient (ErrBlocked), and why, and returns messages to send
	// instead (flows.Engine.Undeliverable).
	Undeliverable func(ctx context.Context, u flows.Undelivered) ([]flows.Message, error)
	Logger        *slog.Logger
	Metrics       *Metrics
	// MaxAttempts bounds tries of one message on 429 or transient
	// errors; 10 when zero.
	MaxAttempts int
	// SharedWindow, when set, is the global window of sends that every
	// replica shares (records.DB.TakeSendSlot): a send waits for a slot
	// in it as well as in the outbox's own, so replicas together keep
	// to the global limit. When Redis cannot be asked, the outbox's own
	// window holds alone.
	SharedWindow func(ctx context.Context, limit int, per time.Duration, now time.Time) (slot string, wait time.Duration, err error)
	// SharedDone stamps a slot of SharedWindow with when its send ended
	// (records.DB.SendDone).
	SharedDone func(ctx context.Context, slot string, at time.Time) error
	// Thread returns the forum topic a message's Topic.Of has in the
	// chat, 0 for none (records.DB.TopicThread); see topics.go.
	Thread func(ctx context.Context, of string, chatID int64) (int, error)
}

// Outbox is the one way mentorbot sends messages. Messages to one chat
// leave in the order they were given; the outbox keeps to Telegram's
// rate limits, waits out 429 answers and retries transient errors. It
// is safe for concurrent use.
type Outbox struct {
	cfg    OutboxConfig
	limits Limits
	clock  Clock
	log    *slog.Logger

	mu      sync.Mutex
	chats   map[int64]*chatQueue
	closed  bool
	pushes  int
	pending int           // messages queued or being sent
	idle    chan struct{} // closed while pending is 0
	wg      sync.WaitGroup

	// gate lets one sender at a time wait for a global slot, so a
	// fan-out to many chats does not wake every waiting chat on each
	// send; the others queue on it in order.
	gate     chan struct{}
	gmu      sync.Mutex
	global   []time.Time // completion times of recent sends
	inflight int
	gchanged chan struct{}
}

type chatQueue struct {
	items   []*outItem
	running bool
	recent  []time.Time // completion times of recent sends to the chat
}

type outItem struct {
	ctx  context.Context
	m    flows.Message
	done chan sendResult // nil for Enqueue
}

type sendResult struct {
	id  int
	err error
}

// NewOutbox returns an outbox sending through cfg.Sender.
func NewOutbox(cfg OutboxConfig) *Outbox {
	o := &Outbox{cfg: cfg, limits: DefaultLimits(), clock: cfg.Clock, log: cfg.Logger,
		chats: make(map[int64]*chatQueue), gchanged: make(chan struct{}), idle: make(chan struct{}),
		gate: make(chan struct{}, 1)}
	close(o.idle)
	if cfg.Limits != nil {
		o.limits = *cfg.Limits
	}
	if o.clock == nil {
		o.clock = realClock{}
	}
	if o.log == nil {
		o.log = slog.Default()
	}
	if o.cfg.MaxAttempts <= 0 {
		o.cfg.MaxAttempts = 10
	}
	return o
}

// Send queues m behind the chat's earlier messages and blocks until
// Telegram accepted it, returning the message id. It returns ErrBlocked
// when Telegram refused it for good, ctx's error when ctx ended first
// (the message is then dropped if not yet sent), ErrClosed after Close,
// or the last error when retries ran out.
func (o *Outbox) Send(ctx context.Context, m flows.Message) (int, error) {
	it := &outItem{ctx: ctx, m: m, done: make(chan sendResult, 1)}
	if !o.push(it) {
		return 0, ErrClosed
	}
	select {
	case r := <-it.done:
		return r.id, r.err
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

// Enqueue queues m and returns at once; failures are logged. It is how
// replies to updates leave.
func (o *Outbox) Enqueue(m flows.Message) {
	if !o.push(&outItem{ctx: context.Background(), m: m}) {
		o.log.Error("outbox closed, message dropped", "chat_id", m.ChatID)
	}
}

func (o *Outbox) push(it *outItem) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.closed {
		return false
	}
	o.pushes++
	if o.pending == 0 {
		o.idle = make(chan struct{})
	}
	o.pending++
	if o.pushes%1024 == 0 {
		o.sweepLocked()
	}
	q := o.chats[it.m.ChatID]
	if q == nil {
		q = &chatQueue{}
		o.chats[it.m.ChatID] = q
	}
	q.items = append(q.items, it)
	if !q.running {
		q.running = true
		o.wg.Add(1)
		go o.drain(it.m.ChatID, q)
	}
	return true
}

// sweepLocked forgets idle chats whose sends are older than any window.
func (o *Outbox) sweepLocked() {
	horizon := o.clock.Now().Add(-max(o.limits.Private.Per, o.limits.Group.Per))
	for id, q := range o.chats {
		if !q.running && (len(q.recent) == 0 || q.recent[len(q.recent)-1].Before(horizon)) {
			delete(o.chats, id)
		}
	}
}

// Close stops accepting messages and waits until the queued ones are
// sent or ctx ends.
func (o *Outbox) Close(ctx context.Context) error {
	o.mu.Lock()
	o.closed = true
	o.mu.Unlock()
	done := make(chan struct{})
	go func() { o.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("drain outbox: %w", ctx.Err())
	}
}

// drain sends the chat's messages one after another until none is left.
func (o *Outbox) drain(chatID int64, q *chatQueue) {
	defer o.wg.Done()
	for {
		o.mu.Lock()
		if len(q.items) == 0 {
			q.running = false
			o.mu.Unlock()
			return
		}
		it := q.items[0]
		q.items = q.items[1:]
		o.mu.Unlock()

		id, err := o.deliver(it.ctx, chatID, q, it.m)
		if it.done != nil {
			it.done <- sendResult{id: id, err: err}
		} else if err != nil && !errors.Is(err, ErrBlocked) {
			o.log.Error("send message", "chat_id", chatID, "err", err)
		}
		o.mu.Lock()
		o.pending--
		if o.pending == 0 {
			close(o.idle)
		}
		o.mu.Unlock()
	}
}

// Flush waits until every message queued so far, and any queued
// meanwhile, was sent or given up, or until ctx ends.
func (o *Outbox) Flush(ctx context.Context) error {
	o.mu.Lock()
	idle := o.idle
	o.mu.Unlock()
	select {
	case <-idle:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (o *Outbox) chatRate(chatID int64) Rate {
	if chatID < 0 {
		return o.limits.Group
	}
	return o.limits.Private
}

// deliver sends m, with its pacing, retries and follow-ups.
func (o *Outbox) deliver(ctx context.Context, chatID int64, q *chatQueue, m flows.Message) (int, error) {
	if m.Menu != nil {
		return 0, o.deliverMenu(ctx, chatID, q, m)
	}
	var lastID int
	if m.Topic != nil {
		placed, done, err := o.inTopic(ctx, chatID, q, m)
		if done || err != nil {
			return 0, err
		}
		m = placed
	}
	parts := split(m)
	for _, part := range parts {
		id, err := o.deliverPart(ctx, chatID, q, part)
		if err != nil {
			var r *refusal
			if errors.As(err, &r) {
				o.undeliverable(ctx, flows.Undelivered{Message: m, Reason: r.reason})
			}
			return 0, err
		}
		lastID = id
	}
	if m.Ref != "" && o.cfg.Sent != nil {
		if err := o.cfg.Sent(ctx, m.Ref, chatID, lastID); err != nil {
			o.log.Error("record sent message", "ref", m.Ref, "chat_id", chatID, "err", err)
		}
	}
	return lastID, nil
}

// undeliverable tells the flows about u and queues what they send
// instead, even when they also failed in part.
func (o *Outbox) undeliverable(ctx context.Context, u flows.Undelivered) {
	if o.cfg.Undeliverable == nil {
		return
	}
	more, err := o.cfg.Undeliverable(context.WithoutCancel(ctx), u)
	if err != nil {
		o.log.Error("undeliverable message", "chat_id", u.Message.ChatID, "ref", u.Message.Ref,
			"reason", u.Reason, "err", err)
	}
	for _, n := range more {
		o.Enqueue(n)
	}
}

func (o *Outbox) deliverPart(ctx context.Context, chatID int64, q *chatQueue, m flows.Message) (int, error) {
	var err error
	backoff := time.Second
	menu := m.Menu != nil // not a message: the chat's window is not for it
	for attempt := 0; attempt < o.cfg.MaxAttempts; attempt++ {
		if !menu {
			if err := o.waitChat(ctx, chatID, q); err != nil {
				return 0, err
			}
		}
		var slot string
		if slot, err = o.acquireGlobal(ctx); err != nil {
			return 0, err
		}
		var id int
		id, err = o.sendOnce(ctx, m)
		o.sharedDone(ctx, slot)
		o.releaseGlobal(err == nil)
		if err == nil && menu {
			return 0, nil
		}
		if err == nil {
			o.mu.Lock()
			q.recent = append(q.recent, o.clock.Now())
			o.mu.Unlock()
			o.cfg.Metrics.sent()
			return id, nil
		}
		var tooMany *tgbot.TooManyRequestsError
		reason, refused := undeliverable(err)
		switch {
		case errors.As(err, &tooMany):
			o.cfg.Metrics.sendError("too_many_requests")
			wait := time.Duration(max(tooMany.RetryAfter, 1)) * time.Second
			o.log.Warn("telegram rate limit", "chat_id", chatID, "retry_after", wait)
			if err := o.sleep(ctx, wait); err != nil {
				return 0, err
			}
		case refused:
			if errors.Is(err, tgbot.ErrorForbidden) {
				o.cfg.Metrics.sendError("blocked")
			} else {
				o.cfg.Metrics.sendError("bad_request")
			}
			return 0, &refusal{chatID: chatID, reason: reason, err: err}
		case ctx.Err() != nil:
			return 0, ctx.Err()
		case permanent(err):
			o.cfg.Metrics.sendError("bad_request")
			return 0, fmt.Errorf("send to %d: %w", chatID, err)
		default:
			o.cfg.Metrics.sendError("transient")
			if err := o.sleep(ctx, backoff); err != nil {
				return 0, err
			}
			backoff = min(2*backoff, 30*time.Second)
		}
	}
	return 0, fmt.Errorf("send to %d: giving up after %d attempts: %w", chatID, o.cfg.MaxAttempts, err)
}

// refusal is Telegram's refusal of a message for good for its
// recipient. It is an ErrBlocked and wraps the client's error.
type refusal struct {
	chatID int64
	reason flows.UndeliveredReason
	err    error
}

func (r *refusal) Error() string {
	return fmt.Sprintf("send to %d: %v (%s): %v", r.chatID, ErrBlocked, r.reason, r.err)
}

func (r *refusal) Unwrap() []error { return []error{ErrBlocked, r.err} }

// undeliverable reports whether err says that the recipient will never
// get a message, and why. Every 403 does: the user blocked the bot (or
// never started it, or deleted their account), or the bot is no longer
// in the group. Of the 400s, "chat not found" does: the chat does not
// exist for this bot. go-telegram/bot has no type for either, only the
// sentinels and the API's description in the error's text, so the
// reason is read from that description (apiDescription). 429 and 5xx
// are not refusals: they are retried.
func undeliverable(err error) (flows.UndeliveredReason, bool) {
	switch {
	case errors.Is(err, tgbot.ErrorForbidden):
		d := strings.ToLower(apiDescription(err, tgbot.ErrorForbidden))
		if strings.Contains(d, "kicked") || strings.Contains(d, "not a member") || strings.Contains(d, "chat was deleted") {
			return flows.ReasonRemoved, true
		}
		return flows.ReasonBlocked, true
	case errors.Is(err, tgbot.ErrorBadRequest):
		d := strings.ToLower(apiDescription(err, tgbot.ErrorBadRequest))
		if strings.Contains(d, "chat not found") {
			return flows.ReasonChatNotFound, true
		}
	}
	return "", false
}

// apiDescription is the description Telegram gave with an error the
// client reports as sentinel (tgbot.ErrorForbidden,
// tgbot.ErrorBadRequest): the client wraps sentinel as
// "<sentinel>, <description>", and that error is found in err's chain.
// It returns "" when err holds no such error.
func apiDescription(err, sentinel error) string {
	for e := err; e != nil; e = errors.Unwrap(e) {
		if errors.Unwrap(e) == sentinel { // the client wraps sentinel itself, once
			return strings.TrimPrefix(e.Error(), sentinel.Error()+", ")
		}
	}
	return ""
}

// permanent reports errors that a retry cannot fix.
func permanent(err error) bool {
	var migrate *tgbot.MigrateError
	return errors.Is(err, tgbot.ErrorBadRequest) || errors.Is(err, tgbot.ErrorUnauthorized) ||
		errors.Is(err, tgbot.ErrorNotFound) || errors.As(err, &migrate)
}

func (o *Outbox) sleep(ctx context.Context, d time.Duration) error {
	select {
	case <-o.clock.After(d):
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// waitChat waits until the chat's window allows another send.
func (o *Outbox) waitChat(ctx context.Context, chatID int64, q *chatQueue) error {
	r := o.chatRate(chatID)
	if r.N <= 0 {
		return nil
	}
	for {
		o.mu.Lock()
		now := o.clock.Now()
		q.recent = prune(q.recent, now.Add(-r.Per))
		var wait time.Duration
		if len(q.recent) >= r.N {
			wait = q.recent[len(q.recent)-r.N].Add(r.Per).Sub(now)
		}
		o.mu.Unlock()
		if wait <= 0 {
			return nil
		}
		if err := o.sleep(ctx, wait); err != nil {
			return err
		}
	}
}

// prune drops times not after horizon from the sorted ts.
func prune(ts []time.Time, horizon time.Time) []time.Time {
	i := 0
	for i < len(ts) && !ts[i].After(horizon) {
		i++
	}
	return ts[i:]
}

// acquireGlobal takes a slot of the global window. Sends in flight
// hold a slot until they complete, so the server, which counts them on
// arrival, never sees more than the limit.
// waitShared waits for a slot of the window shared by every replica
// and returns it ("" without a shared window, or when Redis cannot be
// asked: the outbox's own window then holds alone).
func (o *Outbox) waitShared(ctx context.Context, r Rate) (string, error) {
	if o.cfg.SharedWindow == nil {
		return "", nil
	}
	for {
		slot, wait, err := o.cfg.SharedWindow(ctx, r.N, r.Per, o.clock.Now())
		if err != nil {
			// A slot taken though its answer was lost (a timeout
			// under load) would stay taken for minutes, shrinking
			// every replica's window: stamp it so it ages out.
			o.sharedDone(ctx, slot)
			if ctx.Err() != nil {
				return "", ctx.Err()
			}
			o.log.Warn("shared send window unavailable; keeping to this replica's", "err", err)
			return "", nil
		}
		if wait <= 0 {
			return slot, nil
		}
		if err := o.sleep(ctx, wait); err != nil {
			return "", err
		}
	}
}

// sharedDone stamps the shared slot of a send that ended.
func (o *Outbox) sharedDone(ctx context.Context, slot string) {
	if slot == "" || o.cfg.SharedDone == nil {
		return
	}
	if err := o.cfg.SharedDone(context.WithoutCancel(ctx), slot, o.clock.Now()); err != nil {
		o.log.Warn("stamp shared send slot", "err", err)
	}
}

func (o *Outbox) acquireGlobal(ctx context.Context) (slot string, err error) {
	r := o.limits.Global
	if r.N <= 0 {
		return "", nil
	}
	select {
	case o.gate <- struct{}{}:
	case <-ctx.Done():
		return "", ctx.Err()
	}
	defer func() { <-o.gate }()
	for {
		o.gmu.Lock()
		now := o.clock.Now()
		o.global = prune(o.global, now.Add(-r.Per))
		if len(o.global)+o.inflight < r.N {
			o.inflight++
			o.gmu.Unlock()
			slot, err := o.waitShared(ctx, r)
			if err != nil {
				o.releaseGlobal(false)
				return "", err
			}
			return slot, nil
		}
		var timer <-chan time.Time
		if k := len(o.global) + o.inflight - r.N; k < len(o.global) {
			timer = o.clock.After(o.global[k].Add(r.Per).Sub(now))
		}
		changed := o.gchanged
		o.gmu.Unlock()
		select {
		case <-timer:
		case <-changed:
		case <-ctx.Done():
			return "", ctx.Err()
		}
	}
}

func (o *Outbox) releaseGlobal(sent bool) {
	if o.limits.Global.N <= 0 {
		return
	}
	o.gmu.Lock()
	defer o.gmu.Unlock()
	o.inflight--
	if sent {
		now := o.clock.Now()
		i := len(o.global)
		o.global = append(o.global, now)
		for i > 0 && o.global[i-1].After(now) {
			o.global[i], o.global[i-1] = o.global[i-1], o.global[i]
			i--
		}
	}
	close(o.gchanged)
	o.gchanged = make(chan struct{})
}

// sendOnce makes one API call for m.
func (o *Outbox) sendOnce(ctx context.Context, m flows.Message) (int, error) {
	if m.Menu != nil {
		return 0, o.setMenu(ctx, m)
	}
	var markup models.ReplyMarkup
	if len(m.Buttons) > 0 {
		markup = keyboard(m.Buttons)
	}
	var reply *models.ReplyParameters
	if m.ReplyTo != 0 {
		reply = &models.ReplyParameters{MessageID: m.ReplyTo, AllowSendingWithoutReply: true}
	}
	if topicCallOf(m) {
		return o.topicCall(ctx, m)
	}
	thread := threadOf(m)
	var (
		sent *models.Message
		err  error
	)
	entities := quoteEntities(m)
	if m.File != nil && m.File.Path != "" {
		f, err := os.Open(m.File.Path)
		if err != nil {
			return 0, fmt.Errorf("open %s: %w", m.File.FileName, err)
		}
		defer f.Close()
		sent, err = o.cfg.Sender.SendDocument(ctx, &tgbot.SendDocumentParams{
			ChatID: m.ChatID, MessageThreadID: thread, Document: &models.InputFileUpload{Filename: m.File.FileName, Data: f},
			Caption: m.Text, CaptionEntities: entities, ReplyMarkup: markup, ReplyParameters: reply})
		if err != nil {
			return 0, err
		}
		return sent.ID, nil
	}
	switch {
	case m.File == nil:
		sent, err = o.cfg.Sender.SendMessage(ctx, &tgbot.SendMessageParams{
			ChatID: m.ChatID, MessageThreadID: thread, Text: m.Text, Entities: entities, ReplyMarkup: markup, ReplyParameters: reply})
	case m.File.Photo:
		sent, err = o.cfg.Sender.SendPhoto(ctx, &tgbot.SendPhotoParams{
			ChatID: m.ChatID, MessageThreadID: thread, Photo: inputFile(m.File), Caption: m.Text, CaptionEntities: entities, ReplyMarkup: markup, ReplyParameters: reply})
	default:
		sent, err = o.cfg.Sender.SendDocument(ctx, &tgbot.SendDocumentParams{
			ChatID: m.ChatID, MessageThreadID: thread, Document: inputFile(m.File), Caption: m.Text, CaptionEntities: entities, ReplyMarkup: markup, ReplyParameters: reply})
	}
	if err != nil && thread != 0 && threadGone(err) {
		m.Topic = nil // the topic was deleted or closed since
		return o.sendOnce(ctx, m)
	}
	if err != nil {
		return 0, err
	}
	return sent.ID, nil
}

// inputFile gives a fresh reader on every call, so retries upload the
// whole file again.
func inputFile(a *flows.Attachment) models.InputFile {
	if a.FileID != "" {
		return &models.InputFileString{Data: a.FileID}
	}
	return &models.InputFileUpload{Filename: a.FileName, Data: bytes.NewReader(a.Content)}
}

func keyboard(rows [][]flows.Button) models.InlineKeyboardMarkup {
	kb := make([][]models.InlineKeyboardButton, 0, len(rows))
	for _, row := range rows {
		r := make([]models.InlineKeyboardButton, 0, len(row))
		for _, b := range row {
			kb := models.InlineKeyboardButton{Text: b.Text, CallbackData: b.Data, URL: b.URL}
			if b.WebApp != "" {
				kb.WebApp = &models.WebAppInfo{URL: b.WebApp}
			}
			r = append(r, kb)
		}
		kb = append(kb, r)
	}
	return models.InlineKeyboardMarkup{InlineKeyboard: kb}
}

// split turns m into what Telegram accepts: texts longer than a message
// become several messages, cut at line ends where possible, with the
// buttons on the last; a caption too long for a file follows it as
// text. The file or the first part carries ReplyTo.
// quoteEntities turns m's Quote into a blockquote entity and its Styles
// into theirs, whose offsets and lengths Telegram counts in UTF-16 code
// units. Entities, not a parse mode: nothing a person wrote is read as
// markup.
func quoteEntities(m flows.Message) []models.MessageEntity {
	var out []models.MessageEntity
	if q := m.Quote; q != nil && q.Start >= 0 && q.End <= len(m.Text) && q.Start < q.End {
		out = append(out, models.MessageEntity{Type: models.MessageEntityTypeBlockquote,
			Offset: utf16Len(m.Text[:q.Start]), Length: utf16Len(m.Text[q.Start:q.End])})
	}
	// Then m's Styles, the formatting a person gave what they wrote.
	for _, s := range m.Styles {
		if s.Start < 0 || s.End > len(m.Text) || s.Start >= s.End || !slices.Contains(flows.StyleKinds, s.Kind) {
			continue
		}
		e := models.MessageEntity{Type: models.MessageEntityType(s.Kind),
			Offset: utf16Len(m.Text[:s.Start]), Length: utf16Len(m.Text[s.Start:s.End])}
		if s.Kind == string(models.MessageEntityTypeTextLink) {
			e.URL = s.URL
		}
		out = append(out, e)
	}
	return out
}

// clipStyles is the part of styles inside the chunk of a text at bytes
// [from, to), relative to the chunk.
func clipStyles(styles []flows.Style, from, to int) []flows.Style {
	var out []flows.Style
	for _, s := range styles {
		if c := clipQuote(&s.Span, from, to); c != nil {
			s.Span = *c
			out = append(out, s)
		}
	}
	return out
}

// utf16Len is the length of s in UTF-16 code units.
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}

// clipQuote is the part of quote inside the chunk of a text at bytes
// [from, to), relative to the chunk; nil when they do not meet.
func clipQuote(quote *flows.Span, from, to int) *flows.Span {
	if quote == nil || quote.End <= from || quote.Start >= to {
		return nil
	}
	return &flows.Span{Start: max(quote.Start, from) - from, End: min(quote.End, to) - from}
}

func split(m flows.Message) []flows.Message {
	if m.File != nil {
		if len([]rune(m.Text)) <= maxCaptionLength {
			return []flows.Message{m}
		}
		file := m
		file.Text, file.Buttons, file.Quote, file.Styles = "", nil, nil, nil
		rest := m
		rest.File, rest.ReplyTo = nil, 0
		return append([]flows.Message{file}, split(rest)...)
	}
	chunks := chunk(m.Text, maxTextLength)
	out := make([]flows.Message, len(chunks))
	from := 0
	for i, c := range chunks {
		out[i] = flows.Message{ChatID: m.ChatID, Text: c, Quote: clipQuote(m.Quote, from, from+len(c)),
			Styles: clipStyles(m.Styles, from, from+len(c)), Topic: m.Topic}
		from += len(c)
	}
	out[0].ReplyTo = m.ReplyTo
	out[len(out)-1].Buttons = m.Buttons
	return out
}

// chunk cuts s into pieces of at most n characters, preferring to cut
// after a newline.
func chunk(s string, n int) []string {
	r := []rune(s)
	var out []string
	for len(r) > n {
		cut := n
		if i := strings.LastIndex(string(r[:n]), "\n"); i > 0 {
			cut = len([]rune(string(r[:n])[:i+1]))
		}
		out = append(out, string(r[:cut]))
		r = r[cut:]
	}
	return append(out, string(r))
}
