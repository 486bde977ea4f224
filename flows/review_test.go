package flows_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"reflect"
	"strings"
	"testing"

	"github.com/mentorbot/mentorbot/flows"
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
	r := h.command(staff, "applications", "")
	r = h.press(staff, r, projectMadrid)
	return h.press(staff, r, ref)
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
func (h *harness) state(ref string) flows.AppState {
	h.tb.Helper()
	a, err := h.engine.Application(context.Background(), ref)
	if err != nil {
		h.tb.Fatalf("Application(%s): %v", ref, err)
	}
	return a.State
}

func TestEligibleBachelorFromApplyToMatch(t *testing.T) {
	h := newHarness(t)
	h.command(mentor, "start", "")
	ref := h.submit(ada)

	r := h.command(staff, "applications", "")
	wantText(t, r, staffID, "Machine learning for public health: 1 application")
	wantText(t, r, staffID, "European migration law: 0 applications")
	r = h.press(staff, r, projectMadrid+" (1)")
	r = h.press(staff, r, ref+" · Ada (@ada) · submitted")
	want := []string{"file-cv-it.pdf", "file-cv-es.docx", "file-letter-it.doc", "file-letter-es.pdf", "file-dele-b1.pdf"}
	if got := files(r); !reflect.DeepEqual(got, want) {
		t.Errorf("documents sent back = %v; want %v", got, want)
	}
	wantText(t, r, staffID, "State: under review")
	wantText(t, h.command(ada, "status", ""), studentA, "State: under review")

	r = h.press(staff, r, "Interview")
	wantText(t, r, staffID, "Write the interview note for "+ref)
	r = h.text(staff, "Tuesday 10:00, https://meet.example/abc")
	wantText(t, r, studentA, "you are invited to an interview.\nTuesday 10:00, https://meet.example/abc")
	wantText(t, r, staffID, "State: interview")
	wantText(t, h.command(ada, "status", ""), studentA, "Interview: Tuesday 10:00")

	r = h.press(staff, r, "Accept")
	wantText(t, r, staffID, ref+" is accepted")
	if got := textTo(r, studentA); got != "" {
		t.Errorf("accepting told the applicant %q; results go out with /publish", got)
	}
	wantText(t, h.command(ada, "status", ""), studentA, "State: under review")
	r = h.press(staff, r, "Match with mentor")
	wantText(t, r, staffID, ref+" is matched")
	wantText(t, h.command(ada, "status", ""), studentA, "State: under review")

	r = h.command(staff, "publish", "")
	wantText(t, r, staffID, "1 match, 0 rejections")
	r = h.press(staff, r, "Publish results")
	wantText(t, r, staffID, "Results published: 1 match, 0 rejections")
	wantText(t, r, studentA, "Your mentor is Marta (@marta). Please write to your mentor")
	wantText(t, r, mentorID, "Hai un nuovo mentee per Machine learning for public health: Ada (@ada)")

	m, err := h.engine.Mentorship(context.Background(), ref)
	if err != nil {
		t.Fatal(err)
	}
	if m.MenteeID != studentA || m.MentorID != mentorID || m.ProjectID != "madrid-ai" {
		t.Errorf("mentorship = %+v", m)
	}
	r = h.command(ada, "status", "")
	wantText(t, r, studentA, "State: accepted and matched with a mentor")
	wantText(t, r, studentA, "Your mentor: Marta (@marta)")
	wantText(t, h.command(ada, "withdraw", ""), studentA, "can no longer be withdrawn")

	r = h.command(staff, "publish", "")
	wantText(t, r, staffID, "no new results")
	if len(r.Messages) != 1 {
		t.Errorf("second /publish = %s; want only the staff told", dump(r))
	}
}

func TestRejectionsArePublishedTogether(t *testing.T) {
	h := newHarness(t)
	it := ada
	refA, refB := h.submit(it), h.submit(bruno)
	h.press(it, h.command(it, "language", ""), "Italiano")

	r := h.press(staff, h.open(refA), "Reject")
	wantText(t, r, staffID, "Write the reason for rejecting "+refA)
	r = h.text(staff, "Certificato scaduto")
	wantText(t, r, staffID, refA+" is rejected")
	if textTo(r, studentA) != "" {
		t.Errorf("rejecting told the applicant before publication:%s", dump(r))
	}
	r = h.press(staff, h.open(refB), "Reject")
	r = h.press(staff, r, "Reject without a reason")
	wantText(t, r, staffID, refB+" is rejected")
	wantText(t, h.command(bruno, "status", ""), studentB, "State: under review")

	r = h.press(staff, h.command(staff, "publish", ""), "Publish results")
	wantText(t, r, staffID, "0 matches, 2 rejections")
	wantText(t, r, studentA, "non è stata accettata.\nMotivo: Certificato scaduto")
	wantText(t, r, studentB, "was not accepted this time. Thank you")
	if strings.Contains(textTo(r, studentB), "Reason") {
		t.Errorf("rejection without reason mentions one: %q", textTo(r, studentB))
	}
	r = h.command(it, "status", "")
	wantText(t, r, studentA, "Stato: non accettata")
	wantText(t, r, studentA, "Motivo: Certificato scaduto")
	// Published decisions take no more actions.
	r = h.open(refA)
	if _, ok := findButton(r, "Accept"); ok {
		t.Errorf("a published application offers actions:%s", dump(r))
	}
}

func TestHeldIntroductionReachesMentorOnStart(t *testing.T) {
	h := newHarness(t)
	ref := h.submit(ada)
	r := h.press(staff, h.open(ref), "Accept")
	h.press(staff, r, "Match with mentor")
	r = h.press(staff, h.command(staff, "publish", ""), "Publish results")
	wantText(t, r, staffID, "never opened the bot")
	wantText(t, r, staffID, "mentor 200000001 of Machine learning for public health, mentee Ada (@ada)")
	wantText(t, r, studentA, "We will send you your mentor's contact as soon as they join")
	if got := textTo(r, mentorID); got != "" {
		t.Errorf("publication wrote to a mentor who never started the bot: %q", got)
	}
	if _, err := h.engine.Mentorship(context.Background(), ref); err != nil {
		t.Errorf("mentorship not created while the introduction is held: %v", err)
	}

	r = h.command(mentor, "start", "")
	wantText(t, r, mentorID, "Hai un nuovo mentee per Machine learning for public health: Ada (@ada)")
	wantText(t, r, mentorID, "Ciao Marta")
	wantText(t, r, studentA, "Your mentor for Machine learning for public health is Marta (@marta)")

	r = h.command(mentor, "start", "")
	if strings.Contains(textTo(r, mentorID), "mentee") || textTo(r, studentA) != "" {
		t.Errorf("second /start delivered the introduction again:%s", dump(r))
	}
}

func TestNonStaffCannotReview(t *testing.T) {
	h := newHarness(t)
	ref := h.submit(ada)
	for _, cmd := range []struct{ name, args string }{{"applications", ""}, {"publish", ""}, {"export", "applications"}} {
		r := h.command(bruno, cmd.name, cmd.args)
		wantText(t, r, studentB, "reserved for programme staff")
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
	wantText(t, r, staffID, "does not fit the application's current state")
	if got := h.state(ref); got != flows.AppSubmitted {
		t.Errorf("state after a premature match = %s; want submitted", got)
	}
	r = h.pressData(staff, "1:review:acc::MIE-2027-9999")
	if r.Notice != "This application no longer exists." {
		t.Errorf("action on an unknown application: notice %q", r.Notice)
	}
	// A confirmation button without its flow run's nonce is refused.
	r = h.pressData(staff, "1:review:publish::")
	if r.Notice != "This button is not valid." || len(r.Messages) != 0 {
		t.Errorf("publish without nonce = %s", dump(r))
	}
}

func TestReviewNoteValidation(t *testing.T) {
	h := newHarness(t)
	ref := h.submit(ada)
	r := h.press(staff, h.open(ref), "Interview")
	for _, bad := range []flows.Event{
		{Kind: flows.KindText, Text: strings.Repeat("x", 1001)},
		{Kind: flows.KindText, Text: "   "},
		{Kind: flows.KindDocument, File: &flows.File{FileID: "f", FileName: "note.pdf", MIMEType: pdfMIME}},
	} {
		bad.From = staff
		got := h.handle(bad)
		wantText(t, got, staffID, "Please write a text of 1 to 1000 characters")
		if textTo(got, studentA) != "" || h.state(ref) != flows.AppReview {
			t.Errorf("bad note %.20q changed something:%s", bad.Text, dump(got))
		}
	}
	wantText(t, h.press(staff, r, "Cancel"), staffID, "nothing changed")
	if a := h.application(studentA); a.State != flows.AppReview || a.Note != "" {
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
	if len(r.Messages) != 1 || r.Messages[0].File == nil {
		t.Fatalf("/export applications = %s; want one document", dump(r))
	}
	wantText(t, r, staffID, "2 applications, as CSV")
	rows, err := csv.NewReader(bytes.NewReader(r.Messages[0].File.Content)).ReadAll()
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
		wantText(t, r, staffID, "/export NAME, where NAME is one of: ")
		wantText(t, r, staffID, "applications")
	}
}

func TestErasedApplicantLeavesAnAnonymousRecord(t *testing.T) {
	h := newHarness(t)
	ref := h.submit(ada)
	h.press(ada, h.command(ada, "deletemydata", ""), "Yes")
	a, err := h.engine.Application(context.Background(), ref)
	if err != nil {
		t.Fatal(err)
	}
	if a.UserID != 0 || len(a.Documents) != 0 || a.ProjectID != "madrid-ai" {
		t.Errorf("record after erasure = %+v; want anonymous, project kept", a)
	}
	r := h.command(staff, "export", "applications")
	if bytes.Contains(r.Messages[0].File.Content, []byte("ada")) {
		t.Errorf("export after erasure still names the applicant:\n%s", r.Messages[0].File.Content)
	}
	wantText(t, h.command(ada, "status", ""), studentA, "You have not applied yet")
}

// TestComposedMessageIDsExist covers the ids the flows build from a
// state, degree, document kind or action, which the source scan of
// TestEveryMessageIDExists cannot see.
func TestComposedMessageIDsExist(t *testing.T) {
	cat := newHarness(t).engine.Catalog()
	var ids []string
	for _, s := range []flows.AppState{flows.AppDraft, flows.AppSubmitted, flows.AppReview, flows.AppInterview,
		flows.AppAccepted, flows.AppRejected, flows.AppWithdrawn, flows.AppMatched} {
		ids = append(ids, "apply.state."+string(s), "review.state."+string(s))
	}
	for _, d := range []string{flows.DegreeBachelor, flows.DegreeMaster} {
		ids = append(ids, "apply.degree."+d)
	}
	for _, k := range []string{flows.DocCVItalian, flows.DocCVForeign, flows.DocLetterItalian, flows.DocLetterForeign, flows.DocLanguageCertified} {
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
	h.press(staff, h.open(refA), "Interview")
	h.press(staff, h.open(refB), "Accept")
	r := h.text(staff, "Monday 9:00")
	if textTo(r, studentA) != "" || h.state(refA) != flows.AppReview {
		t.Errorf("text after another decision became %s's note:%s", refA, dump(r))
	}
	if h.state(refB) != flows.AppAccepted {
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
			r = h.press(staff, r, projectMadrid+" (1)")
			r = h.press(staff, r, ref+" · Ada (@ada) · submitted")
			r = h.press(staff, r, "Accept")
			h.press(staff, r, "Match with mentor")
			if when == "before publish" {
				setMentor()
			}
			r = h.command(staff, "publish", "")
			r = h.press(staff, r, "Publish results")
			wantText(t, r, studentA, "Your mentor is Lucía (@lucia)")
			if got := textTo(r, mentorID); got != "" {
				t.Errorf("the replaced mentor was told %q", got)
			}
			m, err := h.engine.Mentorship(context.Background(), ref)
			if err != nil {
				t.Fatal(err)
			}
			if m.MentorID != invited {
				t.Errorf("mentorship mentor = %d; want the invited %d", m.MentorID, invited)
			}
		})
	}
}
