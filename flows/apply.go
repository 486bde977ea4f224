package flows

import (
	"errors"
	"path"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"github.com/mentorbot/mentorbot/flows/doccheck"
	"github.com/mentorbot/mentorbot/flows/records"
)

const (
	flowApply    = "apply"
	flowWithdraw = "withdraw"
)

// The steps of the apply flow, in order; applySummary follows the last.
const (
	stepDegree  = "degree"
	stepYear    = "year"
	stepProject = "project"
	stepLevel   = "level"
	stepSummary = "summary"
)

// applySteps are the nine steps shown as "step N of 9".
var applySteps = append([]string{stepDegree, stepYear, stepProject, stepLevel}, records.DocumentKinds...)

// maxUpload is the largest document the apply flow accepts.
const maxUpload = 20 << 20

// projectsPerPage bounds the project buttons shown at once.
const projectsPerPage = 5

// registerApply adds /apply, /status and /withdraw, all in the
// student's private chat, where the apply flow runs.
func registerApply(e *Engine) {
	e.command(Command{Name: "apply", Role: records.RoleAnyone, Scope: InPrivate, Help: "cmd.apply", Run: applyCommand})
	e.command(Command{Name: "status", Role: records.RoleAnyone, Scope: InPrivate, Help: "cmd.status", Run: statusCommand})
	e.command(Command{Name: "withdraw", Role: records.RoleAnyone, Scope: InPrivate, Help: "cmd.withdraw", Run: withdrawCommand})
	e.onButton(flowApply, records.RoleAnyone, InPrivate, applyButton)
	e.onStep(flowStep(flowApply), applyInput)
	e.onButton(flowWithdraw, records.RoleAnyone, InPrivate, withdrawButton)
	e.onStep(flowStep(flowWithdraw), func(t *Turn) error {
		t.Say("apply.withdraw.use_buttons", nil)
		return nil
	})
	e.personalData(flowApply, applicationData)
}

// nextStep is the first step a draft still lacks, or stepSummary.
func nextStep(a records.Application) string {
	switch {
	case a.Degree == "":
		return stepDegree
	case a.Year == 0:
		return stepYear
	case a.ProjectID == "":
		return stepProject
	case a.Level == "":
		return stepLevel
	}
	for _, k := range records.DocumentKinds {
		if _, ok := a.Documents[k]; !ok {
			return k
		}
	}
	return stepSummary
}

// stepsDone counts the steps of a draft already answered.
func stepsDone(a records.Application) int {
	for i, s := range applySteps {
		if s == nextStep(a) {
			return i
		}
	}
	return len(applySteps)
}

func isDocumentStep(step string) bool {
	for _, k := range records.DocumentKinds {
		if k == step {
			return true
		}
	}
	return false
}

// closed reports whether the application deadline has passed.
func closed(t *Turn) bool { return t.Now().After(t.Program().Deadline) }

// formatTime renders at in the user's time zone and the layout of their
// language, with the zone named.
func formatTime(t *Turn, at time.Time) string {
	return t.dates().dateTime(at)
}

// languageName names the language code in the user's language.
func languageName(t *Turn, code string) string {
	if name := languageIn(t.Lang(), code); name != code {
		return name
	}
	return strings.ToUpper(code)
}

// formatDecimal writes x with one decimal the way lang does ("23,8" in
// Italian, "23.8" in English).
func formatDecimal(lang string, x float64) string {
	// Latin digits in every language, as every other number the bot
	// writes (Arabic and Persian would otherwise get their own).
	return message.NewPrinter(language.Make(lang+"-u-nu-latn")).Sprintf("%.1f", x)
}

// sayBuilt replies with text built around message id, such as a
// question after a progress line or a card of several lines; id is the
// message's TextID.
func sayBuilt(t *Turn, id, text string, buttons ...[]Button) {
	t.Send(Message{ChatID: t.Event.ChatID, Text: text, TextID: id, Buttons: buttons})
}

// loadOwn returns the sender's application, or a new draft.
func loadOwn(t *Turn) (records.Application, error) {
	a, err := t.rec.ApplicationOf(t.ctx, t.Event.From.ID)
	if errors.Is(err, records.ErrNotFound) {
		return records.Application{UserID: t.Event.From.ID, State: records.AppDraft, CreatedAt: t.Now().UTC()}, nil
	}
	return a, err
}

// applyCommand starts or resumes the sender's application.
func applyCommand(t *Turn) error { return startApplication(t, nil) }

// startApplication starts or resumes the sender's application. A
// project given (a project's link, links.go) is set on the draft first,
// so the flow skips the project step.
func startApplication(t *Turn, project *Project) error {
	a, err := loadOwn(t)
	if err != nil {
		return err
	}
	if a.State != records.AppDraft {
		t.Say("apply.already", map[string]any{"Ref": a.Ref})
		return nil
	}
	if closed(t) {
		t.Say("apply.closed", map[string]any{"Deadline": formatTime(t, t.Program().Deadline)})
		return nil
	}
	if project != nil {
		if err := presetProject(t, &a, *project); err != nil {
			return err
		}
	}
	if a.UpdatedAt.IsZero() { // a new draft: /status shows it from now on
		if err := t.rec.SaveApplication(t.ctx, &a); err != nil {
			return err
		}
	}
	t.StartFlow(flowApply, nextStep(a))
	if done := stepsDone(a); done > 0 {
		t.Say("apply.resume", nil)
	} else {
		t.Say("apply.intro", map[string]any{"Program": t.Program().Name, "Deadline": formatTime(t, t.Program().Deadline)})
	}
	askNext(t, a, 0)
	return nil
}

// presetProject sets p on the draft a and saves it, unless the sender
// may not apply to it (its mentor, or staff), which they are told. When
// p's language is not the one of the draft's project, what was about
// that language goes: the certified level, the CV and letter in it and
// the certificate.
func presetProject(t *Turn, a *records.Application, p Project) error {
	if own, err := ownsProject(t, p.ID); err != nil || own {
		if own {
			t.Say("apply.own_project", map[string]any{"Project": p.TitleIn(t.Lang())})
		}
		return err
	}
	if a.Language != "" && a.Language != p.Language {
		a.Level = ""
		for _, k := range []string{records.DocCVForeign, records.DocLetterForeign, records.DocLanguageCertified} {
			delete(a.Documents, k)
		}
	}
	a.ProjectID, a.Language = p.ID, p.Language
	// The link skips the list where the description would be read.
	text := t.T("links.apply_project", map[string]any{"Title": p.TitleIn(t.Lang()), "Host": p.Host})
	if d := p.DescriptionIn(t.Lang()); d != "" {
		text += "\n\n" + d
	}
	sayBuilt(t, "links.apply_project", text)
	return t.rec.SaveApplication(t.ctx, a)
}

// askNext asks for what the draft still lacks; page is the page of
// the project list.
func askNext(t *Turn, a records.Application, page int) {
	step := nextStep(a)
	t.Session.Step = step
	if step == stepSummary {
		sayBuilt(t, "apply.summary", summary(t, a), []Button{
			t.Button(t.T("apply.confirm", nil), "confirm", ""),
			t.Button(t.T("apply.restart", nil), "restart", ""),
		})
		return
	}
	progress := t.T("apply.progress", map[string]any{"N": stepsDone(a) + 1, "Total": len(applySteps)}) + "\n"
	switch step {
	case stepDegree:
		var rows [][]Button
		for _, l := range t.Program().Levels {
			rows = append(rows, []Button{t.Button(degreeName(t, l.ID), "deg", l.ID)})
		}
		sayBuilt(t, "apply.step.degree", progress+t.T("apply.step.degree", nil), rows...)
	case stepYear:
		var row []Button
		l, _ := t.Program().Level(a.Degree)
		for y := 1; y <= l.Years; y++ {
			row = append(row, t.Button(t.T("apply.year.button", map[string]any{"Year": y}), "year", strconv.Itoa(y)))
		}
		sayBuilt(t, "apply.step.year", progress+t.T("apply.step.year", map[string]any{"Degree": degreeName(t, a.Degree)}), row)
	case stepProject:
		askProject(t, progress, page)
	case stepLevel:
		var rows [][]Button
		for i := 0; i < len(cefrLevels); i += 3 {
			var row []Button
			for _, l := range cefrLevels[i : i+3] {
				row = append(row, t.Button(l, "lvl", l))
			}
			rows = append(rows, row)
		}
		sayBuilt(t, "apply.step.level", progress+t.T("apply.step.level", map[string]any{"Language": languageName(t, a.Language)}), rows...)
	default: // a document
		sayBuilt(t, "apply.step.document", progress+t.T("apply.step.document", map[string]any{
			"Document": documentLabel(t, a, step),
			"Formats":  t.T(formatsID(step), nil),
		}))
	}
}

// askProject shows one page of the projects.
func askProject(t *Turn, progress string, page int) {
	projects := t.Program().Projects
	pages := (len(projects) + projectsPerPage - 1) / projectsPerPage
	page = max(0, min(page, pages-1))
	var b strings.Builder
	b.WriteString(progress + t.T("apply.step.project", nil))
	var rows [][]Button
	for _, p := range projects[page*projectsPerPage : min(len(projects), (page+1)*projectsPerPage)] {
		title := p.TitleIn(t.Lang())
		b.WriteString("\n• " + t.T("apply.project.line", map[string]any{
			"Title": title, "Host": p.Host, "Language": languageName(t, p.Language)}))
		if d := p.DescriptionIn(t.Lang()); d != "" {
			b.WriteString("\n" + d)
		}
		rows = append(rows, []Button{t.Button(title, "proj", p.ID)})
	}
	if pages > 1 {
		b.WriteString("\n" + t.T("apply.project.page", map[string]any{"Page": page + 1, "Pages": pages}))
		var nav []Button
		if page > 0 {
			nav = append(nav, t.Button(t.T("apply.project.prev", nil), "page", strconv.Itoa(page-1)))
		}
		if page < pages-1 {
			nav = append(nav, t.Button(t.T("apply.project.next", nil), "page", strconv.Itoa(page+1)))
		}
		rows = append(rows, nav)
	}
	sayBuilt(t, "apply.step.project", b.String(), rows...)
}

// documentLabel names a document kind, with the project's language for
// the foreign-language ones.
func documentLabel(t *Turn, a records.Application, kind string) string {
	return t.T("apply.doc."+kind, map[string]any{"Language": languageName(t, a.Language)})
}

// formatsID is the message naming the file types a document may have.
func formatsID(kind string) string {
	if kind == records.DocLanguageCertified {
		return "apply.formats.pdf"
	}
	return "apply.formats.office"
}

// summary renders a complete draft for confirmation.
func summary(t *Turn, a records.Application) string {
	var b strings.Builder
	b.WriteString(t.T("apply.summary", nil))
	b.WriteString("\n" + describe(t, a))
	b.WriteString("\n\n" + t.T("apply.summary.deadline", map[string]any{"Deadline": formatTime(t, t.Program().Deadline)}))
	return b.String()
}

// describe lists an application's answers and documents.
func describe(t *Turn, a records.Application) string {
	var b strings.Builder
	title := a.ProjectID
	if p, ok := t.Program().Project(a.ProjectID); ok {
		title = p.TitleIn(t.Lang()) + " (" + p.Host + ")"
	}
	b.WriteString(t.T("apply.summary.degree", map[string]any{"Degree": degreeName(t, a.Degree), "Year": a.Year}))
	b.WriteString("\n" + t.T("apply.summary.project", map[string]any{"Project": title}))
	b.WriteString("\n" + t.T("apply.summary.level", map[string]any{"Language": languageName(t, a.Language), "Level": a.Level}))
	for _, k := range records.DocumentKinds {
		if d, ok := a.Documents[k]; ok {
			b.WriteString("\n" + t.T("apply.summary.document", map[string]any{"Document": documentLabel(t, a, k), "Name": d.FileName}))
		}
	}
	return b.String()
}

// ownDraft loads the sender's draft for a step of the flow; when there
// is none any more (submitted or withdrawn elsewhere) the flow ends.
func ownDraft(t *Turn) (records.Application, bool, error) {
	a, err := loadOwn(t)
	if err != nil {
		return records.Application{}, false, err
	}
	if a.State != records.AppDraft {
		t.Session.Reset()
		t.Notice("error.stale_button")
		t.Say("apply.already", map[string]any{"Ref": a.Ref})
		return records.Application{}, false, nil
	}
	return a, true, nil
}

// applyActionSteps says which step each button of the apply flow
// answers; a button of another step is stale.
var applyActionSteps = map[string]string{"deg": stepDegree, "year": stepYear, "proj": stepProject, "page": stepProject,
	"lvl": stepLevel, "confirm": stepSummary, "restart": stepSummary}

// applyButton handles the answers given with buttons.
func applyButton(t *Turn) error {
	a, ok, err := ownDraft(t)
	if err != nil || !ok {
		return err
	}
	action, arg := t.Callback.Action, t.Callback.Arg
	if step, known := applyActionSteps[action]; !known || step != nextStep(a) {
		t.Notice("error.stale_button")
		return nil
	}
	next := true
	switch action {
	case "page":
		return showProjectPage(t, a, arg)
	case "confirm":
		return confirmApplication(t, a)
	case "restart":
		a = records.Application{UserID: a.UserID, State: records.AppDraft, CreatedAt: a.CreatedAt}
	case "deg":
		next = answerDegree(t, &a, arg)
	case "year":
		next, err = answerYear(t, &a, arg)
	case "proj":
		next, err = answerProject(t, &a, arg)
	case "lvl":
		next, err = answerLevel(t, &a, arg)
	}
	if err != nil || !next {
		return err
	}
	if err := t.rec.SaveApplication(t.ctx, &a); err != nil {
		return err
	}
	askNext(t, a, 0)
	return nil
}

// The answerX functions take one button's answer into the draft a and
// report whether the flow goes on to the next step; when it does not,
// they have told the user why.

// answerDegree takes the degree.
func answerDegree(t *Turn, a *records.Application, arg string) bool {
	if _, ok := t.Program().Level(arg); !ok {
		t.Notice("error.bad_button")
		return false
	}
	a.Degree = arg
	return true
}

// answerYear takes the year of course. A Bachelor's student in their
// first year cannot apply yet: the degree is dropped and the flow ends.
func answerYear(t *Turn, a *records.Application, arg string) (bool, error) {
	y, err := strconv.Atoi(arg)
	l, _ := t.Program().Level(a.Degree)
	if err != nil || y < 1 || y > l.Years {
		t.Notice("error.bad_button")
		return false, nil
	}
	if y < l.MinYear {
		degree := degreeName(t, a.Degree)
		a.Degree = ""
		if err := t.rec.SaveApplication(t.ctx, a); err != nil {
			return false, err
		}
		t.Session.Reset()
		t.Say("apply.ineligible.year", map[string]any{"Degree": degree, "MinYear": l.MinYear})
		return false, nil
	}
	a.Year = y
	return true, nil
}

// answerProject takes the project, and with it the foreign language.
// The project's mentor and the programme's staff cannot apply: they
// would review or mentor themselves.
func answerProject(t *Turn, a *records.Application, arg string) (bool, error) {
	p, ok := t.Program().Project(arg)
	if !ok {
		t.Notice("error.bad_button")
		return false, nil
	}
	if own, err := ownsProject(t, p.ID); err != nil || own {
		if own {
			t.Say("apply.own_project", map[string]any{"Project": p.TitleIn(t.Lang())})
			askProject(t, "", 0)
		}
		return false, err
	}
	a.ProjectID, a.Language = p.ID, p.Language
	return true, nil
}

// ownsProject reports whether the sender is the mentor of project or
// staff of the programme.
func ownsProject(t *Turn, project string) (bool, error) {
	staff, err := isStaff(t)
	if err != nil || staff {
		return staff, err
	}
	mentor, err := rosterOf(t).mentorOf(t.ctx, project)
	if errors.Is(err, records.ErrNotFound) {
		return false, nil
	}
	return mentor == t.Event.From.ID, err
}

// answerLevel takes the certified language level. One below what the
// degree needs drops the project and ends the flow.
func answerLevel(t *Turn, a *records.Application, arg string) (bool, error) {
	if !levelAtLeast(arg, "A1") {
		t.Notice("error.bad_button")
		return false, nil
	}
	if min := minLevel(t.Program(), a.Degree); !levelAtLeast(arg, min) {
		lang := languageName(t, a.Language)
		a.ProjectID, a.Language = "", ""
		if err := t.rec.SaveApplication(t.ctx, a); err != nil {
			return false, err
		}
		t.Session.Reset()
		t.Say("apply.ineligible.level", map[string]any{"Level": arg, "Min": min, "Language": lang,
			"Degree": degreeName(t, a.Degree)})
		return false, nil
	}
	a.Level = arg
	return true, nil
}

// showProjectPage shows another page of the project list.
func showProjectPage(t *Turn, a records.Application, arg string) error {
	page, err := strconv.Atoi(arg)
	if err != nil {
		t.Notice("error.bad_button")
		return nil
	}
	askNext(t, a, page)
	return nil
}

// confirmApplication submits a complete draft before the deadline.
func confirmApplication(t *Turn, a records.Application) error {
	if closed(t) {
		t.Session.Reset()
		t.Say("apply.closed_submit", map[string]any{"Deadline": formatTime(t, t.Program().Deadline)})
		return nil
	}
	own, err := ownsProject(t, a.ProjectID)
	if err != nil {
		return err
	}
	if _, ok := t.Program().Level(a.Degree); !ok {
		a.Degree, a.Year = "", 0 // the programme no longer takes that level
	}
	if _, ok := t.Program().Project(a.ProjectID); !ok || own || !levelAtLeast(a.Level, minLevel(t.Program(), a.Degree)) {
		// The programme file, or the person's role, changed under the
		// draft: ask again.
		a.ProjectID, a.Language, a.Level = "", "", ""
		if err := t.rec.SaveApplication(t.ctx, &a); err != nil {
			return err
		}
		askNext(t, a, 0)
		return nil
	}
	if err := submitApplication(t, &a); err != nil {
		return err
	}
	t.Session.Reset()
	t.Say("apply.submitted", map[string]any{"Ref": a.Ref})
	return nil
}

// applyInput handles what the user sends while in the flow: the
// documents, or anything else, which is explained and changes nothing.
func applyInput(t *Turn) error {
	a, ok, err := ownDraft(t)
	if err != nil || !ok {
		return err
	}
	step := nextStep(a)
	if !isDocumentStep(step) {
		t.Say("apply.use_buttons", nil)
		askNext(t, a, 0)
		return nil
	}
	f := t.Event.File
	switch {
	case t.Event.Kind == KindPhoto:
		t.Say("apply.upload.photo", nil)
	case t.Event.Kind == KindText:
		t.Say("apply.upload.text", nil)
	case t.Event.Kind != KindDocument || f == nil || f.FileID == "":
		t.Say("apply.upload.other", nil)
	case f.Size > maxUpload:
		t.Say("apply.upload.too_big", map[string]any{"Size": formatDecimal(t.Lang(), float64(f.Size)/(1<<20)), "Max": maxUpload >> 20})
	case !acceptedType(step, f):
		t.Say("apply.upload.wrong_type", map[string]any{"Formats": t.T(formatsID(step), nil)})
	default:
		if refusal, data := checkUpload(t, f); refusal != "" {
			t.Say(refusal, data) // nothing kept: the step is asked again
			break
		}
		if a.Documents == nil {
			a.Documents = make(map[string]records.Document)
		}
		a.Documents[step] = records.Document{FileID: f.FileID, FileName: f.FileName, MIMEType: f.MIMEType, Size: f.Size}
		if err := t.rec.SaveApplication(t.ctx, &a); err != nil {
			return err
		}
		t.Say("apply.upload.received", map[string]any{"Document": documentLabel(t, a, step)})
	}
	askNext(t, a, 0)
	return nil
}

// fileTypes maps MIME types and extensions to the formats we accept.
var fileTypes = map[string]doccheck.Format{
	"application/pdf":    doccheck.PDF,
	"application/msword": doccheck.DOC,
	"application/vnd.openxmlformats-officedocument.wordprocessingml.document": doccheck.DOCX,
	".pdf":  doccheck.PDF,
	".doc":  doccheck.DOC,
	".docx": doccheck.DOCX,
}

// fileType is the format f says it has, or "": its MIME type decides;
// the file name's extension only when the client sent no specific type.
func fileType(f *File) doccheck.Format {
	typ, ok := fileTypes[strings.ToLower(f.MIMEType)]
	if !ok && (f.MIMEType == "" || f.MIMEType == "application/octet-stream") {
		typ = fileTypes[strings.ToLower(path.Ext(f.FileName))]
	}
	return typ
}

// acceptedType reports whether f may be uploaded as kind: PDF always,
// DOC and DOCX for the CVs and letters.
func acceptedType(kind string, f *File) bool {
	switch fileType(f) {
	case doccheck.PDF:
		return true
	case doccheck.DOC, doccheck.DOCX:
		return kind != records.DocLanguageCertified
	}
	return false
}

// checkUpload reads f through the engine's Files and returns the
// message refusing it, with its data, or "" when f is a document of the
// format it says it has (a Word document may say DOC or DOCX, which
// Word opens alike). A file that cannot be read is refused too, with
// a message asking to send it again: nothing is kept unchecked. Without
// Files, f is taken unread.
func checkUpload(t *Turn, f *File) (string, map[string]any) {
	if t.e.files == nil {
		return "", nil
	}
	rc, err := t.e.files.Open(t.ctx, f.FileID)
	if err != nil {
		t.e.log.Warn("download an upload", "file_id", f.FileID, "err", err)
		return "apply.upload.unavailable", nil
	}
	defer rc.Close()
	want := fileType(f)
	got, err := doccheck.Check(t.ctx, rc, maxUpload)
	word := func(f doccheck.Format) bool { return f == doccheck.DOC || f == doccheck.DOCX }
	switch {
	case errors.Is(err, doccheck.ErrEmpty):
		return "apply.upload.empty", nil
	case errors.Is(err, doccheck.ErrTooBig):
		return "apply.upload.over_limit", map[string]any{"Max": maxUpload >> 20}
	case errors.Is(err, doccheck.ErrLocked):
		return "apply.upload.locked", nil
	case errors.Is(err, doccheck.ErrNotDocument), err == nil && got != want && !(word(got) && word(want)):
		return "apply.upload.not_document", map[string]any{"Format": strings.ToUpper(string(want))}
	case err != nil:
		t.e.log.Warn("read an upload", "file_id", f.FileID, "err", err)
		return "apply.upload.unavailable", nil
	}
	return "", nil
}

// statusCommand tells the sender where their application stands.
// Staff decisions show as "under review" until they are published.
func statusCommand(t *Turn) error {
	a, err := t.rec.ApplicationOf(t.ctx, t.Event.From.ID)
	if errors.Is(err, records.ErrNotFound) {
		t.Say("apply.status.none", nil)
		return nil
	}
	if err != nil {
		return err
	}
	if a.State == records.AppDraft {
		t.Say("apply.status.draft", map[string]any{"Done": stepsDone(a), "Total": len(applySteps),
			"Deadline": formatTime(t, t.Program().Deadline)})
		return nil
	}
	state := visibleState(a)
	var b strings.Builder
	b.WriteString(t.T("apply.status.submitted", map[string]any{"Ref": a.Ref,
		"State": t.T("apply.state."+string(state), nil), "Submitted": formatTime(t, a.SubmittedAt)}))
	b.WriteString("\n" + describe(t, a))
	switch {
	case state == records.AppInterview && a.Note != "":
		b.WriteString("\n" + t.T("apply.status.note", map[string]any{"Note": a.Note}))
	case state == records.AppRejected && a.Reason != "":
		b.WriteString("\n" + t.T("apply.status.reason", map[string]any{"Reason": a.Reason}))
	case state == records.AppMatched:
		mentor, err := t.rec.Profile(t.ctx, a.MentorID)
		if err != nil {
			return err
		}
		if mentor.Started {
			b.WriteString("\n" + t.T("apply.status.mentor", map[string]any{"Mentor": mentor.DisplayName()}))
		}
	}
	sayBuilt(t, "apply.status.submitted", b.String())
	return nil
}

// visibleState is the state the applicant may see: decisions not yet
// published show as under review.
func visibleState(a records.Application) records.AppState {
	switch a.State {
	case records.AppAccepted:
		return records.AppReview
	case records.AppRejected, records.AppMatched:
		if !a.Published {
			return records.AppReview
		}
	}
	return a.State
}

// withdrawCommand asks the sender to confirm withdrawing.
func withdrawCommand(t *Turn) error {
	a, err := t.rec.ApplicationOf(t.ctx, t.Event.From.ID)
	if errors.Is(err, records.ErrNotFound) {
		t.Say("apply.withdraw.none", nil)
		return nil
	}
	if err != nil {
		return err
	}
	if msg := cannotWithdraw(a); msg != "" {
		t.Say(msg, map[string]any{"Ref": a.Ref})
		return nil
	}
	t.StartFlow(flowWithdraw, "confirm")
	arg, id := a.Ref, "apply.withdraw.confirm"
	if a.State == records.AppDraft {
		arg, id = "draft", "apply.withdraw.confirm_draft"
	}
	t.Say(id, map[string]any{"Ref": a.Ref}, []Button{
		t.Button(t.T("apply.withdraw.yes", nil), "yes", arg),
		t.Button(t.T("apply.withdraw.no", nil), "no", ""),
	})
	return nil
}

// cannotWithdraw returns the message explaining why a cannot be
// withdrawn, or "".
func cannotWithdraw(a records.Application) string {
	switch {
	case a.State == records.AppWithdrawn:
		return "apply.withdraw.already"
	case a.Published:
		return "apply.withdraw.decided"
	}
	return ""
}

// withdrawButton carries out or drops a withdrawal. The button names
// the application; one that is not the presser's does nothing.
func withdrawButton(t *Turn) error {
	switch t.Callback.Action {
	case "no":
		t.Session.Reset()
		t.Say("apply.withdraw.kept", nil)
		return nil
	case "yes":
	default:
		t.Notice("error.bad_button")
		return nil
	}
	a, err := t.rec.ApplicationOf(t.ctx, t.Event.From.ID)
	if err != nil && !errors.Is(err, records.ErrNotFound) {
		return err
	}
	want := a.Ref
	if a.State == records.AppDraft {
		want = "draft"
	}
	if errors.Is(err, records.ErrNotFound) || t.Callback.Arg != want {
		t.Notice("error.bad_button")
		return nil
	}
	t.Session.Reset()
	if msg := cannotWithdraw(a); msg != "" {
		t.Say(msg, map[string]any{"Ref": a.Ref})
		return nil
	}
	if a.State == records.AppDraft {
		if err := t.rec.DeleteDraft(t.ctx, a.UserID); err != nil {
			return err
		}
		t.Say("apply.withdraw.done_draft", nil)
		return nil
	}
	a.State = records.AppWithdrawn
	if err := t.rec.SaveApplication(t.ctx, &a); err != nil {
		return err
	}
	t.Say("apply.withdraw.done", map[string]any{"Ref": a.Ref})
	return nil
}
