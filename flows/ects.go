package flows

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/mentorbot/mentorbot/flows/pdfdoc"
	"github.com/mentorbot/mentorbot/flows/records"
)

const flowECTS = "ects"

// ectsFields are the fields of the credit recognition form, asked in
// this order.
var ectsFields = []string{"name", "number", "course", "university", "year", "credits"}

// The limits of the form's fields.
const (
	maxECTSText = 200
	minCredits  = 1
	maxCredits  = 30
)

var (
	studentNumberPattern = regexp.MustCompile(`^[0-9]{3,12}$`)
	academicYearPattern  = regexp.MustCompile(`^([0-9]{4})\s*[/-]\s*([0-9]{2}|[0-9]{4})$`)
)

// ParseAcademicYear reads "2026/2027", "2026-27" or "2026/27" and
// returns it as "2026/2027"; ok is false for anything else, including
// years that do not follow each other.
func ParseAcademicYear(s string) (string, bool) {
	m := academicYearPattern.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return "", false
	}
	first, _ := strconv.Atoi(m[1])
	second, _ := strconv.Atoi(m[2])
	if len(m[2]) == 2 {
		second += first / 100 * 100
		if second < first {
			second += 100
		}
	}
	if second != first+1 || first < 2000 || first > 2100 {
		return "", false
	}
	return fmt.Sprintf("%d/%d", first, second), true
}

// ParseCredits reads a whole number of credits between 1 and 30.
func ParseCredits(s string) (int, bool) {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < minCredits || n > maxCredits {
		return 0, false
	}
	return n, true
}

// ParseStudentNumber reads a student number (matricola): 3 to 12
// digits, spaces ignored.
func ParseStudentNumber(s string) (string, bool) {
	s = strings.Join(strings.Fields(s), "")
	return s, studentNumberPattern.MatchString(s)
}

// ectsState is the ECTS flow's session state: the mentorship whose
// form the mentee fills in, and the fields given so far.
type ectsState struct {
	MID        string `json:"mid"`
	Name       string `json:"name,omitempty"`
	Number     string `json:"number,omitempty"`
	Course     string `json:"course,omitempty"`
	University string `json:"university,omitempty"`
	Year       string `json:"year,omitempty"`
	Credits    int    `json:"credits,omitempty"`
}

// field is the text of field f, as the review shows it.
func (s ectsState) field(f string) string {
	switch f {
	case "name":
		return s.Name
	case "number":
		return s.Number
	case "course":
		return s.Course
	case "university":
		return s.University
	case "year":
		return s.Year
	default:
		return strconv.Itoa(s.Credits)
	}
}

// registerECTS adds /ects: the mentee whose degree course recognises
// the mentorship fills in the credit recognition form and gets it as a
// PDF together with the diary.
func registerECTS(e *Engine) {
	e.command(Command{Name: "ects", Role: records.RoleAnyone, Scope: InPrivate, Help: "ects.cmd", Run: ectsCommand})
	e.onButton(flowECTS, records.RoleAnyone, InPrivate, ectsButton)
	e.onStep(flowStep(flowECTS), ectsStep)
	e.personalData(flowECTS, PersonalData{
		Export: exportECTS,
		Erase:  eraseECTS,
	})
}

func ectsCommand(t *Turn) error {
	ms, err := t.rec.MentorshipsOf(t.ctx, t.Event.From.ID)
	if err != nil {
		return err
	}
	var mine []records.Mentorship
	for _, m := range ms {
		if m.MenteeID == t.Event.From.ID {
			mine = append(mine, m)
		}
	}
	switch len(mine) {
	case 0:
		t.Say("ects.none", nil)
		return nil
	case 1:
		ectsAskRecognised(t, mine[0])
		return nil
	}
	t.StartFlow(flowECTS, "pick")
	var rows [][]Button
	for _, m := range mine {
		pr, _ := t.Program().Project(m.ProjectID)
		rows = append(rows, []Button{t.Button(pr.TitleIn(t.Lang())+" ("+m.ID+")", "pick", m.ID)})
	}
	t.Say("ects.pick", nil, rows...)
	return nil
}

// ectsAskRecognised shows the programme's credit text and asks whether
// the mentee's course recognises the experience, once enough meetings
// took place for the credits (the programme's ects.min_meetings).
func ectsAskRecognised(t *Turn, m records.Mentorship) {
	if held, _, _ := heldMeetings(m, t.Now()); held < t.Program().ECTSMinMeetings {
		t.Session.Reset()
		sayBuilt(t, "ects.too_early", t.Plural("ects.too_early", held, map[string]any{"Min": t.Program().ECTSMinMeetings}))
		return
	}
	t.StartFlow(flowECTS, "recognised")
	t.SaveState(ectsState{MID: m.ID})
	text := textIn(t.Program().ECTS, t.Lang())
	if text != "" {
		text += "\n\n"
	}
	sayComposed(t, "ects.recognised", text+t.T("ects.recognised", nil), []Button{
		t.Button(t.T("ects.button.yes", nil), "yes", ""),
		t.Button(t.T("ects.button.no", nil), "no", ""),
	})
}

func ectsButton(t *Turn) error {
	switch a := t.Callback.Action; {
	case a == "pick" && t.Session.Step == "pick":
		m, err := t.rec.Mentorship(t.ctx, t.Callback.Arg)
		if errors.Is(err, records.ErrNotFound) || (err == nil && m.MenteeID != t.Event.From.ID) {
			t.Notice("error.bad_button")
			return nil
		}
		if err != nil {
			return err
		}
		ectsAskRecognised(t, m)
		return nil
	case a == "no" && t.Session.Step == "recognised":
		t.Session.Reset()
		t.Say("ects.not_recognised", nil)
		return nil
	case a == "yes" && t.Session.Step == "recognised":
		t.Say("ects.intro", nil)
		ectsAsk(t, ectsFields[0])
		return nil
	case a == "usename" && t.Session.Step == "name":
		return ectsAccept(t, strings.TrimSpace(t.Event.From.FirstName+" "+t.Event.From.LastName))
	case a == "uni" && t.Session.Step == "university":
		u, ok := t.Program().University(t.Callback.Arg)
		if !ok {
			t.Notice("error.bad_button")
			return nil
		}
		return ectsAccept(t, u.Name)
	case a == "confirm" && t.Session.Step == "review":
		return ectsSubmit(t)
	case a == "restart" && t.Session.Step == "review":
		ectsAsk(t, ectsFields[0])
		return nil
	}
	t.Notice("error.stale_button")
	return nil
}

// ectsAsk moves to field step and asks for it.
func ectsAsk(t *Turn, step string) {
	t.Session.Step = step
	id := "ects.q." + step
	var rows [][]Button
	switch step {
	case "name":
		if name := strings.TrimSpace(t.Event.From.FirstName + " " + t.Event.From.LastName); name != "" {
			rows = append(rows, []Button{t.Button(t.T("ects.button.use", map[string]any{"Value": name}), "usename", "")})
		}
	case "university":
		for _, u := range t.Program().Universities {
			rows = append(rows, []Button{t.Button(u.Name, "uni", u.ID)})
		}
	}
	t.Say(id, map[string]any{"Min": minCredits, "Max": t.Program().ECTSMaxCredits}, rows...)
}

func ectsStep(t *Turn) error {
	switch t.Session.Step {
	case "pick", "recognised", "review":
		t.Say("ects.use_buttons", nil)
		return nil
	}
	if t.Event.Kind != KindText || strings.TrimSpace(t.Event.Text) == "" {
		t.Say("ects.text_only", nil)
		return nil
	}
	return ectsAccept(t, strings.TrimSpace(t.Event.Text))
}

// ectsAccept validates value for the current field, stores it and asks
// the next field, or shows the review after the last.
func ectsAccept(t *Turn, value string) error {
	var st ectsState
	if err := t.LoadState(&st); err != nil {
		return err
	}
	step := t.Session.Step
	if !slices.Contains(ectsFields, step) {
		t.Session.Reset()
		t.Say("ects.use_buttons", nil)
		return nil
	}
	if !ectsSet(t, &st, step, value) {
		return nil
	}
	t.SaveState(st)
	if i := slices.Index(ectsFields, step); i < len(ectsFields)-1 {
		ectsAsk(t, ectsFields[i+1])
		return nil
	}
	ectsReview(t, st)
	return nil
}

// ectsSet checks value for field f and keeps it in st, or tells what is
// wrong with it and returns false.
func ectsSet(t *Turn, st *ectsState, f, value string) bool {
	var ok bool
	switch f {
	case "number":
		if st.Number, ok = ParseStudentNumber(value); !ok {
			t.Say("ects.bad.number", nil)
		}
	case "year":
		if st.Year, ok = ParseAcademicYear(value); !ok {
			t.Say("ects.bad.year", nil)
		}
	case "credits":
		if st.Credits, ok = ParseCredits(value); !ok || st.Credits > t.Program().ECTSMaxCredits {
			ok = false
			t.Say("ects.bad.credits", map[string]any{"Min": minCredits, "Max": t.Program().ECTSMaxCredits})
		}
	default: // name, course, university
		if n := len([]rune(value)); n < 2 || n > maxECTSText || !strings.ContainsFunc(value, unicode.IsLetter) {
			t.Say("ects.bad.text", map[string]any{"Max": maxECTSText})
			return false
		}
		ok = true
		switch f {
		case "name":
			st.Name = value
		case "course":
			st.Course = value
		default:
			st.University = value
		}
	}
	return ok
}

func ectsReview(t *Turn, st ectsState) {
	t.Session.Step = "review"
	var b strings.Builder
	b.WriteString(t.T("ects.review", nil))
	for _, f := range ectsFields {
		b.WriteString("\n• " + t.T("ects.label."+f, nil) + ": " + st.field(f))
	}
	sayComposed(t, "ects.review", b.String(), []Button{
		t.Button(t.T("ects.button.confirm", nil), "confirm", ""),
		t.Button(t.T("ects.button.restart", nil), "restart", ""),
	})
}

// ectsSubmit saves the form and sends it as a PDF with every diary
// entry written so far.
func ectsSubmit(t *Turn) error {
	var st ectsState
	if err := t.LoadState(&st); err != nil {
		return err
	}
	m, err := t.rec.Mentorship(t.ctx, st.MID)
	if err != nil {
		return err
	}
	if m.MenteeID != t.Event.From.ID {
		t.Session.Reset()
		t.Say("error.not_allowed", nil)
		return nil
	}
	f := records.ECTSForm{MentorshipID: m.ID, UserID: t.Event.From.ID,
		FullName: st.Name, StudentNumber: st.Number, DegreeCourse: st.Course, University: st.University,
		AcademicYear: st.Year, Credits: st.Credits, CreatedAt: t.Now().UTC()}
	diary, err := t.rec.Diary(t.ctx, m.ID, meetingCount(t.Program(), m))
	if err != nil {
		return err
	}
	form, err := ectsPDF(t, m, f, len(diary), t.Lang())
	if err != nil {
		return err
	}
	if err := t.rec.SaveECTSForm(t.ctx, f); err != nil {
		return err
	}
	t.Session.Reset()
	return sendECTS(t, m, form, diary)
}

// sendECTS sends the form's PDF, then the diary entries that go with
// it, and says which are missing.
func sendECTS(t *Turn, m records.Mentorship, form []byte, diary []records.DiaryEntry) error {
	t.Send(Message{ChatID: t.Event.ChatID, Text: t.Plural("ects.ready", len(diary), nil), TextID: "ects.ready",
		File: &Attachment{FileName: "ects-" + m.ID + ".pdf", Content: form}})
	written := make(map[int]bool)
	for _, d := range diary {
		pdf, err := diaryPDF(t, m, d)
		if err != nil {
			return err
		}
		written[d.N] = true
		t.Send(Message{ChatID: t.Event.ChatID, Text: t.T("ects.diary_caption", map[string]any{"N": d.N}), TextID: "ects.diary_caption",
			File: &Attachment{FileName: diaryFileName(d), Content: pdf}})
	}
	var missing []string
	for n := 1; n <= meetingCount(t.Program(), m); n++ {
		if !written[n] {
			missing = append(missing, strconv.Itoa(n))
		}
	}
	if len(missing) > 0 {
		t.Say("ects.missing", map[string]any{"Meetings": strings.Join(missing, ", ")})
	}
	return nil
}

// ectsPDF renders the credit recognition form f of mentorship m in
// lang; written is how many diary entries go with it.
func ectsPDF(t *Turn, m records.Mentorship, f records.ECTSForm, written int, lang string) ([]byte, error) {
	prog := t.Program()
	tr := func(id string, data map[string]any) string { return t.e.cat.T(lang, id, data) }
	mentor := tr("diary.pdf.no_mentor", nil)
	if m.MentorID != 0 {
		var err error
		if mentor, err = personName(t, lang, m.MentorID); err != nil {
			return nil, err
		}
	}
	held, first, last := heldMeetings(m, t.Now())
	period := tr("diary.unscheduled", nil)
	if held > 0 {
		dates := t.datesIn(lang)
		period = dates.date(first) + " – " + dates.date(last)
	}
	credits := strconv.Itoa(f.Credits)
	doc := pdfdoc.Document{
		Title:    tr("ects.pdf.title", nil),
		Subtitle: prog.Name,
		Fields: []pdfdoc.Field{
			{Label: tr("ects.label.name", nil), Value: f.FullName},
			{Label: tr("ects.label.number", nil), Value: f.StudentNumber},
			{Label: tr("ects.label.course", nil), Value: f.DegreeCourse},
			{Label: tr("ects.label.university", nil), Value: f.University},
			{Label: tr("ects.label.year", nil), Value: f.AcademicYear},
			{Label: tr("ects.label.credits", nil), Value: credits},
			{Label: tr("diary.pdf.programme", nil), Value: prog.Name},
			{Label: tr("diary.pdf.project", nil), Value: projectLine(prog, m, lang)},
			{Label: tr("diary.pdf.mentor", nil), Value: mentor},
			{Label: tr("ects.pdf.period", nil), Value: period},
			{Label: tr("ects.pdf.meetings", nil), Value: strconv.Itoa(held)},
			{Label: tr("ects.pdf.diary", nil), Value: strconv.Itoa(written)},
			{Label: tr("diary.pdf.reference", nil), Value: m.ID},
		},
		Sections: []pdfdoc.Section{
			{Heading: tr("ects.pdf.request", nil), Body: tr("ects.pdf.request_text", map[string]any{
				"Name": f.FullName, "Credits": credits, "Program": prog.Name, "Course": f.DegreeCourse})},
			{Heading: tr("ects.pdf.signature", nil), Body: tr("ects.pdf.signature_text", map[string]any{
				"Date": t.datesIn(lang).date(f.CreatedAt)})},
		},
		Footer:  tr("ects.pdf.footer", nil),
		Author:  f.FullName,
		Created: f.CreatedAt,
	}
	out, err := pdfdoc.Render(doc)
	if err != nil {
		return nil, fmt.Errorf("ects pdf %s: %w", m.ID, err)
	}
	return out, nil
}

// heldMeetings counts the meetings of m begun by now, with the start
// of the first and of the last of them (zero when none was held).
func heldMeetings(m records.Mentorship, now time.Time) (held int, first, last time.Time) {
	for _, mt := range m.Meetings {
		if mt.Start.IsZero() || mt.Start.After(now) {
			continue
		}
		held++
		if first.IsZero() || mt.Start.Before(first) {
			first = mt.Start
		}
		if mt.Start.After(last) {
			last = mt.Start
		}
	}
	return held, first, last
}

// exportECTS returns the credit forms userID filled in.
func exportECTS(ctx context.Context, rec *records.DB, userID int64) (any, error) {
	ms, err := rec.MentorshipsOf(ctx, userID)
	if err != nil {
		return nil, err
	}
	var out []records.ECTSForm
	for _, m := range ms {
		f, err := rec.ECTSForm(ctx, m.ID)
		if errors.Is(err, records.ErrNotFound) || (err == nil && f.UserID != userID) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

// eraseECTS deletes the credit forms of userID's mentorships as mentee.
func eraseECTS(ctx context.Context, rec *records.DB, userID int64) error {
	ms, err := rec.MentorshipsOf(ctx, userID)
	if err != nil {
		return err
	}
	for _, m := range ms {
		if m.MenteeID != userID {
			continue
		}
		if err := rec.DeleteECTSForm(ctx, m.ID); err != nil {
			return err
		}
	}
	return nil
}
