package flows_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mentorbot/mentorbot/flows/records"
)

// auditEntries reads the whole audit log, oldest first.
func (h *harness) auditEntries() []records.AuditEntry {
	h.tb.Helper()
	var all []records.AuditEntry
	if err := h.rec.EachAudit(context.Background(), func(b []records.AuditEntry) error {
		all = append(all, b...)
		return nil
	}); err != nil {
		h.tb.Fatal(err)
	}
	return all
}

// TestStaffActionsAreAudited: a decision, a match, the publication and
// an export each leave an entry naming actor, target and subject;
// /audit shows them to staff only, and /export audit sends them all.
func TestStaffActionsAreAudited(t *testing.T) {
	h := newHarness(t)
	ref := h.submit(ada)
	r := h.pressAction(staff, h.open(ref), "acc", ref)
	wantSaid(t, r, staffID, "review.done.acc")
	h.pressAction(staff, h.open(ref), "match", ref)
	h.pressAction(staff, h.command(staff, "publish", ""), "publish", "")
	h.command(staff, "export", "applications")

	type entry struct {
		actor, target   int64
		action, subject string
	}
	var got []entry
	for _, e := range h.auditEntries() {
		got = append(got, entry{e.Actor, e.Target, e.Action, e.Subject})
	}
	want := []entry{
		{staffID, studentA, "review.accept", ref},
		{staffID, studentA, "review.match", ref},
		{staffID, studentA, "review.publish", ref},
		{staffID, 0, "export.applications", "applications 2026/27"},
	}
	if len(got) != len(want) {
		t.Fatalf("audit log = %+v; want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("audit entry %d = %+v; want %+v", i, got[i], want[i])
		}
	}

	r = h.command(staff, "audit", "")
	wantSaid(t, r, staffID, "audit.title")
	wantText(t, r, staffID, ref)
	r = h.command(ada, "audit", "")
	if got := saidTo(r, studentA); len(got) != 1 || got[0] == "audit.title" {
		t.Errorf("/audit by a student = %q; want one refusal", got)
	}

	r = h.command(staff, "export", "audit")
	if len(r.Messages) != 1 || r.Messages[0].File == nil {
		t.Fatalf("/export audit = %s; want one document", dump(r))
	}
	wantSaid(t, r, staffID, "audit.exported")
	rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(r.Messages[0].File.Content, []byte("\uFEFF")))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1+len(want) || rows[1][3] != "review.accept" || rows[1][4] != strconv.FormatInt(studentA, 10) {
		t.Errorf("/export audit rows = %q; want a header and the %d entries", rows, len(want))
	}
}

// TestAuditPages: /audit shows ten entries at a time, newest first,
// with a button to the older ones that leads to the next ten.
func TestAuditPages(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	for i := 1; i <= 25; i++ {
		if err := h.rec.AppendAudit(ctx, records.AuditEntry{Actor: staffID, Action: "test", Subject: "s" + strconv.Itoa(i)}); err != nil {
			t.Fatal(err)
		}
	}
	r := h.command(staff, "audit", "")
	wantSaid(t, r, staffID, "audit.title")
	text := textTo(r, staffID)
	if !strings.Contains(text, "s25") || !strings.Contains(text, "s16") || strings.Contains(text, "s15") {
		t.Errorf("first page =\n%s\nwant entries 25 down to 16", text)
	}
	if _, ok := buttonFor(r, staffID, "page", "16"); !ok {
		t.Fatalf("first page has no button to the entries below 16:%s", dump(r))
	}
	r = h.pressAction(staff, r, "page", "16")
	text = textTo(r, staffID)
	if !strings.Contains(text, "s15") || !strings.Contains(text, "s6") || strings.Contains(text, "s16") {
		t.Errorf("second page =\n%s\nwant entries 15 down to 6", text)
	}
	r = h.pressAction(staff, r, "page", "6")
	if _, ok := buttonFor(r, staffID, "page", "0"); !ok {
		t.Errorf("last page has no button back to the latest:%s", dump(r))
	}
	if strings.Count(textTo(r, staffID), "\n") != 5 {
		t.Errorf("last page =\n%s\nwant a title and entries 5 to 1", textTo(r, staffID))
	}
}

// TestAuditErasure: erasing a person replaces their id in every entry
// naming them, keeping what was done.
func TestAuditErasure(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	for _, e := range []records.AuditEntry{
		{Actor: staffID, Action: "review.acc", Target: studentA, Subject: "ref"},
		{Actor: studentA, Action: "ticket.claim", Subject: "7"},
		{Actor: staffID, Action: "review.acc", Target: studentB, Subject: "ref2"},
	} {
		if err := h.rec.AppendAudit(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	if err := h.rec.EraseAudit(ctx, studentA); err != nil {
		t.Fatal(err)
	}
	got := h.auditEntries()
	if got[0].Target != records.ErasedUser || got[1].Actor != records.ErasedUser || got[2].Target != studentB ||
		got[0].Action != "review.acc" || got[1].Action != "ticket.claim" {
		t.Errorf("audit after erasing %d = %+v; want their id replaced, the rest kept", studentA, got)
	}
	r := h.command(staff, "audit", "")
	wantText(t, r, staffID, "deleted user")
	if strings.Contains(textTo(r, staffID), strconv.FormatInt(studentA, 10)) {
		t.Errorf("/audit after erasure names %d:\n%s", studentA, textTo(r, staffID))
	}
}

// TestAuditExpires: entries older than the retention go, with their
// index members, and the younger ones stay.
func TestAuditExpires(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	start := h.clock.Now()
	for i := range 3 {
		if err := h.rec.AppendAudit(ctx, records.AuditEntry{Actor: staffID, Action: "test", Target: studentA + int64(i)}); err != nil {
			t.Fatal(err)
		}
		h.clock.Add(24 * time.Hour)
	}
	retention := 365 * 24 * time.Hour
	if err := h.rec.ExpireAudit(ctx, start.Add(retention+time.Hour), retention); err != nil {
		t.Fatal(err)
	}
	got := h.auditEntries()
	if len(got) != 2 || got[0].N != 2 || got[1].N != 3 {
		t.Fatalf("audit after expiring the first day = %+v; want entries 2 and 3", got)
	}
	if err := h.rec.ExpireAudit(ctx, start.Add(retention+72*time.Hour), retention); err != nil {
		t.Fatal(err)
	}
	if got := h.auditEntries(); len(got) != 0 {
		t.Errorf("audit after expiring all = %+v; want none", got)
	}
	r := h.command(staff, "audit", "")
	wantSaid(t, r, staffID, "audit.empty")
}
