package bot

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/mentorbot/mentorbot/flows"
	"github.com/mentorbot/mentorbot/flows/records"
	"github.com/mentorbot/mentorbot/flows/redisstore/redistest"
)

// unreadableOutbox is a durable outbox whose Redis does not answer
// until ok is set, and then holds nothing.
type unreadableOutbox struct{ ok bool }

var errUnreadable = errors.New("redis: connection refused")

func (u *unreadableOutbox) TakeOutboxChats(context.Context, time.Time, time.Duration, int) ([]int64, error) {
	if !u.ok {
		return nil, errUnreadable
	}
	return nil, nil
}
func (u *unreadableOutbox) RenewOutboxChats(context.Context, []int64, time.Time) error { return nil }
func (u *unreadableOutbox) OutboxMessages(context.Context, int64, int) ([]records.OutboxMessage, error) {
	return nil, nil
}
func (u *unreadableOutbox) OutboxSent(context.Context, int64, records.OutboxMessage, time.Time) (bool, error) {
	return false, nil
}
func (u *unreadableOutbox) OutboxPending(context.Context) (int, error)      { return 0, nil }
func (u *unreadableOutbox) HasProfile(context.Context, int64) (bool, error) { return true, nil }

// TestFeederStuckMakesReplicaUnready: a feeder that cannot read the
// durable outbox for longer than feederStuck makes Ready fail, and the
// first pass that reads it again makes it pass.
func TestFeederStuckMakesReplicaUnready(t *testing.T) {
	now := time.Date(2027, 2, 1, 10, 0, 0, 0, time.UTC)
	q := &unreadableOutbox{}
	f := newFeeder(q, nil, slog.New(slog.DiscardHandler))
	f.now = func() time.Time { return now }
	f.progressed()
	b := &Bot{feeder: f}

	f.fill(t.Context())
	now = now.Add(feederStuck - time.Second)
	if err := b.Ready(); err != nil {
		t.Fatalf("Ready() %s after the last progress = %v; want nil", feederStuck-time.Second, err)
	}
	f.fill(t.Context())
	now = now.Add(2 * time.Second)
	if err := b.Ready(); err == nil {
		t.Fatalf("Ready() with the outbox unreadable for %s = nil; want an error", feederStuck+time.Second)
	}
	q.ok = true
	f.fill(t.Context())
	if err := b.Ready(); err != nil {
		t.Errorf("Ready() after the outbox was read again = %v; want nil", err)
	}
}

// TestLostSlotAnswerIsStamped: when taking a shared send slot fails
// after Redis may have taken it (a timeout), the outbox stamps the slot
// so it ages out of the window instead of staying taken for minutes.
func TestLostSlotAnswerIsStamped(t *testing.T) {
	var stamped []string
	o := NewOutbox(OutboxConfig{Logger: slog.New(slog.DiscardHandler),
		SharedWindow: func(context.Context, int, time.Duration, time.Time) (string, time.Duration, error) {
			return "slot-1", 0, errUnreadable
		},
		SharedDone: func(_ context.Context, slot string, _ time.Time) error {
			stamped = append(stamped, slot)
			return nil
		}})
	defer o.Close(context.Background())
	slot, err := o.waitShared(t.Context(), Rate{N: 30, Per: time.Second})
	if err != nil || slot != "" {
		t.Fatalf("waitShared with the window unavailable = %q, %v; want \"\", nil (the replica's own window holds)", slot, err)
	}
	if len(stamped) != 1 || stamped[0] != "slot-1" {
		t.Errorf("stamped slots = %q; want the one whose answer was lost", stamped)
	}
}

// recorder is a Sender that notes the texts it sends, in order.
type recorder struct{ texts []string }

func (r *recorder) SendMessage(_ context.Context, p *tgbot.SendMessageParams) (*models.Message, error) {
	r.texts = append(r.texts, p.Text)
	return &models.Message{ID: len(r.texts)}, nil
}
func (r *recorder) SendDocument(context.Context, *tgbot.SendDocumentParams) (*models.Message, error) {
	return &models.Message{}, nil
}
func (r *recorder) SendPhoto(context.Context, *tgbot.SendPhotoParams) (*models.Message, error) {
	return &models.Message{}, nil
}

// TestUrgentGroupMessageOvertakes: in a group's durable outbox, an
// urgent message (a new support request) is sent before the follow-ups
// queued ahead of it, which keep their own order; a private chat's
// messages keep theirs whatever their urgency.
func TestUrgentGroupMessageOvertakes(t *testing.T) {
	for _, tc := range []struct {
		chat int64
		want []string
	}{
		{-100, []string{"new", "f1", "f2", "f3"}},
		{42, []string{"f1", "f2", "new", "f3"}},
	} {
		db := records.New(redistest.Store(t), nil)
		ctx := t.Context()
		for i, m := range []flows.Message{{Text: "f1"}, {Text: "f2"}, {Text: "new", Urgent: true}, {Text: "f3"}} {
			m.ChatID = tc.chat
			if err := db.Enqueue(ctx, tc.chat, "m"+strconv.Itoa(i), m); err != nil {
				t.Fatal(err)
			}
		}
		rec := &recorder{}
		out := NewOutbox(OutboxConfig{Sender: rec, Limits: &Limits{}, Logger: slog.New(slog.DiscardHandler)})
		f := newFeeder(db, out, slog.New(slog.DiscardHandler))
		if err := f.sendChat(ctx, tc.chat); err != nil {
			t.Fatal(err)
		}
		out.Close(ctx)
		if !slices.Equal(rec.texts, tc.want) {
			t.Errorf("chat %d sent %q; want %q", tc.chat, rec.texts, tc.want)
		}
	}
}

// TestMessageAboutErasedPersonIsDropped: a group's outbox holds a
// follow-up of a student erased while it waited and one of a student
// still there; only the second reaches Telegram, and both leave the
// outbox.
func TestMessageAboutErasedPersonIsDropped(t *testing.T) {
	const group, erased, kept = -100, 7001, 7002
	db := records.New(redistest.Store(t), nil)
	ctx := t.Context()
	if err := db.SaveProfile(ctx, records.Profile{UserID: kept, FirstName: "Bob"}); err != nil {
		t.Fatal(err)
	}
	for i, m := range []flows.Message{{Text: "words of the erased", About: erased}, {Text: "words of Bob", About: kept}, {Text: "notice"}} {
		m.ChatID = group
		if err := db.Enqueue(ctx, group, "m"+strconv.Itoa(i), m); err != nil {
			t.Fatal(err)
		}
	}
	rec := &recorder{}
	out := NewOutbox(OutboxConfig{Sender: rec, Limits: &Limits{}, Logger: slog.New(slog.DiscardHandler)})
	f := newFeeder(db, out, slog.New(slog.DiscardHandler))
	if err := f.sendChat(ctx, group); err != nil {
		t.Fatal(err)
	}
	out.Close(ctx)
	if want := []string{"words of Bob", "notice"}; !slices.Equal(rec.texts, want) {
		t.Errorf("sent %q; want %q", rec.texts, want)
	}
	if left, err := db.OutboxMessages(ctx, group, 10); err != nil || len(left) != 0 {
		t.Errorf("outbox holds %d messages (%v); want none", len(left), err)
	}
}

// hiccupOutbox is a durable outbox whose reads of a chat's messages
// fail, noting when each chat is handed back for.
type hiccupOutbox struct {
	unreadableOutbox
	mu       sync.Mutex
	handback []time.Time
}

func (h *hiccupOutbox) OutboxMessages(context.Context, int64, int) ([]records.OutboxMessage, error) {
	return nil, errUnreadable
}

func (h *hiccupOutbox) OutboxSent(_ context.Context, _ int64, _ records.OutboxMessage, until time.Time) (bool, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.handback = append(h.handback, until)
	return false, nil
}

// TestFeederRetriesSoonAfterAHiccup: when reading a chat's messages
// fails, the feeder hands the chat back to be tried a second later,
// instead of holding it for its whole lease.
func TestFeederRetriesSoonAfterAHiccup(t *testing.T) {
	now := time.Date(2027, 2, 1, 10, 0, 0, 0, time.UTC)
	q := &hiccupOutbox{}
	f := newFeeder(q, nil, slog.New(slog.DiscardHandler))
	f.now = func() time.Time { return now }
	f.start(t.Context(), 42)
	if err := f.wait(t.Context()); err != nil {
		t.Fatal(err)
	}
	if len(q.handback) != 1 || !q.handback[0].Equal(now.Add(feederRetry)) {
		t.Errorf("chat handed back for %v; want once, for %v", q.handback, now.Add(feederRetry))
	}
}

// finishingOutbox is the durable outbox with a turn that commits a
// message to a chat at the moment its sender found the chat empty, and
// this replica's feeder taking the chat again before the sender let go.
type finishingOutbox struct {
	*records.DB
	f    *feeder
	once sync.Once
}

func (o *finishingOutbox) OutboxSent(ctx context.Context, chat int64, m records.OutboxMessage, until time.Time) (bool, error) {
	more, err := o.DB.OutboxSent(ctx, chat, m, until)
	if err == nil && !more {
		o.once.Do(func() {
			if err := o.Enqueue(ctx, chat, "m2", flows.Message{ChatID: chat, Text: "second"}); err != nil {
				panic(err)
			}
			o.f.fill(ctx)
		})
	}
	return more, err
}

// TestChatTakenAgainWhileItsSenderFinishes: the second message goes out
// at once, instead of waiting out a lease that nobody sends under.
func TestChatTakenAgainWhileItsSenderFinishes(t *testing.T) {
	const chat = 4242
	db := records.New(redistest.Store(t), nil)
	ctx := t.Context()
	rec := &recorder{}
	out := NewOutbox(OutboxConfig{Sender: rec, Limits: &Limits{}, Logger: slog.New(slog.DiscardHandler)})
	defer out.Close(ctx)
	q := &finishingOutbox{DB: db}
	f := newFeeder(q, out, slog.New(slog.DiscardHandler))
	q.f = f
	if err := db.Enqueue(ctx, chat, "m1", flows.Message{ChatID: chat, Text: "first"}); err != nil {
		t.Fatal(err)
	}
	f.fill(ctx)
	if err := f.wait(ctx); err != nil {
		t.Fatal(err)
	}
	if err := out.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if want := []string{"first", "second"}; !slices.Equal(rec.texts, want) {
		t.Errorf("sent %q; want %q", rec.texts, want)
	}
	if n, err := db.OutboxPending(ctx); err != nil || n != 0 {
		t.Errorf("%d chats still wait (%v); want none", n, err)
	}
}
