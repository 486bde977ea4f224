package bot

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/mentorbot/mentorbot/flows/records"
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
func (u *unreadableOutbox) OutboxPending(context.Context) (int, error) { return 0, nil }

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
