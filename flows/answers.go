package flows

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/mentorbot/mentorbot/flows/records"
)

// Canned answers: a committee keeps short answers it gives often and
// sends one to a student with a button. "/answers add <text>" saves
// one (records.MaxCannedAnswers of records.MaxCannedAnswerLen
// characters at most); "/answers" lists them with a Delete button
// each and, when written in a ticket's topic or as a reply to one of
// its posts, a Send button each that answers that ticket as a
// member's message would, without their name.
const flowAnswers = "answers"

// registerAnswers adds /answers for committee groups and its buttons.
func registerAnswers(e *Engine) {
	e.command(Command{Name: "answers", Role: records.RoleCommittee, Scope: InGroup, Help: "cmd.answers", Run: cannedAnswers})
	e.onLasting(flowAnswers, records.RoleCommittee, InGroup, answersButton, "send", "del")
}

// cannedAnswers is /answers: the list, or "add <text>".
func cannedAnswers(t *Turn) error {
	u, ok := t.Program().UniversityByChat(t.Event.ChatID)
	if !ok {
		t.Say("support.tickets_group_only", nil)
		return nil
	}
	verb, rest, _ := strings.Cut(t.Event.Args, " ")
	switch strings.ToLower(verb) {
	case "":
		return listAnswers(t, u)
	case "add":
		return addAnswer(t, u, strings.TrimSpace(rest))
	}
	answerInGroup(t, u, "support.answers.usage", nil)
	return nil
}

// addAnswer saves text as a canned answer of u's committee.
func addAnswer(t *Turn, u University, text string) error {
	if text == "" {
		answerInGroup(t, u, "support.answers.usage", nil)
		return nil
	}
	if n := len([]rune(text)); n > records.MaxCannedAnswerLen {
		answerInGroup(t, u, "support.answers.too_long", map[string]any{"Max": records.MaxCannedAnswerLen})
		return nil
	}
	ca, err := t.rec.CannedAnswersOf(t.ctx, u.ID)
	if err != nil {
		return err
	}
	if _, ok := ca.Add(text); !ok {
		answerInGroup(t, u, "support.answers.full", map[string]any{"Max": records.MaxCannedAnswers})
		return nil
	}
	if err := t.rec.SaveCannedAnswers(t.ctx, &ca); err != nil {
		return err
	}
	answerInGroup(t, u, "support.answers.added", map[string]any{"N": len(ca.Answers)})
	return nil
}

// listAnswers lists u's canned answers with their buttons. The Send
// buttons name the ticket /answers was written about, if any and not
// closed.
func listAnswers(t *Turn, u University) error {
	ca, err := t.rec.CannedAnswersOf(t.ctx, u.ID)
	if err != nil {
		return err
	}
	if len(ca.Answers) == 0 {
		answerInGroup(t, u, "support.answers.none", nil)
		return nil
	}
	_, tk, _, found, err := eventTicket(t)
	if err != nil {
		return err
	}
	send := found && tk.State != records.TicketClosed
	lang := groupLang(t.e.cat, u)
	id := "support.answers.list"
	if send {
		id = "support.answers.list_ticket"
	}
	lines := []string{t.e.cat.Plural(lang, id, len(ca.Answers), map[string]any{"ID": tk.ID})}
	rows := make([][]Button, 0, len(ca.Answers))
	for i, a := range ca.Answers {
		n := map[string]any{"N": i + 1}
		lines = append(lines, fmt.Sprintf("%d. %s", i+1, a.Text))
		var row []Button
		if send {
			row = append(row, t.LastingButton(t.e.cat.T(lang, "support.answers.send_button", n), flowAnswers, "send",
				strconv.Itoa(a.ID)+"."+tk.ID))
		}
		row = append(row, t.LastingButton(t.e.cat.T(lang, "support.answers.delete_button", n), flowAnswers, "del",
			strconv.Itoa(a.ID)))
		rows = append(rows, row)
	}
	t.Send(Message{ChatID: t.Event.ChatID, ReplyTo: t.Event.MessageID, Topic: eventTopic(t.Event),
		Text: strings.Join(lines, "\n\n"), TextID: id, Buttons: rows})
	return nil
}

// answersButton is Send or Delete under the /answers list: it counts
// only in the group of the answers' committee, and for a ticket of
// that committee.
func answersButton(t *Turn) error {
	u, ok := t.Program().UniversityByChat(t.Event.ChatID)
	answer, ticket, _ := strings.Cut(t.Callback.Arg, ".")
	id, err := strconv.Atoi(answer)
	if !ok || err != nil {
		t.Notice("error.bad_button")
		return nil
	}
	ca, err := t.rec.CannedAnswersOf(t.ctx, u.ID)
	if err != nil {
		return err
	}
	a, found := ca.Find(id)
	if !found {
		t.Notice("support.answers.gone")
		return nil
	}
	if t.Callback.Action == "del" {
		ca.Remove(id)
		if err := t.rec.SaveCannedAnswers(t.ctx, &ca); err != nil {
			return err
		}
		t.Notice("support.answers.deleted")
		return nil
	}
	tk, err := t.rec.Ticket(t.ctx, ticket)
	if errors.Is(err, records.ErrNotFound) || ticket == "" {
		t.Notice("error.bad_button")
		return nil
	}
	if err != nil {
		return err
	}
	if tk.University != u.ID {
		t.Notice("support.not_your_ticket")
		return nil
	}
	if tk.State == records.TicketClosed {
		t.Notice("support.already_closed")
		return nil
	}
	if err := answerTicket(t, u, tk, a.Text, nil, false); err != nil {
		return err
	}
	t.Notice("support.done")
	return nil
}
