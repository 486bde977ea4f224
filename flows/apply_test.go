package flows_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mentorbot/mentorbot/flows"
	"github.com/mentorbot/mentorbot/flows/records"
	"github.com/mentorbot/mentorbot/flows/redisstore"
	"github.com/mentorbot/mentorbot/flows/redisstore/redistest"
)

// Labels of the English apply flow, as the user sees them.
const (
	projectMadrid = "Machine learning for public health"
	madrid        = "madrid-ai" // the id of projectMadrid
	pdfMIME       = "application/pdf"
	docxMIME      = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
)

// applySteps is how many steps /apply has.
const applySteps = 9

// rendered is message id of the catalog in lang, filled with data the
// way the flows fill it. A test compares it with a part of a message
// built from several ids, or with a PDF's text: that checks an id and
// its data, and no rewording or translation breaks it.
func (h *harness) rendered(lang, id string, data map[string]any) string {
	return h.engine.Catalog().T(lang, id, data)
}

// renderedN is rendered for a message with plural forms, for count.
func (h *harness) renderedN(lang, id string, count int, data map[string]any) string {
	return h.engine.Catalog().Plural(lang, id, count, data)
}

// wantRendered fails unless the text of r to chat holds message id in
// lang, filled with data: a part of a message built from several ids,
// or the data a message carries.
func (h *harness) wantRendered(tb testing.TB, r flows.Reply, chat int64, lang, id string, data map[string]any) {
	tb.Helper()
	if want := h.rendered(lang, id, data); !strings.Contains(textTo(r, chat), want) {
		tb.Fatalf("reply to %d lacks %s %v (%q); got:%s", chat, id, data, want, dump(r))
	}
}

// wantStep fails unless r shows u that the apply flow is at step n.
func (h *harness) wantStep(tb testing.TB, r flows.Reply, u flows.User, n int) {
	tb.Helper()
	h.wantRendered(tb, r, u.ID, u.LanguageCode, "apply.progress", map[string]any{"N": n, "Total": applySteps})
}

// when formats at the way the apply flow shows times in lang.
func (h *harness) when(lang string, at time.Time) string {
	at = at.In(h.program.Location())
	return h.engine.Catalog().DateTime(lang, at) + " " + at.Format("MST")
}

// uploads are five valid documents, in the order the flow asks.
var uploads = []struct{ name, mime string }{
	{"cv-it.pdf", pdfMIME},
	{"cv-es.docx", docxMIME},
	{"letter-it.doc", "application/msword"},
	{"letter-es.pdf", pdfMIME},
	{"dele-b1.pdf", pdfMIME},
}

// answer runs the first four steps of /apply for u: degree, year of
// course, project id and language level.
func (h *harness) answer(u flows.User, degree string, year int, project, level string) flows.Reply {
	h.tb.Helper()
	r := h.command(u, "apply", "")
	r = h.pressAction(u, r, "deg", degree)
	r = h.pressAction(u, r, "year", strconv.Itoa(year))
	r = h.pressAction(u, r, "proj", project)
	return h.pressAction(u, r, "lvl", level)
}

// uploadAll sends the five documents and returns the summary.
func (h *harness) uploadAll(u flows.User, r flows.Reply) flows.Reply {
	h.tb.Helper()
	for i, up := range uploads {
		h.wantStep(h.tb, r, u, 5+i)
		r = h.document(u, up.name, up.mime, 200_000)
	}
	return r
}

// submit takes u from /apply to a submitted application of a Bachelor's
// student in year 2 with B1 Spanish, and returns its reference number.
func (h *harness) submit(u flows.User) string {
	h.tb.Helper()
	r := h.uploadAll(u, h.answer(u, flows.DegreeBachelor, 2, madrid, "B1"))
	r = h.pressAction(u, r, "confirm", "")
	wantSaid(h.tb, r, u.ID, "apply.submitted")
	a := h.application(u.ID)
	if a.State != records.AppSubmitted || a.Ref == "" {
		h.tb.Fatalf("after Confirm, application = %+v; want submitted with a reference", a)
	}
	return a.Ref
}

// application loads userID's application, failing when there is none.
func (h *harness) application(userID int64) records.Application {
	h.tb.Helper()
	a, err := h.rec.ApplicationOf(context.Background(), userID)
	if err != nil {
		h.tb.Fatalf("ApplicationOf(%d): %v", userID, err)
	}
	return a
}

func TestApplyShowsProgressAndSubmits(t *testing.T) {
	h := newHarness(t)
	u := user(studentA, "en")
	r := h.command(u, "apply", "")
	h.wantStep(t, r, u, 1)
	wantSaid(t, r, studentA, "apply.step.degree")
	r = h.pressAction(u, r, "deg", flows.DegreeBachelor)
	h.wantStep(t, r, u, 2)
	wantSaid(t, r, studentA, "apply.step.year")
	if _, ok := buttonFor(r, studentA, "year", "3"); !ok {
		t.Errorf("Bachelor's year buttons lack Year 3:%s", dump(r))
	}
	r = h.pressAction(u, r, "year", "2")
	h.wantStep(t, r, u, 3)
	wantSaid(t, r, studentA, "apply.step.project")
	h.wantRendered(t, r, studentA, "en", "apply.project.line",
		map[string]any{"Title": projectMadrid, "Host": "Universidad Complutense de Madrid", "Language": "Spanish"})
	r = h.pressAction(u, r, "proj", madrid)
	h.wantStep(t, r, u, 4)
	wantSaid(t, r, studentA, "apply.step.level")
	h.wantRendered(t, r, studentA, "en", "apply.step.level", map[string]any{"Language": "Spanish"})
	r = h.pressAction(u, r, "lvl", "B1")
	h.wantStep(t, r, u, 5)
	wantSaid(t, r, studentA, "apply.step.document")
	h.wantRendered(t, r, studentA, "en", "apply.step.document", map[string]any{
		"Document": h.rendered("en", "apply.doc.cv_it", nil), "Formats": h.rendered("en", "apply.formats.office", nil)})
	r = h.uploadAll(u, r)
	wantSaid(t, r, studentA, "apply.summary")
	for _, line := range []struct {
		id   string
		data map[string]any
	}{
		{"apply.summary.degree", map[string]any{"Degree": h.rendered("en", "apply.degree.bachelor", nil), "Year": 2}},
		{"apply.summary.project", map[string]any{"Project": projectMadrid}},
		{"apply.summary.level", map[string]any{"Language": "Spanish", "Level": "B1"}},
		{"apply.summary.document", map[string]any{"Document": h.rendered("en", "apply.doc.cv_foreign", map[string]any{"Language": "Spanish"}), "Name": "cv-es.docx"}},
		{"apply.summary.document", map[string]any{"Document": h.rendered("en", "apply.doc.certificate", nil), "Name": "dele-b1.pdf"}},
	} {
		h.wantRendered(t, r, studentA, "en", line.id, line.data)
	}
	r = h.pressAction(u, r, "confirm", "")
	wantSaid(t, r, studentA, "apply.submitted")
	wantText(t, r, studentA, "MIE-2027-0001")

	a := h.application(studentA)
	if a.Ref != "MIE-2027-0001" {
		t.Errorf("reference number = %q; want MIE-2027-0001", a.Ref)
	}
	if a.Documents[records.DocCVForeign].FileID != "file-cv-es.docx" {
		t.Errorf("CV in Spanish file id = %q; want file-cv-es.docx", a.Documents[records.DocCVForeign].FileID)
	}
	if a.Degree != flows.DegreeBachelor || a.Year != 2 || a.ProjectID != "madrid-ai" || a.Language != "es" || a.Level != "B1" {
		t.Errorf("application = %+v", a)
	}
	r = h.command(u, "status", "")
	wantSaid(t, r, studentA, "apply.status.submitted")
	h.wantRendered(t, r, studentA, "en", "apply.status.submitted", map[string]any{"Ref": "MIE-2027-0001",
		"State": h.rendered("en", "apply.state.submitted", nil), "Submitted": h.when("en", a.SubmittedAt)})
	r = h.command(u, "apply", "")
	wantSaid(t, r, studentA, "apply.already")
	wantText(t, r, studentA, "MIE-2027-0001")
}

func TestApplyInItalian(t *testing.T) {
	h := newHarness(t)
	u := user(studentB, "it")
	r := h.command(u, "apply", "")
	h.wantStep(t, r, u, 1)
	r = h.pressAction(u, r, "deg", flows.DegreeMaster)
	if _, ok := buttonFor(r, studentB, "year", "3"); ok {
		t.Errorf("Master's offers a third year:%s", dump(r))
	}
	r = h.pressAction(u, r, "year", "2")
	r = h.pressAction(u, r, "proj", "lyon-law")
	wantSaid(t, r, studentB, "apply.step.level")
	h.wantRendered(t, r, studentB, "it", "apply.step.level", map[string]any{"Language": "francese"})
}

func TestApplyIneligible(t *testing.T) {
	tests := []struct {
		name                  string
		degree, year, level   string
		want                  string
		wantData              map[string]any // values the explanation names, besides the degree
		wantDegree, wantLevel string
	}{
		{"bachelor first year", flows.DegreeBachelor, "1", "", "apply.ineligible.year", map[string]any{"MinYear": 2}, "", ""},
		{"bachelor below B1", flows.DegreeBachelor, "3", "A2", "apply.ineligible.level", map[string]any{"Min": "B1", "Language": "Spanish", "Level": "A2"}, flows.DegreeBachelor, ""},
		{"master below B2", flows.DegreeMaster, "1", "B1", "apply.ineligible.level", map[string]any{"Min": "B2", "Language": "Spanish", "Level": "B1"}, flows.DegreeMaster, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			u := user(studentA, "en")
			r := h.command(u, "apply", "")
			r = h.pressAction(u, r, "deg", tt.degree)
			r = h.pressAction(u, r, "year", tt.year)
			if tt.level != "" {
				r = h.pressAction(u, r, "proj", madrid)
				r = h.pressAction(u, r, "lvl", tt.level)
			}
			wantSaid(t, r, studentA, tt.want)
			if tt.wantData != nil {
				data := maps.Clone(tt.wantData)
				data["Degree"] = h.rendered("en", "apply.degree."+tt.degree, nil)
				h.wantRendered(t, r, studentA, "en", tt.want, data)
			}
			a := h.application(studentA)
			if a.Degree != tt.wantDegree || a.Level != tt.wantLevel || a.ProjectID != "" || a.State != records.AppDraft {
				t.Errorf("draft after %s = %+v; want degree %q, no level, no project", tt.name, a, tt.wantDegree)
			}
			// The flow is over: a document now is not taken as an upload.
			r = h.document(u, "cv.pdf", pdfMIME, 100)
			wantSaid(t, r, studentA, "idle.hint")
		})
	}
}

func TestApplyItalianIneligibleExplainsInItalian(t *testing.T) {
	h := newHarness(t)
	u := user(studentB, "it")
	r := h.command(u, "apply", "")
	r = h.pressAction(u, r, "deg", flows.DegreeBachelor)
	r = h.pressAction(u, r, "year", "1")
	wantSaid(t, r, studentB, "apply.ineligible.year")
	h.wantRendered(t, r, studentB, "it", "apply.ineligible.year",
		map[string]any{"Degree": h.rendered("it", "apply.degree.bachelor", nil), "MinYear": 2})
}

func TestApplyMasterB2IsEligible(t *testing.T) {
	h := newHarness(t)
	u := user(studentA, "en")
	r := h.answer(u, flows.DegreeMaster, 2, madrid, "B2")
	h.wantStep(t, r, u, 5)
	wantSaid(t, r, studentA, "apply.step.document")
}

func TestApplyBadUploads(t *testing.T) {
	tests := []struct {
		name string
		ev   flows.Event
		want string
		// wantData are values the message names.
		wantData map[string]any
		// wantFormats is the id of the accepted formats the message names.
		wantFormats string
	}{
		{"photo", flows.Event{Kind: flows.KindPhoto, File: &flows.File{FileID: "photo1", Size: 1000}}, "apply.upload.photo", nil, ""},
		{"sticker", flows.Event{Kind: flows.KindOther}, "apply.upload.other", nil, ""},
		{"text", flows.Event{Kind: flows.KindText, Text: "here is my CV"}, "apply.upload.text", nil, ""},
		{"image as document", flows.Event{Kind: flows.KindDocument, File: &flows.File{FileID: "f", FileName: "scan.png", MIMEType: "image/png", Size: 1000}}, "apply.upload.wrong_type", nil, "apply.formats.office"},
		{"pdf name but zip type", flows.Event{Kind: flows.KindDocument, File: &flows.File{FileID: "f", FileName: "cv.pdf", MIMEType: "application/zip", Size: 1000}}, "apply.upload.wrong_type", nil, "apply.formats.office"},
		{"too big", flows.Event{Kind: flows.KindDocument, File: &flows.File{FileID: "f", FileName: "cv.pdf", MIMEType: pdfMIME, Size: 21 << 20}}, "apply.upload.too_big", map[string]any{"Size": "21.0", "Max": 20}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			u := user(studentA, "en")
			h.answer(u, flows.DegreeBachelor, 2, madrid, "B1")
			h.document(u, "cv-it.pdf", pdfMIME, 1000) // step 5 done
			before := h.application(studentA)
			ev := tt.ev
			ev.From = u
			r := h.handle(ev)
			wantSaid(t, r, studentA, tt.want)
			data := tt.wantData
			if tt.wantFormats != "" {
				data = map[string]any{"Formats": h.rendered("en", tt.wantFormats, nil)}
			}
			if data != nil {
				h.wantRendered(t, r, studentA, "en", tt.want, data)
			}
			h.wantStep(t, r, u, 6) // the step is asked again
			wantSaid(t, r, studentA, "apply.step.document")
			after := h.application(studentA)
			if len(after.Documents) != 1 || after.Documents[records.DocCVItalian] != before.Documents[records.DocCVItalian] {
				t.Errorf("documents after %s = %+v; want only the CV in Italian", tt.name, after.Documents)
			}
			// Nothing is lost: the right file is taken next.
			r = h.document(u, "cv-es.pdf", pdfMIME, 1000)
			h.wantStep(t, r, u, 7)
		})
	}
}

func TestApplyCertificateMustBePDF(t *testing.T) {
	h := newHarness(t)
	u := user(studentA, "en")
	r := h.answer(u, flows.DegreeBachelor, 2, madrid, "B1")
	for _, up := range uploads[:4] {
		r = h.document(u, up.name, up.mime, 1000)
	}
	h.wantStep(t, r, u, 9)
	r = h.document(u, "cert.docx", docxMIME, 1000)
	wantSaid(t, r, studentA, "apply.upload.wrong_type")
	h.wantRendered(t, r, studentA, "en", "apply.upload.wrong_type", map[string]any{"Formats": h.rendered("en", "apply.formats.pdf", nil)})
	if _, ok := h.application(studentA).Documents[records.DocLanguageCertified]; ok {
		t.Fatal("a DOCX certificate was accepted")
	}
	// A PDF whose client sent no specific type is recognised by name.
	r = h.document(u, "cert.PDF", "application/octet-stream", 1000)
	wantSaid(t, r, studentA, "apply.summary")
}

func TestApplyUsesButtonsOnButtonSteps(t *testing.T) {
	h := newHarness(t)
	u := user(studentA, "en")
	h.command(u, "apply", "")
	r := h.text(u, "Bachelor")
	wantSaid(t, r, studentA, "apply.use_buttons")
	h.wantStep(t, r, u, 1)
	wantSaid(t, r, studentA, "apply.step.degree")
	if a := h.application(studentA); a.Degree != "" {
		t.Errorf("typed text set degree %q", a.Degree)
	}
}

func TestApplyButtonsOfAnotherStepAreStale(t *testing.T) {
	h := newHarness(t)
	u := user(studentA, "en")
	first := h.command(u, "apply", "")
	r := h.pressAction(u, first, "deg", flows.DegreeBachelor)
	// The degree keyboard again, now that the year is asked for.
	r = h.pressAction(u, first, "deg", flows.DegreeMaster)
	if r.NoticeID != "error.stale_button" || len(r.Messages) != 0 {
		t.Fatalf("pressing an answered step's button = %s; want only a notice", dump(r))
	}
	if a := h.application(studentA); a.Degree != flows.DegreeBachelor {
		t.Errorf("degree = %q; want bachelor", a.Degree)
	}
	// Forged values on the current step change nothing either.
	b, _ := buttonFor(h.command(u, "apply", ""), studentA, "year", "2")
	for _, forged := range []string{strings.TrimSuffix(b.Data, "2") + "4", strings.TrimSuffix(b.Data, "2") + "x"} {
		r = h.pressData(u, forged)
		if r.NoticeID != "error.bad_button" {
			t.Errorf("press %q: notice %s (%q); want error.bad_button", forged, r.NoticeID, r.Notice)
		}
	}
	if a := h.application(studentA); a.Year != 0 {
		t.Errorf("year = %d after forged presses; want 0", a.Year)
	}
}

func TestApplyProjectsArePaged(t *testing.T) {
	program := loadProgram(t)
	for i := range 4 {
		program.Projects = append(program.Projects, flows.Project{ID: fmt.Sprintf("extra%d", i),
			Title: fmt.Sprintf("Extra project %d", i), Host: "Somewhere", Mentor: 200000010 + int64(i), Language: "pt"})
	}
	h := newHarnessWith(t, redistest.Store(t), program)
	u := user(studentA, "en")
	r := h.command(u, "apply", "")
	r = h.pressAction(u, r, "deg", flows.DegreeBachelor)
	r = h.pressAction(u, r, "year", "2")
	h.wantRendered(t, r, studentA, "en", "apply.project.page", map[string]any{"Page": 1, "Pages": 2})
	if _, ok := buttonFor(r, studentA, "proj", "extra3"); ok {
		t.Fatalf("page 1 shows the eighth project:%s", dump(r))
	}
	r = h.pressAction(u, r, "page", "1")
	h.wantRendered(t, r, studentA, "en", "apply.project.page", map[string]any{"Page": 2, "Pages": 2})
	r = h.pressAction(u, r, "proj", "extra3")
	wantSaid(t, r, studentA, "apply.step.level")
	h.wantRendered(t, r, studentA, "en", "apply.step.level", map[string]any{"Language": "Portuguese"})
}

func TestApplyDeadline(t *testing.T) {
	t.Run("apply refuses", func(t *testing.T) {
		h := newHarness(t)
		h.clock.Set(h.program.Deadline.Add(time.Minute))
		r := h.command(user(studentA, "en"), "apply", "")
		deadline := time.Date(2027, 3, 31, 23, 59, 0, 0, h.program.Location())
		if !h.program.Deadline.Equal(deadline) {
			t.Fatalf("programme deadline = %v; want %v", h.program.Deadline, deadline)
		}
		wantSaid(t, r, studentA, "apply.closed")
		h.wantRendered(t, r, studentA, "en", "apply.closed", map[string]any{"Deadline": h.when("en", deadline)})
		r = h.command(user(studentB, "it"), "apply", "")
		wantSaid(t, r, studentB, "apply.closed")
		h.wantRendered(t, r, studentB, "it", "apply.closed", map[string]any{"Deadline": h.when("it", deadline)})
		if _, err := h.rec.ApplicationOf(context.Background(), studentA); !errors.Is(err, records.ErrNotFound) {
			t.Errorf("ApplicationOf after refusal: %v; want ErrNotFound", err)
		}
	})
	t.Run("draft cannot be submitted", func(t *testing.T) {
		h := newHarness(t)
		u := user(studentA, "en")
		summary := h.uploadAll(u, h.answer(u, flows.DegreeBachelor, 2, madrid, "B1"))
		h.clock.Set(h.program.Deadline.Add(time.Second))
		r := h.pressAction(u, summary, "confirm", "")
		wantSaid(t, r, studentA, "apply.closed_submit")
		if a := h.application(studentA); a.State != records.AppDraft || a.Ref != "" {
			t.Errorf("application after the deadline = %+v; want an unsubmitted draft", a)
		}
		r = h.command(u, "status", "")
		wantSaid(t, r, studentA, "apply.status.draft")
		h.wantRendered(t, r, studentA, "en", "apply.status.draft",
			map[string]any{"Done": 9, "Total": applySteps, "Deadline": h.when("en", h.program.Deadline)})
	})
	t.Run("last minute", func(t *testing.T) {
		h := newHarness(t)
		u := user(studentA, "en")
		summary := h.uploadAll(u, h.answer(u, flows.DegreeBachelor, 2, madrid, "B1"))
		h.clock.Set(h.program.Deadline)
		wantSaid(t, h.pressAction(u, summary, "confirm", ""), studentA, "apply.submitted")
	})
}

func TestApplyResumesAfterRestart(t *testing.T) {
	rdb, prefix := redistest.Client(t)
	program := loadProgram(t)
	first := newHarnessWith(t, redisstore.New(rdb, redistest.Options(rdb, prefix)), program)
	u := user(studentA, "en")
	first.answer(u, flows.DegreeBachelor, 2, madrid, "B1")
	first.document(u, "cv-it.pdf", pdfMIME, 1000)

	// A new process: a new engine over a new client of the same Redis.
	second := newHarnessWith(t, redisstore.New(rdb, redistest.Options(rdb, prefix)), program)
	second.update = 1000
	r := second.document(u, "cv-es.pdf", pdfMIME, 1000)
	second.wantStep(t, r, u, 7)
	r = second.command(u, "apply", "")
	wantSaid(t, r, studentA, "apply.resume")
	second.wantStep(t, r, u, 7)
	for _, up := range uploads[2:] {
		r = second.document(u, up.name, up.mime, 1000)
	}
	r = second.pressAction(u, r, "confirm", "")
	wantSaid(t, r, studentA, "apply.submitted")
	wantText(t, r, studentA, "MIE-2027-0001")
	if a := first.application(studentA); a.State != records.AppSubmitted || a.Documents[records.DocCVItalian].FileID != "file-cv-it.pdf" {
		t.Errorf("application seen by the first engine = %+v", a)
	}
}

func TestApplyStartAgain(t *testing.T) {
	h := newHarness(t)
	u := user(studentA, "en")
	summary := h.uploadAll(u, h.answer(u, flows.DegreeBachelor, 2, madrid, "B1"))
	r := h.pressAction(u, summary, "restart", "")
	h.wantStep(t, r, u, 1)
	wantSaid(t, r, studentA, "apply.step.degree")
	if a := h.application(studentA); a.Degree != "" || len(a.Documents) != 0 {
		t.Errorf("draft after Start again = %+v; want empty", a)
	}
}

func TestStatusStates(t *testing.T) {
	h := newHarness(t)
	u := user(studentA, "en")
	wantSaid(t, h.command(u, "status", ""), studentA, "apply.status.none")
	h.command(u, "apply", "")
	r := h.command(u, "status", "")
	draft := func(done int) map[string]any {
		return map[string]any{"Done": done, "Total": applySteps, "Deadline": h.when("en", h.program.Deadline)}
	}
	wantSaid(t, r, studentA, "apply.status.draft")
	h.wantRendered(t, r, studentA, "en", "apply.status.draft", draft(0))
	h.pressAction(u, h.command(u, "apply", ""), "deg", flows.DegreeBachelor)
	r = h.command(u, "status", "")
	wantSaid(t, r, studentA, "apply.status.draft")
	h.wantRendered(t, r, studentA, "en", "apply.status.draft", draft(1))
}

func TestWithdraw(t *testing.T) {
	t.Run("draft", func(t *testing.T) {
		h := newHarness(t)
		u := user(studentA, "en")
		h.answer(u, flows.DegreeBachelor, 2, madrid, "B1")
		r := h.command(u, "withdraw", "")
		wantSaid(t, r, studentA, "apply.withdraw.confirm_draft")
		wantSaid(t, h.pressAction(u, r, "no", ""), studentA, "apply.withdraw.kept")
		if a := h.application(studentA); a.Level != "B1" {
			t.Fatalf("draft after No = %+v", a)
		}
		r = h.command(u, "withdraw", "")
		wantSaid(t, h.pressAction(u, r, "yes", "draft"), studentA, "apply.withdraw.done_draft")
		if _, err := h.rec.ApplicationOf(context.Background(), studentA); !errors.Is(err, records.ErrNotFound) {
			t.Errorf("ApplicationOf after deleting the draft: %v; want ErrNotFound", err)
		}
	})
	t.Run("submitted", func(t *testing.T) {
		h := newHarness(t)
		u := user(studentA, "en")
		ref := h.submit(u)
		r := h.command(u, "withdraw", "")
		wantSaid(t, r, studentA, "apply.withdraw.confirm")
		wantText(t, r, studentA, ref)
		wantSaid(t, h.text(u, "yes"), studentA, "apply.withdraw.use_buttons")
		done := h.pressAction(u, r, "yes", ref)
		wantSaid(t, done, studentA, "apply.withdraw.done")
		wantText(t, done, studentA, ref)
		r = h.command(u, "status", "")
		wantSaid(t, r, studentA, "apply.status.submitted")
		h.wantRendered(t, r, studentA, "en", "apply.status.submitted", map[string]any{"Ref": ref,
			"State": h.rendered("en", "apply.state.withdrawn", nil), "Submitted": h.when("en", h.application(studentA).SubmittedAt)})
		wantSaid(t, h.command(u, "withdraw", ""), studentA, "apply.withdraw.already")
		r = h.command(user(staffID, "en"), "applications", "madrid-ai submitted")
		wantSaid(t, r, staffID, "review.list.page")
		wantText(t, r, staffID, h.renderedN("en", "review.count.applications", 0, nil))
		r = h.command(user(staffID, "en"), "applications", "withdrawn")
		wantText(t, r, staffID, h.renderedN("en", "review.count.applications", 1, nil))
	})
	t.Run("nothing", func(t *testing.T) {
		h := newHarness(t)
		wantSaid(t, h.command(user(studentA, "en"), "withdraw", ""), studentA, "apply.withdraw.none")
	})
}

func TestWithdrawForgedForAnotherApplication(t *testing.T) {
	h := newHarness(t)
	a, b := user(studentA, "en"), user(studentB, "en")
	b.Username = "bea"
	refA, refB := h.submit(a), h.submit(b)
	r := h.command(b, "withdraw", "")
	yes, ok := buttonFor(r, studentB, "yes", refB)
	if !ok {
		t.Fatalf("no withdraw button:%s", dump(r))
	}
	forged := strings.TrimSuffix(yes.Data, refB) + refA
	r = h.pressData(b, forged)
	if r.NoticeID != "error.bad_button" || len(r.Messages) != 0 {
		t.Errorf("forged withdraw = %s; want only a notice", dump(r))
	}
	for _, id := range []int64{studentA, studentB} {
		if got := h.application(id).State; got != records.AppSubmitted {
			t.Errorf("state of %d after a forged withdraw = %s; want submitted", id, got)
		}
	}
}

func TestApplyOnlyInPrivate(t *testing.T) {
	h := newHarness(t)
	r := h.handle(flows.Event{Kind: flows.KindCommand, ChatID: -100123, ChatType: flows.ChatSupergroup,
		From: user(studentA, "en"), Command: "apply"})
	wantSaid(t, r, -100123, "scope.private_only")
}

// TestNobodyAppliesToTheirOwnProject: the mentor of madrid-ai and a
// staff member choosing it are told they cannot and stay at the
// project step; someone made the project's mentor after applying
// cannot be matched with themselves.
func TestNobodyAppliesToTheirOwnProject(t *testing.T) {
	h := newHarness(t)
	for _, u := range []flows.User{mentor, staff} {
		r := h.command(u, "apply", "")
		r = h.pressAction(u, r, "deg", "bachelor")
		r = h.pressAction(u, r, "year", "2")
		r = h.pressAction(u, r, "proj", "madrid-ai")
		wantSaid(t, r, u.ID, "apply.own_project")
		if _, ok := buttonFor(r, u.ID, "proj", "lyon-law"); !ok {
			t.Errorf("after refusing madrid-ai to %d: no other project offered:%s", u.ID, dump(r))
		}
		if a := h.application(u.ID); a.ProjectID != "" {
			t.Errorf("draft of %d holds project %q; want none", u.ID, a.ProjectID)
		}
	}

	ref := h.submit(ada)
	if err := h.engine.SetMentor(t.Context(), "madrid-ai", studentA); err != nil {
		t.Fatal(err)
	}
	r := h.open(ref)
	r = h.pressAction(staff, r, "acc", ref)
	r = h.pressAction(staff, r, "match", ref)
	wantSaid(t, r, staffID, "review.self_match")
	if a := h.application(studentA); a.State != records.AppAccepted || a.MentorID != 0 {
		t.Errorf("after matching the applicant with themselves: state %s, mentor %d; want accepted, none", a.State, a.MentorID)
	}
}

// TestStudyLevelsFromTheProgrammeFile: a programme whose [[levels]]
// admit PhD students from their first year with B2 offers PhD and
// single-cycle degrees; a PhD student with B2 gets through, one with B1
// is told B2 is needed; the seed's Bachelor's level is not offered.
func TestStudyLevelsFromTheProgrammeFile(t *testing.T) {
	buf, err := os.ReadFile("testdata/program.toml")
	if err != nil {
		t.Fatal(err)
	}
	levels := `
[[levels]]
id = "single_cycle"
years = 6
min_year = 3
min_level = "B1"

[[levels]]
id = "phd"
years = 4
min_year = 1
min_level = "B2"
`
	p, err := flows.ParseProgram(append(buf, levels...))
	if err != nil {
		t.Fatal(err)
	}
	h := newHarnessWith(t, redistest.Store(t), p)
	u := user(studentA, "en")
	r := h.command(u, "apply", "")
	if _, ok := buttonFor(r, studentA, "deg", flows.DegreeBachelor); ok {
		t.Errorf("a programme without the bachelor level offers it:%s", dump(r))
	}
	r = h.pressAction(u, r, "deg", flows.DegreePhD)
	if _, ok := buttonFor(r, studentA, "year", "4"); !ok {
		t.Errorf("no year 4 for a four-year PhD:%s", dump(r))
	}
	r = h.pressAction(u, r, "year", "1")
	r = h.pressAction(u, r, "proj", madrid)
	refusal := h.pressAction(u, r, "lvl", "B1")
	wantSaid(t, refusal, studentA, "apply.ineligible.level")
	h.wantRendered(t, refusal, studentA, "en", "apply.ineligible.level",
		map[string]any{"Min": "B2", "Language": "Spanish", "Level": "B1", "Degree": "PhD"})

	r = h.command(u, "apply", "")
	r = h.pressAction(u, r, "proj", madrid)
	r = h.pressAction(u, r, "lvl", "B2")
	wantSaid(t, r, studentA, "apply.step.document")
	if a := h.application(studentA); a.Degree != flows.DegreePhD || a.Year != 1 || a.Level != "B2" {
		t.Errorf("draft = %+v; want a first-year PhD with B2", a)
	}

	for _, bad := range []string{
		"[[levels]]\nid = \"phd\"\nyears = 4\nmin_year = 5\nmin_level = \"B2\"\n",
		"[[levels]]\nid = \"phd\"\nyears = 4\nmin_year = 1\nmin_level = \"B9\"\n",
		"[[levels]]\nid = \"diploma\"\nyears = 2\nmin_year = 1\nmin_level = \"A2\"\n",
	} {
		if _, err := flows.ParseProgram(append(slices.Clone(buf), "\n"+bad...)); err == nil || !strings.Contains(err.Error(), "levels[0]") {
			t.Errorf("ParseProgram with %q = %v; want an error naming levels[0]", bad, err)
		}
	}
}
