package flows

import (
	"strings"

	"github.com/mentorbot/mentorbot/flows/records"
)

const flowContact = "contact"

// contactState is the contact flow's session state: the mentorship
// whose other side the next message goes to.
type contactState struct {
	MID string `json:"mid"`
}

// registerContact adds /contact: mentee and mentor write to each other
// through the bot, so neither needs the other's @username (many have
// none) or phone number. A message goes to the other side of an open
// mentorship of the sender, with the sender's first name and a Reply
// button; text, photos and documents go through.
func registerContact(e *Engine) {
	e.command(Command{Name: "contact", Scope: InPrivate, Help: "cmd.contact", Run: contactCommand})
	e.onButton(flowContact, records.RoleAnyone, InPrivate, contactButton)
	e.onStep(flowStep(flowContact), contactInput)
}

// openMentorships returns the sender's mentorships that are not over,
// on either side.
func openMentorships(t *Turn) ([]records.Mentorship, error) {
	ms, err := t.rec.MentorshipsOf(t.ctx, t.Event.From.ID)
	if err != nil {
		return nil, err
	}
	var open []records.Mentorship
	for _, m := range ms {
		if m.EndedAt.IsZero() && sideOf(m, t.Event.From.ID) && otherSide(m, t.Event.From.ID) > 0 {
			open = append(open, m)
		}
	}
	return open, nil
}

// contactCommand starts a message to the other side: at once, with
// "/contact <text>", when the sender has one mentorship; otherwise
// after asking whom to write to.
func contactCommand(t *Turn) error {
	open, err := openMentorships(t)
	if err != nil {
		return err
	}
	switch {
	case len(open) == 0:
		t.Say("contact.none", nil)
		return nil
	case len(open) > 1:
		t.StartFlow(flowContact, "choose")
		var rows [][]Button
		for _, m := range open {
			name, err := personName(t, t.Lang(), otherSide(m, t.Event.From.ID))
			if err != nil {
				return err
			}
			rows = append(rows, []Button{t.Button(name, "to", m.ID)})
		}
		t.Say("contact.choose", nil, rows...)
		return nil
	}
	m := open[0]
	if text := strings.TrimSpace(t.Event.Args); text != "" {
		return relayContact(t, m, text, nil)
	}
	return askContact(t, m)
}

// askContact waits for the message to the other side of m.
func askContact(t *Turn, m records.Mentorship) error {
	name, err := personName(t, t.Lang(), otherSide(m, t.Event.From.ID))
	if err != nil {
		return err
	}
	t.StartFlow(flowContact, "write")
	t.SaveState(contactState{MID: m.ID})
	t.Say("contact.ask", map[string]any{"Name": name})
	return nil
}

// contactButton chooses whom to write to, or (Reply under a relayed
// message) answers them: either way only within a mentorship of the
// presser's that is still open.
func contactButton(t *Turn) error {
	if a := t.Callback.Action; a != "to" && a != "reply" {
		t.Notice("error.bad_button")
		return nil
	}
	open, err := openMentorships(t)
	if err != nil {
		return err
	}
	for _, m := range open {
		if m.ID == t.Callback.Arg {
			return askContact(t, m)
		}
	}
	t.Notice("contact.gone")
	return nil
}

// contactInput relays what the sender wrote, sent or photographed.
func contactInput(t *Turn) error {
	var st contactState
	if err := t.LoadState(&st); err != nil {
		return err
	}
	if t.Session.Step != "write" {
		t.Say("contact.use_buttons", nil)
		return nil
	}
	body, file, ok := content(t.Event)
	switch {
	case !ok:
		t.Say("contact.bad_input", nil)
		return nil
	case len([]rune(body)) > maxRequest:
		t.Say("contact.too_long", map[string]any{"Max": maxRequest})
		return nil
	}
	open, err := openMentorships(t)
	if err != nil {
		return err
	}
	for _, m := range open {
		if m.ID == st.MID {
			return relayContact(t, m, body, file)
		}
	}
	t.Session.Reset()
	t.Say("contact.gone", nil)
	return nil
}

// relayContact sends body (and file) to the other side of m, with the
// sender's first name and role and a Reply button, and tells the
// sender. The words stay quoted, so no line of them passes for the
// bot's own, and the message is dropped if the sender is erased
// before it leaves.
func relayContact(t *Turn, m records.Mentorship, body string, file *Attachment) error {
	to := otherSide(m, t.Event.From.ID)
	lang := t.LangOf(to)
	role := "contact.from_mentee"
	if t.Event.From.ID == m.MentorID {
		role = "contact.from_mentor"
	}
	name := t.Event.From.FirstName
	if name == "" {
		name = t.Profile.FirstName
	}
	text, quote := composeQuoted(t.e.cat.T(lang, role, map[string]any{"Name": name}), body, "")
	t.Send(Message{
		ChatID: to, Text: text, Quote: quote, TextID: role, File: file, About: t.Event.From.ID,
		Buttons: [][]Button{{t.LastingButton(t.e.cat.T(lang, "contact.reply_button", nil), flowContact, "reply", m.ID)}},
	})
	t.Session.Reset()
	t.Say("contact.sent", nil)
	return nil
}
