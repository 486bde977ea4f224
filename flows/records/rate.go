package records

import (
	"context"
	"fmt"
	"time"
)

// sendWindowKey is the window of sends to Telegram that every replica
// shares, so together they keep to the bot's global limit.
const sendWindowKey = "send-window"

// TakeSendSlot takes a slot of the global window of sends to Telegram,
// limit per per, shared by every replica. When the window is full it
// takes none and returns how long to wait before asking again.
func (db *DB) TakeSendSlot(ctx context.Context, limit int, per time.Duration, now time.Time) (time.Duration, error) {
	wait, err := db.s.TakeSlot(ctx, sendWindowKey, limit, per, now)
	if err != nil {
		return 0, fmt.Errorf("take a send slot: %w", err)
	}
	return wait, nil
}
