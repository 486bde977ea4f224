package records_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/mentorbot/mentorbot/flows/records"
	"github.com/mentorbot/mentorbot/flows/redisstore/redistest"
)

var epoch = time.Date(2027, 2, 1, 10, 0, 0, 0, time.UTC)

func newDB(tb testing.TB) *records.DB {
	tb.Helper()
	return records.New(redistest.Store(tb), func() time.Time { return epoch })
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

// TestUpdateClaimIsTakenOnce: of two turns loading one update, one
// gets it; releasing it lets a redelivery in.
func TestUpdateClaimIsTakenOnce(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	first, err := db.LoadTurn(ctx, 42, time.Hour, 5, 5)
	if err != nil || !first.Claimed {
		t.Fatalf("LoadTurn(first) = %+v, %v; want claimed", first, err)
	}
	if first.Profile.UserID != 5 || !first.Profile.CreatedAt.Equal(epoch) {
		t.Errorf("new profile = %+v; want user 5 created now", first.Profile)
	}
	second, err := db.LoadTurn(ctx, 42, time.Hour, 5, 5)
	if err != nil || second.Claimed {
		t.Fatalf("LoadTurn(again) = %+v, %v; want not claimed", second, err)
	}
	if err := db.ReleaseClaim(ctx, 42); err != nil {
		t.Fatal(err)
	}
	third, err := db.LoadTurn(ctx, 42, time.Hour, 5, 5)
	if err != nil || !third.Claimed {
		t.Fatalf("LoadTurn(after release) = %+v, %v; want claimed", third, err)
	}
}
