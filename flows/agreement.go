package flows

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mentorbot/mentorbot/flows/pdfdoc"
)

const flowAgreement = "agreement"

// maxTopics bounds the agreed topics text.
const maxTopics = 2000

// Proposal kinds: a whole agreement, from the mentee, or a new time for
// one meeting, from either side.
const (
	proposalAgreement  = "agreement"
	proposalReschedule = "reschedule"
)

// proposal is an agreement or a reschedule waiting for the other side
// of the mentorship to confirm. Only the latest proposal of a
// mentorship can be confirmed; its id is the buttons' argument.
type proposal struct {
	ID           int64     `json:"id"`
	Kind         string    `json:"kind"`
	MentorshipID string    `json:"mentorship_id"`
	From         int64     `json:"from"`
	To           int64     `json:"to"`
	Topics       string    `json:"topics,omitempty"`
	Meetings     []Meeting `json:"meetings"`
	CreatedAt    time.Time `json:"created_at"`
}

func proposalKey(id int64) string          { return "proposal:" + strconv.FormatInt(id, 10) }
func proposalPendingKey(mid string) string { return "proposal-pending:" + mid }
func proposalDecidedKey(id int64) string   { return "proposal-decided:" + strconv.FormatInt(id, 10) }
func (p proposal) arg() string             { return strconv.FormatInt(p.ID, 10) }

// sideOf reports whether userID is the mentee or the mentor of m.
func sideOf(m Mentorship, userID int64) bool { return userID == m.MenteeID || userID == m.MentorID }

// otherSide is the other person of m than userID, who is one of them.
func otherSide(m Mentorship, userID int64) int64 { return m.MenteeID + m.MentorID - userID }

// registerAgreement adds /agreement: the mentee proposes the topics and
// the meeting dates, the mentor confirms them. Confirm and decline
// buttons of proposals (reschedules too, see meetings.go) come here.
func registerAgreement(e *Engine) {
	e.command(Command{Name: "agreement", Help: "agreement.cmd", Run: agreementStart})
	e.steps[flowAgreement] = agreementStep
	e.buttons[flowAgreement] = agreementButton
	e.personalData(flowAgreement, PersonalData{Export: e.exportAgreements, Erase: e.eraseAgreements})
}

// agreementData is what /mydata shows of one of the user's agreements.
type agreementData struct {
	MentorshipID string    `json:"mentorship_id"`
	Role         string    `json:"role"`
	Topics       string    `json:"topics,omitempty"`
	Meetings     []Meeting `json:"meetings,omitempty"`
	AgreedAt     time.Time `json:"agreed_at,omitzero"`
	Pending      *proposal `json:"pending_proposal,omitempty"`
}

// pendingProposal returns the proposal of mentorship mid waiting for an
// answer, or nil.
func (e *Engine) pendingProposal(ctx context.Context, mid string) (*proposal, error) {
	var id int64
	switch err := e.store.Get(ctx, proposalPendingKey(mid), &id); {
	case errors.Is(err, ErrNotFound):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("load pending proposal of %s: %w", mid, err)
	}
	var p proposal
	switch err := e.store.Get(ctx, proposalKey(id), &p); {
	case errors.Is(err, ErrNotFound):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("load proposal %d: %w", id, err)
	}
	return &p, nil
}

func (e *Engine) exportAgreements(ctx context.Context, userID int64) (any, error) {
	ms, err := e.MentorshipsOf(ctx, userID)
	if err != nil {
		return nil, err
	}
	var out []agreementData
	for _, m := range ms {
		d := agreementData{MentorshipID: m.ID, Role: sideMentor, Topics: m.Topics, Meetings: m.Meetings, AgreedAt: m.AgreedAt}
		if m.MenteeID == userID {
			d.Role = sideMentee
		}
		if d.Pending, err = e.pendingProposal(ctx, m.ID); err != nil {
			return nil, err
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
func (e *Engine) eraseAgreements(ctx context.Context, userID int64) error {
	ms, err := e.MentorshipsOf(ctx, userID)
	if err != nil {
		return err
	}
	for _, m := range ms {
		p, err := e.pendingProposal(ctx, m.ID)
		if err != nil {
			return err
		}
		if p != nil {
			if err := e.store.Delete(ctx, proposalKey(p.ID), proposalPendingKey(m.ID)); err != nil {
				return fmt.Errorf("erase proposal %d: %w", p.ID, err)
			}
		}
		side := sideMentor
		if m.MenteeID == userID {
			side = sideMentee
		}
		var drop []string
		for id := range e.reminders(m) {
			if r, ok := parseReminder(id); ok && r.Side == side {
				drop = append(drop, id)
			}
		}
		if len(drop) > 0 {
			if err := e.store.Unschedule(ctx, reminderQueue, drop...); err != nil {
				return fmt.Errorf("unschedule reminders of %d: %w", userID, err)
			}
		}
		if side == sideMentee && m.Topics != "" {
			m.Topics = ""
			if err := e.SaveMentorship(ctx, m); err != nil {
				return err
			}
		}
	}
	return nil
}

// openMentorship returns the user's mentorship that is not over, as
// mentee when asMentee, else as either side; ok is false when there is
// none.
func openMentorship(t *Turn, asMentee bool) (Mentorship, bool, error) {
	ms, err := t.e.MentorshipsOf(t.ctx, t.Event.From.ID)
	if err != nil {
		return Mentorship{}, false, err
	}
	for _, m := range ms {
		if m.EndedAt.IsZero() && (m.MenteeID == t.Event.From.ID || !asMentee) {
			return m, true, nil
		}
	}
	return Mentorship{}, false, nil
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
		t.Reply(t.T("agreement.already", nil) + "\n\n" + t.e.agreementSummary(t.Lang(), m.Topics, m.Meetings))
		doc, err := t.e.AgreementPDF(t.ctx, m, t.Lang())
		if err != nil {
			return err
		}
		t.Send(Message{ChatID: t.Event.ChatID, File: &Attachment{FileName: "agreement-" + m.ID + ".pdf", Content: doc}})
		return nil
	}
	t.StartFlow(flowAgreement, "topics")
	t.Session.Set("mid", m.ID)
	t.Say("agreement.ask_topics", nil)
	return nil
}

func agreementStep(t *Turn) error {
	if t.Event.Kind != KindText {
		t.Say("agreement.text_only", nil)
		return nil
	}
	text := strings.TrimSpace(t.Event.Text)
	switch t.Session.Step {
	case "topics":
		if text == "" || len([]rune(text)) > maxTopics {
			t.Say("agreement.topics_bad", map[string]any{"Max": maxTopics})
			return nil
		}
		t.Session.Set("topics", text)
		t.Session.Step = "meetings"
		askMeetings(t, nil)
		return nil
	case "meetings":
		return agreementMeetings(t, text)
	default:
		t.Say("agreement.use_buttons", nil)
		return nil
	}
}

// askMeetings asks for the meetings still missing.
func askMeetings(t *Turn, have []Meeting) {
	p := t.Program()
	t.Say("agreement.ask_meetings", map[string]any{
		"Next": len(have) + 1, "Total": p.Meetings, "Max": formatDuration(p.MaxMeeting),
		"Example": t.Now().In(p.Location()).AddDate(0, 0, 7).Format("02/01") + " 18:00-19:30"})
}

// sessionMeetings returns the meetings collected so far.
func sessionMeetings(s *Session) []Meeting {
	var ms []Meeting
	if raw := s.Get("meetings"); raw != "" {
		if err := json.Unmarshal([]byte(raw), &ms); err != nil {
			return nil
		}
	}
	return ms
}

func setSessionMeetings(s *Session, ms []Meeting) {
	buf, err := json.Marshal(ms)
	if err != nil {
		panic(err) // a []Meeting always marshals
	}
	s.Set("meetings", string(buf))
}

// agreementMeetings takes one message of meeting times, one per line.
// A message with any bad line, or with more meetings than are left,
// is refused whole and nothing of it is kept.
func agreementMeetings(t *Turn, text string) error {
	p := t.Program()
	have := sessionMeetings(t.Session)
	var lines []string
	for l := range strings.SplitSeq(text, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	if len(lines) == 0 {
		askMeetings(t, have)
		return nil
	}
	if left := p.Meetings - len(have); len(lines) > left {
		t.Reply(t.Plural("agreement.too_many", p.Meetings, map[string]any{"Left": left, "Given": len(lines)}))
		return nil
	}
	now := t.Now()
	all := slices.Clone(have)
	for i, line := range lines {
		mt, err := meetingFromText(p, line, len(all)+1, now, 0)
		if err == nil {
			err = checkMeeting(p, now, mt, all)
		}
		if err != nil {
			t.Reply(t.T("agreement.line_error", map[string]any{"Line": i + 1, "Text": line}) + " " + t.dateError(err))
			return nil
		}
		all = append(all, mt)
	}
	if len(all) < p.Meetings {
		setSessionMeetings(t.Session, all)
		t.Say("agreement.got", map[string]any{"Have": len(all), "Total": p.Meetings, "Next": len(all) + 1})
		return nil
	}
	numberMeetings(all)
	setSessionMeetings(t.Session, all)
	t.Session.Step = "review"
	t.Reply(t.T("agreement.review", nil)+"\n\n"+t.e.agreementSummary(t.Lang(), t.Session.Get("topics"), all),
		[]Button{t.Button(t.T("agreement.button.send", nil), "send", ""),
			t.Button(t.T("agreement.button.restart", nil), "restart", "")})
	return nil
}

// meetingFromText parses one typed meeting as meeting n; a meeting
// typed without an end time lasts def, or Program.MaxMeeting when def
// is zero.
func meetingFromText(p *Program, text string, n int, now time.Time, def time.Duration) (Meeting, error) {
	mt, err := ParseMeetingTime(text, now, p.Location())
	if err != nil {
		return Meeting{}, err
	}
	if mt.Duration == 0 {
		mt.Duration = def
		if def == 0 {
			mt.Duration = p.MaxMeeting
		}
	}
	return Meeting{N: n, Start: mt.Start.UTC(), Duration: mt.Duration}, nil
}

// numberMeetings sorts meetings by time and numbers them from 1.
func numberMeetings(ms []Meeting) {
	slices.SortFunc(ms, func(a, b Meeting) int { return a.Start.Compare(b.Start) })
	for i := range ms {
		ms[i].N = i + 1
	}
}

// dateError localizes an error of ParseMeetingTime or checkMeeting.
func (t *Turn) dateError(err error) string {
	var de *DateError
	if !errors.As(err, &de) {
		return t.T("meetings.date.format", nil)
	}
	return t.T(de.ID, map[string]any{"N": de.N, "Max": formatDuration(t.Program().MaxMeeting)})
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

// agreementSummary is the agreement as text in lang.
func (e *Engine) agreementSummary(lang, topics string, meetings []Meeting) string {
	var b strings.Builder
	b.WriteString(e.cat.T(lang, "agreement.summary.topics", map[string]any{"Topics": topics}))
	b.WriteString("\n" + e.cat.T(lang, "agreement.summary.meetings", nil))
	for _, mt := range meetings {
		b.WriteString("\n" + e.cat.T(lang, "agreement.summary.meeting", map[string]any{
			"N": mt.N, "When": formatMeeting(mt, e.program.Location())}))
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
		t.Session.Set("meetings", "")
		t.Session.Step = "meetings"
		askMeetings(t, nil)
		return nil
	case "ok", "no":
		return decideProposal(t, t.Callback.Action == "ok")
	}
	t.Notice("error.bad_button")
	return nil
}

// agreementSend sends the mentee's agreement to the mentor.
func agreementSend(t *Turn) error {
	mid := t.Session.Get("mid")
	m, err := t.e.Mentorship(t.ctx, mid)
	if errors.Is(err, ErrNotFound) || (err == nil && (m.MenteeID != t.Event.From.ID || !m.EndedAt.IsZero())) {
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
	meetings := sessionMeetings(t.Session)
	now := t.Now()
	for _, mt := range meetings {
		if err := checkMeeting(t.Program(), now, mt, meetings); err != nil {
			// Time passed since the meeting was typed.
			t.Session.Set("meetings", "")
			t.Session.Step = "meetings"
			t.Reply(t.dateError(err) + "\n" + t.T("agreement.again", nil))
			return nil
		}
	}
	if len(meetings) != t.Program().Meetings {
		t.Notice("error.stale_button")
		return nil
	}
	p := proposal{Kind: proposalAgreement, MentorshipID: m.ID, From: m.MenteeID, To: m.MentorID,
		Topics: t.Session.Get("topics"), Meetings: meetings, CreatedAt: now.UTC()}
	if err := t.e.saveProposal(t.ctx, &p); err != nil {
		return err
	}
	t.Session.Reset()
	t.Say("agreement.sent", nil)
	t.e.sendProposal(t, p)
	return nil
}

// saveProposal numbers p, stores it and makes it the mentorship's
// pending proposal, replacing any earlier one.
func (e *Engine) saveProposal(ctx context.Context, p *proposal) error {
	id, err := e.store.NextID(ctx, "proposal")
	if err != nil {
		return fmt.Errorf("number proposal: %w", err)
	}
	p.ID = id
	if err := e.store.Put(ctx, proposalKey(id), p, 0); err != nil {
		return fmt.Errorf("save proposal %d: %w", id, err)
	}
	if err := e.store.Put(ctx, proposalPendingKey(p.MentorshipID), id, 0); err != nil {
		return fmt.Errorf("save proposal %d: %w", id, err)
	}
	return nil
}

// sendProposal asks p.To to confirm p, in their language.
func (e *Engine) sendProposal(t *Turn, p proposal) {
	lang := e.LangOf(t.ctx, p.To)
	from, err := e.Profile(t.ctx, p.From)
	name := from.DisplayName()
	if err != nil {
		name = strconv.FormatInt(p.From, 10)
	}
	var text string
	if p.Kind == proposalAgreement {
		text = e.cat.T(lang, "agreement.proposed", map[string]any{"Name": name}) + "\n\n" +
			e.agreementSummary(lang, p.Topics, p.Meetings)
	} else {
		mt := p.Meetings[0]
		text = e.cat.T(lang, "meetings.resched.proposed", map[string]any{
			"Name": name, "N": mt.N, "When": formatMeeting(mt, e.program.Location())})
	}
	t.Send(Message{ChatID: p.To, Text: text, Buttons: [][]Button{{
		e.button(e.cat.T(lang, "agreement.button.confirm", nil), Callback{Flow: flowAgreement, Action: "ok", Arg: p.arg()}),
		e.button(e.cat.T(lang, "agreement.button.decline", nil), Callback{Flow: flowAgreement, Action: "no", Arg: p.arg()}),
	}}})
}

// decideProposal confirms or declines the proposal of the pressed
// button. Only its addressee may, only while it is the mentorship's
// latest, and only once.
func decideProposal(t *Turn, confirm bool) error {
	id, err := strconv.ParseInt(t.Callback.Arg, 10, 64)
	if err != nil || id < 1 {
		t.Notice("error.bad_button")
		return nil
	}
	var p proposal
	switch err := t.Store().Get(t.ctx, proposalKey(id), &p); {
	case errors.Is(err, ErrNotFound):
		t.Notice("error.stale_button")
		return nil
	case err != nil:
		return fmt.Errorf("load proposal %d: %w", id, err)
	}
	if p.To != t.Event.From.ID {
		t.Notice("error.not_allowed")
		return nil
	}
	var pending int64
	if err := t.Store().Get(t.ctx, proposalPendingKey(p.MentorshipID), &pending); err != nil && !errors.Is(err, ErrNotFound) {
		return fmt.Errorf("load pending proposal of %s: %w", p.MentorshipID, err)
	}
	if pending != p.ID {
		t.Say("agreement.superseded", nil)
		return nil
	}
	m, err := t.e.Mentorship(t.ctx, p.MentorshipID)
	if errors.Is(err, ErrNotFound) {
		t.Notice("error.stale_button")
		return nil
	}
	if err != nil {
		return err
	}
	if !sideOf(m, t.Event.From.ID) || !sideOf(m, p.From) {
		t.Notice("error.not_allowed")
		return nil
	}
	after, problem := applyProposal(t.Program(), m, p, t.Now())
	// Whoever presses first decides; a second press, here or from
	// another device, changes nothing.
	won, err := t.Store().Claim(t.ctx, proposalDecidedKey(p.ID), 0)
	if err != nil {
		return fmt.Errorf("decide proposal %d: %w", p.ID, err)
	}
	if !won {
		t.Say("agreement.decided_already", nil)
		return nil
	}
	if err := t.Store().Delete(t.ctx, proposalPendingKey(p.MentorshipID)); err != nil {
		return fmt.Errorf("close proposal %d: %w", p.ID, err)
	}
	fromLang := t.e.LangOf(t.ctx, p.From)
	switch {
	case confirm && problem != nil:
		t.Reply(t.T("agreement.cannot_confirm", nil) + " " + t.dateError(problem))
		t.Send(Message{ChatID: p.From, Text: t.e.cat.T(fromLang, "agreement.expired", nil)})
		return nil
	case !confirm:
		t.Say("agreement.declined_you", nil)
		t.Send(Message{ChatID: p.From, Text: t.e.cat.T(fromLang, "agreement.declined", nil)})
		return nil
	}
	if err := t.e.SaveMentorship(t.ctx, after); err != nil {
		return err
	}
	if err := t.e.rescheduleReminders(t.ctx, m, after, t.Now()); err != nil {
		return err
	}
	changed := after.Meetings
	if p.Kind == proposalReschedule {
		changed = p.Meetings
	}
	for _, uid := range []int64{p.To, p.From} {
		lang := t.e.LangOf(t.ctx, uid)
		var text string
		if p.Kind == proposalAgreement {
			text = t.e.cat.T(lang, "agreement.confirmed", nil) + "\n\n" + t.e.agreementSummary(lang, after.Topics, after.Meetings)
		} else {
			text = t.e.cat.T(lang, "meetings.resched.confirmed", map[string]any{
				"N": changed[0].N, "When": formatMeeting(changed[0], t.Program().Location())})
		}
		t.Send(Message{ChatID: uid, Text: text})
		if p.Kind == proposalAgreement {
			doc, err := t.e.AgreementPDF(t.ctx, after, lang)
			if err != nil {
				return err
			}
			t.Send(Message{ChatID: uid, File: &Attachment{FileName: "agreement-" + after.ID + ".pdf", Content: doc}})
		}
		t.Send(Message{ChatID: uid, File: t.e.icsFile(after, changed, lang, t.Now())})
	}
	return nil
}

// applyProposal returns m with p applied, or why p can no longer be:
// its meetings must still be ahead and fit the rest of the schedule.
func applyProposal(prog *Program, m Mentorship, p proposal, now time.Time) (Mentorship, error) {
	after := m
	switch p.Kind {
	case proposalAgreement:
		if !m.AgreedAt.IsZero() {
			return m, &DateError{ID: "agreement.already"}
		}
		for _, mt := range p.Meetings {
			if err := checkMeeting(prog, now, mt, p.Meetings); err != nil {
				return m, err
			}
		}
		after.Topics, after.Meetings, after.AgreedAt = p.Topics, slices.Clone(p.Meetings), now.UTC()
	case proposalReschedule:
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
func (e *Engine) Agree(ctx context.Context, m Mentorship, now time.Time) error {
	before, err := e.Mentorship(ctx, m.ID)
	if errors.Is(err, ErrNotFound) {
		before = Mentorship{}
	} else if err != nil {
		return err
	}
	if m.AgreedAt.IsZero() {
		m.AgreedAt = now.UTC()
	}
	if err := e.SaveMentorship(ctx, m); err != nil {
		return err
	}
	return e.rescheduleReminders(ctx, before, m, now)
}

// AgreementPDF renders m's confirmed agreement in lang, with lines for
// mentee and mentor to sign. The result is the caller's; errors come
// from the store or the renderer.
func (e *Engine) AgreementPDF(ctx context.Context, m Mentorship, lang string) ([]byte, error) {
	tr := func(id string, data map[string]any) string { return e.cat.T(lang, id, data) }
	mentee, err := e.personName(ctx, m.MenteeID)
	if err != nil {
		return nil, err
	}
	mentor, err := e.personName(ctx, m.MentorID)
	if err != nil {
		return nil, err
	}
	pr, _ := e.program.Project(m.ProjectID)
	project := pr.Title
	if pr.Host != "" {
		project += " — " + pr.Host
	}
	var meetings strings.Builder
	for i, mt := range m.Meetings {
		if i > 0 {
			meetings.WriteString("\n")
		}
		meetings.WriteString(tr("agreement.summary.meeting", map[string]any{"N": mt.N, "When": formatMeeting(mt, e.program.Location())}))
	}
	sign := func(who, name string) string {
		return tr("agreement.pdf.sign", map[string]any{"Role": who, "Name": name})
	}
	doc := pdfdoc.Document{
		Title:    tr("agreement.pdf.title", nil),
		Subtitle: e.program.Name,
		Fields: []pdfdoc.Field{
			{Label: tr("agreement.pdf.project", nil), Value: project},
			{Label: tr("agreement.pdf.mentee", nil), Value: mentee},
			{Label: tr("agreement.pdf.mentor", nil), Value: mentor},
			{Label: tr("agreement.pdf.agreed", nil), Value: m.AgreedAt.In(e.program.Location()).Format("02/01/2006")},
			{Label: tr("agreement.pdf.reference", nil), Value: m.ID},
		},
		Sections: []pdfdoc.Section{
			{Heading: tr("agreement.pdf.topics", nil), Body: m.Topics},
			{Heading: tr("agreement.pdf.meetings", map[string]any{"Max": formatDuration(e.program.MaxMeeting)}), Body: meetings.String()},
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
