package records

import (
	"context"
	"errors"
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
// before asking again. With an error it may return a slot name: the
// slot may have been taken, and should be stamped with SendDone.
func (db *DB) TakeSendSlot(ctx context.Context, limit int, per time.Duration, now time.Time) (string, time.Duration, error) {
	slot, wait, err := db.s.TakeSlot(ctx, sendWindowKey, limit, per, now, now.Add(sendInFlight))
	if err != nil {
		// The slot may be taken though the answer was lost; its name
		// lets the caller stamp it.
		return slot, 0, fmt.Errorf("take a send slot: %w", err)
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

// FollowUpWindow is the window a student's follow-ups are counted in.
const FollowUpWindow = time.Minute

// followUpKey counts userID's follow-ups in the window starting at
// windowStart (Unix seconds).
func followUpKey(userID int64, windowStart int64) string {
	return "followups:" + id64(userID) + ":" + id64(windowStart)
}

// CountFollowUp counts one more follow-up by userID in the fixed window
// of length per that holds now, and returns how many this makes. The
// count goes with the window (its key expires), and with the turn.
func (db *DB) CountFollowUp(ctx context.Context, userID int64, now time.Time, per time.Duration) (int, error) {
	return db.countInWindow(ctx, followUpKey(userID, now.Truncate(per).Unix()), 1, per)
}

// GroupReplyWindow is the window the bot's replies to a group's
// chatter are counted in.
const GroupReplyWindow = time.Minute

// groupRepliesKey counts the bot's replies to chatter in group chatID
// in the window starting at windowStart (Unix seconds).
func groupRepliesKey(chatID int64, windowStart int64) string {
	return "groupreplies:" + id64(chatID) + ":" + id64(windowStart)
}

// CountGroupReplies adds n replies of the bot to chatter in group
// chatID to the fixed window of length per that holds now, and returns
// the window's count before and after. A group's id is no one's
// personal data: the count expires with its window.
func (db *DB) CountGroupReplies(ctx context.Context, chatID int64, n int, now time.Time, per time.Duration) (before, after int, err error) {
	after, err = db.countInWindow(ctx, groupRepliesKey(chatID, now.Truncate(per).Unix()), n, per)
	return after - n, after, err
}

// countInWindow adds n to the count at key, kept for two windows of
// length per, and returns the new count.
func (db *DB) countInWindow(ctx context.Context, key string, n int, per time.Duration) (int, error) {
	var count int
	if err := db.s.Get(ctx, key, &count); err != nil && !errors.Is(err, ErrNotFound) {
		return 0, fmt.Errorf("load %s: %w", key, err)
	}
	count += n
	if err := db.s.Put(ctx, key, count, 2*per); err != nil {
		return 0, fmt.Errorf("save %s: %w", key, err)
	}
	return count, nil
}

// eraseFollowUps deletes userID's follow-up count of the current and
// the previous window, the only ones not yet expired.
func (db *DB) eraseFollowUps(ctx context.Context, userID int64, per time.Duration) error {
	start := db.now().Truncate(per)
	return db.del(ctx, followUpKey(userID, start.Unix()), followUpKey(userID, start.Add(-per).Unix()))
}
