package flows

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mentorbot/mentorbot/flows/records"
	"github.com/mentorbot/mentorbot/locales"
)

const flowAnnounce = "announce"

// refAnnouncement marks an announcement's messages, so the sender's
// report of each (taken by Telegram, or refused) counts toward its
// tally.
const refAnnouncement = "announce"

// maxAnnouncement bounds an announcement's text: one Telegram message
// with the bot's header.
const maxAnnouncement = 3500

// announceState is the announce flow's session state: the audience
// chosen, the text written and, for an event, when it starts.
type announceState struct {
	Audience string `json:"audience,omitempty"`
	Text     string `json:"text,omitempty"`
	// Styles is the formatting staff gave Text (bold, links...), kept
	// as written.
	Styles  []Style   `json:"styles,omitempty"`
	EventAt time.Time `json:"event_at,omitzero"`
}

// registerAnnounce adds /announce, with which staff tell an audience
// something at once (a moved deadline, a training session), and
// /announcements, what became of the latest ones. An announcement of an
// event carries Yes and No buttons, and those who said yes are reminded
// the day before.
func registerAnnounce(e *Engine) {
	e.command(Command{Name: "announce", Role: records.RoleStaff, Scope: InPrivate, Help: "cmd.announce", Run: announceCommand})
	e.command(Command{Name: "announcements", Role: records.RoleStaff, Scope: InPrivate, Help: "cmd.announcements", Run: announcementsCommand})
	e.onButton(flowAnnounce, records.RoleStaff, InPrivate, announceButton)
	e.onStep(flowStep(flowAnnounce), announceInput)
	desk := eventDeskOf(e)
	e.sent[refAnnouncement] = func(ctx context.Context, arg string, chatID int64, _ int) error {
		return desk.outcome(ctx, arg, chatID, true)
	}
	e.undelivered[refAnnouncement] = func(ctx context.Context, arg string, u Undelivered) ([]Message, error) {
		return nil, desk.outcome(ctx, arg, u.Message.ChatID, false)
	}
}

// eventDesk is what announcements need outside a turn: counting what
// became of their messages, and reminding of announced events.
type eventDesk struct {
	rec     *records.DB
	cat     *locales.Catalog
	program *Program
}

func eventDeskOf(e *Engine) eventDesk { return eventDesk{rec: e.rec, cat: e.cat, program: e.program} }

// outcome counts what became of announcement arg's message to chatID.
func (d eventDesk) outcome(ctx context.Context, arg string, chatID int64, delivered bool) error {
	id, err := strconv.ParseInt(arg, 10, 64)
	if err != nil {
		return nil
	}
	return d.rec.MarkAnnouncementDelivered(ctx, id, chatID, delivered)
}

// The audiences of an announcement; a project's and a committee's carry
// its id after the colon.
const (
	audienceMentees    = "mentees"
	audienceMentors    = "mentors"
	audienceApplicants = "applicants"
	audienceProject    = "project:"
	audienceCommittee  = "committee:"
)

// plainAudiences are the audiences named by themselves alone.
var plainAudiences = []string{audienceMentees, audienceMentors, audienceApplicants}

// announceCommand asks staff whom to tell.
func announceCommand(t *Turn) error {
	t.StartFlow(flowAnnounce, "audience")
	t.Say("announce.audience", nil,
		[]Button{t.Button(t.T("announce.to_mentees", nil), "aud", audienceMentees),
			t.Button(t.T("announce.to_mentors", nil), "aud", audienceMentors)},
		[]Button{t.Button(t.T("announce.to_project", nil), "pick", "project"),
			t.Button(t.T("announce.to_committee", nil), "pick", "committee")},
		[]Button{t.Button(t.T("announce.to_applicants", nil), "aud", audienceApplicants)})
	return nil
}

// announceButton walks the flow: the audience (a project or committee
// picked from a list), the RSVP, sending and cancelling.
func announceButton(t *Turn) error {
	var st announceState
	if err := t.LoadState(&st); err != nil {
		return err
	}
	arg := t.Callback.Arg
	switch t.Callback.Action {
	case "pick":
		var rows [][]Button
		if arg == "project" {
			for _, p := range t.Program().Projects {
				rows = append(rows, []Button{t.Button(p.TitleIn(t.Lang()), "proj", p.ID)})
			}
		} else {
			for _, u := range t.Program().Universities {
				rows = append(rows, []Button{t.Button(u.Name, "comm", u.ID)})
			}
		}
		t.Say("announce.pick", nil, rows...)
	case "aud", "proj", "comm":
		// A project's and a committee's id go in the button's Arg; the
		// audience names them after a prefix (a colon cannot be in
		// callback data).
		switch t.Callback.Action {
		case "proj":
			arg = audienceProject + arg
		case "comm":
			arg = audienceCommittee + arg
		}
		if !validAudience(t.Program(), arg) || (t.Callback.Action == "aud" && strings.Contains(arg, ":")) {
			t.Notice("error.bad_button")
			return nil
		}
		st.Audience = arg
		t.SaveState(st)
		t.Session.Step = "text"
		t.Say("announce.ask_text", map[string]any{"Audience": audienceName(t, arg), "Max": maxAnnouncement})
	case "rsvp":
		if st.Text == "" {
			t.Notice("error.stale_button")
			return nil
		}
		t.Session.Step = "event"
		t.Say("announce.ask_event", map[string]any{"Example": t.dates().date(t.Now().AddDate(0, 0, 7)) + " 15:00"})
	case "send":
		if st.Text == "" || !validAudience(t.Program(), st.Audience) {
			t.Notice("error.stale_button")
			return nil
		}
		return sendAnnouncement(t, st)
	default:
		t.Notice("error.bad_button")
	}
	return nil
}

// validAudience reports whether a names an audience of p.
func validAudience(p *Program, a string) bool {
	switch {
	case slices.Contains(plainAudiences, a):
		return true
	case strings.HasPrefix(a, audienceProject):
		_, ok := p.Project(strings.TrimPrefix(a, audienceProject))
		return ok
	case strings.HasPrefix(a, audienceCommittee):
		_, ok := p.University(strings.TrimPrefix(a, audienceCommittee))
		return ok
	}
	return false
}

// audienceName names audience a in the sender's language.
func audienceName(t *Turn, a string) string {
	switch {
	case strings.HasPrefix(a, audienceProject):
		p, _ := t.Program().Project(strings.TrimPrefix(a, audienceProject))
		return t.T("announce.name.project", map[string]any{"Project": p.TitleIn(t.Lang())})
	case strings.HasPrefix(a, audienceCommittee):
		u, _ := t.Program().University(strings.TrimPrefix(a, audienceCommittee))
		return t.T("announce.name.committee", map[string]any{"University": u.Name})
	}
	return t.T("announce.name."+a, map[string]any{"Edition": t.Program().Edition})
}

// announceInput takes the announcement's text, then, for an RSVP, the
// event's date and time.
func announceInput(t *Turn) error {
	var st announceState
	if err := t.LoadState(&st); err != nil {
		return err
	}
	text := strings.TrimSpace(t.Event.Text)
	switch {
	case t.Session.Step == "text" && (t.Event.Kind != KindText || text == "" || len([]rune(text)) > maxAnnouncement):
		t.Say("announce.text_bad", map[string]any{"Max": maxAnnouncement})
		return nil
	case t.Session.Step == "text":
		st.Text, st.Styles = text, trimmedStyles(t.Event.Text, t.Event.Styles)
	case t.Session.Step == "event":
		mt, err := ParseMeetingTime(text, t.Now(), t.zoneOf(*t.Profile), t.Program().Ends)
		if err == nil && !mt.Start.After(t.Now()) {
			err = errDatePast
		}
		if err != nil {
			sayDateError(t, "", err, "")
			return nil
		}
		st.EventAt = mt.Start.UTC()
	default:
		t.Say("announce.use_buttons", nil)
		return nil
	}
	t.SaveState(st)
	return previewAnnouncement(t, st)
}

// previewAnnouncement shows staff the announcement as its audience will
// see it, with how many it reaches, and the buttons to send it, add an
// RSVP or stop.
func previewAnnouncement(t *Turn, st announceState) error {
	to, unreachable, err := audienceOf(t, st.Audience)
	if err != nil {
		return err
	}
	t.Session.Step = "preview"
	head := t.T("announce.preview", map[string]any{"Audience": audienceName(t, st.Audience)}) + " " +
		t.Plural("announce.reach", len(to), map[string]any{"Unreachable": len(unreachable)})
	text, quote, styles := announcementText(t.dates(), st, head)
	rows := [][]Button{{t.Button(t.T("announce.button.send", nil), "send", "")}}
	if st.EventAt.IsZero() {
		rows = append(rows, []Button{t.Button(t.T("announce.button.rsvp", nil), "rsvp", "")})
	}
	t.Send(Message{ChatID: t.Event.ChatID, Text: text, TextID: "announce.preview",
		Quote: quote, Styles: styles, Buttons: rows})
	return nil
}

// announcementText is the announcement as one recipient reads it, in
// their language and zone, after lead (the preview's line for staff;
// empty for a recipient), with the span of staff's words and their
// formatting.
func announcementText(dates dateFormat, st announceState, lead string) (string, *Span, []Style) {
	foot := ""
	if !st.EventAt.IsZero() {
		foot = dates.cat.T(dates.lang, "announce.event", map[string]any{"When": dates.dateTime(st.EventAt)})
	}
	head := compose(lead, dates.cat.T(dates.lang, "announce.header", nil), "")
	text, quote := composeQuoted(head, st.Text, foot)
	var styles []Style
	for _, s := range st.Styles {
		s.Start, s.End = s.Start+quote.Start, s.End+quote.Start
		styles = append(styles, s)
	}
	return text, quote, styles
}

// trimmedStyles moves the styles of raw to raw with the white space
// around it trimmed, dropping what falls outside.
func trimmedStyles(raw string, styles []Style) []Style {
	lead := len(raw) - len(strings.TrimLeft(raw, " \t\r\n"))
	n := len(strings.TrimSpace(raw))
	var out []Style
	for _, s := range styles {
		s.Start, s.End = max(s.Start-lead, 0), min(s.End-lead, n)
		if s.Start < s.End {
			out = append(out, s)
		}
	}
	return out
}

// audienceOf returns the people of audience a the bot can write to, and
// those it cannot (they never opened the bot, or blocked it), each once.
func audienceOf(t *Turn, a string) (to, unreachable []int64, err error) {
	ids, err := audienceMembers(t, a)
	if err != nil {
		return nil, nil, err
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	profiles, err := t.rec.ProfilesByID(t.ctx, ids)
	if err != nil {
		return nil, nil, err
	}
	for _, id := range ids {
		if p, ok := profiles[id]; ok && p.Started && !p.Blocked {
			to = append(to, id)
		} else if id > 0 {
			unreachable = append(unreachable, id)
		}
	}
	return to, unreachable, nil
}

// audienceMembers lists the people of audience a, with repeats.
func audienceMembers(t *Turn, a string) ([]int64, error) {
	switch {
	case a == audienceMentees, a == audienceMentors, strings.HasPrefix(a, audienceProject):
		ms, err := t.rec.OpenMentorships(t.ctx)
		if err != nil {
			return nil, err
		}
		project := strings.TrimPrefix(a, audienceProject)
		var ids []int64
		for _, m := range ms {
			switch {
			case a == audienceMentees:
				ids = append(ids, m.MenteeID)
			case a == audienceMentors:
				ids = append(ids, m.MentorID)
			case m.ProjectID == project:
				ids = append(ids, m.MenteeID, m.MentorID)
			}
		}
		if a == audienceMentors {
			for _, p := range t.Program().Projects {
				id, err := rosterOf(t).mentorOf(t.ctx, p.ID)
				if err != nil {
					return nil, err
				}
				ids = append(ids, id)
			}
		}
		return ids, nil
	case strings.HasPrefix(a, audienceCommittee):
		uni := strings.TrimPrefix(a, audienceCommittee)
		ids, err := t.rec.CommitteeMembers(t.ctx, uni)
		if err != nil {
			return nil, err
		}
		u, _ := t.Program().University(uni)
		return append(ids, u.Members...), nil
	case a == audienceApplicants:
		var ids []int64
		err := t.rec.EachApplication(t.ctx, records.AppFilter{}, exportBatch, func(apps []records.Application) error {
			for _, app := range apps {
				if app.State != records.AppWithdrawn {
					ids = append(ids, app.UserID)
				}
			}
			return nil
		})
		return ids, err
	}
	return nil, fmt.Errorf("announce: unknown audience %q", a)
}

// sendAnnouncement puts the announcement in the durable outbox for each
// of its audience the bot can reach, once, and tells staff how many.
// The outbox sends them at Telegram's broadcast limit; each message's
// fate counts toward /announcements.
func sendAnnouncement(t *Turn, st announceState) error {
	to, unreachable, err := audienceOf(t, st.Audience)
	if err != nil {
		return err
	}
	a := records.Announcement{By: t.Event.From.ID, Audience: st.Audience, Text: st.Text, Recipients: len(to),
		Unreachable: unreachable, EventAt: st.EventAt, RemindAt: eventReminderAt(st.EventAt, t.Now()), CreatedAt: t.Now().UTC()}
	if err := t.rec.SaveAnnouncement(t.ctx, &a); err != nil {
		return err
	}
	if err := audit(t, "announce", 0, st.Audience); err != nil {
		return err
	}
	ref := refAnnouncement + ":" + strconv.FormatInt(a.ID, 10)
	for _, uid := range to {
		dates := t.datesFor(uid)
		text, quote, styles := announcementText(dates, st, "")
		m := Message{ChatID: uid, Text: text, Quote: quote, Styles: styles, TextID: "announce.header", Ref: ref}
		if !st.EventAt.IsZero() {
			m.Buttons = [][]Button{{
				t.LastingButton(t.e.cat.T(dates.lang, "announce.button.yes", nil), flowAnnounce, "yes", strconv.FormatInt(a.ID, 10)),
				t.LastingButton(t.e.cat.T(dates.lang, "announce.button.no", nil), flowAnnounce, "no", strconv.FormatInt(a.ID, 10)),
			}}
		}
		t.Send(m)
	}
	t.Session.Reset()
	t.Say("announce.sent", map[string]any{"N": len(to), "Unreachable": len(unreachable), "ID": a.ID})
	return nil
}

// eventReminderAt is when those who said yes to an event at eventAt are
// reminded: a day before, or an hour before when the event is sooner;
// zero for no event or one too close to remind.
func eventReminderAt(eventAt, now time.Time) time.Time {
	if eventAt.IsZero() {
		return time.Time{}
	}
	for _, lead := range []time.Duration{24 * time.Hour, time.Hour} {
		if at := eventAt.Add(-lead); at.After(now) {
			return at.UTC()
		}
	}
	return time.Time{}
}

// rsvpButton keeps a recipient's answer to an event: only someone the
// announcement reached may answer, and only while the event is ahead.
func rsvpButton(t *Turn) error {
	id, err := strconv.ParseInt(t.Callback.Arg, 10, 64)
	if err != nil {
		t.Notice("error.bad_button")
		return nil
	}
	a, err := t.rec.Announcement(t.ctx, id)
	if errors.Is(err, records.ErrNotFound) {
		t.Notice("announce.rsvp_over")
		return nil
	}
	if err != nil {
		return err
	}
	tally, err := t.rec.AnnouncementTally(t.ctx, id)
	if err != nil {
		return err
	}
	if _, reached := slices.BinarySearch(tally.Delivered, t.Event.From.ID); !reached || a.EventAt.IsZero() {
		t.Notice("error.bad_button")
		return nil
	}
	if !a.EventAt.After(t.Now()) {
		t.Notice("announce.rsvp_over")
		return nil
	}
	yes := t.Callback.Action == "yes"
	if err := t.rec.AnswerRSVP(t.ctx, id, t.Event.From.ID, yes); err != nil {
		return err
	}
	if yes {
		t.Say("announce.rsvp_yes", map[string]any{"When": t.dates().dateTime(a.EventAt)})
	} else {
		t.Say("announce.rsvp_no", nil)
	}
	return nil
}

// announcementsCommand shows what became of the latest announcements:
// how many each reached, who could not be reached, and the RSVP.
func announcementsCommand(t *Turn) error {
	list, err := t.rec.RecentAnnouncements(t.ctx, 5)
	if err != nil {
		return err
	}
	if len(list) == 0 {
		t.Say("announce.none", nil)
		return nil
	}
	var b strings.Builder
	b.WriteString(t.T("announce.report_intro", nil))
	for _, a := range list {
		tally, err := t.rec.AnnouncementTally(t.ctx, a.ID)
		if err != nil {
			return err
		}
		missed := append(slices.Clone(a.Unreachable), tally.Refused...)
		names, err := t.rec.ProfilesByID(t.ctx, missed)
		if err != nil {
			return err
		}
		var who []string
		for _, id := range missed {
			if p, ok := names[id]; ok && p.FirstName != "" {
				who = append(who, p.FirstName+" ("+strconv.FormatInt(id, 10)+")")
			} else {
				who = append(who, strconv.FormatInt(id, 10))
			}
		}
		line := t.T("announce.report_line", map[string]any{
			"ID": a.ID, "When": t.dates().dateTime(a.CreatedAt), "Audience": audienceName(t, a.Audience),
			"Recipients": a.Recipients, "Delivered": len(tally.Delivered), "Missed": len(missed)})
		if !a.EventAt.IsZero() {
			line += " " + t.T("announce.report_rsvp", map[string]any{"Yes": len(tally.Yes), "No": len(tally.No)})
		}
		if len(who) > 0 {
			line += "\n" + t.T("announce.report_missed", map[string]any{"Names": truncateList(who, 20)})
		}
		b.WriteString("\n\n" + line)
	}
	sayComposed(t, "announce.report_intro", b.String())
	return nil
}

// truncateList joins the first n of items, with "…" for the rest.
func truncateList(items []string, n int) string {
	if len(items) <= n {
		return strings.Join(items, ", ")
	}
	return strings.Join(items[:n], ", ") + ", …"
}

// reminders puts in the durable outbox the reminders of the events
// announced with an RSVP that are due at now, to those who said yes,
// once however many replicas run it: each announcement's reminder is
// one commit that also clears its RemindAt, on condition that nobody
// changed it meanwhile. It returns how many announcements it reminded
// of.
func (d eventDesk) reminders(ctx context.Context, now time.Time) (int, error) {
	ids, err := d.rec.DueAnnouncementReminders(ctx, now, 100)
	if err != nil {
		return 0, err
	}
	done := 0
	var errs []error
	for _, id := range ids {
		ok, err := d.remind(ctx, id, now)
		if err != nil && !errors.Is(err, records.ErrConflict) {
			errs = append(errs, err)
		}
		if ok {
			done++
		}
	}
	return done, errors.Join(errs...)
}

// remind is one commit of reminders.
func (d eventDesk) remind(ctx context.Context, id int64, now time.Time) (bool, error) {
	tx := d.rec.Begin()
	a, err := tx.Announcement(ctx, id)
	if errors.Is(err, records.ErrNotFound) {
		return false, d.rec.UnqueueAnnouncementReminder(ctx, id)
	}
	if err != nil || a.RemindAt.IsZero() || a.RemindAt.After(now) {
		return false, err
	}
	tally, err := tx.AnnouncementTally(ctx, id)
	if err != nil {
		return false, err
	}
	for _, uid := range tally.Yes {
		p, err := tx.Profile(ctx, uid)
		if err != nil {
			continue // erased since
		}
		dates := datesOf(d.cat, p, d.program.Location())
		const msgID = "announce.reminder"
		m := Message{ChatID: uid, TextID: msgID, Text: d.cat.T(dates.lang, msgID, map[string]any{"When": dates.dateTime(a.EventAt)})}
		m.Text, m.Quote = composeQuoted(m.Text, a.Text, "")
		if err := tx.Enqueue(ctx, uid, fmt.Sprintf("announcement-%d-reminder-%d", id, uid), m); err != nil {
			return false, err
		}
	}
	a.RemindAt = time.Time{}
	if err := tx.SaveAnnouncement(ctx, &a); err != nil {
		return false, err
	}
	return true, tx.Commit(ctx, nil, nil, 0)
}
