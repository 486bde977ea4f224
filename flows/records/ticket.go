package records

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"
)

// TicketState is where a support request stands.
type TicketState string

// The states of a ticket. A follow-up from the user puts an answered
// ticket back to open (or claimed, when someone claimed it).
const (
	TicketOpen     TicketState = "open"
	TicketClaimed  TicketState = "claimed"
	TicketAnswered TicketState = "answered"
	TicketClosed   TicketState = "closed"
)

// Ticket is one support request of a user to their university's
// committee. It holds no message text: requests and answers are relayed
// and not kept, so the record says only who asked whom about what.
type Ticket struct {
	// ID is the ticket number, a decimal counter shown as #ID.
	ID         string `json:"id"`
	UserID     int64  `json:"user_id"`
	University string `json:"university"`
	Topic      string `json:"topic"`
	// Lang is the user's language when they asked.
	Lang string `json:"lang"`
	// FirstName is all the committee sees of who asked.
	FirstName string      `json:"first_name"`
	State     TicketState `json:"state"`
	// ClaimedBy is the committee member who took the ticket on; their
	// name is shown in the group only.
	ClaimedBy     int64  `json:"claimed_by,omitempty"`
	ClaimedByName string `json:"claimed_by_name,omitempty"`
	// AnsweredBy is the committee member who answered last.
	AnsweredBy int64 `json:"answered_by,omitempty"`
	// PostID is the committee group's message that opened the ticket;
	// follow-ups are posted as replies to it.
	PostID int `json:"post_id,omitempty"`
	// Posts are the group messages that belong to the ticket: a reply
	// to any of them answers the ticket.
	Posts []int `json:"posts,omitempty"`
	// ThreadID is the forum topic of the ticket in its committee group
	// (0 when the group is no forum): every message about the ticket
	// goes there, and a member's message in it answers the ticket.
	ThreadID int `json:"thread_id,omitempty"`
	// Threads are the topics mapped to the ticket: ThreadID and, should
	// a topic be created twice (a sender that crashed between creating
	// it and sending), the other one too, so each mapping is deleted
	// with the ticket.
	Threads []int `json:"threads,omitempty"`
	// SourceChat and SourceMsg are the user's message that opened the
	// ticket (0 when none), whose mapping goes with the ticket.
	SourceChat int64 `json:"source_chat,omitempty"`
	SourceMsg  int   `json:"source_msg,omitempty"`

	CreatedAt  time.Time `json:"created_at"`
	AnsweredAt time.Time `json:"answered_at,omitzero"`
	ClosedAt   time.Time `json:"closed_at,omitzero"`
	// RemindAt is when the committee is reminded of the ticket unless
	// it is answered first; zero when no reminder is due.
	RemindAt time.Time `json:"remind_at,omitzero"`

	// Version counts saves. The student's chat, the committee group and
	// the scheduler change a ticket from different turns; a save from a
	// stale copy fails with ErrConflict and its turn runs again.
	Version int64 `json:"version"`
}

// Store keys of tickets.
const (
	ticketCounter   = "ticket"
	ticketReminders = "ticket-reminders"
	// ticketExpiry queues closed tickets by when they are deleted.
	ticketExpiry = "ticket-expiry"
)

func ticketKey(id string) string           { return "ticket:" + id }
func ticketsOpenKey(uni string) string     { return "tickets-open:" + uni }
func ticketsOfUserKey(userID int64) string { return "tickets-of:" + id64(userID) }

// ticketPostKey maps a committee group message to its ticket; the chat
// id is part of the key so two groups never share a message.
func ticketPostKey(chatID int64, messageID int) string {
	return fmt.Sprintf("ticket-post:%d:%d", chatID, messageID)
}

// ticketThreadKey maps a forum topic of a committee group to its
// ticket. It names the student's ticket, so it goes with the ticket
// (DeleteTicket).
func ticketThreadKey(chatID int64, threadID int) string {
	return fmt.Sprintf("ticket-thread:%d:%d", chatID, threadID)
}

// TicketTopicOf is what the group messages of ticket id name as their
// forum topic (flows.Topic.Of), for TopicThread.
func TicketTopicOf(id string) string { return "ticket:" + id }

// topicThreadKey holds the forum topic of chatID that of (a
// flows.Topic.Of) has, for the sender.
func topicThreadKey(chatID int64, of string) string {
	return fmt.Sprintf("topic-thread:%d:%s", chatID, of)
}

// TopicThread returns the forum topic of chatID that of (a flows.Topic.Of,
// such as TicketTopicOf) has, 0 when it has none. The sender asks it as
// it sends a message placed in a topic.
func (db *DB) TopicThread(ctx context.Context, of string, chatID int64) (int, error) {
	var thread int
	err := db.get(ctx, topicThreadKey(chatID, of), &thread)
	if errors.Is(err, ErrNotFound) {
		return 0, nil
	}
	return thread, err
}

// ticketSourceKey maps the user's message that opened a ticket to the
// ticket, so a redelivered update does not open a second one.
func ticketSourceKey(chatID int64, messageID int) string {
	return fmt.Sprintf("ticket-src:%d:%d", chatID, messageID)
}

// ticketSourceKept is how long a ticket's opening message is mapped to
// it: long enough for any redelivery.
const ticketSourceKept = 7 * 24 * time.Hour

// Ticket loads a ticket by id; ErrNotFound if there is none.
func (db *DB) Ticket(ctx context.Context, id string) (Ticket, error) {
	var tk Ticket
	return tk, db.get(ctx, ticketKey(id), &tk)
}

// TicketOfSource returns the ticket opened by message messageID of
// chatID, when a redelivery of that message comes; ErrNotFound if the
// message opened none.
func (db *DB) TicketOfSource(ctx context.Context, chatID int64, messageID int) (Ticket, error) {
	var id string
	if err := db.get(ctx, ticketSourceKey(chatID, messageID), &id); err != nil {
		return Ticket{}, err
	}
	return db.Ticket(ctx, id)
}

// NewTicket numbers tk, saves it with retention as its support
// retention, and remembers that message sourceMsg of chatID (when not
// 0) opened it.
func (db *DB) NewTicket(ctx context.Context, tk *Ticket, chatID int64, sourceMsg int, retention time.Duration) error {
	n, err := db.s.NextID(ctx, ticketCounter)
	if err != nil {
		return fmt.Errorf("number ticket: %w", err)
	}
	tk.ID = strconv.FormatInt(n, 10)
	if sourceMsg != 0 {
		tk.SourceChat, tk.SourceMsg = chatID, sourceMsg
	}
	if err := db.SaveTicket(ctx, tk, retention); err != nil {
		return err
	}
	if sourceMsg != 0 {
		if err := db.s.Put(ctx, ticketSourceKey(chatID, sourceMsg), tk.ID, ticketSourceKept); err != nil {
			return fmt.Errorf("record source of ticket %s: %w", tk.ID, err)
		}
	}
	return nil
}

// SaveTicket stores tk if nobody saved it since it was loaded
// (ErrConflict otherwise) and keeps the index of open tickets, the
// reminder queue and, for a closed ticket, its deletion after retention
// in step with its state.
func (db *DB) SaveTicket(ctx context.Context, tk *Ticket, retention time.Duration) error {
	next := *tk
	next.Version++
	if err := db.s.PutIfVersion(ctx, ticketKey(tk.ID), next, tk.Version); err != nil {
		return fmt.Errorf("save ticket %s: %w", tk.ID, err)
	}
	*tk = next
	var err error
	if tk.State == TicketClosed {
		err = db.s.RemoveFromSet(ctx, ticketsOpenKey(tk.University), tk.ID)
	} else {
		err = db.s.AddToSet(ctx, ticketsOpenKey(tk.University), tk.ID)
	}
	if err == nil {
		err = db.s.AddToSet(ctx, ticketsOfUserKey(tk.UserID), tk.ID)
	}
	if err == nil && tk.State == TicketClosed {
		err = db.s.Schedule(ctx, ticketExpiry, tk.ID, tk.ClosedAt.Add(retention))
	}
	if err == nil {
		if tk.RemindAt.IsZero() {
			err = db.s.Unschedule(ctx, ticketReminders, tk.ID)
		} else {
			err = db.s.Schedule(ctx, ticketReminders, tk.ID, tk.RemindAt)
		}
	}
	if err != nil {
		return fmt.Errorf("index ticket %s: %w", tk.ID, err)
	}
	return nil
}

// TicketOfPost returns the ticket a committee group message belongs
// to, or ErrNotFound.
func (db *DB) TicketOfPost(ctx context.Context, chatID int64, messageID int) (Ticket, error) {
	var id string
	if err := db.get(ctx, ticketPostKey(chatID, messageID), &id); err != nil {
		return Ticket{}, err
	}
	return db.Ticket(ctx, id)
}

// AddTicketPost records that messageID of the committee group chatID
// belongs to tk, and saves tk (ErrConflict as SaveTicket).
func (db *DB) AddTicketPost(ctx context.Context, tk *Ticket, chatID int64, messageID int, retention time.Duration) error {
	if err := db.put(ctx, ticketPostKey(chatID, messageID), tk.ID); err != nil {
		return err
	}
	if slices.Contains(tk.Posts, messageID) {
		return nil
	}
	tk.Posts = append(tk.Posts, messageID)
	if tk.PostID == 0 {
		tk.PostID = messageID
	}
	return db.SaveTicket(ctx, tk, retention)
}

// TicketOfThread returns the ticket whose forum topic in the committee
// group chatID is threadID, or ErrNotFound.
func (db *DB) TicketOfThread(ctx context.Context, chatID int64, threadID int) (Ticket, error) {
	var id string
	if err := db.get(ctx, ticketThreadKey(chatID, threadID), &id); err != nil {
		return Ticket{}, err
	}
	return db.Ticket(ctx, id)
}

// AddTicketThread records that forum topic threadID of the committee
// group chatID belongs to tk, makes it tk's topic unless tk has one
// already, and saves tk (ErrConflict as SaveTicket).
func (db *DB) AddTicketThread(ctx context.Context, tk *Ticket, chatID int64, threadID int, retention time.Duration) error {
	if err := db.put(ctx, ticketThreadKey(chatID, threadID), tk.ID); err != nil {
		return err
	}
	if slices.Contains(tk.Threads, threadID) {
		return nil
	}
	tk.Threads = append(tk.Threads, threadID)
	if tk.ThreadID == 0 {
		tk.ThreadID = threadID
		if err := db.put(ctx, topicThreadKey(chatID, TicketTopicOf(tk.ID)), threadID); err != nil {
			return err
		}
	}
	return db.SaveTicket(ctx, tk, retention)
}

// OpenTickets returns the tickets of a university that are not closed,
// oldest first.
func (db *DB) OpenTickets(ctx context.Context, uni string) ([]Ticket, error) {
	return db.ticketsIn(ctx, ticketsOpenKey(uni))
}

// TicketsOf returns every ticket userID opened, oldest first.
func (db *DB) TicketsOf(ctx context.Context, userID int64) ([]Ticket, error) {
	return db.ticketsIn(ctx, ticketsOfUserKey(userID))
}

func (db *DB) ticketsIn(ctx context.Context, set string) ([]Ticket, error) {
	out, err := loadSet[Ticket](ctx, db, set, ticketKey)
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b Ticket) int { return ticketNumber(a.ID) - ticketNumber(b.ID) })
	return out, nil
}

func ticketNumber(id string) int {
	n, _ := strconv.Atoi(id)
	return n
}

// EraseTickets removes every ticket of userID with the records that
// point at it. groupOf names the committee group of a university (0
// when it left the programme).
func (db *DB) EraseTickets(ctx context.Context, userID int64, groupOf func(uni string) int64) error {
	tickets, err := db.TicketsOf(ctx, userID)
	if err != nil {
		return err
	}
	for _, tk := range tickets {
		if err := db.DeleteTicket(ctx, tk, groupOf(tk.University)); err != nil {
			return err
		}
	}
	return db.del(ctx, ticketsOfUserKey(userID))
}

// TicketExport is what /mydata shows of a ticket: the committee
// member who took it on or answered is named by their part.
type TicketExport struct {
	ID         string      `json:"id"`
	University string      `json:"university"`
	Topic      string      `json:"topic"`
	Lang       string      `json:"lang"`
	FirstName  string      `json:"first_name"`
	State      TicketState `json:"state"`
	ClaimedBy  Party       `json:"claimed_by,omitempty"`
	AnsweredBy Party       `json:"answered_by,omitempty"`
	CreatedAt  time.Time   `json:"created_at"`
	AnsweredAt time.Time   `json:"answered_at,omitzero"`
	ClosedAt   time.Time   `json:"closed_at,omitzero"`
}

// ExportTickets returns the tickets userID opened, or nil.
func (db *DB) ExportTickets(ctx context.Context, userID int64) (any, error) {
	tickets, err := db.TicketsOf(ctx, userID)
	if err != nil || len(tickets) == 0 {
		return nil, err
	}
	party := func(id int64) Party {
		switch id {
		case 0:
			return ""
		case ErasedUser:
			return PartyDeleted
		}
		return PartyCommittee
	}
	out := make([]TicketExport, len(tickets))
	for i, tk := range tickets {
		out[i] = TicketExport{ID: tk.ID, University: tk.University, Topic: tk.Topic, Lang: tk.Lang,
			FirstName: tk.FirstName, State: tk.State, ClaimedBy: party(tk.ClaimedBy), AnsweredBy: party(tk.AnsweredBy),
			CreatedAt: tk.CreatedAt, AnsweredAt: tk.AnsweredAt, ClosedAt: tk.ClosedAt}
	}
	return out, nil
}

// eraseTicketHandler replaces committee member userID with ErasedUser
// in the tickets of universities unis they claimed or answered, open
// or closed and not yet expired.
func (db *DB) eraseTicketHandler(ctx context.Context, userID int64, unis []string) error {
	closed, err := db.s.Due(ctx, ticketExpiry, endOfTime, erasuresKept)
	if err != nil {
		return fmt.Errorf("list closed tickets: %w", err)
	}
	tickets, err := loadMany[Ticket](ctx, db.s, ticketKeys(closed))
	if err != nil {
		return err
	}
	for _, uni := range unis {
		open, err := db.OpenTickets(ctx, uni)
		if err != nil {
			return err
		}
		tickets = append(tickets, open...)
	}
	seen := make(map[string]bool)
	for _, tk := range tickets {
		if seen[tk.ID] || (tk.ClaimedBy != userID && tk.AnsweredBy != userID) {
			continue
		}
		seen[tk.ID] = true
		if tk.ClaimedBy == userID {
			tk.ClaimedBy, tk.ClaimedByName = ErasedUser, ""
		}
		if tk.AnsweredBy == userID {
			tk.AnsweredBy = ErasedUser
		}
		next := tk
		next.Version++
		if err := db.s.PutIfVersion(ctx, ticketKey(tk.ID), next, tk.Version); err != nil {
			return fmt.Errorf("erase handler of ticket %s: %w", tk.ID, err)
		}
	}
	return nil
}

func ticketKeys(ids []string) []string {
	keys := make([]string, len(ids))
	for i, id := range ids {
		keys[i] = ticketKey(id)
	}
	return keys
}

// DeleteTicket removes tk, the mappings of its messages in group (its
// committee group, 0 when unknown) and its entries in the indexes and
// queues.
func (db *DB) DeleteTicket(ctx context.Context, tk Ticket, group int64) error {
	keys := []string{ticketKey(tk.ID)}
	if tk.SourceMsg != 0 {
		keys = append(keys, ticketSourceKey(tk.SourceChat, tk.SourceMsg))
	}
	if group != 0 {
		for _, m := range tk.Posts {
			keys = append(keys, ticketPostKey(group, m))
		}
		for _, th := range tk.Threads {
			keys = append(keys, ticketThreadKey(group, th))
		}
		keys = append(keys, topicThreadKey(group, TicketTopicOf(tk.ID)))
	}
	err := db.s.Delete(ctx, keys...)
	if err == nil {
		err = db.s.RemoveFromSet(ctx, ticketsOpenKey(tk.University), tk.ID)
	}
	if err == nil {
		err = db.s.RemoveFromSet(ctx, ticketsOfUserKey(tk.UserID), tk.ID)
	}
	if err == nil {
		err = db.s.Unschedule(ctx, ticketReminders, tk.ID)
	}
	if err == nil {
		err = db.s.Unschedule(ctx, ticketExpiry, tk.ID)
	}
	if err != nil {
		return fmt.Errorf("delete ticket %s: %w", tk.ID, err)
	}
	return nil
}

// expiryBatch bounds the tickets ExpireTickets looks at per round.
const expiryBatch = 100

// ExpireTickets deletes the tickets closed longer ago than retention,
// with their message mappings and index entries, and returns how many
// it deleted. Replicas running it at once delete nothing twice that
// matters, since deleting is idempotent.
func (db *DB) ExpireTickets(ctx context.Context, now time.Time, retention time.Duration, groupOf func(uni string) int64) (int, error) {
	deleted := 0
	for {
		ids, err := db.s.Due(ctx, ticketExpiry, now, expiryBatch)
		if err != nil {
			return deleted, fmt.Errorf("due ticket expiries: %w", err)
		}
		for _, id := range ids {
			tk, err := db.Ticket(ctx, id)
			switch {
			case errors.Is(err, ErrNotFound):
				err = db.s.Unschedule(ctx, ticketExpiry, id)
			case err != nil:
			case tk.State != TicketClosed:
				err = db.s.Unschedule(ctx, ticketExpiry, id)
			case now.Before(tk.ClosedAt.Add(retention)):
				// The retention grew since the ticket was closed.
				err = db.s.Schedule(ctx, ticketExpiry, id, tk.ClosedAt.Add(retention))
			default:
				err = db.DeleteTicket(ctx, tk, groupOf(tk.University))
				deleted++
			}
			if err != nil {
				return deleted, err
			}
		}
		if len(ids) < expiryBatch {
			return deleted, nil
		}
	}
}

// DueTicketReminders returns up to limit tickets whose reminder is due
// at now, with ids of tickets that are gone.
func (db *DB) DueTicketReminders(ctx context.Context, now time.Time, limit int) ([]string, error) {
	ids, err := db.s.Due(ctx, ticketReminders, now, limit)
	if err != nil {
		return nil, fmt.Errorf("due ticket reminders: %w", err)
	}
	return ids, nil
}

// TicketReminderMessageID is the id in the durable outbox of the
// reminder of tk due at tk.RemindAt.
func TicketReminderMessageID(tk Ticket) string {
	return "t:" + tk.ID + ":" + strconv.FormatInt(tk.RemindAt.UnixMilli(), 10)
}

// UnqueueTicketReminder takes ticket id off the reminder queue.
func (db *DB) UnqueueTicketReminder(ctx context.Context, id string) error {
	if err := db.s.Unschedule(ctx, ticketReminders, id); err != nil {
		return fmt.Errorf("unschedule reminder of ticket %s: %w", id, err)
	}
	return nil
}
