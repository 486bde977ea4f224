package records_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/mentorbot/mentorbot/flows/records"
	"github.com/mentorbot/mentorbot/flows/redisstore"
	"github.com/mentorbot/mentorbot/flows/redisstore/redistest"
)

var epoch = time.Date(2027, 2, 1, 10, 0, 0, 0, time.UTC)

func newDB(tb testing.TB) *records.DB {
	tb.Helper()
	return records.New(redistest.Store(tb), func() time.Time { return epoch }).InEdition("2026/27")
}

// TestSessionStateDecodes: a flow's state comes back as it was saved,
// no state leaves the struct alone, and a state of another shape is an
// error rather than a silent zero.
func TestSessionStateDecodes(t *testing.T) {
	type applyState struct {
		Doc  string `json:"doc"`
		Year int    `json:"year"`
	}
	var s records.Session
	var st applyState
	if err := s.Decode(&st); err != nil || st != (applyState{}) {
		t.Fatalf("Decode(no state) = %v, %+v; want nil, zero", err, st)
	}
	if err := s.Encode(applyState{Doc: "cv_it", Year: 2}); err != nil {
		t.Fatal(err)
	}
	if err := s.Decode(&st); err != nil || st != (applyState{Doc: "cv_it", Year: 2}) {
		t.Fatalf("Decode(saved) = %v, %+v; want nil, {cv_it 2}", err, st)
	}
	s.State = []byte(`{"doc":"cv_it","year":"second"}`)
	if err := s.Decode(&st); err == nil {
		t.Fatalf("Decode(year as text) = nil; want an error")
	}
	s.Reset()
	if s.State != nil || s.Flow != "" {
		t.Fatalf("Reset left %+v", s)
	}
}

// TestListsLoadInOneGoAndSkipTheGone: a list loaded from an index comes
// back in index order, without the records deleted since.
func TestListsLoadInOneGoAndSkipTheGone(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	var refs []string
	for i := range 3 {
		a := records.Application{UserID: int64(100 + i), State: records.AppDraft, ProjectID: "p"}
		if err := db.SubmitApplication(ctx, &a, func(n int64) string { return "REF-" + string(rune('0'+n)) }); err != nil {
			t.Fatal(err)
		}
		refs = append(refs, a.Ref)
	}
	if err := db.EraseApplication(ctx, 101); err != nil {
		t.Fatal(err)
	}
	got, err := db.ProjectApplications(ctx, "p")
	if err != nil {
		t.Fatal(err)
	}
	var gotRefs []string
	for _, a := range got {
		gotRefs = append(gotRefs, a.Ref)
	}
	if !slices.Equal(gotRefs, refs) {
		t.Fatalf("ProjectApplications = %q; want %q (the erased one kept anonymously)", gotRefs, refs)
	}
	if got[1].UserID != 0 || got[1].State != records.AppWithdrawn {
		t.Errorf("erased application = %+v; want no user and withdrawn", got[1])
	}
	if _, err := db.ApplicationOf(ctx, 101); !errors.Is(err, records.ErrNotFound) {
		t.Errorf("ApplicationOf(erased) = %v; want ErrNotFound", err)
	}
}

// TestTicketSavesAreVersioned: a save from a stale copy is refused, so
// the losing turn runs again on fresh data.
func TestTicketSavesAreVersioned(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	tk := records.Ticket{UserID: 7, University: "bicocca", State: records.TicketOpen, CreatedAt: epoch}
	if err := db.NewTicket(ctx, &tk, 7, 11, time.Hour); err != nil {
		t.Fatal(err)
	}
	stale := tk
	tk.State = records.TicketClaimed
	if err := db.SaveTicket(ctx, &tk, time.Hour); err != nil {
		t.Fatal(err)
	}
	stale.State = records.TicketClosed
	if err := db.SaveTicket(ctx, &stale, time.Hour); !errors.Is(err, records.ErrConflict) {
		t.Fatalf("SaveTicket(stale) = %v; want ErrConflict", err)
	}
	again, err := db.TicketOfSource(ctx, 7, 11)
	if err != nil || again.ID != tk.ID || again.State != records.TicketClaimed {
		t.Fatalf("TicketOfSource = %+v, %v; want ticket %s claimed", again, err, tk.ID)
	}
}

// TestTurnCommitsAllOrNothing: a turn sees its own writes, nobody else
// does until it commits, a commit after someone else saved the session
// writes nothing, and the commit that holds writes everything and marks
// the update handled.
func TestTurnCommitsAllOrNothing(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	attempt := func() (*records.Tx, records.Session) {
		t.Helper()
		loaded, err := db.LoadTurn(ctx, 42, 5, 5)
		if err != nil || loaded.Handled {
			t.Fatalf("LoadTurn = %+v, %v; want not handled", loaded, err)
		}
		tx := db.Begin()
		if err := tx.SaveApplication(ctx, &records.Application{UserID: 5, State: records.AppDraft}); err != nil {
			t.Fatal(err)
		}
		if won, err := tx.ClaimPublication(ctx, "REF-1"); err != nil || !won {
			t.Fatalf("ClaimPublication in the turn = %v, %v; want won", won, err)
		}
		if err := tx.Enqueue(ctx, 5, "u42.0", map[string]string{"text": "hi"}); err != nil {
			t.Fatal(err)
		}
		if _, err := tx.ApplicationOf(ctx, 5); err != nil {
			t.Errorf("the turn does not see its own draft: %v", err)
		}
		if _, err := db.ApplicationOf(ctx, 5); !errors.Is(err, records.ErrNotFound) {
			t.Errorf("outside the turn, ApplicationOf before commit = %v; want ErrNotFound", err)
		}
		return tx, loaded.Session
	}

	tx, s := attempt()
	other := s
	if err := db.SaveSession(ctx, &other); err != nil { // another replica's turn lands first
		t.Fatal(err)
	}
	if err := tx.Commit(ctx, &s, nil, 42); !errors.Is(err, records.ErrConflict) {
		t.Fatalf("Commit after a concurrent save = %v; want ErrConflict", err)
	}
	if _, err := db.ApplicationOf(ctx, 5); !errors.Is(err, records.ErrNotFound) {
		t.Errorf("a refused commit left the draft: %v", err)
	}
	if n, err := db.OutboxPending(ctx); err != nil || n != 0 {
		t.Errorf("a refused commit left %d chats in the outbox (%v)", n, err)
	}

	tx, s = attempt()
	if err := tx.Commit(ctx, &s, nil, 42); err != nil {
		t.Fatalf("Commit on the second run = %v", err)
	}
	if _, err := db.ApplicationOf(ctx, 5); err != nil {
		t.Errorf("after commit, ApplicationOf = %v", err)
	}
	if won, err := db.ClaimPublication(ctx, "REF-1"); err != nil || won {
		t.Errorf("ClaimPublication after the turn = %v, %v; want it held", won, err)
	}
	msgs, err := db.OutboxMessages(ctx, 5, 10)
	if err != nil || len(msgs) != 1 || msgs[0].ID != "u42.0" {
		t.Errorf("outbox of 5 = %+v, %v; want the turn's message", msgs, err)
	}
	if loaded, err := db.LoadTurn(ctx, 42, 5, 5); err != nil || !loaded.Handled {
		t.Errorf("LoadTurn(42) after commit = %+v, %v; want handled", loaded, err)
	}
}

// TestDraftIsForgotten: an application never submitted belongs to no
// cohort, so it is kept for records.DraftKept after its last change and
// then Redis forgets it; a submitted one stays for cohort retention.
func TestDraftIsForgotten(t *testing.T) {
	rdb, prefix := redistest.Client(t)
	db := records.New(redisstore.New(rdb, redistest.Options(rdb, prefix)), func() time.Time { return epoch })
	ctx := t.Context()
	if err := db.SaveApplication(ctx, &records.Application{UserID: 42, State: records.AppDraft}); err != nil {
		t.Fatal(err)
	}
	keys := redistest.Keys(t, rdb, redistest.KeyPrefix(rdb, prefix)+"application-draft:*")
	if len(keys) != 1 {
		t.Fatalf("draft keys %q; want one", keys)
	}
	ttl, err := rdb.TTL(ctx, keys[0]).Result()
	if err != nil {
		t.Fatal(err)
	}
	if ttl <= records.DraftKept-time.Minute || ttl > records.DraftKept {
		t.Errorf("draft kept for %s; want %s", ttl, records.DraftKept)
	}
}

// TestSubmittedApplicationsAreIndexed: a submission goes into the date
// indexes by project and state at once, so EnsureIndexes, which catches
// up data of older versions at start, finds nothing to do.
func TestSubmittedApplicationsAreIndexed(t *testing.T) {
	db := newDB(t)
	ctx := t.Context()
	for i := range 3 {
		a := &records.Application{UserID: int64(10 + i), State: records.AppDraft, ProjectID: "p"}
		if err := db.SubmitApplication(ctx, a, func(n int64) string { return "R-" + string(rune('0'+n)) }); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := db.EnsureIndexes(ctx); err != nil || n != 0 {
		t.Fatalf("EnsureIndexes on indexed data = %d, %v; want 0", n, err)
	}
	if n, err := db.CountApplications(ctx, records.AppFilter{Project: "p", State: records.AppSubmitted}); err != nil || n != 3 {
		t.Fatalf("CountApplications = %d, %v; want 3", n, err)
	}
}

// TestApplicationsBeforeEditionsMigrate: records an older mentorbot
// wrote, with no edition, become the current edition's at start: the
// submitted application with its applicant's pointer and its indexes,
// and a draft on its next read; the old indexes go, and a second start
// finds nothing to do.
func TestApplicationsBeforeEditionsMigrate(t *testing.T) {
	store := redistest.Store(t)
	db := records.New(store, func() time.Time { return epoch }).InEdition("2026/27")
	ctx := t.Context()
	old := records.Application{Ref: "R-1", UserID: 10, State: records.AppSubmitted, ProjectID: "p", SubmittedAt: epoch}
	for _, step := range []error{
		store.Put(ctx, "application:R-1", old, 0),
		store.AddToSet(ctx, "applications", "R-1"),
		store.Put(ctx, "application-of:10", "R-1", 0),
		store.Schedule(ctx, "apps-by-date", "R-1", epoch),
		store.Schedule(ctx, "apps-by-date:p:p:s:submitted", "R-1", epoch),
		store.Put(ctx, "application-draft:11", records.Application{UserID: 11, State: records.AppDraft, ProjectID: "p"}, 0),
	} {
		if step != nil {
			t.Fatal(step)
		}
	}
	if n, err := db.EnsureIndexes(ctx); err != nil || n != 1 {
		t.Fatalf("EnsureIndexes = %d, %v; want 1", n, err)
	}
	a, err := db.ApplicationOf(ctx, 10)
	if err != nil || a.Ref != "R-1" || a.Edition != "2026/27" {
		t.Errorf("ApplicationOf(10) = %+v, %v; want R-1 of 2026/27", a, err)
	}
	if n, err := db.CountApplications(ctx, records.AppFilter{Project: "p", State: records.AppSubmitted}); err != nil || n != 1 {
		t.Errorf("CountApplications = %d, %v; want 1", n, err)
	}
	for _, key := range []string{"apps-by-date", "apps-by-date:p:p:s:submitted"} {
		if _, n, err := store.Page(ctx, key, 0, 0, true); err != nil || n != 0 {
			t.Errorf("old index %s holds %d (%v); want it gone", key, n, err)
		}
	}
	if d, err := db.ApplicationOf(ctx, 11); err != nil || d.State != records.AppDraft || d.Edition != "2026/27" {
		t.Errorf("ApplicationOf(11) = %+v, %v; want the old draft, in 2026/27", d, err)
	}
	if n, err := db.EnsureIndexes(ctx); err != nil || n != 0 {
		t.Errorf("second EnsureIndexes = %d, %v; want 0", n, err)
	}
}
