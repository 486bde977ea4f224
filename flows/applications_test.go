package flows_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/mentorbot/mentorbot/flows"
	"github.com/mentorbot/mentorbot/flows/records"
)

// seedApplications stores n submitted applications, a minute apart,
// alternating between the two projects and cycling through states
// (every seventh published), and returns their refs by list state.
func seedApplications(tb testing.TB, h *harness, n int) map[records.AppState][]string {
	tb.Helper()
	ctx := context.Background()
	states := []records.AppState{records.AppSubmitted, records.AppReview, records.AppInterview,
		records.AppAccepted, records.AppRejected, records.AppMatched, records.AppWithdrawn}
	byState := make(map[records.AppState][]string)
	for i := range n {
		h.clock.Add(time.Minute)
		project := []string{"madrid-ai", "lyon-law"}[i%2]
		a := &records.Application{UserID: int64(500000000 + i), State: records.AppDraft, ProjectID: project, CreatedAt: h.clock.Now()}
		if err := h.rec.SubmitApplication(ctx, a, func(n int64) string { return fmt.Sprintf("T-%05d", n) }); err != nil {
			tb.Fatal(err)
		}
		a.State = states[i%len(states)]
		a.Published = i%7 == 3 && a.State != records.AppWithdrawn
		if err := h.rec.SaveApplication(ctx, a); err != nil {
			tb.Fatal(err)
		}
		byState[a.ListState()] = append(byState[a.ListState()], a.Ref)
		byState[""] = append(byState[""], a.Ref)
	}
	return byState
}

// walkPages presses › from the first page of r until the last, checks
// every message against Telegram's limits, and returns the refs of the
// applications listed, in order.
func walkPages(t *testing.T, h *harness, r flows.Reply) []string {
	t.Helper()
	var refs []string
	for page := 1; ; page++ {
		for _, m := range r.Messages {
			if n := utf8.RuneCountInString(m.Text); n > 4096 {
				t.Fatalf("page %d: a message of %d characters", page, n)
			}
			buttons := 0
			for _, row := range m.Buttons {
				buttons += len(row)
				for _, b := range row {
					if len(b.Data) > 64 {
						t.Fatalf("page %d: callback data %q over 64 bytes", page, b.Data)
					}
					if cb, err := flows.DecodeCallback(b.Data); err == nil && cb.Action == "open" {
						refs = append(refs, cb.Arg)
					}
				}
			}
			if buttons > 100 {
				t.Fatalf("page %d: %d buttons", page, buttons)
			}
		}
		next, ok := nextButton(r)
		if !ok {
			return refs
		}
		r = h.handle(flows.Event{Kind: flows.KindButton, From: staff, Data: next.Data})
	}
}

// nextButton is the › button of r.
func nextButton(r flows.Reply) (flows.Button, bool) {
	for _, m := range r.Messages {
		for _, row := range m.Buttons {
			for _, b := range row {
				if b.Text == "›" {
					return b, true
				}
			}
		}
	}
	return flows.Button{}, false
}

// TestEveryApplicationOnExactlyOnePage: with 237 applications, the
// pages of /applications, unfiltered and filtered by project and by
// state, list every application that matches exactly once, newest
// first, at most 10 a page, every message inside Telegram's limits.
func TestEveryApplicationOnExactlyOnePage(t *testing.T) {
	h := newHarness(t)
	byState := seedApplications(t, h, 237)

	cases := []struct {
		args string
		want []string
	}{
		{"", byState[""]},
		{"accepted", byState[records.AppAccepted]},
		{"published", byState[records.AppPublished]},
		{"withdrawn", byState[records.AppWithdrawn]},
	}
	for _, c := range cases {
		r := h.command(staff, "applications", c.args)
		wantSaid(t, r, staffID, "review.list.page")
		wantText(t, r, staffID, h.renderedN("en", "review.count.applications", len(c.want), nil))
		got := walkPages(t, h, r)
		if len(got) != len(c.want) {
			t.Errorf("/applications %s listed %d; want %d", c.args, len(got), len(c.want))
			continue
		}
		for i, ref := range got { // newest first
			if want := c.want[len(c.want)-1-i]; ref != want {
				t.Errorf("/applications %s: entry %d is %s; want %s", c.args, i, ref, want)
				break
			}
		}
	}

	// The project filter, pressed from the list, keeps to its project.
	r := h.command(staff, "applications", "")
	r = h.press(staff, r, "Filter by project")
	r = h.press(staff, r, projectMadrid)
	got := walkPages(t, h, r)
	for _, ref := range got {
		a, err := h.rec.Application(context.Background(), ref)
		if err != nil || a.ProjectID != "madrid-ai" {
			t.Errorf("the madrid-ai list holds %s of %q (%v)", ref, a.ProjectID, err)
		}
	}
	if want := (237 + 1) / 2; len(got) != want {
		t.Errorf("the madrid-ai list holds %d; want %d", len(got), want)
	}
}

// TestDecisionMovesAnApplicationBetweenStateLists: accepting an
// application takes it off the submitted list and onto the accepted
// one, and its count follows.
func TestDecisionMovesAnApplicationBetweenStateLists(t *testing.T) {
	h := newHarness(t)
	ref := h.submit(ada)
	count := func(state string) string {
		r := h.command(staff, "applications", state)
		for _, m := range r.Messages {
			return m.Text
		}
		return ""
	}
	r := h.open(ref)
	h.pressAction(staff, r, "acc", ref)
	for state, n := range map[string]int{"submitted": 0, "accepted": 1} {
		want := h.renderedN("en", "review.count.applications", n, nil)
		if text := count(state); !strings.Contains(text, want) {
			t.Errorf("/applications %s = %q; want %q in it", state, text, want)
		}
	}
}
