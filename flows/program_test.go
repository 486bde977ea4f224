package flows

import (
	"os"
	"strings"
	"testing"
	"time"
)

func TestParseProgramExample(t *testing.T) {
	p, err := LoadProgram("testdata/program.toml")
	if err != nil {
		t.Fatal(err)
	}
	want := time.Date(2027, 3, 31, 23, 59, 0, 0, p.Location())
	if !p.Deadline.Equal(want) || p.Location().String() != "Europe/Rome" {
		t.Errorf("Deadline = %v in %v; want %v", p.Deadline, p.Location(), want)
	}
	// Neither is in the file: a year after the deadline, and the
	// academic year of the deadline.
	if want := time.Date(2028, 3, 31, 23, 59, 0, 0, p.Location()); !p.Ends.Equal(want) || p.Edition != "2026/27" {
		t.Errorf("Ends, Edition = %v, %q; want %v, 2026/27", p.Ends, p.Edition, want)
	}
	if p.Meetings != 6 || p.MaxMeeting != 2*time.Hour {
		t.Errorf("Meetings, MaxMeeting = %d, %v; want 6, 2h", p.Meetings, p.MaxMeeting)
	}
	if pr, ok := p.Project("madrid-ai"); !ok || pr.Language != "es" {
		t.Errorf("Project(madrid-ai) = %+v, %v", pr, ok)
	}
	if u, ok := p.UniversityByChat(-1001000000002); !ok || u.ID != "palermo" {
		t.Errorf("UniversityByChat(-1001000000002) = %+v, %v", u, ok)
	}
}

// TestParseProgramNamesTheField breaks one field at a time of the
// example and expects the error to name it.
func TestParseProgramNamesTheField(t *testing.T) {
	base, err := os.ReadFile("testdata/program.toml")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, old, new, field string
	}{
		{"empty name", `name = "Mentoring for International Experience"`, `name = ""`, "name"},
		{"bad zone", `time_zone = "Europe/Rome"`, `time_zone = "Mars/Olympus"`, "time_zone"},
		{"bad deadline", `deadline = "2027-03-31 23:59"`, `deadline = "31/03/2027"`, "deadline"},
		{"no meetings", `meetings = 6`, `meetings = 0`, "meetings"},
		{"bad end", `meetings = 6`, "meetings = 6\nends = \"30/09/2027\"", "ends"},
		{"end before deadline", `meetings = 6`, "meetings = 6\nends = \"2027-03-01\"", "ends"},
		{"bad edition", `meetings = 6`, "meetings = 6\nedition = \"2026 27\"", "edition"},
		{"bad length", `max_meeting_length = "2h"`, `max_meeting_length = "two hours"`, "max_meeting_length"},
		{"bad language", `language = "es"`, `language = "spanish"`, "projects[0].language"},
		{"bad project id", `id = "madrid-ai"`, `id = "madrid ai"`, "projects[0].id"},
		{"no committee", `committee_chat = -1001000000001`, `committee_chat = 0`, "universities[0].committee_chat"},
		{"user as committee", `committee_chat = -1001000000001`, `committee_chat = 42`, "universities[0].committee_chat"},
		{"shared committee group", `committee_chat = -1001000000002`, `committee_chat = -1001000000001`, "universities[1].committee_chat"},
		{"duplicate project", `id = "lyon-law"`, `id = "madrid-ai"`, "projects[1].id"},
		{"mentor is staff", `staff = [100000001]`, `staff = [100000001, 200000001]`, "projects[0].mentor"},
		{"bad kind", `kind = "scale"`, `kind = "stars"`, "questionnaire[0].kind"},
		{"title language not a code", `fr = "Droit européen des migrations"`, `french = "Droit européen des migrations"`, "projects[1].titles"},
		{"title language upper case", `fr = "Droit européen des migrations"`, `FR = "Droit européen des migrations"`, "projects[1].titles"},
		{"empty title", `fr = "Droit européen des migrations"`, `fr = " "`, "projects[1].titles.fr"},
		{"description language", `en = "The case law`, `eng = "The case law`, "projects[1].description"},
		{"long description", `en = "The case law`, `en = "` + strings.Repeat("x", 400) + `The case law`, "projects[1].description.en"},
		{"not toml", `meetings = 6`, `meetings = = 6`, "parse programme"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := strings.Replace(string(base), tt.old, tt.new, 1)
			if src == string(base) {
				t.Fatalf("test case does not change the file: %q not found", tt.old)
			}
			_, err := ParseProgram([]byte(src))
			if err == nil || !strings.Contains(err.Error(), tt.field) {
				t.Errorf("ParseProgram with %s = %v; want an error naming %q", tt.new, err, tt.field)
			}
		})
	}
}

// TestProjectTexts: a project's title and description for a reader of
// each language, from the test programme's lyon-law (titles in it, fr
// and ar; descriptions in en, it and ar) and from projects that give
// less.
func TestProjectTexts(t *testing.T) {
	p, err := LoadProgram("testdata/program.toml")
	if err != nil {
		t.Fatal(err)
	}
	lyon, _ := p.Project("lyon-law")
	madrid, _ := p.Project("madrid-ai")
	englishTitle := Project{Title: "Plain", Titles: map[string]string{"en": "English", "it": "Italiano"}}
	oneDescription := Project{Title: "Plain", Description: map[string]string{"it": "Solo in italiano"}}
	twoDescriptions := Project{Title: "Plain", Description: map[string]string{"fa": "فقط فارسی", "ar": "بالعربية فقط"}}
	tests := []struct {
		name      string
		pr        Project
		lang      string
		title     string
		described string
	}{
		{"its language", lyon, "ar", "قانون الهجرة الأوروبي", "أحكام المحاكم الأوروبية في اللجوء وحرية التنقل، نقرؤها مع العيادة القانونية للهجرة في جامعة ليون الثالثة."},
		{"title only", lyon, "fr", "Droit européen des migrations", lyon.Description["en"]},
		{"neither: title and English", lyon, "uk", "European migration law", lyon.Description["en"]},
		{"no texts at all", madrid, "fa", "Machine learning for public health", ""},
		{"English title before title", englishTitle, "fa", "English", ""},
		{"own title before English", englishTitle, "it", "Italiano", ""},
		{"the only description", oneDescription, "en", "Plain", "Solo in italiano"},
		{"first language code", twoDescriptions, "uk", "Plain", "بالعربية فقط"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.pr.TitleIn(tt.lang); got != tt.title {
				t.Errorf("TitleIn(%q) = %q; want %q", tt.lang, got, tt.title)
			}
			if got := tt.pr.DescriptionIn(tt.lang); got != tt.described {
				t.Errorf("DescriptionIn(%q) = %q; want %q", tt.lang, got, tt.described)
			}
		})
	}
}

// TestProgrammeTextsFallBack: the programme file's other texts per
// language. The ECTS note falls back to English, then to the one
// language it has; a question falls back to English (questionText),
// which the file must give.
func TestProgrammeTextsFallBack(t *testing.T) {
	base, err := os.ReadFile("testdata/program.toml")
	if err != nil {
		t.Fatal(err)
	}
	p, err := ParseProgram(base)
	if err != nil {
		t.Fatal(err)
	}
	for lang, want := range map[string]string{"it": p.ECTS["it"], "en": p.ECTS["en"], "ar": p.ECTS["en"]} {
		if got := textIn(p.ECTS, lang); got != want {
			t.Errorf("ECTS note in %s = %q; want %q", lang, got, want)
		}
	}
	italianOnly := strings.Replace(string(base), "\nen = \"If your degree course", "\n# en = \"If your degree course", 1)
	if p, err = ParseProgram([]byte(italianOnly)); err != nil || p.ECTS["en"] != "" {
		t.Fatalf("ParseProgram without ects.en = %v, %v", p.ECTS, err)
	}
	for _, lang := range []string{"en", "fa", "it"} {
		if got := textIn(p.ECTS, lang); got != p.ECTS["it"] {
			t.Errorf("Italian-only ECTS note in %s = %q; want the Italian %q", lang, got, p.ECTS["it"])
		}
	}
	noEnglish := strings.Replace(string(base), `text = { en = "How satisfied are you with the mentorship overall?", `, `text = { `, 1)
	if _, err := ParseProgram([]byte(noEnglish)); err == nil || !strings.Contains(err.Error(), "questionnaire[0].text") {
		t.Errorf("ParseProgram with a question without English = %v; want an error naming questionnaire[0].text", err)
	}
}
