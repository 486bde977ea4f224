package flows_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/mentorbot/mentorbot/flows"
	"github.com/mentorbot/mentorbot/flows/records"
)

// TestClosedTicketsExpire closes one of two tickets and moves the clock:
// the closed one is deleted, with its group message mappings and index
// entries, once the programme's support_retention has passed since it
// was closed, and not a minute before; the open one stays.
func TestClosedTicketsExpire(t *testing.T) {
	s := newSupportRig(t)
	ctx := context.Background()
	ada := user(studentA, "en")
	r, post := s.request(ada, "bicocca", "language", "Where can I learn Italian?")
	s.request(ada, "bicocca", "other", "And housing?")
	retention := s.program.SupportRetention
	if retention != 90*24*time.Hour {
		t.Fatalf("SupportRetention = %v; want the default 2160h", retention)
	}

	s.clock.Add(time.Hour)
	closedAt := s.clock.Now()
	s.pressIn(bicoccaChat, memberBea, flows.Reply{Messages: only(r, bicoccaChat)}, "close")
	if tk := s.ticket("1"); tk.State != records.TicketClosed {
		t.Fatalf("Ticket(1) = %+v; want closed", tk)
	}

	for _, tc := range []struct {
		at   time.Time
		want int
	}{
		{closedAt.Add(retention - time.Minute), 0},
		{closedAt.Add(retention), 1},
		{closedAt.Add(2 * retention), 0}, // nothing left to do
	} {
		n, err := s.engine.ExpireTickets(ctx, tc.at)
		if err != nil || n != tc.want {
			t.Fatalf("ExpireTickets(closed + %v) = %d, %v; want %d", tc.at.Sub(closedAt), n, err, tc.want)
		}
		if tc.want == 0 && tc.at.Before(closedAt.Add(retention)) {
			s.ticket("1") // still there
		}
	}
	if _, err := s.rec.Ticket(ctx, "1"); !errors.Is(err, records.ErrNotFound) {
		t.Errorf("Ticket(1) after the retention = %v; want ErrNotFound", err)
	}
	var id string
	if err := s.store.Get(ctx, fmt.Sprintf("ticket-post:%d:%d", bicoccaChat, post), &id); !errors.Is(err, records.ErrNotFound) {
		t.Errorf("mapping of the expired ticket's group post = %q, %v; want ErrNotFound", id, err)
	}
	if tk := s.ticket("2"); tk.State == records.TicketClosed {
		t.Errorf("Ticket(2) = %+v; want it open and kept", tk)
	}
	doc, err := s.engine.ExportUser(ctx, studentA)
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(doc["support"]); strings.Contains(got, "language") || !strings.Contains(got, "other") {
		t.Errorf("/mydata support after expiry = %s; want only the open ticket", got)
	}
	// A late reply to the deleted ticket's post reaches no one.
	a := s.answer(bicoccaChat, memberAna, post, "Still there?")
	if len(only(a, studentA)) != 0 {
		t.Errorf("reply to an expired ticket reached the student:%s", dump(a))
	}
}

func TestSupportRetentionSetting(t *testing.T) {
	base := `name = "P"
deadline = "2027-03-31 23:59"
[[projects]]
id = "p1"
title = "T"
language = "es"
`
	for _, tc := range []struct {
		line string
		want time.Duration
		err  string
	}{
		{"", 90 * 24 * time.Hour, ""},
		{`support_retention = "720h"`, 720 * time.Hour, ""},
		{`support_retention = "forever"`, 0, "support_retention"},
		{`support_retention = "-1h"`, 0, "support_retention"},
		{`support_retention = "0s"`, 0, "support_retention"},
	} {
		p, err := flows.ParseProgram([]byte(tc.line + "\n" + base))
		switch {
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("ParseProgram(%q) = %v; want an error naming %s", tc.line, err, tc.err)
		case tc.err == "" && (err != nil || p.SupportRetention != tc.want):
			t.Errorf("ParseProgram(%q) = %v; want retention %v", tc.line, err, tc.want)
		}
	}
}

// TestPastCohortExpires ends a rich person's mentorship and moves the
// clock: their application, mentorship, diary, questionnaire answers,
// ECTS form and proposals stay until the programme's data_retention has
// passed since the mentorship ended, and not a minute less; then none of
// their text and no key of the mentorship is left. A rejected
// applicant's application goes data_retention after its publication.
func TestPastCohortExpires(t *testing.T) {
	s := newRichRig(t)
	s.enrich(t)
	ctx := context.Background()
	bob := user(studentB, "en")
	rejected := s.submit(bob)
	s.pressAction(staff, s.pressAction(staff, s.open(rejected), "rej", rejected), "noreason", "")
	wantSaid(t, s.pressAction(staff, s.command(staff, "publish", ""), "publish", ""), studentB, "review.result.rejected")
	s.command(richZoe, "cancel", "") // no draft left in her session
	s.deliverAll(t)
	retention := s.program.DataRetention
	if retention != 365*24*time.Hour {
		t.Fatalf("DataRetention = %v; want the default 8760h", retention)
	}
	m, err := s.rec.Mentorship(ctx, s.ref)
	if err != nil {
		t.Fatal(err)
	}
	m.EndedAt = s.clock.Now().UTC()
	if err := s.rec.SaveMentorship(ctx, m); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		at   time.Time
		want int
	}{
		{m.EndedAt.Add(retention - time.Minute), 0},
		{m.EndedAt.Add(retention), 2},
		{m.EndedAt.Add(2 * retention), 0}, // nothing left to do
	} {
		n, err := s.engine.ExpireCohorts(ctx, tc.at)
		if err != nil || n != tc.want {
			t.Fatalf("ExpireCohorts(ended + %v) = %d, %v; want %d", tc.at.Sub(m.EndedAt), n, err, tc.want)
		}
		if tc.want == 0 && tc.at.Before(m.EndedAt.Add(retention)) {
			for _, id := range []string{s.ref, rejected} {
				if _, err := s.rec.Application(ctx, id); err != nil {
					t.Errorf("Application(%s) before the retention: %v; want it kept", id, err)
				}
			}
			if _, err := s.rec.DiaryEntry(ctx, s.ref, 1); err != nil {
				t.Errorf("DiaryEntry(%s, 1) before the retention: %v; want it kept", s.ref, err)
			}
		}
	}
	s.scanFor(t, zoeText, s.ref, rejected)
}

func TestDataRetentionSetting(t *testing.T) {
	base := `name = "P"
deadline = "2027-03-31 23:59"
[[projects]]
id = "p1"
title = "T"
language = "es"
`
	for _, tc := range []struct {
		line string
		want time.Duration
		err  string
	}{
		{"", 365 * 24 * time.Hour, ""},
		{`data_retention = "4380h"`, 4380 * time.Hour, ""},
		{`data_retention = "forever"`, 0, "data_retention"},
		{`data_retention = "-1h"`, 0, "data_retention"},
	} {
		p, err := flows.ParseProgram([]byte(tc.line + "\n" + base))
		switch {
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("ParseProgram(%q) = %v; want an error naming %s", tc.line, err, tc.err)
		case tc.err == "" && (err != nil || p.DataRetention != tc.want):
			t.Errorf("ParseProgram(%q) = %v; want retention %v", tc.line, err, tc.want)
		}
	}
}
