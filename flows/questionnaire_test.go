package flows_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/mentorbot/mentorbot/flows"
	"github.com/mentorbot/mentorbot/flows/records"
)

var staffUser = flows.User{ID: staffID, FirstName: "Staff", LanguageCode: "en"}

// exportCSV runs /export questionnaire as staff and parses the CSV.
func (h *harness) exportCSV(name string) (flows.Reply, [][]string) {
	h.tb.Helper()
	r := h.command(staffUser, "export", name)
	for _, m := range r.Messages {
		if m.File != nil && strings.HasSuffix(m.File.FileName, ".csv") {
			rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(m.File.Content, []byte("\uFEFF")))).ReadAll()
			if err != nil {
				h.tb.Fatalf("parse %s: %v", m.File.FileName, err)
			}
			return r, rows
		}
	}
	h.tb.Fatalf("/export %s sent no CSV:%s", name, dump(r))
	return r, nil
}

// startButtonData is the callback data of the lasting button that
// starts the questionnaire of mentorship mid, as /openquestionnaire
// sends it.
func startButtonData(tb testing.TB, mid string) string {
	tb.Helper()
	data, err := flows.Callback{Flow: "quest", Action: "start", Arg: mid}.Encode()
	if err != nil {
		tb.Fatal(err)
	}
	return data
}

// column returns the value of column name in row i (1 = first data row).
func column(tb testing.TB, rows [][]string, i int, name string) string {
	tb.Helper()
	for j, h := range rows[0] {
		if h == name {
			return rows[i][j]
		}
	}
	tb.Fatalf("CSV has no column %q: %v", name, rows[0])
	return ""
}

func TestQuestionnaireRoundTripsToCSV(t *testing.T) {
	h := newHarness(t)
	h.mentorship(h.program.Meetings) // the last meeting is over

	// The mentee, in Italian, changes an answer at the review.
	r := h.command(menteeAyse, "questionnaire", "")
	wantText(t, r, menteeAyse.ID, "3 domande")
	wantText(t, r, menteeAyse.ID, "Domanda 1 di 3: Quanto sei soddisfatto/a")
	r = h.press(menteeAyse, r, "4")
	wantText(t, r, menteeAyse.ID, "Parteciperesti di nuovo?")
	r = h.press(menteeAyse, r, "Forse")
	wantText(t, r, menteeAyse.ID, "C'è qualcosa")
	r = h.text(menteeAyse, `Sì, "ottimo" — è stato utile; grazie!`)
	wantText(t, r, menteeAyse.ID, "→ 4")
	wantText(t, r, menteeAyse.ID, "→ Forse")
	r = h.pressAction(menteeAyse, r, "edit", "0")
	r = h.pressAction(menteeAyse, r, "ans", "0.5")
	wantText(t, r, menteeAyse.ID, "→ 5")
	r = h.pressAction(menteeAyse, r, "submit", "")
	wantSaid(t, r, menteeAyse.ID, "questionnaire.thanks")
	wantSaid(t, h.command(menteeAyse, "questionnaire", ""), menteeAyse.ID, "questionnaire.already")

	// The mentor, in English.
	r = h.command(mentorDima, "questionnaire", "")
	r = h.pressAction(mentorDima, r, "ans", "0.3")
	h.press(mentorDima, r, "Yes")
	r = h.text(mentorDima, "=HYPERLINK(\"http://evil\")")
	r = h.pressAction(mentorDima, r, "submit", "")
	wantSaid(t, r, mentorDima.ID, "questionnaire.thanks")

	r, rows := h.exportCSV("questionnaire")
	wantText(t, r, staffID, "2 questionnaire responses")
	wantText(t, r, staffID, "overall: mean 4.00 (answers: 2)")
	if len(rows) != 3 {
		t.Fatalf("CSV has %d rows; want header and 2: %v", len(rows), rows)
	}
	for _, c := range []struct {
		row       int
		col, want string
	}{
		{1, "mentorship_id", testMentorship},
		{1, "project_id", "madrid-ai"},
		{1, "role", "mentee"},
		{1, "user_id", "300000001"},
		{1, "language", "it"},
		{1, "submitted_at", "2027-02-01T09:00:00Z"},
		{1, "overall", "5"},
		{1, "again", "Maybe"},
		{1, "comments", `Sì, "ottimo" — è stato utile; grazie!`},
		{2, "role", "mentor"},
		{2, "language", "en"},
		{2, "overall", "3"},
		{2, "again", "Yes"},
		{2, "comments", `'=HYPERLINK("http://evil")`},
	} {
		if got := column(t, rows, c.row, c.col); got != c.want {
			t.Errorf("CSV row %d column %s = %q; want %q", c.row, c.col, got, c.want)
		}
	}
}

func TestQuestionnaireResumes(t *testing.T) {
	h := newHarness(t)
	h.mentorship(h.program.Meetings)
	r := h.command(mentorDima, "questionnaire", "")
	h.pressAction(mentorDima, r, "ans", "0.2")
	h.command(mentorDima, "cancel", "")
	r = h.command(mentorDima, "questionnaire", "")
	wantSaid(t, r, mentorDima.ID, "questionnaire.resumed")
	wantText(t, r, mentorDima.ID, "Question 2 of 3")
	if _, err := h.rec.Response(context.Background(), testMentorship, mentorDima.ID); !errors.Is(err, records.ErrNotFound) {
		t.Errorf("Response before submitting: error = %v; want ErrNotFound", err)
	}
	h.press(mentorDima, r, "No")
	r = h.text(mentorDima, "ok")
	wantText(t, r, mentorDima.ID, "→ 2")
	h.pressAction(mentorDima, r, "submit", "")
	got, err := h.rec.Response(context.Background(), testMentorship, mentorDima.ID)
	if err != nil || got.Answers["overall"] != "2" || got.Answers["again"] != "No" || got.Answers["comments"] != "ok" {
		t.Errorf("Response = %+v, %v; want overall 2, again No, comments ok", got, err)
	}
}

func TestQuestionnaireRefusesBadInput(t *testing.T) {
	h := newHarness(t)
	h.mentorship(h.program.Meetings)

	r := h.command(menteeAyse, "questionnaire", "")
	wantSaid(t, h.text(menteeAyse, "4"), menteeAyse.ID, "questionnaire.use_buttons")
	b, _ := buttonFor(r, menteeAyse.ID, "ans", "0.4")
	forged := strings.Replace(b.Data, "0.4", "0.9", 1)
	if forged == b.Data {
		t.Fatalf("button data %q has no 0.4 to forge", b.Data)
	}
	if r := h.pressData(menteeAyse, forged); r.Notice == "" {
		t.Errorf("pressing scale value 9: got%s; want a notice", dump(r))
	}
	next := h.pressAction(menteeAyse, r, "ans", "0.4")
	if r := h.pressData(menteeAyse, b.Data); r.Notice == "" || len(r.Messages) > 0 {
		t.Errorf("pressing an answered question's button again: got%s; want a notice only", dump(r))
	}
	h.press(menteeAyse, next, "Sì")
	wantSaid(t, h.handle(flows.Event{Kind: flows.KindDocument, From: menteeAyse, File: &flows.File{FileID: "f"}}), menteeAyse.ID, "questionnaire.text_only")
	wantSaid(t, h.text(menteeAyse, strings.Repeat("à", 2001)), menteeAyse.ID, "questionnaire.too_long")
	if r := h.pressData(stranger, startButtonData(t, testMentorship)); r.Notice == "" {
		t.Errorf("stranger starting the questionnaire: got%s; want a notice", dump(r))
	}
	if _, err := h.rec.Response(context.Background(), testMentorship, menteeAyse.ID); !errors.Is(err, records.ErrNotFound) {
		t.Errorf("Response after refused input: error = %v; want ErrNotFound", err)
	}
	_, rows := h.exportCSV("questionnaire")
	if len(rows) != 1 {
		t.Errorf("CSV before any submission has %d rows; want the header only", len(rows))
	}
}

func TestQuestionnaireOpening(t *testing.T) {
	h := newHarness(t)
	m := h.mentorship(2)
	ctx := context.Background()

	wantSaid(t, h.command(menteeAyse, "questionnaire", ""), menteeAyse.ID, "questionnaire.not_open")
	wantSaid(t, h.command(stranger, "questionnaire", ""), stranger.ID, "questionnaire.no_mentorship")
	if r := h.pressData(menteeAyse, startButtonData(t, m.ID)); !slices.Contains(saidTo(r, menteeAyse.ID), "questionnaire.not_open") {
		t.Errorf("starting a closed questionnaire: got%s; want not open", dump(r))
	}

	// Only staff open it, with a valid reference.
	for _, c := range []struct {
		who        flows.User
		args, want string
	}{
		{menteeAyse, m.ID, "error.not_allowed"},
		{mentorDima, m.ID, "error.not_allowed"},
		{staffUser, "", "questionnaire.open.usage"},
		{staffUser, "a b", "questionnaire.open.usage"},
		{staffUser, "MIE-2027-9999", "questionnaire.open.unknown"},
	} {
		r := h.command(c.who, "openquestionnaire", c.args)
		wantSaid(t, r, c.who.ID, c.want)
		if _, opened, err := h.rec.QuestionnaireOpened(ctx, m.ID); opened || err != nil {
			t.Fatalf("/openquestionnaire %q by %d opened it (%v)", c.args, c.who.ID, err)
		}
		wantSaid(t, h.command(menteeAyse, "questionnaire", ""), menteeAyse.ID, "questionnaire.not_open")
	}
	for _, who := range []flows.User{menteeAyse, mentorDima, stranger} {
		r := h.command(who, "export", "questionnaire")
		for _, msg := range r.Messages {
			if msg.File != nil {
				t.Errorf("/export questionnaire by %d sent a file", who.ID)
			}
		}
		if !slices.Contains(saidTo(r, who.ID), "error.not_allowed") {
			t.Errorf("/export questionnaire by %d: got%s; want refused", who.ID, dump(r))
		}
	}

	r := h.command(staffUser, "openquestionnaire", m.ID)
	wantSaid(t, r, staffID, "questionnaire.open.done")
	wantSaid(t, r, menteeAyse.ID, "questionnaire.invitation")
	wantSaid(t, r, mentorDima.ID, "questionnaire.invitation")
	if _, ok := buttonFor(r, mentorDima.ID, "start", m.ID); !ok {
		t.Errorf("/openquestionnaire sent the mentor no start button:%s", dump(r))
	}
	wantSaid(t, h.command(staffUser, "openquestionnaire", m.ID), staffID, "questionnaire.open.already")
	r = h.pressAction(menteeAyse, r, "start", m.ID)
	wantText(t, r, menteeAyse.ID, "Domanda 1 di 3")
}

func TestQuestionnairePersonalData(t *testing.T) {
	h := newHarness(t)
	h.mentorship(h.program.Meetings)
	r := h.command(menteeAyse, "questionnaire", "")
	r = h.pressAction(menteeAyse, r, "ans", "0.4")
	h.press(menteeAyse, r, "No")
	r = h.text(menteeAyse, "segreto")
	h.pressAction(menteeAyse, r, "submit", "")
	ctx := context.Background()
	doc, err := h.engine.ExportUser(ctx, menteeAyse.ID)
	if err != nil {
		t.Fatal(err)
	}
	if rs, _ := doc["quest"].([]records.QuestionnaireResponse); len(rs) != 1 || rs[0].Answers["comments"] != "segreto" {
		t.Errorf("ExportUser[quest] = %+v; want the response", doc["quest"])
	}
	if err := h.engine.EraseUser(ctx, menteeAyse.ID); err != nil {
		t.Fatal(err)
	}
	if _, rows := h.exportCSV("questionnaire"); len(rows) != 1 {
		t.Errorf("CSV after erasure has %d rows; want the header only", len(rows))
	}
}
