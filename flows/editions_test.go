package flows_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"testing"

	"github.com/mentorbot/mentorbot/flows/records"
	"github.com/mentorbot/mentorbot/flows/redisstore/redistest"
)

// TestTwoEditionsSideBySide: last year's call (2025/26) and this year's
// (2026/27) on one store. The new edition starts clean: a student of
// last year applies afresh and staff's list and export hold only this
// year's applications, while last year's stay readable and exportable
// by name, and /mydata holds both.
func TestTwoEditionsSideBySide(t *testing.T) {
	store := redistest.Store(t)
	ctx := context.Background()

	last := loadProgram(t)
	last.Edition = "2025/26"
	old := newHarnessWith(t, store, last)
	oldRef := old.submit(ada)
	old.submit(bruno)

	this := loadProgram(t)
	this.Edition = "2026/27"
	h := newHarnessWith(t, store, this)
	h.update = old.update

	// Ada has not applied to this edition: /apply starts a new draft.
	if _, err := h.rec.ApplicationOf(ctx, ada.ID); err == nil {
		t.Fatalf("Ada has an application in the new edition before applying")
	}
	newRef := h.submit(ada)
	if newRef == oldRef {
		t.Fatalf("new edition's application reuses reference %s", oldRef)
	}
	if a := h.application(ada.ID); a.Edition != "2026/27" {
		t.Errorf("new application's edition = %q; want 2026/27", a.Edition)
	}

	// Staff's list and export of this edition: Ada's new application.
	if n, err := h.rec.CountApplications(ctx, records.AppFilter{}); err != nil || n != 1 {
		t.Errorf("applications of this edition = %d, %v; want 1", n, err)
	}
	if got := exportedRefs(t, h, "applications"); len(got) != 1 || got[0] != newRef {
		t.Errorf("/export applications = %v; want [%s]", got, newRef)
	}
	// Last edition's, by name: both of its applications.
	if got := exportedRefs(t, h, "applications 2025/26"); len(got) != 2 || got[0] != oldRef {
		t.Errorf("/export applications 2025/26 = %v; want 2, %s first", got, oldRef)
	}
	// An edition with no application says so and starts nothing.
	r := h.command(staff, "export", "applications 2019/20")
	wantSaid(t, r, staffID, "export.none")
	if jobs := h.runJobs(r); len(jobs) != 0 {
		t.Errorf("export of an empty edition started %d jobs", len(jobs))
	}

	// Ada's own data holds both applications.
	got, err := h.rec.ApplicationsOf(ctx, ada.ID)
	if err != nil || len(got) != 2 || got[0].Edition != "2025/26" || got[1].Edition != "2026/27" {
		t.Errorf("ApplicationsOf(Ada) = %+v, %v; want 2025/26 then 2026/27", got, err)
	}
	// Erasure reaches both editions.
	h.pressAction(ada, h.command(ada, "deletemydata", ""), "delete", "")
	if got, err := h.rec.ApplicationsOf(ctx, ada.ID); err != nil || len(got) != 0 {
		t.Errorf("after erasure, ApplicationsOf(Ada) = %+v, %v; want none", got, err)
	}
}

// exportedRefs runs /export args as staff and returns the reference
// numbers of the CSV's rows.
func exportedRefs(t *testing.T, h *harness, args string) []string {
	t.Helper()
	jobs := h.runJobs(h.command(staff, "export", args))
	if len(jobs) != 1 {
		t.Fatalf("/export %s started %d jobs; want 1", args, len(jobs))
	}
	rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(jobs[0].Content, []byte("\uFEFF")))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var refs []string
	for _, row := range rows[1:] {
		refs = append(refs, row[0])
	}
	return refs
}
