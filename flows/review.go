package flows

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

const flowReview = "review"

// maxNoteLength bounds interview notes and rejection reasons.
const maxNoteLength = 1000

// registerReview adds the staff commands: /applications to review,
// /publish to announce the results and /export.
func registerReview(e *Engine) {
	e.command(Command{Name: "applications", Role: RoleStaff, Help: "cmd.applications", Run: listProjects})
	e.command(Command{Name: "publish", Role: RoleStaff, Help: "cmd.publish", Run: publishCommand})
	e.command(Command{Name: "export", Role: RoleStaff, Help: "cmd.export", Run: exportCommand})
	e.registerExport("applications", exportApplications)
	e.buttons[flowReview] = reviewButton
	e.steps[flowReview] = reviewInput
}

// reviewTransitions says, per staff action, from which states it may be
// taken and which state it leads to.
var reviewTransitions = []struct {
	action string
	from   []AppState
	to     AppState
}{
	{"int", []AppState{AppSubmitted, AppReview}, AppInterview},
	{"acc", []AppState{AppSubmitted, AppReview, AppInterview, AppRejected}, AppAccepted},
	{"rej", []AppState{AppSubmitted, AppReview, AppInterview, AppAccepted}, AppRejected},
	{"match", []AppState{AppAccepted}, AppMatched},
}

// canTake reports whether staff may take action on a.
func canTake(a Application, action string) (AppState, bool) {
	if a.Published || a.UserID == 0 {
		return "", false
	}
	for _, tr := range reviewTransitions {
		if tr.action == action {
			return tr.to, slices.Contains(tr.from, a.State)
		}
	}
	return "", false
}

// isStaff checks the sender's role again, for buttons and steps that
// outlive the command which produced them.
func isStaff(t *Turn) (bool, error) {
	return t.e.HasRole(t.ctx, t.Event.From.ID, t.Event.ChatID, RoleStaff)
}

// listProjects shows each project with its count of applications.
func listProjects(t *Turn) error {
	var b strings.Builder
	b.WriteString(t.T("review.list.intro", nil))
	var rows [][]Button
	for _, p := range t.Program().Projects {
		apps, err := t.e.applicationsIn(t.ctx, appProjectSet(p.ID))
		if err != nil {
			return err
		}
		n := 0
		for _, a := range apps {
			if a.Active() {
				n++
			}
		}
		count := t.Plural("review.count.applications", n, nil)
		b.WriteString("\n• " + p.Title + ": " + count)
		if n > 0 {
			rows = append(rows, []Button{t.LastingButton(p.Title+" ("+strconv.Itoa(n)+")", flowReview, "proj", p.ID)})
		}
	}
	t.Reply(b.String(), rows...)
	return nil
}

// listApplications shows the active applications of a project.
func listApplications(t *Turn, projectID string) error {
	p, ok := t.Program().Project(projectID)
	if !ok {
		t.Notice("error.bad_button")
		return nil
	}
	apps, err := t.e.applicationsIn(t.ctx, appProjectSet(p.ID))
	if err != nil {
		return err
	}
	var rows [][]Button
	for _, a := range apps {
		if !a.Active() {
			continue
		}
		name, err := applicantName(t, a)
		if err != nil {
			return err
		}
		label := a.Ref + " · " + name + " · " + t.T("review.state."+string(a.State), nil)
		rows = append(rows, []Button{t.LastingButton(label, flowReview, "open", a.Ref)})
	}
	t.Reply(t.T("review.project", map[string]any{"Project": p.Title, "Count": t.Plural("review.count.applications", len(rows), nil)}), rows...)
	return nil
}

// applicantName is the applicant's display name, or a placeholder once
// their data was erased.
func applicantName(t *Turn, a Application) (string, error) {
	if a.UserID == 0 {
		return t.T("review.erased", nil), nil
	}
	p, err := t.e.Profile(t.ctx, a.UserID)
	if err != nil {
		return "", err
	}
	return p.DisplayName(), nil
}

// card renders an application for staff, with the actions its state
// allows.
func card(t *Turn, a Application) error {
	name, err := applicantName(t, a)
	if err != nil {
		return err
	}
	var b strings.Builder
	b.WriteString(t.T("review.card", map[string]any{"Ref": a.Ref, "Name": name, "UserID": a.UserID,
		"State": t.T("review.state."+string(a.State), nil), "Submitted": formatTime(t, a.SubmittedAt)}))
	b.WriteString("\n" + describe(t, a))
	if a.Note != "" {
		b.WriteString("\n" + t.T("review.card.note", map[string]any{"Note": a.Note}))
	}
	if a.Reason != "" {
		b.WriteString("\n" + t.T("review.card.reason", map[string]any{"Reason": a.Reason}))
	}
	if a.Published {
		b.WriteString("\n" + t.T("review.card.published", nil))
	}
	var row []Button
	for _, tr := range reviewTransitions {
		if _, ok := canTake(a, tr.action); ok {
			row = append(row, t.LastingButton(t.T("review.action."+tr.action, nil), flowReview, tr.action, a.Ref))
		}
	}
	if len(row) > 0 {
		t.Reply(b.String(), row)
	} else {
		t.Reply(b.String())
	}
	return nil
}

// openApplication shows an application and sends its documents back.
// Opening a submitted application puts it under review.
func openApplication(t *Turn, a Application) error {
	if a.State == AppSubmitted {
		a.State = AppReview
		if err := t.e.saveApplication(t.ctx, &a); err != nil {
			return err
		}
	}
	for _, k := range documentKinds {
		d, ok := a.Documents[k]
		if !ok {
			continue
		}
		t.Send(Message{ChatID: t.Event.ChatID, Text: a.Ref + " · " + documentLabel(t, a, k),
			File: &Attachment{FileID: d.FileID, FileName: d.FileName}})
	}
	return card(t, a)
}

// reviewButton handles the staff's buttons. Each press checks again
// that the presser is staff and that the action fits the application's
// current state; anything else changes nothing.
func reviewButton(t *Turn) error {
	ok, err := isStaff(t)
	if err != nil {
		return err
	}
	if !ok {
		t.Notice("error.not_allowed")
		return nil
	}
	switch t.Callback.Action {
	case "publish", "cancel", "noreason":
		// Confirmations belong to one run of the flow; the engine
		// checked the nonce, which such a button must carry.
		if t.Callback.Nonce == "" {
			t.Notice("error.bad_button")
			return nil
		}
	}
	switch t.Callback.Action {
	case "proj":
		return listApplications(t, t.Callback.Arg)
	case "publish":
		t.Session.Reset()
		return publish(t)
	case "cancel":
		t.Session.Reset()
		t.Say("review.cancelled", nil)
		return nil
	case "noreason":
		ref := t.Session.Get("ref")
		if t.Session.Step != "reason" || ref == "" {
			t.Notice("error.stale_button")
			return nil
		}
		t.Session.Reset()
		return decide(t, ref, "rej", "")
	}
	a, err := t.e.Application(t.ctx, t.Callback.Arg)
	if errors.Is(err, ErrNotFound) {
		t.Notice("review.gone")
		return nil
	}
	if err != nil {
		return err
	}
	switch t.Callback.Action {
	case "open":
		return openApplication(t, a)
	case "int", "rej":
		if _, ok := canTake(a, t.Callback.Action); !ok {
			return refuseAction(t, a)
		}
		step, prompt := "note", "review.ask.note"
		if t.Callback.Action == "rej" {
			step, prompt = "reason", "review.ask.reason"
		}
		t.StartFlow(flowReview, step)
		t.Session.Set("ref", a.Ref)
		var buttons []Button
		if step == "reason" {
			buttons = append(buttons, t.Button(t.T("review.no_reason", nil), "noreason", ""))
		}
		buttons = append(buttons, t.Button(t.T("review.cancel", nil), "cancel", ""))
		t.Say(prompt, map[string]any{"Ref": a.Ref}, buttons)
		return nil
	case "acc", "match":
		if t.Session.Flow == flowReview {
			// A note or reason half written for another application
			// must not land on the wrong one later.
			t.Session.Reset()
		}
		return decide(t, a.Ref, t.Callback.Action, "")
	}
	t.Notice("error.bad_button")
	return nil
}

// refuseAction explains that an action no longer fits and shows the
// application as it is now.
func refuseAction(t *Turn, a Application) error {
	t.Notice("review.not_now")
	t.Say("review.not_now", nil)
	return card(t, a)
}

// decide takes a staff action on application ref, with the note or
// reason text where the action has one.
func decide(t *Turn, ref, action, text string) error {
	a, err := t.e.Application(t.ctx, ref)
	if errors.Is(err, ErrNotFound) {
		t.Say("review.gone", nil)
		return nil
	}
	if err != nil {
		return err
	}
	to, ok := canTake(a, action)
	if !ok {
		return refuseAction(t, a)
	}
	switch action {
	case "int":
		a.Note = text
		lang := t.e.LangOf(t.ctx, a.UserID)
		t.Send(Message{ChatID: a.UserID, Text: t.e.cat.T(lang, "review.interview.notice", map[string]any{"Ref": a.Ref, "Note": text})})
	case "rej":
		a.Reason = text
	case "acc":
		a.Reason = ""
	case "match":
		// The project's mentor may have been replaced through an
		// invite since the programme file was written.
		mentor, err := t.e.MentorOf(t.ctx, a.ProjectID)
		if errors.Is(err, ErrNotFound) || (err == nil && mentor == 0) {
			t.Say("review.no_mentor", nil)
			return nil
		}
		if err != nil {
			return err
		}
		a.MentorID = mentor
	}
	a.State = to
	if err := t.e.saveApplication(t.ctx, &a); err != nil {
		return err
	}
	t.Say("review.done."+action, map[string]any{"Ref": a.Ref})
	return card(t, a)
}

// reviewInput takes the interview note or rejection reason a staff
// member types.
func reviewInput(t *Turn) error {
	ok, err := isStaff(t)
	if err != nil {
		return err
	}
	ref := t.Session.Get("ref")
	if !ok || ref == "" || (t.Session.Step != "note" && t.Session.Step != "reason") {
		t.Session.Reset()
		t.Say("idle.hint", nil)
		return nil
	}
	text := strings.TrimSpace(t.Event.Text)
	if t.Event.Kind != KindText || text == "" || len([]rune(text)) > maxNoteLength {
		t.Say("review.bad_text", map[string]any{"Max": maxNoteLength})
		return nil
	}
	action := "int"
	if t.Session.Step == "reason" {
		action = "rej"
	}
	t.Session.Reset()
	return decide(t, ref, action, text)
}

// pendingResults returns the decided applications not yet announced,
// and how many accepted ones still wait for a match.
func pendingResults(t *Turn) (matched, rejected []Application, unmatched int, err error) {
	apps, err := t.e.Applications(t.ctx)
	if err != nil {
		return nil, nil, 0, err
	}
	for _, a := range apps {
		if a.Published || a.UserID == 0 {
			continue
		}
		switch a.State {
		case AppMatched:
			matched = append(matched, a)
		case AppRejected:
			rejected = append(rejected, a)
		case AppAccepted:
			unmatched++
		}
	}
	return matched, rejected, unmatched, nil
}

// publishCommand asks staff to confirm announcing every decided
// application at once.
func publishCommand(t *Turn) error {
	matched, rejected, unmatched, err := pendingResults(t)
	if err != nil {
		return err
	}
	if len(matched)+len(rejected) == 0 {
		t.Say("review.publish.nothing", map[string]any{"Unmatched": t.Plural("review.count.unmatched", unmatched, nil)})
		return nil
	}
	t.StartFlow(flowReview, "publish")
	t.Say("review.publish.confirm", map[string]any{
		"Matches":    t.Plural("review.count.matches", len(matched), nil),
		"Rejections": t.Plural("review.count.rejections", len(rejected), nil),
		"Unmatched":  t.Plural("review.count.unmatched", unmatched, nil),
	}, []Button{
		t.Button(t.T("review.publish.yes", nil), "publish", ""),
		t.Button(t.T("review.cancel", nil), "cancel", ""),
	})
	return nil
}

// publish tells every matched and rejected applicant the outcome,
// creates the mentorships and introduces mentee and mentor to each
// other. A mentor who never opened the bot gets the introduction when
// they do (see deliverHeldIntros).
func publish(t *Turn) error {
	matched, rejected, _, err := pendingResults(t)
	if err != nil {
		return err
	}
	var held []string
	nm, nr := 0, 0
	for _, a := range append(matched, rejected...) {
		// Two staff members publishing at once announce each result once.
		first, err := t.Store().Claim(t.ctx, "published:"+a.Ref, 0)
		if err != nil {
			return fmt.Errorf("claim publication of %s: %w", a.Ref, err)
		}
		if !first {
			continue
		}
		menteeLang := t.e.LangOf(t.ctx, a.UserID)
		if a.State == AppRejected {
			id, data := "review.result.rejected", map[string]any{"Ref": a.Ref}
			if a.Reason != "" {
				id, data["Reason"] = "review.result.rejected_reason", a.Reason
			}
			t.Send(Message{ChatID: a.UserID, Text: t.e.cat.T(menteeLang, id, data)})
			nr++
		} else {
			waiting, err := introduce(t, a, menteeLang)
			if err != nil {
				return err
			}
			if waiting != "" {
				held = append(held, waiting)
			}
			nm++
		}
		a.Published = true
		if err := t.e.saveApplication(t.ctx, &a); err != nil {
			return err
		}
	}
	t.Say("review.publish.done", map[string]any{
		"Matches":    t.Plural("review.count.matches", nm, nil),
		"Rejections": t.Plural("review.count.rejections", nr, nil),
	})
	if len(held) > 0 {
		t.Say("review.publish.held", map[string]any{"Mentors": strings.Join(held, "\n")})
	}
	return nil
}

// heldIntroSet holds the mentorship ids whose introduction waits for
// the mentor to open the bot.
func heldIntroSet(mentorID int64) string { return fmt.Sprintf("intro-held:%d", mentorID) }

// introduce creates the mentorship of a matched application and
// introduces mentee and mentor. When the mentor cannot be written to
// yet, it returns who is waiting, for the staff.
func introduce(t *Turn, a Application, menteeLang string) (string, error) {
	// The mentor is looked up again: one invited between the match and
	// the publication takes the project over.
	mentorID, err := t.e.MentorOf(t.ctx, a.ProjectID)
	if err != nil {
		return "", err
	}
	if mentorID != 0 {
		a.MentorID = mentorID
	}
	m := Mentorship{ID: a.Ref, MenteeID: a.UserID, MentorID: a.MentorID, ProjectID: a.ProjectID, CreatedAt: t.Now().UTC()}
	if err := t.e.SaveMentorship(t.ctx, m); err != nil {
		return "", err
	}
	p, _ := t.Program().Project(a.ProjectID)
	mentee, err := t.e.Profile(t.ctx, a.UserID)
	if err != nil {
		return "", err
	}
	mentor, err := t.e.Profile(t.ctx, a.MentorID)
	if err != nil {
		return "", err
	}
	if !mentor.Started || mentor.Blocked {
		t.Send(Message{ChatID: a.UserID, Text: t.e.cat.T(menteeLang, "review.result.matched_wait",
			map[string]any{"Ref": a.Ref, "Project": p.Title, "Host": p.Host})})
		if err := t.Store().AddToSet(t.ctx, heldIntroSet(a.MentorID), m.ID); err != nil {
			return "", fmt.Errorf("hold introduction %s: %w", m.ID, err)
		}
		return t.T("review.publish.held_line", map[string]any{"Mentor": a.MentorID, "Project": p.Title,
			"Mentee": mentee.DisplayName()}), nil
	}
	t.Send(Message{ChatID: a.UserID, Text: t.e.cat.T(menteeLang, "review.result.matched",
		map[string]any{"Ref": a.Ref, "Project": p.Title, "Host": p.Host, "Mentor": mentor.DisplayName()})})
	t.Send(Message{ChatID: a.MentorID, Text: t.e.cat.T(t.e.LangOf(t.ctx, a.MentorID), "review.intro.mentor",
		map[string]any{"Project": p.Title, "Mentee": mentee.DisplayName()})})
	return "", nil
}

// deliverHeldIntros gives a mentor who just opened the bot the
// introductions held for them at publication, and tells each mentee
// whom to contact. start() calls it on every /start in a private chat.
func deliverHeldIntros(t *Turn) error {
	if t.Event.ChatType != ChatPrivate && t.Event.ChatType != "" {
		return nil
	}
	set := heldIntroSet(t.Event.From.ID)
	ids, err := t.Store().Members(t.ctx, set)
	if err != nil {
		return fmt.Errorf("load held introductions: %w", err)
	}
	for _, id := range ids {
		m, err := t.e.Mentorship(t.ctx, id)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		p, _ := t.Program().Project(m.ProjectID)
		mentee, err := t.e.Profile(t.ctx, m.MenteeID)
		if err != nil {
			return err
		}
		t.Say("review.intro.mentor", map[string]any{"Project": p.Title, "Mentee": mentee.DisplayName()})
		t.Send(Message{ChatID: m.MenteeID, Text: t.e.cat.T(t.e.LangOf(t.ctx, m.MenteeID), "review.intro.mentor_ready",
			map[string]any{"Project": p.Title, "Mentor": t.Profile.DisplayName()})})
	}
	if len(ids) > 0 {
		if err := t.Store().RemoveFromSet(t.ctx, set, ids...); err != nil {
			return fmt.Errorf("clear held introductions: %w", err)
		}
	}
	return nil
}
