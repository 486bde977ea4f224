package flows

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mentorbot/mentorbot/flows/pdfdoc"
	"github.com/mentorbot/mentorbot/flows/records"
)

const flowAgreement = "agreement"

// maxTopics bounds the agreed topics text.
const maxTopics = 2000

// agreementState is the agreement flow's session state: the mentorship
// the mentee is writing the agreement of, and what they gave so far.
type agreementState struct {
	MID      string            `json:"mid"`
	Topics   string            `json:"topics,omitempty"`
	Meetings []records.Meeting `json:"meetings,omitempty"`
	// Link is the meeting link (a video call's URL), optional.
	Link string `json:"link,omitempty"`
}

// registerAgreement adds /agreement: the mentee proposes the topics and
// the meeting dates, the mentor confirms them. Confirm and decline
// buttons of proposals (reschedules too, see meetings.go) come here;
// only the proposal's addressee may press them.
func registerAgreement(e *Engine) {
	e.command(Command{Name: "agreement", Role: records.RoleAnyone, Scope: InPrivate, Help: "agreement.cmd", Run: agreementStart})
	e.onStep(flowStep(flowAgreement), agreementStep)
	e.onButton(flowAgreement, records.RoleAnyone, InPrivate, agreementButton)
	e.undelivered[refProposal] = e.proposalUndelivered
	e.personalData(flowAgreement, PersonalData{
		Export: exportAgreements,
		Erase: func(ctx context.Context, db *records.DB, userID int64) error {
			return eraseAgreements(ctx, db, e.program, userID)
		},
	})
}

// sayComposed replies in the event's chat with text built around
// message id (followed by a summary, say), keeping id as the message's
// TextID.
func sayComposed(t *Turn, id, text string, buttons ...[]Button) {
	t.Send(Message{ChatID: t.Event.ChatID, Text: text, TextID: id, Buttons: buttons})
}

// agreementData is what /mydata shows of one of the user's agreements.
type agreementData struct {
	MentorshipID string                  `json:"mentorship_id"`
	Role         string                  `json:"role"`
	Topics       string                  `json:"topics,omitempty"`
	Meetings     []records.Meeting       `json:"meetings,omitempty"`
	MeetingLink  string                  `json:"meeting_link,omitempty"`
	AgreedAt     time.Time               `json:"agreed_at,omitzero"`
	Pending      *records.ProposalExport `json:"pending_proposal,omitempty"`
}

// exportAgreements returns the agreements of userID's mentorships, with
// any proposal still waiting for an answer, or nil.
func exportAgreements(ctx context.Context, rec *records.DB, userID int64) (any, error) {
	ms, err := rec.MentorshipsOf(ctx, userID)
	if err != nil {
		return nil, err
	}
	var out []agreementData
	for _, m := range ms {
		d := agreementData{MentorshipID: m.ID, Role: sideMentor, Topics: m.Topics, Meetings: m.Meetings, MeetingLink: m.MeetingLink, AgreedAt: m.AgreedAt}
		if m.MenteeID == userID {
			d.Role = sideMentee
		}
		p, err := rec.PendingProposal(ctx, m.ID)
		if err != nil {
			return nil, err
		}
		if p != nil {
			pe := p.ExportFor(userID, m)
			d.Pending = &pe
		}
		if d.Topics != "" || len(d.Meetings) > 0 || d.Pending != nil {
			out = append(out, d)
		}
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

// eraseAgreements drops the user's pending proposals and their queued
// reminders, and the topics the mentee wrote. The meeting schedule
// stays: the other side and the programme's records need it.
func eraseAgreements(ctx context.Context, rec *records.DB, prog *Program, userID int64) error {
	ms, err := rec.MentorshipsOf(ctx, userID)
	if err != nil {
		return err
	}
	for _, m := range ms {
		if err := eraseAgreement(ctx, rec, prog, m, userID); err != nil {
			return err
		}
	}
	return nil
}

// eraseAgreement is eraseAgreements for one mentorship m.
func eraseAgreement(ctx context.Context, rec *records.DB, prog *Program, m records.Mentorship, userID int64) error {
	p, err := rec.PendingProposal(ctx, m.ID)
	if err != nil {
		return err
	}
	if p != nil {
		if err := rec.DeleteProposal(ctx, *p); err != nil {
			return err
		}
	}
	side := sideMentor
	if m.MenteeID == userID {
		side = sideMentee
	}
	var drop []string
	for id := range plannedReminders(prog, m) {
		if r, ok := parseReminder(id); ok && r.Side == side {
			drop = append(drop, id)
		}
	}
	if err := rec.UnscheduleReminders(ctx, drop...); err != nil {
		return err
	}
	if side == sideMentee && m.Topics != "" {
		m.Topics = ""
		return rec.SaveMentorship(ctx, m)
	}
	return nil
}

func agreementStart(t *Turn) error {
	m, ok, err := openMentorship(t, true)
	if err != nil {
		return err
	}
	if !ok {
		if _, mentor, err := openMentorship(t, false); err != nil {
			return err
		} else if mentor {
			t.Say("agreement.mentor_waits", nil)
			return nil
		}
		t.Say("agreement.none", nil)
		return nil
	}
	if !m.AgreedAt.IsZero() {
		t.Session.Reset()
		return showAgreement(t, m)
	}
	t.StartFlow(flowAgreement, "topics")
	t.SaveState(agreementState{MID: m.ID})
	t.Say("agreement.ask_topics", nil)
	return nil
}

// showAgreement sends the confirmed agreement of m, as text and PDF.
func showAgreement(t *Turn, m records.Mentorship) error {
	sayComposed(t, "agreement.already", t.T("agreement.already", nil)+"\n\n"+agreementSummary(t.dates(), m.Topics, m.Meetings, m.MeetingLink))
	doc, err := agreementPDF(t, m, t.Lang())
	if err != nil {
		return err
	}
	t.Send(Message{ChatID: t.Event.ChatID, File: &Attachment{FileName: "agreement-" + m.ID + ".pdf", Content: doc}})
	return nil
}

func agreementStep(t *Turn) error {
	if t.Event.Kind != KindText {
		t.Say("agreement.text_only", nil)
		return nil
	}
	var st agreementState
	if err := t.LoadState(&st); err != nil {
		return err
	}
	text := strings.TrimSpace(t.Event.Text)
	switch t.Session.Step {
	case "topics":
		if text == "" || len([]rune(text)) > maxTopics {
			t.Say("agreement.topics_bad", map[string]any{"Max": maxTopics})
			return nil
		}
		st.Topics = text
		t.SaveState(st)
		t.Session.Step = "meetings"
		askMeetings(t, nil)
		return nil
	case "meetings":
		agreementMeetings(t, st, text)
		return nil
	case "link":
		link, ok := meetingLink(text)
		if !ok {
			t.Say("agreement.link_bad", nil)
			return nil
		}
		st.Link = link
		t.SaveState(st)
		showAgreementReview(t, st)
		return nil
	default:
		t.Say("agreement.use_buttons", nil)
		return nil
	}
}

// askMeetings asks for the meetings still missing.
func askMeetings(t *Turn, have []records.Meeting) {
	p := t.Program()
	t.Say("agreement.ask_meetings", map[string]any{
		"Next": len(have) + 1, "Total": p.Meetings, "Max": formatDuration(p.MaxMeeting),
		"Example": t.dates().date(t.Now().AddDate(0, 0, 7)) + " 18:00-19:30", "Zone": t.zoneOf(*t.Profile).String()})
}

// agreementMeetings takes one message of meeting times, one per line.
// A message with any bad line, or with more meetings than are left,
// is refused whole and nothing of it is kept.
func agreementMeetings(t *Turn, st agreementState, text string) {
	p := t.Program()
	var lines []string
	for l := range strings.SplitSeq(text, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	if len(lines) == 0 {
		askMeetings(t, st.Meetings)
		return
	}
	if left := p.Meetings - len(st.Meetings); len(lines) > left {
		sayComposed(t, "agreement.too_many", t.Plural("agreement.too_many", p.Meetings, map[string]any{"Left": left, "Given": len(lines)}))
		return
	}
	all, ok := addMeetings(t, st.Meetings, lines)
	if !ok {
		return
	}
	st.Meetings = all
	if len(all) < p.Meetings {
		t.SaveState(st)
		sayBuilt(t, "agreement.got", t.Plural("agreement.got", len(all), map[string]any{"Total": p.Meetings, "Next": len(all) + 1}))
		return
	}
	numberMeetings(st.Meetings)
	t.SaveState(st)
	showAgreementReview(t, st)
}

// showAgreementReview shows the mentee the agreement to send, with a
// button to add (or change) the meeting link.
func showAgreementReview(t *Turn, st agreementState) {
	t.Session.Step = "review"
	sayComposed(t, "agreement.review", t.T("agreement.review", nil)+"\n\n"+agreementSummary(t.dates(), st.Topics, st.Meetings, st.Link),
		[]Button{t.Button(t.T("agreement.button.send", nil), "send", ""),
			t.Button(t.T("agreement.button.link", nil), "link", "")},
		[]Button{t.Button(t.T("agreement.button.restart", nil), "restart", "")})
}

// maxMeetingLink bounds a meeting link; video call links are well under.
const maxMeetingLink = 300

// meetingLink reads a meeting link: an http(s) URL with a host name, as
// typed (spaces around it dropped), or false.
func meetingLink(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > maxMeetingLink || strings.ContainsAny(s, " \t\n<>\"") {
		return "", false
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || !strings.Contains(u.Hostname(), ".") || u.User != nil {
		return "", false
	}
	return u.String(), true
}

// addMeetings returns have with the meetings typed in lines added, or
// says what is wrong with the first bad line and returns false.
func addMeetings(t *Turn, have []records.Meeting, lines []string) ([]records.Meeting, bool) {
	p, now, zone := t.Program(), t.Now(), t.zoneOf(*t.Profile)
	all := slices.Clone(have)
	for i, line := range lines {
		mt, err := meetingFromText(p, line, zone, len(all)+1, now, 0)
		if err == nil {
			err = checkMeeting(p, now, mt, all)
		}
		if err != nil {
			sayDateError(t, t.T("agreement.line_error", map[string]any{"Line": i + 1, "Text": line})+" ", err, "")
			return nil, false
		}
		all = append(all, mt)
	}
	return all, true
}

// meetingFromText parses one meeting typed in loc, the typist's zone,
// as meeting n; a meeting typed without an end time lasts def, or
// Program.MaxMeeting when def is zero.
func meetingFromText(p *Program, text string, loc *time.Location, n int, now time.Time, def time.Duration) (records.Meeting, error) {
	mt, err := ParseMeetingTime(text, now, loc, p.Ends)
	if err != nil {
		return records.Meeting{}, err
	}
	if mt.Duration == 0 {
		mt.Duration = def
		if def == 0 {
			mt.Duration = p.MaxMeeting
		}
	}
	return records.Meeting{N: n, Start: mt.Start.UTC(), Duration: mt.Duration}, nil
}

// numberMeetings sorts meetings by time and numbers them from 1.
func numberMeetings(ms []records.Meeting) {
	slices.SortFunc(ms, func(a, b records.Meeting) int { return a.Start.Compare(b.Start) })
	for i := range ms {
		ms[i].N = i + 1
	}
}

// dateErrorID is the locales id saying why err, from ParseMeetingTime
// or checkMeeting, refused a meeting time.
func dateErrorID(err error) string {
	var de *DateError
	if !errors.As(err, &de) {
		return errDateFormat.ID
	}
	return de.ID
}

// dateError localizes an error of ParseMeetingTime or checkMeeting.
func dateError(t *Turn, err error) string {
	var de *DateError
	if !errors.As(err, &de) {
		de = errDateFormat
	}
	data := map[string]any{"N": de.N, "Max": formatDuration(t.Program().MaxMeeting),
		"Example": t.dates().date(t.Now().AddDate(0, 0, 7))}
	if !de.At.IsZero() {
		data["Date"], data["When"] = t.dates().date(de.At), t.dates().dateTime(de.At)
	}
	return t.T(de.ID, data)
}

// sayDateError tells why a meeting time was refused, between before and
// after. The message's TextID is the reason's, which tells the cases
// apart.
func sayDateError(t *Turn, before string, err error, after string) {
	sayComposed(t, dateErrorID(err), before+dateError(t, err)+after)
}

// formatDuration shows 2h, 1h30 or 45min, the same in both languages.
func formatDuration(d time.Duration) string {
	h, m := int(d/time.Hour), int(d%time.Hour/time.Minute)
	switch {
	case h == 0:
		return strconv.Itoa(m) + "min"
	case m == 0:
		return strconv.Itoa(h) + "h"
	default:
		return fmt.Sprintf("%dh%02d", h, m)
	}
}

// agreementSummary is the agreement as text for the person whose date
// format (language and time zone) dates is.
func agreementSummary(dates dateFormat, topics string, meetings []records.Meeting, link string) string {
	cat, lang := dates.cat, dates.lang
	var b strings.Builder
	b.WriteString(cat.T(lang, "agreement.summary.topics", map[string]any{"Topics": topics}))
	b.WriteString("\n" + cat.T(lang, "agreement.summary.meetings", nil))
	for _, mt := range meetings {
		b.WriteString("\n" + cat.T(lang, "agreement.summary.meeting", map[string]any{
			"N": mt.N, "When": dates.meeting(mt)}))
	}
	if link != "" {
		b.WriteString("\n" + cat.T(lang, "agreement.summary.link", map[string]any{"Link": link}))
	}
	return b.String()
}

func agreementButton(t *Turn) error {
	switch t.Callback.Action {
	case "send":
		return agreementSend(t)
	case "restart":
		if t.Session.Flow != flowAgreement {
			t.Notice("error.stale_button")
			return nil
		}
		var st agreementState
		if err := t.LoadState(&st); err != nil {
			return err
		}
		st.Meetings = nil
		t.SaveState(st)
		t.Session.Step = "meetings"
		askMeetings(t, nil)
		return nil
	case "link":
		if t.Session.Flow != flowAgreement || t.Session.Step != "review" {
			t.Notice("error.stale_button")
			return nil
		}
		t.Session.Step = "link"
		t.Say("agreement.ask_link", nil)
		return nil
	case "ok", "no":
		return decideProposal(t, t.Callback.Action == "ok")
	}
	t.Notice("error.bad_button")
	return nil
}

// agreementSend sends the mentee's agreement to the mentor.
func agreementSend(t *Turn) error {
	var st agreementState
	if err := t.LoadState(&st); err != nil {
		return err
	}
	m, err := t.rec.Mentorship(t.ctx, st.MID)
	if errors.Is(err, records.ErrNotFound) || (err == nil && (m.MenteeID != t.Event.From.ID || !m.EndedAt.IsZero())) {
		t.Session.Reset()
		t.Say("agreement.none", nil)
		return nil
	}
	if err != nil {
		return err
	}
	if !m.AgreedAt.IsZero() {
		t.Session.Reset()
		t.Say("agreement.already", nil)
		return nil
	}
	now := t.Now()
	for _, mt := range st.Meetings {
		if err := checkMeeting(t.Program(), now, mt, st.Meetings); err != nil {
			// Time passed since the meeting was typed.
			st.Meetings = nil
			t.SaveState(st)
			t.Session.Step = "meetings"
			sayDateError(t, "", err, "\n"+t.T("agreement.again", nil))
			return nil
		}
	}
	if len(st.Meetings) != t.Program().Meetings {
		t.Notice("error.stale_button")
		return nil
	}
	p := records.Proposal{Kind: records.ProposalAgreement, MentorshipID: m.ID, From: m.MenteeID, To: m.MentorID,
		Topics: st.Topics, Meetings: st.Meetings, Link: st.Link, CreatedAt: now.UTC()}
	if err := t.rec.SaveProposal(t.ctx, &p); err != nil {
		return err
	}
	t.Session.Reset()
	t.Say("agreement.sent", nil)
	sendProposal(t, p)
	return nil
}

// sendProposal asks p.To to confirm p, in their language. It names
// p.From, so it is not sent should they be erased first.
func sendProposal(t *Turn, p records.Proposal) {
	ref := refProposal + ":" + p.Arg()
	lang := t.LangOf(p.To)
	from, err := t.rec.Profile(t.ctx, p.From)
	name := from.DisplayName()
	if err != nil {
		name = strconv.FormatInt(p.From, 10)
	}
	buttons := []Button{
		newButton(t.e.cat.T(lang, "agreement.button.confirm", nil), Callback{Flow: flowAgreement, Action: "ok", Arg: p.Arg()}),
		newButton(t.e.cat.T(lang, "agreement.button.decline", nil), Callback{Flow: flowAgreement, Action: "no", Arg: p.Arg()}),
	}
	if p.Kind != records.ProposalAgreement {
		mt := p.Meetings[0]
		t.Send(Message{ChatID: p.To, TextID: "meetings.resched.proposed", Buttons: [][]Button{buttons}, About: p.From, Ref: ref,
			Text: t.e.cat.T(lang, "meetings.resched.proposed", map[string]any{
				"Name": name, "N": mt.N, "When": t.datesFor(p.To).meeting(mt)})})
		return
	}
	text := t.e.cat.T(lang, "agreement.proposed", map[string]any{"Name": name}) + "\n\n" +
		agreementSummary(t.datesFor(p.To), p.Topics, p.Meetings, p.Link)
	t.Send(Message{ChatID: p.To, Text: text, TextID: "agreement.proposed", Buttons: [][]Button{buttons}, About: p.From, Ref: ref})
}

// refProposal marks a proposal sent to the other side of a mentorship,
// so that when Telegram cannot deliver it the proposer is told.
const refProposal = "proposal"

// proposalUndelivered tells the proposer of a still pending proposal
// that the other side has not opened the bot (or blocked it), with the
// link to give them; the proposal reaches them on their /start
// (deliverPendingProposals).
func (e *Engine) proposalUndelivered(ctx context.Context, arg string, _ Undelivered) ([]Message, error) {
	id, err := strconv.ParseInt(arg, 10, 64)
	if err != nil {
		return nil, nil
	}
	p, err := e.rec.Proposal(ctx, id)
	if errors.Is(err, records.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if pending, err := e.rec.IsPending(ctx, p); err != nil || !pending {
		return nil, err
	}
	lang := e.LangOf(ctx, p.From)
	return []Message{{ChatID: p.From, TextID: "agreement.unreachable",
		Text: e.cat.T(lang, "agreement.unreachable", map[string]any{"Link": "https://t.me/" + e.botName})}}, nil
}

// deliverPendingProposals shows the sender the proposals waiting for
// their answer, such as one sent before they ever opened the bot.
func deliverPendingProposals(t *Turn) error {
	ms, err := t.rec.MentorshipsOf(t.ctx, t.Event.From.ID)
	if err != nil {
		return err
	}
	for _, m := range ms {
		p, err := t.rec.PendingProposal(t.ctx, m.ID)
		if err != nil {
			return err
		}
		if p != nil && p.To == t.Event.From.ID {
			sendProposal(t, *p)
		}
	}
	return nil
}

// decideProposal confirms or declines the proposal of the pressed
// button. Only its addressee may, only while it is the mentorship's
// latest, and only once.
func decideProposal(t *Turn, confirm bool) error {
	p, m, ok, err := proposalToDecide(t)
	if err != nil || !ok {
		return err
	}
	after, problem := applyProposal(t.Program(), m, p, t.Now())
	// Whoever presses first decides; a second press, here or from
	// another device, changes nothing.
	won, err := t.rec.DecideProposal(t.ctx, p)
	if err != nil {
		return err
	}
	if !won {
		t.Say("agreement.decided_already", nil)
		return nil
	}
	fromLang := t.LangOf(p.From)
	switch {
	case confirm && problem != nil:
		sayDateError(t, t.T("agreement.cannot_confirm", nil)+" ", problem, "")
		t.SayTo(p.From, fromLang, "agreement.expired", nil)
		return nil
	case !confirm:
		t.Say("agreement.declined_you", nil)
		t.SayTo(p.From, fromLang, "agreement.declined", nil)
		return nil
	}
	if err := t.rec.SaveMentorship(t.ctx, after); err != nil {
		return err
	}
	if err := rescheduleReminders(t.ctx, t.rec, t.Program(), m, after, t.Now()); err != nil {
		return err
	}
	return announceConfirmed(t, p, after)
}

// proposalToDecide loads the proposal of the pressed button and its
// mentorship, and checks the presser may decide it; ok false means they
// were told why not.
func proposalToDecide(t *Turn) (p records.Proposal, m records.Mentorship, ok bool, err error) {
	id, err := strconv.ParseInt(t.Callback.Arg, 10, 64)
	if err != nil || id < 1 {
		t.Notice("error.bad_button")
		return p, m, false, nil
	}
	p, err = t.rec.Proposal(t.ctx, id)
	if errors.Is(err, records.ErrNotFound) {
		t.Notice("error.stale_button")
		return p, m, false, nil
	}
	if err != nil {
		return p, m, false, err
	}
	if p.To != t.Event.From.ID {
		t.Notice("error.not_allowed")
		return p, m, false, nil
	}
	if pending, err := t.rec.IsPending(t.ctx, p); err != nil || !pending {
		if err == nil {
			t.Say("agreement.superseded", nil)
		}
		return p, m, false, err
	}
	m, err = t.rec.Mentorship(t.ctx, p.MentorshipID)
	if errors.Is(err, records.ErrNotFound) {
		t.Notice("error.stale_button")
		return p, m, false, nil
	}
	if err != nil {
		return p, m, false, err
	}
	if !sideOf(m, t.Event.From.ID) || !sideOf(m, p.From) {
		t.Notice("error.not_allowed")
		return p, m, false, nil
	}
	return p, m, true, nil
}

// announceConfirmed tells both sides that p is confirmed, as mentorship
// after now is, with the agreement's PDF and a calendar file of what
// changed.
func announceConfirmed(t *Turn, p records.Proposal, after records.Mentorship) error {
	changed := after.Meetings
	if p.Kind == records.ProposalReschedule {
		changed = p.Meetings
	}
	for _, uid := range []int64{p.To, p.From} {
		lang := t.LangOf(uid)
		if p.Kind != records.ProposalAgreement {
			t.SayTo(uid, lang, "meetings.resched.confirmed", map[string]any{
				"N": changed[0].N, "When": t.datesFor(uid).meeting(changed[0])})
		} else {
			text := t.e.cat.T(lang, "agreement.confirmed", nil) + "\n\n" + agreementSummary(t.datesFor(uid), after.Topics, after.Meetings, after.MeetingLink)
			t.Send(Message{ChatID: uid, Text: text, TextID: "agreement.confirmed"})
			doc, err := agreementPDF(t, after, lang)
			if err != nil {
				return err
			}
			t.Send(Message{ChatID: uid, File: &Attachment{FileName: "agreement-" + after.ID + ".pdf", Content: doc}})
		}
		t.Send(Message{ChatID: uid, File: icsFile(t, after, changed, uid)})
	}
	return nil
}

// applyProposal returns m with p applied, or why p can no longer be:
// its meetings must still be ahead and fit the rest of the schedule.
func applyProposal(prog *Program, m records.Mentorship, p records.Proposal, now time.Time) (records.Mentorship, error) {
	after := m
	switch p.Kind {
	case records.ProposalAgreement:
		if !m.AgreedAt.IsZero() {
			return m, &DateError{ID: "agreement.already"}
		}
		for _, mt := range p.Meetings {
			if err := checkMeeting(prog, now, mt, p.Meetings); err != nil {
				return m, err
			}
		}
		after.Topics, after.Meetings, after.AgreedAt, after.MeetingLink = p.Topics, slices.Clone(p.Meetings), now.UTC(), p.Link
	case records.ProposalReschedule:
		if len(p.Meetings) != 1 || m.AgreedAt.IsZero() {
			return m, errDateFormat
		}
		mt := p.Meetings[0]
		i := meetingIndex(m, mt.N)
		if i < 0 {
			return m, errDateFormat
		}
		if !m.Meetings[i].Start.After(now) {
			return m, &DateError{ID: "meetings.resched.begun", N: mt.N}
		}
		if err := checkMeeting(prog, now, mt, m.Meetings); err != nil {
			return m, err
		}
		after.Meetings = slices.Clone(m.Meetings)
		after.Meetings[i] = mt
	default:
		return m, errDateFormat
	}
	return after, nil
}

// Agree records m's agreement as confirmed at now: it stores m with
// AgreedAt set and queues its reminders. It is what confirming an
// agreement in chat does, for staff tools and tests. Errors come from
// the store.
func (e *Engine) Agree(ctx context.Context, m records.Mentorship, now time.Time) error {
	tx := e.rec.Begin()
	before, err := tx.Mentorship(ctx, m.ID)
	if errors.Is(err, records.ErrNotFound) {
		before = records.Mentorship{}
	} else if err != nil {
		return err
	}
	if m.AgreedAt.IsZero() {
		m.AgreedAt = now.UTC()
	}
	if err := tx.SaveMentorship(ctx, m); err != nil {
		return err
	}
	if err := rescheduleReminders(ctx, tx.DB, e.program, before, m, now); err != nil {
		return err
	}
	return tx.Commit(ctx, nil, nil, 0)
}

// agreementPDF renders m's confirmed agreement in lang, with lines for
// mentee and mentor to sign. The result is the caller's; errors come
// from the store or the renderer.
func agreementPDF(t *Turn, m records.Mentorship, lang string) ([]byte, error) {
	prog := t.Program()
	tr := func(id string, data map[string]any) string { return t.e.cat.T(lang, id, data) }
	mentee, err := personName(t, lang, m.MenteeID)
	if err != nil {
		return nil, err
	}
	mentor, err := personName(t, lang, m.MentorID)
	if err != nil {
		return nil, err
	}
	var meetings []string
	for _, mt := range m.Meetings {
		meetings = append(meetings, tr("agreement.summary.meeting", map[string]any{"N": mt.N, "When": t.datesIn(lang).meeting(mt)}))
	}
	sign := func(who, name string) string {
		return tr("agreement.pdf.sign", map[string]any{"Role": who, "Name": name})
	}
	fields := []pdfdoc.Field{
		{Label: tr("agreement.pdf.project", nil), Value: projectLine(prog, m, lang)},
		{Label: tr("agreement.pdf.mentee", nil), Value: mentee},
		{Label: tr("agreement.pdf.mentor", nil), Value: mentor},
		{Label: tr("agreement.pdf.agreed", nil), Value: t.datesIn(lang).date(m.AgreedAt)},
		{Label: tr("agreement.pdf.reference", nil), Value: m.ID},
	}
	if m.MeetingLink != "" {
		fields = append(fields, pdfdoc.Field{Label: tr("agreement.pdf.link", nil), Value: m.MeetingLink})
	}
	doc := pdfdoc.Document{
		Title:    tr("agreement.pdf.title", nil),
		Subtitle: prog.Name,
		Fields:   fields,
		Sections: []pdfdoc.Section{
			{Heading: tr("agreement.pdf.topics", nil), Body: m.Topics},
			{Heading: tr("agreement.pdf.meetings", map[string]any{"Max": formatDuration(prog.MaxMeeting)}), Body: strings.Join(meetings, "\n")},
			{Heading: tr("agreement.pdf.signatures", nil),
				Body: sign(tr("agreement.pdf.mentee", nil), mentee) + "\n\n\n" + sign(tr("agreement.pdf.mentor", nil), mentor)},
		},
		Author:  mentee,
		Created: m.AgreedAt,
	}
	out, err := pdfdoc.Render(doc)
	if err != nil {
		return nil, fmt.Errorf("agreement pdf %s: %w", m.ID, err)
	}
	return out, nil
}
