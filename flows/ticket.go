package flows

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

// Store keys of the support flow.
const (
	ticketCounter   = "ticket"
	ticketReminders = "ticket-reminders"
	// ticketExpiry queues closed tickets by when they are deleted.
	ticketExpiry = "ticket-expiry"
)

func ticketKey(id string) string           { return "ticket:" + id }
func ticketsOpenKey(uni string) string     { return "tickets-open:" + uni }
func ticketsOfUserKey(userID int64) string { return fmt.Sprintf("tickets-of:%d", userID) }

// ticketPostKey maps a committee group message to its ticket; the chat
// id is part of the key so two groups never share a message.
func ticketPostKey(chatID int64, messageID int) string {
	return fmt.Sprintf("ticket-post:%d:%d", chatID, messageID)
}

// ticketSourceKey maps the user's message that opened a ticket to the
// ticket, so a redelivered update does not open a second one.
func ticketSourceKey(chatID int64, messageID int) string {
	return fmt.Sprintf("ticket-src:%d:%d", chatID, messageID)
}

// Ticket loads a ticket by id; ErrNotFound if there is none.
func (e *Engine) Ticket(ctx context.Context, id string) (Ticket, error) {
	var tk Ticket
	if err := e.store.Get(ctx, ticketKey(id), &tk); err != nil {
		return Ticket{}, fmt.Errorf("load ticket %s: %w", id, err)
	}
	return tk, nil
}

// saveTicket stores tk and keeps the index of open tickets and the
// reminder queue in step with its state.
// ticketWithUniversity loads ticket id and its university. ok is false,
// with no error, when either is gone: a ticket deleted after its
// retention, or a university taken out of the programme file.
func (e *Engine) ticketWithUniversity(ctx context.Context, id string) (Ticket, University, bool, error) {
	tk, err := e.Ticket(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return Ticket{}, University{}, false, nil
	}
	if err != nil {
		return Ticket{}, University{}, false, err
	}
	u, ok := e.program.University(tk.University)
	return tk, u, ok, nil
}

func (e *Engine) saveTicket(ctx context.Context, tk *Ticket) error {
	next := *tk
	next.Version++
	if err := e.store.PutIfVersion(ctx, ticketKey(tk.ID), next, tk.Version); err != nil {
		return fmt.Errorf("save ticket %s: %w", tk.ID, err)
	}
	*tk = next
	var err error
	if tk.State == TicketClosed {
		err = e.store.RemoveFromSet(ctx, ticketsOpenKey(tk.University), tk.ID)
	} else {
		err = e.store.AddToSet(ctx, ticketsOpenKey(tk.University), tk.ID)
	}
	if err == nil {
		err = e.store.AddToSet(ctx, ticketsOfUserKey(tk.UserID), tk.ID)
	}
	if err == nil && tk.State == TicketClosed {
		// Closed is final; the ticket goes after the retention period.
		err = e.store.Schedule(ctx, ticketExpiry, tk.ID, tk.ClosedAt.Add(e.program.SupportRetention))
	}
	if err == nil {
		if tk.RemindAt.IsZero() {
			err = e.store.Unschedule(ctx, ticketReminders, tk.ID)
		} else {
			err = e.store.Schedule(ctx, ticketReminders, tk.ID, tk.RemindAt)
		}
	}
	if err != nil {
		return fmt.Errorf("index ticket %s: %w", tk.ID, err)
	}
	return nil
}

// ticketOfPost returns the ticket a committee group message belongs
// to, or ErrNotFound.
func (e *Engine) ticketOfPost(ctx context.Context, chatID int64, messageID int) (Ticket, error) {
	var id string
	if err := e.store.Get(ctx, ticketPostKey(chatID, messageID), &id); err != nil {
		return Ticket{}, fmt.Errorf("find ticket of message %d in %d: %w", messageID, chatID, err)
	}
	return e.Ticket(ctx, id)
}

// ticketPosted records that messageID in chatID belongs to ticket id.
// Messages posted anywhere but the ticket's committee group are ignored.
// The sender calls it outside any turn, so it retries a conflicting
// save itself.
func (e *Engine) ticketPosted(ctx context.Context, id string, chatID int64, messageID int) error {
	for attempt := 1; ; attempt++ {
		err := e.recordTicketPost(ctx, id, chatID, messageID)
		if !errors.Is(err, ErrConflict) || attempt == maxAttempts {
			return err
		}
	}
}

func (e *Engine) recordTicketPost(ctx context.Context, id string, chatID int64, messageID int) error {
	tk, err := e.Ticket(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	u, ok := e.program.University(tk.University)
	if !ok || u.CommitteeChat != chatID {
		return nil
	}
	if err := e.store.Put(ctx, ticketPostKey(chatID, messageID), tk.ID, 0); err != nil {
		return fmt.Errorf("record message %d of ticket %s: %w", messageID, id, err)
	}
	if slices.Contains(tk.Posts, messageID) {
		return nil
	}
	tk.Posts = append(tk.Posts, messageID)
	if tk.PostID == 0 {
		tk.PostID = messageID
	}
	return e.saveTicket(ctx, &tk)
}

// openTickets returns the tickets of a university that are not closed,
// oldest first.
func (e *Engine) openTickets(ctx context.Context, uni string) ([]Ticket, error) {
	ids, err := e.store.Members(ctx, ticketsOpenKey(uni))
	if err != nil {
		return nil, fmt.Errorf("list tickets of %s: %w", uni, err)
	}
	return e.loadTickets(ctx, ids)
}

// ticketsOf returns every ticket userID opened, oldest first.
func (e *Engine) ticketsOf(ctx context.Context, userID int64) ([]Ticket, error) {
	ids, err := e.store.Members(ctx, ticketsOfUserKey(userID))
	if err != nil {
		return nil, fmt.Errorf("list tickets of %d: %w", userID, err)
	}
	return e.loadTickets(ctx, ids)
}

func (e *Engine) loadTickets(ctx context.Context, ids []string) ([]Ticket, error) {
	var out []Ticket
	for _, id := range ids {
		tk, err := e.Ticket(ctx, id)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, tk)
	}
	slices.SortFunc(out, func(a, b Ticket) int { return ticketNumber(a.ID) - ticketNumber(b.ID) })
	return out, nil
}

func ticketNumber(id string) int {
	n, _ := strconv.Atoi(id)
	return n
}

// eraseTickets removes every ticket of userID with the records that
// point at it.
func (e *Engine) eraseTickets(ctx context.Context, userID int64) error {
	tickets, err := e.ticketsOf(ctx, userID)
	if err != nil {
		return err
	}
	for _, tk := range tickets {
		if err := e.deleteTicket(ctx, tk); err != nil {
			return err
		}
	}
	if err := e.store.Delete(ctx, ticketsOfUserKey(userID)); err != nil {
		return fmt.Errorf("erase tickets of %d: %w", userID, err)
	}
	return nil
}

// deleteTicket removes tk, the mappings of its group messages and its
// entries in the indexes and queues.
func (e *Engine) deleteTicket(ctx context.Context, tk Ticket) error {
	keys := []string{ticketKey(tk.ID)}
	if u, ok := e.program.University(tk.University); ok {
		for _, m := range tk.Posts {
			keys = append(keys, ticketPostKey(u.CommitteeChat, m))
		}
	}
	err := e.store.Delete(ctx, keys...)
	if err == nil {
		err = e.store.RemoveFromSet(ctx, ticketsOpenKey(tk.University), tk.ID)
	}
	if err == nil {
		err = e.store.RemoveFromSet(ctx, ticketsOfUserKey(tk.UserID), tk.ID)
	}
	if err == nil {
		err = e.store.Unschedule(ctx, ticketReminders, tk.ID)
	}
	if err == nil {
		err = e.store.Unschedule(ctx, ticketExpiry, tk.ID)
	}
	if err != nil {
		return fmt.Errorf("delete ticket %s: %w", tk.ID, err)
	}
	return nil
}

// expiryBatch bounds the tickets ExpireTickets looks at per round.
const expiryBatch = 100

// ExpireTickets deletes the tickets closed longer ago than the
// programme's support_retention, with their message mappings and index
// entries, and returns how many it deleted. The scheduler calls it
// periodically; replicas running it at once delete nothing twice that
// matters, since deleting is idempotent.
func (e *Engine) ExpireTickets(ctx context.Context, now time.Time) (int, error) {
	deleted := 0
	for {
		ids, err := e.store.Due(ctx, ticketExpiry, now, expiryBatch)
		if err != nil {
			return deleted, fmt.Errorf("due ticket expiries: %w", err)
		}
		for _, id := range ids {
			tk, err := e.Ticket(ctx, id)
			switch {
			case errors.Is(err, ErrNotFound):
				err = e.store.Unschedule(ctx, ticketExpiry, id)
			case err != nil:
			case tk.State != TicketClosed:
				err = e.store.Unschedule(ctx, ticketExpiry, id)
			case now.Before(tk.ClosedAt.Add(e.program.SupportRetention)):
				// The retention grew since the ticket was closed.
				err = e.store.Schedule(ctx, ticketExpiry, id, tk.ClosedAt.Add(e.program.SupportRetention))
			default:
				err = e.deleteTicket(ctx, tk)
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
