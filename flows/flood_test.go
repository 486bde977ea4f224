package flows_test

import (
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
