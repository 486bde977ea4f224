package bot_test

import (
	"context"
	"strings"
	"testing"

	"github.com/mentorbot/mentorbot/bot/bottest"
	"github.com/mentorbot/mentorbot/flows/records"
)

// TestContactE2E: through the real client, a mentee and a mentor who
// has no @username write to each other: text with /contact, then the
// mentor answers with a photo through Reply. Each message reaches only
// the other side, named by first name, and the photo is the same file.
func TestContactE2E(t *testing.T) {
	env := bottest.Start(t)
	mentee := bottest.User(300000061, "Amina", "en")
	mentor := bottest.User(200000001, "Marco", "en")
	mentor.Username = ""
	env.Command(mentee, "start", "")
	env.Command(mentor, "start", "")
	m := records.Mentorship{ID: "MIE-2027-0061", MenteeID: mentee.ID, MentorID: mentor.ID, ProjectID: "madrid-ai", CreatedAt: env.Clock.Now()}
	if err := env.Records.SaveMentorship(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	cat := env.Engine.Catalog()

	r := env.Command(mentee, "contact", "Could we move Thursday's meeting?")
	got := r.To(mentor.ID)
	if len(got) != 1 || !strings.HasPrefix(got[0].Text, cat.T("en", "contact.from_mentee", map[string]any{"Name": "Amina"})) ||
		!strings.Contains(got[0].Text, "Could we move Thursday's meeting?") {
		t.Fatalf("to the mentor: %+v", got)
	}
	if others := len(r.Messages) - len(got) - len(r.To(mentee.ID)); others != 0 {
		t.Errorf("%d messages went to a third chat", others)
	}

	env.Press(mentor, cat.T("en", "contact.reply_button", nil))
	r = env.Photo(mentor, []byte("a photo of the room"), "Here is the room")
	got = r.To(mentee.ID)
	if len(got) != 1 || got[0].Photo == nil || !strings.HasPrefix(got[0].Text, cat.T("en", "contact.from_mentor", map[string]any{"Name": "Marco"})) {
		t.Fatalf("to the mentee: %+v", got)
	}
}
