package bot_test

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/mentorbot/mentorbot/bot"
	"github.com/mentorbot/mentorbot/bot/bottest"
	"github.com/mentorbot/mentorbot/flows"
	"github.com/mentorbot/mentorbot/flows/records"
)

// TestReminderInMentorsZoneE2E: the host of madrid-ai is in Dublin, an
// hour behind Rome. Through the real client, the mentor is asked for
// their zone on /start and picks Dublin's; the scheduler's tick a day
// before a meeting at 18:00 Rome time reminds the mentee of it at 18:00
// CET and the mentor at 17:00 GMT.
func TestReminderInMentorsZoneE2E(t *testing.T) {
	src, err := os.ReadFile("../flows/testdata/program.toml")
	if err != nil {
		t.Fatal(err)
	}
	program, err := flows.ParseProgram([]byte(strings.Replace(string(src),
		"mentor = 200000001\n", "mentor = 200000001\ntime_zone = \"Europe/Dublin\"\n", 1)))
	if err != nil {
		t.Fatal(err)
	}
	env := bottest.Start(t, bottest.WithProgram(program))
	ctx := context.Background()
	mentee := bottest.User(300000051, "Anna", "en")
	mentor := bottest.User(200000001, "Seán", "en")
	env.Command(mentee, "start", "")
	r := env.Command(mentor, "start", "")
	bottest.WantText(t, r, mentor.ID, env.Engine.Catalog().T("en", "timezone.ask",
		map[string]any{"Zone": "Europe/Dublin", "Now": "2027-02-01 09:00 GMT"}))
	env.Press(mentor, "Europe/Dublin")

	loc := program.Location()
	m := records.Mentorship{ID: "MIE-2027-0051", MenteeID: mentee.ID, MentorID: mentor.ID, ProjectID: "madrid-ai", CreatedAt: env.Clock.Now()}
	for n := 1; n <= program.Meetings; n++ {
		m.Meetings = append(m.Meetings, records.Meeting{N: n, Start: time.Date(2027, 2, 2+n, 18, 0, 0, 0, loc), Duration: time.Hour})
	}
	if err := env.Engine.Agree(ctx, m, env.Clock.Now()); err != nil {
		t.Fatal(err)
	}
	s, err := bot.NewScheduler(bot.SchedulerConfig{Tick: bot.RemindersTick(env.Engine, env.Bot.WakeFeeder), Now: env.Clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	env.Clock.Set(m.Meetings[0].Start.Add(-24 * time.Hour))
	if err := s.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if err := env.Bot.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	want := map[int64]string{mentee.ID: "2027-02-03 18:00-19:00 CET", mentor.ID: "2027-02-03 17:00-18:00 GMT"}
	for chat, when := range want {
		found := false
		for _, msg := range env.Server.Messages(chat) {
			found = found || strings.Contains(msg.Text, when)
		}
		if !found {
			t.Errorf("no reminder to %d at %q; got %+v", chat, when, env.Server.Messages(chat))
		}
	}
}
