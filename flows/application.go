package flows

import (
	"fmt"
	"strings"
	"unicode"

	"github.com/mentorbot/mentorbot/flows/records"
)

// Degree levels an applicant may hold, as the seed programme names
// them; a programme file may add its own (see StudyLevel).
const (
	DegreeBachelor    = "bachelor"
	DegreeMaster      = "master"
	DegreeSingleCycle = "single_cycle"
	DegreePhD         = "phd"
)

// namedDegrees are the levels with names in the message files; a
// programme file that uses another id names it.
var namedDegrees = []string{DegreeBachelor, DegreeMaster, DegreeSingleCycle, DegreePhD}

// cefrLevels are the certified language levels, lowest first.
var cefrLevels = []string{"A1", "A2", "B1", "B2", "C1", "C2"}

// minLevel is the lowest certified level degree needs under p.
func minLevel(p *Program, degree string) string {
	if l, ok := p.Level(degree); ok {
		return l.MinLevel
	}
	return cefrLevels[len(cefrLevels)-1]
}

// levelAtLeast reports whether level is min or higher.
func levelAtLeast(level, min string) bool {
	li, mi := -1, -1
	for i, l := range cefrLevels {
		if l == level {
			li = i
		}
		if l == min {
			mi = i
		}
	}
	return li >= 0 && li >= mi
}

// degreeName names degree in the turn's language: the programme file's
// name for it when it gives one, else the message files'.
func degreeName(t *Turn, degree string) string {
	l, _ := t.Program().Level(degree)
	if name := questionText(l.Name, t.Lang()); name != "" {
		return name
	}
	return t.T("apply.degree."+degree, nil)
}

// submitApplication gives draft a its reference number, made from the
// programme's initials, the deadline's year and the application
// counter, and stores it as submitted.
func submitApplication(t *Turn, a *records.Application) error {
	prefix, year := refPrefix(t.Program().Name), t.Program().Deadline.Year()
	return t.rec.SubmitApplication(t.ctx, a, func(n int64) string {
		return fmt.Sprintf("%s-%d-%04d", prefix, year, n)
	})
}

// refPrefix is the initials of the capitalised words of the programme
// name ("Mentoring for International Experience" gives "MIE").
func refPrefix(name string) string {
	var b strings.Builder
	for _, w := range strings.Fields(name) {
		r := []rune(w)[0]
		if r >= 'A' && r <= 'Z' && unicode.IsUpper(r) {
			b.WriteRune(r)
		}
	}
	if b.Len() == 0 {
		return "APP"
	}
	return b.String()
}

// applicationData exports and erases what the apply flow keeps about a
// person (see records.DB.EraseApplication).
var applicationData = PersonalData{Export: exportBy((*records.DB).ExportApplication), Erase: eraseBy((*records.DB).EraseApplication)}
