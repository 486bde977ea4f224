package bottest

import (
	"context"

	"github.com/mentorbot/mentorbot/bot/telegramtest"
	"github.com/mentorbot/mentorbot/flows/records"
)

// MadridProject is the title of madrid-ai in the test programme, the
// project Apply applies to.
const MadridProject = "Machine learning for public health"

// Uploads are the five documents Apply sends, in the order the apply
// flow asks for them.
var Uploads = []struct{ Name, MIME string }{
	{"cv-it.pdf", "application/pdf"},
	{"cv-es.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
	{"letter-it.doc", "application/msword"},
	{"letter-es.pdf", "application/pdf"},
	{"dele-b1.pdf", "application/pdf"},
}

// Apply takes u, an English speaker, from /apply to a submitted
// application to madrid-ai as a second-year Bachelor's student with
// B1, and returns its reference number and the ids of the files u
// sent. The test fails when the application is not submitted.
func Apply(env *Env, u telegramtest.User) (string, []string) {
	env.TB.Helper()
	return ApplyTo(env, u, MadridProject)
}

// ApplyTo is Apply to the project titled project.
func ApplyTo(env *Env, u telegramtest.User, project string) (string, []string) {
	env.TB.Helper()
	env.Command(u, "apply", "")
	env.Press(u, "Bachelor's")
	env.Press(u, "Year 2")
	env.Press(u, project)
	env.Press(u, "B1")
	var ids []string
	for _, up := range Uploads {
		doc := env.Server.DocumentMessage(u, up.Name, up.MIME, []byte("%PDF-1.4 test"), "")
		ids = append(ids, doc["message"].(map[string]any)["document"].(map[string]any)["file_id"].(string))
		env.Inject(doc)
	}
	env.Press(u, "Confirm")
	a, err := env.Records.ApplicationOf(context.Background(), u.ID)
	if err != nil || a.State != records.AppSubmitted {
		env.TB.Fatalf("%s's application to %s after Confirm: %+v, %v", u.FirstName, project, a, err)
	}
	return a.Ref, ids
}
