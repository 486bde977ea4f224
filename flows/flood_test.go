package flows_test

import (
	"github.com/mentorbot/mentorbot/flows"
	"strconv"
	"testing"
	"time"
)

// TestFollowUpFloodIsLimited: a student who sends 30 follow-ups in a
// minute has 10 relayed to the committee group and is told once to
// slow down; another student's new request still reaches the group;
// a minute later the flooding student is relayed again.
func TestFollowUpFloodIsLimited(t *testing.T) {
	s := newSupportRig(t)
	s.request(ada, "bicocca", "housing", "I need a room.")

	relayed, slowDowns := 0, 0
	for i := range 30 {
		r := s.text(ada, "follow-up "+strconv.Itoa(i))
		relayed += len(only(r, bicoccaChat))
		for _, id := range saidTo(r, studentA) {
			if id == "support.slow_down" {
				slowDowns++
			}
		}
	}
	if relayed != 10 || slowDowns != 1 {
		t.Errorf("30 follow-ups in a minute: %d relayed, %d slow-down messages; want 10 and 1", relayed, slowDowns)
	}

	r, _ := s.request(bruno, "bicocca", "housing", "A room for me too.")
	if len(only(r, bicoccaChat)) != 1 {
		t.Errorf("another student's request during the flood:%s; want it posted to the group", dump(r))
	}

	s.clock.Add(time.Minute)
	if r := s.text(ada, "one more"); len(only(r, bicoccaChat)) != 1 {
		t.Errorf("a follow-up a minute later:%s; want it relayed", dump(r))
	}
}

// TestGroupChatterIsCapped: a committee member who types 30 commands
// meant for the private chat in the group gets at most 10 pointers and
// one slow-down notice in a minute; what members do still takes effect
// (an answer past the limit reaches the student), a new request is
// still posted, and a minute later the bot answers the group again.
func TestGroupChatterIsCapped(t *testing.T) {
	s := newSupportRig(t)
	_, post := s.request(ada, "bicocca", "housing", "I need a room.")

	replies, slowDowns := 0, 0
	for range 30 {
		r := s.group(bicoccaChat, flows.Event{Kind: flows.KindCommand, From: member0(memberAna), Command: "apply"})
		for _, id := range saidTo(r, bicoccaChat) {
			if id == "group.slow_down" {
				slowDowns++
			} else {
				replies++
			}
		}
	}
	if replies != 10 || slowDowns != 1 {
		t.Errorf("30 commands in a minute in the group: %d replies, %d slow-down notices; want 10 and 1", replies, slowDowns)
	}

	r := s.answer(bicoccaChat, memberAna, post, "Try the university residence.")
	if len(only(r, studentA)) != 1 {
		t.Errorf("an answer past the group's limit:%s; want it relayed to the student", dump(r))
	}
	if got := saidTo(r, bicoccaChat); len(got) != 0 {
		t.Errorf("an answer past the group's limit said %v in the group; want nothing", got)
	}

	r, _ = s.request(bruno, "bicocca", "housing", "A room for me too.")
	if len(only(r, bicoccaChat)) != 1 {
		t.Errorf("a new request while the group is capped:%s; want it posted", dump(r))
	}

	s.clock.Add(time.Minute)
	r = s.group(bicoccaChat, flows.Event{Kind: flows.KindCommand, From: member0(memberAna), Command: "apply"})
	if got := saidTo(r, bicoccaChat); len(got) != 1 || got[0] == "group.slow_down" {
		t.Errorf("a command a minute later: said %v in the group; want the pointer", got)
	}
}

// TestRelaysNameWhomTheyCarry: a new request, a follow-up and a
// committee answer carry their author's words to someone else, so each
// names the author in Message.About: the sender drops it should the
// author be erased before it goes out.
func TestRelaysNameWhomTheyCarry(t *testing.T) {
	s := newSupportRig(t)
	r, post := s.request(ada, "bicocca", "housing", "I need a room.")
	about := func(what string, r flows.Reply, chat, want int64) {
		t.Helper()
		msgs := only(r, chat)
		if len(msgs) != 1 || msgs[0].About != want {
			t.Errorf("%s:%s; want one message to %d about %d", what, dump(r), chat, want)
		}
	}
	about("new request", r, bicoccaChat, ada.ID)
	about("follow-up", s.text(ada, "Near the campus, please."), bicoccaChat, ada.ID)
	about("answer", s.answer(bicoccaChat, memberAna, post, "Try the residence."), studentA, memberAna)
}
