package flows

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/mentorbot/mentorbot/flows/pdfdoc"
)

const flowECTS = "ects"

// ectsFields are the fields of the credit recognition form, asked in
// this order.
var ectsFields = []string{"name", "number", "course", "university", "year", "credits"}

// ECTSForm is a mentee's request to have the mentorship recognised
// with credits by their degree course, kept at "ects:<mentorship id>".
type ECTSForm struct {
	MentorshipID  string    `json:"mentorship_id"`
	UserID        int64     `json:"user_id"`
	FullName      string    `json:"full_name"`
	StudentNumber string    `json:"student_number"`
	DegreeCourse  string    `json:"degree_course"`
	University    string    `json:"university"`
	AcademicYear  string    `json:"academic_year"`
	Credits       int       `json:"credits"`
	CreatedAt     time.Time `json:"created_at"`
}

func ectsKey(mid string) string { return "ects:" + mid }

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

// registerECTS adds /ects: the mentee whose degree course recognises
// the mentorship fills in the credit recognition form and gets it as a
// PDF together with the diary.
func registerECTS(e *Engine) {
	e.command(Command{Name: "ects", Help: "ects.cmd", Run: ectsCommand})
	e.buttons[flowECTS] = ectsButton
	e.steps[flowECTS] = ectsStep
	e.personalData(flowECTS, PersonalData{Export: e.exportECTS, Erase: e.eraseECTS})
}

func ectsCommand(t *Turn) error {
	ms, err := t.e.MentorshipsOf(t.ctx, t.Event.From.ID)
	if err != nil {
		return err
	}
	var mine []Mentorship
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
		return ectsAskRecognised(t, mine[0])
	}
	t.StartFlow(flowECTS, "pick")
	var rows [][]Button
	for _, m := range mine {
		pr, _ := t.Program().Project(m.ProjectID)
		rows = append(rows, []Button{t.Button(pr.Title+" ("+m.ID+")", "pick", m.ID)})
	}
	t.Say("ects.pick", nil, rows...)
	return nil
}

// ectsAskRecognised shows the programme's credit text and asks whether
// the mentee's course recognises the experience.
func ectsAskRecognised(t *Turn, m Mentorship) error {
	t.StartFlow(flowECTS, "recognised")
	t.Session.Set("mid", m.ID)
	text := questionText(t.Program().ECTS, t.Lang())
	if text != "" {
		text += "\n\n"
	}
	t.Reply(text+t.T("ects.recognised", nil), []Button{
		t.Button(t.T("ects.button.yes", nil), "yes", ""),
		t.Button(t.T("ects.button.no", nil), "no", ""),
	})
	return nil
}

func ectsButton(t *Turn) error {
	switch a := t.Callback.Action; {
	case a == "pick" && t.Session.Step == "pick":
		m, err := t.e.Mentorship(t.ctx, t.Callback.Arg)
		if errors.Is(err, ErrNotFound) || (err == nil && m.MenteeID != t.Event.From.ID) {
			t.Notice("error.bad_button")
			return nil
		}
		if err != nil {
			return err
		}
		return ectsAskRecognised(t, m)
	case a == "no" && t.Session.Step == "recognised":
		t.Session.Reset()
		t.Say("ects.not_recognised", nil)
		return nil
	case a == "yes" && t.Session.Step == "recognised":
		t.Say("ects.intro", nil)
		return ectsAsk(t, ectsFields[0])
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
		return ectsAsk(t, ectsFields[0])
	}
	t.Notice("error.stale_button")
	return nil
}

// ectsAsk moves to field step and asks for it.
func ectsAsk(t *Turn, step string) error {
	t.Session.Step = step
	text := t.T("ects.q."+step, map[string]any{"Min": minCredits, "Max": maxCredits})
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
	t.Reply(text, rows...)
	return nil
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
	step := t.Session.Step
	switch step {
	case "number":
		n, ok := ParseStudentNumber(value)
		if !ok {
			t.Say("ects.bad.number", nil)
			return nil
		}
		value = n
	case "year":
		y, ok := ParseAcademicYear(value)
		if !ok {
			t.Say("ects.bad.year", nil)
			return nil
		}
		value = y
	case "credits":
		c, ok := ParseCredits(value)
		if !ok {
			t.Say("ects.bad.credits", map[string]any{"Min": minCredits, "Max": maxCredits})
			return nil
		}
		value = strconv.Itoa(c)
	case "name", "course", "university":
		if n := len([]rune(value)); n < 2 || n > maxECTSText || !strings.ContainsFunc(value, unicode.IsLetter) {
			t.Say("ects.bad.text", map[string]any{"Max": maxECTSText})
			return nil
		}
	default:
		t.Session.Reset()
		t.Say("ects.use_buttons", nil)
		return nil
	}
	t.Session.Set("f."+step, value)
	for i, f := range ectsFields[:len(ectsFields)-1] {
		if f == step {
			return ectsAsk(t, ectsFields[i+1])
		}
	}
	return ectsReview(t)
}

func ectsReview(t *Turn) error {
	t.Session.Step = "review"
	var b strings.Builder
	b.WriteString(t.T("ects.review", nil))
	for _, f := range ectsFields {
		b.WriteString("\n• " + t.T("ects.label."+f, nil) + ": " + t.Session.Get("f."+f))
	}
	t.Reply(b.String(), []Button{
		t.Button(t.T("ects.button.confirm", nil), "confirm", ""),
		t.Button(t.T("ects.button.restart", nil), "restart", ""),
	})
	return nil
}

// ectsSubmit saves the form and sends it as a PDF with every diary
// entry written so far.
func ectsSubmit(t *Turn) error {
	m, err := t.e.Mentorship(t.ctx, t.Session.Get("mid"))
	if err != nil {
		return err
	}
	if m.MenteeID != t.Event.From.ID {
		t.Session.Reset()
		t.Say("error.not_allowed", nil)
		return nil
	}
	credits, _ := strconv.Atoi(t.Session.Get("f.credits"))
	f := ECTSForm{MentorshipID: m.ID, UserID: t.Event.From.ID,
		FullName: t.Session.Get("f.name"), StudentNumber: t.Session.Get("f.number"),
		DegreeCourse: t.Session.Get("f.course"), University: t.Session.Get("f.university"),
		AcademicYear: t.Session.Get("f.year"), Credits: credits, CreatedAt: t.Now().UTC()}
	var diary []DiaryEntry
	var missing []string
	for n := 1; n <= t.e.meetingCount(m); n++ {
		d, err := t.e.DiaryEntry(t.ctx, m.ID, n)
		if errors.Is(err, ErrNotFound) {
			missing = append(missing, strconv.Itoa(n))
			continue
		}
		if err != nil {
			return err
		}
		diary = append(diary, d)
	}
	form, err := t.e.ECTSPDF(t.ctx, m, f, len(diary), t.Lang())
	if err != nil {
		return err
	}
	if err := t.Store().Put(t.ctx, ectsKey(m.ID), f, 0); err != nil {
		return fmt.Errorf("save ects form %s: %w", m.ID, err)
	}
	t.Session.Reset()
	t.Send(Message{ChatID: t.Event.ChatID, Text: t.Plural("ects.ready", len(diary), nil),
		File: &Attachment{FileName: "ects-" + m.ID + ".pdf", Content: form}})
	for _, d := range diary {
		pdf, err := t.e.DiaryPDF(t.ctx, m, d)
		if err != nil {
			return err
		}
		t.Send(Message{ChatID: t.Event.ChatID, Text: t.T("ects.diary_caption", map[string]any{"N": d.N}),
			File: &Attachment{FileName: diaryFileName(d), Content: pdf}})
	}
	if len(missing) > 0 {
		t.Say("ects.missing", map[string]any{"Meetings": strings.Join(missing, ", ")})
	}
	return nil
}

// ECTSPDF renders the credit recognition form f of mentorship m in
// lang; written is how many diary entries go with it.
func (e *Engine) ECTSPDF(ctx context.Context, m Mentorship, f ECTSForm, written int, lang string) ([]byte, error) {
	tr := func(id string, data map[string]any) string { return e.cat.T(lang, id, data) }
	mentor := tr("diary.pdf.no_mentor", nil)
	if m.MentorID != 0 {
		var err error
		if mentor, err = e.personName(ctx, m.MentorID); err != nil {
			return nil, err
		}
	}
	pr, _ := e.program.Project(m.ProjectID)
	held, first, last := 0, "", ""
	for _, mt := range m.Meetings {
		if mt.Start.IsZero() || mt.Start.After(e.now()) {
			continue
		}
		held++
		day := mt.Start.In(e.program.Location()).Format("2006-01-02")
		if first == "" || day < first {
			first = day
		}
		if day > last {
			last = day
		}
	}
	period := tr("diary.unscheduled", nil)
	if first != "" {
		period = first + " – " + last
	}
	credits := strconv.Itoa(f.Credits)
	doc := pdfdoc.Document{
		Title:    tr("ects.pdf.title", nil),
		Subtitle: e.program.Name,
		Fields: []pdfdoc.Field{
			{Label: tr("ects.label.name", nil), Value: f.FullName},
			{Label: tr("ects.label.number", nil), Value: f.StudentNumber},
			{Label: tr("ects.label.course", nil), Value: f.DegreeCourse},
			{Label: tr("ects.label.university", nil), Value: f.University},
			{Label: tr("ects.label.year", nil), Value: f.AcademicYear},
			{Label: tr("ects.label.credits", nil), Value: credits},
			{Label: tr("diary.pdf.programme", nil), Value: e.program.Name},
			{Label: tr("diary.pdf.project", nil), Value: strings.TrimSuffix(pr.Title+" — "+pr.Host, " — ")},
			{Label: tr("diary.pdf.mentor", nil), Value: mentor},
			{Label: tr("ects.pdf.period", nil), Value: period},
			{Label: tr("ects.pdf.meetings", nil), Value: strconv.Itoa(held)},
			{Label: tr("ects.pdf.diary", nil), Value: strconv.Itoa(written)},
			{Label: tr("diary.pdf.reference", nil), Value: m.ID},
		},
		Sections: []pdfdoc.Section{
			{Heading: tr("ects.pdf.request", nil), Body: tr("ects.pdf.request_text", map[string]any{
				"Name": f.FullName, "Credits": credits, "Program": e.program.Name, "Course": f.DegreeCourse})},
			{Heading: tr("ects.pdf.signature", nil), Body: tr("ects.pdf.signature_text", map[string]any{
				"Date": f.CreatedAt.In(e.program.Location()).Format("2006-01-02")})},
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

// exportECTS returns the credit forms userID filled in.
func (e *Engine) exportECTS(ctx context.Context, userID int64) (any, error) {
	ms, err := e.MentorshipsOf(ctx, userID)
	if err != nil {
		return nil, err
	}
	var out []ECTSForm
	for _, m := range ms {
		var f ECTSForm
		err := e.store.Get(ctx, ectsKey(m.ID), &f)
		if errors.Is(err, ErrNotFound) || (err == nil && f.UserID != userID) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("load ects form %s: %w", m.ID, err)
		}
		out = append(out, f)
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

// eraseECTS deletes the credit forms of userID's mentorships as mentee.
func (e *Engine) eraseECTS(ctx context.Context, userID int64) error {
	ms, err := e.MentorshipsOf(ctx, userID)
	if err != nil {
		return err
	}
	for _, m := range ms {
		if m.MenteeID != userID {
			continue
		}
		if err := e.store.Delete(ctx, ectsKey(m.ID)); err != nil {
			return fmt.Errorf("erase ects form %s: %w", m.ID, err)
		}
	}
	return nil
}
