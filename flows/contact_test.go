package flows_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/mentorbot/mentorbot/flows"
)

// onlyTo returns the one message of r to chat, failing unless there is
// exactly one.
func onlyTo(tb testing.TB, r flows.Reply, chat int64) flows.Message {
	tb.Helper()
	var got []flows.Message
	for _, m := range r.Messages {
		if m.ChatID == chat {
			got = append(got, m)
		}
	}
	if len(got) != 1 {
		tb.Fatalf("%d messages to %d; want 1:%s", len(got), chat, dump(r))
	}
	return got[0]
}

// TestContactRelaysBothWays: mentee and mentor, neither with a
// username, write to each other through the bot: text in one go with
// /contact, then a photo answered through the Reply button. Each
// message reaches only the other side, named by first name, quoted, and
// marked as carrying its sender's words.
func TestContactRelaysBothWays(t *testing.T) {
	h := newHarness(t)
	h.matchedPair()

	r := h.command(pairMentee, "contact", "Can we meet on Thursday?")
	wantSaid(t, r, studentA, "contact.sent")
	got := onlyTo(t, r, mentorID)
	if got.TextID != "contact.from_mentee" || got.About != studentA || got.Quote == nil ||
		got.Text[got.Quote.Start:got.Quote.End] != "Can we meet on Thursday?" {
		t.Fatalf("relayed to the mentor: %+v", got)
	}
	wantText(t, r, mentorID, "Anna")
	reply, ok := findButton(r, h.rendered("en", "contact.reply_button", nil))
	if !ok {
		t.Fatalf("no Reply button under the relayed message:%s", dump(r))
	}

	r = h.pressData(pairMentor, reply.Data)
	wantSaid(t, r, mentorID, "contact.ask")
	r = h.handle(flows.Event{Kind: flows.KindPhoto, From: pairMentor, Text: "The room",
		File: &flows.File{FileID: "photo-1", MIMEType: "image/jpeg", Size: 1000}})
	wantSaid(t, r, mentorID, "contact.sent")
	got = onlyTo(t, r, studentA)
	if got.TextID != "contact.from_mentor" || got.File == nil || got.File.FileID != "photo-1" || !got.File.Photo {
		t.Fatalf("relayed to the mentee: %+v", got)
	}

	// A sticker or voice note cannot be relayed; nothing goes out.
	r = h.command(pairMentee, "contact", "")
	wantSaid(t, r, studentA, "contact.ask")
	r = h.handle(flows.Event{Kind: flows.KindOther, From: pairMentee})
	wantSaid(t, r, studentA, "contact.bad_input")
	if len(r.Messages) != 1 {
		t.Errorf("a message that cannot be relayed sent %d messages", len(r.Messages))
	}
}

// TestContactOnlyWithinAnOpenMentorship: someone with no mentorship
// has no one to write to, and a Reply button of a mentorship that has
// ended, or pressed by someone outside it, relays nothing.
func TestContactOnlyWithinAnOpenMentorship(t *testing.T) {
	h := newHarness(t)
	h.matchedPair()
	r := h.command(pairMentee, "contact", "hello")
	reply, _ := findButton(r, h.rendered("en", "contact.reply_button", nil))

	stranger := user(studentB, "en")
	r = h.command(stranger, "contact", "hello")
	wantSaid(t, r, studentB, "contact.none")
	r = h.pressData(stranger, reply.Data)
	if r.NoticeID != "contact.gone" || len(r.Messages) != 0 {
		t.Errorf("a stranger pressing Reply: notice %q, %d messages", r.NoticeID, len(r.Messages))
	}

	m := h.loadPair()
	m.EndedAt = h.clock.Now()
	if err := h.rec.SaveMentorship(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	r = h.pressData(pairMentor, reply.Data)
	if r.NoticeID != "contact.gone" || len(r.Messages) != 0 {
		t.Errorf("Reply after the mentorship ended: notice %q, %d messages", r.NoticeID, len(r.Messages))
	}
	r = h.command(pairMentee, "contact", "still there?")
	wantSaid(t, r, studentA, "contact.none")
}

// TestAgreementMeetingLink: the mentee adds the meeting link to the
// agreement before sending it (something that is not a web link is
// refused and changes nothing); the mentor sees it in the proposal, and
// once confirmed it is in the mentorship, its PDF's calendar file and
// every meeting reminder.
func TestAgreementMeetingLink(t *testing.T) {
	h := newHarness(t)
	h.matchedPair()
	h.command(pairMentee, "agreement", "")
	h.text(pairMentee, "CV")
	r := h.text(pairMentee, "3/2 18:00-19:00\n4/2 18:00-19:00\n5/2 18:00-19:00\n6/2 18:00-19:00\n7/2 18:00-19:00\n8/2 18:00-19:00")
	wantSaid(t, r, studentA, "agreement.review")

	r = h.pressAction(pairMentee, r, "link", "")
	wantSaid(t, r, studentA, "agreement.ask_link")
	for _, bad := range []string{"my zoom", "javascript:alert(1)", "https://user:pw@meet.example.org/x", "ftp://meet.example.org/x", "https://localhost/x"} {
		r = h.text(pairMentee, bad)
		wantSaid(t, r, studentA, "agreement.link_bad")
	}
	const link = "https://meet.example.org/abc-defg"
	r = h.text(pairMentee, link)
	wantSaid(t, r, studentA, "agreement.review")
	wantText(t, r, studentA, link)

	r = h.pressAction(pairMentee, r, "send", "")
	wantSaid(t, r, mentorID, "agreement.proposed")
	wantText(t, r, mentorID, link)
	r = h.pressAction(pairMentor, r, "ok", "*")
	wantSaid(t, r, studentA, "agreement.confirmed")
	if m := h.loadPair(); m.MeetingLink != link {
		t.Errorf("mentorship's link = %q; want %q", m.MeetingLink, link)
	}
	if cal := string(fileTo(t, r, studentA, ".ics").Content); !strings.Contains(cal, "URL:"+link) || !strings.Contains(cal, "LOCATION:"+link) {
		t.Errorf("calendar lacks the link:\n%s", cal)
	}

	m := h.loadPair()
	if _, err := h.engine.QueueDueReminders(context.Background(), m.Meetings[0].Start.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	for _, chat := range []int64{studentA, mentorID} {
		texts := outboxTexts(t, h, chat)
		if len(texts) == 0 || !strings.Contains(texts[len(texts)-1], link) {
			t.Errorf("meeting reminder to %d lacks the link: %q", chat, texts)
		}
	}
}
