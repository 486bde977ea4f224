package flows

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/BurntSushi/toml"
)

// Program is the configuration of one mentoring programme, read from
// the programme file (TOML). Field names in errors are the TOML keys.
type Program struct {
	Name string `toml:"name"`
	// TimeZone is where the deadline and meeting times are read,
	// "Europe/Rome" unless told otherwise.
	TimeZone string `toml:"time_zone"`
	// DeadlineText is the application deadline as "2006-01-02 15:04"
	// in TimeZone; Deadline is it parsed.
	DeadlineText string    `toml:"deadline"`
	Deadline     time.Time `toml:"-"`

	// Edition names this year's call, "2026/27": applications and
	// mentorships carry it, so next year's call starts clean while this
	// one stays readable and exportable. Without it, the academic year
	// of the deadline (one starting in September).
	Edition string `toml:"edition"`
	// EndsText is the programme's last day as "2006-01-02"; Ends is it
	// parsed, the end of that day in TimeZone. Meetings must start by
	// then, and a date typed without a year is read as next year's only
	// when that is by then. Without it, a year after the deadline.
	EndsText string    `toml:"ends"`
	Ends     time.Time `toml:"-"`

	// Meetings is how many meetings a mentorship has (6), each at most
	// MaxMeeting long (2h).
	Meetings       int           `toml:"meetings"`
	MaxMeetingText string        `toml:"max_meeting_length"`
	MaxMeeting     time.Duration `toml:"-"`

	// Staff seeds the staff role so a new deployment has administrators.
	Staff        []int64      `toml:"staff"`
	Projects     []Project    `toml:"projects"`
	Universities []University `toml:"universities"`

	// Levels are the study levels that may apply, in the order they are
	// offered, each with its years and the least year and certified
	// language level it needs ([[levels]]; the seed's when none).
	Levels []StudyLevel `toml:"levels"`
	// ECTSTable is [ects] as written: the credit recognition text per
	// language code, and min_meetings and max_credits.
	ECTSTable map[string]any `toml:"ects"`
	// ECTS is the credit recognition text per language code.
	ECTS map[string]string `toml:"-"`
	// ECTSMinMeetings is how many meetings must have taken place before
	// a mentee asks for credits (default: all the programme's meetings);
	// ECTSMaxCredits the most credits the form may ask for (default 3).
	ECTSMinMeetings int `toml:"-"`
	ECTSMaxCredits  int `toml:"-"`

	Questionnaire []Question `toml:"questionnaire"`

	// SupportReminderAfter is how long a support ticket may wait for a
	// committee answer before the committee group is reminded ("24h").
	SupportReminderAfterText string        `toml:"support_reminder_after"`
	SupportReminderAfter     time.Duration `toml:"-"`

	// SupportRetention is how long a closed support ticket is kept
	// before it is deleted with everything that points at it ("2160h",
	// 90 days).
	SupportRetentionText string        `toml:"support_retention"`
	SupportRetention     time.Duration `toml:"-"`

	// DataRetention is how long a cohort's applications, mentorships,
	// diaries, questionnaire answers and ECTS forms are kept once a
	// person's part of the programme ended: their mentorship ended, or
	// their application was withdrawn or its result published
	// ("8760h", a year; see records.DB.ExpireCohorts).
	DataRetentionText string        `toml:"data_retention"`
	DataRetention     time.Duration `toml:"-"`

	// MeetingReminders are how long before each meeting mentor and
	// mentee are reminded (["24h", "1h"]).
	MeetingRemindersText []string        `toml:"meeting_reminders"`
	MeetingReminders     []time.Duration `toml:"-"`

	loc *time.Location
}

// Project is one mentoring project on offer.
type Project struct {
	ID string `toml:"id"`
	// Title is the project's title, shown in every language Titles
	// does not name; TitleIn picks the one for a reader.
	Title string `toml:"title"`
	// Titles is the title per language code ("it", "ar"), optional.
	Titles map[string]string `toml:"titles"`
	// Description is a few sentences about the project per language
	// code, optional, shown to students choosing a project when they
	// apply; DescriptionIn picks the one for a reader.
	Description map[string]string `toml:"description"`
	Host        string            `toml:"host"`
	// Mentor is the Telegram user id of the project's mentor.
	Mentor int64 `toml:"mentor"`
	// Language is the ISO 639-1 code of the project's foreign language.
	Language string `toml:"language"`
	// TimeZone is the host institution's time zone ("Europe/Madrid"),
	// the mentor's until they choose another (/timezone); the
	// programme's when empty.
	TimeZone string `toml:"time_zone"`
	loc      *time.Location
}

// Location is the host institution's time zone.
func (pr Project) Location() *time.Location { return pr.loc }

// TitleIn is the project's title for a reader of lang: its title in
// lang, else its English one, else Title.
func (pr Project) TitleIn(lang string) string {
	if s := pr.Titles[lang]; s != "" {
		return s
	}
	if s := pr.Titles["en"]; s != "" {
		return s
	}
	return pr.Title
}

// DescriptionIn is the project's description for a reader of lang, by
// textIn's rule; "" when the programme file gives none.
func (pr Project) DescriptionIn(lang string) string { return textIn(pr.Description, lang) }

// textIn picks from texts, keyed by language code, the text for a
// reader of lang: the one in lang, else the English one, else the one
// of the first language code in alphabetical order that has one, so a
// programme that wrote a text in one language only shows it to all.
// It returns "" when texts has none.
func textIn(texts map[string]string, lang string) string {
	if s := texts[lang]; s != "" {
		return s
	}
	if s := texts["en"]; s != "" {
		return s
	}
	for _, code := range slices.Sorted(maps.Keys(texts)) {
		if texts[code] != "" {
			return texts[code]
		}
	}
	return ""
}

// University is a university whose committee answers support requests.
type University struct {
	ID   string `toml:"id"`
	Name string `toml:"name"`
	// CommitteeChat is the id of the committee's Telegram group.
	CommitteeChat int64 `toml:"committee_chat"`
	// Language is the language code the bot writes in the committee's
	// group; the catalog's default when empty.
	Language string `toml:"language"`
	// Members seeds the committee with the Telegram user ids of members
	// who act in the group (Claim, Close, /tickets, /sign) without an
	// invite; others join through "/invite committee <id>".
	Members []int64 `toml:"members"`
}

// Question is one question of the final questionnaire. Kind is "scale"
// (1 to 5), "choice" (one of Choices) or "text". Text and Choices are
// per language code.
type Question struct {
	ID      string              `toml:"id"`
	Kind    string              `toml:"kind"`
	Text    map[string]string   `toml:"text"`
	Choices map[string][]string `toml:"choices"`
}

// LoadProgram reads and validates a programme file.
func LoadProgram(path string) (*Program, error) {
	buf, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read programme file: %w", err)
	}
	p, err := ParseProgram(buf)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return p, nil
}

// ParseProgram parses and validates a programme file's contents. The
// error names the offending field.
func ParseProgram(buf []byte) (*Program, error) {
	p := &Program{TimeZone: "Europe/Rome", Meetings: 6, MaxMeetingText: "2h", SupportReminderAfterText: "24h",
		SupportRetentionText: "2160h", DataRetentionText: "8760h", MeetingRemindersText: []string{"24h", "1h"}}
	if _, err := toml.Decode(string(buf), p); err != nil {
		return nil, fmt.Errorf("parse programme: %w", err)
	}
	if err := p.validate(); err != nil {
		return nil, err
	}
	return p, nil
}

// validate checks the programme and fills the fields parsed from text
// (Deadline, MaxMeeting, the reminders, the time zone); the error names
// the first TOML field at fault.
func (p *Program) validate() error {
	if strings.TrimSpace(p.Name) == "" {
		return errors.New("name: must not be empty")
	}
	if err := p.validateSchedule(); err != nil {
		return err
	}
	if err := p.validateProjects(); err != nil {
		return err
	}
	if err := p.validateUniversities(); err != nil {
		return err
	}
	if err := p.validateECTS(); err != nil {
		return err
	}
	if err := p.validateLevels(); err != nil {
		return err
	}
	return p.validateQuestionnaire()
}

// StudyLevel is one level of study (bachelor, master, single_cycle,
// phd, or one the programme names itself) and who of its students may
// apply: from year MinYear of Years, with at least MinLevel certified
// in the project's language.
type StudyLevel struct {
	ID       string `toml:"id"`
	Years    int    `toml:"years"`
	MinYear  int    `toml:"min_year"`
	MinLevel string `toml:"min_level"`
	// Name is the level's name per language code; needed for an id the
	// message files do not name.
	Name map[string]string `toml:"name"`
}

// defaultLevels are the seed programme's rules: Bachelor's students
// from their second year with B1, Master's students with B2.
var defaultLevels = []StudyLevel{
	{ID: DegreeBachelor, Years: 3, MinYear: 2, MinLevel: "B1"},
	{ID: DegreeMaster, Years: 2, MinYear: 1, MinLevel: "B2"},
}

// Level returns the study level id.
func (p *Program) Level(id string) (StudyLevel, bool) {
	for _, l := range p.Levels {
		if l.ID == id {
			return l, true
		}
	}
	return StudyLevel{}, false
}

// validID reports whether id may name a project, a university or a
// study level: ids travel in buttons' callback data.
func validID(id string) bool { return id != "" && len(id) <= 16 && validPart(id) }

// idRule says what validID wants, for the programme file's errors.
const idRule = "must be 1-16 letters, digits, '_', '.' or '-'"

// validateLevels checks [[levels]], or gives the seed's.
func (p *Program) validateLevels() error {
	if len(p.Levels) == 0 {
		p.Levels = slices.Clone(defaultLevels)
		return nil
	}
	seen := make(map[string]bool)
	for i, l := range p.Levels {
		switch {
		case !validID(l.ID):
			return fmt.Errorf("levels[%d].id: %q %s", i, l.ID, idRule)
		case seen[l.ID]:
			return fmt.Errorf("levels[%d].id: %q appears twice", i, l.ID)
		case l.Years < 1 || l.Years > 8:
			return fmt.Errorf("levels[%d].years: must be from 1 to 8", i)
		case l.MinYear < 1 || l.MinYear > l.Years:
			return fmt.Errorf("levels[%d].min_year: must be from 1 to years (%d)", i, l.Years)
		case !slices.Contains(cefrLevels, l.MinLevel):
			return fmt.Errorf("levels[%d].min_level: %q must be one of %s", i, l.MinLevel, strings.Join(cefrLevels, ", "))
		case !slices.Contains(namedDegrees, l.ID) && l.Name["en"] == "":
			return fmt.Errorf("levels[%d].name: an id other than %s needs at least name.en", i, strings.Join(namedDegrees, ", "))
		}
		seen[l.ID] = true
	}
	return nil
}

// defaultECTSMaxCredits is what the IOM programme grants at most.
const defaultECTSMaxCredits = 3

// validateECTS reads [ects]: texts per language, min_meetings (1 to the
// programme's meetings) and max_credits (1 to 30).
func (p *Program) validateECTS() error {
	p.ECTS, p.ECTSMinMeetings, p.ECTSMaxCredits = make(map[string]string), p.Meetings, defaultECTSMaxCredits
	for k, v := range p.ECTSTable {
		switch k {
		case "min_meetings", "max_credits":
			n, ok := v.(int64)
			limit := map[string]int{"min_meetings": p.Meetings, "max_credits": maxCredits}[k]
			if !ok || n < 1 || n > int64(limit) {
				return fmt.Errorf("ects.%s: must be a whole number from 1 to %d", k, limit)
			}
			if k == "min_meetings" {
				p.ECTSMinMeetings = int(n)
			} else {
				p.ECTSMaxCredits = int(n)
			}
		default:
			text, ok := v.(string)
			if !ok {
				return fmt.Errorf("ects.%s: must be the text in that language", k)
			}
			p.ECTS[k] = text
		}
	}
	return nil
}

// validateSchedule parses the time zone, the deadline and every
// duration, and checks the number of meetings, so the flows get times
// and durations they can compute with.
func (p *Program) validateSchedule() error {
	var err error
	if p.loc, err = time.LoadLocation(p.TimeZone); err != nil {
		return fmt.Errorf("time_zone: %q is not a known time zone", p.TimeZone)
	}
	if p.Deadline, err = time.ParseInLocation("2006-01-02 15:04", p.DeadlineText, p.loc); err != nil {
		return fmt.Errorf("deadline: %q is not of the form 2006-01-02 15:04", p.DeadlineText)
	}
	if p.EndsText == "" {
		p.Ends = p.Deadline.AddDate(1, 0, 0)
	} else if day, err := time.ParseInLocation("2006-01-02", p.EndsText, p.loc); err != nil {
		return fmt.Errorf("ends: %q is not of the form 2006-01-02", p.EndsText)
	} else if p.Ends = day.AddDate(0, 0, 1).Add(-time.Minute); !p.Ends.After(p.Deadline) {
		return fmt.Errorf("ends: %s is not after the deadline %s", p.EndsText, p.DeadlineText)
	}
	if err := p.validateEdition(); err != nil {
		return err
	}
	if p.Meetings < 1 || p.Meetings > 50 {
		return fmt.Errorf("meetings: %d is not between 1 and 50", p.Meetings)
	}
	if p.MaxMeeting, err = positiveDuration("max_meeting_length", p.MaxMeetingText, "2h"); err != nil {
		return err
	}
	if p.SupportReminderAfter, err = positiveDuration("support_reminder_after", p.SupportReminderAfterText, "24h"); err != nil {
		return err
	}
	if p.SupportRetention, err = positiveDuration("support_retention", p.SupportRetentionText, "2160h (90 days)"); err != nil {
		return err
	}
	if p.DataRetention, err = positiveDuration("data_retention", p.DataRetentionText, "8760h (a year)"); err != nil {
		return err
	}
	p.MeetingReminders = nil
	for i, text := range p.MeetingRemindersText {
		d, err := time.ParseDuration(text)
		if err != nil || d <= 0 || d > 30*24*time.Hour {
			return fmt.Errorf("meeting_reminders[%d]: %q is not a positive duration up to 720h such as 24h", i, text)
		}
		p.MeetingReminders = append(p.MeetingReminders, d)
	}
	return nil
}

// validateProjects checks that there is at least one project and that
// each has a unique short id (it goes into button data), a title and a
// language code, and that its titles and descriptions per language are
// well formed.
func (p *Program) validateProjects() error {
	if len(p.Projects) == 0 {
		return errors.New("projects: at least one project is needed")
	}
	seen := make(map[string]bool)
	for i := range p.Projects {
		pr := &p.Projects[i]
		pr.loc = p.loc
		if pr.TimeZone != "" {
			loc, err := time.LoadLocation(pr.TimeZone)
			if err != nil {
				return fmt.Errorf("projects[%d].time_zone: %q is not a known time zone", i, pr.TimeZone)
			}
			pr.loc = loc
		}
		switch {
		case pr.Mentor != 0 && slices.Contains(p.Staff, pr.Mentor):
			// A mentor who is also staff would review and match their
			// own mentees' applications.
			return fmt.Errorf("projects[%d].mentor: %d is also in staff; a project's mentor cannot be staff of it", i, pr.Mentor)
		case !validID(pr.ID):
			return fmt.Errorf("projects[%d].id: %q %s", i, pr.ID, idRule)
		case seen[pr.ID]:
			return fmt.Errorf("projects[%d].id: %q is used twice", i, pr.ID)
		case strings.TrimSpace(pr.Title) == "":
			return fmt.Errorf("projects[%d].title: must not be empty", i)
		case len(pr.Language) != 2:
			return fmt.Errorf("projects[%d].language: %q is not a two-letter language code", i, pr.Language)
		}
		if err := validateTexts(fmt.Sprintf("projects[%d].titles", i), pr.Titles, maxTitle); err != nil {
			return err
		}
		if err := validateTexts(fmt.Sprintf("projects[%d].description", i), pr.Description, maxDescription); err != nil {
			return err
		}
		seen[pr.ID] = true
	}
	return nil
}

// maxTitle and maxDescription bound a project's texts per language, in
// characters: the project step lists a page of projects
// (projectsPerPage) with their descriptions, which should stay within
// one Telegram message (4096).
const (
	maxTitle       = 200
	maxDescription = 400
)

// validateTexts checks texts of field, keyed by language code: each key
// a two-letter lower-case code, as the message files name languages,
// each text not blank and at most limit characters.
func validateTexts(field string, texts map[string]string, limit int) error {
	for _, code := range slices.Sorted(maps.Keys(texts)) {
		text := texts[code]
		switch {
		case !languageCode(code):
			return fmt.Errorf("%s: %q is not a two-letter lower-case language code such as it or ar", field, code)
		case strings.TrimSpace(text) == "":
			return fmt.Errorf("%s.%s: must not be empty", field, code)
		case utf8.RuneCountInString(text) > limit:
			return fmt.Errorf("%s.%s: is %d characters long; at most %d", field, code, utf8.RuneCountInString(text), limit)
		}
	}
	return nil
}

// languageCode reports whether code is two lower-case letters, as the
// bot names the languages it speaks.
func languageCode(code string) bool {
	return len(code) == 2 && code[0] >= 'a' && code[0] <= 'z' && code[1] >= 'a' && code[1] <= 'z'
}

// validateUniversities checks that each university has a unique short
// id, a name, a committee group of its own and, if given, a language
// code, so support requests reach only its committee: a group shared by
// two universities would show each one's students to the other.
func (p *Program) validateUniversities() error {
	seen := make(map[string]bool)
	chats := make(map[int64]string)
	for i, u := range p.Universities {
		switch {
		case !validID(u.ID):
			return fmt.Errorf("universities[%d].id: %q %s", i, u.ID, idRule)
		case seen[u.ID]:
			return fmt.Errorf("universities[%d].id: %q is used twice", i, u.ID)
		case strings.TrimSpace(u.Name) == "":
			return fmt.Errorf("universities[%d].name: must not be empty", i)
		case u.CommitteeChat >= 0:
			return fmt.Errorf("universities[%d].committee_chat: %d is not a group's chat id (groups have negative ids, such as -1001234567890)", i, u.CommitteeChat)
		case chats[u.CommitteeChat] != "":
			return fmt.Errorf("universities[%d].committee_chat: %d is also the committee group of %q; each university needs its own group", i, u.CommitteeChat, chats[u.CommitteeChat])
		case u.Language != "" && len(u.Language) != 2:
			return fmt.Errorf("universities[%d].language: %q is not a two-letter language code", i, u.Language)
		case slices.ContainsFunc(u.Members, func(id int64) bool { return id <= 0 }):
			return fmt.Errorf("universities[%d].members: user ids are positive numbers", i)
		}
		seen[u.ID] = true
		chats[u.CommitteeChat] = u.ID
	}
	return nil
}

// validateQuestionnaire checks that each question has an id, a known
// kind and an English text, and English choices when it is a choice,
// since English is what every language falls back to.
func (p *Program) validateQuestionnaire() error {
	for i, q := range p.Questionnaire {
		switch {
		case !validPart(q.ID) || q.ID == "":
			return fmt.Errorf("questionnaire[%d].id: %q must be letters, digits, '_', '.' or '-'", i, q.ID)
		case q.Kind != "scale" && q.Kind != "choice" && q.Kind != "text":
			return fmt.Errorf("questionnaire[%d].kind: %q is not scale, choice or text", i, q.Kind)
		case q.Text["en"] == "":
			return fmt.Errorf("questionnaire[%d].text: an English text (en) is needed", i)
		case q.Kind == "choice" && len(q.Choices["en"]) == 0:
			return fmt.Errorf("questionnaire[%d].choices: a choice question needs English choices (en)", i)
		}
	}
	return nil
}

// positiveDuration parses the duration text of field; the error names
// the field and shows an example.
func positiveDuration(field, text, example string) (time.Duration, error) {
	d, err := time.ParseDuration(text)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%s: %q is not a positive duration such as %s", field, text, example)
	}
	return d, nil
}

// validateEdition checks the edition's name, or names it after the
// academic year of the deadline: 2027-03-31 is in 2026/27.
func (p *Program) validateEdition() error {
	if p.Edition == "" {
		y := p.Deadline.Year()
		if p.Deadline.Month() < time.September {
			y--
		}
		p.Edition = fmt.Sprintf("%d/%02d", y, (y+1)%100)
		return nil
	}
	if !ValidEdition(p.Edition) {
		return fmt.Errorf("edition: %q is not a name like 2026/27 (letters, digits, / . - _, at most 20)", p.Edition)
	}
	return nil
}

// ValidEdition reports whether s can name an edition: a short name of
// letters, digits and / . - _, such as "2026/27", that can go in a
// command and a record key.
func ValidEdition(s string) bool {
	if s == "" || len(s) > 20 {
		return false
	}
	for _, r := range s {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("/.-_", r)
		if !ok {
			return false
		}
	}
	return true
}

// Location is the programme's time zone.
func (p *Program) Location() *time.Location { return p.loc }

// ProjectTitle names project id for a reader of lang: its title in
// their language, or the id itself when the programme no longer has
// the project (a record from an earlier edition).
func (p *Program) ProjectTitle(id, lang string) string {
	if pr, ok := p.Project(id); ok {
		return pr.TitleIn(lang)
	}
	return id
}

// Project returns the project with id, or false.
func (p *Program) Project(id string) (Project, bool) {
	for _, pr := range p.Projects {
		if pr.ID == id {
			return pr, true
		}
	}
	return Project{}, false
}

// University returns the university with id, or false.
func (p *Program) University(id string) (University, bool) {
	for _, u := range p.Universities {
		if u.ID == id {
			return u, true
		}
	}
	return University{}, false
}

// UniversityByChat returns the university whose committee group is
// chatID, or false.
func (p *Program) UniversityByChat(chatID int64) (University, bool) {
	for _, u := range p.Universities {
		if u.CommitteeChat == chatID {
			return u, true
		}
	}
	return University{}, false
}
