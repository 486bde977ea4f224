package flows

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

const (
	flowQuestionnaire = "quest"
	// responsesSet indexes submitted responses as "<mentorship>:<user>".
	responsesSet = "questionnaire:responses"
	// maxQuestionnaireText bounds a free-text answer.
	maxQuestionnaireText = 2000
)

// QuestionnaireResponse is one person's answers to the final
// questionnaire about one mentorship. While SubmittedAt is zero it is a
// draft, kept so an interrupted questionnaire can be resumed.
type QuestionnaireResponse struct {
	MentorshipID string `json:"mentorship_id"`
	UserID       int64  `json:"user_id"`
	// Role is "mentee" or "mentor".
	Role string `json:"role"`
	Lang string `json:"lang"`
	// Answers maps question id to the answer: "1".."5" for a scale, the
	// English text of the choice, or free text.
	Answers     map[string]string `json:"answers"`
	StartedAt   time.Time         `json:"started_at"`
	SubmittedAt time.Time         `json:"submitted_at,omitzero"`
}

// questionnaireOpening records that staff opened the questionnaire of
// a mentorship before it ended.
type questionnaireOpening struct {
	By int64     `json:"by"`
	At time.Time `json:"at"`
}

func responseKey(mid string, userID int64) string {
	return "questionnaire:" + mid + ":" + strconv.FormatInt(userID, 10)
}
func draftResponseKey(mid string, userID int64) string {
	return "questionnaire-draft:" + mid + ":" + strconv.FormatInt(userID, 10)
}
func questionnaireOpenKey(mid string) string { return "questionnaire-open:" + mid }

// registerQuestionnaire adds /questionnaire, staff's
// /openquestionnaire and "/export questionnaire".
func registerQuestionnaire(e *Engine) {
	e.command(Command{Name: "questionnaire", Help: "questionnaire.cmd", Run: questionnaireCommand})
	e.command(Command{Name: "openquestionnaire", Role: RoleStaff, Help: "questionnaire.cmd_open", Run: openQuestionnaire})
	e.buttons[flowQuestionnaire] = questionnaireButton
	e.steps[flowQuestionnaire] = questionnaireStep
	e.registerExport("questionnaire", exportQuestionnaire)
	e.personalData(flowQuestionnaire, PersonalData{Export: e.exportResponses, Erase: e.eraseResponses})
}

// QuestionnaireButton is a button for a participant of mentorshipID to
// answer the questionnaire, for the message sent when a mentorship
// ends. Pressing it re-checks who presses it.
func (e *Engine) QuestionnaireButton(lang, mentorshipID string) Button {
	return e.button(e.cat.T(lang, "questionnaire.button.start", nil),
		Callback{Flow: flowQuestionnaire, Action: "start", Arg: mentorshipID})
}

// QuestionnaireOpen reports whether the questionnaire of m can be
// answered: the mentorship ended, its last meeting is over, or staff
// opened it.
func (e *Engine) QuestionnaireOpen(ctx context.Context, m Mentorship) (bool, error) {
	now := e.now()
	if !m.EndedAt.IsZero() && !m.EndedAt.After(now) {
		return true, nil
	}
	if last, ok := meetingN(m, e.program.Meetings); ok && !last.Start.IsZero() && !last.End().After(now) {
		return true, nil
	}
	var o questionnaireOpening
	err := e.store.Get(ctx, questionnaireOpenKey(m.ID), &o)
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("load questionnaire opening %s: %w", m.ID, err)
	}
	return true, nil
}

// Response loads the submitted response of userID about a mentorship;
// ErrNotFound if they have not submitted one.
func (e *Engine) Response(ctx context.Context, mid string, userID int64) (QuestionnaireResponse, error) {
	var r QuestionnaireResponse
	if err := e.store.Get(ctx, responseKey(mid, userID), &r); err != nil {
		return QuestionnaireResponse{}, fmt.Errorf("load response %s/%d: %w", mid, userID, err)
	}
	return r, nil
}

// questionnaireCommand starts or resumes the questionnaire of the one
// mentorship that awaits the user's answers, or lets them pick.
func questionnaireCommand(t *Turn) error {
	if len(t.Program().Questionnaire) == 0 {
		t.Say("questionnaire.none_configured", nil)
		return nil
	}
	ms, err := t.e.MentorshipsOf(t.ctx, t.Event.From.ID)
	if err != nil {
		return err
	}
	if len(ms) == 0 {
		t.Say("questionnaire.no_mentorship", nil)
		return nil
	}
	var waiting []Mentorship
	submitted := false
	for _, m := range ms {
		open, err := t.e.QuestionnaireOpen(t.ctx, m)
		if err != nil {
			return err
		}
		_, err = t.e.Response(t.ctx, m.ID, t.Event.From.ID)
		switch {
		case err == nil:
			submitted = true
		case !errors.Is(err, ErrNotFound):
			return err
		case open:
			waiting = append(waiting, m)
		}
	}
	switch {
	case len(waiting) == 1:
		return questionnaireStart(t, waiting[0])
	case len(waiting) > 1:
		t.StartFlow(flowQuestionnaire, "pick")
		var rows [][]Button
		for _, m := range waiting {
			pr, _ := t.Program().Project(m.ProjectID)
			rows = append(rows, []Button{t.Button(pr.Title+" ("+m.ID+")", "pick", m.ID)})
		}
		t.Say("questionnaire.pick", nil, rows...)
	case submitted:
		t.Say("questionnaire.already", nil)
	default:
		t.Say("questionnaire.not_open", nil)
	}
	return nil
}

// openQuestionnaire lets staff open the questionnaire of a mentorship
// before it ended; both participants are sent a button to start it.
func openQuestionnaire(t *Turn) error {
	id := strings.TrimSpace(t.Event.Args)
	if id == "" || !validPart(id) {
		t.Say("questionnaire.open.usage", nil)
		return nil
	}
	if len(t.Program().Questionnaire) == 0 {
		t.Say("questionnaire.none_configured", nil)
		return nil
	}
	m, err := t.e.Mentorship(t.ctx, id)
	if errors.Is(err, ErrNotFound) {
		t.Say("questionnaire.open.unknown", map[string]any{"ID": id})
		return nil
	}
	if err != nil {
		return err
	}
	open, err := t.e.QuestionnaireOpen(t.ctx, m)
	if err != nil {
		return err
	}
	if open {
		t.Say("questionnaire.open.already", map[string]any{"ID": id})
		return nil
	}
	if err := t.Store().Put(t.ctx, questionnaireOpenKey(id), questionnaireOpening{By: t.Event.From.ID, At: t.Now().UTC()}, 0); err != nil {
		return fmt.Errorf("open questionnaire %s: %w", id, err)
	}
	for _, uid := range []int64{m.MenteeID, m.MentorID} {
		if uid == 0 {
			continue
		}
		lang := t.e.LangOf(t.ctx, uid)
		t.Send(Message{ChatID: uid, Text: t.e.cat.T(lang, "questionnaire.invitation", nil),
			Buttons: [][]Button{{t.e.QuestionnaireButton(lang, id)}}})
	}
	t.Say("questionnaire.open.done", map[string]any{"ID": id})
	return nil
}

func questionnaireButton(t *Turn) error {
	switch t.Callback.Action {
	case "start", "pick":
		m, err := t.e.Mentorship(t.ctx, t.Callback.Arg)
		if errors.Is(err, ErrNotFound) {
			t.Notice("error.bad_button")
			return nil
		}
		if err != nil {
			return err
		}
		if t.Event.From.ID != m.MenteeID && t.Event.From.ID != m.MentorID {
			t.Notice("error.bad_button")
			return nil
		}
		open, err := t.e.QuestionnaireOpen(t.ctx, m)
		if err != nil {
			return err
		}
		if !open {
			t.Say("questionnaire.not_open", nil)
			return nil
		}
		if _, err := t.e.Response(t.ctx, m.ID, t.Event.From.ID); err == nil {
			t.Say("questionnaire.already", nil)
			return nil
		} else if !errors.Is(err, ErrNotFound) {
			return err
		}
		return questionnaireStart(t, m)
	case "ans":
		i, value, ok := strings.Cut(t.Callback.Arg, ".")
		if !ok || t.Session.Step != "q" || i != t.Session.Get("i") {
			t.Notice("error.stale_button")
			return nil
		}
		return questionnaireAnswer(t, value, true)
	case "edit":
		idx, err := strconv.Atoi(t.Callback.Arg)
		if err != nil || idx < 0 || idx >= len(t.Program().Questionnaire) || t.Session.Step != "review" {
			t.Notice("error.bad_button")
			return nil
		}
		t.Session.Step = "q"
		t.Session.Set("i", strconv.Itoa(idx))
		t.Session.Set("review", "1")
		return questionnaireAsk(t)
	case "submit":
		if t.Session.Step != "review" {
			t.Notice("error.stale_button")
			return nil
		}
		return questionnaireSubmit(t)
	}
	t.Notice("error.bad_button")
	return nil
}

// questionnaireDraft loads the user's draft about the session's
// mentorship, or a new one.
func (t *Turn) questionnaireDraft() (QuestionnaireResponse, error) {
	mid := t.Session.Get("mid")
	var r QuestionnaireResponse
	err := t.Store().Get(t.ctx, draftResponseKey(mid, t.Event.From.ID), &r)
	if errors.Is(err, ErrNotFound) {
		m, err := t.e.Mentorship(t.ctx, mid)
		if err != nil {
			return r, err
		}
		role := "mentor"
		if m.MenteeID == t.Event.From.ID {
			role = "mentee"
		}
		return QuestionnaireResponse{MentorshipID: mid, UserID: t.Event.From.ID, Role: role,
			Answers: map[string]string{}, StartedAt: t.Now().UTC()}, nil
	}
	if err != nil {
		return r, fmt.Errorf("load questionnaire draft %s/%d: %w", mid, t.Event.From.ID, err)
	}
	if r.Answers == nil {
		r.Answers = map[string]string{}
	}
	return r, nil
}

// questionnaireStart opens (or resumes) the questionnaire at the first
// unanswered question, or at the review when all are answered.
func questionnaireStart(t *Turn, m Mentorship) error {
	t.StartFlow(flowQuestionnaire, "q")
	t.Session.Set("mid", m.ID)
	r, err := t.questionnaireDraft()
	if err != nil {
		return err
	}
	if len(r.Answers) > 0 {
		t.Say("questionnaire.resumed", nil)
	} else {
		t.Reply(t.Plural("questionnaire.intro", len(t.Program().Questionnaire), nil))
	}
	return questionnaireNext(t, r)
}

// questionnaireNext asks the first unanswered question, or shows the
// review.
func questionnaireNext(t *Turn, r QuestionnaireResponse) error {
	for i, q := range t.Program().Questionnaire {
		if _, ok := r.Answers[q.ID]; !ok {
			t.Session.Step = "q"
			t.Session.Set("i", strconv.Itoa(i))
			return questionnaireAsk(t)
		}
	}
	return questionnaireReview(t, r)
}

// questionText returns a text of a question in lang, or in English.
func questionText(texts map[string]string, lang string) string {
	if s := texts[lang]; s != "" {
		return s
	}
	return texts["en"]
}

// choicesIn returns a choice question's choices in lang when it has
// them all, or in English.
func choicesIn(q Question, lang string) []string {
	if c := q.Choices[lang]; len(c) == len(q.Choices["en"]) {
		return c
	}
	return q.Choices["en"]
}

// questionnaireAsk asks question Fields["i"].
func questionnaireAsk(t *Turn) error {
	qs := t.Program().Questionnaire
	i, err := strconv.Atoi(t.Session.Get("i"))
	if err != nil || i < 0 || i >= len(qs) {
		t.Session.Reset()
		t.Say("questionnaire.changed", nil)
		return nil
	}
	q := qs[i]
	text := t.T("questionnaire.question", map[string]any{"N": i + 1, "Total": len(qs), "Text": questionText(q.Text, t.Lang())})
	var rows [][]Button
	arg := strconv.Itoa(i) + "."
	switch q.Kind {
	case "scale":
		text += "\n" + t.T("questionnaire.scale_hint", nil)
		var row []Button
		for v := 1; v <= 5; v++ {
			row = append(row, t.Button(strconv.Itoa(v), "ans", arg+strconv.Itoa(v)))
		}
		rows = append(rows, row)
	case "choice":
		for j, c := range choicesIn(q, t.Lang()) {
			rows = append(rows, []Button{t.Button(c, "ans", arg+strconv.Itoa(j))})
		}
	default:
		text += "\n" + t.T("questionnaire.text_hint", map[string]any{"Max": maxQuestionnaireText})
	}
	t.Reply(text, rows...)
	return nil
}

// questionnaireStep takes typed answers to text questions.
func questionnaireStep(t *Turn) error {
	if t.Session.Step != "q" {
		t.Say("questionnaire.use_buttons", nil)
		return nil
	}
	qs := t.Program().Questionnaire
	i, _ := strconv.Atoi(t.Session.Get("i"))
	if i < 0 || i >= len(qs) || qs[i].Kind != "text" {
		t.Say("questionnaire.use_buttons", nil)
		return questionnaireAsk(t)
	}
	text := strings.TrimSpace(t.Event.Text)
	if t.Event.Kind != KindText || text == "" {
		t.Say("questionnaire.text_only", nil)
		return nil
	}
	if len([]rune(text)) > maxQuestionnaireText {
		t.Say("questionnaire.too_long", map[string]any{"Max": maxQuestionnaireText})
		return nil
	}
	return questionnaireAnswer(t, text, false)
}

// questionnaireAnswer records the answer to the current question in
// the draft and moves on. From a button, value is the scale value or
// the choice's index.
func questionnaireAnswer(t *Turn, value string, fromButton bool) error {
	qs := t.Program().Questionnaire
	i, err := strconv.Atoi(t.Session.Get("i"))
	if err != nil || i < 0 || i >= len(qs) {
		t.Notice("error.stale_button")
		return nil
	}
	q := qs[i]
	if fromButton {
		v, err := strconv.Atoi(value)
		switch {
		case err != nil, q.Kind == "text":
			t.Notice("error.bad_button")
			return nil
		case q.Kind == "scale" && (v < 1 || v > 5):
			t.Notice("error.bad_button")
			return nil
		case q.Kind == "choice" && (v < 0 || v >= len(q.Choices["en"])):
			t.Notice("error.bad_button")
			return nil
		case q.Kind == "choice":
			value = q.Choices["en"][v]
		}
	}
	r, err := t.questionnaireDraft()
	if err != nil {
		return err
	}
	r.Answers[q.ID] = value
	r.Lang = t.Lang()
	if err := t.Store().Put(t.ctx, draftResponseKey(r.MentorshipID, r.UserID), r, 0); err != nil {
		return fmt.Errorf("save questionnaire draft %s/%d: %w", r.MentorshipID, r.UserID, err)
	}
	if t.Session.Get("review") != "" {
		return questionnaireReview(t, r)
	}
	return questionnaireNext(t, r)
}

// displayAnswer shows a stored answer in lang.
func displayAnswer(q Question, value, lang string) string {
	if q.Kind == "choice" {
		if j := slices.Index(q.Choices["en"], value); j >= 0 {
			return choicesIn(q, lang)[j]
		}
	}
	return value
}

// questionnaireReview shows every answer with buttons to change one
// and to submit.
func questionnaireReview(t *Turn, r QuestionnaireResponse) error {
	t.Session.Step = "review"
	t.Session.Set("review", "")
	var b strings.Builder
	b.WriteString(t.T("questionnaire.review", nil))
	var rows [][]Button
	var edits []Button
	for i, q := range t.Program().Questionnaire {
		b.WriteString(fmt.Sprintf("\n\n%d. %s\n→ %s", i+1, questionText(q.Text, t.Lang()), displayAnswer(q, r.Answers[q.ID], t.Lang())))
		edits = append(edits, t.Button(t.T("questionnaire.button.edit", map[string]any{"N": i + 1}), "edit", strconv.Itoa(i)))
		if len(edits) == 4 {
			rows, edits = append(rows, edits), nil
		}
	}
	if len(edits) > 0 {
		rows = append(rows, edits)
	}
	rows = append(rows, []Button{t.Button(t.T("questionnaire.button.submit", nil), "submit", "")})
	t.Reply(b.String(), rows...)
	return nil
}

// questionnaireSubmit stores the completed response once.
func questionnaireSubmit(t *Turn) error {
	r, err := t.questionnaireDraft()
	if err != nil {
		return err
	}
	for _, q := range t.Program().Questionnaire {
		if _, ok := r.Answers[q.ID]; !ok {
			return questionnaireNext(t, r)
		}
	}
	if _, err := t.e.Response(t.ctx, r.MentorshipID, r.UserID); err == nil {
		t.Session.Reset()
		t.Say("questionnaire.already", nil)
		return nil
	} else if !errors.Is(err, ErrNotFound) {
		return err
	}
	r.SubmittedAt = t.Now().UTC()
	r.Lang = t.Lang()
	if err := t.Store().Put(t.ctx, responseKey(r.MentorshipID, r.UserID), r, 0); err != nil {
		return fmt.Errorf("save response %s/%d: %w", r.MentorshipID, r.UserID, err)
	}
	if err := t.Store().AddToSet(t.ctx, responsesSet, r.MentorshipID+":"+strconv.FormatInt(r.UserID, 10)); err != nil {
		return fmt.Errorf("index response %s/%d: %w", r.MentorshipID, r.UserID, err)
	}
	if err := t.Store().Delete(t.ctx, draftResponseKey(r.MentorshipID, r.UserID)); err != nil {
		return fmt.Errorf("delete questionnaire draft %s/%d: %w", r.MentorshipID, r.UserID, err)
	}
	t.Session.Reset()
	t.Say("questionnaire.thanks", nil)
	return nil
}

// Responses returns every submitted response, ordered by mentorship
// and user.
func (e *Engine) Responses(ctx context.Context) ([]QuestionnaireResponse, error) {
	members, err := e.store.Members(ctx, responsesSet)
	if err != nil {
		return nil, fmt.Errorf("list responses: %w", err)
	}
	var out []QuestionnaireResponse
	for _, mem := range members {
		i := strings.LastIndexByte(mem, ':')
		uid, err := strconv.ParseInt(mem[i+1:], 10, 64)
		if i < 0 || err != nil {
			continue
		}
		r, err := e.Response(ctx, mem[:i], uid)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b QuestionnaireResponse) int {
		if c := strings.Compare(a.MentorshipID, b.MentorshipID); c != 0 {
			return c
		}
		return strings.Compare(a.Role, b.Role)
	})
	return out, nil
}

// exportQuestionnaire sends staff one CSV row per respondent and the
// mean of each scale question.
func exportQuestionnaire(t *Turn) error {
	rs, err := t.e.Responses(t.ctx)
	if err != nil {
		return err
	}
	qs := t.Program().Questionnaire
	header := []string{"mentorship_id", "project_id", "role", "user_id", "language", "submitted_at"}
	for _, q := range qs {
		header = append(header, q.ID)
	}
	rows := [][]string{header}
	sums, counts := make([]int, len(qs)), make([]int, len(qs))
	for _, r := range rs {
		project := ""
		if m, err := t.e.Mentorship(t.ctx, r.MentorshipID); err == nil {
			project = m.ProjectID
		} else if !errors.Is(err, ErrNotFound) {
			return err
		}
		row := []string{r.MentorshipID, project, r.Role, strconv.FormatInt(r.UserID, 10), r.Lang,
			r.SubmittedAt.Format(time.RFC3339)}
		for i, q := range qs {
			a := r.Answers[q.ID]
			row = append(row, a)
			if v, err := strconv.Atoi(a); q.Kind == "scale" && err == nil {
				sums[i] += v
				counts[i]++
			}
		}
		rows = append(rows, row)
	}
	buf, err := csvDocument(rows)
	if err != nil {
		return err
	}
	var b strings.Builder
	b.WriteString(t.Plural("questionnaire.export.count", len(rs), nil))
	for i, q := range qs {
		if q.Kind != "scale" {
			continue
		}
		mean := "—"
		if counts[i] > 0 {
			mean = strconv.FormatFloat(float64(sums[i])/float64(counts[i]), 'f', 2, 64)
		}
		b.WriteString("\n" + t.T("questionnaire.export.mean", map[string]any{"ID": q.ID, "Mean": mean, "N": counts[i]}))
	}
	name := "questionnaire-" + t.Now().In(t.Program().Location()).Format("2006-01-02") + ".csv"
	t.Send(Message{ChatID: t.Event.ChatID, Text: b.String(), File: &Attachment{FileName: name, Content: buf}})
	return nil
}

// exportResponses returns userID's responses and drafts.
func (e *Engine) exportResponses(ctx context.Context, userID int64) (any, error) {
	ms, err := e.MentorshipsOf(ctx, userID)
	if err != nil {
		return nil, err
	}
	var out []QuestionnaireResponse
	for _, m := range ms {
		for _, key := range []string{responseKey(m.ID, userID), draftResponseKey(m.ID, userID)} {
			var r QuestionnaireResponse
			err := e.store.Get(ctx, key, &r)
			if errors.Is(err, ErrNotFound) {
				continue
			}
			if err != nil {
				return nil, fmt.Errorf("load %s: %w", key, err)
			}
			out = append(out, r)
		}
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

// eraseResponses deletes userID's responses and drafts; the export no
// longer counts them.
func (e *Engine) eraseResponses(ctx context.Context, userID int64) error {
	ms, err := e.MentorshipsOf(ctx, userID)
	if err != nil {
		return err
	}
	for _, m := range ms {
		if err := e.store.Delete(ctx, responseKey(m.ID, userID), draftResponseKey(m.ID, userID)); err != nil {
			return fmt.Errorf("erase responses of %d: %w", userID, err)
		}
		if err := e.store.RemoveFromSet(ctx, responsesSet, m.ID+":"+strconv.FormatInt(userID, 10)); err != nil {
			return fmt.Errorf("erase responses of %d: %w", userID, err)
		}
	}
	return nil
}
