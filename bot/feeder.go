package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mentorbot/mentorbot/flows"
	"github.com/mentorbot/mentorbot/flows/records"
)

// durableOutbox is the outbox in Redis that turns commit their messages
// to (flows/records).
type durableOutbox interface {
	TakeOutboxChats(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]int64, error)
	RenewOutboxChats(ctx context.Context, chats []int64, until time.Time) error
	OutboxMessages(ctx context.Context, chatID int64, n int) ([]records.OutboxMessage, error)
	OutboxSent(ctx context.Context, chatID int64, m records.OutboxMessage, until time.Time) (more bool, err error)
	OutboxPending(ctx context.Context) (int, error)
	HasProfile(ctx context.Context, userID int64) (bool, error)
}

var _ durableOutbox = (*records.DB)(nil)

// The feeder's pace and bounds.
const (
	// feederLease is how long a replica holds a chat it took from the
	// durable outbox; it renews the leases of the chats it is sending
	// to every feederRenew. A replica that dies leaves its chats to the
	// others when their leases run out.
	feederLease = 15 * time.Second
	feederRenew = 5 * time.Second
	// feederPoll is how often the feeder looks for messages it was not
	// told about (other replicas' turns, scheduled sends, a restart).
	feederPoll = time.Second
	// feederChats bounds the chats sent to at once, and so the messages
	// in memory, however slow Telegram is.
	feederChats = 256
	// feederBatch is how many of a chat's messages are read at once.
	feederBatch = 16
	// feederStuck is how long the feeder may go without progress (a
	// message leaving the durable outbox, or a look at it that found
	// nothing to send) before the replica reports itself not ready.
	// It is long enough for Telegram's own flood waits.
	feederStuck = 5 * time.Minute
	// feederRetry is how soon a chat whose sending failed on Redis is
	// tried again.
	feederRetry = time.Second
)

// feeder carries messages from the durable outbox to Telegram through
// the Outbox, which keeps to Telegram's limits: each chat it takes is
// sent to in order, one message at a time, and each message leaves the
// durable outbox only once Telegram accepted it (or refused it for
// good). A crash between Telegram's answer and that mark repeats that
// one message, on the next replica to take the chat.
type feeder struct {
	q   durableOutbox
	out *Outbox
	log *slog.Logger
	now func() time.Time

	wake chan struct{}

	mu   sync.Mutex
	busy map[int64]bool
	// again marks busy chats taken anew while their sender was
	// finishing: the chat emptied, a turn committed a message, and this
	// replica leased the chat again before the sender let go of it. The
	// sender then goes round once more instead of leaving the new
	// message to wait out the lease.
	again  map[int64]bool
	active int
	quiet  chan struct{} // closed while active is 0

	// progress is when the feeder last made progress, in Unix
	// nanoseconds (see feederStuck).
	progress atomic.Int64
}

func newFeeder(q durableOutbox, out *Outbox, log *slog.Logger) *feeder {
	f := &feeder{q: q, out: out, log: log, now: time.Now, wake: make(chan struct{}, 1),
		busy: make(map[int64]bool), again: make(map[int64]bool), quiet: make(chan struct{})}
	close(f.quiet)
	f.progressed()
	return f
}

// progressed notes that the feeder is doing its job.
func (f *feeder) progressed() { f.progress.Store(f.now().UnixNano()) }

// stuck returns an error when the feeder made no progress for
// feederStuck: messages wait and none leaves, or Redis cannot be read.
func (f *feeder) stuck() error {
	since := f.now().Sub(time.Unix(0, f.progress.Load()))
	if since > feederStuck {
		return fmt.Errorf("durable outbox: no progress for %s", since.Round(time.Second))
	}
	return nil
}

// poke tells the feeder that messages were committed.
func (f *feeder) poke() {
	select {
	case f.wake <- struct{}{}:
	default:
	}
}

// run feeds until ctx ends; the chats in hand then stop after the
// message being sent and go back to the ready queue.
func (f *feeder) run(ctx context.Context) {
	tick := time.NewTicker(feederPoll)
	defer tick.Stop()
	renew := time.NewTicker(feederRenew)
	defer renew.Stop()
	for {
		f.fill(ctx)
		select {
		case <-ctx.Done():
			return
		case <-f.wake:
		case <-tick.C:
		case <-renew.C:
			f.renew(ctx)
		}
	}
}

// renew extends the leases of the chats being sent to.
func (f *feeder) renew(ctx context.Context) {
	f.mu.Lock()
	chats := make([]int64, 0, len(f.busy))
	for c := range f.busy {
		chats = append(chats, c)
	}
	f.mu.Unlock()
	if len(chats) == 0 {
		return
	}
	if err := f.q.RenewOutboxChats(ctx, chats, f.now().Add(feederLease)); err != nil && ctx.Err() == nil {
		f.log.Warn("renew leases of the durable outbox", "err", err)
	}
}

// fill takes the chats whose messages are ready and starts sending to
// each, up to feederChats at once.
func (f *feeder) fill(ctx context.Context) {
	for ctx.Err() == nil {
		f.mu.Lock()
		room := feederChats - f.active
		f.mu.Unlock()
		if room <= 0 {
			return
		}
		chats, err := f.q.TakeOutboxChats(ctx, f.now(), feederLease, room)
		if err != nil {
			if ctx.Err() == nil {
				f.log.Warn("durable outbox unavailable", "err", err)
			}
			return
		}
		if len(chats) == 0 && room == feederChats {
			f.progressed() // nothing waits and nothing is in hand
		}
		for _, chat := range chats {
			f.start(ctx, chat)
		}
		if len(chats) < room {
			return
		}
	}
}

// start sends chat's messages on a goroutine of its own, unless one is
// at it already; that one then goes round once more (see again).
func (f *feeder) start(ctx context.Context, chat int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.busy[chat] {
		f.again[chat] = true
		return
	}
	f.busy[chat] = true
	if f.active == 0 {
		f.quiet = make(chan struct{})
	}
	f.active++
	go func() {
		for {
			f.sendOrHandBack(ctx, chat)
			if !f.done(chat) {
				return
			}
		}
	}()
}

// sendOrHandBack sends chat's messages; when that stops short it hands
// the chat back rather than leave it to its lease.
func (f *feeder) sendOrHandBack(ctx context.Context, chat int64) {
	err := f.sendChat(ctx, chat)
	switch {
	case ctx.Err() != nil:
		// Stopping: hand the chat back at once, so a restarted bot or
		// another replica need not wait for the lease.
		if _, err := f.q.OutboxSent(context.WithoutCancel(ctx), chat, records.OutboxMessage{}, f.now()); err != nil {
			f.log.Warn("hand back chat of the durable outbox", "chat_id", chat, "err", err)
		}
	case err != nil:
		// Redis hiccuped: hand the chat back for a try a moment later.
		f.log.Warn("send from durable outbox", "chat_id", chat, "err", err)
		if _, err := f.q.OutboxSent(context.WithoutCancel(ctx), chat, records.OutboxMessage{}, f.now().Add(feederRetry)); err != nil {
			f.log.Warn("hand back chat of the durable outbox", "chat_id", chat, "err", err)
		}
	}
}

// done lets go of chat and reports false, unless this replica took the
// chat again while its sender was finishing: then the sender keeps the
// chat and goes round once more.
func (f *feeder) done(chat int64) (again bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.again[chat] {
		delete(f.again, chat)
		return true
	}
	delete(f.busy, chat)
	f.active--
	if f.active == 0 {
		close(f.quiet)
	}
	return false
}

// sendChat sends chat's messages in order while it holds the chat: until
// the list is empty, when the chat leaves the ready queue and a later
// message makes it ready for any sender. On an error it stops; the
// chat's lease runs out and it is taken again.
func (f *feeder) sendChat(ctx context.Context, chat int64) error {
	for {
		msgs, err := f.q.OutboxMessages(ctx, chat, feederBatch)
		if err != nil {
			return err
		}
		if len(msgs) == 0 {
			_, err := f.q.OutboxSent(ctx, chat, records.OutboxMessage{}, f.now())
			return err
		}
		if chat < 0 {
			// A group gets about 20 messages a minute: send its most
			// urgent waiting message, then look again, so a new
			// request overtakes follow-ups queued before it.
			msgs = []records.OutboxMessage{mostUrgent(msgs)}
		}
		for _, om := range msgs {
			if err := f.sendOne(ctx, om); err != nil {
				return err
			}
			f.progressed()
			// Sent or given up; sending the next renews the lease.
			more, err := f.q.OutboxSent(context.WithoutCancel(ctx), chat, om, f.now().Add(feederLease))
			if err != nil || !more {
				return err
			}
		}
	}
}

// mostUrgent is the first of msgs marked flows.Message.Urgent, or the
// first of msgs when none is.
func mostUrgent(msgs []records.OutboxMessage) records.OutboxMessage {
	for _, om := range msgs {
		var m struct{ Urgent bool }
		if json.Unmarshal(om.Body, &m) == nil && m.Urgent {
			return om
		}
	}
	return msgs[0]
}

// sendOne sends om through the Outbox, unless the person it is about
// was erased. It returns an error only when the message should stay for
// a later try: the bot is stopping, or Redis did not answer.
func (f *feeder) sendOne(ctx context.Context, om records.OutboxMessage) error {
	if om.ID == "" || len(om.Body) == 0 {
		f.log.Error("entry of the durable outbox does not decode; dropped", "chat_id", om.ChatID)
		return nil
	}
	var m flows.Message
	if err := json.Unmarshal(om.Body, &m); err != nil {
		f.log.Error("message in the durable outbox does not decode; dropped", "chat_id", om.ChatID, "id", om.ID, "err", err)
		return nil
	}
	if m.About != 0 {
		// It carries someone's words or name; if they were erased
		// while it waited, it must not go out.
		known, err := f.q.HasProfile(ctx, m.About)
		if err != nil {
			return fmt.Errorf("send %s: %w", om.ID, err)
		}
		if !known {
			f.log.Info("message about an erased person dropped", "chat_id", om.ChatID, "id", om.ID)
			return nil
		}
	}
	_, err := f.out.Send(ctx, m)
	switch {
	case err == nil, errors.Is(err, ErrBlocked):
		return nil
	case ctx.Err() != nil, errors.Is(err, ErrClosed):
		return fmt.Errorf("send %s: %w", om.ID, err)
	}
	// Refused for good, or still failing after the Outbox's retries.
	f.log.Error("message given up", "chat_id", om.ChatID, "id", om.ID, "err", err)
	return nil
}

// flush waits until the durable outbox is empty and every message taken
// from it was sent, or ctx ends.
func (f *feeder) flush(ctx context.Context) error {
	for {
		f.fill(ctx)
		if err := f.wait(ctx); err != nil {
			return err
		}
		n, err := f.q.OutboxPending(ctx)
		if err != nil {
			// Redis is away: nothing more can leave the durable outbox
			// now; what is in memory still can.
			f.log.Warn("durable outbox unavailable", "err", err)
			return f.out.Flush(ctx)
		}
		if n == 0 {
			return f.out.Flush(ctx)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%d chats still have messages in the durable outbox: %w", n, ctx.Err())
		case <-time.After(10 * time.Millisecond): // another replica holds them
		}
	}
}

// wait waits until the chats in hand stopped, or returns ctx's error
// when it ends first.
func (f *feeder) wait(ctx context.Context) error {
	f.mu.Lock()
	quiet := f.quiet
	f.mu.Unlock()
	select {
	case <-quiet:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
