package flows

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/mentorbot/mentorbot/flows/records"
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
//
// A committee group that is a forum gets a topic per ticket, named
// with its number and topic (see ticketTopic in ticket.go): the post,
// the follow-ups and the bot's notes about the ticket go there, any
// member's message in the topic answers the ticket with no need to
// reply, but for internal notes, which start with "!" and stay in the
// group, and closing the ticket closes its topic. Replies to the
// ticket's posts answer it as in any group. /answers keeps the
// committee's canned answers (answers.go).
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

// supportState is the support flow's state in the student's chat.
type supportState struct {
	// University and Topic are the student's choices so far.
	University string `json:"uni,omitempty"`
	Topic      string `json:"topic,omitempty"`
	// Ticket is the ticket the chat writes to in the thread step.
	Ticket string `json:"ticket,omitempty"`
}

// registerSupport adds /support for students, /tickets and /sign for
// committee groups, and the handling of replies in committee groups.
func registerSupport(e *Engine) {
	desk := deskOf(e)
	// In the wrong kind of chat the dispatcher answers for them: a
	// pointer to the private chat, or to the committee's group.
	e.command(Command{Name: "support", Role: records.RoleAnyone, Scope: InPrivate, Help: "cmd.support", Run: beginSupport})
	e.command(Command{Name: "tickets", Role: records.RoleCommittee, Scope: InGroup, Help: "cmd.tickets", Run: listTickets})
	e.command(Command{Name: "sign", Role: records.RoleCommittee, Scope: InGroup, Run: signedAnswer})
	registerAnswers(e)
	// Students press the flow's buttons in private, committee members
	// in their group; supportButton checks who pressed what.
	e.onButton(flowSupport, records.RoleAnyone, InPrivate, supportButton)
	e.onStep(flowStep(flowSupport), supportStep)
	e.onStep(groupStep, committeeMessage)
	e.sent[refTicket] = desk.ticketPosted
	e.sent[refTopic] = desk.topicOpened
	e.undelivered[refRelay] = desk.relayUndelivered
	e.undelivered[refTicket] = desk.ticketUndelivered
	e.personalData(flowSupport, PersonalData{
		Export: exportBy((*records.DB).ExportTickets),
		Erase: func(ctx context.Context, db *records.DB, userID int64) error {
			return db.EraseTickets(ctx, userID, committeeGroupOf(e.program))
		},
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
		return chooseUniversity(t)
	case "topic":
		return chooseTopic(t)
	case "reply":
		return continueTicket(t)
	case "claim", "close":
		return committeeAction(t)
	default:
		t.Notice("error.bad_button")
	}
	return nil
}

// chooseUniversity takes the student's university and asks for the
// topic.
func chooseUniversity(t *Turn) error {
	u, ok := t.Program().University(t.Callback.Arg)
	if !ok || t.Session.Flow != flowSupport || t.Session.Step == supportStepThread {
		t.Notice("error.bad_button")
		return nil
	}
	var st supportState
	if err := t.LoadState(&st); err != nil {
		return err
	}
	askTopic(t, st, u)
	return nil
}

// supportAt opens a request to u's committee, the university already
// chosen (a university's support link, links.go).
func supportAt(t *Turn, u University) {
	t.StartFlow(flowSupport, supportStepUniversity)
	askTopic(t, supportState{}, u)
}

// askTopic takes u as the request's university and asks for the topic.
func askTopic(t *Turn, st supportState, u University) {
	st.University = u.ID
	t.SaveState(st)
	t.Session.Step = supportStepTopic
	t.Say("support.choose_topic", map[string]any{"University": u.Name}, topicButtons(t)...)
}

// chooseTopic takes the topic and asks for the request.
func chooseTopic(t *Turn) error {
	if !slices.Contains(supportTopics, t.Callback.Arg) || t.Session.Step != supportStepTopic {
		t.Notice("error.bad_button")
		return nil
	}
	var st supportState
	if err := t.LoadState(&st); err != nil {
		return err
	}
	st.Topic = t.Callback.Arg
	t.SaveState(st)
	t.Session.Step = supportStepRequest
	t.Say("support.ask_request", map[string]any{"Topic": t.T("support.topic."+t.Callback.Arg, nil)})
	return nil
}

// supportStep takes the student's free input within the flow.
func supportStep(t *Turn) error {
	var st supportState
	if err := t.LoadState(&st); err != nil {
		return err
	}
	switch t.Session.Step {
	case supportStepRequest:
		return submitRequest(t, st)
	case supportStepThread:
		return followUp(t, st)
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
	text, _ := composeQuoted(head, body, foot)
	return text
}

// composeQuoted is compose, with the span of body in the result (nil
// when body is empty), for relaying a person's words as a quote.
func composeQuoted(head, body, foot string) (string, *Span) {
	var quote *Span
	var b strings.Builder
	for i, p := range []string{head, body, foot} {
		if p == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteString("\n\n")
		}
		if i == 1 {
			quote = &Span{Start: b.Len(), End: b.Len() + len(p)}
		}
		b.WriteString(p)
	}
	return b.String(), quote
}

// submitRequest opens a ticket with the student's request and posts it
// in the committee's group.
func submitRequest(t *Turn, st supportState) error {
	u, uok := t.Program().University(st.University)
	if !uok || !slices.Contains(supportTopics, st.Topic) {
		t.Session.Reset()
		t.Say("support.restart", nil)
		return nil
	}
	body, file, ok := studentContent(t)
	if !ok {
		return nil
	}
	tk, err := openTicket(t, u, st.Topic)
	if err != nil {
		return err
	}
	lang := groupLang(t.e.cat, u)
	text, quote := composeQuoted(ticketHeader(t.e.cat, lang, "support.group.new", tk), body,
		t.e.cat.T(lang, "support.group.how_to_answer", nil))
	topic := ticketTopic(tk)
	topic.Open, topic.Ref = t.desk().topicName(tk, u), ticketRef(refTopic, tk.ID)
	t.Send(Message{
		Topic:  topic,
		ChatID: u.CommitteeChat,
		Text:   text,
		Quote:  quote,
		Urgent: true,
		About:  t.Event.From.ID,
		TextID: "support.group.new",
		File:   file,
		Buttons: [][]Button{{
			t.LastingButton(t.e.cat.T(lang, "support.group.claim_button", nil), flowSupport, "claim", tk.ID),
			t.LastingButton(t.e.cat.T(lang, "support.group.close_button", nil), flowSupport, "close", tk.ID),
		}},
		Ref: ticketRef(refTicket, tk.ID),
	})
	t.SaveState(supportState{Ticket: tk.ID})
	t.Session.Step = supportStepThread
	t.Say("support.sent", map[string]any{"ID": tk.ID, "University": u.Name})
	return nil
}

// openTicket creates the ticket for the message being handled, or
// returns the one it already created when the update is handled again.
func openTicket(t *Turn, u University, topic string) (records.Ticket, error) {
	ctx, ev := t.ctx, t.Event
	if ev.MessageID != 0 {
		tk, err := t.rec.TicketOfSource(ctx, ev.ChatID, ev.MessageID)
		if !errors.Is(err, records.ErrNotFound) {
			return tk, err
		}
	}
	now := t.Now().UTC()
	tk := records.Ticket{
		UserID:     ev.From.ID,
		University: u.ID,
		Topic:      topic,
		Lang:       t.Lang(),
		FirstName:  ev.From.FirstName,
		State:      records.TicketOpen,
		CreatedAt:  now,
		RemindAt:   now.Add(t.Program().SupportReminderAfter),
	}
	if err := t.rec.NewTicket(ctx, &tk, ev.ChatID, ev.MessageID, t.Program().SupportRetention); err != nil {
		return records.Ticket{}, err
	}
	return tk, nil
}

// threadTicket returns the ticket the student's chat is writing to, or
// false after telling them it is gone or closed and leaving the flow.
func threadTicket(t *Turn, id string) (records.Ticket, University, bool, error) {
	tk, u, ok, err := t.desk().ticketWithUniversity(t.ctx, id)
	if err != nil {
		return records.Ticket{}, University{}, false, err
	}
	if !ok || tk.UserID != t.Event.From.ID {
		t.Session.Reset()
		t.Say("support.thread_gone", nil)
		return records.Ticket{}, University{}, false, nil
	}
	if tk.State == records.TicketClosed {
		t.Session.Reset()
		t.Say("support.thread_closed", map[string]any{"ID": tk.ID})
		return records.Ticket{}, University{}, false, nil
	}
	return tk, u, true, nil
}

// continueTicket is the student's Reply button under an answer: what
// they write next goes to that ticket.
func continueTicket(t *Turn) error {
	tk, err := t.rec.Ticket(t.ctx, t.Callback.Arg)
	if errors.Is(err, records.ErrNotFound) || t.Callback.Arg == "" || tk.UserID != t.Event.From.ID {
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
	t.SaveState(supportState{Ticket: tk.ID})
	t.Say("support.thread_prompt", map[string]any{"ID": tk.ID, "University": u.Name})
	return nil
}

// followUpLimit is how many follow-ups a student may send a committee
// in records.FollowUpWindow.
const followUpLimit = 10

// followUp posts the student's further message in the committee group,
// as a reply to the ticket's post.
func followUp(t *Turn, st supportState) error {
	tk, u, ok, err := threadTicket(t, st.Ticket)
	if !ok || err != nil {
		return err
	}
	body, file, ok := studentContent(t)
	if !ok {
		return nil
	}
	// One student must not bury the others' requests in the group:
	// past the limit they are told once, and nothing more is relayed
	// until the window passes.
	n, err := t.rec.CountFollowUp(t.ctx, t.Event.From.ID, t.Now(), records.FollowUpWindow)
	if err != nil {
		return err
	}
	if n > followUpLimit {
		if n == followUpLimit+1 {
			t.Say("support.slow_down", map[string]any{"ID": tk.ID})
		}
		return nil
	}
	if tk.State == records.TicketAnswered {
		// Waiting for the committee again.
		tk.State = records.TicketOpen
		if tk.ClaimedBy != 0 {
			tk.State = records.TicketClaimed
		}
		tk.RemindAt = t.Now().UTC().Add(t.Program().SupportReminderAfter)
		if err := t.rec.SaveTicket(t.ctx, &tk, t.Program().SupportRetention); err != nil {
			return err
		}
	}
	lang := groupLang(t.e.cat, u)
	text, quote := composeQuoted(ticketHeader(t.e.cat, lang, "support.group.followup", tk), body,
		t.e.cat.T(lang, "support.group.how_to_answer", nil))
	t.Send(Message{
		ChatID:  u.CommitteeChat,
		Text:    text,
		Quote:   quote,
		TextID:  "support.group.followup",
		File:    file,
		ReplyTo: tk.PostID,
		Ref:     ticketRef(refTicket, tk.ID),
		About:   t.Event.From.ID,
		Topic:   ticketTopic(tk),
	})
	t.Say("support.followup_sent", map[string]any{"ID": tk.ID})
	return nil
}

// answerInGroup replies to the message being handled, in u's committee
// group (in the event's topic), with message id in the group's language.
func answerInGroup(t *Turn, u University, id string, data map[string]any) {
	t.Send(Message{ChatID: t.Event.ChatID, ReplyTo: t.Event.MessageID, Topic: eventTopic(t.Event),
		Text: t.e.cat.T(groupLang(t.e.cat, u), id, data), TextID: id})
}

// eventTopic is the forum topic ev was written in, or nil.
func eventTopic(ev Event) *Topic {
	if !ev.TopicMessage || ev.ThreadID == 0 {
		return nil
	}
	return &Topic{Thread: ev.ThreadID}
}

// committeeMessage handles a message in a group. Only a message in a
// ticket's topic, or a reply to a message of one of the committee's
// tickets, in a configured committee group, is an answer; anything
// else is ignored without a word. In a topic, where members also talk
// among themselves, a note starting with "!" stays in the group, and
// what cannot be relayed (stickers, the service messages of a topic
// closed or renamed) is let be.
func committeeMessage(t *Turn) error {
	u, tk, inTopic, ok, err := eventTicket(t)
	if !ok || err != nil {
		return err
	}
	body, file, ok := content(t.Event)
	if inTopic && (!ok || strings.HasPrefix(body, internalNote)) {
		return nil
	}
	if !ok {
		answerInGroup(t, u, "support.group.unsupported", nil)
		return nil
	}
	body, signed := cutSign(body, t.e.botName)
	if body == "" && file == nil {
		answerInGroup(t, u, "support.group.unsupported", nil)
		return nil
	}
	return answerTicket(t, u, tk, body, file, signed)
}

// signedAnswer is /sign text, sent as a reply to a ticket message: an
// answer that shows the member's first name to the student.
func signedAnswer(t *Turn) error {
	u, tk, _, ok, err := eventTicket(t)
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

// internalNote starts a committee member's message in a ticket's topic
// that is for the committee only.
const internalNote = "!"

// eventTicket returns the ticket a message in a committee group is
// about: the ticket whose topic it was written in (inTopic), or the
// one whose message it replies to (repliedTicket).
func eventTicket(t *Turn) (u University, tk records.Ticket, inTopic, ok bool, err error) {
	ev := t.Event
	u, ok = t.Program().UniversityByChat(ev.ChatID)
	if ok && ev.Forum && ev.TopicMessage && ev.ThreadID != 0 && !isPrivate(ev.ChatType) {
		tk, err = t.rec.TicketOfThread(t.ctx, ev.ChatID, ev.ThreadID)
		switch {
		case err == nil && tk.University == u.ID:
			return u, tk, true, true, nil
		case err != nil && !errors.Is(err, records.ErrNotFound):
			return University{}, records.Ticket{}, false, false, err
		}
	}
	u, tk, ok, err = repliedTicket(t)
	return u, tk, false, ok, err
}

// repliedTicket returns the ticket the event replies to, when it is a
// reply in a committee group to a message of one of that committee's
// tickets.
func repliedTicket(t *Turn) (University, records.Ticket, bool, error) {
	ev := t.Event
	u, ok := t.Program().UniversityByChat(ev.ChatID)
	if !ok || ev.ReplyTo == 0 || ev.ChatType == ChatPrivate || ev.ChatType == "" {
		return University{}, records.Ticket{}, false, nil
	}
	tk, err := t.rec.TicketOfPost(t.ctx, ev.ChatID, ev.ReplyTo)
	if errors.Is(err, records.ErrNotFound) {
		return University{}, records.Ticket{}, false, nil
	}
	if err != nil {
		return University{}, records.Ticket{}, false, err
	}
	if tk.University != u.ID {
		return University{}, records.Ticket{}, false, nil
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
func answerTicket(t *Turn, u University, tk records.Ticket, body string, file *Attachment, signed bool) error {
	if tk.State == records.TicketClosed {
		answerInGroup(t, u, "support.group.closed_ticket", map[string]any{"ID": tk.ID})
		return nil
	}
	relayAnswer(t, u, tk, body, file, signed)
	tk.State = records.TicketAnswered
	tk.AnsweredAt = t.Now().UTC()
	tk.AnsweredBy = t.Event.From.ID
	tk.RemindAt = time.Time{}
	if err := t.rec.SaveTicket(t.ctx, &tk, t.Program().SupportRetention); err != nil {
		return err
	}
	id := "support.group.relayed"
	if signed {
		id = "support.group.relayed_signed"
	}
	t.Send(Message{ChatID: t.Event.ChatID, ReplyTo: t.Event.MessageID, Ref: ticketRef(refTicket, tk.ID),
		Text: t.e.cat.T(groupLang(t.e.cat, u), id, map[string]any{"ID": tk.ID}), TextID: id, Topic: ticketTopic(tk)})
	return nil
}

// relayAnswer sends a committee answer to the student of tk, as coming
// from u's committee, or from the member by first name when signed.
func relayAnswer(t *Turn, u University, tk records.Ticket, body string, file *Attachment, signed bool) {
	lang := t.LangOf(tk.UserID)
	data := map[string]any{"ID": tk.ID, "University": u.Name, "Name": t.Event.From.FirstName}
	id := "support.answer"
	if signed && t.Event.From.FirstName != "" {
		id = "support.answer_signed"
	}
	t.Send(Message{
		ChatID:  tk.UserID,
		Text:    compose(t.e.cat.T(lang, id, data), body, ""),
		TextID:  id,
		File:    file,
		Buttons: [][]Button{{t.LastingButton(t.e.cat.T(lang, "support.reply_button", nil), flowSupport, "reply", tk.ID)}},
		Ref:     ticketRef(refRelay, tk.ID),
		About:   t.Event.From.ID,
	})
}

// committeeAction is a Claim or Close button under a ticket post. It
// counts only when pressed in the ticket's own committee group.
func committeeAction(t *Turn) error {
	id := t.Callback.Arg
	tk, err := t.rec.Ticket(t.ctx, id)
	if errors.Is(err, records.ErrNotFound) || id == "" {
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
	if tk.State == records.TicketClosed {
		t.Notice("support.already_closed")
		return nil
	}
	if t.Callback.Action == "close" {
		return closeTicket(t, u, tk)
	}
	return claimTicket(t, u, tk)
}

// closeTicket closes tk and tells the committee and the student.
func closeTicket(t *Turn, u University, tk records.Ticket) error {
	tk.State = records.TicketClosed
	tk.ClosedAt = t.Now().UTC()
	tk.RemindAt = time.Time{}
	if err := t.rec.SaveTicket(t.ctx, &tk, t.Program().SupportRetention); err != nil {
		return err
	}
	desk := t.desk()
	t.Send(desk.ticketNote(tk, u, "support.group.closed", map[string]any{"ID": tk.ID, "Name": t.Event.From.FirstName}))
	// After the note; urgent like it, so that no cap on the group's
	// replies drops it.
	closing := ticketTopic(tk)
	closing.Close = true
	t.Send(Message{ChatID: u.CommitteeChat, Topic: closing, Urgent: true})
	t.SayTo(tk.UserID, t.LangOf(tk.UserID), "support.closed", map[string]any{"ID": tk.ID, "University": u.Name})
	t.Notice("support.done")
	return nil
}

// claimTicket makes the member who pressed the one to take tk on,
// unless someone did already.
func claimTicket(t *Turn, u University, tk records.Ticket) error {
	me := t.Event.From
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
	if tk.State == records.TicketOpen {
		tk.State = records.TicketClaimed
	}
	if err := t.rec.SaveTicket(t.ctx, &tk, t.Program().SupportRetention); err != nil {
		return err
	}
	t.Send(t.desk().ticketNote(tk, u, "support.group.claimed", map[string]any{"ID": tk.ID, "Name": me.FirstName}))
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
	tickets, err := t.rec.OpenTickets(t.ctx, u.ID)
	if err != nil {
		return err
	}
	if len(tickets) == 0 {
		t.Say("support.tickets_none", nil)
		return nil
	}
	lines := []string{t.Plural("support.tickets_count", len(tickets), nil)}
	for _, tk := range tickets {
		lines = append(lines, ticketLine(t, tk))
	}
	t.Send(Message{ChatID: t.Event.ChatID, Text: strings.Join(lines, "\n"), TextID: "support.tickets_count"})
	return nil
}

// ticketLine is one ticket in the /tickets list: which, its state and
// since when.
func ticketLine(t *Turn, tk records.Ticket) string {
	var state string
	switch tk.State {
	case records.TicketClaimed:
		name := tk.ClaimedByName
		if tk.ClaimedBy == records.ErasedUser {
			name = t.T(msgDeletedUser, nil)
		}
		state = t.T("support.state_claimed", map[string]any{"Name": name})
	case records.TicketAnswered:
		state = t.T("support.state_answered", nil)
	default:
		state = t.T("support.state_open", nil)
	}
	since := t.dates().dateTime(tk.CreatedAt)
	return ticketHeader(t.e.cat, t.Lang(), "support.tickets_line", tk) + " · " + state + " · " +
		t.T("support.tickets_since", map[string]any{"Since": since})
}
