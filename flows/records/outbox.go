package records

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// The durable outbox: messages a turn committed, waiting to reach
// Telegram. Each chat has a list of message ids in the order they were
// committed; the ready queue holds the chats with messages, by when a
// sender may take them (now, or when another sender's lease on the
// chat runs out). Whichever replica's sender takes a chat sends its
// messages in order and removes each once Telegram accepted it.
const outboxReady = "outbox-ready"

func outboxListKey(chatID int64) string { return "outbox:" + id64(chatID) }

// OutboxMessage is a message in the durable outbox. Body is the
// message as its producer encoded it (flows.Message in JSON). The list
// holds the encoded OutboxMessage itself, so a sender reads a chat's
// messages in one step.
type OutboxMessage struct {
	ID     string          `json:"id"`
	ChatID int64           `json:"chat_id"`
	Body   json.RawMessage `json:"body"`
	// raw is the entry as stored, to remove it by.
	raw string
}

// Enqueue puts a message to chatID, with id unique to it, behind the
// chat's earlier messages. In a turn it is committed with the turn.
func (db *DB) Enqueue(ctx context.Context, chatID int64, id string, body any) error {
	buf, err := json.Marshal(body)
	if err != nil {
		return fmt.Errorf("encode message %s: %w", id, err)
	}
	entry, err := json.Marshal(OutboxMessage{ID: id, ChatID: chatID, Body: buf})
	if err != nil {
		return fmt.Errorf("encode message %s: %w", id, err)
	}
	if err := db.s.Push(ctx, outboxListKey(chatID), string(entry)); err != nil {
		return fmt.Errorf("queue message %s: %w", id, err)
	}
	// Ready at once, whatever the senders' clocks say; a sender's lease
	// keeps its later time.
	if err := db.s.ScheduleIfAbsent(ctx, outboxReady, id64(chatID), time.UnixMilli(0)); err != nil {
		return fmt.Errorf("queue message %s: %w", id, err)
	}
	return nil
}

// NewMessageID returns an id for a message enqueued outside a turn.
func (db *DB) NewMessageID(ctx context.Context) (string, error) {
	n, err := db.s.NextID(ctx, "outbox")
	if err != nil {
		return "", fmt.Errorf("number message: %w", err)
	}
	return "o" + strconv.FormatInt(n, 10), nil
}

// TakeOutboxChats takes up to limit chats whose messages are ready at
// now, each for lease: no other sender takes them until the lease runs
// out, so a sender that dies leaves them to the next.
func (db *DB) TakeOutboxChats(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]int64, error) {
	members, err := db.s.TakeDue(ctx, outboxReady, now, now.Add(lease), limit)
	if err != nil {
		return nil, fmt.Errorf("take outbox chats: %w", err)
	}
	chats := make([]int64, 0, len(members))
	for _, m := range members {
		if id, err := strconv.ParseInt(m, 10, 64); err == nil {
			chats = append(chats, id)
		}
	}
	return chats, nil
}

// RenewOutboxChats extends the lease of chats, taken by the caller,
// until until; a chat that left the ready queue stays out.
func (db *DB) RenewOutboxChats(ctx context.Context, chats []int64, until time.Time) error {
	members := make([]string, len(chats))
	for i, c := range chats {
		members[i] = id64(c)
	}
	if err := db.s.Reschedule(ctx, outboxReady, until, members...); err != nil {
		return fmt.Errorf("renew outbox leases: %w", err)
	}
	return nil
}

// OutboxMessages returns up to n of chatID's waiting messages, oldest
// first; an entry that does not decode comes back with its ID empty.
func (db *DB) OutboxMessages(ctx context.Context, chatID int64, n int) ([]OutboxMessage, error) {
	entries, err := db.s.Head(ctx, outboxListKey(chatID), n)
	if err != nil {
		return nil, fmt.Errorf("outbox of %d: %w", chatID, err)
	}
	out := make([]OutboxMessage, len(entries))
	for i, e := range entries {
		if json.Unmarshal([]byte(e), &out[i]) != nil {
			out[i] = OutboxMessage{ChatID: chatID}
		}
		out[i].raw = e
	}
	return out, nil
}

// OutboxSent removes m, sent or given up, from its chat's outbox (a
// zero m removes nothing). When more messages wait (more), the chat
// is ready again at until: a sender that goes on passes the end of its
// renewed lease, one that stops passes now. Otherwise the chat leaves
// the ready queue, and its sender must stop: a message committed later
// makes the chat ready for any sender.
func (db *DB) OutboxSent(ctx context.Context, chatID int64, m OutboxMessage, until time.Time) (more bool, err error) {
	more, err = db.s.Dequeue(ctx, outboxListKey(chatID), m.raw, outboxReady, id64(chatID), until)
	if err != nil {
		return false, fmt.Errorf("mark message %s sent: %w", m.ID, err)
	}
	return more, nil
}

// OutboxPending counts the chats with messages waiting, for health
// checks and tests.
func (db *DB) OutboxPending(ctx context.Context) (int, error) {
	ids, err := db.s.Due(ctx, outboxReady, endOfTime, 1<<20)
	if err != nil {
		return 0, err
	}
	return len(ids), nil
}

// endOfTime is later than any lease.
var endOfTime = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
