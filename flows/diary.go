package flows

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mentorbot/mentorbot/flows/pdfdoc"
	"github.com/mentorbot/mentorbot/flows/records"
	"github.com/mentorbot/mentorbot/locales"
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

// diaryState is the diary flow's session state: the entry of meeting N
// of mentorship MID being written (or commented on, step "comment"),
// with the answers so far.
type diaryState struct {
	MID       string `json:"mid"`
	N         int    `json:"n"`
	Date      string `json:"date,omitempty"`
	Topics    string `json:"topics,omitempty"`
	Learned   string `json:"learned,omitempty"`
	NextSteps string `json:"next,omitempty"`
	// Typed lists the questions answered in this run: a further message
	// adds to the answer instead of replacing the saved one.
	Typed []string `json:"typed,omitempty"`
}

// answer is the state's answer to question q.
func (s *diaryState) answer(q string) *string {
	switch q {
	case "date":
		return &s.Date
	case "topics":
		return &s.Topics
	case "learned":
		return &s.Learned
	default:
		return &s.NextSteps
	}
}

// diaryAnswer is entry d's answer to question q.
func diaryAnswer(d *records.DiaryEntry, q string) *string {
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

// diaryLocked reports whether m's diary can no longer change.
func diaryLocked(m records.Mentorship, now time.Time) bool {
	return !m.EndedAt.IsZero() && now.After(m.EndedAt.Add(DiaryEditWindow))
}

// DiaryButton is a button, labelled in lang from cat, for the mentee of
// mentorshipID to write the entry of meeting n, for reminders sent
// after a meeting. It stays valid; pressing it re-checks who presses
// it.
func DiaryButton(cat *locales.Catalog, lang, mentorshipID string, n int) Button {
	return newButton(cat.T(lang, "diary.button.write", map[string]any{"N": n}),
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
// gets it back as a PDF, and the mentor may comment on it. The buttons
// check who presses them: the mentee writes, the mentor comments.
func registerDiary(e *Engine) {
	e.command(Command{Name: "diary", Role: records.RoleAnyone, Scope: InPrivate, Help: "diary.cmd", Run: diaryList})
	e.onButton(flowDiary, records.RoleAnyone, InPrivate, diaryButton)
	e.onStep(flowStep(flowDiary), diaryStep)
	e.personalData(flowDiary, PersonalData{
		Export: func(ctx context.Context, db *records.DB, userID int64) (any, error) {
			return exportDiary(ctx, db, e.program, userID)
		},
		Erase: func(ctx context.Context, db *records.DB, userID int64) error {
			return eraseDiary(ctx, db, e.program, userID)
		},
	})
}

// diaryList shows the mentee each meeting with its entry done or
// missing, and the mentor the entries they can comment on.
func diaryList(t *Turn) error {
	ms, err := t.rec.MentorshipsOf(t.ctx, t.Event.From.ID)
	if err != nil {
		return err
	}
	if len(ms) == 0 {
		t.Say("diary.none", nil)
		return nil
	}
	t.StartFlow(flowDiary, "pick")
	for _, m := range ms {
		if err := showDiary(t, m); err != nil {
			return err
		}
	}
	return nil
}

// showDiary sends the diary of m: a line per meeting, and buttons to
// write (mentee) or comment on (mentor) its entries.
func showDiary(t *Turn, m records.Mentorship) error {
	mentee := m.MenteeID == t.Event.From.ID
	pr, _ := t.Program().Project(m.ProjectID)
	id, data := "diary.list.mentee", map[string]any{"Project": pr.TitleIn(t.Lang())}
	if !mentee {
		name, err := personName(t, t.Lang(), m.MenteeID)
		if err != nil {
			return err
		}
		id, data["Mentee"] = "diary.list.mentor", name
	}
	var b strings.Builder
	b.WriteString(t.T(id, data))
	var rows [][]Button
	locked := diaryLocked(m, t.Now())
	for n := 1; n <= meetingCount(t.Program(), m); n++ {
		line, button, err := diaryLine(t, m, n, mentee, locked)
		if err != nil {
			return err
		}
		b.WriteString("\n" + line)
		if button != nil {
			rows = append(rows, []Button{*button})
		}
	}
	if locked {
		b.WriteString("\n" + t.T("diary.list.locked", nil))
	}
	sayComposed(t, id, b.String(), rows...)
	return nil
}

// diaryLine is the line of meeting n in the diary of m, and the button
// to write or comment on its entry, if any.
func diaryLine(t *Turn, m records.Mentorship, n int, mentee, locked bool) (string, *Button, error) {
	now := t.Now()
	_, err := t.rec.DiaryEntry(t.ctx, m.ID, n)
	done := err == nil
	if err != nil && !errors.Is(err, records.ErrNotFound) {
		return "", nil, err
	}
	data := map[string]any{"N": n, "When": meetingWhen(t, m, n, t.Lang())}
	mt, scheduled := meetingN(m, n)
	line := t.T("diary.list.missing", data)
	switch {
	case done:
		line = t.T("diary.list.done", data)
	case scheduled && mt.Start.After(now):
		line = t.T("diary.list.upcoming", data)
	}
	arg := meetingArg(m.ID, n)
	switch {
	case locked:
	case mentee && scheduled && !mt.Start.After(now):
		label := "diary.button.write"
		if done {
			label = "diary.button.edit"
		}
		b := t.Button(t.T(label, data), "write", arg)
		return line, &b, nil
	case !mentee && done:
		b := t.LastingButton(t.T("diary.button.comment", data), flowDiary, "comment", arg)
		return line, &b, nil
	}
	return line, nil, nil
}

// meetingWhen is the scheduled time of meeting n, or a placeholder, in
// lang.
func meetingWhen(t *Turn, m records.Mentorship, n int, lang string) string {
	mt, ok := meetingN(m, n)
	if !ok || mt.Start.IsZero() {
		return t.e.cat.T(lang, "diary.unscheduled", nil)
	}
	return t.datesIn(lang).dateTime(mt.Start)
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
		return diaryUseDate(t)
	}
	t.Notice("error.bad_button")
	return nil
}

// diaryUseDate answers the date question with the meeting's scheduled
// time.
func diaryUseDate(t *Turn) error {
	if t.Session.Step != "date" {
		t.Notice("error.stale_button")
		return nil
	}
	st, m, err := diaryInHand(t)
	if err != nil {
		return err
	}
	st.Date = meetingWhen(t, m, st.N, t.Lang())
	if !slices.Contains(st.Typed, "date") {
		st.Typed = append(st.Typed, "date")
	}
	t.SaveState(st)
	return diaryDone(t)
}

// diaryTarget loads the mentorship and meeting a button names and
// checks the presser may write or comment on it; ok false means a
// message was already given.
func diaryTarget(t *Turn, asMentee bool) (m records.Mentorship, n int, ok bool, err error) {
	id, n, valid := parseMeetingArg(t.Callback.Arg)
	if !valid {
		t.Notice("error.bad_button")
		return m, 0, false, nil
	}
	m, err = t.rec.Mentorship(t.ctx, id)
	if errors.Is(err, records.ErrNotFound) {
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
	if t.Event.From.ID != who || n > meetingCount(t.Program(), m) {
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
	// Only a meeting that took place has something to write about: it
	// was scheduled and its time has come.
	mt, scheduled := meetingN(m, n)
	if !scheduled {
		t.Say("diary.not_scheduled", map[string]any{"N": n})
		return nil
	}
	if mt.Start.After(t.Now()) {
		t.Say("diary.not_held", map[string]any{"N": n, "When": meetingWhen(t, m, n, t.Lang())})
		return nil
	}
	old, err := t.rec.DiaryEntry(t.ctx, m.ID, n)
	if err != nil && !errors.Is(err, records.ErrNotFound) {
		return err
	}
	t.StartFlow(flowDiary, diaryQuestions[0])
	st := diaryState{MID: m.ID, N: n}
	for _, q := range diaryQuestions {
		*st.answer(q) = *diaryAnswer(&old, q)
	}
	t.SaveState(st)
	t.Say("diary.intro", map[string]any{"N": n})
	diaryAsk(t, st, m)
	return nil
}

// diaryAsk asks the session's current question, showing the answer
// already given when the entry is being edited.
func diaryAsk(t *Turn, st diaryState, m records.Mentorship) {
	q := t.Session.Step
	row := []Button{t.Button(t.T("diary.button.done", nil), "done", "")}
	if _, ok := meetingN(m, st.N); ok && q == "date" {
		row = append(row, t.Button(t.T("diary.button.usedate", map[string]any{"When": meetingWhen(t, m, st.N, t.Lang())}), "usedate", ""))
	}
	id := "diary.q." + q
	text := t.T(id, map[string]any{"N": st.N})
	if old := *st.answer(q); old != "" {
		text += "\n\n" + t.T("diary.current", map[string]any{"Answer": old})
	}
	sayComposed(t, id, text, row)
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
	if !slices.Contains(diaryQuestions, step) {
		t.Session.Reset()
		t.Say("diary.use_buttons", nil)
		return nil
	}
	var st diaryState
	if err := t.LoadState(&st); err != nil {
		return err
	}
	answer := text
	if slices.Contains(st.Typed, step) {
		answer = *st.answer(step) + "\n" + text
	}
	if len([]rune(answer)) > maxDiaryAnswer {
		t.Say("diary.too_long", map[string]any{"Max": maxDiaryAnswer})
		return nil
	}
	*st.answer(step) = answer
	if !slices.Contains(st.Typed, step) {
		st.Typed = append(st.Typed, step)
	}
	t.SaveState(st)
	t.Say("diary.noted", nil, []Button{t.Button(t.T("diary.button.done", nil), "done", "")})
	return nil
}

// diaryDone closes the current question and asks the next, or saves
// the entry after the last.
func diaryDone(t *Turn) error {
	step := t.Session.Step
	if !slices.Contains(diaryQuestions, step) {
		t.Notice("error.stale_button")
		return nil
	}
	var st diaryState
	if err := t.LoadState(&st); err != nil {
		return err
	}
	if strings.TrimSpace(*st.answer(step)) == "" {
		t.Say("diary.empty", nil)
		return nil
	}
	m, err := t.rec.Mentorship(t.ctx, st.MID)
	if err != nil {
		return err
	}
	if diaryLocked(m, t.Now()) {
		t.Session.Reset()
		t.Say("diary.locked", nil)
		return nil
	}
	if i := slices.Index(diaryQuestions, step); i < len(diaryQuestions)-1 {
		t.Session.Step = diaryQuestions[i+1]
		diaryAsk(t, st, m)
		return nil
	}
	return diarySave(t, m, st)
}

// diarySave stores the entry, keeping a comment the mentor wrote
// meanwhile, and sends the PDF to the mentee and the mentor.
func diarySave(t *Turn, m records.Mentorship, st diaryState) error {
	d, err := t.rec.DiaryEntry(t.ctx, m.ID, st.N)
	if err != nil && !errors.Is(err, records.ErrNotFound) {
		return err
	}
	now := t.Now().UTC()
	if d.WrittenAt.IsZero() {
		d.WrittenAt = now
	}
	d.MentorshipID, d.N, d.UpdatedAt = m.ID, st.N, now
	for _, q := range diaryQuestions {
		*diaryAnswer(&d, q) = *st.answer(q)
	}
	if err := t.rec.SaveDiaryEntry(t.ctx, d); err != nil {
		return err
	}
	t.Session.Reset()
	if err := sendDiary(t, m, d, m.MenteeID, "diary.saved", nil); err != nil {
		return err
	}
	if m.MentorID == 0 {
		return nil
	}
	lang := t.LangOf(m.MentorID)
	comment := t.LastingButton(t.e.cat.T(lang, "diary.button.comment", map[string]any{"N": st.N}), flowDiary, "comment", meetingArg(m.ID, st.N))
	return sendDiary(t, m, d, m.MentorID, "diary.to_mentor", []Button{comment})
}

// sendDiary sends userID the PDF of d with message id as caption.
func sendDiary(t *Turn, m records.Mentorship, d records.DiaryEntry, userID int64, id string, buttons []Button) error {
	pdf, err := diaryPDF(t, m, d)
	if err != nil {
		return err
	}
	lang := t.LangOf(userID)
	if userID == t.Event.From.ID {
		lang = t.Lang()
	}
	mentee, err := personName(t, lang, m.MenteeID)
	if err != nil {
		return err
	}
	msg := Message{ChatID: userID, Text: t.e.cat.T(lang, id, map[string]any{"N": d.N, "Mentee": mentee}), TextID: id,
		File: &Attachment{FileName: diaryFileName(d), Content: pdf}}
	if len(buttons) > 0 {
		msg.Buttons = [][]Button{buttons}
	}
	t.Send(msg)
	return nil
}

func diaryFileName(d records.DiaryEntry) string {
	return "diary-" + d.MentorshipID + "-meeting-" + strconv.Itoa(d.N) + ".pdf"
}

// diaryPDF renders entry d of mentorship m, in the mentee's language.
func diaryPDF(t *Turn, m records.Mentorship, d records.DiaryEntry) ([]byte, error) {
	prog := t.Program()
	lang := t.LangOf(m.MenteeID)
	tr := func(id string, data map[string]any) string { return t.e.cat.T(lang, id, data) }
	mentee, err := personName(t, lang, m.MenteeID)
	if err != nil {
		return nil, err
	}
	mentor := tr("diary.pdf.no_mentor", nil)
	if m.MentorID != 0 {
		if mentor, err = personName(t, lang, m.MentorID); err != nil {
			return nil, err
		}
	}
	doc := pdfdoc.Document{
		Title:    tr("diary.pdf.title", map[string]any{"N": d.N}),
		Subtitle: prog.Name,
		Fields: []pdfdoc.Field{
			{Label: tr("diary.pdf.programme", nil), Value: prog.Name},
			{Label: tr("diary.pdf.project", nil), Value: projectLine(prog, m, lang)},
			{Label: tr("diary.pdf.mentee", nil), Value: mentee},
			{Label: tr("diary.pdf.mentor", nil), Value: mentor},
			{Label: tr("diary.pdf.meeting", nil), Value: strconv.Itoa(d.N)},
			{Label: tr("diary.pdf.scheduled", nil), Value: meetingWhen(t, m, d.N, lang)},
			{Label: tr("diary.pdf.date", nil), Value: d.Date},
			{Label: tr("diary.pdf.reference", nil), Value: m.ID},
		},
		Sections: []pdfdoc.Section{
			{Heading: tr("diary.pdf.topics", nil), Body: d.Topics},
			{Heading: tr("diary.pdf.learned", nil), Body: d.Learned},
			{Heading: tr("diary.pdf.next", nil), Body: d.NextSteps},
		},
		Footer: tr("diary.pdf.footer", map[string]any{
			"Updated": t.datesIn(lang).dateTime(d.UpdatedAt)}),
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
	d, err := t.rec.DiaryEntry(t.ctx, m.ID, n)
	if errors.Is(err, records.ErrNotFound) {
		t.Notice("error.bad_button")
		return nil
	}
	if err != nil {
		return err
	}
	t.StartFlow(flowDiary, "comment")
	t.SaveState(diaryState{MID: m.ID, N: n})
	const id = "diary.comment.prompt"
	text := t.T(id, map[string]any{"N": n, "Max": maxDiaryComment})
	if d.Comment != "" {
		text += "\n\n" + t.T("diary.current", map[string]any{"Answer": d.Comment})
	}
	sayComposed(t, id, text)
	return nil
}

// diaryInHand loads the diary flow's state and the mentorship whose
// entry it is writing or commenting.
func diaryInHand(t *Turn) (diaryState, records.Mentorship, error) {
	var st diaryState
	if err := t.LoadState(&st); err != nil {
		return st, records.Mentorship{}, err
	}
	m, err := t.rec.Mentorship(t.ctx, st.MID)
	return st, m, err
}

// diaryCommentSave stores the mentor's comment and sends both of them
// the updated PDF.
func diaryCommentSave(t *Turn, text string) error {
	if len([]rune(text)) > maxDiaryComment {
		t.Say("diary.comment.too_long", map[string]any{"Max": maxDiaryComment})
		return nil
	}
	st, m, err := diaryInHand(t)
	if err != nil {
		return err
	}
	t.Session.Reset()
	if m.MentorID != t.Event.From.ID {
		t.Say("error.not_allowed", nil)
		return nil
	}
	if diaryLocked(m, t.Now()) {
		t.Say("diary.locked", nil)
		return nil
	}
	d, err := t.rec.DiaryEntry(t.ctx, m.ID, st.N)
	if err != nil {
		return err
	}
	d.Comment, d.CommentedAt = text, t.Now().UTC()
	if err := t.rec.SaveDiaryEntry(t.ctx, d); err != nil {
		return err
	}
	if err := sendDiary(t, m, d, m.MentorID, "diary.comment.saved", nil); err != nil {
		return err
	}
	return sendDiary(t, m, d, m.MenteeID, "diary.comment.to_mentee", nil)
}

// exportDiary returns the entries of userID's mentorships as mentee,
// and the comments they wrote as mentor.
func exportDiary(ctx context.Context, rec *records.DB, prog *Program, userID int64) (any, error) {
	ms, err := rec.MentorshipsOf(ctx, userID)
	if err != nil {
		return nil, err
	}
	var out []records.DiaryEntry
	for _, m := range ms {
		entries, err := rec.Diary(ctx, m.ID, meetingCount(prog, m))
		if err != nil {
			return nil, err
		}
		for _, d := range entries {
			if m.MenteeID != userID {
				if d.Comment == "" {
					continue
				}
				d = records.DiaryEntry{MentorshipID: d.MentorshipID, N: d.N, Comment: d.Comment, CommentedAt: d.CommentedAt}
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
func eraseDiary(ctx context.Context, rec *records.DB, prog *Program, userID int64) error {
	ms, err := rec.MentorshipsOf(ctx, userID)
	if err != nil {
		return err
	}
	for _, m := range ms {
		if err := eraseDiaryOf(ctx, rec, meetingCount(prog, m), m, userID); err != nil {
			return err
		}
	}
	return nil
}

// eraseDiaryOf is eraseDiary for mentorship m with room for count
// meetings.
func eraseDiaryOf(ctx context.Context, rec *records.DB, count int, m records.Mentorship, userID int64) error {
	if m.MenteeID == userID {
		for n := 1; n <= count; n++ {
			if err := rec.DeleteDiaryEntry(ctx, m.ID, n); err != nil {
				return err
			}
		}
		return nil
	}
	entries, err := rec.Diary(ctx, m.ID, count)
	if err != nil {
		return err
	}
	for _, d := range entries {
		if d.Comment != "" {
			d.Comment, d.CommentedAt = "", time.Time{}
			if err := rec.SaveDiaryEntry(ctx, d); err != nil {
				return err
			}
		}
	}
	return nil
}
