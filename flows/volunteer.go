package flows

import (
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mentorbot/mentorbot/flows/records"
)

// The volunteer flow: a student offers to join a university's
// committee. /volunteer (or the button under the welcome, or a
// committee link, links.go) asks which university, then what they would
// tell the committee about themselves, then to confirm. The offer, with
// their name and what they wrote, goes to that committee's group only,
// with a button: a member who presses it makes the student a committee
// member of that university, as "/invite committee" would, and the
// student is told in their language.
//
// An offer is kept as a committee invite the student made for
// themselves (records.Invite): left off staff's list of open invites,
// with a token no link can carry, so only the committee's button
// redeems it, once. /mydata exports it and /deletemydata erases the
// student from it with their invites (invite.go), after which the
// button finds no offer to accept; a forged button finds none either.
const flowVolunteer = "volunteer"

// Steps of the volunteer flow in the student's private chat.
const (
	volunteerStepUniversity = "university"
	volunteerStepAbout      = "about"
	volunteerStepConfirm    = "confirm"
)

// maxAbout is the longest self-introduction, in characters. It leaves
// room in one Telegram message (4096) for the header and the footer of
// the group post.
const maxAbout = 2000

// offerValidity is how long an offer waits for the committee's answer.
const offerValidity = 30 * 24 * time.Hour

// offerToken prefixes the token of an offer's invite: tokenPattern has
// no '.', so no invite link ever redeems an offer.
const offerToken = "offer."

// volunteerState is the volunteer flow's state in the student's chat.
type volunteerState struct {
	University string `json:"uni,omitempty"`
	// About is what the student wrote about themselves, kept until they
	// confirm.
	About string `json:"about,omitempty"`
}

// registerVolunteer adds /volunteer for everyone, its steps and
// buttons in the student's chat, and the committee's Invite button
// under an offer in its group.
func registerVolunteer(e *Engine) {
	e.command(Command{Name: "volunteer", Role: records.RoleAnyone, Scope: InPrivate, Help: "volunteer.cmd", Run: beginVolunteer})
	e.onButton(flowVolunteer, records.RoleAnyone, InPrivate, volunteerButton)
	e.onStep(flowStep(flowVolunteer), volunteerStep)
	// Its lasting buttons are in lasting.go.
}

// volunteerStartButtons are the rows the welcome message offers to
// join a committee: none when no university is configured.
func volunteerStartButtons(t *Turn) [][]Button {
	if len(t.Program().Universities) == 0 {
		return nil
	}
	return [][]Button{{t.LastingButton(t.T("volunteer.start_button", nil), flowVolunteer, "begin", "")}}
}

// beginVolunteer asks the student which university's committee they
// would like to join.
func beginVolunteer(t *Turn) error {
	unis := t.Program().Universities
	if len(unis) == 0 {
		t.Say("volunteer.no_universities", nil)
		return nil
	}
	if ok, err := notMemberYet(t); !ok || err != nil {
		return err
	}
	t.StartFlow(flowVolunteer, volunteerStepUniversity)
	rows := make([][]Button, 0, len(unis))
	for _, u := range unis {
		rows = append(rows, []Button{t.Button(u.Name, "uni", u.ID)})
	}
	t.Say("volunteer.choose_university", nil, rows...)
	return nil
}

// memberOf returns the id of the university whose committee userID is
// a member of, joined or listed in the programme file, or "".
func memberOf(t *Turn, userID int64) (string, error) {
	uni, err := t.rec.CommitteeOf(t.ctx, userID)
	if err != nil || uni != "" {
		return uni, err
	}
	for _, u := range t.Program().Universities {
		if slices.Contains(u.Members, userID) {
			return u.ID, nil
		}
	}
	return "", nil
}

// universityName names university id, or gives the id itself when the
// programme no longer has it.
func universityName(t *Turn, id string) string {
	if u, ok := t.Program().University(id); ok {
		return u.Name
	}
	return id
}

// notMemberYet reports whether the sender is in no committee yet; one
// who is in one is told so and leaves the flow.
func notMemberYet(t *Turn) (bool, error) {
	uni, err := memberOf(t, t.Event.From.ID)
	if err != nil || uni == "" {
		return err == nil, err
	}
	t.Session.Reset()
	t.Say("volunteer.already_member", map[string]any{"University": universityName(t, uni)})
	return false, nil
}

// volunteerAt asks the student about themselves for u's committee, the
// university chosen (with a button, or by a committee link). One offer
// to a committee waits at a time.
func volunteerAt(t *Turn, u University) error {
	if ok, err := notMemberYet(t); !ok || err != nil {
		return err
	}
	if ok, err := noOfferWaiting(t, u); !ok || err != nil {
		return err
	}
	t.StartFlow(flowVolunteer, volunteerStepAbout)
	t.SaveState(volunteerState{University: u.ID})
	t.Say("volunteer.ask_about", map[string]any{"University": u.Name, "Max": maxAbout})
	return nil
}

// noOfferWaiting reports whether no offer of the sender waits for u's
// committee; when one does, they are told so and leave the flow.
func noOfferWaiting(t *Turn, u University) (bool, error) {
	invs, err := t.rec.InvitesOf(t.ctx, t.Event.From.ID)
	if err != nil {
		return false, err
	}
	for _, inv := range invs {
		if isOffer(inv) && inv.By == t.Event.From.ID && inv.University == u.ID && offerClosed(t, inv) == "" {
			t.Session.Reset()
			t.Say("volunteer.already_offered", map[string]any{"University": u.Name})
			return false, nil
		}
	}
	return true, nil
}

// isOffer reports whether inv is an offer to join a committee rather
// than a link staff made.
func isOffer(inv records.Invite) bool {
	return inv.Role == records.RoleCommittee && strings.HasPrefix(inv.Token, offerToken)
}

// offerClosed returns the notice saying why offer inv can no longer be
// accepted, or "" while it can.
func offerClosed(t *Turn, inv records.Invite) string {
	switch {
	case inv.By == records.ErasedUser:
		return "volunteer.offer_gone"
	case inv.UsedBy != 0 || inv.ReplacedBy != 0:
		return "volunteer.already_accepted"
	case !t.Now().Before(inv.ExpiresAt):
		return "volunteer.offer_expired"
	}
	return ""
}

// volunteerButton handles the student's buttons: the way in from the
// welcome (lasting), the university, and Send or Cancel.
func volunteerButton(t *Turn) error {
	switch t.Callback.Action {
	case "begin":
		return beginVolunteer(t)
	case "uni":
		u, ok := t.Program().University(t.Callback.Arg)
		if !ok || t.Session.Step != volunteerStepUniversity {
			t.Notice("error.bad_button")
			return nil
		}
		return volunteerAt(t, u)
	case "send":
		return sendOffer(t)
	case "cancel":
		t.Session.Reset()
		t.Say("volunteer.cancelled", nil)
		return nil
	}
	t.Notice("error.bad_button")
	return nil
}

// volunteerStep takes what the student writes about themselves, and
// asks them to confirm it; writing again replaces it.
func volunteerStep(t *Turn) error {
	var st volunteerState
	if err := t.LoadState(&st); err != nil {
		return err
	}
	if t.Session.Step == volunteerStepUniversity {
		t.Say("volunteer.use_buttons", nil)
		return nil
	}
	u, ok := t.Program().University(st.University)
	if !ok {
		t.Session.Reset()
		t.Say("volunteer.restart", nil)
		return nil
	}
	about := strings.TrimSpace(t.Event.Text)
	switch {
	case t.Event.Kind != KindText || about == "":
		t.Say("volunteer.text_only", nil)
		return nil
	case len([]rune(about)) > maxAbout:
		t.Say("volunteer.too_long", map[string]any{"Max": maxAbout})
		return nil
	}
	st.About = about
	t.SaveState(st)
	t.Session.Step = volunteerStepConfirm
	text, quote := composeQuoted(t.T("volunteer.confirm", map[string]any{"University": u.Name}), about,
		t.T("volunteer.confirm_hint", nil))
	t.Send(Message{ChatID: t.Event.ChatID, Text: text, Quote: quote, TextID: "volunteer.confirm", Buttons: [][]Button{{
		t.Button(t.T("volunteer.send_button", nil), "send", ""),
		t.Button(t.T("volunteer.cancel_button", nil), "cancel", ""),
	}}})
	return nil
}

// sendOffer keeps the student's offer and posts it in the committee's
// group, with the button that invites them.
func sendOffer(t *Turn) error {
	var st volunteerState
	if err := t.LoadState(&st); err != nil {
		return err
	}
	u, ok := t.Program().University(st.University)
	if !ok || t.Session.Step != volunteerStepConfirm || st.About == "" {
		t.Notice("error.stale_button")
		return nil
	}
	if ok, err := notMemberYet(t); !ok || err != nil {
		return err
	}
	if ok, err := noOfferWaiting(t, u); !ok || err != nil {
		return err
	}
	now := t.Now().UTC()
	inv := records.Invite{Token: offerToken + newToken(), Role: records.RoleCommittee, University: u.ID,
		By: t.Event.From.ID, CreatedAt: now, ExpiresAt: now.Add(offerValidity)}
	if err := t.rec.NewInvite(t.ctx, &inv, offerValidity+inviteListed); err != nil {
		return err
	}
	// Not a link staff made: off their list of open invites.
	if err := t.rec.UnlistInvite(t.ctx, inv.N); err != nil {
		return err
	}
	postOffer(t, u, inv, st.About)
	t.Session.Reset()
	t.Say("volunteer.sent", map[string]any{"University": u.Name})
	return nil
}

// postOffer sends offer inv, with what the student wrote, to u's
// committee group and nowhere else.
func postOffer(t *Turn, u University, inv records.Invite, about string) {
	lang := groupLang(t.e.cat, u)
	head := t.e.cat.T(lang, "volunteer.group.offer", map[string]any{"Name": t.Profile.DisplayName(),
		"University": u.Name, "Language": languageIn(lang, t.Lang())})
	text, quote := composeQuoted(head, about, t.e.cat.T(lang, "volunteer.group.how_to_accept", nil))
	t.Send(Message{
		ChatID: u.CommitteeChat,
		Text:   text,
		Quote:  quote,
		TextID: "volunteer.group.offer",
		Urgent: true,
		About:  t.Event.From.ID,
		Buttons: [][]Button{{t.LastingButton(t.e.cat.T(lang, "volunteer.group.invite_button", nil),
			flowVolunteer, "accept", strconv.FormatInt(inv.N, 10))}},
	})
}

// acceptOffer is a committee member pressing Invite under an offer in
// their group: the student becomes a member of that committee, once.
// It counts only in the group of the university the offer is for.
func acceptOffer(t *Turn) error {
	inv, ok, err := pressedOffer(t)
	if !ok || err != nil {
		return err
	}
	student := inv.By
	uni, err := memberOf(t, student)
	switch {
	case err != nil:
		return err
	case uni == inv.University:
		t.Notice("volunteer.already_accepted")
		return nil
	case uni != "":
		t.Notice("volunteer.member_elsewhere")
		return nil
	}
	// Of two members pressing at once, one claims it; the other's turn,
	// run again, finds it accepted.
	if claimed, err := t.rec.ClaimInvite(t.ctx, inv.N); err != nil || !claimed {
		if err == nil {
			t.Notice("volunteer.already_accepted")
		}
		return err
	}
	inv.UsedBy, inv.UsedAt = student, t.Now().UTC()
	if err := t.rec.InviteUsed(t.ctx, inv); err != nil {
		return err
	}
	u, _ := t.Program().University(inv.University)
	if err := rosterOf(t).setCommittee(t.ctx, student, u.ID); err != nil {
		return err
	}
	if err := audit(t, "role.volunteer", student, grant{Role: records.RoleCommittee, Scope: u.ID}.String()); err != nil {
		return err
	}
	return welcomeVolunteer(t, u, student)
}

// pressedOffer loads the offer the pressed Invite button names; ok is
// false, the presser told why, when there is none to accept here.
func pressedOffer(t *Turn) (records.Invite, bool, error) {
	n, err := strconv.ParseInt(t.Callback.Arg, 10, 64)
	if err != nil || n <= 0 {
		t.Notice("error.bad_button")
		return records.Invite{}, false, nil
	}
	inv, err := t.rec.Invite(t.ctx, n)
	if errors.Is(err, records.ErrNotFound) || (err == nil && !isOffer(inv)) {
		t.Notice("error.bad_button")
		return records.Invite{}, false, nil
	}
	if err != nil {
		return records.Invite{}, false, err
	}
	if u, ok := t.Program().UniversityByChat(t.Event.ChatID); !ok || u.ID != inv.University {
		t.Notice("volunteer.not_your_offer")
		return records.Invite{}, false, nil
	}
	if why := offerClosed(t, inv); why != "" {
		t.Notice(why)
		return records.Invite{}, false, nil
	}
	return inv, true, nil
}

// welcomeVolunteer tells the student they joined u's committee, in
// their language, and the group who invited whom.
func welcomeVolunteer(t *Turn, u University, student int64) error {
	t.SayTo(student, t.LangOf(student), "volunteer.joined", map[string]any{"University": u.Name})
	lang := groupLang(t.e.cat, u)
	name, err := personName(t, lang, student)
	if err != nil {
		return err
	}
	t.Send(Message{ChatID: t.Event.ChatID, ReplyTo: t.Event.MessageID, About: student, TextID: "volunteer.group.accepted",
		Text: t.e.cat.T(lang, "volunteer.group.accepted", map[string]any{"Member": t.Event.From.FirstName, "Name": name})})
	t.Notice("volunteer.done")
	return nil
}
