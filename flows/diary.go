package flows

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/mentorbot/mentorbot/flows/pdfdoc"
)

const flowDiary = "diary"

// diaryQuestions are the steps of an entry, in order; each is answered
// in free text, over as many messages as the mentee likes, until Done.
var diaryQuestions = []string{"date", "topics", "learned", "next"}

// The diary's limits.
const (
	// maxDiaryAnswer bounds one answer, over all its messages.
	maxDiaryAnswer = 6000
	// maxDiaryComment bounds the mentor's comment.
	maxDiaryComment = 1000
	// DiaryEditWindow is how long after a mentorship ended its diary
	// can still be written or corrected: the last meeting's entry is
	// written after the meeting, and credits are claimed later still.
	DiaryEditWindow = 60 * 24 * time.Hour
)

// DiaryEntry is the mentee's record of one meeting, with the mentor's
// optional comment. It is stored at DiaryKey.
type DiaryEntry struct {
	MentorshipID string    `json:"mentorship_id"`
	N            int       `json:"n"`
	Date         string    `json:"date"`
	Topics       string    `json:"topics"`
	Learned      string    `json:"learned"`
	NextSteps    string    `json:"next_steps"`
	WrittenAt    time.Time `json:"written_at"`
	UpdatedAt    time.Time `json:"updated_at"`
	Comment      string    `json:"comment,omitempty"`
	CommentedAt  time.Time `json:"commented_at,omitzero"`
}

func (d *DiaryEntry) answer(q string) *string {
	switch q {
	case "date":
		return &d.Date
	case "topics":
		return &d.Topics
	case "learned":
		return &d.Learned
	default:
		return &d.NextSteps
	}
}

// DiaryKey is where the diary entry of meeting n of a mentorship is
// kept; the meetings flow checks it exists to remind late diarists.
func DiaryKey(mentorshipID string, n int) string {
	return "diary:" + mentorshipID + ":" + strconv.Itoa(n)
}

// DiaryEntry loads the entry of meeting n; ErrNotFound if unwritten.
func (e *Engine) DiaryEntry(ctx context.Context, mentorshipID string, n int) (DiaryEntry, error) {
	var d DiaryEntry
	if err := e.store.Get(ctx, DiaryKey(mentorshipID, n), &d); err != nil {
		return DiaryEntry{}, fmt.Errorf("load diary %s/%d: %w", mentorshipID, n, err)
	}
	return d, nil
}

func (e *Engine) saveDiary(ctx context.Context, d DiaryEntry) error {
	if err := e.store.Put(ctx, DiaryKey(d.MentorshipID, d.N), d, 0); err != nil {
		return fmt.Errorf("save diary %s/%d: %w", d.MentorshipID, d.N, err)
	}
	return nil
}

// meetingCount is how many meetings a mentorship has room for: the
// programme's number, or more if more were agreed.
func (e *Engine) meetingCount(m Mentorship) int {
	return max(e.program.Meetings, len(m.Meetings))
}

// meeting returns meeting n of m, if it was scheduled.
func meetingN(m Mentorship, n int) (Meeting, bool) {
	for _, mt := range m.Meetings {
		if mt.N == n {
			return mt, true
		}
	}
	return Meeting{}, false
}

// diaryLocked reports whether m's diary can no longer change.
func diaryLocked(m Mentorship, now time.Time) bool {
	return !m.EndedAt.IsZero() && now.After(m.EndedAt.Add(DiaryEditWindow))
}

// DiaryButton is a button for the mentee of mentorshipID to write the
// entry of meeting n, for reminders sent after a meeting. It stays
// valid; pressing it re-checks who presses it.
func (e *Engine) DiaryButton(lang, mentorshipID string, n int) Button {
	return e.button(e.cat.T(lang, "diary.button.write", map[string]any{"N": n}),
		Callback{Flow: flowDiary, Action: "write", Arg: meetingArg(mentorshipID, n)})
}

func meetingArg(mentorshipID string, n int) string { return mentorshipID + "." + strconv.Itoa(n) }

// parseMeetingArg splits "<mentorship id>.<n>"; ids never end in a dot
// and a number.
func parseMeetingArg(arg string) (string, int, bool) {
	i := strings.LastIndexByte(arg, '.')
	if i <= 0 {
		return "", 0, false
	}
	n, err := strconv.Atoi(arg[i+1:])
	if err != nil || n < 1 {
		return "", 0, false
	}
	return arg[:i], n, true
}

// registerDiary adds /diary: the mentee writes one entry per meeting,
// gets it back as a PDF, and the mentor may comment on it.
func registerDiary(e *Engine) {
	e.command(Command{Name: "diary", Help: "diary.cmd", Run: diaryList})
	e.buttons[flowDiary] = diaryButton
	e.steps[flowDiary] = diaryStep
	e.personalData(flowDiary, PersonalData{Export: e.exportDiary, Erase: e.eraseDiary})
}

// diaryList shows the mentee each meeting with its entry done or
// missing, and the mentor the entries they can comment on.
func diaryList(t *Turn) error {
	ms, err := t.e.MentorshipsOf(t.ctx, t.Event.From.ID)
	if err != nil {
		return err
	}
	if len(ms) == 0 {
		t.Say("diary.none", nil)
		return nil
	}
	t.StartFlow(flowDiary, "pick")
	now := t.Now()
	for _, m := range ms {
		mentee := m.MenteeID == t.Event.From.ID
		var b strings.Builder
		var rows [][]Button
		pr, _ := t.Program().Project(m.ProjectID)
		if mentee {
			b.WriteString(t.T("diary.list.mentee", map[string]any{"Project": pr.Title}))
		} else {
			name, err := t.e.personName(t.ctx, m.MenteeID)
			if err != nil {
				return err
			}
			b.WriteString(t.T("diary.list.mentor", map[string]any{"Project": pr.Title, "Mentee": name}))
		}
		locked := diaryLocked(m, now)
		for n := 1; n <= t.e.meetingCount(m); n++ {
			_, err := t.e.DiaryEntry(t.ctx, m.ID, n)
			done := err == nil
			if err != nil && !errors.Is(err, ErrNotFound) {
				return err
			}
			data := map[string]any{"N": n, "When": t.e.meetingWhen(m, n, t.Lang())}
			mt, scheduled := meetingN(m, n)
			switch {
			case done:
				b.WriteString("\n" + t.T("diary.list.done", data))
			case scheduled && mt.Start.After(now):
				b.WriteString("\n" + t.T("diary.list.upcoming", data))
			default:
				b.WriteString("\n" + t.T("diary.list.missing", data))
			}
			arg := meetingArg(m.ID, n)
			switch {
			case locked:
			case mentee && (!scheduled || !mt.Start.After(now)):
				label := "diary.button.write"
				if done {
					label = "diary.button.edit"
				}
				rows = append(rows, []Button{t.Button(t.T(label, data), "write", arg)})
			case !mentee && done:
				rows = append(rows, []Button{t.LastingButton(t.T("diary.button.comment", data), flowDiary, "comment", arg)})
			}
		}
		if locked {
			b.WriteString("\n" + t.T("diary.list.locked", nil))
		}
		t.Reply(b.String(), rows...)
	}
	return nil
}

// meetingWhen is the scheduled time of meeting n, or a placeholder.
func (e *Engine) meetingWhen(m Mentorship, n int, lang string) string {
	mt, ok := meetingN(m, n)
	if !ok || mt.Start.IsZero() {
		return e.cat.T(lang, "diary.unscheduled", nil)
	}
	return mt.Start.In(e.program.Location()).Format("2006-01-02 15:04")
}

// personName is how documents name a person: first and last name as
// Telegram gave them.
func (e *Engine) personName(ctx context.Context, userID int64) (string, error) {
	p, err := e.Profile(ctx, userID)
	if err != nil {
		return "", err
	}
	name := strings.TrimSpace(p.FirstName + " " + p.LastName)
	if name == "" {
		name = strconv.FormatInt(userID, 10)
	}
	return name, nil
}

func diaryButton(t *Turn) error {
	switch t.Callback.Action {
	case "write":
		return diaryStart(t)
	case "comment":
		return diaryCommentStart(t)
	case "done":
		return diaryDone(t)
	case "usedate":
		if t.Session.Step != "date" {
			t.Notice("error.stale_button")
			return nil
		}
		m, err := t.e.Mentorship(t.ctx, t.Session.Get("mid"))
		if err != nil {
			return err
		}
		n, _ := strconv.Atoi(t.Session.Get("n"))
		t.Session.Set("a.date", t.e.meetingWhen(m, n, t.Lang()))
		t.Session.Set("typed.date", "1")
		return diaryDone(t)
	}
	t.Notice("error.bad_button")
	return nil
}

// diaryTarget loads the mentorship and meeting a button names and
// checks the presser may write or comment on it; ok false means a
// message was already given.
func diaryTarget(t *Turn, asMentee bool) (m Mentorship, n int, ok bool, err error) {
	id, n, valid := parseMeetingArg(t.Callback.Arg)
	if !valid {
		t.Notice("error.bad_button")
		return m, 0, false, nil
	}
	m, err = t.e.Mentorship(t.ctx, id)
	if errors.Is(err, ErrNotFound) {
		t.Notice("error.bad_button")
		return m, 0, false, nil
	}
	if err != nil {
		return m, 0, false, err
	}
	who := m.MentorID
	if asMentee {
		who = m.MenteeID
	}
	if t.Event.From.ID != who || n > t.e.meetingCount(m) {
		t.Notice("error.bad_button")
		return m, 0, false, nil
	}
	if diaryLocked(m, t.Now()) {
		t.Say("diary.locked", nil)
		return m, 0, false, nil
	}
	return m, n, true, nil
}

// diaryStart begins (or reopens) the entry of a meeting.
func diaryStart(t *Turn) error {
	m, n, ok, err := diaryTarget(t, true)
	if !ok || err != nil {
		return err
	}
	if mt, scheduled := meetingN(m, n); scheduled && mt.Start.After(t.Now()) {
		t.Say("diary.not_held", map[string]any{"N": n, "When": t.e.meetingWhen(m, n, t.Lang())})
		return nil
	}
	old, err := t.e.DiaryEntry(t.ctx, m.ID, n)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return err
	}
	t.StartFlow(flowDiary, diaryQuestions[0])
	t.Session.Set("mid", m.ID)
	t.Session.Set("n", strconv.Itoa(n))
	for _, q := range diaryQuestions {
		if a := *old.answer(q); a != "" {
			t.Session.Set("a."+q, a)
		}
	}
	t.Say("diary.intro", map[string]any{"N": n})
	diaryAsk(t, m, n)
	return nil
}

// diaryAsk asks the session's current question, showing the answer
// already given when the entry is being edited.
func diaryAsk(t *Turn, m Mentorship, n int) {
	q := t.Session.Step
	row := []Button{t.Button(t.T("diary.button.done", nil), "done", "")}
	if _, ok := meetingN(m, n); ok && q == "date" {
		row = append(row, t.Button(t.T("diary.button.usedate", map[string]any{"When": t.e.meetingWhen(m, n, t.Lang())}), "usedate", ""))
	}
	text := t.T("diary.q."+q, map[string]any{"N": n})
	if old := t.Session.Get("a." + q); old != "" {
		text += "\n\n" + t.T("diary.current", map[string]any{"Answer": old})
	}
	t.Reply(text, row)
}

// diaryStep takes free input: answer text while writing an entry, the
// comment while commenting.
func diaryStep(t *Turn) error {
	step := t.Session.Step
	if step == "pick" {
		t.Say("diary.use_buttons", nil)
		return nil
	}
	if t.Event.Kind != KindText || strings.TrimSpace(t.Event.Text) == "" {
		t.Say("diary.text_only", nil)
		return nil
	}
	text := strings.TrimSpace(t.Event.Text)
	if step == "comment" {
		return diaryCommentSave(t, text)
	}
	if !isDiaryQuestion(step) {
		t.Session.Reset()
		t.Say("diary.use_buttons", nil)
		return nil
	}
	answer := text
	if t.Session.Get("typed."+step) != "" {
		answer = t.Session.Get("a."+step) + "\n" + text
	}
	if len([]rune(answer)) > maxDiaryAnswer {
		t.Say("diary.too_long", map[string]any{"Max": maxDiaryAnswer})
		return nil
	}
	t.Session.Set("a."+step, answer)
	t.Session.Set("typed."+step, "1")
	t.Say("diary.noted", nil, []Button{t.Button(t.T("diary.button.done", nil), "done", "")})
	return nil
}

func isDiaryQuestion(step string) bool {
	for _, q := range diaryQuestions {
		if q == step {
			return true
		}
	}
	return false
}

// diaryDone closes the current question and asks the next, or saves
// the entry after the last.
func diaryDone(t *Turn) error {
	step := t.Session.Step
	if !isDiaryQuestion(step) {
		t.Notice("error.stale_button")
		return nil
	}
	if strings.TrimSpace(t.Session.Get("a."+step)) == "" {
		t.Say("diary.empty", nil)
		return nil
	}
	m, err := t.e.Mentorship(t.ctx, t.Session.Get("mid"))
	if err != nil {
		return err
	}
	n, _ := strconv.Atoi(t.Session.Get("n"))
	if diaryLocked(m, t.Now()) {
		t.Session.Reset()
		t.Say("diary.locked", nil)
		return nil
	}
	for i, q := range diaryQuestions[:len(diaryQuestions)-1] {
		if q == step {
			t.Session.Step = diaryQuestions[i+1]
			diaryAsk(t, m, n)
			return nil
		}
	}
	return diarySave(t, m, n)
}

// diarySave stores the entry, keeping a comment the mentor wrote
// meanwhile, and sends the PDF to the mentee and the mentor.
func diarySave(t *Turn, m Mentorship, n int) error {
	d, err := t.e.DiaryEntry(t.ctx, m.ID, n)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return err
	}
	now := t.Now().UTC()
	if d.WrittenAt.IsZero() {
		d.WrittenAt = now
	}
	d.MentorshipID, d.N, d.UpdatedAt = m.ID, n, now
	for _, q := range diaryQuestions {
		*d.answer(q) = t.Session.Get("a." + q)
	}
	if err := t.e.saveDiary(t.ctx, d); err != nil {
		return err
	}
	t.Session.Reset()
	if err := t.e.sendDiary(t, m, d, m.MenteeID, "diary.saved", nil); err != nil {
		return err
	}
	var buttons []Button
	if m.MentorID != 0 {
		lang := t.e.LangOf(t.ctx, m.MentorID)
		buttons = append(buttons, t.LastingButton(t.e.cat.T(lang, "diary.button.comment", map[string]any{"N": n}), flowDiary, "comment", meetingArg(m.ID, n)))
		return t.e.sendDiary(t, m, d, m.MentorID, "diary.to_mentor", buttons)
	}
	return nil
}

// sendDiary sends userID the PDF of d with message id as caption.
func (e *Engine) sendDiary(t *Turn, m Mentorship, d DiaryEntry, userID int64, id string, buttons []Button) error {
	pdf, err := e.DiaryPDF(t.ctx, m, d)
	if err != nil {
		return err
	}
	mentee, err := e.personName(t.ctx, m.MenteeID)
	if err != nil {
		return err
	}
	lang := e.LangOf(t.ctx, userID)
	if userID == t.Event.From.ID {
		lang = t.Lang()
	}
	msg := Message{ChatID: userID, Text: e.cat.T(lang, id, map[string]any{"N": d.N, "Mentee": mentee}),
		File: &Attachment{FileName: diaryFileName(d), Content: pdf}}
	if len(buttons) > 0 {
		msg.Buttons = [][]Button{buttons}
	}
	t.Send(msg)
	return nil
}

func diaryFileName(d DiaryEntry) string {
	return "diary-" + d.MentorshipID + "-meeting-" + strconv.Itoa(d.N) + ".pdf"
}

// DiaryPDF renders entry d of mentorship m, in the mentee's language.
func (e *Engine) DiaryPDF(ctx context.Context, m Mentorship, d DiaryEntry) ([]byte, error) {
	lang := e.LangOf(ctx, m.MenteeID)
	tr := func(id string, data map[string]any) string { return e.cat.T(lang, id, data) }
	mentee, err := e.personName(ctx, m.MenteeID)
	if err != nil {
		return nil, err
	}
	mentor := tr("diary.pdf.no_mentor", nil)
	if m.MentorID != 0 {
		if mentor, err = e.personName(ctx, m.MentorID); err != nil {
			return nil, err
		}
	}
	pr, _ := e.program.Project(m.ProjectID)
	project := pr.Title
	if pr.Host != "" {
		project += " — " + pr.Host
	}
	doc := pdfdoc.Document{
		Title:    tr("diary.pdf.title", map[string]any{"N": d.N}),
		Subtitle: e.program.Name,
		Fields: []pdfdoc.Field{
			{Label: tr("diary.pdf.programme", nil), Value: e.program.Name},
			{Label: tr("diary.pdf.project", nil), Value: project},
			{Label: tr("diary.pdf.mentee", nil), Value: mentee},
			{Label: tr("diary.pdf.mentor", nil), Value: mentor},
			{Label: tr("diary.pdf.meeting", nil), Value: strconv.Itoa(d.N)},
			{Label: tr("diary.pdf.scheduled", nil), Value: e.meetingWhen(m, d.N, lang)},
			{Label: tr("diary.pdf.date", nil), Value: d.Date},
			{Label: tr("diary.pdf.reference", nil), Value: m.ID},
		},
		Sections: []pdfdoc.Section{
			{Heading: tr("diary.pdf.topics", nil), Body: d.Topics},
			{Heading: tr("diary.pdf.learned", nil), Body: d.Learned},
			{Heading: tr("diary.pdf.next", nil), Body: d.NextSteps},
		},
		Footer: tr("diary.pdf.footer", map[string]any{
			"Updated": d.UpdatedAt.In(e.program.Location()).Format("2006-01-02 15:04")}),
		Author:  mentee,
		Created: d.UpdatedAt,
	}
	if d.Comment != "" {
		doc.Sections = append(doc.Sections, pdfdoc.Section{Heading: tr("diary.pdf.comment", map[string]any{"Mentor": mentor}), Body: d.Comment})
	}
	out, err := pdfdoc.Render(doc)
	if err != nil {
		return nil, fmt.Errorf("diary pdf %s/%d: %w", m.ID, d.N, err)
	}
	return out, nil
}

// diaryCommentStart lets the mentor write a comment on an entry.
func diaryCommentStart(t *Turn) error {
	m, n, ok, err := diaryTarget(t, false)
	if !ok || err != nil {
		return err
	}
	d, err := t.e.DiaryEntry(t.ctx, m.ID, n)
	if errors.Is(err, ErrNotFound) {
		t.Notice("error.bad_button")
		return nil
	}
	if err != nil {
		return err
	}
	t.StartFlow(flowDiary, "comment")
	t.Session.Set("mid", m.ID)
	t.Session.Set("n", strconv.Itoa(n))
	text := t.T("diary.comment.prompt", map[string]any{"N": n, "Max": maxDiaryComment})
	if d.Comment != "" {
		text += "\n\n" + t.T("diary.current", map[string]any{"Answer": d.Comment})
	}
	t.Reply(text)
	return nil
}

// diaryCommentSave stores the mentor's comment and sends both of them
// the updated PDF.
func diaryCommentSave(t *Turn, text string) error {
	if len([]rune(text)) > maxDiaryComment {
		t.Say("diary.comment.too_long", map[string]any{"Max": maxDiaryComment})
		return nil
	}
	m, err := t.e.Mentorship(t.ctx, t.Session.Get("mid"))
	if err != nil {
		return err
	}
	n, _ := strconv.Atoi(t.Session.Get("n"))
	t.Session.Reset()
	if m.MentorID != t.Event.From.ID {
		t.Say("error.not_allowed", nil)
		return nil
	}
	if diaryLocked(m, t.Now()) {
		t.Say("diary.locked", nil)
		return nil
	}
	d, err := t.e.DiaryEntry(t.ctx, m.ID, n)
	if err != nil {
		return err
	}
	d.Comment, d.CommentedAt = text, t.Now().UTC()
	if err := t.e.saveDiary(t.ctx, d); err != nil {
		return err
	}
	if err := t.e.sendDiary(t, m, d, m.MentorID, "diary.comment.saved", nil); err != nil {
		return err
	}
	return t.e.sendDiary(t, m, d, m.MenteeID, "diary.comment.to_mentee", nil)
}

// exportDiary returns the entries of userID's mentorships as mentee,
// and the comments they wrote as mentor.
func (e *Engine) exportDiary(ctx context.Context, userID int64) (any, error) {
	ms, err := e.MentorshipsOf(ctx, userID)
	if err != nil {
		return nil, err
	}
	var out []DiaryEntry
	for _, m := range ms {
		for n := 1; n <= e.meetingCount(m); n++ {
			d, err := e.DiaryEntry(ctx, m.ID, n)
			if errors.Is(err, ErrNotFound) {
				continue
			}
			if err != nil {
				return nil, err
			}
			if m.MenteeID != userID {
				if d.Comment == "" {
					continue
				}
				d = DiaryEntry{MentorshipID: d.MentorshipID, N: d.N, Comment: d.Comment, CommentedAt: d.CommentedAt}
			}
			out = append(out, d)
		}
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

// eraseDiary deletes the entries of userID's mentorships as mentee and
// the comments they wrote as mentor.
func (e *Engine) eraseDiary(ctx context.Context, userID int64) error {
	ms, err := e.MentorshipsOf(ctx, userID)
	if err != nil {
		return err
	}
	for _, m := range ms {
		for n := 1; n <= e.meetingCount(m); n++ {
			if m.MenteeID == userID {
				if err := e.store.Delete(ctx, DiaryKey(m.ID, n)); err != nil {
					return fmt.Errorf("erase diary %s/%d: %w", m.ID, n, err)
				}
				continue
			}
			d, err := e.DiaryEntry(ctx, m.ID, n)
			if errors.Is(err, ErrNotFound) {
				continue
			}
			if err != nil {
				return err
			}
			if d.Comment != "" {
				d.Comment, d.CommentedAt = "", time.Time{}
				if err := e.saveDiary(ctx, d); err != nil {
					return err
				}
			}
		}
	}
	return nil
}
