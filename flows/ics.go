package flows

import (
	"strconv"
	"time"

	ics "github.com/arran4/golang-ical"

	"github.com/mentorbot/mentorbot/flows/records"
	"github.com/mentorbot/mentorbot/locales"
)

// meetingsICS returns an iCalendar file with meetings of m, titled in
// lang, made at now. Each meeting keeps the same UID across
// reschedules, so a calendar that imports the file again moves the
// event rather than adding a second one.
func meetingsICS(cat *locales.Catalog, prog *Program, m records.Mentorship, meetings []records.Meeting, lang string, now time.Time) []byte {
	cal := ics.NewCalendarFor("mentorbot")
	cal.SetMethod(ics.MethodPublish)
	cal.SetName(prog.Name)
	project := m.ProjectID
	if pr, ok := prog.Project(m.ProjectID); ok {
		project = pr.Title
	}
	for _, mt := range meetings {
		ev := cal.AddEvent(m.ID + "-" + strconv.Itoa(mt.N) + "@mentorbot")
		ev.SetDtStampTime(now)
		ev.SetStartAt(mt.Start)
		ev.SetEndAt(mt.End())
		// SEQUENCE must grow when an event changes: the minute the
		// file is made does.
		ev.SetSequence(int(now.Unix() / 60 % (1 << 30)))
		ev.SetSummary(cat.T(lang, "meetings.ics.summary", map[string]any{
			"N": mt.N, "Total": len(m.Meetings), "Project": project}))
		if m.Topics != "" {
			ev.SetDescription(m.Topics)
		}
	}
	return []byte(cal.Serialize())
}

// icsFile wraps meetingsICS as an attachment, made at the turn's time.
func icsFile(t *Turn, m records.Mentorship, meetings []records.Meeting, lang string) *Attachment {
	name := "mentoring-" + m.ID + ".ics"
	if len(meetings) == 1 {
		name = "mentoring-" + m.ID + "-" + strconv.Itoa(meetings[0].N) + ".ics"
	}
	return &Attachment{FileName: name, Content: meetingsICS(t.e.cat, t.Program(), m, meetings, lang, t.Now())}
}
