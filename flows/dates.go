package flows

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/mentorbot/mentorbot/flows/records"
	"github.com/mentorbot/mentorbot/locales"
)

// DateError says why a typed meeting time was refused. ID is the
// locales id of the message that tells the user; N, when not zero, is
// the number of the meeting it clashes with.
type DateError struct {
	ID string
	N  int
	// At is the date the message names: the full date the user may
	// have meant (meetings.date.which_year) or the programme's last day
	// (meetings.date.after_end).
	At time.Time
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

// dayWords are the words for today, tomorrow and the day after in the
// languages the bot speaks, with how many days ahead each is.
var dayWords = map[string]int{
	"today": 0, "oggi": 0, "aujourd'hui": 0, "aujourd’hui": 0, "hoy": 0, "сьогодні": 0, "اليوم": 0, "امروز": 0,
	"tomorrow": 1, "domani": 1, "demain": 1, "mañana": 1, "завтра": 1, "غدا": 1, "غداً": 1, "غدًا": 1, "فردا": 1,
	"dopodomani": 2, "après-demain": 2, "післязавтра": 2, "پس\u200cفردا": 2, "پسفردا": 2,
}

// atWords may stand between the day and the time: "tomorrow at 18:00".
var atWords = []string{"at", "@", "alle", "ore", "à", "a", "о", "об", "الساعة", "ساعت"}

// localDigits writes Arabic-Indic and Persian digits as ASCII ones, so
// "۱۸:۰۰" reads as 18:00.
var localDigits = strings.NewReplacer(
	// Bidi marks and isolates that Arabic and Persian messages put
	// around a Latin or numeric example come along when the example is
	// copied: they mean nothing to the date.
	"\u2066", "", "\u2067", "", "\u2068", "", "\u2069", "", "\u200e", "", "\u200f", "", "\u061c", "",
	"٠", "0", "١", "1", "٢", "2", "٣", "3", "٤", "4", "٥", "5", "٦", "6", "٧", "7", "٨", "8", "٩", "9",
	"۰", "0", "۱", "1", "۲", "2", "۳", "3", "۴", "4", "۵", "5", "۶", "6", "۷", "7", "۸", "8", "۹", "9")

// recentlyPassed is how long ago a day typed without a year may have
// passed and still be taken for a slip rather than next year's day: the
// user is asked which year they mean.
const recentlyPassed = 31 * 24 * time.Hour

// MeetingTime is a meeting time as typed: when it starts and, when the
// user gave an end time, how long it lasts (zero otherwise).
type MeetingTime struct {
	Start    time.Time
	Duration time.Duration
}

// ParseMeetingTime reads a meeting time typed in chat, in loc, with now
// for relative and year-less dates and ends, the programme's last day
// (zero for none), for year-less dates. It understands
//
//	12/11 18:00          day/month: this year's, or next year's when
//	                     this year's has passed and next year's is by
//	                     ends; a day that passed within recentlyPassed
//	                     is refused with the year the user may mean
//	12/11/2026 18:00     also 12/11/26, 12.11.2026, 12-11-2026
//	2026-11-12 18:00     ISO order
//	tomorrow 18:00       also today, and Italian domani, oggi, dopodomani
//
// with the time as 18:00, 18.00 or 18, optionally followed by an end
// time ("18:00-20:00", "18-20") and with an optional "at", "alle" or
// "ore" before it. It fails with a *DateError and never panics; it does
// not check that the time is in the future.
func ParseMeetingTime(s string, now time.Time, loc *time.Location, ends time.Time) (MeetingTime, error) {
	if len(s) > maxDateInput {
		return MeetingTime{}, errDateFormat
	}
	s = strings.ToLower(strings.TrimSpace(localDigits.Replace(s)))
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
	if len(toks) == 3 && slices.Contains(atWords, toks[1]) {
		toks = []string{toks[0], toks[2]}
	}
	if len(toks) != 2 {
		return MeetingTime{}, errDateFormat
	}
	now = now.In(loc)
	y, mo, d, yearless, err := parseDay(toks[0], now)
	if err != nil {
		return MeetingTime{}, err
	}
	from, to, hasEnd := strings.Cut(toks[1], "-")
	h, mi, err := parseClock(from)
	if err != nil {
		return MeetingTime{}, err
	}
	if yearless {
		if y, err = inferYear(y, mo, d, now, ends); err != nil {
			var de *DateError
			if errors.As(err, &de) && de.ID == "meetings.date.which_year" {
				de.At = time.Date(de.At.Year(), mo, d, h, mi, 0, 0, loc) // to write back whole
			}
			return MeetingTime{}, err
		}
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

// inferYear gives day/month, typed without a year on now's day, its
// year: this year's when it has not passed, next year's when that is by
// ends. Otherwise the error says why: the day passed (and the year the
// user may mean, in At, when next year's is by ends and this year's
// passed so lately that it may be a slip), or it comes after ends.
func inferYear(year int, month time.Month, day int, now, ends time.Time) (int, error) {
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	this := time.Date(year, month, day, 0, 0, 0, 0, time.UTC)
	if validDay(year, int(month), day) && !this.Before(today) {
		return year, nil
	}
	if !validDay(year+1, int(month), day) {
		return 0, errDateInvalid // 29/2 with no leap day this year or next
	}
	next := time.Date(year+1, month, day, 0, 0, 0, 0, time.UTC)
	inSpan := ends.IsZero() || !next.After(time.Date(ends.Year(), ends.Month(), ends.Day(), 0, 0, 0, 0, time.UTC))
	lately := validDay(year, int(month), day) && today.Sub(this) <= recentlyPassed
	switch {
	case inSpan && !lately:
		return year + 1, nil
	case inSpan:
		return 0, &DateError{ID: "meetings.date.which_year", At: next}
	default:
		return 0, &DateError{ID: "meetings.date.passed", At: ends}
	}
}

// parseDay reads the date part; yearless reports a day/month without a
// year, whose year is now's until inferYear says.
func parseDay(s string, now time.Time) (int, time.Month, int, bool, error) {
	y, mo, d := now.Date()
	if days, ok := dayWords[s]; ok {
		t := time.Date(y, mo, d+days, 12, 0, 0, 0, now.Location())
		return t.Year(), t.Month(), t.Day(), false, nil
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
			return 0, 0, 0, false, errDateFormat
		}
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 {
			return 0, 0, 0, false, errDateFormat
		}
		nums[i] = n
	}
	var day, month, year int
	yearless := false
	switch {
	case len(parts) == 3 && len(parts[0]) == 4: // 2026-11-12
		year, month, day = nums[0], nums[1], nums[2]
	case len(parts) == 3 && len(parts[2]) == 4: // 12/11/2026
		day, month, year = nums[0], nums[1], nums[2]
	case len(parts) == 3 && len(parts[2]) == 2: // 12/11/26
		day, month, year = nums[0], nums[1], 2000+nums[2]
	case len(parts) == 2 && len(parts[0]) <= 2 && len(parts[1]) <= 2: // 12/11
		day, month, year, yearless = nums[0], nums[1], y, true
	default:
		return 0, 0, 0, false, errDateFormat
	}
	if len(parts[0]) > 2 && len(parts[0]) != 4 || len(parts[1]) > 2 {
		return 0, 0, 0, false, errDateFormat
	}
	if yearless && (month < 1 || month > 12 || day < 1 || day > 31) {
		return 0, 0, 0, false, errDateInvalid
	}
	if !yearless && (year < 2000 || year > 2199 || !validDay(year, month, day)) {
		return 0, 0, 0, false, errDateInvalid
	}
	return year, time.Month(month), day, yearless, nil
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
	if m.Start.After(p.Ends) {
		return &DateError{ID: "meetings.date.after_end", At: p.Ends}
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

// dateFormat writes times the one way a language writes them (the
// catalog's format.date and format.time), in one person's time zone,
// named: every message, PDF and example of what to type goes through
// it.
type dateFormat struct {
	cat  *locales.Catalog
	lang string
	loc  *time.Location
}

// datesIn is the date format of lang in the programme's zone, for what
// is not one person's: PDFs both sides sign, staff's lists.
func (t *Turn) datesIn(lang string) dateFormat {
	return dateFormat{cat: t.e.cat, lang: lang, loc: t.Program().Location()}
}

// dates is the sender's date format: their language and time zone.
func (t *Turn) dates() dateFormat {
	return dateFormat{cat: t.e.cat, lang: t.Lang(), loc: t.zoneOf(*t.Profile)}
}

// datesFor is userID's date format: their language and time zone.
func (t *Turn) datesFor(userID int64) dateFormat {
	if userID == t.Profile.UserID {
		return t.dates()
	}
	p, err := t.rec.Profile(t.ctx, userID)
	if err != nil {
		p = records.Profile{UserID: userID}
	}
	return datesOf(t.e.cat, p, t.zoneOf(p))
}

// datesOf is p's date format where the roster is not at hand (a
// scheduled reminder): their language, the catalog's default when they
// have none it speaks, and the zone they chose, else def.
func datesOf(cat *locales.Catalog, p records.Profile, def *time.Location) dateFormat {
	lang := p.Lang
	if !cat.Supported(lang) {
		lang = locales.Default
	}
	return dateFormat{cat: cat, lang: lang, loc: chosenZone(p, def)}
}

// zoneOf is the time zone dates are shown to p in (see roster.zoneOf);
// the programme's when the roster cannot be read. The sender's default
// is looked up once a turn: a message lists many dates.
func (t *Turn) zoneOf(p records.Profile) *time.Location {
	if p.TimeZone == "" && p.UserID == t.Profile.UserID && t.senderZone != nil {
		return t.senderZone
	}
	loc, err := rosterOf(t).zoneOf(t.ctx, p)
	if err != nil {
		return t.Program().Location()
	}
	if p.TimeZone == "" && p.UserID == t.Profile.UserID {
		t.senderZone = loc
	}
	return loc
}

// zoneOf is the time zone dates are shown to p in: the one they chose,
// else, for a mentor, their project's host institution's (mentors live
// abroad), else the programme's.
func (r roster) zoneOf(ctx context.Context, p records.Profile) (*time.Location, error) {
	if p.TimeZone != "" {
		return chosenZone(p, nil), nil
	}
	projects, err := r.mentorProjects(ctx, p.UserID)
	if err != nil {
		return nil, err
	}
	if len(projects) > 0 {
		return r.program.hostZone(projects[0]), nil
	}
	return r.program.Location(), nil
}

// chosenZone is the time zone p chose, or def when they chose none (or
// one this system no longer knows).
func chosenZone(p records.Profile, def *time.Location) *time.Location {
	if p.TimeZone != "" {
		if loc, err := loadZone(p.TimeZone); err == nil {
			return loc
		}
	}
	return def
}

// zones holds the zones loaded so far by name: time.LoadLocation reads
// and parses the zone's file on every call.
var zones sync.Map

// loadZone is time.LoadLocation, once per name.
func loadZone(name string) (*time.Location, error) {
	if loc, ok := zones.Load(name); ok {
		return loc.(*time.Location), nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, err
	}
	zones.Store(name, loc)
	return loc, nil
}

// hostZone is the time zone of project's host institution, the
// programme's for a project it does not know.
func (p *Program) hostZone(project string) *time.Location {
	if pr, ok := p.Project(project); ok && pr.Location() != nil {
		return pr.Location()
	}
	return p.Location()
}

// date writes x's day.
func (f dateFormat) date(x time.Time) string { return f.cat.Date(f.lang, x.In(f.loc)) }

// dateTime writes x's day and time, with the zone's name: "04/11/2027
// 18:00 CET".
func (f dateFormat) dateTime(x time.Time) string {
	x = x.In(f.loc)
	return f.cat.DateTime(f.lang, x) + " " + x.Format("MST")
}

// meeting writes a meeting's span with the zone's name: "04/11/2027
// 18:00-20:00 CET", with the end's day too when it ends on another day.
func (f dateFormat) meeting(m records.Meeting) string {
	start, end := m.Start.In(f.loc), m.End().In(f.loc)
	if y, mo, d := start.Date(); end.Year() == y && end.Month() == mo && end.Day() == d {
		return f.cat.DateTime(f.lang, start) + "-" + f.cat.Clock(f.lang, end) + " " + end.Format("MST")
	}
	return f.dateTime(start) + " - " + f.dateTime(end)
}
