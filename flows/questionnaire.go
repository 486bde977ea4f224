package flows

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mentorbot/mentorbot/flows/records"
)

const (
	flowQuestionnaire = "quest"
	// maxQuestionnaireText bounds a free-text answer.
	maxQuestionnaireText = 2000
)

// Steps of the questionnaire flow.
const (
	questStepPick     = "pick"
	questStepQuestion = "q"
	questStepReview   = "review"
)

// questState is the questionnaire flow's state.
type questState struct {
	// Mentorship is the mentorship the answers are about.
	Mentorship string `json:"mid,omitempty"`
	// Question is the index of the question being asked.
	Question int `json:"i"`
	// Review sends the user back to the review after this answer: they
	// are changing one.
	Review bool `json:"review,omitempty"`
}

// registerQuestionnaire adds /questionnaire, staff's
// /openquestionnaire and "/export questionnaire".
func registerQuestionnaire(e *Engine) {
	// Neither command refuses any kind of chat today.
	e.command(Command{Name: "questionnaire", Role: records.RoleAnyone, Scope: InPrivate, Help: "questionnaire.cmd", Run: questionnaireCommand})
	e.command(Command{Name: "openquestionnaire", Role: records.RoleStaff, Scope: InPrivate, Help: "questionnaire.cmd_open", Run: openQuestionnaire})
	// The start button is lasting; questionnaireButton checks that a
	// participant pressed it.
	e.onButton(flowQuestionnaire, records.RoleAnyone, InPrivate, questionnaireButton)
	e.onStep(flowStep(flowQuestionnaire), questionnaireStep)
	e.onArgument("export", "questionnaire", exportQuestionnaire)
	e.personalData(flowQuestionnaire, questionnaireData)
}

// questionnaireOpen reports whether the questionnaire of m can be
// answered: the mentorship ended, its last meeting is over, or staff
// opened it.
func questionnaireOpen(t *Turn, m records.Mentorship) (bool, error) {
	now := t.Now()
	if !m.EndedAt.IsZero() && !m.EndedAt.After(now) {
		return true, nil
	}
	if last, ok := meetingN(m, t.Program().Meetings); ok && !last.Start.IsZero() && !last.End().After(now) {
		return true, nil
	}
	_, opened, err := t.rec.QuestionnaireOpened(t.ctx, m.ID)
	return opened, err
}

// submitted reports whether userID submitted their answers about
// mentorship mid.
func submitted(t *Turn, mid string, userID int64) (bool, error) {
	_, err := t.rec.Response(t.ctx, mid, userID)
	if errors.Is(err, records.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// questionnaireCommand starts or resumes the questionnaire of the one
// mentorship that awaits the user's answers, or lets them pick.
func questionnaireCommand(t *Turn) error {
	if len(t.Program().Questionnaire) == 0 {
		t.Say("questionnaire.none_configured", nil)
		return nil
	}
	ms, err := t.rec.MentorshipsOf(t.ctx, t.Event.From.ID)
	if err != nil {
		return err
	}
	if len(ms) == 0 {
		t.Say("questionnaire.no_mentorship", nil)
		return nil
	}
	waiting, anySubmitted, err := awaitingAnswers(t, ms)
	if err != nil {
		return err
	}
	switch {
	case len(waiting) == 1:
		return questionnaireStart(t, waiting[0])
	case len(waiting) > 1:
		t.StartFlow(flowQuestionnaire, questStepPick)
		var rows [][]Button
		for _, m := range waiting {
			pr, _ := t.Program().Project(m.ProjectID)
			rows = append(rows, []Button{t.Button(pr.TitleIn(t.Lang())+" ("+m.ID+")", "pick", m.ID)})
		}
		t.Say("questionnaire.pick", nil, rows...)
	case anySubmitted:
		t.Say("questionnaire.already", nil)
	default:
		t.Say("questionnaire.not_open", nil)
	}
	return nil
}

// awaitingAnswers returns the mentorships of ms whose questionnaire is
// open and not yet answered by the sender, and whether they answered
// any.
func awaitingAnswers(t *Turn, ms []records.Mentorship) (waiting []records.Mentorship, anySubmitted bool, err error) {
	for _, m := range ms {
		open, err := questionnaireOpen(t, m)
		if err != nil {
			return nil, false, err
		}
		done, err := submitted(t, m.ID, t.Event.From.ID)
		switch {
		case err != nil:
			return nil, false, err
		case done:
			anySubmitted = true
		case open:
			waiting = append(waiting, m)
		}
	}
	return waiting, anySubmitted, nil
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
	m, err := t.rec.Mentorship(t.ctx, id)
	if errors.Is(err, records.ErrNotFound) {
		t.Say("questionnaire.open.unknown", map[string]any{"ID": id})
		return nil
	}
	if err != nil {
		return err
	}
	open, err := questionnaireOpen(t, m)
	if err != nil {
		return err
	}
	if open {
		t.Say("questionnaire.open.already", map[string]any{"ID": id})
		return nil
	}
	if err := t.rec.OpenQuestionnaire(t.ctx, id, t.Event.From.ID); err != nil {
		return err
	}
	for _, uid := range []int64{m.MenteeID, m.MentorID} {
		if uid == 0 {
			continue
		}
		lang := t.LangOf(uid)
		start := t.LastingButton(t.e.cat.T(lang, "questionnaire.button.start", nil), flowQuestionnaire, "start", id)
		t.SayTo(uid, lang, "questionnaire.invitation", nil, []Button{start})
	}
	t.Say("questionnaire.open.done", map[string]any{"ID": id})
	return nil
}

// questionnaireButton handles the flow's buttons: start (lasting, sent
// when staff open a questionnaire) and pick, then those of the flow
// run.
func questionnaireButton(t *Turn) error {
	switch t.Callback.Action {
	case "start", "pick":
		return startFromButton(t)
	case "ans", "edit", "submit":
		// Tied to the flow run: the chat is in this flow.
		var st questState
		if err := t.LoadState(&st); err != nil {
			return err
		}
		return questionnaireRunButton(t, st)
	}
	t.Notice("error.bad_button")
	return nil
}

// questionnaireRunButton handles an answer, edit or submit button.
func questionnaireRunButton(t *Turn, st questState) error {
	switch t.Callback.Action {
	case "ans":
		i, value, ok := strings.Cut(t.Callback.Arg, ".")
		if !ok || t.Session.Step != questStepQuestion || i != strconv.Itoa(st.Question) {
			t.Notice("error.stale_button")
			return nil
		}
		return questionnaireAnswer(t, st, value, true)
	case "edit":
		idx, err := strconv.Atoi(t.Callback.Arg)
		if err != nil || idx < 0 || idx >= len(t.Program().Questionnaire) || t.Session.Step != questStepReview {
			t.Notice("error.bad_button")
			return nil
		}
		t.Session.Step = questStepQuestion
		st.Question, st.Review = idx, true
		t.SaveState(st)
		return questionnaireAsk(t, st)
	default: // submit
		if t.Session.Step != questStepReview {
			t.Notice("error.stale_button")
			return nil
		}
		return questionnaireSubmit(t, st)
	}
}

// startFromButton starts the questionnaire of the mentorship a start
// or pick button names, for one of its participants.
func startFromButton(t *Turn) error {
	m, err := t.rec.Mentorship(t.ctx, t.Callback.Arg)
	if errors.Is(err, records.ErrNotFound) {
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
	open, err := questionnaireOpen(t, m)
	if err != nil {
		return err
	}
	if !open {
		t.Say("questionnaire.not_open", nil)
		return nil
	}
	done, err := submitted(t, m.ID, t.Event.From.ID)
	if err != nil {
		return err
	}
	if done {
		t.Say("questionnaire.already", nil)
		return nil
	}
	return questionnaireStart(t, m)
}

// questionnaireDraft loads the sender's draft about mentorship mid, or
// a new one.
func questionnaireDraft(t *Turn, mid string) (records.QuestionnaireResponse, error) {
	r, err := t.rec.DraftResponse(t.ctx, mid, t.Event.From.ID)
	if errors.Is(err, records.ErrNotFound) {
		m, err := t.rec.Mentorship(t.ctx, mid)
		if err != nil {
			return r, err
		}
		role := "mentor"
		if m.MenteeID == t.Event.From.ID {
			role = "mentee"
		}
		return records.QuestionnaireResponse{MentorshipID: mid, UserID: t.Event.From.ID, Role: role,
			Answers: map[string]string{}, StartedAt: t.Now().UTC()}, nil
	}
	if err != nil {
		return r, err
	}
	if r.Answers == nil {
		r.Answers = map[string]string{}
	}
	return r, nil
}

// sayText replies in the event's chat with text made from message id
// and more.
func sayText(t *Turn, id, text string, buttons ...[]Button) {
	t.Send(Message{ChatID: t.Event.ChatID, Text: text, TextID: id, Buttons: buttons})
}

// questionnaireStart opens (or resumes) the questionnaire at the first
// unanswered question, or at the review when all are answered.
func questionnaireStart(t *Turn, m records.Mentorship) error {
	t.StartFlow(flowQuestionnaire, questStepQuestion)
	st := questState{Mentorship: m.ID}
	t.SaveState(st)
	r, err := questionnaireDraft(t, m.ID)
	if err != nil {
		return err
	}
	if len(r.Answers) > 0 {
		t.Say("questionnaire.resumed", nil)
	} else {
		sayText(t, "questionnaire.intro", t.Plural("questionnaire.intro", len(t.Program().Questionnaire), nil))
	}
	return questionnaireNext(t, st, r)
}

// questionnaireNext asks the first unanswered question, or shows the
// review.
func questionnaireNext(t *Turn, st questState, r records.QuestionnaireResponse) error {
	for i, q := range t.Program().Questionnaire {
		if _, ok := r.Answers[q.ID]; !ok {
			t.Session.Step = questStepQuestion
			st.Question = i
			t.SaveState(st)
			return questionnaireAsk(t, st)
		}
	}
	return questionnaireReview(t, st, r)
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

// questionnaireAsk asks question st.Question.
func questionnaireAsk(t *Turn, st questState) error {
	qs := t.Program().Questionnaire
	i := st.Question
	if i < 0 || i >= len(qs) {
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
	sayText(t, "questionnaire.question", text, rows...)
	return nil
}

// questionnaireStep takes typed answers to text questions.
func questionnaireStep(t *Turn) error {
	if t.Session.Step != questStepQuestion {
		t.Say("questionnaire.use_buttons", nil)
		return nil
	}
	var st questState
	if err := t.LoadState(&st); err != nil {
		return err
	}
	qs := t.Program().Questionnaire
	if i := st.Question; i < 0 || i >= len(qs) || qs[i].Kind != "text" {
		t.Say("questionnaire.use_buttons", nil)
		return questionnaireAsk(t, st)
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
	return questionnaireAnswer(t, st, text, false)
}

// buttonAnswer turns the value of an answer button to q into the
// stored answer: the scale value, or the English text of the choice.
// ok is false for a value no button of q carries.
func buttonAnswer(q Question, value string) (answer string, ok bool) {
	v, err := strconv.Atoi(value)
	switch {
	case err != nil, q.Kind == "text":
		return "", false
	case q.Kind == "scale":
		return value, v >= 1 && v <= 5
	case v < 0 || v >= len(q.Choices["en"]):
		return "", false
	}
	return q.Choices["en"][v], true
}

// questionnaireAnswer records the answer to the current question in
// the draft and moves on. From a button, value is the scale value or
// the choice's index.
func questionnaireAnswer(t *Turn, st questState, value string, fromButton bool) error {
	qs := t.Program().Questionnaire
	if st.Question < 0 || st.Question >= len(qs) {
		t.Notice("error.stale_button")
		return nil
	}
	q := qs[st.Question]
	if fromButton {
		answer, ok := buttonAnswer(q, value)
		if !ok {
			t.Notice("error.bad_button")
			return nil
		}
		value = answer
	}
	r, err := questionnaireDraft(t, st.Mentorship)
	if err != nil {
		return err
	}
	r.Answers[q.ID] = value
	r.Lang = t.Lang()
	if err := t.rec.SaveDraftResponse(t.ctx, r); err != nil {
		return err
	}
	if st.Review {
		return questionnaireReview(t, st, r)
	}
	return questionnaireNext(t, st, r)
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
func questionnaireReview(t *Turn, st questState, r records.QuestionnaireResponse) error {
	t.Session.Step = questStepReview
	st.Review = false
	t.SaveState(st)
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
	sayText(t, "questionnaire.review", b.String(), rows...)
	return nil
}

// questionnaireSubmit stores the completed response once.
func questionnaireSubmit(t *Turn, st questState) error {
	r, err := questionnaireDraft(t, st.Mentorship)
	if err != nil {
		return err
	}
	for _, q := range t.Program().Questionnaire {
		if _, ok := r.Answers[q.ID]; !ok {
			return questionnaireNext(t, st, r)
		}
	}
	done, err := submitted(t, r.MentorshipID, r.UserID)
	if err != nil {
		return err
	}
	if done {
		t.Session.Reset()
		t.Say("questionnaire.already", nil)
		return nil
	}
	r.SubmittedAt = t.Now().UTC()
	r.Lang = t.Lang()
	if err := t.rec.SubmitResponse(t.ctx, r); err != nil {
		return err
	}
	t.Session.Reset()
	t.Say("questionnaire.thanks", nil)
	return nil
}

// exportQuestionnaire sends staff one CSV row per respondent and the
// mean of each scale question.
func exportQuestionnaire(t *Turn) error {
	rs, err := t.rec.Responses(t.ctx)
	if err != nil {
		return err
	}
	rows, err := responseRows(t, rs)
	if err != nil {
		return err
	}
	buf, err := csvDocument(rows)
	if err != nil {
		return err
	}
	name := "questionnaire-" + t.Now().In(t.Program().Location()).Format("2006-01-02") + ".csv"
	t.Send(Message{ChatID: t.Event.ChatID, Text: responseSummary(t, rs), TextID: "questionnaire.export.count",
		File: &Attachment{FileName: name, Content: buf}})
	return nil
}

// responseRows is the CSV of rs: a header, then one row per response.
func responseRows(t *Turn, rs []records.QuestionnaireResponse) ([][]string, error) {
	qs := t.Program().Questionnaire
	header := []string{"mentorship_id", "project_id", "role", "user_id", "language", "submitted_at"}
	for _, q := range qs {
		header = append(header, q.ID)
	}
	rows := [][]string{header}
	for _, r := range rs {
		project := ""
		if m, err := t.rec.Mentorship(t.ctx, r.MentorshipID); err == nil {
			project = m.ProjectID
		} else if !errors.Is(err, records.ErrNotFound) {
			return nil, err
		}
		row := []string{r.MentorshipID, project, r.Role, strconv.FormatInt(r.UserID, 10), r.Lang,
			r.SubmittedAt.Format(time.RFC3339)}
		for _, q := range qs {
			row = append(row, r.Answers[q.ID])
		}
		rows = append(rows, row)
	}
	return rows, nil
}

// responseSummary counts rs and gives the mean of each scale question,
// in the sender's language.
func responseSummary(t *Turn, rs []records.QuestionnaireResponse) string {
	var b strings.Builder
	b.WriteString(t.Plural("questionnaire.export.count", len(rs), nil))
	for _, q := range t.Program().Questionnaire {
		if q.Kind != "scale" {
			continue
		}
		sum, n := 0, 0
		for _, r := range rs {
			if v, err := strconv.Atoi(r.Answers[q.ID]); err == nil {
				sum += v
				n++
			}
		}
		mean := "—"
		if n > 0 {
			mean = strconv.FormatFloat(float64(sum)/float64(n), 'f', 2, 64)
		}
		b.WriteString("\n" + t.T("questionnaire.export.mean", map[string]any{"ID": q.ID, "Mean": mean, "N": n}))
	}
	return b.String()
}

// questionnaireData exports and erases a person's responses
// and drafts, about every mentorship they took part in; the export no
// longer counts erased responses.
var questionnaireData = PersonalData{
	Export: func(ctx context.Context, rec *records.DB, userID int64) (any, error) {
		mids, err := mentorshipIDs(ctx, rec, userID)
		if err != nil {
			return nil, err
		}
		return rec.ExportResponses(ctx, userID, mids)
	},
	Erase: func(ctx context.Context, rec *records.DB, userID int64) error {
		mids, err := mentorshipIDs(ctx, rec, userID)
		if err != nil {
			return err
		}
		return rec.EraseResponses(ctx, userID, mids)
	},
}

// mentorshipIDs lists the ids of the mentorships userID takes part in.
func mentorshipIDs(ctx context.Context, rec *records.DB, userID int64) ([]string, error) {
	ms, err := rec.MentorshipsOf(ctx, userID)
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(ms))
	for i, m := range ms {
		ids[i] = m.ID
	}
	return ids, nil
}
