package flows_test

import (
	"context"
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mentorbot/mentorbot/flows"
	"github.com/mentorbot/mentorbot/flows/redisstore/redistest"
)

// dublinProgram is the test programme with the host of madrid-ai (whose
// mentor is mentorID) moved to Dublin's time zone, an hour behind Rome.
func dublinProgram(tb testing.TB) *flows.Program {
	tb.Helper()
	src, err := os.ReadFile("testdata/program.toml")
	if err != nil {
		tb.Fatal(err)
	}
	edited := strings.Replace(string(src), "mentor = 200000001\n", "mentor = 200000001\ntime_zone = \"Europe/Dublin\"\n", 1)
	if edited == string(src) {
		tb.Fatal("testdata/program.toml: madrid-ai's mentor line not found")
	}
	p, err := flows.ParseProgram([]byte(edited))
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

// outboxTexts is what the durable outbox holds for chat, in order.
func outboxTexts(tb testing.TB, h *harness, chat int64) []string {
	tb.Helper()
	msgs, err := h.rec.OutboxMessages(context.Background(), chat, 100)
	if err != nil {
		tb.Fatal(err)
	}
	var out []string
	for _, om := range msgs {
		var m flows.Message
		if err := json.Unmarshal(om.Body, &m); err != nil {
			tb.Fatal(err)
		}
		out = append(out, m.Text)
	}
	return out
}

// TestRemindersInEachPersonsZone: a meeting at 18:00 Rome time is
// announced to the mentee, in Rome, at 18:00 CET, and to the mentor,
// whose host institution is in Dublin, at 17:00 GMT; once the mentee
// chooses New York's zone with /timezone, they see it at 12:00 EST.
func TestRemindersInEachPersonsZone(t *testing.T) {
	h := newHarnessWith(t, redistest.Store(t), dublinProgram(t))
	m := h.agreedPair()
	ctx := context.Background()
	first := m.Meetings[0].Start
	if _, err := h.engine.QueueDueReminders(ctx, first.Add(-24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	wantIn := func(chat int64, texts []string, want string) {
		t.Helper()
		for _, s := range texts {
			if strings.Contains(s, want) {
				return
			}
		}
		t.Errorf("messages to %d lack %q: %q", chat, want, texts)
	}
	wantIn(studentA, outboxTexts(t, h, studentA), "2027-02-03 18:00-19:00 CET")
	wantIn(mentorID, outboxTexts(t, h, mentorID), "2027-02-03 17:00-18:00 GMT")

	r := h.command(pairMentee, "timezone", "")
	wantSaid(t, r, studentA, "timezone.ask")
	r = h.text(pairMentee, "america/new_york")
	wantSaid(t, r, studentA, "timezone.set")
	r = h.command(pairMentee, "meetings", "")
	wantText(t, r, studentA, "2027-02-03 12:00-13:00 EST")
}

// TestMentorIsAskedForTheirZone: a mentor who has not chosen a zone is
// asked for it on /start, offered the programme's and the host
// institutions' zones; a zone that does not exist is refused and
// changes nothing; once chosen, they are not asked again.
func TestMentorIsAskedForTheirZone(t *testing.T) {
	h := newHarnessWith(t, redistest.Store(t), dublinProgram(t))
	r := h.command(pairMentor, "start", "")
	wantSaid(t, r, mentorID, "timezone.ask")
	if _, ok := findButton(r, "Europe/Dublin"); !ok {
		t.Errorf("the question offers no Europe/Dublin button:%s", dump(r))
	}
	r = h.text(pairMentor, "Mars/Olympus_Mons")
	wantSaid(t, r, mentorID, "timezone.unknown")
	r = h.press(pairMentor, r, "Europe/Dublin")
	wantSaid(t, r, mentorID, "timezone.set")
	if p, err := h.rec.Profile(context.Background(), mentorID); err != nil || p.TimeZone != "Europe/Dublin" {
		t.Errorf("mentor's profile zone = %q, %v; want Europe/Dublin", p.TimeZone, err)
	}
	r = h.command(pairMentor, "start", "")
	if slices.Contains(saidTo(r, mentorID), "timezone.ask") {
		t.Errorf("a mentor with a zone is asked again:%s", dump(r))
	}
	// A student is never asked.
	r = h.command(pairMentee, "start", "")
	if slices.Contains(saidTo(r, studentA), "timezone.ask") {
		t.Errorf("a student is asked for a zone:%s", dump(r))
	}
}
