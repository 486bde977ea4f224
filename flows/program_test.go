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
