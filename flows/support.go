package flows

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mentorbot/mentorbot/locales"
)

// The support flow puts a student in contact with their university's
// committee. /support asks for the university, a topic and the request
// (text, photo or document), opens a Ticket and posts it in the
// committee's group with Claim and Close buttons. Committee members
// answer by replying to that post (or to any later bot message about
// the ticket); the bot relays the reply to the student in private as
// coming from "the committee of <university>". A member who wants the
// student to see their first name starts the reply with /sign (as a
// command, or at the start of a photo's or document's caption). The
// student's follow-ups, and anything they write after pressing Reply
// under an answer, are posted in the group as replies to the ticket.
// The committee sees the student's first name and language only.
const flowSupport = "support"

// Steps of the support flow in the student's private chat.
const (
	supportStepUniversity = "university"
	supportStepTopic      = "topic"
	supportStepRequest    = "request"
	supportStepThread     = "thread"
)

// supportTopics are the topics a request may be about, in the order
// they are offered; "support.topic.<topic>" names each.
var supportTopics = []string{"academic", "admin", "housing", "language", "social", "other"}

// maxRequest is the longest request or follow-up, in characters. It
// leaves room in one Telegram message (4096) for the header the group
// post adds.
const maxRequest = 3500

// registerSupport adds /support for students, /tickets and /sign for
// committee groups, and the handling of replies in committee groups.
func registerSupport(e *Engine) {
	e.command(Command{Name: "support", Help: "cmd.support", Run: beginSupport})
	e.command(Command{Name: "tickets", Role: RoleCommittee, Help: "cmd.tickets", Run: listTickets})
	e.command(Command{Name: "sign", Role: RoleCommittee, Run: signedAnswer})
	e.buttons[flowSupport] = supportButton
	e.steps[flowSupport] = supportStep
	e.steps["group"] = committeeMessage
	e.sent["ticket"] = e.ticketPosted
	e.undelivered["relay"] = e.relayUndelivered
	e.undelivered["ticket"] = e.ticketUndelivered
	e.personalData(flowSupport, PersonalData{
		Export: func(ctx context.Context, userID int64) (any, error) {
			tickets, err := e.ticketsOf(ctx, userID)
			if err != nil || len(tickets) == 0 {
				return nil, err
			}
			return tickets, nil
		},
		Erase: e.eraseTickets,
	})
}

// supportStartButtons are the rows the welcome message offers to ask
// the committee for help: none when no university is configured.
func supportStartButtons(t *Turn) [][]Button {
	if len(t.Program().Universities) == 0 {
		return nil
	}
	return [][]Button{{t.LastingButton(t.T("support.start_button", nil), flowSupport, "begin", "")}}
}

// beginSupport asks the student which university's committee to write
// to.
func beginSupport(t *Turn) error {
	if t.Event.ChatType != ChatPrivate && t.Event.ChatType != "" {
		t.Say("support.private_only", nil)
		return nil
	}
	unis := t.Program().Universities
	if len(unis) == 0 {
		t.Say("support.no_universities", nil)
		return nil
	}
	t.StartFlow(flowSupport, supportStepUniversity)
	rows := make([][]Button, 0, len(unis))
	for _, u := range unis {
		rows = append(rows, []Button{t.Button(u.Name, "uni", u.ID)})
	}
	t.Say("support.choose_university", nil, rows...)
	return nil
}

func topicButtons(t *Turn) [][]Button {
	var rows [][]Button
	for i := 0; i < len(supportTopics); i += 2 {
		var row []Button
		for _, topic := range supportTopics[i:min(i+2, len(supportTopics))] {
			row = append(row, t.Button(t.T("support.topic."+topic, nil), "topic", topic))
		}
		rows = append(rows, row)
	}
	return rows
}

// supportButton handles every button of the flow: the student's choices
// (tied to the flow run), the student's Reply under an answer and the
// committee's Claim and Close (lasting, checked here).
func supportButton(t *Turn) error {
	switch t.Callback.Action {
	case "begin":
		return beginSupport(t)
	case "uni":
		u, ok := t.Program().University(t.Callback.Arg)
		if !ok || t.Session.Flow != flowSupport || t.Session.Step == supportStepThread {
			t.Notice("error.bad_button")
			return nil
		}
		t.Session.Set("uni", u.ID)
		t.Session.Step = supportStepTopic
		t.Say("support.choose_topic", map[string]any{"University": u.Name}, topicButtons(t)...)
	case "topic":
		if !slices.Contains(supportTopics, t.Callback.Arg) || t.Session.Step != supportStepTopic {
			t.Notice("error.bad_button")
			return nil
		}
		t.Session.Set("topic", t.Callback.Arg)
		t.Session.Step = supportStepRequest
		t.Say("support.ask_request", map[string]any{"Topic": t.T("support.topic."+t.Callback.Arg, nil)})
	case "reply":
		return continueTicket(t)
	case "claim", "close":
		return committeeAction(t)
	default:
		t.Notice("error.bad_button")
	}
	return nil
}

// supportStep takes the student's free input within the flow.
func supportStep(t *Turn) error {
	switch t.Session.Step {
	case supportStepRequest:
		return submitRequest(t)
	case supportStepThread:
		return followUp(t)
	default:
		t.Say("support.use_buttons", nil)
		return nil
	}
}

// content returns what a message carries that can be relayed: its text
// or caption, and its photo or document. ok is false for anything else
// (stickers, voice, empty text); the caller says so.
func content(ev Event) (text string, file *Attachment, ok bool) {
	text = strings.TrimSpace(ev.Text)
	switch ev.Kind {
	case KindText:
		return text, nil, text != ""
	case KindPhoto, KindDocument:
		if ev.File == nil || ev.File.FileID == "" {
			return "", nil, false
		}
		return text, &Attachment{FileID: ev.File.FileID, FileName: ev.File.FileName, Photo: ev.Kind == KindPhoto}, true
	}
	return "", nil, false
}

// studentContent is content for a student's request or follow-up: what
// cannot be relayed, or is too long, is explained and ok is false.
func studentContent(t *Turn) (body string, file *Attachment, ok bool) {
	body, file, ok = content(t.Event)
	switch {
	case !ok:
		t.Say("support.bad_input", nil)
	case len([]rune(body)) > maxRequest:
		t.Say("support.too_long", map[string]any{"Max": maxRequest})
		ok = false
	}
	return body, file, ok
}

// compose joins a header, a body and a footer with blank lines. The
// body is never cut: a caption too long for a file is sent by the
// outbox as a text message right after it.
func compose(head, body, foot string) string {
	var out []string
	for _, p := range []string{head, body, foot} {
		if p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, "\n\n")
}

// groupLang is the language the bot writes in u's committee group.
func (e *Engine) groupLang(u University) string {
	if e.cat.Supported(u.Language) {
		return u.Language
	}
	return locales.Default
}

// ticketHeader is the part of a group post that says which ticket,
// topic and student it is about.
func (e *Engine) ticketHeader(lang, id string, tk Ticket) string {
	name := tk.FirstName
	if name == "" {
		name = "?"
	}
	return e.cat.T(lang, id, map[string]any{
		"ID":       tk.ID,
		"Topic":    e.cat.T(lang, "support.topic."+tk.Topic, nil),
		"Name":     name,
		"Language": e.cat.T(tk.Lang, "language.self", nil),
	})
}

// submitRequest opens a ticket with the student's request and posts it
// in the committee's group.
func submitRequest(t *Turn) error {
	u, uok := t.Program().University(t.Session.Get("uni"))
	topic := t.Session.Get("topic")
	if !uok || !slices.Contains(supportTopics, topic) {
		t.Session.Reset()
		t.Say("support.restart", nil)
		return nil
	}
	body, file, ok := studentContent(t)
	if !ok {
		return nil
	}
	tk, err := openTicket(t, u, topic)
	if err != nil {
		return err
	}
	lang := t.e.groupLang(u)
	t.Send(Message{
		ChatID: u.CommitteeChat,
		Text: compose(t.e.ticketHeader(lang, "support.group.new", tk), body,
			t.e.cat.T(lang, "support.group.how_to_answer", nil)),
		File: file,
		Buttons: [][]Button{{
			t.LastingButton(t.e.cat.T(lang, "support.group.claim_button", nil), flowSupport, "claim", tk.ID),
			t.LastingButton(t.e.cat.T(lang, "support.group.close_button", nil), flowSupport, "close", tk.ID),
		}},
		Ref: "ticket:" + tk.ID,
	})
	t.Session.Fields = nil
	t.Session.Step = supportStepThread
	t.Session.Set("ticket", tk.ID)
	t.Say("support.sent", map[string]any{"ID": tk.ID, "University": u.Name})
	return nil
}

// openTicket creates the ticket for the message being handled, or
// returns the one it already created when the update is handled again.
func openTicket(t *Turn, u University, topic string) (Ticket, error) {
	ctx, ev := t.ctx, t.Event
	var src string
	if ev.MessageID != 0 {
		src = ticketSourceKey(ev.ChatID, ev.MessageID)
		var id string
		err := t.e.store.Get(ctx, src, &id)
		if err == nil {
			tk, err := t.e.Ticket(ctx, id)
			if !errors.Is(err, ErrNotFound) {
				return tk, err
			}
		} else if !errors.Is(err, ErrNotFound) {
			return Ticket{}, fmt.Errorf("look up ticket of message %d: %w", ev.MessageID, err)
		}
	}
	n, err := t.e.store.NextID(ctx, ticketCounter)
	if err != nil {
		return Ticket{}, fmt.Errorf("number ticket: %w", err)
	}
	now := t.Now().UTC()
	tk := Ticket{
		ID:         strconv.FormatInt(n, 10),
		UserID:     ev.From.ID,
		University: u.ID,
		Topic:      topic,
		Lang:       t.Lang(),
		FirstName:  ev.From.FirstName,
		State:      TicketOpen,
		CreatedAt:  now,
		RemindAt:   now.Add(t.Program().SupportReminderAfter),
	}
	if err := t.e.saveTicket(ctx, &tk); err != nil {
		return Ticket{}, err
	}
	if src != "" {
		if err := t.e.store.Put(ctx, src, tk.ID, 7*24*time.Hour); err != nil {
			return Ticket{}, fmt.Errorf("record source of ticket %s: %w", tk.ID, err)
		}
	}
	return tk, nil
}

// threadTicket returns the ticket the student's chat is writing to, or
// false after telling them it is gone or closed and leaving the flow.
func threadTicket(t *Turn, id string) (Ticket, University, bool, error) {
	tk, u, ok, err := t.e.ticketWithUniversity(t.ctx, id)
	if err != nil {
		return Ticket{}, University{}, false, err
	}
	if !ok || tk.UserID != t.Event.From.ID {
		t.Session.Reset()
		t.Say("support.thread_gone", nil)
		return Ticket{}, University{}, false, nil
	}
	if tk.State == TicketClosed {
		t.Session.Reset()
		t.Say("support.thread_closed", map[string]any{"ID": tk.ID})
		return Ticket{}, University{}, false, nil
	}
	return tk, u, true, nil
}

// continueTicket is the student's Reply button under an answer: what
// they write next goes to that ticket.
func continueTicket(t *Turn) error {
	if t.Event.ChatType != ChatPrivate && t.Event.ChatType != "" {
		t.Notice("error.bad_button")
		return nil
	}
	tk, err := t.e.Ticket(t.ctx, t.Callback.Arg)
	if errors.Is(err, ErrNotFound) || t.Callback.Arg == "" || tk.UserID != t.Event.From.ID {
		t.Notice("error.bad_button")
		return nil
	}
	if err != nil {
		return err
	}
	tk, u, ok, err := threadTicket(t, tk.ID)
	if !ok || err != nil {
		return err
	}
	t.StartFlow(flowSupport, supportStepThread)
	t.Session.Set("ticket", tk.ID)
	t.Say("support.thread_prompt", map[string]any{"ID": tk.ID, "University": u.Name})
	return nil
}

// followUp posts the student's further message in the committee group,
// as a reply to the ticket's post.
func followUp(t *Turn) error {
	tk, u, ok, err := threadTicket(t, t.Session.Get("ticket"))
	if !ok || err != nil {
		return err
	}
	body, file, ok := studentContent(t)
	if !ok {
		return nil
	}
	if tk.State == TicketAnswered {
		// Waiting for the committee again.
		tk.State = TicketOpen
		if tk.ClaimedBy != 0 {
			tk.State = TicketClaimed
		}
		tk.RemindAt = t.Now().UTC().Add(t.Program().SupportReminderAfter)
		if err := t.e.saveTicket(t.ctx, &tk); err != nil {
			return err
		}
	}
	lang := t.e.groupLang(u)
	t.Send(Message{
		ChatID: u.CommitteeChat,
		Text: compose(t.e.ticketHeader(lang, "support.group.followup", tk), body,
			t.e.cat.T(lang, "support.group.how_to_answer", nil)),
		File:    file,
		ReplyTo: tk.PostID,
		Ref:     "ticket:" + tk.ID,
	})
	t.Say("support.followup_sent", map[string]any{"ID": tk.ID})
	return nil
}

// committeeMessage handles a message in a group. Only a reply, in a
// configured committee group, to a message of one of that committee's
// tickets is an answer; anything else is ignored without a word.
func committeeMessage(t *Turn) error {
	u, tk, ok, err := repliedTicket(t)
	if !ok || err != nil {
		return err
	}
	body, file, ok := content(t.Event)
	if !ok {
		t.Send(Message{ChatID: t.Event.ChatID, ReplyTo: t.Event.MessageID,
			Text: t.e.cat.T(t.e.groupLang(u), "support.group.unsupported", nil)})
		return nil
	}
	body, signed := cutSign(body, t.e.botName)
	if body == "" && file == nil {
		t.Send(Message{ChatID: t.Event.ChatID, ReplyTo: t.Event.MessageID,
			Text: t.e.cat.T(t.e.groupLang(u), "support.group.unsupported", nil)})
		return nil
	}
	return answerTicket(t, u, tk, body, file, signed)
}

// signedAnswer is /sign text, sent as a reply to a ticket message: an
// answer that shows the member's first name to the student.
func signedAnswer(t *Turn) error {
	u, tk, ok, err := repliedTicket(t)
	if err != nil {
		return err
	}
	body := strings.TrimSpace(t.Event.Args)
	if !ok || body == "" {
		t.Say("support.sign_usage", nil)
		return nil
	}
	return answerTicket(t, u, tk, body, nil, true)
}

// repliedTicket returns the ticket the event replies to, when it is a
// reply in a committee group to a message of one of that committee's
// tickets.
func repliedTicket(t *Turn) (University, Ticket, bool, error) {
	ev := t.Event
	u, ok := t.Program().UniversityByChat(ev.ChatID)
	if !ok || ev.ReplyTo == 0 || ev.ChatType == ChatPrivate || ev.ChatType == "" {
		return University{}, Ticket{}, false, nil
	}
	tk, err := t.e.ticketOfPost(t.ctx, ev.ChatID, ev.ReplyTo)
	if errors.Is(err, ErrNotFound) {
		return University{}, Ticket{}, false, nil
	}
	if err != nil {
		return University{}, Ticket{}, false, err
	}
	if tk.University != u.ID {
		return University{}, Ticket{}, false, nil
	}
	return u, tk, true, nil
}

// cutSign removes a leading /sign (or /sign@bot) from a caption and
// reports whether it was there.
func cutSign(text, botName string) (string, bool) {
	rest, ok := strings.CutPrefix(text, "/sign")
	if !ok {
		return text, false
	}
	if botName != "" {
		rest = strings.TrimPrefix(rest, "@"+botName)
	}
	if rest != "" && rest[0] != ' ' && rest[0] != '\n' {
		return text, false
	}
	return strings.TrimSpace(rest), true
}

// answerTicket relays a committee answer to the student and marks the
// ticket answered.
func answerTicket(t *Turn, u University, tk Ticket, body string, file *Attachment, signed bool) error {
	glang := t.e.groupLang(u)
	if tk.State == TicketClosed {
		t.Send(Message{ChatID: t.Event.ChatID, ReplyTo: t.Event.MessageID,
			Text: t.e.cat.T(glang, "support.group.closed_ticket", map[string]any{"ID": tk.ID})})
		return nil
	}
	lang := t.e.LangOf(t.ctx, tk.UserID)
	data := map[string]any{"ID": tk.ID, "University": u.Name, "Name": t.Event.From.FirstName}
	head := t.e.cat.T(lang, "support.answer", data)
	if signed && t.Event.From.FirstName != "" {
		head = t.e.cat.T(lang, "support.answer_signed", data)
	}
	t.Send(Message{
		ChatID:  tk.UserID,
		Text:    compose(head, body, ""),
		File:    file,
		Buttons: [][]Button{{t.LastingButton(t.e.cat.T(lang, "support.reply_button", nil), flowSupport, "reply", tk.ID)}},
		Ref:     "relay:" + tk.ID,
	})
	tk.State = TicketAnswered
	tk.AnsweredAt = t.Now().UTC()
	tk.AnsweredBy = t.Event.From.ID
	tk.RemindAt = time.Time{}
	if err := t.e.saveTicket(t.ctx, &tk); err != nil {
		return err
	}
	id := "support.group.relayed"
	if signed {
		id = "support.group.relayed_signed"
	}
	t.Send(Message{ChatID: t.Event.ChatID, ReplyTo: t.Event.MessageID, Ref: "ticket:" + tk.ID,
		Text: t.e.cat.T(glang, id, map[string]any{"ID": tk.ID})})
	return nil
}

// committeeAction is a Claim or Close button under a ticket post. It
// counts only when pressed in the ticket's own committee group.
func committeeAction(t *Turn) error {
	id := t.Callback.Arg
	tk, err := t.e.Ticket(t.ctx, id)
	if errors.Is(err, ErrNotFound) || id == "" {
		t.Notice("error.bad_button")
		return nil
	}
	if err != nil {
		return err
	}
	u, ok := t.Program().University(tk.University)
	if !ok || t.Event.ChatID != u.CommitteeChat {
		t.Notice("support.not_your_ticket")
		return nil
	}
	if tk.State == TicketClosed {
		t.Notice("support.already_closed")
		return nil
	}
	glang := t.e.groupLang(u)
	me := t.Event.From
	if t.Callback.Action == "close" {
		tk.State = TicketClosed
		tk.ClosedAt = t.Now().UTC()
		tk.RemindAt = time.Time{}
		if err := t.e.saveTicket(t.ctx, &tk); err != nil {
			return err
		}
		t.Send(Message{ChatID: u.CommitteeChat, ReplyTo: tk.PostID, Ref: "ticket:" + tk.ID,
			Text: t.e.cat.T(glang, "support.group.closed", map[string]any{"ID": tk.ID, "Name": me.FirstName})})
		t.Send(Message{ChatID: tk.UserID,
			Text: t.e.cat.T(t.e.LangOf(t.ctx, tk.UserID), "support.closed", map[string]any{"ID": tk.ID, "University": u.Name})})
		t.Notice("support.done")
		return nil
	}
	if tk.ClaimedBy == me.ID {
		t.Notice("support.claimed_by_you")
		return nil
	}
	// Of two members pressing at once, one saves first; the other's
	// save conflicts, and its turn, run again, finds the ticket taken.
	if tk.ClaimedBy != 0 {
		t.Notice("support.already_claimed")
		return nil
	}
	tk.ClaimedBy, tk.ClaimedByName = me.ID, me.FirstName
	if tk.State == TicketOpen {
		tk.State = TicketClaimed
	}
	if err := t.e.saveTicket(t.ctx, &tk); err != nil {
		return err
	}
	t.Send(Message{ChatID: u.CommitteeChat, ReplyTo: tk.PostID, Ref: "ticket:" + tk.ID,
		Text: t.e.cat.T(glang, "support.group.claimed", map[string]any{"ID": tk.ID, "Name": me.FirstName})})
	t.Notice("support.done")
	return nil
}

// listTickets is /tickets in a committee group: the tickets of that
// committee that are not closed.
func listTickets(t *Turn) error {
	u, ok := t.Program().UniversityByChat(t.Event.ChatID)
	if !ok || t.Event.ChatType == ChatPrivate || t.Event.ChatType == "" {
		t.Say("support.tickets_group_only", nil)
		return nil
	}
	tickets, err := t.e.openTickets(t.ctx, u.ID)
	if err != nil {
		return err
	}
	if len(tickets) == 0 {
		t.Say("support.tickets_none", nil)
		return nil
	}
	lines := []string{t.Plural("support.tickets_count", len(tickets), nil)}
	for _, tk := range tickets {
		var state string
		switch tk.State {
		case TicketClaimed:
			state = t.T("support.state_claimed", map[string]any{"Name": tk.ClaimedByName})
		case TicketAnswered:
			state = t.T("support.state_answered", nil)
		default:
			state = t.T("support.state_open", nil)
		}
		line := t.e.ticketHeader(t.Lang(), "support.tickets_line", tk)
		lines = append(lines, line+" · "+state+" · "+
			t.T("support.tickets_since", map[string]any{"Since": tk.CreatedAt.In(t.Program().Location()).Format("2006-01-02 15:04")}))
	}
	t.Reply(strings.Join(lines, "\n"))
	return nil
}

// TicketReminders returns a reminder for each committee group with a
// ticket that has waited for an answer for the programme's
// support_reminder_after. Each reminder is claimed in the store, so it
// is returned once even when several replicas call this at the same
// time. The scheduler calls it periodically and sends what it returns.
func (e *Engine) TicketReminders(ctx context.Context, now time.Time) ([]Message, error) {
	ids, err := e.store.Due(ctx, ticketReminders, now, 100)
	if err != nil {
		return nil, fmt.Errorf("due ticket reminders: %w", err)
	}
	var out []Message
	for _, id := range ids {
		tk, err := e.Ticket(ctx, id)
		if err != nil && !errors.Is(err, ErrNotFound) {
			return out, err
		}
		u, ok := e.program.University(tk.University)
		waiting := err == nil && ok && (tk.State == TicketOpen || tk.State == TicketClaimed) && !tk.RemindAt.IsZero()
		if waiting && tk.RemindAt.After(now) {
			continue // rescheduled since Due looked
		}
		if waiting {
			won, err := e.store.Claim(ctx, fmt.Sprintf("ticket-remind:%s:%d", tk.ID, tk.RemindAt.UnixMilli()), 30*24*time.Hour)
			if err != nil {
				return out, fmt.Errorf("claim reminder of ticket %s: %w", id, err)
			}
			if !won {
				continue // another replica sends it
			}
			hours := int(now.Sub(tk.RemindAt.Add(-e.program.SupportReminderAfter)).Hours())
			out = append(out, Message{ChatID: u.CommitteeChat, ReplyTo: tk.PostID, Ref: "ticket:" + tk.ID,
				Text: e.cat.Plural(e.groupLang(u), "support.group.reminder", hours, map[string]any{"ID": tk.ID})})
		}
		if err := e.store.Unschedule(ctx, ticketReminders, id); err != nil {
			return out, fmt.Errorf("unschedule reminder of ticket %s: %w", id, err)
		}
	}
	return out, nil
}

// relayUndelivered tells the committee that the student blocked the bot
// and the answer to ticket id did not reach them.
func (e *Engine) relayUndelivered(ctx context.Context, id string, _ Message) ([]Message, error) {
	tk, u, ok, err := e.ticketWithUniversity(ctx, id)
	if !ok || err != nil {
		return nil, err
	}
	return []Message{{ChatID: u.CommitteeChat, ReplyTo: tk.PostID, Ref: "ticket:" + tk.ID,
		Text: e.cat.T(e.groupLang(u), "support.group.user_blocked", map[string]any{"ID": tk.ID})}}, nil
}

// ticketUndelivered tells the student that the committee group could
// not be reached (the bot was removed from it).
func (e *Engine) ticketUndelivered(ctx context.Context, id string, m Message) ([]Message, error) {
	tk, u, ok, err := e.ticketWithUniversity(ctx, id)
	if err != nil {
		return nil, err
	}
	if !ok || m.ChatID != u.CommitteeChat {
		return nil, nil
	}
	return []Message{{ChatID: tk.UserID,
		Text: e.cat.T(e.LangOf(ctx, tk.UserID), "support.undelivered", map[string]any{"ID": tk.ID, "University": u.Name})}}, nil
}
