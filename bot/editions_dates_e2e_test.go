package bot_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"testing"

	"github.com/mentorbot/mentorbot/bot/bottest"
	"github.com/mentorbot/mentorbot/flows"
	"github.com/mentorbot/mentorbot/flows/records"
)

// TestMeetingDatesE2E: through the real client, on Monday 1 February
// 2027. A day typed without a year that passed yesterday is not moved
// to next year silently: the mentee is asked whether they mean it with
// next year's date, written the one way their language writes dates;
// a date after the programme's end is refused with that end. Nothing
// is kept, and a good date goes through.
func TestMeetingDatesE2E(t *testing.T) {
	env := bottest.Start(t)
	ctx := context.Background()
	mentee := bottest.User(300000031, "Lucia", "it")
	mentor := bottest.User(200000001, "Marco", "en")
	env.Command(mentee, "start", "")
	env.Command(mentor, "start", "")
	m := records.Mentorship{ID: "MIE-2027-0031", MenteeID: mentee.ID, MentorID: mentor.ID, ProjectID: "madrid-ai", CreatedAt: env.Clock.Now()}
	if err := env.Records.SaveMentorship(ctx, m); err != nil {
		t.Fatal(err)
	}
	env.Command(mentee, "agreement", "")
	env.Text(mentee, "Ricerca")

	cat := env.Engine.Catalog()
	r := env.Text(mentee, "31/01 18:00")
	bottest.WantText(t, r, mentee.ID, cat.T("it", "meetings.date.which_year", map[string]any{"When": "31/01/2028 18:00 CET"}))
	r = env.Text(mentee, "2028-04-03 18:00")
	bottest.WantText(t, r, mentee.ID, cat.T("it", "meetings.date.after_end", map[string]any{"Date": "31/03/2028"}))
	r = env.Text(mentee, "3/2 18:00-19:00")
	bottest.WantText(t, r, mentee.ID, cat.Plural("it", "agreement.got", 1, map[string]any{"Total": 6, "Next": 2}))
	r = env.Text(mentee, "4/2 18:00\n5/2 18:00\n6/2 18:00\n7/2 18:00\n8/2 18:00")
	bottest.WantText(t, r, mentee.ID, "1. 03/02/2027 18:00-19:00")
	bottest.WantText(t, r, mentee.ID, "6. 08/02/2027 18:00-20:00")
}

// TestEditionsE2E: last year's call (2025/26) left applications in
// Redis; the bot now runs this year's (2026/27) on the same Redis.
// Through the real client, a student of last year has no application
// in this edition, staff's export of this edition has nothing, and the
// export of last year's, by name, uploads its applications.
func TestEditionsE2E(t *testing.T) {
	program, err := flows.LoadProgram("../flows/testdata/program.toml")
	if err != nil {
		t.Fatal(err)
	}
	program.Edition = "2026/27"
	env := bottest.Start(t, bottest.WithProgram(program))
	ctx := context.Background()
	old := records.New(env.Store, env.Clock.Now).InEdition("2025/26")
	refs := []string{"MIE-2026-0001", "MIE-2026-0002"}
	for i, ref := range refs {
		a := &records.Application{UserID: int64(300000041 + i), State: records.AppDraft, ProjectID: "madrid-ai"}
		if err := old.SubmitApplication(ctx, a, func(int64) string { return ref }); err != nil {
			t.Fatal(err)
		}
	}

	student := bottest.User(300000041, "Ada", "en")
	staff := bottest.User(applyStaffID, "Sara", "en")
	cat := env.Engine.Catalog()

	r := env.Command(student, "status", "")
	bottest.WantText(t, r, student.ID, cat.T("en", "apply.status.none", nil))

	r = env.Command(staff, "export", "applications")
	bottest.WantText(t, r, applyStaffID, cat.T("en", "export.none", map[string]any{"Edition": "2026/27"}))

	env.Command(staff, "export", "applications 2025/26")
	msgs := env.Server.WaitMessages(applyStaffID, 3)
	doc := msgs[2].Document
	if doc == nil {
		t.Fatalf("third message to staff = %+v; want the CSV", msgs[2])
	}
	rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(doc.Content, []byte("\uFEFF")))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 || rows[1][0] != refs[0] || rows[2][0] != refs[1] || rows[1][1] != "2025/26" {
		t.Errorf("export of 2025/26 = %q; want %v of edition 2025/26", rows, refs)
	}
}
