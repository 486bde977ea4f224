package flows_test

import (
	"context"
	"testing"
	"time"

	"github.com/mentorbot/mentorbot/flows/redisstore"
	"github.com/mentorbot/mentorbot/flows/redisstore/redistest"
)

// TestDeleteMyDataLeavesAnAnonymousMentorship has a mentee with a
// diary entry erase their data mid-mentorship: no key names them, the
// mentorship stays as an anonymous, ended record with the mentor's part,
// and no reminder is sent to anyone for it afterwards.
func TestDeleteMyDataLeavesAnAnonymousMentorship(t *testing.T) {
	rdb, prefix := redistest.Client(t)
	h := newHarnessWith(t, redisstore.New(rdb, redistest.Options(rdb, prefix)), loadProgram(t))
	ctx := context.Background()
	m := h.mentorship(1)
	h.writeDiary(menteeAyse, "1", "1 febbraio", "Temi", "Imparato", "Passi")
	doc, err := h.engine.ExportUser(ctx, menteeAyse.ID)
	if err != nil || doc["mentorship"] == nil {
		t.Fatalf("ExportUser(mentee) = %v, %v; want their mentorship", doc, err)
	}

	r := h.pressAction(menteeAyse, h.command(menteeAyse, "deletemydata", ""), "delete", "")
	wantSaid(t, r, menteeAyse.ID, "mydata.deleted")
	wantForgotten(t, rdb, prefix, menteeAyse.ID)

	got, err := h.rec.Mentorship(ctx, m.ID)
	if err != nil {
		t.Fatalf("Mentorship(%s) after the mentee erased their data = %v; want an anonymous record", m.ID, err)
	}
	if got.MenteeID == menteeAyse.ID || got.MentorID != mentorDima.ID || got.ProjectID != m.ProjectID ||
		got.EndedAt.IsZero() || len(got.Meetings) != len(m.Meetings) {
		t.Errorf("Mentorship(%s) = %+v; want it ended, the mentee gone, mentor, project and meetings kept", m.ID, got)
	}
	if ms, err := h.rec.MentorshipsOf(ctx, mentorDima.ID); err != nil || len(ms) != 1 {
		t.Errorf("MentorshipsOf(mentor) = %v, %v; want the mentorship still listed for them", ms, err)
	}
	// The mentor's own commands still work on it.
	for _, cmd := range []string{"meetings", "diary", "agreement"} {
		h.command(mentorDima, cmd, "")
	}
	// No reminder goes to the mentee, or to the anonymous id, any more.
	s := newFakeSender(h)
	sendDue(t, h, h.clock.Now().Add(365*24*time.Hour), s)
	for chat, n := range s.attempts {
		if chat == menteeAyse.ID || chat < 0 {
			t.Errorf("after the erasure %d reminders went to chat %d; want none (%v)", n, chat, s.log())
		}
	}
}
