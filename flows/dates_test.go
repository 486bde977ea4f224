package flows_test

import (
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/mentorbot/mentorbot/flows"
	"github.com/mentorbot/mentorbot/locales"
)

func rome(tb testing.TB) *time.Location {
	tb.Helper()
	loc, err := time.LoadLocation("Europe/Rome")
	if err != nil {
		tb.Fatal(err)
	}
	return loc
}

func TestParseMeetingTime(t *testing.T) {
	loc := rome(t)
	now := time.Date(2026, 11, 5, 9, 30, 0, 0, loc) // a Thursday
	at := func(y int, m time.Month, d, h, min int) time.Time { return time.Date(y, m, d, h, min, 0, 0, loc) }
	tests := []struct {
		in   string
		want flows.MeetingTime
	}{
		{"12/11 18:00", flows.MeetingTime{Start: at(2026, 11, 12, 18, 0)}},
		{"12/11 18.30", flows.MeetingTime{Start: at(2026, 11, 12, 18, 30)}},
		{"12/11 18", flows.MeetingTime{Start: at(2026, 11, 12, 18, 0)}},
		{"12/11 18h30", flows.MeetingTime{Start: at(2026, 11, 12, 18, 30)}},
		{"12/11 18:00-20:00", flows.MeetingTime{Start: at(2026, 11, 12, 18, 0), Duration: 2 * time.Hour}},
		{"12/11 18:00 - 19:30", flows.MeetingTime{Start: at(2026, 11, 12, 18, 0), Duration: 90 * time.Minute}},
		{"12/11 18:00 -19:30", flows.MeetingTime{Start: at(2026, 11, 12, 18, 0), Duration: 90 * time.Minute}},
		{"12/11 18:00 – 19:30", flows.MeetingTime{Start: at(2026, 11, 12, 18, 0), Duration: 90 * time.Minute}},
		{"12/11 18 to 19", flows.MeetingTime{Start: at(2026, 11, 12, 18, 0), Duration: time.Hour}},
		{"12/11 at 18:00", flows.MeetingTime{Start: at(2026, 11, 12, 18, 0)}},
		{"12/11 alle 18:00", flows.MeetingTime{Start: at(2026, 11, 12, 18, 0)}},
		{"  12/11    18:00  ", flows.MeetingTime{Start: at(2026, 11, 12, 18, 0)}},
		{"5/11 18:00", flows.MeetingTime{Start: at(2026, 11, 5, 18, 0)}}, // today
		{"12/1 9:00", flows.MeetingTime{Start: at(2027, 1, 12, 9, 0)}},   // January comes next year
		{"12/11/2026 18:00", flows.MeetingTime{Start: at(2026, 11, 12, 18, 0)}},
		{"12/11/26 18:00", flows.MeetingTime{Start: at(2026, 11, 12, 18, 0)}},
		{"12.11.2026 18:00", flows.MeetingTime{Start: at(2026, 11, 12, 18, 0)}},
		{"12-11-2026 18:00", flows.MeetingTime{Start: at(2026, 11, 12, 18, 0)}},
		{"2026-11-12 18:00", flows.MeetingTime{Start: at(2026, 11, 12, 18, 0)}},
		{"2026-11-12 18:00-20:00", flows.MeetingTime{Start: at(2026, 11, 12, 18, 0), Duration: 2 * time.Hour}},
		{"tomorrow 18:00", flows.MeetingTime{Start: at(2026, 11, 6, 18, 0)}},
		{"Tomorrow 18:00", flows.MeetingTime{Start: at(2026, 11, 6, 18, 0)}},
		{"domani 18:00", flows.MeetingTime{Start: at(2026, 11, 6, 18, 0)}},
		{"domani alle 18", flows.MeetingTime{Start: at(2026, 11, 6, 18, 0)}},
		{"dopodomani 18:00", flows.MeetingTime{Start: at(2026, 11, 7, 18, 0)}},
		{"today 18:00", flows.MeetingTime{Start: at(2026, 11, 5, 18, 0)}},
		{"oggi 18:00", flows.MeetingTime{Start: at(2026, 11, 5, 18, 0)}},
		// An Arabic or Persian message's example, copied with the
		// isolates and marks that keep it in place in the text.
		{"\u2068\u0641\u0631\u062f\u0627 18:00\u2069", flows.MeetingTime{Start: at(2026, 11, 6, 18, 0)}},
		{"\u2068\u0661\u0662/\u0661\u0661\u2069 \u200f18:00", flows.MeetingTime{Start: at(2026, 11, 12, 18, 0)}},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := flows.ParseMeetingTime(tc.in, now, loc, time.Time{})
			if err != nil || !got.Start.Equal(tc.want.Start) || got.Duration != tc.want.Duration {
				t.Errorf("ParseMeetingTime(%q) = %v, %v, %v; want %v, %v", tc.in, got.Start, got.Duration, err, tc.want.Start, tc.want.Duration)
			}
		})
	}
}

func TestParseMeetingTimeAcrossYearEnd(t *testing.T) {
	loc := rome(t)
	now := time.Date(2026, 12, 31, 20, 0, 0, 0, loc)
	got, err := flows.ParseMeetingTime("domani 10:00", now, loc, time.Time{})
	want := time.Date(2027, 1, 1, 10, 0, 0, 0, loc)
	if err != nil || !got.Start.Equal(want) {
		t.Errorf("ParseMeetingTime(%q) = %v, %v; want %v", "domani 10:00", got.Start, err, want)
	}
}

func TestParseMeetingTimeRefuses(t *testing.T) {
	loc := rome(t)
	now := time.Date(2026, 11, 5, 9, 30, 0, 0, loc)
	tests := []struct {
		in     string
		wantID string
	}{
		{"", "meetings.date.format"},
		{"next week", "meetings.date.format"},
		{"12/11", "meetings.date.format"},
		{"18:00", "meetings.date.format"},
		{"12/11 18:00 20:00", "meetings.date.format"},
		{"12/11 six", "meetings.date.format"},
		{"12/11 18:0", "meetings.date.format"},
		{"12/11 +18", "meetings.date.format"},
		{"12/11/20261 18:00", "meetings.date.format"},
		{"123/11/2026 18:00", "meetings.date.format"},
		{"12/11/2 18:00", "meetings.date.format"},
		{"1/2/3/4 18:00", "meetings.date.format"},
		{"tomorrow at", "meetings.date.format"},
		{"12/11 18:00-", "meetings.date.format"},
		{"32/11 18:00", "meetings.date.invalid"},
		{"29/02/2027 18:00", "meetings.date.invalid"},
		{"12/13 18:00", "meetings.date.invalid"},
		{"0/11 18:00", "meetings.date.invalid"},
		{"12/11 24:00", "meetings.date.invalid"},
		{"12/11 18:60", "meetings.date.invalid"},
		{"12/11/1999 18:00", "meetings.date.invalid"},
		{"12/11 20:00-18:00", "meetings.date.range"},
		{"12/11 18:00-18:00", "meetings.date.range"},
		{string(make([]byte, 200)), "meetings.date.format"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := flows.ParseMeetingTime(tc.in, now, loc, time.Time{})
			var de *flows.DateError
			if !errors.As(err, &de) || de.ID != tc.wantID {
				t.Errorf("ParseMeetingTime(%q) = %v, %v; want error %s", tc.in, got.Start, err, tc.wantID)
			}
		})
	}
}

// TestParseMeetingTimeDST: a day with a clock change still gives the
// wall time typed, and a range over the change its real length.
func TestParseMeetingTimeDST(t *testing.T) {
	loc := rome(t)
	now := time.Date(2026, 10, 1, 9, 0, 0, 0, loc)
	// 25 October 2026: clocks go back at 03:00 to 02:00.
	got, err := flows.ParseMeetingTime("25/10 01:30-03:30", now, loc, time.Time{})
	if err != nil || got.Duration != 3*time.Hour {
		t.Errorf("ParseMeetingTime(%q) = %v, %v; want 3h", "25/10 01:30-03:30", got.Duration, err)
	}
	got, err = flows.ParseMeetingTime("25/10 18:00", now, loc, time.Time{})
	if err != nil || got.Start.In(loc).Hour() != 18 {
		t.Errorf("ParseMeetingTime(%q) = %v, %v; want 18:00 local", "25/10 18:00", got.Start, err)
	}
}

// FuzzParseMeetingTime checks that the parser never panics and that
// what it accepts is a whole minute in the programme's zone, shown back
// the same way it reads, with a positive length when one was given.
func FuzzParseMeetingTime(f *testing.F) {
	for _, s := range []string{"12/11 18:00", "2026-11-12 18:00-20:00", "domani 18", "tomorrow at 9.30", "29/2 10:00", "12/11 18 - 19"} {
		f.Add(s)
	}
	loc := rome(f)
	now := time.Date(2026, 11, 5, 9, 30, 0, 0, loc)
	ends := time.Date(2027, 9, 30, 23, 59, 0, 0, loc)
	f.Fuzz(func(t *testing.T, s string) {
		got, err := flows.ParseMeetingTime(s, now, loc, ends)
		if err != nil {
			var de *flows.DateError
			if !errors.As(err, &de) {
				t.Fatalf("ParseMeetingTime(%q) error %v is not a *DateError", s, err)
			}
			return
		}
		if got.Start.Second() != 0 || got.Start.Nanosecond() != 0 || got.Start.Location() != loc {
			t.Fatalf("ParseMeetingTime(%q) = %v; want a whole minute in %v", s, got.Start, loc)
		}
		if got.Duration < 0 || got.Duration > 25*time.Hour {
			t.Fatalf("ParseMeetingTime(%q) duration %v out of range", s, got.Duration)
		}
		again, err := flows.ParseMeetingTime(got.Start.Format("2006-01-02 15:04"), now, loc, ends)
		if err != nil || !again.Start.Equal(got.Start) {
			t.Fatalf("ParseMeetingTime(%q) = %v; reading it back gives %v, %v", s, got.Start, again.Start, err)
		}
	})
}

// TestParseMeetingTimeWithoutYear: a day typed without a year is this
// year's while it has not passed, next year's only when that is within
// the programme, and a day that just passed is refused with the year
// the user may mean rather than moved silently to next year.
func TestParseMeetingTimeWithoutYear(t *testing.T) {
	loc := rome(t)
	at := func(y int, m time.Month, d, h, min int) time.Time { return time.Date(y, m, d, h, min, 0, 0, loc) }
	dec2 := at(2026, 12, 2, 10, 0)
	ends := at(2027, 9, 30, 23, 59)
	tests := []struct {
		name      string
		in        string
		now, ends time.Time
		want      time.Time
		wantErr   string
		wantAt    time.Time // the date the refusal names
	}{
		{"later this year", "15/12 18:00", dec2, ends, at(2026, 12, 15, 18, 0), "", time.Time{}},
		{"today", "2/12 18:00", dec2, ends, at(2026, 12, 2, 18, 0), "", time.Time{}},
		{"across new year", "15/01 18:00", dec2, ends, at(2027, 1, 15, 18, 0), "", time.Time{}},
		{"passed long ago, next year in span", "20/3 18:00", dec2, ends, at(2027, 3, 20, 18, 0), "", time.Time{}},
		{"yesterday, next year in span", "1/12 18:00", dec2, at(2028, 3, 31, 23, 59), time.Time{}, "meetings.date.which_year", at(2027, 12, 1, 18, 0)},
		{"yesterday, next year after the end", "01/12 18:00", dec2, ends, time.Time{}, "meetings.date.passed", ends},
		{"passed, next year after the end", "20/10 18:00", dec2, ends, time.Time{}, "meetings.date.passed", ends},
		{"leap day next year", "29/2 10:00", at(2027, 12, 1, 9, 0), at(2028, 9, 30, 23, 59), at(2028, 2, 29, 10, 0), "", time.Time{}},
		{"leap day this year", "29/02 10:00", at(2028, 1, 10, 9, 0), at(2028, 9, 30, 23, 59), at(2028, 2, 29, 10, 0), "", time.Time{}},
		{"no leap day this year or next", "29/2 10:00", dec2, ends, time.Time{}, "meetings.date.invalid", time.Time{}},
		{"with its year, passed", "01/12/2026 18:00", dec2, ends, at(2026, 12, 1, 18, 0), "", time.Time{}}, // refused later as past
		{"ISO with its year", "2027-12-01 18:00", dec2, ends, at(2027, 12, 1, 18, 0), "", time.Time{}},     // refused later as after the end
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := flows.ParseMeetingTime(tc.in, tc.now, loc, tc.ends)
			if tc.wantErr == "" {
				if err != nil || !got.Start.Equal(tc.want) {
					t.Errorf("ParseMeetingTime(%q) = %v, %v; want %v", tc.in, got.Start, err, tc.want)
				}
				return
			}
			var de *flows.DateError
			if !errors.As(err, &de) || de.ID != tc.wantErr || !de.At.Equal(tc.wantAt) {
				t.Errorf("ParseMeetingTime(%q) = %v, %v; want error %s naming %v", tc.in, got.Start, err, tc.wantErr, tc.wantAt)
			}
		})
	}
}

// TestParseMeetingTimeInEveryLanguage: the words for today and tomorrow
// of each language the bot speaks, and Persian and Arabic-Indic digits.
func TestParseMeetingTimeInEveryLanguage(t *testing.T) {
	loc := rome(t)
	now := time.Date(2026, 11, 5, 9, 30, 0, 0, loc)
	tomorrow := time.Date(2026, 11, 6, 18, 0, 0, 0, loc)
	for _, in := range []string{"demain 18:00", "demain à 18h", "mañana 18:00", "завтра 18:00", "завтра о 18:00",
		"غدا 18:00", "فردا 18:00", "فردا ساعت ۱۸:۰۰", "غدا ١٨:٠٠", "Tomorrow 18"} {
		got, err := flows.ParseMeetingTime(in, now, loc, time.Time{})
		if err != nil || !got.Start.Equal(tomorrow) {
			t.Errorf("ParseMeetingTime(%q) = %v, %v; want %v", in, got.Start, err, tomorrow)
		}
	}
	if got, err := flows.ParseMeetingTime("۱۲/۱۱ ۱۸:۰۰-۱۹:۳۰", now, loc, time.Time{}); err != nil || got.Duration != 90*time.Minute {
		t.Errorf("Persian digits: %v, %v", got, err)
	}
}

// clockToken finds the time of day in a typed example, "18:00".
var clockToken = regexp.MustCompile(`\d{1,2}:\d{2}`)

// dayWordExamples returns the examples in text that start with a word,
// such as "tomorrow 18:00": each clock token with the token before it,
// less the quotation marks and punctuation around the two, as a user
// would copy or retype them. Anything else a token carries stays, so
// an invisible character inside the example (a bidi isolate) reaches
// the parser as it would from a copy.
func dayWordExamples(text string) []string {
	var out []string
	toks := strings.Fields(text)
	for i := 1; i < len(toks); i++ {
		if !clockToken.MatchString(toks[i]) {
			continue
		}
		ex := strings.Trim(toks[i-1]+" "+toks[i], "\"«»“”„.,;:()")
		if strings.ContainsFunc(strings.Fields(ex)[0], unicode.IsLetter) {
			out = append(out, ex)
		}
	}
	return out
}

// TestMeetingTimeExamplesInEveryLanguage: the meeting-time examples
// each language's messages suggest with a word for the day ("tomorrow
// 18:00", "غدًا 18:00") are read as tomorrow by ParseMeetingTime, and
// every language but English suggests a word of its own, not the
// English one.
func TestMeetingTimeExamplesInEveryLanguage(t *testing.T) {
	cat, err := locales.New()
	if err != nil {
		t.Fatal(err)
	}
	loc := rome(t)
	now := time.Date(2026, 11, 5, 9, 30, 0, 0, loc)
	// Both messages as the flows fill them (agreement.go's askMeetings
	// and dateError), with a date for the example's placeholder.
	data := map[string]map[string]any{
		"agreement.ask_meetings": {"Next": 1, "Total": 6, "Max": "2h", "Example": "12/11 18:00-19:30", "Zone": "Europe/Rome"},
		"meetings.date.format":   {"Example": "12/11"},
	}
	tomorrow := now.AddDate(0, 0, 1)
	for id, fill := range data {
		englishWords := make(map[string]bool)
		for _, ex := range dayWordExamples(cat.T(locales.Default, id, fill)) {
			englishWords[strings.Fields(ex)[0]] = true
		}
		for _, lang := range cat.Languages() {
			text := cat.T(lang, id, fill)
			examples := dayWordExamples(text)
			if len(examples) == 0 {
				t.Errorf("%s %s suggests no time with a word for the day: %q", lang, id, text)
			}
			for _, ex := range examples {
				got, err := flows.ParseMeetingTime(ex, now, loc, time.Time{})
				if err != nil || got.Start.YearDay() != tomorrow.YearDay() {
					t.Errorf("%s %s: ParseMeetingTime(%q) = %v, %v; want a time tomorrow, %s", lang, id, ex, got.Start, err, tomorrow.Format("2006-01-02"))
				}
				if lang != locales.Default && englishWords[strings.Fields(ex)[0]] {
					t.Errorf("%s %s suggests %q, with the English word; want the language's own", lang, id, ex)
				}
			}
		}
	}
}
