package bot_test

import (
	"context"
	"testing"

	"github.com/mentorbot/mentorbot/bot/bottest"
	"github.com/mentorbot/mentorbot/bot/telegramtest"
	"github.com/mentorbot/mentorbot/flows/doccheck/doctest"
)

// wantNoDocuments fails unless u's draft holds no document.
func wantNoDocuments(env *bottest.Env, u telegramtest.User) {
	env.TB.Helper()
	a, err := env.Records.ApplicationOf(context.Background(), u.ID)
	if err != nil || len(a.Documents) != 0 {
		env.TB.Fatalf("draft of %d: documents %v, %v; want none", u.ID, a.Documents, err)
	}
}

// firstStepsIn answers degree (Bachelor's), year (2), project (Madrid)
// and level (B1) as u, whose language is lang.
func firstStepsIn(env *bottest.Env, u telegramtest.User, lang string) {
	env.TB.Helper()
	cat := env.Engine.Catalog()
	env.Command(u, "apply", "")
	env.Press(u, cat.T(lang, "apply.degree.bachelor", nil))
	env.Press(u, cat.T(lang, "apply.year.button", map[string]any{"Year": 2}))
	env.Press(u, madridProject)
	env.Press(u, "B1")
}

// TestDocumentsE2EFakeFilesRefused: the bot downloads each upload from
// Telegram and looks into it. An empty PDF, a text file renamed .pdf or
// a PDF cut short is refused in the sender's language, nothing is kept,
// and the same step is asked again; a real PDF then goes through.
func TestDocumentsE2EFakeFilesRefused(t *testing.T) {
	notPDF := map[string]any{"Format": "PDF"}
	tests := []struct {
		name, lang string
		content    []byte
		want       string
		data       map[string]any
	}{
		{"empty PDF", "en", []byte{}, "apply.upload.empty", nil},
		{"empty PDF, in Italian", "it", []byte{}, "apply.upload.empty", nil},
		{"text file renamed .pdf", "en", []byte("Curriculum vitae\nAda Lovelace, Padova\n"), "apply.upload.not_document", notPDF},
		{"text file renamed .pdf, in Italian", "it", []byte("Curriculum vitae\nAda Lovelace, Padova\n"), "apply.upload.not_document", notPDF},
		{"PDF cut short", "en", doctest.PDF()[:120], "apply.upload.not_document", notPDF},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := bottest.Start(t)
			ada := bottest.User(applicantA, "Ada", tt.lang)
			firstStepsIn(env, ada, tt.lang)
			r := env.Document(ada, "cv.pdf", "application/pdf", tt.content, "")
			env.WantSaid(r, applicantA, tt.lang, tt.want, tt.data)
			env.WantSaid(r, applicantA, tt.lang, "apply.progress", map[string]any{"N": 5, "Total": 9})
			wantNoDocuments(env, ada)

			r = env.Document(ada, "cv.pdf", "application/pdf", doctest.PDF(), "")
			env.WantSaid(r, applicantA, tt.lang, "apply.upload.received", map[string]any{
				"Document": env.Engine.Catalog().T(tt.lang, "apply.doc.cv_it", nil)})
			env.WantSaid(r, applicantA, tt.lang, "apply.progress", map[string]any{"N": 6, "Total": 9})
		})
	}
}

// TestDocumentsE2EDownloadFails: when Telegram does not give the file
// (getFile answers 502), the upload is not taken unchecked: the sender
// is asked to send it again, nothing is kept, and the same file sent
// again goes through.
func TestDocumentsE2EDownloadFails(t *testing.T) {
	env := bottest.Start(t)
	ada := bottest.User(applicantA, "Ada", "en")
	firstStepsIn(env, ada, "en")
	env.Server.Fail("getFile", 1, 502, "Bad Gateway", 0)
	r := env.Document(ada, "cv.pdf", "application/pdf", doctest.PDF(), "")
	env.WantSaid(r, applicantA, "en", "apply.upload.unavailable", nil)
	env.WantSaid(r, applicantA, "en", "apply.progress", map[string]any{"N": 5, "Total": 9})
	wantNoDocuments(env, ada)

	r = env.Document(ada, "cv.pdf", "application/pdf", doctest.PDF(), "")
	env.WantSaid(r, applicantA, "en", "apply.progress", map[string]any{"N": 6, "Total": 9})
}
