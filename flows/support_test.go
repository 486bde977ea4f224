package flows_test

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mentorbot/mentorbot/flows"
	"github.com/mentorbot/mentorbot/flows/records"
	"github.com/mentorbot/mentorbot/flows/redisstore/redistest"
)

// Committee groups of the test programme, and their members.
const (
	bicoccaChat = -1001000000001
	palermoChat = -1001000000002
	strayGroup  = -1009999999999 // a group that is no committee's
	memberAna   = 400000001      // in the Bicocca committee
	memberBea   = 400000002      // in the Bicocca committee
	memberPia   = 400000003      // in the Palermo committee
)

// supportRig drives the support flow: it plays the sender's part of
// reporting message ids back for messages sent with a Ref.
type supportRig struct {
	*harness
	nextID int
}

func newSupportRig(tb testing.TB) *supportRig {
	tb.Helper()
	return &supportRig{harness: newHarness(tb), nextID: 500}
}

// deliver reports an id for every message of r that has a Ref, as the
// sender does after sending, and returns the ids by message index (0
// for messages without a Ref).
func (s *supportRig) deliver(r flows.Reply) []int {
	s.tb.Helper()
	ids := make([]int, len(r.Messages))
	for i, m := range r.Messages {
		if m.Ref == "" {
			continue
		}
		s.nextID++
		ids[i] = s.nextID
		if err := s.engine.Sent(context.Background(), m.Ref, m.ChatID, s.nextID); err != nil {
			s.tb.Fatalf("Sent(%q, %d, %d): %v", m.Ref, m.ChatID, s.nextID, err)
		}
	}
	return ids
}

// request runs /support for u up to a text request to the university
// uni about topic (their ids), delivers what the bot sent and returns
// the id of the ticket's post in the committee group.
func (s *supportRig) request(u flows.User, uni, topic, text string) (flows.Reply, int) {
	s.tb.Helper()
	r := s.command(u, "support", "")
	r = s.pressAction(u, r, "uni", uni)
	s.pressAction(u, r, "topic", topic)
	r = s.text(u, text)
	ids := s.deliver(r)
	for i, m := range r.Messages {
		if strings.HasPrefix(m.Ref, "ticket:") {
			return r, ids[i]
		}
	}
	s.tb.Fatalf("request %q posted nothing to a committee:%s", text, dump(r))
	return r, 0
}

// group sends ev in a committee (or other) group chat.
func (s *supportRig) group(chat int64, ev flows.Event) flows.Reply {
	s.tb.Helper()
	ev.ChatID, ev.ChatType = chat, flows.ChatSupergroup
	s.nextID++
	ev.MessageID = s.nextID
	return s.handle(ev)
}

// answer replies with text to message replyTo in chat, from member.
func (s *supportRig) answer(chat int64, member int64, replyTo int, text string) flows.Reply {
	s.tb.Helper()
	return s.group(chat, flows.Event{Kind: flows.KindText, From: member0(member), Text: text, ReplyTo: replyTo})
}

// pressIn presses the button of r, in any chat, whose callback has
// action (claim, close), from member in chat.
func (s *supportRig) pressIn(chat int64, member int64, r flows.Reply, action string) flows.Reply {
	s.tb.Helper()
	b, ok := actionButton(r, action)
	if !ok {
		s.tb.Fatalf("no button %s in reply %s", action, dump(r))
	}
	return s.group(chat, flows.Event{Kind: flows.KindButton, From: member0(member), Data: b.Data})
}

// actionButton returns the button of r, in any chat, whose callback
// has action.
func actionButton(r flows.Reply, action string) (flows.Button, bool) {
	for _, m := range r.Messages {
		if b, ok := buttonFor(r, m.ChatID, action, "*"); ok {
			return b, true
		}
	}
	return flows.Button{}, false
}

func (s *supportRig) ticket(id string) records.Ticket {
	s.tb.Helper()
	tk, err := s.rec.Ticket(context.Background(), id)
	if err != nil {
		s.tb.Fatalf("Ticket(%q): %v", id, err)
	}
	return tk
}

func member0(id int64) flows.User {
	names := map[int64]string{memberAna: "Ana", memberBea: "Bea", memberPia: "Pia"}
	return flows.User{ID: id, FirstName: names[id], LastName: "Committee", Username: "member", LanguageCode: "en"}
}

// only returns the messages of r to chat.
func only(r flows.Reply, chat int64) []flows.Message {
	var out []flows.Message
	for _, m := range r.Messages {
		if m.ChatID == chat {
			out = append(out, m)
		}
	}
	return out
}

func TestSupportRequestReachesCommitteeAndAnswerComesBack(t *testing.T) {
	s := newSupportRig(t)
	ada := flows.User{ID: studentA, FirstName: "Ada", LastName: "Lovelace", Username: "ada_l", LanguageCode: "it"}

	r, post := s.request(ada, "bicocca", "housing", "I need a room near the campus")
	wantSaid(t, r, studentA, "support.sent")
	posts := only(r, bicoccaChat)
	if len(posts) != 1 {
		t.Fatalf("request posted %d messages to the committee; want 1:%s", len(posts), dump(r))
	}
	p := posts[0]
	if p.TextID != "support.group.new" {
		t.Errorf("committee post made from %q; want support.group.new", p.TextID)
	}
	for _, want := range []string{"#1", "Housing", "Ada", "who writes in Italian:", "I need a room near the campus", "/sign"} {
		if !strings.Contains(p.Text, want) {
			t.Errorf("committee post = %q; want it to contain %q", p.Text, want)
		}
	}
	for _, hidden := range []string{"Lovelace", "ada_l", "300000001"} {
		if strings.Contains(p.Text, hidden) {
			t.Errorf("committee post = %q; it reveals %q", p.Text, hidden)
		}
	}
	if p.Ref != "ticket:1" {
		t.Errorf("committee post Ref = %q; want %q", p.Ref, "ticket:1")
	}
	if _, ok := buttonFor(r, bicoccaChat, "claim", "1"); !ok {
		t.Errorf("committee post has no claim button:%s", dump(r))
	}
	if tk := s.ticket("1"); tk.State != records.TicketOpen || tk.PostID != post || tk.University != "bicocca" || tk.Topic != "housing" {
		t.Errorf("Ticket(1) = %+v; want open, post %d, bicocca, housing", tk, post)
	}

	r = s.answer(bicoccaChat, memberAna, post, "There is a room in via Roma 1.")
	toAda := only(r, studentA)
	if len(toAda) != 1 {
		t.Fatalf("answer relayed %d messages to the student; want 1:%s", len(toAda), dump(r))
	}
	a := toAda[0]
	if a.TextID != "support.answer" || !strings.Contains(a.Text, "University of Milano Bicocca") || !strings.HasSuffix(a.Text, "1):\n\nThere is a room in via Roma 1.") {
		t.Errorf("relayed answer = %q (%s); want support.answer from the Bicocca committee about request 1, then the answer", a.Text, a.TextID)
	}
	if strings.Contains(a.Text, "Ana") {
		t.Errorf("relayed answer = %q; it names the committee member", a.Text)
	}
	if a.Ref != "relay:1" {
		t.Errorf("relayed answer Ref = %q; want relay:1", a.Ref)
	}
	wantSaid(t, r, bicoccaChat, "support.group.relayed")
	if tk := s.ticket("1"); tk.State != records.TicketAnswered || tk.AnsweredBy != memberAna {
		t.Errorf("Ticket(1) after answer = %+v; want answered by %d", tk, memberAna)
	}

	// A member may sign: by command, or at the start of a caption.
	r = s.group(bicoccaChat, flows.Event{Kind: flows.KindCommand, From: member0(memberBea), Command: "sign", Args: "Write to me any time.", ReplyTo: post})
	wantSaid(t, r, studentA, "support.answer_signed")
	if got := textTo(r, studentA); !strings.Contains(got, "Bea") || !strings.Contains(got, "University of Milano Bicocca") || !strings.HasSuffix(got, "1):\n\nWrite to me any time.") {
		t.Errorf("signed answer = %q; want Bea of the Bicocca committee about request 1, then the answer", got)
	}
	wantSaid(t, r, bicoccaChat, "support.group.relayed_signed")
}

func TestSupportFollowUpsThreadToTheSameTicket(t *testing.T) {
	s := newSupportRig(t)
	ada := user(studentA, "en")
	_, post := s.request(ada, "bicocca", "academic", "Which exams count?")

	// Still in the thread: the next message is a follow-up.
	r := s.text(ada, "I study physics.")
	ids := s.deliver(r)
	wantSaid(t, r, studentA, "support.followup_sent")
	var follow int
	for i, m := range r.Messages {
		if m.ChatID == bicoccaChat {
			if m.ReplyTo != post || m.Ref != "ticket:1" || m.TextID != "support.group.followup" || !strings.Contains(m.Text, "I study physics.") {
				t.Errorf("follow-up post = %+v; want a reply to %d about ticket 1", m, post)
			}
			follow = ids[i]
		}
	}
	if follow == 0 {
		t.Fatalf("follow-up posted nothing in the committee group:%s", dump(r))
	}

	// Replying to the follow-up answers the same ticket.
	r = s.answer(bicoccaChat, memberAna, follow, "All of them.")
	wantSaid(t, r, studentA, "support.answer")
	if got := textTo(r, studentA); !strings.HasSuffix(got, "(request #1):\n\nAll of them.") {
		t.Errorf("answer to the follow-up = %q; want it about request #1", got)
	}

	// After leaving the flow, the Reply button under the answer picks
	// the thread up again; the ticket waits for the committee again.
	s.command(ada, "cancel", "")
	if got := s.text(ada, "hello?"); strings.Contains(textTo(got, bicoccaChat), "hello?") {
		t.Fatalf("text outside the thread reached the committee:%s", dump(got))
	}
	r2 := s.pressAction(ada, r, "reply", "1")
	wantSaid(t, r2, studentA, "support.thread_prompt")
	r2 = s.text(ada, "Thanks, and the deadlines?")
	if m := only(r2, bicoccaChat); len(m) != 1 || m[0].ReplyTo != post {
		t.Fatalf("follow-up after Reply = %s; want one reply to %d", dump(r2), post)
	}
	if tk := s.ticket("1"); tk.State != records.TicketOpen || tk.RemindAt.IsZero() {
		t.Errorf("Ticket(1) after follow-up = %+v; want open with a reminder due", tk)
	}

	// Someone else's Reply button does nothing.
	bob := user(studentB, "en")
	b, _ := buttonFor(r, studentA, "reply", "1")
	r3 := s.pressData(bob, b.Data)
	if r3.Notice == "" || len(r3.Messages) != 0 {
		t.Errorf("another student pressing Reply = %s; want only a notice", dump(r3))
	}
}

func TestSupportClaimAndClose(t *testing.T) {
	s := newSupportRig(t)
	ada := user(studentA, "en")
	r, post := s.request(ada, "bicocca", "language", "Where can I learn Italian?")
	postReply := flows.Reply{Messages: only(r, bicoccaChat)}

	c := s.pressIn(bicoccaChat, memberAna, postReply, "claim")
	wantSaid(t, c, bicoccaChat, "support.group.claimed")
	if len(only(c, studentA)) != 0 {
		t.Errorf("claim told the student:%s", dump(c))
	}
	if tk := s.ticket("1"); tk.State != records.TicketClaimed || tk.ClaimedBy != memberAna {
		t.Errorf("Ticket(1) after claim = %+v; want claimed by %d", tk, memberAna)
	}
	c = s.pressIn(bicoccaChat, memberBea, postReply, "claim")
	if c.NoticeID != "support.already_claimed" || len(c.Messages) != 0 {
		t.Errorf("second claim = %s; want the already-claimed notice only", dump(c))
	}
	if tk := s.ticket("1"); tk.ClaimedBy != memberAna {
		t.Errorf("Ticket(1).ClaimedBy = %d after a second claim; want %d", tk.ClaimedBy, memberAna)
	}

	l := s.group(bicoccaChat, flows.Event{Kind: flows.KindCommand, From: member0(memberBea), Command: "tickets"})
	wantText(t, l, bicoccaChat, "1 open request:\n#1 · Language · Useren (English) · taken on by Ana · since 2027-02-01 10:00")

	c = s.pressIn(bicoccaChat, memberBea, postReply, "close")
	wantSaid(t, c, bicoccaChat, "support.group.closed")
	wantSaid(t, c, studentA, "support.closed")
	if tk := s.ticket("1"); tk.State != records.TicketClosed {
		t.Errorf("Ticket(1) after close = %+v; want closed", tk)
	}
	l = s.group(bicoccaChat, flows.Event{Kind: flows.KindCommand, From: member0(memberBea), Command: "tickets"})
	wantSaid(t, l, bicoccaChat, "support.tickets_none")

	// Closed means closed: no relay, no follow-up, no second close.
	a := s.answer(bicoccaChat, memberAna, post, "One more thing")
	if len(only(a, studentA)) != 0 {
		t.Errorf("answer to a closed ticket reached the student:%s", dump(a))
	}
	wantSaid(t, a, bicoccaChat, "support.group.closed_ticket")
	f := s.text(ada, "Hello again")
	wantSaid(t, f, studentA, "support.thread_closed")
	if len(only(f, bicoccaChat)) != 0 {
		t.Errorf("follow-up on a closed ticket reached the committee:%s", dump(f))
	}
	c = s.pressIn(bicoccaChat, memberAna, postReply, "close")
	if c.NoticeID != "support.already_closed" || len(c.Messages) != 0 {
		t.Errorf("closing twice = %s; want a notice only", dump(c))
	}
}

func TestSupportIgnoresForgedAndStrayReplies(t *testing.T) {
	s := newSupportRig(t)
	ada := user(studentA, "en")
	r, post := s.request(ada, "bicocca", "other", "Help")
	postReply := flows.Reply{Messages: only(r, bicoccaChat)}
	before := s.ticket("1")

	cases := []struct {
		name string
		chat int64
		ev   flows.Event
	}{
		{"reply in another committee's group", palermoChat, flows.Event{Kind: flows.KindText, From: member0(memberPia), Text: "forged", ReplyTo: post}},
		{"reply in a group that is no committee's", strayGroup, flows.Event{Kind: flows.KindText, From: member0(memberPia), Text: "forged", ReplyTo: post}},
		{"reply to a message that is not a ticket", bicoccaChat, flows.Event{Kind: flows.KindText, From: member0(memberAna), Text: "hi", ReplyTo: post + 1000}},
		{"message that replies to nothing", bicoccaChat, flows.Event{Kind: flows.KindText, From: member0(memberAna), Text: "hi all"}},
		{"signed reply in another committee's group", palermoChat, flows.Event{Kind: flows.KindCommand, From: member0(memberPia), Command: "sign", Args: "forged", ReplyTo: post}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := s.group(c.chat, c.ev)
			if len(only(got, studentA)) != 0 {
				t.Errorf("%s reached the student:%s", c.name, dump(got))
			}
			if tk := s.ticket("1"); tk.State != before.State || tk.AnsweredBy != 0 {
				t.Errorf("%s changed the ticket to %+v", c.name, tk)
			}
		})
	}

	// A student replying in private to the post id does not answer.
	got := s.handle(flows.Event{Kind: flows.KindText, From: user(studentB, "en"), Text: "forged", ReplyTo: post})
	if len(only(got, studentA)) != 0 {
		t.Errorf("private reply reached the student:%s", dump(got))
	}

	// Claim and Close count only in the ticket's own group, pressed by
	// a member of the group's committee.
	for _, chat := range []struct {
		id     int64
		notice string
	}{{palermoChat, "support.not_your_ticket"}, {strayGroup, "error.not_allowed"}} {
		for _, label := range []string{"claim", "close"} {
			got := s.pressIn(chat.id, memberPia, postReply, label)
			if got.NoticeID != chat.notice || len(got.Messages) != 0 {
				t.Errorf("%s in chat %d = %s; want the notice %s only", label, chat.id, dump(got), chat.notice)
			}
		}
	}
	b, _ := actionButton(postReply, "close")
	got = s.pressData(user(studentB, "en"), b.Data)
	if got.NoticeID != "scope.not_yours" {
		t.Errorf("Close pressed in a private chat = %s; want a refusal", dump(got))
	}
	got = s.group(bicoccaChat, flows.Event{Kind: flows.KindButton, From: member0(memberAna), Data: "1:support:close::999"})
	if got.NoticeID != "error.bad_button" {
		t.Errorf("Close of an unknown ticket = %s; want the bad-button notice", dump(got))
	}
	if tk := s.ticket("1"); tk.State != records.TicketOpen || tk.ClaimedBy != 0 {
		t.Errorf("Ticket(1) = %+v after forged presses; want it untouched", tk)
	}

	// /tickets refuses outside committee groups.
	if err := s.rec.Grant(context.Background(), memberAna, records.RoleCommittee); err != nil {
		t.Fatal(err)
	}
	got = s.command(member0(memberAna), "tickets", "")
	wantSaid(t, got, memberAna, "scope.group_only")
	got = s.command(user(studentB, "en"), "tickets", "")
	wantSaid(t, got, studentB, "error.not_allowed")
	got = s.group(strayGroup, flows.Event{Kind: flows.KindCommand, From: user(studentB, "en"), Command: "tickets"})
	wantSaid(t, got, strayGroup, "error.not_allowed")
}

func TestSupportRelaysMedia(t *testing.T) {
	s := newSupportRig(t)
	ada := user(studentA, "en")
	r := s.command(ada, "support", "")
	r = s.pressAction(ada, r, "uni", "palermo")
	s.pressAction(ada, r, "topic", "admin")
	r = s.handle(flows.Event{Kind: flows.KindPhoto, From: ada, Text: "My residence permit",
		File: &flows.File{FileID: "photo-1"}})
	ids := s.deliver(r)
	var post int
	for i, m := range r.Messages {
		if m.ChatID == palermoChat {
			post = ids[i]
			if m.File == nil || m.File.FileID != "photo-1" || !m.File.Photo {
				t.Errorf("photo request posted with file %+v; want photo photo-1", m.File)
			}
			if m.TextID != "support.group.new" || !strings.Contains(m.Text, "#1") || !strings.Contains(m.Text, "My residence permit") {
				t.Errorf("photo request caption = %q", m.Text)
			}
		}
	}
	if post == 0 {
		t.Fatalf("photo request reached no committee:%s", dump(r))
	}

	// A document answer, signed through its caption.
	r = s.group(palermoChat, flows.Event{Kind: flows.KindDocument, From: member0(memberPia), Text: "/sign The form to fill in",
		ReplyTo: post, File: &flows.File{FileID: "doc-9", FileName: "form.pdf"}})
	got := only(r, studentA)
	if len(got) != 1 || got[0].File == nil || got[0].File.FileID != "doc-9" || got[0].File.Photo {
		t.Fatalf("document answer relayed as %s; want document doc-9", dump(r))
	}
	if c := got[0]; c.TextID != "support.answer_signed" || !strings.Contains(c.Text, "Pia") || !strings.Contains(c.Text, "University of Palermo") ||
		!strings.HasSuffix(c.Text, "(request #1):\n\nThe form to fill in") {
		t.Errorf("document answer caption = %q (%s); want Pia of the Palermo committee about request #1, then the answer", c.Text, c.TextID)
	}

	// A sticker cannot be relayed: the member is told, nothing changes.
	r = s.group(palermoChat, flows.Event{Kind: flows.KindOther, From: member0(memberPia), ReplyTo: post})
	wantSaid(t, r, palermoChat, "support.group.unsupported")
	if len(only(r, studentA)) != 0 {
		t.Errorf("sticker reached the student:%s", dump(r))
	}

	// A long caption is relayed whole; the outbox sends what does not
	// fit a caption as a text right after the photo.
	long := strings.Repeat("x", 1020)
	r = s.group(palermoChat, flows.Event{Kind: flows.KindPhoto, From: member0(memberPia), Text: long,
		ReplyTo: post, File: &flows.File{FileID: "photo-2"}})
	got = only(r, studentA)
	if len(got) != 1 || got[0].File == nil || !got[0].File.Photo || !strings.HasSuffix(got[0].Text, "\n\n"+long) {
		t.Errorf("long caption relayed as %s; want the photo with the whole caption", dump(r))
	}
}

func TestSupportKeepsUniversitiesApart(t *testing.T) {
	s := newSupportRig(t)
	ada, bob := user(studentA, "en"), user(studentB, "it")
	r, _ := s.request(ada, "bicocca", "academic", "Bicocca question")
	s.nextID = 500 // the Palermo post gets the same message id
	r2, post := s.request(bob, "palermo", "housing", "Palermo question")
	if len(only(r, palermoChat)) != 0 || len(only(r2, bicoccaChat)) != 0 {
		t.Fatalf("a request reached the other committee:%s%s", dump(r), dump(r2))
	}
	if a, b := s.ticket("1").PostID, s.ticket("2").PostID; a != b {
		t.Fatalf("post ids %d and %d; the test wants them equal", a, b)
	}

	got := s.answer(palermoChat, memberPia, post, "Palermo answer")
	if len(only(got, studentA)) != 0 || !strings.Contains(textTo(got, studentB), "Palermo answer") {
		t.Errorf("Palermo's answer = %s; want it for the Palermo student only", dump(got))
	}
	if tk := s.ticket("1"); tk.State != records.TicketOpen {
		t.Errorf("Ticket(1) = %+v after Palermo answered; want open", tk)
	}

	l := s.group(bicoccaChat, flows.Event{Kind: flows.KindCommand, From: member0(memberAna), Command: "tickets"})
	if txt := textTo(l, bicoccaChat); !strings.Contains(txt, "#1 ") || strings.Contains(txt, "#2 ") {
		t.Errorf("/tickets in Bicocca = %q; want ticket 1 only", txt)
	}
	l = s.group(palermoChat, flows.Event{Kind: flows.KindCommand, From: member0(memberPia), Command: "tickets"})
	if txt := textTo(l, palermoChat); !strings.Contains(txt, "#2 ") || strings.Contains(txt, "#1 ") {
		t.Errorf("/tickets in Palermo = %q; want ticket 2 only", txt)
	}
}

func TestSupportRemindsUnansweredTicketsOnce(t *testing.T) {
	s := newSupportRig(t)
	ctx := context.Background()
	ada := user(studentA, "en")
	_, post := s.request(ada, "bicocca", "social", "Any student associations?")
	s.request(user(studentB, "en"), "bicocca", "other", "Answered quickly")
	s.answer(bicoccaChat, memberAna, s.ticket("2").PostID, "Done")

	// A second engine on the same store plays another replica.
	replica := newHarnessWith(t, s.store, s.program)

	if n, err := s.engine.QueueTicketReminders(ctx, s.clock.Now().Add(23*time.Hour)); err != nil || n != 0 {
		t.Fatalf("QueueTicketReminders(+23h) = %d, %v; want nothing yet", n, err)
	}
	at := s.clock.Now().Add(25 * time.Hour)
	if n, err := s.engine.QueueTicketReminders(ctx, at); err != nil || n != 1 {
		t.Fatalf("QueueTicketReminders(+25h) = %d, %v; want 1", n, err)
	}
	got := queuedTo(t, s.rec, bicoccaChat)
	if len(got) != 1 || got[0].ReplyTo != post || got[0].Ref != "ticket:1" ||
		got[0].TextID != "support.group.reminder" || !strings.Contains(got[0].Text, "#1 ") || !strings.Contains(got[0].Text, " 25 ") {
		t.Fatalf("outbox of Bicocca after the scan = %+v; want one reminder of ticket 1", got)
	}
	for _, e := range []*flows.Engine{s.engine, replica.engine} {
		if n, err := e.QueueTicketReminders(ctx, at.Add(time.Hour)); err != nil || n != 0 {
			t.Errorf("QueueTicketReminders again = %d, %v; want nothing", n, err)
		}
	}

	// An answer then a follow-up arms a new reminder.
	s.answer(bicoccaChat, memberAna, post, "Yes, several.")
	s.clock.Add(48 * time.Hour)
	s.text(ada, "Which one is for sports?")
	n, err := replica.engine.QueueTicketReminders(ctx, s.clock.Now().Add(s.program.SupportReminderAfter))
	if err != nil || n != 1 || len(queuedTo(t, s.rec, bicoccaChat)) != 2 {
		t.Errorf("QueueTicketReminders after a follow-up = %d, %v; want one more reminder", n, err)
	}
}

// TestSupportConcurrentRemindersFireOnce: two engines on one Redis that
// both read the due ticket reminders before either commits put the
// reminder in the durable outbox once between them.
func TestSupportConcurrentRemindersFireOnce(t *testing.T) {
	s := newSupportRig(t)
	s.request(user(studentA, "en"), "bicocca", "other", "Help")
	gate := newScanGate(2)
	engines := []*flows.Engine{
		newHarnessWith(t, gate.wrap(s.store), s.program).engine,
		newHarnessWith(t, gate.wrap(s.store), s.program).engine,
	}
	at := s.clock.Now().Add(25 * time.Hour)
	var wg sync.WaitGroup
	queued, errs := make([]int, 2), make([]error, 2)
	for i, e := range engines {
		wg.Go(func() { queued[i], errs[i] = e.QueueTicketReminders(context.Background(), at) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	if n := queued[0] + queued[1]; n != 1 {
		t.Errorf("two replicas queued %d + %d reminders; want 1", queued[0], queued[1])
	}
	if got := queuedTo(t, s.rec, bicoccaChat); len(got) != 1 || got[0].TextID != "support.group.reminder" {
		t.Errorf("outbox of Bicocca = %+v; want one reminder", got)
	}
}

// TestSupportRemindersTakeEverythingDue: one scan queues the reminders
// of all the tickets due, however many there are.
func TestSupportRemindersTakeEverythingDue(t *testing.T) {
	s := newSupportRig(t)
	ctx := context.Background()
	const tickets = 250
	for i := range tickets {
		tk := records.Ticket{UserID: studentA + int64(i), University: "bicocca", Topic: "other", Lang: "en",
			State: records.TicketOpen, CreatedAt: s.clock.Now(), RemindAt: s.clock.Now().Add(s.program.SupportReminderAfter)}
		if err := s.rec.NewTicket(ctx, &tk, 0, 0, s.program.SupportRetention); err != nil {
			t.Fatal(err)
		}
	}
	at := s.clock.Now().Add(25 * time.Hour)
	if n, err := s.engine.QueueTicketReminders(ctx, at); err != nil || n != tickets {
		t.Fatalf("QueueTicketReminders = %d, %v; want %d", n, err, tickets)
	}
	if got := queuedTo(t, s.rec, bicoccaChat); len(got) != tickets {
		t.Errorf("outbox of Bicocca holds %d messages; want %d", len(got), tickets)
	}
}

func TestSupportTellsCommitteeWhenStudentBlockedTheBot(t *testing.T) {
	s := newSupportRig(t)
	ctx := context.Background()
	_, post := s.request(user(studentA, "en"), "bicocca", "other", "Help")
	r := s.answer(bicoccaChat, memberAna, post, "Here you are")
	relay := only(r, studentA)[0]
	got, err := s.engine.Undeliverable(ctx, flows.Undelivered{Message: relay, Reason: flows.ReasonBlocked})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].ChatID != bicoccaChat || got[0].TextID != "support.group.user_blocked" || got[0].ReplyTo != post {
		t.Errorf("Undeliverable(relay) = %+v; want a note to the Bicocca committee", got)
	}
	if p, _ := s.rec.Profile(ctx, studentA); !p.Blocked {
		t.Errorf("Profile(%d).Blocked = false; want true", studentA)
	}

}

// TestSupportTellsStudentAndStaffWhenCommitteeUnreachable: a message
// about a ticket that cannot reach the committee group, for either
// reason, tells the student who opened the ticket, in their language,
// and alerts every staff member, the programme file's and the invited,
// each in theirs.
func TestSupportTellsStudentAndStaffWhenCommitteeUnreachable(t *testing.T) {
	for _, reason := range []flows.UndeliveredReason{flows.ReasonChatNotFound, flows.ReasonRemoved} {
		t.Run(string(reason), func(t *testing.T) {
			s := newSupportRig(t)
			ctx := context.Background()
			invited := flows.User{ID: 100000077, FirstName: "Ugo", LanguageCode: "it"}
			s.command(invited, "start", invitePayload(t, s.command(staff, "invite", "staff")))
			s.request(user(studentA, "it"), "bicocca", "other", "Aiuto")

			got, err := s.engine.Undeliverable(ctx, flows.Undelivered{
				Message: flows.Message{ChatID: bicoccaChat, Ref: "ticket:1"}, Reason: reason})
			if err != nil {
				t.Fatal(err)
			}
			r := flows.Reply{Messages: got}
			hint := "support.staff.hint_removed"
			if reason == flows.ReasonChatNotFound {
				hint = "support.staff.hint_not_found"
			}
			uni := "University of Milano Bicocca"
			for _, w := range []struct {
				chat int64
				id   string
				data map[string]any
			}{
				{studentA, "support.committee_unreachable", map[string]any{"ID": "1", "University": uni}},
				{staffID, "support.staff.committee_unreachable", map[string]any{"ID": "1", "University": uni, "Chat": int64(bicoccaChat)}},
				{invited.ID, "support.staff.committee_unreachable", map[string]any{"ID": "1", "University": uni, "Chat": int64(bicoccaChat)}},
			} {
				ms := only(r, w.chat)
				lang := s.engine.LangOf(ctx, w.chat)
				if w.id == "support.staff.committee_unreachable" {
					w.data["Hint"] = s.engine.Catalog().T(lang, hint, nil)
				}
				if want := s.engine.Catalog().T(lang, w.id, w.data); len(ms) != 1 || ms[0].TextID != w.id || ms[0].Text != want {
					t.Errorf("Undeliverable(ticket post, %s) to %d = %+v; want %s in %s: %q", reason, w.chat, ms, w.id, lang, want)
				}
			}
			if len(got) != 3 {
				t.Errorf("Undeliverable(ticket post, %s) = %d messages:%s; want 3", reason, len(got), dump(r))
			}
			// The group's id stays the group's: nothing marks it blocked.
			if p, _ := s.rec.Profile(ctx, studentA); p.Blocked {
				t.Errorf("Profile(%d).Blocked = true after the committee group failed", studentA)
			}
		})
	}
}

// TestSupportIgnoresUndeliveredTicketElsewhere: a ticket's Ref on a
// message to another chat than the committee's tells nobody anything.
func TestSupportIgnoresUndeliveredTicketElsewhere(t *testing.T) {
	s := newSupportRig(t)
	s.request(user(studentA, "en"), "bicocca", "other", "Help")
	got, err := s.engine.Undeliverable(context.Background(), flows.Undelivered{
		Message: flows.Message{ChatID: palermoChat, Ref: "ticket:1"}, Reason: flows.ReasonChatNotFound})
	if err != nil || len(got) != 0 {
		t.Errorf("Undeliverable(ticket:1 in Palermo's group) = %+v, %v; want nothing", got, err)
	}
}

func TestSupportRejectsBadInputAndChangesNothing(t *testing.T) {
	s := newSupportRig(t)
	ctx := context.Background()
	ada := user(studentA, "en")
	r := s.command(ada, "support", "")
	uniMenu := r
	r = s.pressAction(ada, r, "uni", "bicocca")
	topicMenu := r

	// Free text where a button is expected.
	got := s.text(ada, "housing please")
	wantSaid(t, got, studentA, "support.use_buttons")
	s.pressAction(ada, topicMenu, "topic", "housing")

	cases := []struct {
		name string
		ev   flows.Event
		want string
	}{
		{"sticker", flows.Event{Kind: flows.KindOther}, "support.bad_input"},
		{"blank text", flows.Event{Kind: flows.KindText, Text: "   "}, "support.bad_input"},
		{"document without file", flows.Event{Kind: flows.KindDocument}, "support.bad_input"},
		{"too long", flows.Event{Kind: flows.KindText, Text: strings.Repeat("a", 3501)}, "support.too_long"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.ev.From = ada
			got := s.handle(c.ev)
			wantSaid(t, got, studentA, c.want)
			if len(got.Messages) != 1 {
				t.Errorf("%s: reply = %s; want only the error", c.name, dump(got))
			}
			if _, err := s.rec.Ticket(ctx, "1"); !errors.Is(err, records.ErrNotFound) {
				t.Errorf("%s: Ticket(1) err = %v; want ErrNotFound", c.name, err)
			}
		})
	}

	// Buttons from an earlier run of the flow are stale.
	s.command(ada, "support", "")
	got = s.pressAction(ada, uniMenu, "uni", "palermo")
	if got.Notice == "" || len(got.Messages) != 0 {
		t.Errorf("stale university button = %s; want a notice only", dump(got))
	}

	// /support in a group is refused.
	got = s.group(strayGroup, flows.Event{Kind: flows.KindCommand, From: ada, Command: "support"})
	wantSaid(t, got, strayGroup, "scope.private_only")
}

func TestSupportRedeliveredRequestOpensOneTicket(t *testing.T) {
	s := newSupportRig(t)
	ada := user(studentA, "en")
	r := s.command(ada, "support", "")
	r = s.pressAction(ada, r, "uni", "bicocca")
	s.pressAction(ada, r, "topic", "housing")
	ev := flows.Event{Kind: flows.KindText, From: ada, Text: "A room", MessageID: 77, ChatID: studentA, ChatType: flows.ChatPrivate}
	ctx := context.Background()
	before, err := s.rec.Session(ctx, studentA)
	if err != nil {
		t.Fatal(err)
	}
	first := s.handle(ev)
	// The reply was lost; Telegram delivers the update again, and the
	// session as saved is back in the request step (another replica).
	after, err := s.rec.Session(ctx, studentA)
	if err != nil {
		t.Fatal(err)
	}
	if before.Step != "request" {
		t.Fatalf("session before the request = %+v; want the request step", before)
	}
	before.Version = after.Version
	if err := s.rec.SaveSession(ctx, &before); err != nil {
		t.Fatal(err)
	}
	second := s.handle(ev)
	if a, b := textTo(first, bicoccaChat), textTo(second, bicoccaChat); a != b || !slices.Equal(saidTo(second, bicoccaChat), []string{"support.group.new"}) || !strings.Contains(a, "#1") {
		t.Errorf("redelivered request posted %q then %q; want the same ticket #1 twice", a, b)
	}
	if _, err := s.rec.Ticket(context.Background(), "2"); !errors.Is(err, records.ErrNotFound) {
		t.Errorf("Ticket(2) err = %v; want ErrNotFound", err)
	}
}

func TestSupportPersonalData(t *testing.T) {
	s := newSupportRig(t)
	ctx := context.Background()
	_, post := s.request(user(studentA, "en"), "bicocca", "other", "Help")
	doc, err := s.engine.ExportUser(ctx, studentA)
	if err != nil {
		t.Fatal(err)
	}
	if tickets, ok := doc["support"].([]records.TicketExport); !ok || len(tickets) != 1 || tickets[0].ID != "1" {
		t.Errorf("ExportUser(%d)[support] = %#v; want ticket 1", studentA, doc["support"])
	}
	if err := s.engine.EraseUser(ctx, studentA); err != nil {
		t.Fatal(err)
	}
	if _, err := s.rec.Ticket(ctx, "1"); !errors.Is(err, records.ErrNotFound) {
		t.Errorf("Ticket(1) after erase: err = %v; want ErrNotFound", err)
	}
	r := s.answer(bicoccaChat, memberAna, post, "Anyone there?")
	if len(r.Messages) != 0 {
		t.Errorf("reply to an erased ticket = %s; want nothing", dump(r))
	}
	l := s.group(bicoccaChat, flows.Event{Kind: flows.KindCommand, From: member0(memberAna), Command: "tickets"})
	wantSaid(t, l, bicoccaChat, "support.tickets_none")
	if n, err := s.engine.QueueTicketReminders(ctx, s.clock.Now().Add(48*time.Hour)); err != nil || n != 0 {
		t.Errorf("QueueTicketReminders after erase = %d, %v; want nothing", n, err)
	}
}

func TestSupportWelcomeOffersHelp(t *testing.T) {
	s := newSupportRig(t)
	ada := user(studentA, "en")
	r := s.command(ada, "start", "")
	r = s.pressAction(ada, r, "begin", "")
	if _, ok := buttonFor(r, studentA, "uni", "bicocca"); !ok {
		t.Errorf("welcome help button = %s; want the university choice", dump(r))
	}
}

func TestParseProgramSupportReminderAfter(t *testing.T) {
	base := `name = "P"
deadline = "2027-03-31 23:59"
[[projects]]
id = "a"
title = "A"
language = "es"
`
	cases := []struct {
		name, extra string
		want        time.Duration
		err         string
	}{
		{"default", "", 24 * time.Hour, ""},
		{"set", `support_reminder_after = "36h"`, 36 * time.Hour, ""},
		{"not a duration", `support_reminder_after = "soon"`, 0, "support_reminder_after"},
		{"negative", `support_reminder_after = "-1h"`, 0, "support_reminder_after"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, err := flows.ParseProgram([]byte(c.extra + "\n" + base))
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Errorf("ParseProgram(%q) err = %v; want it to name %s", c.extra, err, c.err)
				}
				return
			}
			if err != nil || p.SupportReminderAfter != c.want {
				t.Errorf("ParseProgram(%q) = %v, %v; want %v", c.extra, p.SupportReminderAfter, err, c.want)
			}
		})
	}
}

// racingStore lets another turn's ticket save land between a turn's
// load of the ticket and its own save, as when two committee members
// press Take it on at the same moment in two replicas.
type racingStore struct {
	records.Store
	race func(ctx context.Context, s records.Store) // runs once, before the next commit of a ticket save
}

func (r *racingStore) Commit(ctx context.Context, c *records.Commit) error {
	for key := range c.Versions {
		if race := r.race; race != nil && strings.HasPrefix(key, "ticket:") {
			r.race = nil
			race(ctx, r.Store)
		}
	}
	return r.Store.Commit(ctx, c)
}

func TestSupportSimultaneousClaimsKeepTheFirst(t *testing.T) {
	rs := &racingStore{Store: redistest.Store(t)}
	s := &supportRig{harness: newHarnessWith(t, rs, loadProgram(t)), nextID: 500}
	ada := user(studentA, "en")
	r, _ := s.request(ada, "bicocca", "language", "Where can I learn Italian?")
	postReply := flows.Reply{Messages: only(r, bicoccaChat)}

	// Bea presses; just before her save, Ana's claim is saved.
	rs.race = func(ctx context.Context, inner records.Store) {
		var tk records.Ticket
		if err := inner.Get(ctx, "ticket:1", &tk); err != nil {
			t.Fatal(err)
		}
		old := tk.Version
		tk.State, tk.ClaimedBy, tk.ClaimedByName, tk.Version = records.TicketClaimed, memberAna, "Ana", old+1
		if err := inner.PutIfVersion(ctx, "ticket:1", tk, old); err != nil {
			t.Fatal(err)
		}
	}
	c := s.pressIn(bicoccaChat, memberBea, postReply, "claim")
	if rs.race != nil {
		t.Fatal("the race never ran: the claim saved no ticket")
	}
	if c.Notice != "Someone else has already taken this request on." || len(c.Messages) != 0 {
		t.Errorf("Bea's claim, beaten by Ana's = %s; want the already-claimed notice only", dump(c))
	}
	if tk := s.ticket("1"); tk.ClaimedBy != memberAna {
		t.Errorf("Ticket(1).ClaimedBy = %d; want %d, whose claim was saved first", tk.ClaimedBy, memberAna)
	}
}

// TestOneScanRemindsEveryDueTicket: with 250 tickets waiting, more than
// a batch of the scan, one scheduler pass queues a reminder for each,
// and a second pass finds nothing left.
func TestOneScanRemindsEveryDueTicket(t *testing.T) {
	s := newSupportRig(t)
	ctx := context.Background()
	const n = 250
	for i := range n {
		s.request(user(int64(310000000+i), "en"), "bicocca", "housing", "Request "+strconv.Itoa(i))
	}
	at := s.clock.Now().Add(s.program.SupportReminderAfter + time.Hour)
	if got, err := s.engine.QueueTicketReminders(ctx, at); err != nil || got != n {
		t.Fatalf("one scan queued %d reminders (%v); want %d", got, err, n)
	}
	if got, err := s.engine.QueueTicketReminders(ctx, at); err != nil || got != 0 {
		t.Errorf("a second scan queued %d (%v); want none", got, err)
	}
	if got := queuedTo(t, s.rec, bicoccaChat); len(got) != n {
		t.Errorf("the group's outbox holds %d reminders; want %d", len(got), n)
	}
}
