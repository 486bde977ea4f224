package flows_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mentorbot/mentorbot/flows"
	"github.com/mentorbot/mentorbot/flows/records"
)

// announcePairs stores two open mentorships: pairMentee with
// pairMentor on madrid-ai, and studentB with lyon-law's mentor, and a
// third mentee who never opened the bot.
func (h *harness) announcePairs() (lyonMentor flows.User, silent int64) {
	h.tb.Helper()
	h.matchedPair()
	lyonMentor = flows.User{ID: 200000002, FirstName: "Luc", LanguageCode: "en"}
	bea := user(studentB, "it")
	h.command(bea, "start", "")
	h.command(lyonMentor, "start", "")
	silent = 300000099
	for _, m := range []records.Mentorship{
		{ID: "MIE-2027-0100", MenteeID: studentB, MentorID: lyonMentor.ID, ProjectID: "lyon-law", CreatedAt: h.clock.Now()},
		{ID: "MIE-2027-0101", MenteeID: silent, MentorID: lyonMentor.ID, ProjectID: "lyon-law", CreatedAt: h.clock.Now()},
	} {
		if err := h.rec.SaveMentorship(context.Background(), m); err != nil {
			h.tb.Fatal(err)
		}
	}
	return lyonMentor, silent
}

// chatsOf returns the chats r sends a message to, sorted.
func chatsOf(r flows.Reply) []int64 {
	var out []int64
	for _, m := range r.Messages {
		out = append(out, m.ChatID)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// TestAnnouncementToOneProject: staff tell madrid-ai's pair something;
// the preview counts 2; sent, it reaches exactly that mentee and that
// mentor, each once, marked for the tally, and the staff member is
// told how many.
func TestAnnouncementToOneProject(t *testing.T) {
	h := newHarness(t)
	h.announcePairs()

	r := h.command(staff, "announce", "")
	wantSaid(t, r, staffID, "announce.audience")
	r = h.pressAction(staff, r, "pick", "project")
	r = h.pressAction(staff, r, "proj", "madrid-ai")
	wantSaid(t, r, staffID, "announce.ask_text")
	r = h.text(staff, "The workshop moves to room 3.")
	wantSaid(t, r, staffID, "announce.preview")
	wantText(t, r, staffID, h.renderedN("en", "announce.reach", 2, map[string]any{"Unreachable": 0}))

	r = h.pressAction(staff, r, "send", "")
	wantSaid(t, r, staffID, "announce.sent")
	if got, want := chatsOf(r), []int64{staffID, mentorID, studentA}; !slices.Equal(got, want) {
		t.Fatalf("announcement went to %v; want %v:%s", got, want, dump(r))
	}
	for _, m := range r.Messages {
		if m.ChatID != staffID && (m.TextID != "announce.header" || !strings.HasPrefix(m.Ref, "announce:") ||
			m.Text[m.Quote.Start:m.Quote.End] != "The workshop moves to room 3.") {
			t.Errorf("message to %d = %+v", m.ChatID, m)
		}
	}
}

// TestAnnouncedEventRSVP: an announcement to all mentees of a training
// session with Yes/No. It reaches the two who opened the bot (the
// third is counted unreachable); one says yes, the other no, a forged
// press by someone it did not reach changes nothing. The day before,
// the scheduler reminds the one who said yes, once however often it
// runs; /announcements reports the tally.
func TestAnnouncedEventRSVP(t *testing.T) {
	h := newHarness(t)
	_, silent := h.announcePairs()
	ctx := context.Background()

	r := h.pressAction(staff, h.command(staff, "announce", ""), "aud", "mentees")
	wantSaid(t, r, staffID, "announce.ask_text")
	r = h.text(staff, "Training workshop on intercultural communication.")
	r = h.pressAction(staff, r, "rsvp", "")
	wantSaid(t, r, staffID, "announce.ask_event")
	r = h.text(staff, "2027-02-10 15:00")
	wantSaid(t, r, staffID, "announce.preview")
	wantText(t, r, staffID, h.renderedN("en", "announce.reach", 2, map[string]any{"Unreachable": 1}))
	r = h.pressAction(staff, r, "send", "")
	if got, want := chatsOf(r), []int64{staffID, studentA, studentB}; !slices.Equal(got, want) {
		t.Fatalf("announcement went to %v; want %v:%s", got, want, dump(r))
	}
	var yes, no flows.Button
	for _, m := range r.Messages {
		if m.ChatID == staffID {
			continue
		}
		// The sender reports each message Telegram took.
		if err := h.engine.Sent(ctx, m.Ref, m.ChatID, 1); err != nil {
			t.Fatal(err)
		}
		if m.ChatID == studentA {
			yes = m.Buttons[0][0]
		} else {
			no = m.Buttons[0][1]
		}
	}
	r = h.pressData(pairMentee, yes.Data)
	wantSaid(t, r, studentA, "announce.rsvp_yes")
	r = h.pressData(user(studentB, "it"), no.Data)
	wantSaid(t, r, studentB, "announce.rsvp_no")
	r = h.pressData(user(silent, "en"), yes.Data)
	if r.NoticeID != "error.bad_button" || len(r.Messages) != 0 {
		t.Errorf("a press by someone not reached: notice %q, %d messages", r.NoticeID, len(r.Messages))
	}

	eventAt := time.Date(2027, 2, 10, 15, 0, 0, 0, h.program.Location())
	before := len(outboxTexts(t, h, studentA))
	for range 2 {
		if _, err := h.engine.QueueDue(ctx, eventAt.Add(-23*time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	if texts := outboxTexts(t, h, studentA); len(texts) != before+1 || !strings.Contains(texts[len(texts)-1], "Training workshop") {
		t.Errorf("reminders to the one who said yes: %q; want one more", texts[before:])
	}
	if texts := outboxTexts(t, h, studentB); len(texts) != 0 {
		t.Errorf("the one who said no got %q", texts)
	}

	r = h.command(staff, "announcements", "")
	wantSaid(t, r, staffID, "announce.report_intro")
	wantText(t, r, staffID, h.rendered("en", "announce.report_rsvp", map[string]any{"Yes": 1, "No": 1}))
	wantText(t, r, staffID, "received by 2, not reached 1")
}
