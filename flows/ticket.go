package flows

import (
	"context"
	"errors"
	"fmt"
	"time"

	"golang.org/x/text/language"
	"golang.org/x/text/language/display"

	"github.com/mentorbot/mentorbot/flows/records"
	"github.com/mentorbot/mentorbot/locales"
)

// supportDesk is the part of the support flow that works outside a
// turn: recording the group posts of a ticket, reacting to messages
// that could not be delivered, reminding committees and exporting or
// erasing a person's tickets.
type supportDesk struct {
	rec     *records.DB
	program *Program
	cat     *locales.Catalog
}

// The kinds of Ref the support flow sends messages with; the sender
// reports the ids of those messages (ticketPosted) or their failure
// (relayUndelivered, ticketUndelivered) under these.
const (
	// refTicket marks a message in a committee group about a ticket.
	refTicket = "ticket"
	// refRelay marks a committee answer relayed to the student.
	refRelay = "relay"
	// refTopic marks the creation of a ticket's forum topic; the
	// sender reports the topic's id (topicOpened).
	refTopic = "topic"
)

// ticketRef is the Ref of a message of kind about ticket id, as
// Engine.Sent and Engine.Undeliverable take it apart.
func ticketRef(kind, id string) string { return kind + ":" + id }

// Forum topics. In a committee group that is a forum each ticket gets
// a topic of its own, and every group message about the ticket goes
// there (ticketTopic). Whether a group is a forum is not kept anywhere:
// the first post of each ticket asks the sender to open a topic, and
// the sender tries createForumTopic and posts the message without a
// topic when Telegram refuses ("the chat is not a forum", or the bot
// may not manage topics). Remembering chat.is_forum from updates would
// save that call in groups that are no forum, but could only be as
// fresh as the group's last update: a group turned into a forum, or
// the bot's right to manage topics taken away, would be noticed late
// or never, while asking Telegram is always right and loses nothing.

// ticketTopic places a group message about tk in tk's topic, when it
// has one by the time the message is sent.
func ticketTopic(tk records.Ticket) *Topic {
	return &Topic{Of: records.TicketTopicOf(tk.ID)}
}

// topicName is the name of tk's topic in u's committee group: its
// number and topic, in the group's language.
func (d supportDesk) topicName(tk records.Ticket, u University) string {
	lang := groupLang(d.cat, u)
	return d.cat.T(lang, "support.group.topic_name", map[string]any{
		"ID": tk.ID, "Topic": d.cat.T(lang, "support.topic."+tk.Topic, nil)})
}

// topicOpened records that forum topic threadID of chatID is ticket
// id's. Topics anywhere but the ticket's committee group are ignored.
// The sender calls it outside any turn, so it retries a conflicting
// save itself.
func (d supportDesk) topicOpened(ctx context.Context, id string, chatID int64, threadID int) error {
	for attempt := 1; ; attempt++ {
		err := d.recordTicketThread(ctx, id, chatID, threadID)
		if !errors.Is(err, records.ErrConflict) || attempt == maxAttempts {
			return err
		}
	}
}

// recordTicketThread is one attempt of topicOpened.
func (d supportDesk) recordTicketThread(ctx context.Context, id string, chatID int64, threadID int) error {
	tk, u, ok, err := d.ticketWithUniversity(ctx, id)
	if !ok || err != nil || u.CommitteeChat != chatID || threadID == 0 {
		return err
	}
	return d.rec.AddTicketThread(ctx, &tk, chatID, threadID, d.program.SupportRetention)
}

// desk returns the support desk over the turn's records.
func (t *Turn) desk() supportDesk {
	return supportDesk{rec: t.rec, program: t.e.program, cat: t.e.cat}
}

// deskOf returns the support desk over e's records, programme and
// catalog.
func deskOf(e *Engine) supportDesk {
	return supportDesk{rec: e.rec, program: e.program, cat: e.cat}
}

// ticketReminderBatch is how many due ticket reminders a scan reads at
// a time.
const ticketReminderBatch = 100

// QueueTicketReminders puts in the durable outbox, for the bot's feeder
// to send, a reminder to the committee group of each ticket that has
// waited for an answer for the programme's support_reminder_after, and
// returns how many it queued. The scheduler calls it periodically.
// Each reminder is queued in a transaction of its own that also takes
// the ticket off the reminder queue, committed on condition that
// nobody saved the ticket meanwhile: replicas scanning at once queue
// it once, and a commit that fails leaves it due for the next scan.
// The error joins what went wrong.
func (e *Engine) QueueTicketReminders(ctx context.Context, now time.Time) (int, error) {
	return deskOf(e).reminders(ctx, now)
}

// ExpireTickets deletes the tickets closed longer ago than the
// programme's support_retention, with their message mappings and index
// entries, and returns how many it deleted. The scheduler calls it
// periodically; replicas running it at once delete nothing twice that
// matters, since deleting is idempotent.
func (e *Engine) ExpireTickets(ctx context.Context, now time.Time) (int, error) {
	return e.rec.ExpireTickets(ctx, now, e.program.SupportRetention, committeeGroupOf(e.program))
}

// committeeGroupOf returns the committee group of a university of p,
// 0 for a university no longer in the programme.
func committeeGroupOf(p *Program) func(uni string) int64 {
	return func(uni string) int64 {
		u, ok := p.University(uni)
		if !ok {
			return 0
		}
		return u.CommitteeChat
	}
}

// groupLang is the language the bot writes in u's committee group.
func groupLang(cat *locales.Catalog, u University) string {
	if cat.Supported(u.Language) {
		return u.Language
	}
	return locales.Default
}

// ticketHeader is the part of a group post, message id in lang, that
// says which ticket, topic and student it is about.
func ticketHeader(cat *locales.Catalog, lang, id string, tk records.Ticket) string {
	name := tk.FirstName
	if name == "" {
		name = "?"
	}
	return cat.T(lang, id, map[string]any{
		"ID":       tk.ID,
		"Topic":    cat.T(lang, "support.topic."+tk.Topic, nil),
		"Name":     name,
		"Language": languageIn(lang, tk.Lang),
	})
}

// languageIn names language code in language lang ("inglese" for "en"
// in Italian), so a group's message does not switch languages midway.
func languageIn(lang, code string) string {
	tag, err := language.Parse(code)
	if err != nil {
		return code
	}
	if name := display.Tags(language.Make(lang)).Name(tag); name != "" {
		return name
	}
	return code
}

// ticketWithUniversity loads ticket id and its university. ok is false,
// with no error, when either is gone: a ticket deleted after its
// retention, or a university taken out of the programme file.
func (d supportDesk) ticketWithUniversity(ctx context.Context, id string) (records.Ticket, University, bool, error) {
	tk, err := d.rec.Ticket(ctx, id)
	if errors.Is(err, records.ErrNotFound) {
		return records.Ticket{}, University{}, false, nil
	}
	if err != nil {
		return records.Ticket{}, University{}, false, err
	}
	u, ok := d.program.University(tk.University)
	return tk, u, ok, nil
}

// userLang is the language of userID, for messages to them outside
// their own turn.
func (d supportDesk) userLang(ctx context.Context, userID int64) string {
	p, err := d.rec.Profile(ctx, userID)
	if err != nil || p.Lang == "" {
		return locales.Default
	}
	return p.Lang
}

// ticketPosted records that messageID in chatID belongs to ticket id.
// Messages posted anywhere but the ticket's committee group are ignored.
// The sender calls it outside any turn, so it retries a conflicting
// save itself.
func (d supportDesk) ticketPosted(ctx context.Context, id string, chatID int64, messageID int) error {
	for attempt := 1; ; attempt++ {
		err := d.recordTicketPost(ctx, id, chatID, messageID)
		if !errors.Is(err, records.ErrConflict) || attempt == maxAttempts {
			return err
		}
	}
}

// recordTicketPost is one attempt of ticketPosted.
func (d supportDesk) recordTicketPost(ctx context.Context, id string, chatID int64, messageID int) error {
	tk, u, ok, err := d.ticketWithUniversity(ctx, id)
	if !ok || err != nil || u.CommitteeChat != chatID {
		return err
	}
	return d.rec.AddTicketPost(ctx, &tk, chatID, messageID, d.program.SupportRetention)
}

// relayUndelivered tells the committee that the student blocked the bot
// (or cannot be reached at all) and the answer to ticket id did not
// reach them.
func (d supportDesk) relayUndelivered(ctx context.Context, id string, _ Undelivered) ([]Message, error) {
	tk, u, ok, err := d.ticketWithUniversity(ctx, id)
	if !ok || err != nil {
		return nil, err
	}
	return []Message{d.ticketNote(tk, u, "support.group.user_blocked", map[string]any{"ID": tk.ID})}, nil
}

// ticketUndelivered reacts to a message about ticket id that could not
// reach the ticket's committee group, because the bot was removed from
// it or Telegram knows no such chat: the student who opened the ticket
// is told that it did not reach the committee and that the staff know,
// and every staff member is alerted (staffAlerts). When the staff
// cannot be listed, the student's message comes back with the error.
func (d supportDesk) ticketUndelivered(ctx context.Context, id string, un Undelivered) ([]Message, error) {
	tk, u, ok, err := d.ticketWithUniversity(ctx, id)
	if err != nil {
		return nil, err
	}
	if !ok || un.Message.ChatID != u.CommitteeChat {
		return nil, nil
	}
	const msg = "support.committee_unreachable"
	text := d.cat.T(d.userLang(ctx, tk.UserID), msg, map[string]any{"ID": tk.ID, "University": u.Name})
	out := []Message{{ChatID: tk.UserID, Text: text, TextID: msg}}
	alerts, err := d.staffAlerts(ctx, tk, u, un.Reason)
	return append(out, alerts...), err
}

// staffAlerts tells every staff member (roster.staff), in their
// language, that u's committee group cannot be reached and a message
// about tk did not get there, with what to do about reason: add the bot
// to the group again, or check the group's id in the programme file.
func (d supportDesk) staffAlerts(ctx context.Context, tk records.Ticket, u University, reason UndeliveredReason) ([]Message, error) {
	staff, err := roster{rec: d.rec, program: d.program}.staff(ctx)
	if err != nil {
		return nil, fmt.Errorf("alert staff to committee group of %s: %w", u.ID, err)
	}
	hint := "support.staff.hint_removed"
	if reason == ReasonChatNotFound {
		hint = "support.staff.hint_not_found"
	}
	const msg = "support.staff.committee_unreachable"
	out := make([]Message, 0, len(staff))
	for _, id := range staff {
		lang := d.userLang(ctx, id)
		text := d.cat.T(lang, msg, map[string]any{"University": u.Name, "Chat": u.CommitteeChat,
			"ID": tk.ID, "Hint": d.cat.T(lang, hint, nil)})
		out = append(out, Message{ChatID: id, Text: text, TextID: msg})
	}
	return out, nil
}

// ticketNote is message id in u's committee group, as a reply to the
// post of tk.
func (d supportDesk) ticketNote(tk records.Ticket, u University, id string, data map[string]any) Message {
	return Message{ChatID: u.CommitteeChat, ReplyTo: tk.PostID, Ref: ticketRef(refTicket, tk.ID), Urgent: true,
		Text: d.cat.T(groupLang(d.cat, u), id, data), TextID: id, Topic: ticketTopic(tk)}
}

// reminders queues the ticket reminders due at now, batch by batch,
// until a batch is the last or got nothing off the queue, and takes
// the tickets that need none off the queue.
func (d supportDesk) reminders(ctx context.Context, now time.Time) (int, error) {
	queued := 0
	var errs []error
	failed := make(map[string]bool)
	for {
		ids, err := d.rec.DueTicketReminders(ctx, now, ticketReminderBatch)
		if err != nil {
			return queued, errors.Join(append(errs, err)...)
		}
		handled := 0
		for _, id := range ids {
			if err := ctx.Err(); err != nil {
				return queued, errors.Join(append(errs, err)...)
			}
			if failed[id] {
				continue
			}
			ok, done, err := d.remindOnce(ctx, id, now)
			if err != nil {
				failed[id] = true
				errs = append(errs, err)
				continue
			}
			if done {
				handled++
			}
			if ok {
				queued++
			}
		}
		if len(ids) < ticketReminderBatch || handled == 0 {
			return queued, errors.Join(errs...)
		}
	}
}

// remindOnce handles the reminder of ticket id, running again when the
// ticket changed before the commit: queued says its message went to
// the outbox, done that the ticket left the reminder queue.
func (d supportDesk) remindOnce(ctx context.Context, id string, now time.Time) (queued, done bool, err error) {
	for attempt := 1; ; attempt++ {
		queued, done, err = d.remind(ctx, id, now)
		if !errors.Is(err, records.ErrConflict) || attempt == maxAttempts {
			if err != nil {
				return false, false, fmt.Errorf("reminder of ticket %s: %w", id, err)
			}
			return queued, done, nil
		}
	}
}

// remind is one transaction of remindOnce. A ticket still waiting has
// its reminder queued and its RemindAt cleared, which takes it off the
// reminder queue and, as the save is conditional on the ticket's
// version, makes a second scanner's commit fail. A ticket that waits
// for nothing (answered, closed, gone) just leaves the queue.
func (d supportDesk) remind(ctx context.Context, id string, now time.Time) (queued, done bool, err error) {
	tx := d.rec.Begin()
	td := d
	td.rec = tx.DB
	tk, u, waiting, err := td.waitingTicket(ctx, id)
	switch {
	case err != nil:
		return false, false, err
	case waiting && tk.RemindAt.After(now):
		return false, false, nil // rescheduled since Due looked
	case waiting:
		msg := td.reminder(tk, u, now)
		msgID := records.TicketReminderMessageID(tk)
		tk.RemindAt = time.Time{}
		if err := tx.SaveTicket(ctx, &tk, d.program.SupportRetention); err != nil {
			return false, false, err
		}
		if err := tx.Enqueue(ctx, msg.ChatID, msgID, msg); err != nil {
			return false, false, err
		}
	default:
		if err := tx.UnqueueTicketReminder(ctx, id); err != nil {
			return false, false, err
		}
	}
	if err := tx.Commit(ctx, nil, nil, 0); err != nil {
		return false, false, err
	}
	return waiting, true, nil
}

// waitingTicket loads ticket id and its university; waiting is false
// when the ticket is gone, its university left the programme or it
// waits for no answer.
func (d supportDesk) waitingTicket(ctx context.Context, id string) (tk records.Ticket, u University, waiting bool, err error) {
	tk, u, ok, err := d.ticketWithUniversity(ctx, id)
	if !ok || err != nil {
		return tk, u, false, err
	}
	waiting = (tk.State == records.TicketOpen || tk.State == records.TicketClaimed) && !tk.RemindAt.IsZero()
	return tk, u, waiting, nil
}

// reminder tells u's committee at now how long tk has waited.
func (d supportDesk) reminder(tk records.Ticket, u University, now time.Time) Message {
	const id = "support.group.reminder"
	hours := int(now.Sub(tk.RemindAt.Add(-d.program.SupportReminderAfter)).Hours())
	return Message{ChatID: u.CommitteeChat, ReplyTo: tk.PostID, Ref: ticketRef(refTicket, tk.ID),
		Text: d.cat.Plural(groupLang(d.cat, u), id, hours, map[string]any{"ID": tk.ID}), TextID: id,
		Topic: ticketTopic(tk)}
}
