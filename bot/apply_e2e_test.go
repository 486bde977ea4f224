package bot_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/mentorbot/mentorbot/bot/bottest"
	"github.com/mentorbot/mentorbot/bot/telegramtest"
	"github.com/mentorbot/mentorbot/flows/records"
)

// People of the apply tests, from flows/testdata/program.toml.
const (
	applyStaffID  = 100000001
	applyMentorID = 200000001 // mentor of madrid-ai
	applicantA    = 300000001
	applicantB    = 300000002
)

const madridProject = bottest.MadridProject

// firstSteps answers degree, year, project and level as u (English).
func firstSteps(env *bottest.Env, u telegramtest.User, degree, year, level string) bottest.Result {
	env.TB.Helper()
	env.Command(u, "apply", "")
	env.Press(u, degree)
	env.Press(u, year)
	env.Press(u, madridProject)
	return env.Press(u, level)
}

// applyFully takes u from /apply to a submitted application and returns
// its reference number and the ids of the files u sent.
func applyFully(env *bottest.Env, u telegramtest.User) (string, []string) {
	env.TB.Helper()
	return bottest.Apply(env, u)
}

func TestApplyE2EFromApplyToMatch(t *testing.T) {
	env := bottest.Start(t)
	staff := bottest.User(applyStaffID, "Sara", "en")
	mentor := bottest.User(applyMentorID, "Marta", "it")
	ada := bottest.User(applicantA, "Ada", "en")
	env.Command(mentor, "start", "")

	r := env.Command(ada, "apply", "")
	bottest.WantText(t, r, applicantA, "Step 1 of 9")
	ref, sent := applyFully(env, ada)

	r = env.Command(staff, "applications", "")
	bottest.WantText(t, r, applyStaffID, "Applications: 1 application")
	r = env.Press(staff, ref)
	var got []string
	for _, m := range r.To(applyStaffID) {
		if m.Document != nil {
			got = append(got, m.Document.FileID)
			if m.Document.Uploaded {
				t.Errorf("document %s was uploaded again; want it sent by file id", m.Document.FileID)
			}
		}
	}
	if strings.Join(got, ",") != strings.Join(sent, ",") {
		t.Errorf("documents sent back = %v; want %v", got, sent)
	}

	env.Press(staff, "Interview")
	r = env.Text(staff, "Tuesday 10:00, https://meet.example/abc")
	bottest.WantText(t, r, applicantA, "invited to an interview")
	env.Press(staff, "Accept")
	r = env.Press(staff, "Match with mentor")
	bottest.WantText(t, r, applyStaffID, ref+" is matched")
	if len(r.To(applicantA)) != 0 || len(r.To(applyMentorID)) != 0 {
		t.Errorf("matching told someone before publication:%s", r)
	}
	bottest.WantText(t, env.Command(ada, "status", ""), applicantA, "State: under review")

	// Until /publish, staff can undo the match and make it again; both
	// are audited.
	env.Press(staff, "Undo match")
	if a, err := env.Records.Application(context.Background(), ref); err != nil || a.State != records.AppAccepted || a.MentorID != 0 {
		t.Fatalf("after Undo match, application = %+v, %v; want accepted, no mentor", a, err)
	}
	env.Press(staff, "Match with mentor")

	env.Command(staff, "publish", "")
	r = env.Press(staff, "Publish results")
	bottest.WantText(t, r, applyStaffID, "1 match, 0 rejections")
	bottest.WantText(t, r, applicantA, "Your mentor is Marta (@marta)")
	bottest.WantText(t, r, applyMentorID, "Hai un nuovo mentee per "+madridProject+": Ada (@ada)")
	if _, err := env.Records.Mentorship(context.Background(), ref); err != nil {
		t.Errorf("no mentorship after publication: %v", err)
	}
	bottest.WantText(t, env.Command(ada, "status", ""), applicantA, "accepted and matched with a mentor")
}

func TestApplyE2EIneligible(t *testing.T) {
	tests := []struct {
		name, degree, year, level, want string
	}{
		{"bachelor first year", "Bachelor's", "Year 1", "", "students can apply from year 2"},
		{"bachelor below B1", "Bachelor's", "Year 2", "A2", "needs at least B1 in Spanish"},
		{"master below B2", "Master's", "Year 2", "B1", "needs at least B2 in Spanish"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := bottest.Start(t)
			ada := bottest.User(applicantA, "Ada", "en")
			env.Command(ada, "apply", "")
			env.Press(ada, tt.degree)
			r := env.Press(ada, tt.year)
			if tt.level != "" {
				env.Press(ada, madridProject)
				r = env.Press(ada, tt.level)
			}
			bottest.WantText(t, r, applicantA, tt.want)
			r = env.Document(ada, "cv.pdf", "application/pdf", []byte("%PDF"), "")
			bottest.WantText(t, r, applicantA, "I did not understand that")
		})
	}
}

func TestApplyE2EBadUploads(t *testing.T) {
	tests := []struct {
		name   string
		update func(s *telegramtest.Server, u telegramtest.User) telegramtest.Update
		want   string
	}{
		{"photo", func(s *telegramtest.Server, u telegramtest.User) telegramtest.Update {
			return s.PhotoMessage(u, []byte("jpegjpegjpeg"), "my CV")
		}, "arrived as a photo"},
		{"sticker", func(s *telegramtest.Server, u telegramtest.User) telegramtest.Update { return s.StickerMessage(u) },
			"I cannot use that"},
		{"text", func(s *telegramtest.Server, u telegramtest.User) telegramtest.Update {
			return s.TextMessage(u, "CV attached")
		},
			"I need a file here"},
		{"wrong type", func(s *telegramtest.Server, u telegramtest.User) telegramtest.Update {
			return s.DocumentMessage(u, "cv.png", "image/png", []byte("png"), "")
		}, "Please send PDF, DOC or DOCX"},
		{"too big", func(s *telegramtest.Server, u telegramtest.User) telegramtest.Update {
			return s.DocumentMessage(u, "cv.pdf", "application/pdf", make([]byte, 20<<20+1), "")
		}, "the limit is 20 MB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := bottest.Start(t)
			ada := bottest.User(applicantA, "Ada", "en")
			firstSteps(env, ada, "Bachelor's", "Year 2", "B1")
			r := env.Inject(tt.update(env.Server, ada))
			bottest.WantText(t, r, applicantA, tt.want)
			bottest.WantText(t, r, applicantA, "Step 5 of 9")
			a, err := env.Records.ApplicationOf(context.Background(), applicantA)
			if err != nil || len(a.Documents) != 0 {
				t.Errorf("after a bad upload: %+v, %v; want no documents", a.Documents, err)
			}
			r = env.Document(ada, "cv.pdf", "application/pdf", []byte("%PDF"), "")
			bottest.WantText(t, r, applicantA, "Step 6 of 9")
		})
	}
}

func TestApplyE2EDeadline(t *testing.T) {
	env := bottest.Start(t)
	ada := bottest.User(applicantA, "Ada", "en")
	bruno := bottest.User(applicantB, "Bruno", "it")
	firstSteps(env, ada, "Bachelor's", "Year 2", "B1")
	for _, up := range bottest.Uploads {
		env.Document(ada, up.Name, up.MIME, []byte("%PDF"), "")
	}
	env.Clock.Set(env.Program.Deadline.Add(time.Minute))
	r := env.Press(ada, "Confirm")
	bottest.WantText(t, r, applicantA, "can no longer be submitted")
	r = env.Command(bruno, "apply", "")
	bottest.WantText(t, r, applicantB, "la scadenza era il 31/03/2027 23:59 CEST")
	a, err := env.Records.ApplicationOf(context.Background(), applicantA)
	if err != nil || a.State != records.AppDraft {
		t.Errorf("draft after the deadline: %+v, %v; want still a draft", a, err)
	}
}

func TestApplyE2ENonStaffAndForgedCallbacks(t *testing.T) {
	env := bottest.Start(t)
	ada := bottest.User(applicantA, "Ada", "en")
	bruno := bottest.User(applicantB, "Bruno", "en")
	refA, _ := applyFully(env, ada)
	refB, _ := applyFully(env, bruno)

	for _, c := range []struct{ name, args string }{{"applications", ""}, {"publish", ""}, {"export", "applications"}} {
		r := env.Command(bruno, c.name, c.args)
		bottest.WantText(t, r, applicantB, "reserved for programme staff")
		if len(r.Messages) != 1 {
			t.Errorf("/%s by a student = %s; want only the refusal", c.name, r)
		}
	}
	last := env.Last(applicantB)
	for _, data := range []string{"1:review:acc::" + refA, "1:review:open::" + refA, "1:review:match::" + refA} {
		r := env.PressData(bruno, last, data)
		if r.Notice() == "" || len(r.Messages) != 0 {
			t.Errorf("student pressing %q = %s; want only a notice", data, r)
		}
	}
	// Bruno's own withdraw button, pointed at Ada's application.
	env.Command(bruno, "withdraw", "")
	yes, ok := env.Last(applicantB).Button("Yes, withdraw")
	if !ok {
		t.Fatal("no withdraw button")
	}
	r := env.PressData(bruno, env.Last(applicantB), strings.TrimSuffix(yes.Data, refB)+refA)
	if r.Notice() != "This button is not valid." || len(r.Messages) != 0 {
		t.Errorf("forged withdraw = %s", r)
	}
	for _, id := range []int64{applicantA, applicantB} {
		a, err := env.Records.ApplicationOf(context.Background(), id)
		if err != nil || a.State != records.AppSubmitted {
			t.Errorf("application of %d after forged presses: %+v, %v", id, a, err)
		}
	}
}

func TestApplyE2EResumesAfterRestart(t *testing.T) {
	first := bottest.Start(t)
	ada := bottest.User(applicantA, "Ada", "en")
	firstSteps(first, ada, "Bachelor's", "Year 2", "B1")
	first.Document(ada, "cv-it.pdf", "application/pdf", []byte("%PDF"), "")

	// A second process: another bot and engine on the same Redis data.
	second := bottest.Start(t, bottest.WithEngineStore(func(records.Store) records.Store { return first.Store }))
	r := second.Document(ada, "cv-es.pdf", "application/pdf", []byte("%PDF"), "")
	bottest.WantText(t, r, applicantA, "Step 7 of 9")
	r = second.Command(ada, "apply", "")
	bottest.WantText(t, r, applicantA, "Welcome back")
	for _, up := range bottest.Uploads[2:] {
		second.Document(ada, up.Name, up.MIME, []byte("%PDF"), "")
	}
	r = second.Press(ada, "Confirm")
	bottest.WantText(t, r, applicantA, "MIE-2027-0001")
}
