// Package flows holds mentorbot's conversations as plain Go: an inbound
// Event plus the chat's stored Session give outbound Messages and the
// next Session. Nothing here knows about Telegram or Redis; bot/ and
// bot/console translate to and from it, and flows/records keeps every
// record. Each flow lives in a file named after it (apply.go,
// support.go, ...) and registers its commands, buttons and input steps
// with the role and scope they need (register.go).
//
// # The handler contract
//
// A handler may run more than once for one update: the Engine runs a
// turn again, from scratch, when the chat's session was saved by
// someone else while it ran, and a redelivered update whose first turn
// failed runs again. So a handler reads, decides and returns its
// effects: the messages it queues with Turn.Say, Turn.SayTo and
// Turn.Send are sent only after the turn committed, once, and the
// session and profile it changes are saved with the turn. It never
// sends anything itself. Records it must change are changed through
// flows/records in ways a rerun repeats harmlessly: a save of the same
// value under the same key, an index add, or a claim (such as
// records.DB.ClaimPublication) where something must happen only once.
// Tests run handlers twice for one update to hold them to this.
package flows

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"github.com/mentorbot/mentorbot/flows/records"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/mentorbot/mentorbot/locales"
)

// Handler runs one turn of a conversation.
type Handler func(t *Turn) error

// Config is what an Engine needs. Store, Catalog and Program are
// required.
type Config struct {
	Store   records.Store
	Catalog *locales.Catalog
	Program *Program
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// Logger receives unexpected errors; slog.Default when nil.
	Logger *slog.Logger
	// BotUsername is used to build deep links (t.me/<name>?start=...).
	BotUsername string
	// InviteValidity is how long an invite link works;
	// DefaultInviteValidity when zero.
	InviteValidity time.Duration
	// Outbox commits each turn's messages to the durable outbox in
	// flows/records with the turn, for the Telegram sender to deliver
	// (Handle still returns them). The console leaves it off: it prints
	// the reply itself.
	Outbox bool
	// WorkspaceURL is the public https address of the staff workspace
	// (bot/webapp's page): /applications offers it, and staff and
	// committee members get it as their chat's menu button. Empty
	// offers it nowhere.
	WorkspaceURL string
	// Files opens what users upload, so the apply flow checks that a
	// document is one before keeping it. Nil takes documents as their
	// name and type describe them, unread: for tests of flows that do
	// not look into files.
	Files Files
}

// Files opens the files users send: bot/ downloads them from Telegram,
// the console opens them on disk.
type Files interface {
	// Open returns the content of the file an Event's File.FileID names;
	// the caller closes it. It fails when the file cannot be had, such
	// as on a network or Telegram error.
	Open(ctx context.Context, fileID string) (io.ReadCloser, error)
}

// Engine routes events to flows and keeps their sessions. It is safe
// for concurrent use by several goroutines; events of one chat should
// still be handed to it in order.
type Engine struct {
	rec     *records.DB
	cat     *locales.Catalog
	program *Program
	now     func() time.Time
	log     *slog.Logger
	botName string
	// inviteValidity is how long an invite link works.
	inviteValidity time.Duration
	outbox         bool
	files          Files
	workspaceURL   string

	commands map[string]Command
	order    []string                 // command names in registration order, for /help
	steps    map[Step]Handler         // free input while a chat is in a flow
	buttons  map[string]buttonHandler // presses of a flow run's buttons, by flow
	// lasting are the buttons that outlive a flow run, by flow and
	// action (lasting.go).
	lasting map[lastingKey]buttonHandler
	// arguments are the handlers commands pick by their argument.
	arguments map[argument]Handler
	sent      map[string]func(ctx context.Context, arg string, chatID int64, messageID int) error
	// undelivered reacts, by Ref kind, to a message the recipient will
	// never get (they blocked the bot, the group is gone): a committee
	// or a student is told, say.
	undelivered map[string]func(ctx context.Context, arg string, u Undelivered) ([]Message, error)
	// personal lists, by flow, how to export and erase what the flow
	// keeps about a person (see mydata.go).
	personal map[string]PersonalData
	// jobs run the work turns start off the chat workers, by kind
	// (jobs.go).
	jobs map[string]JobFunc
	// actions are what staff do in the workspace, by name
	// (workspace.go).
	actions map[string]action
}

// New returns an Engine with every flow registered.
func New(cfg Config) (*Engine, error) {
	if cfg.Store == nil || cfg.Catalog == nil || cfg.Program == nil {
		return nil, errors.New("flows: Store, Catalog and Program are required")
	}
	e := &Engine{
		rec:            records.New(cfg.Store, cfg.Now).InEdition(cfg.Program.Edition),
		cat:            cfg.Catalog,
		program:        cfg.Program,
		now:            cfg.Now,
		log:            cfg.Logger,
		botName:        cfg.BotUsername,
		inviteValidity: cfg.InviteValidity,
		outbox:         cfg.Outbox,
		files:          cfg.Files,
		workspaceURL:   cfg.WorkspaceURL,
		commands:       make(map[string]Command),
		steps:          make(map[Step]Handler),
		buttons:        make(map[string]buttonHandler),
		lasting:        make(map[lastingKey]buttonHandler),

		arguments: make(map[argument]Handler),
		sent:      make(map[string]func(context.Context, string, int64, int) error),

		undelivered: make(map[string]func(context.Context, string, Undelivered) ([]Message, error)),
		personal:    make(map[string]PersonalData),
		jobs:        make(map[string]JobFunc),
		actions:     make(map[string]action),
	}
	e.sent[refJob] = jobMessageSent(e.rec)
	if e.now == nil {
		e.now = time.Now
	}
	if e.inviteValidity <= 0 {
		e.inviteValidity = DefaultInviteValidity
	}
	if e.log == nil {
		e.log = slog.Default()
	}
	for _, register := range []func(*Engine){
		registerStart,
		registerLanguage,
		registerTimeZone,
		registerContact,
		registerAnnounce,
		registerApply,
		registerReview,
		registerAgreement,
		registerMeetings,
		registerDiary,
		registerQuestionnaire,
		registerECTS,
		registerSupport,
		registerVolunteer,
		registerLinks,
		registerInvite,
		registerPeople,
		registerFind,
		registerAudit,
		registerErasure,
		registerRevoke,
		registerMyData,
		registerLasting,
		registerWorkspace,
	} {
		register(e)
	}
	return e, nil
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
	reply, _, err := e.handle(ctx, ev, 0)
	return reply, err
}

// HandleOnce is Handle for a Telegram update, which may be delivered
// twice or reach several replicas: the turn's commit marks
// ev.UpdateID handled, and duplicate reports that it was handled
// already, so nothing was done. On error nothing was saved, so a
// redelivery is handled afresh.
func (e *Engine) HandleOnce(ctx context.Context, ev Event) (reply Reply, duplicate bool, err error) {
	return e.handle(ctx, ev, ev.UpdateID)
}

// handle runs ev, marking update handled with its commit unless update
// is 0, and runs it again from scratch when something it read changed
// before it committed.
func (e *Engine) handle(ctx context.Context, ev Event, update int64) (Reply, bool, error) {
	for attempt := 1; ; attempt++ {
		reply, handled, err := e.turn(ctx, ev, update)
		if handled {
			return Reply{}, true, nil
		}
		if err == nil {
			return reply, false, nil
		}
		if !errors.Is(err, records.ErrConflict) || attempt == maxAttempts {
			return Reply{}, false, err
		}
	}
}

// turn runs one attempt at ev: it loads the session and profile, runs
// the handler against a view of the records that keeps its writes, and
// commits them with the session, the profile, the reply's messages
// (with Config.Outbox) and update's handled mark, at once. handled
// reports that update was handled already.
func (e *Engine) turn(ctx context.Context, ev Event, update int64) (_ Reply, handled bool, _ error) {
	loaded, err := e.rec.LoadTurn(ctx, update, ev.ChatID, ev.From.ID)
	if err != nil {
		return Reply{}, false, err
	}
	if loaded.Handled {
		return Reply{}, true, nil
	}
	s, p := loaded.Session, loaded.Profile
	s.ChatID = ev.ChatID
	before := p
	p.FirstName, p.LastName, p.Username = ev.From.FirstName, ev.From.LastName, ev.From.Username
	if p.Lang == "" {
		p.Lang = e.cat.Match(ev.From.LanguageCode)
	}
	if isPrivate(ev.ChatType) && ev.Kind != KindAction {
		// Someone acting in the workspace has not written to the bot:
		// whether it may write to them is left as it was.
		p.Started = true
		p.Blocked = false
	}
	tx := e.rec.Begin()
	t := &Turn{ctx: ctx, e: e, rec: tx.DB, Event: ev, Session: &s, Profile: &p}
	if err := e.dispatch(t); err != nil {
		return Reply{}, false, err
	}
	if !isPrivate(ev.ChatType) {
		if err := e.capGroupReplies(t); err != nil {
			return Reply{}, false, err
		}
	}
	var save *records.Profile
	if p != before && ev.From.ID != 0 && !t.forget {
		save = &p
		if p.FirstName != before.FirstName || p.LastName != before.LastName || p.Username != before.Username {
			if err := tx.DB.IndexPerson(ctx, before, p); err != nil {
				return Reply{}, false, err
			}
		}
	}
	if e.outbox {
		if err := e.enqueue(ctx, tx.DB, update, sentOf(ev, t.reply.Messages)); err != nil {
			return Reply{}, false, err
		}
	}
	if err := tx.Commit(ctx, &s, save, update); err != nil {
		return Reply{}, false, err
	}
	return t.reply, false, nil
}

// groupReplyLimit is how many replies to its members' chatter the bot
// sends a group in records.GroupReplyWindow. Telegram lets a bot write
// about 20 messages a minute to a group; a member typing commands or
// stray replies must not spend what new requests and committee notes
// need.
const groupReplyLimit = 10

// capGroupReplies drops the turn's replies to its group past the
// group's limit, urgent ones aside, and says so the first time in a
// window. What the turn did stands; only the chatter goes unanswered.
func (e *Engine) capGroupReplies(t *Turn) error {
	chat := t.Event.ChatID
	n := 0
	for _, m := range t.reply.Messages {
		if m.ChatID == chat && !m.Urgent {
			n++
		}
	}
	if n == 0 {
		return nil
	}
	before, after, err := t.rec.CountGroupReplies(t.ctx, chat, n, t.Now(), records.GroupReplyWindow)
	if err != nil {
		return err
	}
	if after <= groupReplyLimit {
		return nil
	}
	kept, k := t.reply.Messages[:0], before
	for _, m := range t.reply.Messages {
		if m.ChatID == chat && !m.Urgent {
			k++
			if k > groupReplyLimit {
				continue
			}
		}
		kept = append(kept, m)
	}
	t.reply.Messages = kept
	if before <= groupReplyLimit { // the first turn past the limit says why
		lang := t.Profile.Lang
		if u, ok := e.program.UniversityByChat(chat); ok {
			lang = groupLang(e.cat, u)
		}
		t.Send(Message{ChatID: chat, Text: e.cat.T(lang, "group.slow_down", nil), TextID: "group.slow_down"})
	}
	return nil
}

// Enqueue commits msgs, sent outside any turn, to the durable outbox at
// once, for the Telegram sender to deliver.
func (e *Engine) Enqueue(ctx context.Context, msgs []Message) error {
	tx := e.rec.Begin()
	if err := e.enqueue(ctx, tx.DB, 0, msgs); err != nil {
		return err
	}
	return tx.Commit(ctx, nil, nil, 0)
}

// enqueue puts msgs in the durable outbox of db, with ids made from
// the update they answer.
func (e *Engine) enqueue(ctx context.Context, db *records.DB, update int64, msgs []Message) error {
	for i, m := range msgs {
		id := fmt.Sprintf("u%d.%d", update, i)
		if update == 0 {
			var err error
			if id, err = db.NewMessageID(ctx); err != nil {
				return err
			}
		}
		if err := db.Enqueue(ctx, m.ChatID, id, m); err != nil {
			return err
		}
	}
	return nil
}

func (e *Engine) dispatch(t *Turn) error {
	switch t.Event.Kind {
	case KindCommand:
		return e.runCommand(t)
	case KindEdited:
		// The original was handled when it arrived; acting on an edit
		// would answer a step twice. Say so, change nothing.
		t.Say("error.edited", nil)
		return nil
	case KindButton:
		return e.pressButton(t)
	case KindAction:
		return e.runAction(t)
	}
	return e.takeInput(t)
}

// runCommand runs the command of the event, if the sender may, here.
// Someone without the command's role is refused; a command sent in the
// other kind of chat gets a pointer to the right one. Either way
// nothing else happens.
func (e *Engine) runCommand(t *Turn) error {
	c, ok := e.commands[strings.ToLower(t.Event.Command)]
	if !ok {
		t.Say("error.unknown_command", map[string]any{"Command": t.Event.Command})
		return nil
	}
	ok, err := e.holds(t, c.Role)
	switch {
	case err != nil:
		return err
	case !ok:
		t.Say("error.not_allowed", nil)
		return nil
	case !c.Scope.allows(t.Event.ChatType):
		e.pointElsewhere(t, c.Scope)
		return nil
	}
	return c.Run(t)
}

// pointElsewhere answers a command sent in the wrong kind of chat with
// one short message: in a group, a pointer to the private chat (with a
// button opening it when the bot's username is known); in private,
// that the command is for a committee's group.
func (e *Engine) pointElsewhere(t *Turn, scope Scope) {
	if scope == InGroup {
		t.Say("scope.group_only", nil)
		return
	}
	var rows [][]Button
	if e.botName != "" {
		rows = append(rows, []Button{{Text: t.T("scope.open_private", nil), URL: "https://t.me/" + e.botName}})
	}
	t.Say("scope.private_only", nil, rows...)
}

// pressButton runs the handler of a pressed button, after checking, in
// order, that the bot made it (it decodes, and its flow or lasting
// action is registered), that it is pressed in the kind of chat it was
// registered for, by the person it was sent to (in a private chat, the
// chat's own person), by someone holding its role (in a group, the
// committee of the group's university), and that it is not stale: a
// button with a nonce belongs to the chat's current flow run; one
// without must be a registered lasting button, whose handler checks its
// target. Whatever fails is a toast, with no other effect.
func (e *Engine) pressButton(t *Turn) error {
	cb, err := DecodeCallback(t.Event.Data)
	if err != nil {
		t.Notice("error.bad_button")
		return nil
	}
	// A lasting action's registration governs its role and scope even
	// when a flow run sends it with a nonce.
	h, ok := e.lasting[lastingKey{cb.Flow, cb.Action}]
	if !ok && cb.Nonce != "" {
		h, ok = e.buttons[cb.Flow]
	}
	if !ok {
		t.Notice("error.bad_button")
		return nil
	}
	ev := t.Event
	if !h.scope.allows(ev.ChatType) || (isPrivate(ev.ChatType) && ev.From.ID != ev.ChatID) {
		t.Notice("scope.not_yours")
		return nil
	}
	ok, err = e.holds(t, h.role)
	switch {
	case err != nil:
		return err
	case !ok:
		t.Notice("error.not_allowed")
		return nil
	case cb.Nonce != "" && (cb.Nonce != t.Session.Nonce || cb.Flow != t.Session.Flow):
		t.Notice("error.stale_button")
		return nil
	}
	t.Callback = cb
	return h.run(t)
}

// takeInput gives free input (text, files) to the group handler in
// groups, and in a private chat to the flow the chat is in; idle, the
// user gets a hint.
func (e *Engine) takeInput(t *Turn) error {
	ev := t.Event
	if ev.ChatType != ChatPrivate && ev.ChatType != "" {
		// In groups the bot speaks only when addressed; group flows
		// (support replies) register groupStep, and only the committee
		// of the group's university is heard there.
		h, ok := e.steps[groupStep]
		if !ok {
			return nil
		}
		if ok, err := e.holds(t, records.RoleCommittee); !ok || err != nil {
			return err
		}
		return h(t)
	}
	if t.Session.Flow != "" {
		if h, ok := e.steps[flowStep(t.Session.Flow)]; ok {
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

// Undeliverable is called by the sender when Telegram refused
// u.Message for good, for u.Reason: the recipient blocked the bot
// (403), the bot is no longer in the group (403), or Telegram knows no
// such chat (400 "chat not found"). A private chat's user is marked
// unreachable, whatever the reason, so nothing is retried for them
// until they write again. The flow that sent the message, found by its
// Ref, reacts: Undeliverable returns the messages to send instead, such
// as a note to the committee whose answer did not arrive, or to a
// student and the staff when a committee group cannot be reached. It
// returns the store's error when the mark or the reaction failed.
func (e *Engine) Undeliverable(ctx context.Context, u Undelivered) ([]Message, error) {
	m := u.Message
	if m.ChatID > 0 { // private chats have the user's id as chat id
		if err := e.rec.MarkBlocked(ctx, m.ChatID); err != nil {
			return nil, err
		}
	}
	kind, arg, _ := strings.Cut(m.Ref, ":")
	h, ok := e.undelivered[kind]
	if !ok || m.Ref == "" {
		return nil, nil
	}
	return h(ctx, arg, u)
}

// LangOf returns the language of userID, for messages to people other
// than the sender.
func (e *Engine) LangOf(ctx context.Context, userID int64) string {
	p, err := e.rec.Profile(ctx, userID)
	if err != nil || p.Lang == "" {
		return locales.Default
	}
	return p.Lang
}

func newNonce() string {
	var b [3]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return hex.EncodeToString(b[:])
}

// Records returns the records the engine keeps, for the Telegram edge's
// sender (the durable outbox) and for tools.
func (e *Engine) Records() *records.DB { return e.rec }

// QueuesMessages reports whether turns commit their messages to the
// durable outbox (Config.Outbox).
func (e *Engine) QueuesMessages() bool { return e.outbox }
