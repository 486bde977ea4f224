package flows

import (
	"strconv"
	"strings"
	"time"

	"github.com/mentorbot/mentorbot/flows/records"
)

// DateError says why a typed meeting time was refused. ID is the
// locales id of the message that tells the user; N, when not zero, is
// the number of the meeting it clashes with.
type DateError struct {
	ID string
	N  int
}

func (e *DateError) Error() string {
	if e.N != 0 {
		return "meeting time: " + e.ID + " (meeting " + strconv.Itoa(e.N) + ")"
	}
	return "meeting time: " + e.ID
}

// The ways a typed meeting time can be wrong.
var (
	errDateFormat  = &DateError{ID: "meetings.date.format"}
	errDateInvalid = &DateError{ID: "meetings.date.invalid"}
	errDateRange   = &DateError{ID: "meetings.date.range"}
	errDatePast    = &DateError{ID: "meetings.date.past"}
	errDateTooLong = &DateError{ID: "meetings.date.too_long"}
)

// maxDateInput bounds what the parser looks at; a meeting time is a
// few words.
const maxDateInput = 100

// MeetingTime is a meeting time as typed: when it starts and, when the
// user gave an end time, how long it lasts (zero otherwise).
type MeetingTime struct {
	Start    time.Time
	Duration time.Duration
}

// ParseMeetingTime reads a meeting time typed in chat, in loc, with now
// for relative and year-less dates. It understands
//
//	12/11 18:00          day/month; the next such day from today
//	12/11/2026 18:00     also 12/11/26, 12.11.2026, 12-11-2026
//	2026-11-12 18:00     ISO order
//	tomorrow 18:00       also today, and Italian domani, oggi, dopodomani
//
// with the time as 18:00, 18.00 or 18, optionally followed by an end
// time ("18:00-20:00", "18-20") and with an optional "at", "alle" or
// "ore" before it. It fails with a *DateError and never panics; it does
// not check that the time is in the future.
func ParseMeetingTime(s string, now time.Time, loc *time.Location) (MeetingTime, error) {
	if len(s) > maxDateInput {
		return MeetingTime{}, errDateFormat
	}
	s = strings.ToLower(strings.TrimSpace(s))
	for _, dash := range []string{"–", "—", " to "} {
		s = strings.ReplaceAll(s, dash, "-")
	}
	fields := strings.Fields(s)
	// Join "18:00 - 20:00" and "18:00 -20:00" into one token.
	var toks []string
	for _, f := range fields {
		if n := len(toks); n > 0 && (f == "-" || strings.HasPrefix(f, "-") || strings.HasSuffix(toks[n-1], "-")) && isTimeToken(toks[n-1]) {
			toks[n-1] += f
			continue
		}
		toks = append(toks, f)
	}
	if len(toks) == 3 && (toks[1] == "at" || toks[1] == "alle" || toks[1] == "ore" || toks[1] == "@") {
		toks = []string{toks[0], toks[2]}
	}
	if len(toks) != 2 {
		return MeetingTime{}, errDateFormat
	}
	now = now.In(loc)
	y, mo, d, err := parseDay(toks[0], now)
	if err != nil {
		return MeetingTime{}, err
	}
	from, to, hasEnd := strings.Cut(toks[1], "-")
	h, mi, err := parseClock(from)
	if err != nil {
		return MeetingTime{}, err
	}
	start := time.Date(y, mo, d, h, mi, 0, 0, loc)
	mt := MeetingTime{Start: start}
	if hasEnd {
		eh, emi, err := parseClock(to)
		if err != nil {
			return MeetingTime{}, err
		}
		end := time.Date(y, mo, d, eh, emi, 0, 0, loc)
		if !end.After(start) {
			return MeetingTime{}, errDateRange
		}
		mt.Duration = end.Sub(start)
	}
	return mt, nil
}

// isTimeToken reports whether s can only be a clock time, so a dash
// after it starts an end time.
func isTimeToken(s string) bool {
	s = strings.TrimSuffix(s, "-")
	_, _, err := parseClock(s)
	return err == nil
}

// parseDay reads the date part.
func parseDay(s string, now time.Time) (int, time.Month, int, error) {
	y, mo, d := now.Date()
	switch s {
	case "today", "oggi":
		return y, mo, d, nil
	case "tomorrow", "domani":
		t := time.Date(y, mo, d+1, 12, 0, 0, 0, now.Location())
		return t.Year(), t.Month(), t.Day(), nil
	case "dopodomani":
		t := time.Date(y, mo, d+2, 12, 0, 0, 0, now.Location())
		return t.Year(), t.Month(), t.Day(), nil
	}
	var parts []string
	for _, sep := range []string{"/", "-", "."} {
		if strings.Contains(s, sep) {
			parts = strings.Split(s, sep)
			break
		}
	}
	nums := make([]int, len(parts))
	for i, p := range parts {
		if len(p) == 0 || len(p) > 4 {
			return 0, 0, 0, errDateFormat
		}
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 {
			return 0, 0, 0, errDateFormat
		}
		nums[i] = n
	}
	var day, month, year int
	switch {
	case len(parts) == 3 && len(parts[0]) == 4: // 2026-11-12
		year, month, day = nums[0], nums[1], nums[2]
	case len(parts) == 3 && len(parts[2]) == 4: // 12/11/2026
		day, month, year = nums[0], nums[1], nums[2]
	case len(parts) == 3 && len(parts[2]) == 2: // 12/11/26
		day, month, year = nums[0], nums[1], 2000+nums[2]
	case len(parts) == 2 && len(parts[0]) <= 2 && len(parts[1]) <= 2: // 12/11
		// The next such day from today: this year, or a later one
		// (29/2 may be four years away).
		day, month = nums[0], nums[1]
		today := time.Date(y, mo, d, 0, 0, 0, 0, time.UTC)
		year = y
		for ; year <= y+4; year++ {
			if validDay(year, month, day) && !time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC).Before(today) {
				break
			}
		}
	default:
		return 0, 0, 0, errDateFormat
	}
	if len(parts[0]) > 2 && len(parts[0]) != 4 || len(parts[1]) > 2 {
		return 0, 0, 0, errDateFormat
	}
	if year < 2000 || year > 2199 || !validDay(year, month, day) {
		return 0, 0, 0, errDateInvalid
	}
	return year, time.Month(month), day, nil
}

// validDay reports whether day/month/year is a day of the calendar.
func validDay(year, month, day int) bool {
	if month < 1 || month > 12 || day < 1 {
		return false
	}
	last := time.Date(year, time.Month(month)+1, 0, 0, 0, 0, 0, time.UTC).Day()
	return day <= last
}

// parseClock reads 18:00, 18.00, 18h30, 18h or 18.
func parseClock(s string) (int, int, error) {
	if s == "" || len(s) > 5 {
		return 0, 0, errDateFormat
	}
	hs, ms, hasMin := strings.Cut(s, ":")
	if !hasMin {
		hs, ms, hasMin = strings.Cut(s, ".")
	}
	if !hasMin {
		hs, ms, hasMin = strings.Cut(s, "h")
		if hasMin && ms == "" {
			hasMin = false
		}
	}
	if hasMin && len(ms) != 2 || len(hs) == 0 || len(hs) > 2 {
		return 0, 0, errDateFormat
	}
	h, err := atoiDigits(hs)
	if err != nil {
		return 0, 0, errDateFormat
	}
	m := 0
	if hasMin {
		if m, err = atoiDigits(ms); err != nil {
			return 0, 0, errDateFormat
		}
	}
	if h > 23 || m > 59 {
		return 0, 0, errDateInvalid
	}
	return h, m, nil
}

// atoiDigits is strconv.Atoi for plain ASCII digits only (no sign).
func atoiDigits(s string) (int, error) {
	for _, r := range s {
		if r < '0' || r > '9' {
			return 0, errDateFormat
		}
	}
	return strconv.Atoi(s)
}

// checkMeeting validates m against the programme and the other
// meetings of the schedule (m itself, by number, is skipped): it must
// start after now, last at most Program.MaxMeeting and not overlap.
func checkMeeting(p *Program, now time.Time, m records.Meeting, others []records.Meeting) error {
	if !m.Start.After(now) {
		return errDatePast
	}
	if m.Duration <= 0 || m.Duration > p.MaxMeeting {
		return errDateTooLong
	}
	for _, o := range others {
		if o.N == m.N {
			continue
		}
		if m.Start.Before(o.End()) && o.Start.Before(m.End()) {
			return &DateError{ID: "meetings.date.overlap", N: o.N}
		}
	}
	return nil
}

// meetingDateLayout is how meeting dates are shown: day first, as in
// the languages the programme speaks.
const meetingDateLayout = "02/01/2006 15:04"

// formatMeeting shows a meeting's time span in loc: "12/11/2026
// 18:00-20:00".
func formatMeeting(m records.Meeting, loc *time.Location) string {
	start := m.Start.In(loc)
	end := m.End().In(loc)
	if y, mo, d := start.Date(); end.Year() == y && end.Month() == mo && end.Day() == d {
		return start.Format(meetingDateLayout) + "-" + end.Format("15:04")
	}
	return start.Format(meetingDateLayout) + " - " + end.Format(meetingDateLayout)
}
