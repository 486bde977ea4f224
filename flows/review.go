package flows

import (
	"errors"
	"slices"
	"strings"

	"github.com/mentorbot/mentorbot/flows/records"
)

const flowReview = "review"

// maxNoteLength bounds interview notes and rejection reasons.
const maxNoteLength = 1000

// registerReview adds the staff commands: /applications to review,
// /publish to announce the results and /export.
func registerReview(e *Engine) {
	e.command(Command{Name: "applications", Role: records.RoleStaff, Scope: InPrivate, Help: "cmd.applications", Run: applicationsCommand})
	e.command(Command{Name: "publish", Role: records.RoleStaff, Scope: InPrivate, Help: "cmd.publish", Run: publishCommand})
	e.command(Command{Name: "export", Role: records.RoleStaff, Scope: InPrivate, Help: "cmd.export", Run: exportCommand})
	e.onArgument("export", "applications", exportApplications)
	e.onJob(jobExportApplications, runApplicationsExport)
	e.onButton(flowReview, records.RoleStaff, InPrivate, reviewButton)
	e.onStep(flowStep(flowReview), reviewInput)
}

// reviewState is the review flow's state while staff write an interview
// note (step "note") or a rejection reason (step "reason").
type reviewState struct {
	// Ref is the application the note or reason is for.
	Ref string `json:"ref,omitempty"`
}

// reviewTransitions says, per staff action, from which states it may be
// taken and which state it leads to.
var reviewTransitions = []struct {
	action string
	from   []records.AppState
	to     records.AppState
}{
	{"int", []records.AppState{records.AppSubmitted, records.AppReview}, records.AppInterview},
	{"acc", []records.AppState{records.AppSubmitted, records.AppReview, records.AppInterview, records.AppRejected}, records.AppAccepted},
	{"rej", []records.AppState{records.AppSubmitted, records.AppReview, records.AppInterview, records.AppAccepted}, records.AppRejected},
	{"match", []records.AppState{records.AppAccepted}, records.AppMatched},
	// Until the results are published staff may take a match or a
	// decision back: nobody was told yet.
	{"unmatch", []records.AppState{records.AppMatched}, records.AppAccepted},
	{"undo", []records.AppState{records.AppAccepted, records.AppRejected}, records.AppReview},
}

// reviewAudit names each staff action in the audit log.
var reviewAudit = map[string]string{"int": "review.interview", "acc": "review.accept", "rej": "review.reject",
	"match": "review.match", "unmatch": "review.unmatch", "undo": "review.undo"}

// canTake reports whether staff may take action on a.
func canTake(a records.Application, action string) (records.AppState, bool) {
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

// isStaff checks the sender's role again, for the steps of the flow:
// the dispatcher checks roles of commands and buttons only.
func isStaff(t *Turn) (bool, error) {
	return t.e.HasRole(t.ctx, t.Event.From.ID, t.Event.ChatID, records.RoleStaff)
}

// applicantName is the applicant's display name, or a placeholder once
// their data was erased.
func applicantName(t *Turn, a records.Application) (string, error) {
	if a.UserID == 0 {
		return t.T("review.erased", nil), nil
	}
	p, err := t.rec.Profile(t.ctx, a.UserID)
	if err != nil {
		return "", err
	}
	return p.DisplayName(), nil
}

// card renders an application for staff, with the actions its state
// allows.
func card(t *Turn, a records.Application) error {
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
		sayBuilt(t, "review.card", b.String(), row)
	} else {
		sayBuilt(t, "review.card", b.String())
	}
	return nil
}

// openApplication shows an application and sends its documents back.
// Opening a submitted application puts it under review.
func openApplication(t *Turn, a records.Application) error {
	if a.State == records.AppSubmitted {
		a.State = records.AppReview
		if err := t.rec.SaveApplication(t.ctx, &a); err != nil {
			return err
		}
	}
	for _, k := range records.DocumentKinds {
		d, ok := a.Documents[k]
		if !ok {
			continue
		}
		t.Send(Message{ChatID: t.Event.ChatID, Text: a.Ref + " · " + documentLabel(t, a, k),
			File: &Attachment{FileID: d.FileID, FileName: d.FileName}})
	}
	return card(t, a)
}

// reviewButton handles the staff's buttons; the dispatcher checked that
// the presser is staff. Each press checks that the action fits the
// application's current state; anything else changes nothing.
func reviewButton(t *Turn) error {
	// Confirmations (publish, cancel, noreason) belong to one run of the
	// flow: the dispatcher let them through only with its nonce.
	switch t.Callback.Action {
	case "proj", "list", "fproj", "fstate":
		return listButton(t)
	case "publish":
		t.Session.Reset()
		return publish(t)
	case "cancel":
		t.Session.Reset()
		t.Say("review.cancelled", nil)
		return nil
	case "noreason":
		return rejectWithoutReason(t)
	}
	a, err := t.rec.Application(t.ctx, t.Callback.Arg)
	if errors.Is(err, records.ErrNotFound) {
		t.Notice("review.gone")
		return nil
	}
	if err != nil {
		return err
	}
	return applicationAction(t, a)
}

// applicationAction takes the action of a pressed button on a.
func applicationAction(t *Turn, a records.Application) error {
	switch t.Callback.Action {
	case "open":
		return openApplication(t, a)
	case "int", "rej":
		return askNoteOrReason(t, a)
	case "acc", "match", "unmatch", "undo":
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

// askNoteOrReason starts writing the interview note ("int") or the
// rejection reason ("rej") of a.
func askNoteOrReason(t *Turn, a records.Application) error {
	if _, ok := canTake(a, t.Callback.Action); !ok {
		return refuseAction(t, a)
	}
	step, prompt := "note", "review.ask.note"
	if t.Callback.Action == "rej" {
		step, prompt = "reason", "review.ask.reason"
	}
	t.StartFlow(flowReview, step)
	t.SaveState(reviewState{Ref: a.Ref})
	var buttons []Button
	if step == "reason" {
		buttons = append(buttons, t.Button(t.T("review.no_reason", nil), "noreason", ""))
	}
	buttons = append(buttons, t.Button(t.T("review.cancel", nil), "cancel", ""))
	t.Say(prompt, map[string]any{"Ref": a.Ref}, buttons)
	return nil
}

// rejectWithoutReason rejects the application whose reason is being
// asked for, without one.
func rejectWithoutReason(t *Turn) error {
	var st reviewState
	if err := t.LoadState(&st); err != nil {
		return err
	}
	if t.Session.Step != "reason" || st.Ref == "" {
		t.Notice("error.stale_button")
		return nil
	}
	t.Session.Reset()
	return decide(t, st.Ref, "rej", "")
}

// refuseAction explains that an action no longer fits and shows the
// application as it is now.
func refuseAction(t *Turn, a records.Application) error {
	t.Notice("review.not_now")
	t.Say("review.not_now", nil)
	return card(t, a)
}

// decide takes a staff action on application ref, with the note or
// reason text where the action has one.
func decide(t *Turn, ref, action, text string) error {
	a, err := t.rec.Application(t.ctx, ref)
	if errors.Is(err, records.ErrNotFound) {
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
		t.SayTo(a.UserID, t.LangOf(a.UserID), "review.interview.notice", map[string]any{"Ref": a.Ref, "Note": text})
	case "rej":
		a.Reason = text
	case "acc":
		a.Reason = ""
	case "match":
		// The project's mentor may have been replaced through an
		// invite since the programme file was written.
		mentor, err := rosterOf(t).mentorOf(t.ctx, a.ProjectID)
		if errors.Is(err, records.ErrNotFound) || (err == nil && mentor == 0) {
			t.Say("review.no_mentor", nil)
			return nil
		}
		if err != nil {
			return err
		}
		if mentor == a.UserID {
			t.Say("review.self_match", map[string]any{"Ref": a.Ref})
			return nil
		}
		a.MentorID = mentor
	case "unmatch":
		a.MentorID = 0
	case "undo":
		a.Reason = ""
	}
	a.State = to
	if err := t.rec.SaveApplication(t.ctx, &a); err != nil {
		return err
	}
	if err := audit(t, reviewAudit[action], a.UserID, a.Ref); err != nil {
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
	var st reviewState
	if err := t.LoadState(&st); err != nil {
		return err
	}
	ref := st.Ref
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

// pendingResults returns the current edition's decided applications
// not yet announced, and how many accepted ones still wait for a match:
// read from the indexes of those states, not from every application of
// every edition.
func pendingResults(t *Turn) (matched, rejected []records.Application, unmatched int, err error) {
	collect := func(state records.AppState, into *[]records.Application) error {
		return t.rec.EachApplication(t.ctx, records.AppFilter{State: state}, exportBatch, func(apps []records.Application) error {
			for _, a := range apps {
				if !a.Published && a.UserID != 0 && a.State == state {
					*into = append(*into, a)
				}
			}
			return nil
		})
	}
	if err := collect(records.AppMatched, &matched); err != nil {
		return nil, nil, 0, err
	}
	if err := collect(records.AppRejected, &rejected); err != nil {
		return nil, nil, 0, err
	}
	unmatched, err = t.rec.CountApplications(t.ctx, records.AppFilter{State: records.AppAccepted})
	return matched, rejected, unmatched, err
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
		first, err := t.rec.ClaimPublication(t.ctx, a.Ref)
		if err != nil {
			return err
		}
		if !first {
			continue
		}
		waiting, err := publishResult(t, a)
		if err != nil {
			return err
		}
		if err := audit(t, "review.publish", a.UserID, a.Ref); err != nil {
			return err
		}
		if waiting != "" {
			held = append(held, waiting)
		}
		if a.State == records.AppRejected {
			nr++
		} else {
			nm++
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

// publishResult tells the applicant of a the outcome, introduces a
// match, and marks a published. It returns the line telling staff of a
// held introduction, or "".
func publishResult(t *Turn, a records.Application) (held string, err error) {
	menteeLang := t.LangOf(a.UserID)
	if a.State == records.AppRejected {
		id, data := "review.result.rejected", map[string]any{"Ref": a.Ref}
		if a.Reason != "" {
			id, data["Reason"] = "review.result.rejected_reason", a.Reason
		}
		t.SayTo(a.UserID, menteeLang, id, data)
	} else if held, err = introduce(t, a, menteeLang); err != nil {
		return "", err
	}
	a.Published = true
	if err := t.rec.SaveApplication(t.ctx, &a); err != nil {
		return "", err
	}
	return held, nil
}

// introduce creates the mentorship of a matched application and
// introduces mentee and mentor. When the mentor cannot be written to
// yet, it returns who is waiting, for the staff.
func introduce(t *Turn, a records.Application, menteeLang string) (string, error) {
	// The mentor is looked up again: one invited between the match and
	// the publication takes the project over.
	mentorID, err := rosterOf(t).mentorOf(t.ctx, a.ProjectID)
	if err != nil {
		return "", err
	}
	if mentorID != 0 {
		a.MentorID = mentorID
	}
	m := records.Mentorship{ID: a.Ref, MenteeID: a.UserID, MentorID: a.MentorID, ProjectID: a.ProjectID, Edition: a.Edition, CreatedAt: t.Now().UTC()}
	if err := t.rec.SaveMentorship(t.ctx, m); err != nil {
		return "", err
	}
	p, _ := t.Program().Project(a.ProjectID)
	mentee, err := t.rec.Profile(t.ctx, a.UserID)
	if err != nil {
		return "", err
	}
	mentor, err := t.rec.Profile(t.ctx, a.MentorID)
	if err != nil {
		return "", err
	}
	if !mentor.Started || mentor.Blocked {
		t.SayTo(a.UserID, menteeLang, "review.result.matched_wait", map[string]any{"Ref": a.Ref, "Project": p.TitleIn(menteeLang), "Host": p.Host})
		if err := t.rec.HoldIntroduction(t.ctx, a.MentorID, m.ID); err != nil {
			return "", err
		}
		return t.T("review.publish.held_line", map[string]any{"Mentor": a.MentorID, "Project": p.TitleIn(t.Lang()),
			"Mentee": mentee.DisplayName()}), nil
	}
	t.SayTo(a.UserID, menteeLang, "review.result.matched",
		map[string]any{"Ref": a.Ref, "Project": p.TitleIn(menteeLang), "Host": p.Host, "Mentor": mentor.DisplayName()})
	mentorLang := t.LangOf(a.MentorID)
	t.SayTo(a.MentorID, mentorLang, "review.intro.mentor",
		map[string]any{"Project": p.TitleIn(mentorLang), "Mentee": mentee.DisplayName()})
	return "", nil
}

// deliverHeldIntros gives a mentor who just opened the bot the
// introductions held for them at publication, and tells each mentee
// whom to contact. start() calls it on every /start in a private chat.
func deliverHeldIntros(t *Turn) error {
	if t.Event.ChatType != ChatPrivate && t.Event.ChatType != "" {
		return nil
	}
	ms, err := t.rec.HeldIntroductions(t.ctx, t.Event.From.ID)
	if err != nil {
		return err
	}
	for _, m := range ms {
		p, _ := t.Program().Project(m.ProjectID)
		mentee, err := t.rec.Profile(t.ctx, m.MenteeID)
		if err != nil {
			return err
		}
		t.Say("review.intro.mentor", map[string]any{"Project": p.TitleIn(t.Lang()), "Mentee": mentee.DisplayName()})
		menteeLang := t.LangOf(m.MenteeID)
		t.SayAbout(m.MenteeID, menteeLang, "review.intro.mentor_ready",
			map[string]any{"Project": p.TitleIn(menteeLang), "Mentor": t.Profile.DisplayName()})
	}
	if len(ms) > 0 {
		return t.rec.IntroductionsDelivered(t.ctx, t.Event.From.ID, ms)
	}
	return nil
}
