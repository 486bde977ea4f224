// Package flows holds mentorbot's conversations as plain Go: an inbound
// Event plus the stored Session give outbound Messages and the next
// Session. Nothing here knows about Telegram; bot/ and the console mode
// of cmd/mentorbot translate to and from it. Each flow lives in a file
// named after it (apply.go, support.go, ...).
package flows

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/mentorbot/mentorbot/locales"
)

// Handler runs one turn of a conversation.
type Handler func(t *Turn) error

// Command is a slash command the bot understands.
type Command struct {
	Name string
	// Role the sender must hold; RoleAnyone for everybody.
	Role Role
	// Help is the locales id of the one-line description shown by /help
	// and registered with Telegram; empty hides the command.
	Help string
	Run  Handler
}

// Config is what an Engine needs. Store, Catalog and Program are
// required.
type Config struct {
	Store   Store
	Catalog *locales.Catalog
	Program *Program
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// Logger receives unexpected errors; slog.Default when nil.
	Logger *slog.Logger
	// BotUsername is used to build deep links (t.me/<name>?start=...).
	BotUsername string
}

// Engine routes events to flows and keeps their sessions. It is safe
// for concurrent use by several goroutines; events of one chat should
// still be handed to it in order.
type Engine struct {
	store   Store
	cat     *locales.Catalog
	program *Program
	now     func() time.Time
	log     *slog.Logger
	botName string

	commands map[string]Command
	order    []string           // command names in registration order, for /help
	steps    map[string]Handler // free input while a chat is in a flow
	buttons  map[string]Handler // button presses addressed to a flow
	sent     map[string]func(ctx context.Context, arg string, chatID int64, messageID int) error
	// undelivered reacts, by Ref kind, to a message the recipient will
	// never get (they blocked the bot): a committee is told, say.
	undelivered map[string]func(ctx context.Context, arg string, m Message) ([]Message, error)
	// personal lists, by flow, how to export and erase what the flow
	// keeps about a person (see mydata.go).
	personal map[string]PersonalData
}

// New returns an Engine with every flow registered.
func New(cfg Config) (*Engine, error) {
	if cfg.Store == nil || cfg.Catalog == nil || cfg.Program == nil {
		return nil, errors.New("flows: Store, Catalog and Program are required")
	}
	e := &Engine{
		store:    cfg.Store,
		cat:      cfg.Catalog,
		program:  cfg.Program,
		now:      cfg.Now,
		log:      cfg.Logger,
		botName:  cfg.BotUsername,
		commands: make(map[string]Command),
		steps:    make(map[string]Handler),
		buttons:  make(map[string]Handler),
		sent:     make(map[string]func(context.Context, string, int64, int) error),

		undelivered: make(map[string]func(context.Context, string, Message) ([]Message, error)),
		personal:    make(map[string]PersonalData),
	}
	if e.now == nil {
		e.now = time.Now
	}
	if e.log == nil {
		e.log = slog.Default()
	}
	for _, register := range []func(*Engine){
		registerStart,
		registerLanguage,
		registerApply,
		registerReview,
		registerAgreement,
		registerMeetings,
		registerDiary,
		registerQuestionnaire,
		registerECTS,
		registerSupport,
		registerInvite,
		registerPeople,
		registerMyData,
	} {
		register(e)
	}
	return e, nil
}

func (e *Engine) command(c Command) {
	if _, dup := e.commands[c.Name]; dup {
		panic("flows: command registered twice: " + c.Name)
	}
	e.commands[c.Name] = c
	e.order = append(e.order, c.Name)
}

// Commands returns the commands visible to anyone, in order, for the
// command menu. Descriptions are in lang.
func (e *Engine) Commands(lang string) []Button {
	var out []Button
	for _, name := range e.order {
		c := e.commands[name]
		if c.Help != "" && c.Role == RoleAnyone {
			out = append(out, Button{Text: e.cat.T(lang, c.Help, nil), Data: name})
		}
	}
	return out
}

// Catalog returns the engine's message catalog.
func (e *Engine) Catalog() *locales.Catalog { return e.cat }

// Program returns the programme configuration.
func (e *Engine) Program() *Program { return e.program }

// maxAttempts bounds retries of a turn whose session changed under it.
const maxAttempts = 5

// Handle runs ev through the flows and returns what to send. State is
// saved before Handle returns, so a reply that is lost can be asked for
// again but an answer the user gave is never lost. An error means
// nothing was saved; the caller tells the user to try again.
func (e *Engine) Handle(ctx context.Context, ev Event) (Reply, error) {
	reply, _, err := e.HandleOnce(ctx, ev, "", 0)
	return reply, err
}

// HandleOnce is Handle for an event that must be handled once across
// replicas, such as a Telegram update that may be redelivered: it first
// claims the key claim for ttl, in the same round trip that loads the
// turn when the store is a TurnStore. duplicate reports that the claim
// was held already, so nothing was done. On error nothing was saved and
// the claim is released, so a redelivery of the event is handled.
func (e *Engine) HandleOnce(ctx context.Context, ev Event, claim string, ttl time.Duration) (reply Reply, duplicate bool, err error) {
	claimed := false
	for attempt := 1; ; attempt++ {
		key := claim
		if claimed {
			key = "" // a retry after a conflict holds the claim already
		}
		var took bool
		reply, took, err = e.turn(ctx, ev, key, ttl)
		claimed = claimed || took
		if claim != "" && !claimed && err == nil {
			return Reply{}, true, nil
		}
		if !errors.Is(err, ErrConflict) || attempt == maxAttempts {
			break
		}
	}
	if err != nil {
		if claimed {
			if derr := e.store.Delete(context.WithoutCancel(ctx), claim); derr != nil {
				e.log.Error("release claim", "claim", claim, "err", derr)
			}
		}
		return Reply{}, false, err
	}
	return reply, false, nil
}

// turn runs one attempt at ev. It claims claim first unless it is "";
// took reports whether it did.
func (e *Engine) turn(ctx context.Context, ev Event, claim string, ttl time.Duration) (_ Reply, took bool, _ error) {
	var (
		s     Session
		p     Profile
		found bool
		err   error
	)
	pkey := profileKey(ev.From.ID)
	ts, batched := e.store.(TurnStore)
	if batched {
		s, took, found, err = ts.LoadTurn(ctx, claim, ttl, ev.ChatID, pkey, &p)
		took = took && claim != ""
		if err != nil {
			return Reply{}, took, fmt.Errorf("load turn of chat %d: %w", ev.ChatID, err)
		}
		if claim != "" && !took {
			return Reply{}, false, nil
		}
		if !found {
			p = Profile{UserID: ev.From.ID, CreatedAt: e.now().UTC()}
		}
	} else {
		if claim != "" {
			if took, err = e.store.Claim(ctx, claim, ttl); err != nil {
				return Reply{}, false, fmt.Errorf("claim %s: %w", claim, err)
			}
			if !took {
				return Reply{}, false, nil
			}
		}
		if s, err = e.store.Session(ctx, ev.ChatID); err != nil {
			return Reply{}, took, fmt.Errorf("load session %d: %w", ev.ChatID, err)
		}
		if p, err = e.Profile(ctx, ev.From.ID); err != nil {
			return Reply{}, took, err
		}
	}
	before := p
	p.FirstName, p.LastName, p.Username = ev.From.FirstName, ev.From.LastName, ev.From.Username
	if p.Lang == "" {
		p.Lang = e.cat.Match(ev.From.LanguageCode)
	}
	if ev.ChatType == ChatPrivate || ev.ChatType == "" {
		p.Started = true
		p.Blocked = false
	}
	t := &Turn{ctx: ctx, e: e, Event: ev, Session: &s, Profile: &p}
	if err := e.dispatch(t); err != nil {
		return Reply{}, took, err
	}
	saveProfile := p != before && ev.From.ID != 0 && !t.forget
	if batched {
		var v any
		if !saveProfile {
			pkey = ""
		} else {
			v = p
		}
		if err := ts.SaveTurn(ctx, &s, pkey, v); err != nil {
			return Reply{}, took, fmt.Errorf("save turn of chat %d: %w", ev.ChatID, err)
		}
		return t.reply, took, nil
	}
	if saveProfile {
		if err := e.SaveProfile(ctx, p); err != nil {
			return Reply{}, took, err
		}
	}
	if err := e.store.SaveSession(ctx, &s); err != nil {
		return Reply{}, took, fmt.Errorf("save session %d: %w", ev.ChatID, err)
	}
	return t.reply, took, nil
}

func (e *Engine) dispatch(t *Turn) error {
	ev := t.Event
	switch ev.Kind {
	case KindCommand:
		c, ok := e.commands[strings.ToLower(ev.Command)]
		if !ok {
			t.Say("error.unknown_command", map[string]any{"Command": ev.Command})
			return nil
		}
		allowed, err := e.HasRole(t.ctx, ev.From.ID, ev.ChatID, c.Role)
		if err != nil {
			return err
		}
		if !allowed {
			t.Say("error.not_allowed", nil)
			return nil
		}
		return c.Run(t)
	case KindEdited:
		// The original was handled when it arrived; acting on an edit
		// would answer a step twice. Say so, change nothing.
		t.Say("error.edited", nil)
		return nil
	case KindButton:
		cb, err := DecodeCallback(ev.Data)
		if err != nil {
			t.Notice("error.bad_button")
			return nil
		}
		if cb.Nonce != "" && (cb.Nonce != t.Session.Nonce || cb.Flow != t.Session.Flow) {
			t.Notice("error.stale_button")
			return nil
		}
		h, ok := e.buttons[cb.Flow]
		if !ok {
			t.Notice("error.bad_button")
			return nil
		}
		t.Callback = cb
		return h(t)
	}
	if ev.ChatType != ChatPrivate && ev.ChatType != "" {
		// In groups the bot speaks only when addressed; group flows
		// (support replies) register a step under the name "group".
		if h, ok := e.steps["group"]; ok {
			return h(t)
		}
		return nil
	}
	if t.Session.Flow != "" {
		if h, ok := e.steps[t.Session.Flow]; ok {
			return h(t)
		}
		t.Session.Reset()
	}
	if ev.Kind == KindText && len([]rune(ev.Text)) > maxTextLength {
		t.Say("error.too_long", nil)
		return nil
	}
	t.Say("idle.hint", nil)
	return nil
}

// maxTextLength is Telegram's own limit on a message; longer input can
// only come from a forged update.
const maxTextLength = 4096

// Sent records the id Telegram gave to a message sent with a Ref. The
// sender calls it after a successful send.
func (e *Engine) Sent(ctx context.Context, ref string, chatID int64, messageID int) error {
	kind, arg, _ := strings.Cut(ref, ":")
	h, ok := e.sent[kind]
	if !ok {
		return nil
	}
	return h(ctx, arg, chatID, messageID)
}

// Undeliverable is called by the sender when Telegram refused m for
// good because the recipient blocked the bot (403). It marks the
// recipient as blocked and returns messages to send instead, such as a
// note to the committee whose answer did not arrive.
func (e *Engine) Undeliverable(ctx context.Context, m Message) ([]Message, error) {
	if m.ChatID > 0 { // private chats have the user's id as chat id
		if err := e.MarkBlocked(ctx, m.ChatID); err != nil {
			return nil, err
		}
	}
	kind, arg, _ := strings.Cut(m.Ref, ":")
	h, ok := e.undelivered[kind]
	if !ok || m.Ref == "" {
		return nil, nil
	}
	return h(ctx, arg, m)
}

// Profile returns the stored profile of userID, or a new one.
func (e *Engine) Profile(ctx context.Context, userID int64) (Profile, error) {
	var p Profile
	err := e.store.Get(ctx, profileKey(userID), &p)
	if errors.Is(err, ErrNotFound) {
		return Profile{UserID: userID, CreatedAt: e.now().UTC()}, nil
	}
	if err != nil {
		return Profile{}, fmt.Errorf("load profile %d: %w", userID, err)
	}
	return p, nil
}

// SaveProfile stores p.
func (e *Engine) SaveProfile(ctx context.Context, p Profile) error {
	if err := e.store.Put(ctx, profileKey(p.UserID), p, 0); err != nil {
		return fmt.Errorf("save profile %d: %w", p.UserID, err)
	}
	return nil
}

// MarkBlocked records that userID blocked the bot (Telegram answered
// 403), so nothing is retried for them until they write again.
func (e *Engine) MarkBlocked(ctx context.Context, userID int64) error {
	p, err := e.Profile(ctx, userID)
	if err != nil {
		return err
	}
	p.Blocked = true
	return e.SaveProfile(ctx, p)
}

// LangOf returns the language of userID, for messages to people other
// than the sender.
func (e *Engine) LangOf(ctx context.Context, userID int64) string {
	p, err := e.Profile(ctx, userID)
	if err != nil || p.Lang == "" {
		return locales.Default
	}
	return p.Lang
}

func profileKey(userID int64) string { return "profile:" + strconv.FormatInt(userID, 10) }

func newNonce() string {
	var b [3]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return hex.EncodeToString(b[:])
}
