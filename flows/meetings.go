package flows

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

const flowMeetings = "meetings"

// registerMeetings adds /meetings: the schedule of each of the user's
// mentorships with what is done, a calendar file, and a way for either
// side to propose a new time for a meeting, which the other confirms
// (the confirm buttons are the agreement flow's).
func registerMeetings(e *Engine) {
	e.command(Command{Name: "meetings", Help: "meetings.cmd", Run: meetingsList})
	e.steps[flowMeetings] = meetingsStep
	e.buttons[flowMeetings] = meetingsButton
}

func meetingsList(t *Turn) error {
	ms, err := t.e.MentorshipsOf(t.ctx, t.Event.From.ID)
	if err != nil {
		return err
	}
	if len(ms) == 0 {
		t.Say("meetings.none", nil)
		return nil
	}
	t.StartFlow(flowMeetings, "view")
	now := t.Now()
	for _, m := range ms {
		mentee := m.MenteeID == t.Event.From.ID
		pr, _ := t.Program().Project(m.ProjectID)
		other, err := t.e.Profile(t.ctx, otherSide(m, t.Event.From.ID))
		if err != nil {
			return err
		}
		var b strings.Builder
		b.WriteString(t.T("meetings.header", map[string]any{"Project": pr.Title, "Other": other.DisplayName()}))
		if m.AgreedAt.IsZero() {
			id := "meetings.not_agreed.mentor"
			if mentee {
				id = "meetings.not_agreed.mentee"
			}
			b.WriteString("\n" + t.T(id, nil))
			t.Reply(b.String())
			continue
		}
		meetings := slices.Clone(m.Meetings)
		slices.SortFunc(meetings, func(a, b Meeting) int { return a.N - b.N })
		var resched []Button
		passed := 0
		for _, mt := range meetings {
			data := map[string]any{"N": mt.N, "When": formatMeeting(mt, t.Program().Location())}
			switch {
			case !mt.End().After(now):
				passed++
				_, err := t.e.DiaryEntry(t.ctx, m.ID, mt.N)
				switch {
				case err == nil:
					b.WriteString("\n" + t.T("meetings.line.done", data))
				case errors.Is(err, ErrNotFound):
					b.WriteString("\n" + t.T("meetings.line.no_diary", data))
				default:
					return err
				}
			case !mt.Start.After(now):
				b.WriteString("\n" + t.T("meetings.line.now", data))
			default:
				b.WriteString("\n" + t.T("meetings.line.upcoming", data))
				if m.EndedAt.IsZero() {
					resched = append(resched, t.Button(t.T("meetings.button.resched", data), "resched", meetingArg(m.ID, mt.N)))
				}
			}
		}
		b.WriteString("\n\n" + t.Plural("meetings.passed", len(meetings), map[string]any{"Passed": passed}))
		var rows [][]Button
		for chunk := range slices.Chunk(resched, 3) {
			rows = append(rows, chunk)
		}
		rows = append(rows, []Button{t.Button(t.T("meetings.button.ics", nil), "ics", m.ID)})
		t.Reply(b.String(), rows...)
	}
	return nil
}

// meetingsTarget loads the mentorship a button or the session names and
// checks the user is part of it.
func meetingsTarget(t *Turn, mid string) (Mentorship, bool, error) {
	m, err := t.e.Mentorship(t.ctx, mid)
	if errors.Is(err, ErrNotFound) {
		return Mentorship{}, false, nil
	}
	if err != nil {
		return Mentorship{}, false, err
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
		t.Send(Message{ChatID: t.Event.ChatID, File: t.e.icsFile(m, m.Meetings, t.Lang(), t.Now())})
		return nil
	case "resched":
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
		t.Session.Set("mid", mid)
		t.Session.Set("n", strconv.Itoa(n))
		t.Say("meetings.resched.ask", map[string]any{"N": n, "When": formatMeeting(mt, t.Program().Location()),
			"Length": formatDuration(mt.Duration)})
		return nil
	}
	t.Notice("error.bad_button")
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
	n, _ := strconv.Atoi(t.Session.Get("n"))
	m, ok, err := meetingsTarget(t, t.Session.Get("mid"))
	if err != nil {
		return err
	}
	old, scheduled := meetingN(m, n)
	if !ok || !scheduled {
		t.Session.Reset()
		t.Say("meetings.none", nil)
		return nil
	}
	now := t.Now()
	mt, err := meetingFromText(t.Program(), strings.TrimSpace(t.Event.Text), n, now, old.Duration)
	if err == nil {
		p := proposal{Kind: proposalReschedule, MentorshipID: m.ID, Meetings: []Meeting{mt}}
		_, err = applyProposal(t.Program(), m, p, now)
	}
	if err != nil {
		t.Reply(t.dateError(err) + "\n" + t.T("meetings.resched.again", nil))
		return nil
	}
	p := proposal{Kind: proposalReschedule, MentorshipID: m.ID, From: t.Event.From.ID,
		To: otherSide(m, t.Event.From.ID), Meetings: []Meeting{mt}, CreatedAt: now.UTC()}
	if err := t.e.saveProposal(t.ctx, &p); err != nil {
		return fmt.Errorf("reschedule meeting %d of %s: %w", n, m.ID, err)
	}
	t.Session.Reset()
	t.Say("meetings.resched.sent", map[string]any{"N": n, "When": formatMeeting(mt, t.Program().Location())})
	t.e.sendProposal(t, p)
	return nil
}
