package records

import (
	"context"
	"fmt"
	"time"
)

// sendWindowKey is the window of sends to Telegram that every replica
// shares, so together they keep to the bot's global limit.
const sendWindowKey = "send-window"

// sendInFlight is how long a slot of a send in flight counts as taken
// at most, should its replica die before the send ends: long against
// any send (a window must never forget a send still on its way), short
// enough that a dead replica's slots come back soon.
const sendInFlight = 5 * time.Minute

// TakeSendSlot takes a slot of the global window of sends to Telegram,
// limit per per, shared by every replica, and returns its name: it
// counts as taken until SendDone stamps it with when the send ended.
// When the window is full it takes none and returns how long to wait
// before asking again.
func (db *DB) TakeSendSlot(ctx context.Context, limit int, per time.Duration, now time.Time) (string, time.Duration, error) {
	slot, wait, err := db.s.TakeSlot(ctx, sendWindowKey, limit, per, now, now.Add(sendInFlight))
	if err != nil {
		return "", 0, fmt.Errorf("take a send slot: %w", err)
	}
	return slot, wait, nil
}

// SendDone stamps slot with when its send ended, so it leaves the
// window a period later, as Telegram counts it.
func (db *DB) SendDone(ctx context.Context, slot string, at time.Time) error {
	if err := db.s.StampSlot(ctx, sendWindowKey, slot, at); err != nil {
		return fmt.Errorf("stamp send slot: %w", err)
	}
	return nil
}
