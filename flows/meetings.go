package flows

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/mentorbot/mentorbot/flows/records"
)

const flowMeetings = "meetings"

// meetingsState is the meetings flow's session state while the user
// types a new time for meeting N of mentorship MID.
type meetingsState struct {
	MID string `json:"mid"`
	N   int    `json:"n"`
}

// registerMeetings adds /meetings: the schedule of each of the user's
// mentorships with what is done, a calendar file, and a way for either
// side to propose a new time for a meeting, which the other confirms
// (the confirm buttons are the agreement flow's).
func registerMeetings(e *Engine) {
	e.command(Command{Name: "meetings", Role: records.RoleAnyone, Scope: InPrivate, Help: "meetings.cmd", Run: meetingsList})
	e.onStep(flowStep(flowMeetings), meetingsStep)
	e.onButton(flowMeetings, records.RoleAnyone, InPrivate, meetingsButton)
}

func meetingsList(t *Turn) error {
	ms, err := t.rec.MentorshipsOf(t.ctx, t.Event.From.ID)
	if err != nil {
		return err
	}
	if len(ms) == 0 {
		t.Say("meetings.none", nil)
		return nil
	}
	t.StartFlow(flowMeetings, "view")
	for _, m := range ms {
		if err := showSchedule(t, m); err != nil {
			return err
		}
	}
	return nil
}

// showSchedule sends the schedule of m, with buttons to move the
// meetings still ahead and to get a calendar file.
func showSchedule(t *Turn, m records.Mentorship) error {
	pr, _ := t.Program().Project(m.ProjectID)
	other, err := displayName(t, t.Lang(), otherSide(m, t.Event.From.ID))
	if err != nil {
		return err
	}
	header := t.T("meetings.header", map[string]any{"Project": pr.TitleIn(t.Lang()), "Other": other})
	if m.AgreedAt.IsZero() {
		id := "meetings.not_agreed.mentor"
		if m.MenteeID == t.Event.From.ID {
			id = "meetings.not_agreed.mentee"
		}
		sayComposed(t, id, header+"\n"+t.T(id, nil))
		return nil
	}
	lines, resched, err := scheduleLines(t, m)
	if err != nil {
		return err
	}
	var rows [][]Button
	for chunk := range slices.Chunk(resched, 3) {
		rows = append(rows, chunk)
	}
	rows = append(rows, []Button{t.Button(t.T("meetings.button.ics", nil), "ics", m.ID)})
	sayComposed(t, "meetings.header", header+lines, rows...)
	return nil
}

// scheduleLines is a line per meeting of m, saying whether it is done,
// under way or ahead, then how many were held; resched are the buttons
// to move the meetings ahead.
func scheduleLines(t *Turn, m records.Mentorship) (string, []Button, error) {
	now := t.Now()
	meetings := slices.Clone(m.Meetings)
	slices.SortFunc(meetings, func(a, b records.Meeting) int { return a.N - b.N })
	var b strings.Builder
	var resched []Button
	passed := 0
	for _, mt := range meetings {
		data := map[string]any{"N": mt.N, "When": t.dates().meeting(mt)}
		switch {
		case !mt.End().After(now):
			passed++
			id := "meetings.line.done"
			_, err := t.rec.DiaryEntry(t.ctx, m.ID, mt.N)
			if errors.Is(err, records.ErrNotFound) {
				id = "meetings.line.no_diary"
			} else if err != nil {
				return "", nil, err
			}
			b.WriteString("\n" + t.T(id, data))
		case !mt.Start.After(now):
			b.WriteString("\n" + t.T("meetings.line.now", data))
		default:
			b.WriteString("\n" + t.T("meetings.line.upcoming", data))
			if m.EndedAt.IsZero() {
				resched = append(resched, t.Button(t.T("meetings.button.resched", data), "resched", meetingArg(m.ID, mt.N)))
			}
		}
	}
	b.WriteString("\n\n" + t.Plural("meetings.passed", passed, map[string]any{"Total": len(meetings)}))
	return b.String(), resched, nil
}

// meetingsTarget loads the mentorship a button or the session names and
// checks the user is part of it.
func meetingsTarget(t *Turn, mid string) (records.Mentorship, bool, error) {
	m, err := t.rec.Mentorship(t.ctx, mid)
	if errors.Is(err, records.ErrNotFound) {
		return records.Mentorship{}, false, nil
	}
	if err != nil {
		return records.Mentorship{}, false, err
	}
	return m, sideOf(m, t.Event.From.ID), nil
}

func meetingsButton(t *Turn) error {
	switch t.Callback.Action {
	case "ics":
		m, ok, err := meetingsTarget(t, t.Callback.Arg)
		if err != nil {
			return err
		}
		if !ok || m.AgreedAt.IsZero() {
			t.Notice("error.stale_button")
			return nil
		}
		t.Send(Message{ChatID: t.Event.ChatID, File: icsFile(t, m, m.Meetings, t.Event.From.ID)})
		return nil
	case "resched":
		return askReschedule(t)
	}
	t.Notice("error.bad_button")
	return nil
}

// askReschedule asks for the new time of the meeting of the pressed
// button.
func askReschedule(t *Turn) error {
	mid, n, ok := parseMeetingArg(t.Callback.Arg)
	if !ok {
		t.Notice("error.bad_button")
		return nil
	}
	m, ok, err := meetingsTarget(t, mid)
	if err != nil {
		return err
	}
	mt, scheduled := meetingN(m, n)
	if !ok || !scheduled || !m.EndedAt.IsZero() {
		t.Notice("error.stale_button")
		return nil
	}
	if !mt.Start.After(t.Now()) {
		t.Say("meetings.resched.begun", map[string]any{"N": n})
		return nil
	}
	t.Session.Step = "resched"
	t.SaveState(meetingsState{MID: mid, N: n})
	t.Say("meetings.resched.ask", map[string]any{"N": n, "When": t.dates().meeting(mt),
		"Length": formatDuration(mt.Duration)})
	return nil
}

func meetingsStep(t *Turn) error {
	if t.Session.Step != "resched" {
		t.Session.Reset()
		t.Say("idle.hint", nil)
		return nil
	}
	if t.Event.Kind != KindText {
		t.Say("agreement.text_only", nil)
		return nil
	}
	var st meetingsState
	if err := t.LoadState(&st); err != nil {
		return err
	}
	m, ok, err := meetingsTarget(t, st.MID)
	if err != nil {
		return err
	}
	old, scheduled := meetingN(m, st.N)
	if !ok || !scheduled {
		t.Session.Reset()
		t.Say("meetings.none", nil)
		return nil
	}
	now := t.Now()
	mt, err := meetingFromText(t.Program(), strings.TrimSpace(t.Event.Text), t.zoneOf(*t.Profile), st.N, now, old.Duration)
	if err == nil {
		p := records.Proposal{Kind: records.ProposalReschedule, MentorshipID: m.ID, Meetings: []records.Meeting{mt}}
		_, err = applyProposal(t.Program(), m, p, now)
	}
	if err != nil {
		sayDateError(t, "", err, "\n"+t.T("meetings.resched.again", nil))
		return nil
	}
	p := records.Proposal{Kind: records.ProposalReschedule, MentorshipID: m.ID, From: t.Event.From.ID,
		To: otherSide(m, t.Event.From.ID), Meetings: []records.Meeting{mt}, CreatedAt: now.UTC()}
	if err := t.rec.SaveProposal(t.ctx, &p); err != nil {
		return fmt.Errorf("reschedule meeting %d of %s: %w", st.N, m.ID, err)
	}
	t.Session.Reset()
	t.Say("meetings.resched.sent", map[string]any{"N": st.N, "When": t.dates().meeting(mt)})
	sendProposal(t, p)
	return nil
}
