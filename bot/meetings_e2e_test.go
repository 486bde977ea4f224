package bot_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mentorbot/mentorbot/bot"
	"github.com/mentorbot/mentorbot/bot/bottest"
	"github.com/mentorbot/mentorbot/bot/telegramtest"
	"github.com/mentorbot/mentorbot/flows/records"
)

var (
	meetMentee = bottest.User(300000021, "Anna", "en")
	meetMentor = bottest.User(200000001, "Marco", "en")
)

const meetMentorship = "MIE-2027-0077"

// TestMeetingRemindersTwoProcesses agrees a schedule through the fake
// Telegram, then runs two bot processes on one Redis, each with its
// own scheduler and Telegram connection, hour by hour through the
// whole mentorship; after each hour's ticks both bots send what the
// ticks put in the durable outbox. Counted at the fake servers, every
// reminder arrives once; a mentor who blocks the bot midway is tried
// once and then left alone.
func TestMeetingRemindersTwoProcesses(t *testing.T) {
	one := bottest.Start(t)
	ctx := context.Background()

	one.Command(meetMentee, "start", "")
	one.Command(meetMentor, "start", "")
	m := records.Mentorship{ID: meetMentorship, MenteeID: meetMentee.ID, MentorID: meetMentor.ID,
		ProjectID: "madrid-ai", CreatedAt: one.Clock.Now()}
	if err := one.Records.SaveMentorship(ctx, m); err != nil {
		t.Fatal(err)
	}

	// The agreement, through Telegram: Monday 1 February 2027, 10:00.
	r := one.Command(meetMentee, "agreement", "")
	bottest.WantText(t, r, meetMentee.ID, "which topics")
	one.Text(meetMentee, "Research careers")
	r = one.Text(meetMentee, "3/2 18:00-21:00\n4/2 18:00-19:00")
	bottest.WantText(t, r, meetMentee.ID, "Line 1 (\"3/2 18:00-21:00\"): A meeting may last at most 2h")
	r = one.Text(meetMentee, "3/2 18:00-19:00\n4/2 18:00-19:00\n5/2 18:00-19:00\n6/2 18:00-19:00\n7/2 18:00-19:00\n8/2 18:00-19:00")
	bottest.WantText(t, r, meetMentee.ID, "Send it to your mentor")
	r = one.Press(meetMentee, "Send to my mentor")
	bottest.WantText(t, r, meetMentor.ID, "Anna (@anna) proposes this Mentor-Mentee Agreement")
	r = one.Press(meetMentor, "Confirm")
	bottest.WantText(t, r, meetMentee.ID, "The agreement is confirmed")
	for _, u := range []telegramtest.User{meetMentee, meetMentor} {
		doc := documentTo(t, r, u.ID, ".ics")
		if n := strings.Count(string(doc.Document.Content), "BEGIN:VEVENT"); n != 6 {
			t.Errorf("calendar file to %d has %d events; want 6", u.ID, n)
		}
	}

	// The second process starts only now: its feeder would otherwise
	// send some of the agreement's messages, which the checks above
	// look for at the first process's Telegram.
	two := bottest.Start(t, bottest.WithEngineStore(func(records.Store) records.Store { return one.Store }))
	before := one.Server.Calls("sendMessage") + two.Server.Calls("sendMessage")
	var schedulers []*bot.Scheduler
	for _, env := range []*bottest.Env{one, two} {
		s, err := bot.NewScheduler(bot.SchedulerConfig{Tick: bot.RemindersTick(env.Engine, env.Bot.WakeFeeder), Now: one.Clock.Now})
		if err != nil {
			t.Fatal(err)
		}
		schedulers = append(schedulers, s)
	}
	loc := one.Program.Location()
	run := func(until time.Time) {
		for ; !one.Clock.Now().After(until); one.Clock.Add(time.Hour) {
			var wg sync.WaitGroup
			errs := make([]error, len(schedulers))
			for i, s := range schedulers {
				wg.Go(func() { errs[i] = s.RunOnce(ctx) })
			}
			wg.Wait()
			if err := errors.Join(errs...); err != nil {
				t.Fatalf("tick at %v: %v", one.Clock.Now(), err)
			}
			flushAll(t, one, two)
		}
	}
	// The mentor blocks the bot after meeting 3's last reminder.
	run(time.Date(2027, 2, 5, 17, 0, 0, 0, loc))
	one.Server.Block(meetMentor.ID)
	two.Server.Block(meetMentor.ID)
	run(time.Date(2027, 3, 1, 0, 0, 0, 0, loc))

	count := func(chat int64) map[string]int {
		seen := make(map[string]int)
		for _, env := range []*bottest.Env{one, two} {
			for _, msg := range env.Server.Messages(chat) {
				if strings.Contains(msg.Text, "Reminder: mentoring meeting") || strings.Contains(msg.Text, "has no diary entry") ||
					strings.Contains(msg.Text, "/questionnaire") {
					seen[msg.Text]++
				}
			}
		}
		return seen
	}
	mentee, mentor := count(meetMentee.ID), count(meetMentor.ID)
	total := 0
	for text, n := range mentee {
		want := 1
		if strings.Contains(text, "has no diary entry") {
			want = 3 // the day after, then twice more three days apart
		}
		if n != want {
			t.Errorf("mentee got %d times: %q; want %d", n, text, want)
		}
		total += n
	}
	if total != 12+18+1 {
		t.Errorf("mentee got %d reminders; want 31 (12 before meetings, 18 for the diary, 1 at the end): %v", total, mentee)
	}
	if len(mentor) != 6 {
		t.Errorf("mentor got %d distinct reminders; want the 6 of meetings 1-3: %v", len(mentor), mentor)
	}
	for text, n := range mentor {
		if n != 1 || !strings.Contains(text, "meeting 1 ") && !strings.Contains(text, "meeting 2 ") && !strings.Contains(text, "meeting 3 ") {
			t.Errorf("mentor got %d times: %q", n, text)
		}
	}
	// Every sendMessage is one delivered reminder, except the single
	// attempt to the mentor that found the bot blocked.
	calls := one.Server.Calls("sendMessage") + two.Server.Calls("sendMessage") - before
	if want := total + 6 + 1; calls != want {
		t.Errorf("sendMessage calls during the run = %d; want %d", calls, want)
	}
	p, err := one.Records.Profile(ctx, meetMentor.ID)
	if err != nil || !p.Blocked {
		t.Errorf("mentor Blocked = %v, %v; want true", p.Blocked, err)
	}
	after, err := one.Records.Mentorship(ctx, meetMentorship)
	if err != nil || after.EndedAt.IsZero() {
		t.Errorf("mentorship EndedAt = %v, %v; want set at the last meeting's end", after.EndedAt, err)
	}
}

// TestMeetingsCommand shows the schedule through Telegram.
func TestMeetingsCommand(t *testing.T) {
	env := bottest.Start(t)
	env.Command(meetMentee, "start", "")
	env.Command(meetMentor, "start", "")
	ctx := context.Background()
	m := records.Mentorship{ID: meetMentorship, MenteeID: meetMentee.ID, MentorID: meetMentor.ID, ProjectID: "madrid-ai"}
	for n := 1; n <= 6; n++ {
		m.Meetings = append(m.Meetings, records.Meeting{N: n, Start: time.Date(2027, 1, 27+n, 18, 0, 0, 0, env.Program.Location()), Duration: time.Hour})
	}
	if err := env.Engine.Agree(ctx, m, env.Clock.Now().AddDate(0, -1, 0)); err != nil {
		t.Fatal(err)
	}
	r := env.Command(meetMentee, "meetings", "")
	bottest.WantText(t, r, meetMentee.ID, "⚠️ 4. 2027-01-31 18:00-19:00 CET, diary missing")
	bottest.WantText(t, r, meetMentee.ID, "🗓 5. 2027-02-01 18:00-19:00")
	bottest.WantText(t, r, meetMentee.ID, "4 of 6 meetings held")
	r = env.Press(meetMentee, "Calendar file")
	if doc := documentTo(t, r, meetMentee.ID, ".ics"); strings.Count(string(doc.Document.Content), "BEGIN:VEVENT") != 6 {
		t.Errorf("calendar file:\n%s", doc.Document.Content)
	}
}

// flushAll waits until every env's bot sent what is in the durable
// outbox.
func flushAll(tb testing.TB, envs ...*bottest.Env) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), telegramtest.DefaultTimeout)
	defer cancel()
	for _, env := range envs {
		if err := env.Bot.Flush(ctx); err != nil {
			tb.Fatalf("flush the durable outbox: %v", err)
		}
	}
}
