package bot_test

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/mentorbot/mentorbot/bot/bottest"
	"github.com/mentorbot/mentorbot/flows"
)

// TestEvidenceRulesE2E: through the real client, with one of the test
// programme's two required meetings held. A diary entry for a meeting
// still ahead is refused with its date (a forged button), the credit
// form is refused until the second meeting took place, and then 30
// credits are refused where the programme allows 3. Italian counts
// agree: "1 incontro", not "1 incontri".
func TestEvidenceRulesE2E(t *testing.T) {
	env := bottest.Start(t)
	startMentorship(env, 1)
	cat := env.Engine.Catalog()

	r := env.Command(diaryMentee, "diary", "")
	forged := flows.DiaryButton(cat, "it", diaryMentorship, 2)
	r = env.PressData(diaryMentee, r.To(diaryMentee.ID)[0], forged.Data)
	bottest.WantText(t, r, diaryMentee.ID, strings.SplitN(cat.T("it", "diary.not_held", map[string]any{"N": 2, "When": "X"}), "X", 2)[0])

	r = env.Command(diaryMentee, "ects", "")
	bottest.WantText(t, r, diaryMentee.ID, cat.Plural("it", "ects.too_early", 1, map[string]any{"Min": 2}))
	bottest.WantText(t, r, diaryMentee.ID, "1 incontro")

	env.Clock.Add(7 * 24 * time.Hour)
	fillECTSForm(env)
	r = env.Text(diaryMentee, "30")
	bottest.WantText(t, r, diaryMentee.ID, cat.T("it", "ects.bad.credits", map[string]any{"Min": 1, "Max": 3}))
}

// TestMentorCannotApplyToOwnProjectE2E: the mentor of madrid-ai, through
// the real client, is refused that project and can choose another.
func TestMentorCannotApplyToOwnProjectE2E(t *testing.T) {
	env := bottest.Start(t)
	mentor := bottest.User(200000001, "Marco", "en")
	env.Command(mentor, "apply", "")
	env.Press(mentor, "Master's")
	env.Press(mentor, "Year 1")
	r := env.Press(mentor, madridProject)
	bottest.WantText(t, r, mentor.ID, env.Engine.Catalog().T("en", "apply.own_project", map[string]any{"Project": madridProject}))
}

// TestPhDStudentsApplyUnderTheirRuleE2E: a programme whose levels
// include PhD (from the first year, with B2) lets a first-year PhD
// student with B2 through to the documents, through the real client.
func TestPhDStudentsApplyUnderTheirRuleE2E(t *testing.T) {
	src, err := os.ReadFile("../flows/testdata/program.toml")
	if err != nil {
		t.Fatal(err)
	}
	levels := "\n[[levels]]\nid = \"bachelor\"\nyears = 3\nmin_year = 2\nmin_level = \"B1\"\n\n[[levels]]\nid = \"phd\"\nyears = 3\nmin_year = 1\nmin_level = \"B2\"\n"
	program, err := flows.ParseProgram(append(src, levels...))
	if err != nil {
		t.Fatal(err)
	}
	env := bottest.Start(t, bottest.WithProgram(program))
	ada := bottest.User(applicantA, "Ada", "en")
	env.Command(ada, "apply", "")
	env.Press(ada, "PhD")
	env.Press(ada, "Year 1")
	env.Press(ada, madridProject)
	r := env.Press(ada, "B2")
	bottest.WantText(t, r, applicantA, "Step 5 of 9")
}
