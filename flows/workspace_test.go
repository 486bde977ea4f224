package flows_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/mentorbot/mentorbot/flows"
	"github.com/mentorbot/mentorbot/flows/records"
)

// workspaceRig is a harness whose engine commits to the outbox, as the
// workspace needs, with the workspace over it.
type workspaceRig struct {
	*harness
	ws *flows.Workspace
}

func newWorkspaceRig(t testing.TB) *workspaceRig {
	t.Helper()
	h := newHarness(t)
	e, err := flows.New(flows.Config{Store: h.store, Catalog: h.engine.Catalog(), Program: h.program,
		Now: h.clock.Now, BotUsername: "mentor_test_bot", Outbox: true})
	if err != nil {
		t.Fatal(err)
	}
	h.engine = e
	ws, err := flows.NewWorkspace(e)
	if err != nil {
		t.Fatal(err)
	}
	return &workspaceRig{harness: h, ws: ws}
}

// outboxIDs returns the locales ids of the messages waiting for chat.
func (w *workspaceRig) outboxIDs(t *testing.T, chat int64) []string {
	t.Helper()
	msgs, err := w.rec.OutboxMessages(context.Background(), chat, 100)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, m := range msgs {
		var body flows.Message
		if err := json.Unmarshal(m.Body, &body); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, body.TextID)
	}
	return ids
}

func TestWorkspaceNeedsTheOutbox(t *testing.T) {
	h := newHarness(t)
	if _, err := flows.NewWorkspace(h.engine); err == nil {
		t.Error("NewWorkspace of an engine without outbox = nil error; its actions' messages would be lost")
	}
}

// A decision in the workspace is the chat's decision: the same state
// change and audit entry, the applicant told what the chat tells them,
// and the staff member's own chat left alone.
func TestWorkspaceDecisionIsTheChatsDecision(t *testing.T) {
	w := newWorkspaceRig(t)
	ctx := context.Background()
	w.command(mentor, "start", "")
	ref := w.submit(ada)
	staffBefore := len(w.outboxIDs(t, staffID))

	out, err := w.ws.Decide(ctx, staff, ref, "int", "Tuesday 10:00")
	if err != nil || !out.Done || out.ID != "review.done.int" {
		t.Fatalf("Decide(int) = %+v, %v; want done", out, err)
	}
	if got := w.state(ref); got != records.AppInterview {
		t.Errorf("state after interview = %s; want interview", got)
	}
	if ids := w.outboxIDs(t, studentA); len(ids) == 0 || ids[len(ids)-1] != "review.interview.notice" {
		t.Errorf("applicant's outbox = %v; want the interview notice last", ids)
	}
	if got := w.outboxIDs(t, staffID); len(got) != staffBefore {
		t.Errorf("staff chat's outbox = %v; the workspace shows the outcome, the chat gets nothing", got)
	}

	out, err = w.ws.Decide(ctx, staff, ref, "acc", "")
	if err != nil || !out.Done {
		t.Fatalf("Decide(acc) = %+v, %v", out, err)
	}
	// Pressed twice (a double click): refused as the chat refuses it.
	out, err = w.ws.Decide(ctx, staff, ref, "acc", "")
	if err != nil || out.Done || out.ID != "review.not_now" || out.Text == "" {
		t.Errorf("second Decide(acc) = %+v, %v; want refused with review.not_now", out, err)
	}
	entries, _, err := w.rec.AuditPage(ctx, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range entries {
		if e.Subject == ref && e.Actor == staffID {
			actions = append(actions, e.Action)
		}
	}
	if len(actions) != 2 || actions[0] != "review.accept" || actions[1] != "review.interview" {
		t.Errorf("audit of %s = %v; want review.accept then review.interview (newest first)", ref, actions)
	}

	out, err = w.ws.Decide(ctx, staff, ref, "match", "")
	if err != nil || !out.Done {
		t.Fatalf("Decide(match) = %+v, %v", out, err)
	}
	p, err := w.ws.PendingResults(ctx, mustViewer(t, w.ws, staff))
	if err != nil || p != (flows.Pending{Matched: 1}) {
		t.Errorf("PendingResults = %+v, %v; want one match", p, err)
	}
	out, err = w.ws.Publish(ctx, staff)
	if err != nil || !out.Done {
		t.Fatalf("Publish = %+v, %v", out, err)
	}
	if ids := w.outboxIDs(t, studentA); ids[len(ids)-1] != "review.result.matched" {
		t.Errorf("applicant's outbox after publishing = %v; want the result", ids)
	}
	if _, err := w.rec.Mentorship(ctx, ref); err != nil {
		t.Errorf("mentorship after publishing from the workspace: %v", err)
	}
}

// Someone without the role cannot act through the workspace, whatever
// the page sent.
func TestWorkspaceActionsNeedTheRole(t *testing.T) {
	w := newWorkspaceRig(t)
	ctx := context.Background()
	ref := w.submit(ada)
	for _, act := range []string{"acc", "rej", "int"} {
		out, err := w.ws.Decide(ctx, bruno, ref, act, "note")
		if err != nil || out.Done || out.ID != "error.not_allowed" {
			t.Errorf("Decide(%s) by a student = %+v, %v; want error.not_allowed", act, out, err)
		}
	}
	if out, err := w.ws.Publish(ctx, ada); err != nil || out.Done {
		t.Errorf("Publish by the applicant = %+v, %v; want refused", out, err)
	}
	if got := w.state(ref); got != records.AppSubmitted {
		t.Errorf("state = %s; want submitted, untouched", got)
	}
	if _, err := w.ws.Decide(ctx, staff, ref, "delete", ""); !errors.Is(err, flows.ErrBadQuery) {
		t.Errorf("Decide(delete) = %v; want ErrBadQuery", err)
	}
	out, err := w.ws.Decide(ctx, staff, ref, "int", "  ")
	if err != nil || out.Done || out.ID != "review.bad_text" {
		t.Errorf("interview without a note = %+v, %v; want review.bad_text", out, err)
	}
}

func mustViewer(t testing.TB, ws *flows.Workspace, u flows.User) flows.Viewer {
	t.Helper()
	v, err := ws.Viewer(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestWorkspaceTableFiltersAndSearches(t *testing.T) {
	w := newWorkspaceRig(t)
	ctx := context.Background()
	refA, refB := w.submit(ada), w.submit(bruno)
	v := mustViewer(t, w.ws, staff)
	if !v.Staff || v.Committee != "" {
		t.Fatalf("staff viewer = %+v", v)
	}
	refs := func(q flows.AppQuery) []string {
		t.Helper()
		page, err := w.ws.Applications(ctx, v, q)
		if err != nil {
			t.Fatalf("Applications(%+v): %v", q, err)
		}
		var out []string
		for _, r := range page.Items {
			out = append(out, r.Ref)
		}
		if page.Total != len(out) {
			t.Errorf("Applications(%+v).Total = %d; want %d", q, page.Total, len(out))
		}
		return out
	}
	for _, c := range []struct {
		name string
		q    flows.AppQuery
		want []string
	}{
		{"all, newest first", flows.AppQuery{}, []string{refB, refA}},
		{"oldest first", flows.AppQuery{Sort: "oldest"}, []string{refA, refB}},
		{"by name", flows.AppQuery{Sort: "name"}, []string{refA, refB}},
		{"by project", flows.AppQuery{Project: "madrid-ai"}, []string{refB, refA}},
		{"other project", flows.AppQuery{Project: "lyon-law"}, nil},
		{"by state", flows.AppQuery{State: "submitted", Level: "B1"}, []string{refB, refA}},
		{"level none has", flows.AppQuery{Level: "C2"}, nil},
		{"name search", flows.AppQuery{Text: "bru"}, []string{refB}},
		{"reference search", flows.AppQuery{Text: refA}, []string{refA}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := refs(c.q)
			if len(got) != len(c.want) || (len(got) > 0 && (got[0] != c.want[0] || got[len(got)-1] != c.want[len(c.want)-1])) {
				t.Errorf("refs = %v; want %v", got, c.want)
			}
		})
	}
	for _, bad := range []flows.AppQuery{{Project: "nowhere"}, {State: "lost"}, {Level: "Z9"}, {Sort: "random"}, {Degree: "kindergarten"}} {
		if _, err := w.ws.Applications(ctx, v, bad); !errors.Is(err, flows.ErrBadQuery) {
			t.Errorf("Applications(%+v) = %v; want ErrBadQuery", bad, err)
		}
	}
	d, err := w.ws.Application(ctx, v, refA)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Documents) != len(records.DocumentKinds) || len(d.Actions) == 0 || d.Actions[0].Action != "int" || d.Actions[0].Text != "required" {
		t.Errorf("detail = %+v; want five documents and the actions of a submitted application", d)
	}
	if _, err := w.ws.Application(ctx, v, "A-9999"); !errors.Is(err, records.ErrNotFound) {
		t.Errorf("Application(unknown) = %v; want ErrNotFound", err)
	}
	n, err := w.ws.Numbers(ctx, v)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range n.ByState {
		if c.ID == "submitted" && c.Count != 2 {
			t.Errorf("numbers by state = %+v; want 2 submitted", n.ByState)
		}
	}
}
