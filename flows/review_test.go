package flows_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/mentorbot/mentorbot/flows"
	"github.com/mentorbot/mentorbot/flows/records"
)

// people of the review tests.
var (
	staff  = flows.User{ID: staffID, FirstName: "Sara", Username: "sara", LanguageCode: "en"}
	mentor = flows.User{ID: mentorID, FirstName: "Marta", Username: "marta", LanguageCode: "it"}
	ada    = flows.User{ID: studentA, FirstName: "Ada", Username: "ada", LanguageCode: "en"}
	bruno  = flows.User{ID: studentB, FirstName: "Bruno", LanguageCode: "en"}
)

// open has staff open application ref from /applications.
func (h *harness) open(ref string) flows.Reply {
	h.tb.Helper()
	r := h.command(staff, "applications", madrid)
	return h.pressAction(staff, r, "open", ref)
}

// files returns the file ids of the attachments in r.
func files(r flows.Reply) []string {
	var ids []string
	for _, m := range r.Messages {
		if m.File != nil {
			ids = append(ids, m.File.FileID)
		}
	}
	return ids
}

// state returns the state of application ref.
func (h *harness) state(ref string) records.AppState {
	h.tb.Helper()
	a, err := h.rec.Application(context.Background(), ref)
	if err != nil {
		h.tb.Fatalf("Application(%s): %v", ref, err)
	}
	return a.State
}

// interviewAcceptMatch has staff invite the applicant of ref to an
// interview from the card r, accept and match them, checking that
// the applicant sees the interview but no decision before /publish.
func interviewAcceptMatch(t *testing.T, h *harness, r flows.Reply, ref string) {
	t.Helper()
	r = h.pressAction(staff, r, "int", ref)
	wantSaid(t, r, staffID, "review.ask.note")
	wantText(t, r, staffID, ref)
	r = h.text(staff, "Tuesday 10:00, https://meet.example/abc")
	wantSaid(t, r, studentA, "review.interview.notice")
	wantText(t, r, studentA, "Tuesday 10:00, https://meet.example/abc")
	wantSaid(t, r, staffID, "review.done.int")
	wantText(t, r, staffID, "State: interview")
	wantText(t, h.command(ada, "status", ""), studentA, "Interview: Tuesday 10:00")

	r = h.pressAction(staff, r, "acc", ref)
	wantSaid(t, r, staffID, "review.done.acc")
	wantText(t, r, staffID, ref)
	if got := textTo(r, studentA); got != "" {
		t.Errorf("accepting told the applicant %q; results go out with /publish", got)
	}
	wantText(t, h.command(ada, "status", ""), studentA, "State: under review")
	r = h.pressAction(staff, r, "match", ref)
	wantSaid(t, r, staffID, "review.done.match")
	wantText(t, r, staffID, ref)
	wantText(t, h.command(ada, "status", ""), studentA, "State: under review")
}

func TestEligibleBachelorFromApplyToMatch(t *testing.T) {
	h := newHarness(t)
	h.command(mentor, "start", "")
	ref := h.submit(ada)

	wantSaid(t, h.command(staff, "applications", "lyon-law"), staffID, "review.list.page")
	wantText(t, h.command(staff, "applications", "lyon-law"), staffID, "Applications: 0 applications")
	r := h.command(staff, "applications", "")
	wantSaid(t, r, staffID, "review.list.page")
	wantText(t, r, staffID, "Applications: 1 application")
	r = h.press(staff, r, ref+" · Ada (@ada) · submitted")
	want := []string{"file-cv-it.pdf", "file-cv-es.docx", "file-letter-it.doc", "file-letter-es.pdf", "file-dele-b1.pdf"}
	if got := files(r); !reflect.DeepEqual(got, want) {
		t.Errorf("documents sent back = %v; want %v", got, want)
	}
	wantSaid(t, r, staffID, "review.card")
	wantText(t, r, staffID, "State: under review")
	wantText(t, h.command(ada, "status", ""), studentA, "State: under review")

	interviewAcceptMatch(t, h, r, ref)

	r = h.command(staff, "publish", "")
	wantSaid(t, r, staffID, "review.publish.confirm")
	wantText(t, r, staffID, "1 match, 0 rejections")
	r = h.pressAction(staff, r, "publish", "")
	wantSaid(t, r, staffID, "review.publish.done")
	wantText(t, r, staffID, "1 match, 0 rejections")
	wantSaid(t, r, studentA, "review.result.matched")
	wantText(t, r, studentA, "Marta (@marta)")
	wantSaid(t, r, mentorID, "review.intro.mentor")
	wantText(t, r, mentorID, "Hai un nuovo mentee per Machine learning for public health: Ada (@ada)")

	m, err := h.rec.Mentorship(context.Background(), ref)
	if err != nil {
		t.Fatal(err)
	}
	if m.MenteeID != studentA || m.MentorID != mentorID || m.ProjectID != "madrid-ai" {
		t.Errorf("mentorship = %+v", m)
	}
	r = h.command(ada, "status", "")
	wantText(t, r, studentA, "State: accepted and matched with a mentor")
	wantText(t, r, studentA, "Your mentor: Marta (@marta)")
	wantSaid(t, h.command(ada, "withdraw", ""), studentA, "apply.withdraw.decided")

	r = h.command(staff, "publish", "")
	wantSaid(t, r, staffID, "review.publish.nothing")
	if len(r.Messages) != 1 {
		t.Errorf("second /publish = %s; want only the staff told", dump(r))
	}
}

func TestRejectionsArePublishedTogether(t *testing.T) {
	h := newHarness(t)
	it := ada
	refA, refB := h.submit(it), h.submit(bruno)
	h.press(it, h.command(it, "language", ""), "Italiano")

	r := h.pressAction(staff, h.open(refA), "rej", refA)
	wantSaid(t, r, staffID, "review.ask.reason")
	wantText(t, r, staffID, refA)
	r = h.text(staff, "Certificato scaduto")
	wantSaid(t, r, staffID, "review.done.rej")
	wantText(t, r, staffID, refA)
	if textTo(r, studentA) != "" {
		t.Errorf("rejecting told the applicant before publication:%s", dump(r))
	}
	r = h.pressAction(staff, h.open(refB), "rej", refB)
	r = h.pressAction(staff, r, "noreason", "")
	wantSaid(t, r, staffID, "review.done.rej")
	wantText(t, r, staffID, refB)
	wantText(t, h.command(bruno, "status", ""), studentB, "State: under review")

	r = h.pressAction(staff, h.command(staff, "publish", ""), "publish", "")
	wantSaid(t, r, staffID, "review.publish.done")
	wantText(t, r, staffID, "0 matches, 2 rejections")
	wantSaid(t, r, studentA, "review.result.rejected_reason")
	wantText(t, r, studentA, "non è stata accettata.\nMotivo: Certificato scaduto")
	wantSaid(t, r, studentB, "review.result.rejected")
	if got := saidTo(r, studentB); slices.Contains(got, "review.result.rejected_reason") {
		t.Errorf("rejection without reason mentions one: %q", got)
	}
	r = h.command(it, "status", "")
	wantText(t, r, studentA, "Stato: non accettata")
	wantText(t, r, studentA, "Motivo: Certificato scaduto")
	// Published decisions take no more actions.
	r = h.open(refA)
	if _, ok := buttonFor(r, staffID, "acc", refA); ok {
		t.Errorf("a published application offers actions:%s", dump(r))
	}
}

func TestHeldIntroductionReachesMentorOnStart(t *testing.T) {
	h := newHarness(t)
	ref := h.submit(ada)
	r := h.pressAction(staff, h.open(ref), "acc", ref)
	h.pressAction(staff, r, "match", ref)
	r = h.pressAction(staff, h.command(staff, "publish", ""), "publish", "")
	wantSaid(t, r, staffID, "review.publish.held")
	wantText(t, r, staffID, "mentor 200000001 of Machine learning for public health, mentee Ada (@ada)")
	wantSaid(t, r, studentA, "review.result.matched_wait")
	if got := textTo(r, mentorID); got != "" {
		t.Errorf("publication wrote to a mentor who never started the bot: %q", got)
	}
	if _, err := h.rec.Mentorship(context.Background(), ref); err != nil {
		t.Errorf("mentorship not created while the introduction is held: %v", err)
	}

	r = h.command(mentor, "start", "")
	wantSaid(t, r, mentorID, "review.intro.mentor")
	wantText(t, r, mentorID, "Hai un nuovo mentee per Machine learning for public health: Ada (@ada)")
	wantText(t, r, mentorID, "Ciao Marta")
	wantSaid(t, r, studentA, "review.intro.mentor_ready")
	wantText(t, r, studentA, "Machine learning for public health")
	wantText(t, r, studentA, "Marta (@marta)")

	r = h.command(mentor, "start", "")
	if slices.Contains(saidTo(r, mentorID), "review.intro.mentor") || strings.Contains(textTo(r, mentorID), "mentee") || textTo(r, studentA) != "" {
		t.Errorf("second /start delivered the introduction again:%s", dump(r))
	}
}

func TestNonStaffCannotReview(t *testing.T) {
	h := newHarness(t)
	ref := h.submit(ada)
	for _, cmd := range []struct{ name, args string }{{"applications", ""}, {"publish", ""}, {"export", "applications"}} {
		r := h.command(bruno, cmd.name, cmd.args)
		wantSaid(t, r, studentB, "error.not_allowed")
		if len(r.Messages) != 1 || r.Messages[0].File != nil {
			t.Errorf("/%s %s by a student = %s; want only the refusal", cmd.name, cmd.args, dump(r))
		}
	}
	before := h.application(studentA)
	for _, data := range []string{
		"1:review:open::" + ref, "1:review:acc::" + ref, "1:review:rej::" + ref, "1:review:int::" + ref,
		"1:review:match::" + ref, "1:review:proj::madrid-ai", "1:review:publish:abcdef:", "1:review:noreason:abcdef:",
	} {
		for _, u := range []flows.User{bruno, ada} {
			r := h.pressData(u, data)
			if r.Notice == "" || len(r.Messages) != 0 {
				t.Errorf("press %q by %d = %s; want only a notice", data, u.ID, dump(r))
			}
		}
	}
	if after := h.application(studentA); !reflect.DeepEqual(after, before) {
		t.Errorf("application after forged presses = %+v; want %+v", after, before)
	}
}

func TestStaffActionsMustFitTheState(t *testing.T) {
	h := newHarness(t)
	ref := h.submit(ada)
	r := h.pressData(staff, "1:review:match::"+ref)
	wantSaid(t, r, staffID, "review.not_now")
	if got := h.state(ref); got != records.AppSubmitted {
		t.Errorf("state after a premature match = %s; want submitted", got)
	}
	r = h.pressData(staff, "1:review:acc::MIE-2027-9999")
	if r.NoticeID != "review.gone" {
		t.Errorf("action on an unknown application: notice %s (%q); want review.gone", r.NoticeID, r.Notice)
	}
	// A confirmation button without its flow run's nonce is refused.
	r = h.pressData(staff, "1:review:publish::")
	if r.NoticeID != "error.bad_button" || len(r.Messages) != 0 {
		t.Errorf("publish without nonce = %s", dump(r))
	}
}

func TestReviewNoteValidation(t *testing.T) {
	h := newHarness(t)
	ref := h.submit(ada)
	r := h.pressAction(staff, h.open(ref), "int", ref)
	for _, bad := range []flows.Event{
		{Kind: flows.KindText, Text: strings.Repeat("x", 1001)},
		{Kind: flows.KindText, Text: "   "},
		{Kind: flows.KindDocument, File: &flows.File{FileID: "f", FileName: "note.pdf", MIMEType: pdfMIME}},
	} {
		bad.From = staff
		got := h.handle(bad)
		wantSaid(t, got, staffID, "review.bad_text")
		wantText(t, got, staffID, "1000")
		if textTo(got, studentA) != "" || h.state(ref) != records.AppReview {
			t.Errorf("bad note %.20q changed something:%s", bad.Text, dump(got))
		}
	}
	wantSaid(t, h.pressAction(staff, r, "cancel", ""), staffID, "review.cancelled")
	if a := h.application(studentA); a.State != records.AppReview || a.Note != "" {
		t.Errorf("application after a cancelled note = %+v", a)
	}
}

func TestExportApplications(t *testing.T) {
	h := newHarness(t)
	evil := ada
	evil.FirstName = "=HYPERLINK(\"x\")"
	ref := h.submit(evil)
	h.submit(bruno)

	r := h.command(staff, "export", "applications")
	wantSaid(t, r, staffID, "job.started")
	jobs := h.runJobs(r)
	if len(jobs) != 1 || jobs[0].TextID != "export.applications" || !strings.HasSuffix(jobs[0].FileName, ".csv") {
		t.Fatalf("/export applications started %+v; want one CSV export", jobs)
	}
	if want := h.renderedN("en", "export.applications", 2, nil); jobs[0].Text != want {
		t.Errorf("export caption %q; want %q", jobs[0].Text, want)
	}
	content, ok := bytes.CutPrefix(jobs[0].Content, []byte("\uFEFF"))
	if !ok {
		t.Errorf("CSV does not start with a UTF-8 byte order mark")
	}
	rows, err := csv.NewReader(bytes.NewReader(content)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 {
		t.Fatalf("CSV has %d rows; want a header and 2", len(rows))
	}
	col := make(map[string]int)
	for i, name := range rows[0] {
		col[name] = i
	}
	row := rows[1]
	for name, want := range map[string]string{"ref": ref, "state": "submitted", "first_name": "'=HYPERLINK(\"x\")",
		"username": "ada", "degree": "bachelor", "year": "2", "project_id": "madrid-ai", "level": "B1", "cv_foreign": "cv-es.docx"} {
		if got := row[col[name]]; got != want {
			t.Errorf("CSV %s = %q; want %q", name, got, want)
		}
	}

	for _, args := range []string{"", "nonsense"} {
		r := h.command(staff, "export", args)
		wantSaid(t, r, staffID, "export.usage")
		wantText(t, r, staffID, "applications")
	}
}

func TestErasedApplicantLeavesAnAnonymousRecord(t *testing.T) {
	h := newHarness(t)
	ref := h.submit(ada)
	h.pressAction(ada, h.command(ada, "deletemydata", ""), "delete", "")
	a, err := h.rec.Application(context.Background(), ref)
	if err != nil {
		t.Fatal(err)
	}
	if a.UserID != 0 || len(a.Documents) != 0 || a.ProjectID != "madrid-ai" {
		t.Errorf("record after erasure = %+v; want anonymous, project kept", a)
	}
	for _, job := range h.runJobs(h.command(staff, "export", "applications")) {
		if bytes.Contains(job.Content, []byte("ada")) {
			t.Errorf("export after erasure still names the applicant:\n%s", job.Content)
		}
	}
	wantSaid(t, h.command(ada, "status", ""), studentA, "apply.status.none")
}

// TestComposedMessageIDsExist covers the ids the flows build from a
// state, degree, document kind or action, which the source scan of
// TestEveryMessageIDExists cannot see.
func TestComposedMessageIDsExist(t *testing.T) {
	cat := newHarness(t).engine.Catalog()
	var ids []string
	for _, s := range []records.AppState{records.AppDraft, records.AppSubmitted, records.AppReview, records.AppInterview,
		records.AppAccepted, records.AppRejected, records.AppWithdrawn, records.AppMatched} {
		ids = append(ids, "apply.state."+string(s), "review.state."+string(s))
	}
	for _, d := range []string{flows.DegreeBachelor, flows.DegreeMaster} {
		ids = append(ids, "apply.degree."+d)
	}
	for _, k := range []string{records.DocCVItalian, records.DocCVForeign, records.DocLetterItalian, records.DocLetterForeign, records.DocLanguageCertified} {
		ids = append(ids, "apply.doc."+k)
	}
	for _, a := range []string{"int", "acc", "rej", "match"} {
		ids = append(ids, "review.action."+a, "review.done."+a)
	}
	for _, lang := range cat.Languages() {
		for _, id := range ids {
			if got := cat.T(lang, id, map[string]any{"Language": "x", "Ref": "R"}); got == id {
				t.Errorf("T(%q, %q) = %q; want a message", lang, id, got)
			}
		}
	}
}

func TestHalfWrittenNoteDoesNotLandOnAnotherDecision(t *testing.T) {
	h := newHarness(t)
	refA, refB := h.submit(ada), h.submit(bruno)
	h.pressAction(staff, h.open(refA), "int", refA)
	h.pressAction(staff, h.open(refB), "acc", refB)
	r := h.text(staff, "Monday 9:00")
	if textTo(r, studentA) != "" || h.state(refA) != records.AppReview {
		t.Errorf("text after another decision became %s's note:%s", refA, dump(r))
	}
	if h.state(refB) != records.AppAccepted {
		t.Errorf("state of %s = %s; want accepted", refB, h.state(refB))
	}
}

// TestMatchGoesToTheInvitedMentor: a mentor who joined through an
// invite replaces the programme file's one, also when the invite comes
// between the match and the publication.
func TestMatchGoesToTheInvitedMentor(t *testing.T) {
	const invited = 200000099
	for _, when := range []string{"before match", "before publish"} {
		t.Run(when, func(t *testing.T) {
			h := newHarness(t)
			newMentor := flows.User{ID: invited, FirstName: "Lucía", Username: "lucia", LanguageCode: "es"}
			h.command(newMentor, "start", "")
			setMentor := func() {
				if err := h.engine.SetMentor(context.Background(), "madrid-ai", invited); err != nil {
					t.Fatal(err)
				}
			}
			if when == "before match" {
				setMentor()
			}
			ref := h.submit(ada)
			r := h.command(staff, "applications", "")
			r = h.press(staff, r, ref+" · Ada (@ada) · submitted")
			r = h.pressAction(staff, r, "acc", ref)
			h.pressAction(staff, r, "match", ref)
			if when == "before publish" {
				setMentor()
			}
			r = h.command(staff, "publish", "")
			r = h.pressAction(staff, r, "publish", "")
			wantSaid(t, r, studentA, "review.result.matched")
			wantText(t, r, studentA, "Lucía (@lucia)")
			if got := textTo(r, mentorID); got != "" {
				t.Errorf("the replaced mentor was told %q", got)
			}
			m, err := h.rec.Mentorship(context.Background(), ref)
			if err != nil {
				t.Fatal(err)
			}
			if m.MentorID != invited {
				t.Errorf("mentorship mentor = %d; want the invited %d", m.MentorID, invited)
			}
		})
	}
}

// TestExportApplicationsAsSpreadsheet: "/export applications xlsx"
// gives a workbook with the same header and one row per application;
// a name that looks like a formula stays a string.
func TestExportApplicationsAsSpreadsheet(t *testing.T) {
	h := newHarness(t)
	evil := ada
	evil.FirstName = "=HYPERLINK(\"x\")"
	ref := h.submit(evil)
	h.submit(bruno)
	jobs := h.runJobs(h.command(staff, "export", "applications xlsx"))
	if len(jobs) != 1 || !strings.HasSuffix(jobs[0].FileName, ".xlsx") {
		t.Fatalf("/export applications xlsx started %+v; want one spreadsheet", jobs)
	}
	f, err := excelize.OpenReader(bytes.NewReader(jobs[0].Content))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows(f.GetSheetName(0))
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 || rows[0][0] != "ref" || rows[1][0] != ref {
		t.Fatalf("spreadsheet rows = %q; want a header and 2, %s first", rows, ref)
	}
	formula, err := f.GetCellFormula(f.GetSheetName(0), "G2")
	if err != nil || formula != "" || rows[1][6] != evil.FirstName {
		t.Errorf("first_name cell = %q with formula %q (%v); want the name as a plain string", rows[1][6], formula, err)
	}
}

// TestStaffUndoUntilPublished: a match and a decision can be taken
// back until the results are published, each in the audit log; after
// publication no undo is offered and a forged one changes nothing.
func TestStaffUndoUntilPublished(t *testing.T) {
	h := newHarness(t)
	h.command(mentor, "start", "")
	ref := h.submit(ada)
	r := h.open(ref)
	r = h.pressAction(staff, r, "acc", ref)
	r = h.pressAction(staff, r, "match", ref)
	r = h.pressAction(staff, r, "unmatch", ref)
	wantSaid(t, r, staffID, "review.done.unmatch")
	if a := h.application(studentA); a.State != records.AppAccepted || a.MentorID != 0 {
		t.Errorf("after undoing the match: state %s, mentor %d; want accepted without a mentor", a.State, a.MentorID)
	}
	r = h.pressAction(staff, r, "undo", ref)
	wantSaid(t, r, staffID, "review.done.undo")
	if a := h.application(studentA); a.State != records.AppReview {
		t.Errorf("after undoing the decision: state %s; want review", a.State)
	}
	entries, _, err := h.rec.AuditPage(context.Background(), 0, 20)
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range entries {
		if e.Actor == staffID && e.Target == studentA {
			actions = append(actions, e.Action)
		}
	}
	for _, want := range []string{"review.unmatch", "review.undo"} {
		if !slices.Contains(actions, want) {
			t.Errorf("audit actions %v; want %s among them", actions, want)
		}
	}

	r = h.pressAction(staff, r, "acc", ref)
	h.pressAction(staff, r, "match", ref)
	h.pressAction(staff, h.command(staff, "publish", ""), "publish", "")
	card := h.open(ref)
	for _, action := range []string{"unmatch", "undo"} {
		if _, ok := buttonFor(card, staffID, action, ref); ok {
			t.Errorf("card after publication offers %s", action)
		}
	}
	h.pressData(staff, "1:review:unmatch::"+ref)
	if a := h.application(studentA); a.State != records.AppMatched || a.MentorID == 0 {
		t.Errorf("a forged undo after publication left state %s, mentor %d; want matched", a.State, a.MentorID)
	}
}
