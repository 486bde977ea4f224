package bot_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/mentorbot/mentorbot/bot"
	"github.com/mentorbot/mentorbot/bot/bottest"
	"github.com/mentorbot/mentorbot/flows/records"
)

// TestSupportE2EClosedTicketExpiresOnTheSchedulersTick closes a request
// through Telegram and runs the scheduler's tick: the ticket is kept
// until the programme's support_retention has passed since closing,
// then deleted, and a late reply to its post then reaches no one.
func TestSupportE2EClosedTicketExpiresOnTheSchedulersTick(t *testing.T) {
	env := bottest.Start(t)
	ctx := context.Background()
	post := supportRequest(env, supportAda, "Milano Bicocca", "Language", "Italian courses?", supportBicocca)
	env.PressData(supportBea, post, post.Buttons[0][1].Data) // Close
	closedAt := env.Clock.Now()
	tick := bot.RemindersTick(env.Engine, env.Bot.WakeFeeder)

	if err := tick(ctx, closedAt.Add(env.Program.SupportRetention/2)); err != nil {
		t.Fatal(err)
	}
	if _, err := env.Records.Ticket(ctx, "1"); err != nil {
		t.Fatalf("Ticket(1) halfway through the retention = %v; want it kept", err)
	}
	if err := tick(ctx, closedAt.Add(env.Program.SupportRetention)); err != nil {
		t.Fatal(err)
	}
	if _, err := env.Records.Ticket(ctx, "1"); !errors.Is(err, records.ErrNotFound) {
		t.Fatalf("Ticket(1) after the retention = %v; want ErrNotFound", err)
	}
	r := env.Group(supportBicocca, supportAna, "Late answer", post.MessageID)
	if r.Text(supportAda.ID) != "" {
		t.Errorf("reply to an expired ticket reached the student:%s", r)
	}
}

// TestPastCohortExpiresOnTheSchedulersTick leaves an ended mentorship
// of a past cohort with its diary and ECTS form and runs the
// scheduler's tick: they are kept until the programme's data_retention
// has passed since the mentorship ended, then deleted.
func TestPastCohortExpiresOnTheSchedulersTick(t *testing.T) {
	env := bottest.Start(t)
	ctx := context.Background()
	ended := env.Clock.Now().UTC()
	m := records.Mentorship{ID: "MIE-2026-0007", MenteeID: 300000009, MentorID: env.Program.Projects[0].Mentor,
		ProjectID: env.Program.Projects[0].ID, CreatedAt: ended.AddDate(0, -4, 0), EndedAt: ended}
	if err := env.Records.SaveMentorship(ctx, m); err != nil {
		t.Fatal(err)
	}
	if err := env.Records.SaveDiaryEntry(ctx, records.DiaryEntry{MentorshipID: m.ID, N: 1, Topics: "Past"}); err != nil {
		t.Fatal(err)
	}
	if err := env.Records.SaveECTSForm(ctx, records.ECTSForm{MentorshipID: m.ID, UserID: m.MenteeID}); err != nil {
		t.Fatal(err)
	}
	tick := bot.RemindersTick(env.Engine, env.Bot.WakeFeeder)
	retention := env.Program.DataRetention

	for _, tc := range []struct {
		at   time.Time
		kept bool
	}{
		{ended.Add(retention / 2), true},
		{ended.Add(retention), false},
	} {
		if err := tick(ctx, tc.at); err != nil {
			t.Fatal(err)
		}
		_, merr := env.Records.Mentorship(ctx, m.ID)
		_, derr := env.Records.DiaryEntry(ctx, m.ID, 1)
		_, eerr := env.Records.ECTSForm(ctx, m.ID)
		for what, err := range map[string]error{"Mentorship": merr, "DiaryEntry": derr, "ECTSForm": eerr} {
			if gone := errors.Is(err, records.ErrNotFound); gone == tc.kept || (err != nil && !gone) {
				t.Errorf("%s(%s) at ended + %v = %v; want kept: %v", what, m.ID, tc.at.Sub(ended), err, tc.kept)
			}
		}
	}
}
