package flows

import (
	"context"
	"github.com/mentorbot/mentorbot/flows/records"
	"time"

	"github.com/mentorbot/mentorbot/locales"
)

// Turn is one event being handled: the event, the session and profile
// it may change, and the reply being built. Flows receive it.
type Turn struct {
	ctx context.Context
	e   *Engine
	// rec is the turn's view of the records: its writes are committed
	// with the turn, or not at all.
	rec     *records.DB
	Event   Event
	Session *records.Session
	Profile *records.Profile
	// Callback is the decoded button for KindButton events.
	Callback Callback
	reply    Reply
	// forget stops the turn from saving the profile, after the user's
	// data was erased.
	forget bool
	// senderZone is the zone the sender sees dates in when they chose
	// none, once looked up (see Turn.zoneOf).
	senderZone *time.Location
}

// Context returns the turn's context.
func (t *Turn) Context() context.Context { return t.ctx }

// Now returns the engine clock's time.
func (t *Turn) Now() time.Time { return t.e.now() }

// Lang returns the sender's language.
func (t *Turn) Lang() string {
	if t.Profile.Lang == "" {
		return locales.Default
	}
	return t.Profile.Lang
}

// LangOf returns the language of userID, for messages to people other
// than the sender.
func (t *Turn) LangOf(userID int64) string {
	if userID == t.Profile.UserID {
		return t.Lang()
	}
	p, err := t.rec.Profile(t.ctx, userID)
	if err != nil || p.Lang == "" {
		return locales.Default
	}
	return p.Lang
}

// T localizes message id for the sender.
func (t *Turn) T(id string, data map[string]any) string { return t.e.cat.T(t.Lang(), id, data) }

// Plural localizes message id for the sender in the plural form of n.
func (t *Turn) Plural(id string, n int, data map[string]any) string {
	return t.e.cat.Plural(t.Lang(), id, n, data)
}

// Say replies in the event's chat with message id.
func (t *Turn) Say(id string, data map[string]any, buttons ...[]Button) {
	t.Send(Message{ChatID: t.Event.ChatID, Text: t.T(id, data), TextID: id, Buttons: buttons})
}

// SayTo sends message id to chatID in lang, such as a note to the other
// side of a mentorship in their language.
func (t *Turn) SayTo(chatID int64, lang, id string, data map[string]any, buttons ...[]Button) {
	t.Send(Message{ChatID: chatID, Text: t.e.cat.T(lang, id, data), TextID: id, Buttons: buttons})
}

// SayAbout is SayTo for a message that carries the words or the name of
// the event's sender to someone else: it is not sent if the sender is
// erased before it leaves (Message.About).
func (t *Turn) SayAbout(chatID int64, lang, id string, data map[string]any, buttons ...[]Button) {
	t.Send(Message{ChatID: chatID, Text: t.e.cat.T(lang, id, data), TextID: id, Buttons: buttons, About: t.Event.From.ID})
}

// Reply replies in the event's chat with a text already localized.
func (t *Turn) Reply(text string, buttons ...[]Button) {
	t.Send(Message{ChatID: t.Event.ChatID, Text: text, Buttons: buttons})
}

// Send queues any message, to any chat.
func (t *Turn) Send(m Message) { t.reply.Messages = append(t.reply.Messages, m) }

// Notice shows message id as a toast on the pressed button.
func (t *Turn) Notice(id string) { t.reply.Notice, t.reply.NoticeID = t.T(id, nil), id }

// StartFlow puts the chat into flow at step, forgetting any other flow,
// with a fresh nonce so older buttons go stale.
func (t *Turn) StartFlow(flow, step string) {
	t.Session.Reset()
	t.Session.Flow, t.Session.Step, t.Session.Nonce = flow, step, newNonce()
}

// Button returns a button of the current flow run: it goes stale when
// the flow ends or restarts. text is already localized.
func (t *Turn) Button(text, action, arg string) Button {
	return newButton(text, Callback{Flow: t.Session.Flow, Action: action, Nonce: t.Session.Nonce, Arg: arg})
}

// button encodes c; flows only build callbacks from their own constant
// names and validated ids, so a failure is a programming error.
func newButton(text string, c Callback) Button {
	data, err := c.Encode()
	if err != nil {
		panic(err)
	}
	return Button{Text: text, Data: data}
}

// LastingButton returns a button not tied to a flow run: it stays valid
// while its target, arg, does, and its handler must check the target.
// Its flow and action must be registered with onLasting (lasting.go),
// or the dispatcher would refuse it: making one that is not is a
// programming error and panics.
func (t *Turn) LastingButton(text, flow, action, arg string) Button {
	if _, ok := t.e.lasting[lastingKey{flow, action}]; !ok {
		panic("flows: lasting button not registered: " + flow + " " + action)
	}
	return newButton(text, Callback{Flow: flow, Action: action, Arg: arg})
}

// LoadState decodes the state of the chat's flow into v, a pointer to
// the flow's state struct; no state leaves v as it is. A state that
// does not decode is an error, not a silent zero.
func (t *Turn) LoadState(v any) error { return t.Session.Decode(v) }

// SaveState keeps v as the state of the chat's flow, saved with the
// turn.
func (t *Turn) SaveState(v any) {
	if err := t.Session.Encode(v); err != nil {
		panic(err) // flows' state structs always encode
	}
}

// Program is the programme configuration.
func (t *Turn) Program() *Program { return t.e.program }

// Engine returns the engine running the turn.
func (t *Turn) Engine() *Engine { return t.e }
