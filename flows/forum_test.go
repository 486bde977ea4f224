package flows_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mentorbot/mentorbot/flows"
	"github.com/mentorbot/mentorbot/flows/records"
)

// forumThread is the topic id the tests' sender gets for a ticket.
const forumThread = 9001

// openInForum runs a request of u to Bicocca and plays the sender of a
// forum group: the ticket's topic is created as forumThread and its
// post sent. It returns the post and the ticket.
func (s *supportRig) openInForum(u flows.User, text string) (flows.Message, records.Ticket) {
	s.tb.Helper()
	r, _ := s.request(u, "bicocca", "housing", text)
	posts := only(r, bicoccaChat)
	if len(posts) != 1 || posts[0].Topic == nil {
		s.tb.Fatalf("request posted %s; want one post in a topic", dump(r))
	}
	post := posts[0]
	if err := s.engine.Sent(context.Background(), post.Topic.Ref, bicoccaChat, forumThread); err != nil {
		s.tb.Fatalf("Sent(%q): %v", post.Topic.Ref, err)
	}
	tk, err := s.rec.TicketOfThread(context.Background(), bicoccaChat, forumThread)
	if err != nil {
		s.tb.Fatalf("TicketOfThread(%d) after the topic was reported: %v", forumThread, err)
	}
	return post, tk
}

// inTopic sends ev from member in topic thread of the Bicocca forum,
// with no reply but the one Telegram adds (to the topic's first
// message).
func (s *supportRig) inTopic(member int64, thread int, ev flows.Event) flows.Reply {
	s.tb.Helper()
	ev.From, ev.Forum, ev.TopicMessage, ev.ThreadID = member0(member), true, true, thread
	if ev.ReplyTo == 0 {
		ev.ReplyTo = thread
	}
	return s.group(bicoccaChat, ev)
}

func TestForumTicketOpensItsTopic(t *testing.T) {
	s := newSupportRig(t)
	ctx := context.Background()
	post, tk := s.openInForum(user(studentA, "en"), "A room, please.")
	of := records.TicketTopicOf(tk.ID)
	u, _ := s.program.University("bicocca")
	topicName := s.engine.Catalog().T(u.Language, "support.topic.housing", nil)
	if post.Topic.Of != of || !strings.Contains(post.Topic.Open, "#"+tk.ID) || !strings.Contains(post.Topic.Open, topicName) {
		t.Errorf("post topic = %+v; want one named with #%s and its topic, of %q", post.Topic, tk.ID, of)
	}
	if tk.ThreadID != forumThread {
		t.Errorf("ticket thread = %d; want %d", tk.ThreadID, forumThread)
	}
	if got, err := s.rec.TopicThread(ctx, of, bicoccaChat); err != nil || got != forumThread {
		t.Errorf("TopicThread(%q) = %d, %v; want %d", of, got, err, forumThread)
	}
	// A topic reported twice (a sender that crashed) keeps the first.
	if err := s.engine.Sent(ctx, post.Topic.Ref, bicoccaChat, forumThread+1); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.rec.TopicThread(ctx, of, bicoccaChat); got != forumThread {
		t.Errorf("TopicThread after a second topic = %d; want the first, %d", got, forumThread)
	}
	// A topic reported for another group is not the ticket's.
	if err := s.engine.Sent(ctx, post.Topic.Ref, palermoChat, 77); err != nil {
		t.Fatal(err)
	}
	if _, err := s.rec.TicketOfThread(ctx, palermoChat, 77); !errors.Is(err, records.ErrNotFound) {
		t.Errorf("TicketOfThread(palermo, 77) = %v; want ErrNotFound", err)
	}

	// The follow-up and the committee's notes go into the topic.
	r := s.text(user(studentA, "en"), "Near the campus.")
	if g := only(r, bicoccaChat); len(g) != 1 || g[0].Topic == nil || g[0].Topic.Of != of || g[0].Topic.Open != "" {
		t.Errorf("follow-up = %s; want one message in the ticket's topic", dump(r))
	}
	claim := s.pressIn(bicoccaChat, memberAna, flows.Reply{Messages: []flows.Message{post}}, "claim")
	if g := only(claim, bicoccaChat); len(g) != 1 || g[0].Topic == nil || g[0].Topic.Of != of {
		t.Errorf("claim note = %s; want it in the ticket's topic", dump(claim))
	}
}

func TestForumMemberMessageInTopicReachesStudent(t *testing.T) {
	s := newSupportRig(t)
	_, tk := s.openInForum(user(studentA, "en"), "A room, please.")

	r := s.inTopic(memberAna, forumThread, flows.Event{Kind: flows.KindText, Text: "Try via Roma 1."})
	got := only(r, studentA)
	if len(got) != 1 || got[0].TextID != "support.answer" || !strings.HasSuffix(got[0].Text, "Try via Roma 1.") {
		t.Fatalf("plain message in the topic relayed %s; want the answer to the student", dump(r))
	}
	if ack := only(r, bicoccaChat); len(ack) != 1 || ack[0].Topic == nil || ack[0].Topic.Of != records.TicketTopicOf(tk.ID) {
		t.Errorf("acknowledgement = %s; want it in the topic", dump(r))
	}
	if s.ticket(tk.ID).State != records.TicketAnswered {
		t.Errorf("ticket state = %s; want answered", s.ticket(tk.ID).State)
	}

	// /sign in the topic needs no reply either.
	r = s.inTopic(memberBea, forumThread, flows.Event{Kind: flows.KindCommand, Command: "sign", Args: "Bea here."})
	if got := only(r, studentA); len(got) != 1 || got[0].TextID != "support.answer_signed" {
		t.Errorf("/sign in the topic relayed %s; want a signed answer", dump(r))
	}

	// A topic that is no ticket's is the committee's own.
	r = s.inTopic(memberAna, 4242, flows.Event{Kind: flows.KindText, Text: "Coffee?"})
	if len(r.Messages) != 0 {
		t.Errorf("message in another topic = %s; want nothing", dump(r))
	}
}

func TestForumInternalNoteStaysInGroup(t *testing.T) {
	s := newSupportRig(t)
	_, tk := s.openInForum(user(studentA, "en"), "A room, please.")
	for _, note := range []string{"!ask the housing office first", "! she wrote to us before"} {
		r := s.inTopic(memberAna, forumThread, flows.Event{Kind: flows.KindText, Text: note})
		if len(r.Messages) != 0 {
			t.Errorf("note %q = %s; want nothing sent anywhere", note, dump(r))
		}
	}
	r := s.inTopic(memberAna, forumThread, flows.Event{Kind: flows.KindPhoto, Text: "!the floor plan",
		File: &flows.File{FileID: "plan"}})
	if len(r.Messages) != 0 {
		t.Errorf("photo with a note caption = %s; want nothing sent", dump(r))
	}
	if st := s.ticket(tk.ID).State; st != records.TicketOpen {
		t.Errorf("ticket state after notes = %s; want still open", st)
	}
}

func TestForumClosingTicketClosesTopic(t *testing.T) {
	s := newSupportRig(t)
	post, tk := s.openInForum(user(studentA, "en"), "A room, please.")
	r := s.pressIn(bicoccaChat, memberAna, flows.Reply{Messages: []flows.Message{post}}, "close")
	g := only(r, bicoccaChat)
	if len(g) != 2 || g[0].TextID != "support.group.closed" || g[1].Topic == nil || !g[1].Topic.Close ||
		g[1].Topic.Of != records.TicketTopicOf(tk.ID) || g[1].Text != "" {
		t.Fatalf("close = %s; want the note, then the closing of the ticket's topic", dump(r))
	}
	// The topic, closed, still takes admins' messages: they are not
	// passed on.
	r = s.inTopic(memberAna, forumThread, flows.Event{Kind: flows.KindText, Text: "One more thing"})
	if len(only(r, studentA)) != 0 {
		t.Errorf("message in a closed ticket's topic = %s; want nothing to the student", dump(r))
	}
}

func TestForumTopicGoesWithTheTicket(t *testing.T) {
	s := newSupportRig(t)
	ctx := context.Background()
	_, tk := s.openInForum(user(studentA, "en"), "A room, please.")
	if err := s.engine.EraseUser(ctx, studentA); err != nil {
		t.Fatal(err)
	}
	if _, err := s.rec.TicketOfThread(ctx, bicoccaChat, forumThread); !errors.Is(err, records.ErrNotFound) {
		t.Errorf("TicketOfThread after erasure: err = %v; want ErrNotFound", err)
	}
	if got, err := s.rec.TopicThread(ctx, records.TicketTopicOf(tk.ID), bicoccaChat); err != nil || got != 0 {
		t.Errorf("TopicThread after erasure = %d, %v; want 0", got, err)
	}
	r := s.inTopic(memberAna, forumThread, flows.Event{Kind: flows.KindText, Text: "Still there?"})
	if len(r.Messages) != 0 {
		t.Errorf("message in an erased ticket's topic = %s; want nothing", dump(r))
	}
}

func TestForumTopicExpiresWithTheTicket(t *testing.T) {
	s := newSupportRig(t)
	ctx := context.Background()
	post, tk := s.openInForum(user(studentA, "en"), "A room, please.")
	s.pressIn(bicoccaChat, memberAna, flows.Reply{Messages: []flows.Message{post}}, "close")
	if n, err := s.engine.ExpireTickets(ctx, s.clock.Now().Add(s.program.SupportRetention+time.Hour)); err != nil || n != 1 {
		t.Fatalf("ExpireTickets = %d, %v; want 1", n, err)
	}
	if _, err := s.rec.TicketOfThread(ctx, bicoccaChat, forumThread); !errors.Is(err, records.ErrNotFound) {
		t.Errorf("TicketOfThread after expiry: err = %v; want ErrNotFound", err)
	}
	if got, _ := s.rec.TopicThread(ctx, records.TicketTopicOf(tk.ID), bicoccaChat); got != 0 {
		t.Errorf("TopicThread after expiry = %d; want 0", got)
	}
}

func TestCannedAnswers(t *testing.T) {
	s := newSupportRig(t)
	_, tk := s.openInForum(user(studentA, "en"), "A room, please.")
	cmd := func(args string) flows.Reply {
		return s.inTopic(memberAna, forumThread, flows.Event{Kind: flows.KindCommand, Command: "answers", Args: args})
	}
	wantSaid(t, cmd(""), bicoccaChat, "support.answers.none")
	wantSaid(t, cmd("add Write to housing@example.org."), bicoccaChat, "support.answers.added")
	wantSaid(t, cmd("add "+strings.Repeat("x", records.MaxCannedAnswerLen+1)), bicoccaChat, "support.answers.too_long")
	ca, err := s.rec.CannedAnswersOf(context.Background(), "bicocca")
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i < records.MaxCannedAnswers; i++ {
		ca.Add("Answer " + strconv.Itoa(i))
	}
	if err := s.rec.SaveCannedAnswers(context.Background(), &ca); err != nil {
		t.Fatal(err)
	}
	wantSaid(t, cmd("add One too many"), bicoccaChat, "support.answers.full")

	// A student may not list or add them; another committee sees its own.
	r := s.group(bicoccaChat, flows.Event{Kind: flows.KindCommand, From: user(studentA, "en"), Command: "answers"})
	for _, id := range saidTo(r, bicoccaChat) {
		if strings.HasPrefix(id, "support.answers.") {
			t.Errorf("/answers from a student = %s; want it refused", dump(r))
		}
	}
	pia := s.group(palermoChat, flows.Event{Kind: flows.KindCommand, From: member0(memberPia), Command: "answers"})
	wantSaid(t, pia, palermoChat, "support.answers.none")

	list := cmd("")
	l := only(list, bicoccaChat)
	if len(l) != 1 || l[0].Topic == nil || l[0].Topic.Thread != forumThread || len(l[0].Buttons) != records.MaxCannedAnswers {
		t.Fatalf("/answers in the topic = %s; want one list in the topic with a row per answer", dump(list))
	}
	send, ok := buttonFor(list, bicoccaChat, "send", "1."+tk.ID)
	if !ok {
		t.Fatalf("/answers lacks Send for answer 1 and ticket %s: %s", tk.ID, dump(list))
	}
	r = s.inTopic(memberBea, forumThread, flows.Event{Kind: flows.KindButton, Data: send.Data})
	got := only(r, studentA)
	if len(got) != 1 || got[0].TextID != "support.answer" || !strings.HasSuffix(got[0].Text, "Write to housing@example.org.") {
		t.Fatalf("Send = %s; want the canned answer to the student", dump(r))
	}
	wantNotice(t, r, "support.done")

	// Deleted, it cannot be sent; outside a ticket there is no Send.
	del, _ := buttonFor(list, bicoccaChat, "del", "1")
	wantNotice(t, s.inTopic(memberBea, forumThread, flows.Event{Kind: flows.KindButton, Data: del.Data}), "support.answers.deleted")
	wantNotice(t, s.inTopic(memberBea, forumThread, flows.Event{Kind: flows.KindButton, Data: send.Data}), "support.answers.gone")
	general := s.group(bicoccaChat, flows.Event{Kind: flows.KindCommand, From: member0(memberAna), Command: "answers"})
	if _, ok := buttonFor(general, bicoccaChat, "send", "*"); ok {
		t.Errorf("/answers outside any ticket offers Send: %s", dump(general))
	}
	if _, ok := buttonFor(general, bicoccaChat, "del", "*"); !ok {
		t.Errorf("/answers outside any ticket lacks Delete: %s", dump(general))
	}
}
