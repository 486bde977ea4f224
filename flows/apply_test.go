package flows_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/mentorbot/mentorbot/flows"
	"github.com/mentorbot/mentorbot/flows/redisstore"
	"github.com/mentorbot/mentorbot/flows/redisstore/redistest"
)

// Labels of the English apply flow, as the user sees them.
const (
	projectMadrid = "Machine learning for public health"
	pdfMIME       = "application/pdf"
	docxMIME      = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
)

// uploads are five valid documents, in the order the flow asks.
var uploads = []struct{ name, mime string }{
	{"cv-it.pdf", pdfMIME},
	{"cv-es.docx", docxMIME},
	{"letter-it.doc", "application/msword"},
	{"letter-es.pdf", pdfMIME},
	{"dele-b1.pdf", pdfMIME},
}

// answer runs the first four steps of /apply for u with English labels.
func (h *harness) answer(u flows.User, degree, year, project, level string) flows.Reply {
	h.tb.Helper()
	r := h.command(u, "apply", "")
	r = h.press(u, r, degree)
	r = h.press(u, r, year)
	r = h.press(u, r, project)
	return h.press(u, r, level)
}

// uploadAll sends the five documents and returns the summary.
func (h *harness) uploadAll(u flows.User, r flows.Reply) flows.Reply {
	h.tb.Helper()
	for i, up := range uploads {
		wantText(h.tb, r, u.ID, fmt.Sprintf("Step %d of 9", 5+i))
		r = h.document(u, up.name, up.mime, 200_000)
	}
	return r
}

// submit takes u from /apply to a submitted application of a Bachelor's
// student in year 2 with B1 Spanish, and returns its reference number.
func (h *harness) submit(u flows.User) string {
	h.tb.Helper()
	r := h.uploadAll(u, h.answer(u, "Bachelor's", "Year 2", projectMadrid, "B1"))
	r = h.press(u, r, "Confirm")
	wantText(h.tb, r, u.ID, "Your reference number is")
	a := h.application(u.ID)
	if a.State != flows.AppSubmitted || a.Ref == "" {
		h.tb.Fatalf("after Confirm, application = %+v; want submitted with a reference", a)
	}
	return a.Ref
}

// application loads userID's application, failing when there is none.
func (h *harness) application(userID int64) flows.Application {
	h.tb.Helper()
	a, err := h.engine.ApplicationOf(context.Background(), userID)
	if err != nil {
		h.tb.Fatalf("ApplicationOf(%d): %v", userID, err)
	}
	return a
}

func TestApplyShowsProgressAndSubmits(t *testing.T) {
	h := newHarness(t)
	u := user(studentA, "en")
	r := h.command(u, "apply", "")
	wantText(t, r, studentA, "Step 1 of 9")
	r = h.press(u, r, "Bachelor's")
	wantText(t, r, studentA, "Step 2 of 9")
	if _, ok := findButton(r, "Year 3"); !ok {
		t.Errorf("Bachelor's year buttons lack Year 3:%s", dump(r))
	}
	r = h.press(u, r, "Year 2")
	wantText(t, r, studentA, "Step 3 of 9")
	wantText(t, r, studentA, "Universidad Complutense de Madrid (Spanish)")
	r = h.press(u, r, projectMadrid)
	wantText(t, r, studentA, "Step 4 of 9")
	wantText(t, r, studentA, "certified level of Spanish")
	r = h.press(u, r, "B1")
	wantText(t, r, studentA, "Step 5 of 9")
	wantText(t, r, studentA, "CV in Italian")
	r = h.uploadAll(u, r)
	for _, want := range []string{"Degree: Bachelor's, year 2", "Project: Machine learning for public health",
		"Language: Spanish, level B1", "CV in Spanish: cv-es.docx", "language certificate: dele-b1.pdf"} {
		wantText(t, r, studentA, want)
	}
	r = h.press(u, r, "Confirm")
	wantText(t, r, studentA, "Your reference number is MIE-2027-0001")

	a := h.application(studentA)
	if a.Documents[flows.DocCVForeign].FileID != "file-cv-es.docx" {
		t.Errorf("CV in Spanish file id = %q; want file-cv-es.docx", a.Documents[flows.DocCVForeign].FileID)
	}
	if a.Degree != flows.DegreeBachelor || a.Year != 2 || a.ProjectID != "madrid-ai" || a.Language != "es" || a.Level != "B1" {
		t.Errorf("application = %+v", a)
	}
	wantText(t, h.command(u, "status", ""), studentA, "State: submitted")
	wantText(t, h.command(u, "apply", ""), studentA, "already submitted your application (MIE-2027-0001)")
}

func TestApplyInItalian(t *testing.T) {
	h := newHarness(t)
	u := user(studentB, "it")
	r := h.command(u, "apply", "")
	wantText(t, r, studentB, "Passo 1 di 9")
	r = h.press(u, r, "Laurea magistrale")
	if _, ok := findButton(r, "3° anno"); ok {
		t.Errorf("Master's offers a third year:%s", dump(r))
	}
	r = h.press(u, r, "2° anno")
	r = h.press(u, r, "European migration law")
	wantText(t, r, studentB, "livello certificato di francese")
}

func TestApplyIneligible(t *testing.T) {
	tests := []struct {
		name                  string
		degree, year, level   string
		want                  string
		wantDegree, wantLevel string
	}{
		{"bachelor first year", "Bachelor's", "Year 1", "", "from their second year", "", ""},
		{"bachelor below B1", "Bachelor's", "Year 3", "A2", "needs at least B1 in Spanish, and your level is A2", flows.DegreeBachelor, ""},
		{"master below B2", "Master's", "Year 1", "B1", "needs at least B2 in Spanish, and your level is B1", flows.DegreeMaster, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			u := user(studentA, "en")
			r := h.command(u, "apply", "")
			r = h.press(u, r, tt.degree)
			r = h.press(u, r, tt.year)
			if tt.level != "" {
				r = h.press(u, r, projectMadrid)
				r = h.press(u, r, tt.level)
			}
			wantText(t, r, studentA, tt.want)
			a := h.application(studentA)
			if a.Degree != tt.wantDegree || a.Level != tt.wantLevel || a.ProjectID != "" || a.State != flows.AppDraft {
				t.Errorf("draft after %s = %+v; want degree %q, no level, no project", tt.name, a, tt.wantDegree)
			}
			// The flow is over: a document now is not taken as an upload.
			r = h.document(u, "cv.pdf", pdfMIME, 100)
			wantText(t, r, studentA, "I did not understand that")
		})
	}
}

func TestApplyItalianIneligibleExplainsInItalian(t *testing.T) {
	h := newHarness(t)
	u := user(studentB, "it")
	r := h.command(u, "apply", "")
	r = h.press(u, r, "Laurea triennale")
	r = h.press(u, r, "1° anno")
	wantText(t, r, studentB, "dal secondo anno")
}

func TestApplyMasterB2IsEligible(t *testing.T) {
	h := newHarness(t)
	u := user(studentA, "en")
	r := h.answer(u, "Master's", "Year 2", projectMadrid, "B2")
	wantText(t, r, studentA, "Step 5 of 9")
}

func TestApplyBadUploads(t *testing.T) {
	tests := []struct {
		name string
		ev   flows.Event
		want string
	}{
		{"photo", flows.Event{Kind: flows.KindPhoto, File: &flows.File{FileID: "photo1", Size: 1000}}, "arrived as a photo"},
		{"sticker", flows.Event{Kind: flows.KindOther}, "I cannot use that"},
		{"text", flows.Event{Kind: flows.KindText, Text: "here is my CV"}, "I need a file here"},
		{"image as document", flows.Event{Kind: flows.KindDocument, File: &flows.File{FileID: "f", FileName: "scan.png", MIMEType: "image/png", Size: 1000}}, "Please send PDF, DOC or DOCX"},
		{"pdf name but zip type", flows.Event{Kind: flows.KindDocument, File: &flows.File{FileID: "f", FileName: "cv.pdf", MIMEType: "application/zip", Size: 1000}}, "Please send PDF, DOC or DOCX"},
		{"too big", flows.Event{Kind: flows.KindDocument, File: &flows.File{FileID: "f", FileName: "cv.pdf", MIMEType: pdfMIME, Size: 21 << 20}}, "That file is 21.0 MB; the limit is 20 MB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			u := user(studentA, "en")
			h.answer(u, "Bachelor's", "Year 2", projectMadrid, "B1")
			h.document(u, "cv-it.pdf", pdfMIME, 1000) // step 5 done
			before := h.application(studentA)
			ev := tt.ev
			ev.From = u
			r := h.handle(ev)
			wantText(t, r, studentA, tt.want)
			wantText(t, r, studentA, "Step 6 of 9") // the step is asked again
			after := h.application(studentA)
			if len(after.Documents) != 1 || after.Documents[flows.DocCVItalian] != before.Documents[flows.DocCVItalian] {
				t.Errorf("documents after %s = %+v; want only the CV in Italian", tt.name, after.Documents)
			}
			// Nothing is lost: the right file is taken next.
			r = h.document(u, "cv-es.pdf", pdfMIME, 1000)
			wantText(t, r, studentA, "Step 7 of 9")
		})
	}
}

func TestApplyCertificateMustBePDF(t *testing.T) {
	h := newHarness(t)
	u := user(studentA, "en")
	r := h.answer(u, "Bachelor's", "Year 2", projectMadrid, "B1")
	for _, up := range uploads[:4] {
		r = h.document(u, up.name, up.mime, 1000)
	}
	wantText(t, r, studentA, "Step 9 of 9")
	r = h.document(u, "cert.docx", docxMIME, 1000)
	wantText(t, r, studentA, "Please send PDF.")
	if _, ok := h.application(studentA).Documents[flows.DocLanguageCertified]; ok {
		t.Fatal("a DOCX certificate was accepted")
	}
	// A PDF whose client sent no specific type is recognised by name.
	r = h.document(u, "cert.PDF", "application/octet-stream", 1000)
	wantText(t, r, studentA, "Please check your application")
}

func TestApplyUsesButtonsOnButtonSteps(t *testing.T) {
	h := newHarness(t)
	u := user(studentA, "en")
	h.command(u, "apply", "")
	r := h.text(u, "Bachelor")
	wantText(t, r, studentA, "Please answer with the buttons")
	wantText(t, r, studentA, "Step 1 of 9")
	if a := h.application(studentA); a.Degree != "" {
		t.Errorf("typed text set degree %q", a.Degree)
	}
}

func TestApplyButtonsOfAnotherStepAreStale(t *testing.T) {
	h := newHarness(t)
	u := user(studentA, "en")
	first := h.command(u, "apply", "")
	r := h.press(u, first, "Bachelor's")
	// The degree keyboard again, now that the year is asked for.
	r = h.press(u, first, "Master's")
	if r.Notice == "" || len(r.Messages) != 0 {
		t.Fatalf("pressing an answered step's button = %s; want only a notice", dump(r))
	}
	if a := h.application(studentA); a.Degree != flows.DegreeBachelor {
		t.Errorf("degree = %q; want bachelor", a.Degree)
	}
	// Forged values on the current step change nothing either.
	b, _ := findButton(h.command(u, "apply", ""), "Year 2")
	for _, forged := range []string{strings.TrimSuffix(b.Data, "2") + "4", strings.TrimSuffix(b.Data, "2") + "x"} {
		r = h.pressData(u, forged)
		if r.Notice != "This button is not valid." {
			t.Errorf("press %q: notice %q; want not valid", forged, r.Notice)
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
	r = h.press(u, r, "Bachelor's")
	r = h.press(u, r, "Year 2")
	wantText(t, r, studentA, "Page 1 of 2")
	if _, ok := findButton(r, "Extra project 3"); ok {
		t.Fatalf("page 1 shows the eighth project:%s", dump(r))
	}
	r = h.press(u, r, "Next")
	wantText(t, r, studentA, "Page 2 of 2")
	r = h.press(u, r, "Extra project 3")
	wantText(t, r, studentA, "certified level of Portuguese")
}

func TestApplyDeadline(t *testing.T) {
	t.Run("apply refuses", func(t *testing.T) {
		h := newHarness(t)
		h.clock.Set(h.program.Deadline.Add(time.Minute))
		wantText(t, h.command(user(studentA, "en"), "apply", ""), studentA, "the deadline was March 31, 2027 at 23:59 CEST")
		wantText(t, h.command(user(studentB, "it"), "apply", ""), studentB, "la scadenza era il 31/03/2027 alle 23:59 CEST")
		if _, err := h.engine.ApplicationOf(context.Background(), studentA); !errors.Is(err, flows.ErrNotFound) {
			t.Errorf("ApplicationOf after refusal: %v; want ErrNotFound", err)
		}
	})
	t.Run("draft cannot be submitted", func(t *testing.T) {
		h := newHarness(t)
		u := user(studentA, "en")
		summary := h.uploadAll(u, h.answer(u, "Bachelor's", "Year 2", projectMadrid, "B1"))
		h.clock.Set(h.program.Deadline.Add(time.Second))
		r := h.press(u, summary, "Confirm")
		wantText(t, r, studentA, "can no longer be submitted")
		if a := h.application(studentA); a.State != flows.AppDraft || a.Ref != "" {
			t.Errorf("application after the deadline = %+v; want an unsubmitted draft", a)
		}
		wantText(t, h.command(u, "status", ""), studentA, "Your application is a draft: 9 of 9 steps done")
	})
	t.Run("last minute", func(t *testing.T) {
		h := newHarness(t)
		u := user(studentA, "en")
		summary := h.uploadAll(u, h.answer(u, "Bachelor's", "Year 2", projectMadrid, "B1"))
		h.clock.Set(h.program.Deadline)
		wantText(t, h.press(u, summary, "Confirm"), studentA, "Your reference number is")
	})
}

func TestApplyResumesAfterRestart(t *testing.T) {
	rdb, prefix := redistest.Client(t)
	program := loadProgram(t)
	first := newHarnessWith(t, redisstore.New(rdb, redisstore.Options{Prefix: prefix}), program)
	u := user(studentA, "en")
	first.answer(u, "Bachelor's", "Year 2", projectMadrid, "B1")
	first.document(u, "cv-it.pdf", pdfMIME, 1000)

	// A new process: a new engine over a new client of the same Redis.
	second := newHarnessWith(t, redisstore.New(rdb, redisstore.Options{Prefix: prefix}), program)
	second.update = 1000
	r := second.document(u, "cv-es.pdf", pdfMIME, 1000)
	wantText(t, r, studentA, "Step 7 of 9")
	r = second.command(u, "apply", "")
	wantText(t, r, studentA, "Welcome back")
	wantText(t, r, studentA, "Step 7 of 9")
	for _, up := range uploads[2:] {
		r = second.document(u, up.name, up.mime, 1000)
	}
	r = second.press(u, r, "Confirm")
	wantText(t, r, studentA, "MIE-2027-0001")
	if a := first.application(studentA); a.State != flows.AppSubmitted || a.Documents[flows.DocCVItalian].FileID != "file-cv-it.pdf" {
		t.Errorf("application seen by the first engine = %+v", a)
	}
}

func TestApplyStartAgain(t *testing.T) {
	h := newHarness(t)
	u := user(studentA, "en")
	summary := h.uploadAll(u, h.answer(u, "Bachelor's", "Year 2", projectMadrid, "B1"))
	r := h.press(u, summary, "Start again")
	wantText(t, r, studentA, "Step 1 of 9")
	if a := h.application(studentA); a.Degree != "" || len(a.Documents) != 0 {
		t.Errorf("draft after Start again = %+v; want empty", a)
	}
}

func TestStatusStates(t *testing.T) {
	h := newHarness(t)
	u := user(studentA, "en")
	wantText(t, h.command(u, "status", ""), studentA, "You have not applied yet")
	h.command(u, "apply", "")
	wantText(t, h.command(u, "status", ""), studentA, "0 of 9 steps done")
	h.press(u, h.command(u, "apply", ""), "Bachelor's")
	wantText(t, h.command(u, "status", ""), studentA, "1 of 9 steps done")
}

func TestWithdraw(t *testing.T) {
	t.Run("draft", func(t *testing.T) {
		h := newHarness(t)
		u := user(studentA, "en")
		h.answer(u, "Bachelor's", "Year 2", projectMadrid, "B1")
		r := h.command(u, "withdraw", "")
		wantText(t, h.press(u, r, "No, keep it"), studentA, "Nothing changed")
		if a := h.application(studentA); a.Level != "B1" {
			t.Fatalf("draft after No = %+v", a)
		}
		r = h.command(u, "withdraw", "")
		wantText(t, h.press(u, r, "Yes, withdraw"), studentA, "Your draft has been deleted")
		if _, err := h.engine.ApplicationOf(context.Background(), studentA); !errors.Is(err, flows.ErrNotFound) {
			t.Errorf("ApplicationOf after deleting the draft: %v; want ErrNotFound", err)
		}
	})
	t.Run("submitted", func(t *testing.T) {
		h := newHarness(t)
		u := user(studentA, "en")
		ref := h.submit(u)
		r := h.command(u, "withdraw", "")
		wantText(t, r, studentA, "withdraw your application "+ref)
		wantText(t, h.text(u, "yes"), studentA, "Please answer with the buttons")
		wantText(t, h.press(u, r, "Yes, withdraw"), studentA, ref+" has been withdrawn")
		wantText(t, h.command(u, "status", ""), studentA, "State: withdrawn")
		wantText(t, h.command(u, "withdraw", ""), studentA, "already withdrawn")
		wantText(t, h.command(user(staffID, "en"), "applications", ""), staffID, "Machine learning for public health: 0 applications")
	})
	t.Run("nothing", func(t *testing.T) {
		h := newHarness(t)
		wantText(t, h.command(user(studentA, "en"), "withdraw", ""), studentA, "no application to withdraw")
	})
}

func TestWithdrawForgedForAnotherApplication(t *testing.T) {
	h := newHarness(t)
	a, b := user(studentA, "en"), user(studentB, "en")
	b.Username = "bea"
	refA, refB := h.submit(a), h.submit(b)
	r := h.command(b, "withdraw", "")
	yes, ok := findButton(r, "Yes, withdraw")
	if !ok {
		t.Fatalf("no withdraw button:%s", dump(r))
	}
	forged := strings.TrimSuffix(yes.Data, refB) + refA
	r = h.pressData(b, forged)
	if r.Notice != "This button is not valid." || len(r.Messages) != 0 {
		t.Errorf("forged withdraw = %s; want only a notice", dump(r))
	}
	for _, id := range []int64{studentA, studentB} {
		if got := h.application(id).State; got != flows.AppSubmitted {
			t.Errorf("state of %d after a forged withdraw = %s; want submitted", id, got)
		}
	}
}

func TestApplyOnlyInPrivate(t *testing.T) {
	h := newHarness(t)
	r := h.handle(flows.Event{Kind: flows.KindCommand, ChatID: -100123, ChatType: flows.ChatSupergroup,
		From: user(studentA, "en"), Command: "apply"})
	wantText(t, r, -100123, "private chat")
}
