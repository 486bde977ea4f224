package flows

import (
	"strconv"
	"time"

	ics "github.com/arran4/golang-ical"

	"github.com/mentorbot/mentorbot/flows/records"
)

// meetingsICS returns an iCalendar file with meetings of m for the
// person whose date format dates is, made at now: titled in their
// language, the calendar's zone theirs (X-WR-TIMEZONE; the times
// themselves are UTC, right in any zone) and each event's description
// naming its time in their zone. Each meeting keeps the same UID across
// reschedules, so a calendar that imports the file again moves the
// event rather than adding a second one.
func meetingsICS(prog *Program, m records.Mentorship, meetings []records.Meeting, dates dateFormat, now time.Time) []byte {
	cat, lang := dates.cat, dates.lang
	cal := ics.NewCalendarFor("mentorbot")
	cal.SetMethod(ics.MethodPublish)
	cal.SetName(prog.Name)
	cal.SetXWRTimezone(dates.loc.String())
	project := prog.ProjectTitle(m.ProjectID, lang)
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
		desc := dates.meeting(mt)
		if m.MeetingLink != "" {
			ev.SetURL(m.MeetingLink)
			ev.SetLocation(m.MeetingLink)
			desc += "\n" + m.MeetingLink
		}
		if m.Topics != "" {
			desc += "\n" + m.Topics
		}
		ev.SetDescription(desc)
	}
	return []byte(cal.Serialize())
}

// icsFile wraps meetingsICS for userID as an attachment, made at the
// turn's time.
func icsFile(t *Turn, m records.Mentorship, meetings []records.Meeting, userID int64) *Attachment {
	name := "mentoring-" + m.ID + ".ics"
	if len(meetings) == 1 {
		name = "mentoring-" + m.ID + "-" + strconv.Itoa(meetings[0].N) + ".ics"
	}
	return &Attachment{FileName: name, Content: meetingsICS(t.Program(), m, meetings, t.datesFor(userID), t.Now())}
}
