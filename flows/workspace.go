package flows

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/mentorbot/mentorbot/flows/records"
	"github.com/mentorbot/mentorbot/locales"
)

// The workspace is the staff's and committees' view of the programme
// outside the chat: bot/webapp serves it as a Telegram Mini App. It
// reads through flows/records like the chat flows do, and every
// decision taken in it is a turn of the engine (an Event of
// KindAction) that runs the chat's own handler: the same role check,
// the same state checks, the same audit entry, the same messages to
// the applicant, committed at once with them.

// action is something done in the workspace rather than in a chat.
type action struct {
	role records.Role
	run  Handler
	// done are the locales ids of what the handler says to the actor
	// when the action was taken; anything else it says to them is why
	// it was not.
	done []string
}

// onAction makes h run for the workspace action name, taken by someone
// holding role. Registering a name twice panics.
func (e *Engine) onAction(name string, role records.Role, h Handler, done ...string) {
	if _, dup := e.actions[name]; dup {
		panic("flows: action registered twice: " + name)
	}
	if h == nil || len(done) == 0 {
		panic("flows: action without handler or outcome: " + name)
	}
	e.actions[name] = action{role: role, run: h, done: done}
}

// runAction runs the workspace action of the turn's event if the
// sender holds its role, checked here like a command's.
func (e *Engine) runAction(t *Turn) error {
	a, ok := e.actions[t.Event.Command]
	if !ok {
		t.Say("error.bad_button", nil)
		return nil
	}
	ok, err := e.holds(t, a.role)
	if err != nil {
		return err
	}
	if !ok {
		t.Say("error.not_allowed", nil)
		return nil
	}
	return a.run(t)
}

// sentOf is what of msgs goes to Telegram: all of them, but for a
// workspace action, whose actor sees the outcome in the workspace
// rather than in their chat.
func sentOf(ev Event, msgs []Message) []Message {
	if ev.Kind != KindAction {
		return msgs
	}
	var out []Message
	for _, m := range msgs {
		if m.ChatID != ev.ChatID {
			out = append(out, m)
		}
	}
	return out
}

// reviewActions are the staff decisions on an application the
// workspace offers, in the order of its buttons.
var reviewActions = []string{"int", "acc", "rej", "match", "unmatch", "undo"}

// registerWorkspace adds the workspace's actions: the review decisions
// and the publication of the results.
func registerWorkspace(e *Engine) {
	for _, a := range reviewActions {
		e.onAction(a, records.RoleStaff, decideInWorkspace, "review.done."+a)
	}
	e.onAction("publish", records.RoleStaff, publish, "review.publish.done")
	e.onAction("open", records.RoleStaff, openInWorkspace, "review.card")
}

// openInWorkspace puts a submitted application under review when staff
// open it, as opening it in the chat does, so the applicant's /status
// says someone is looking at it. Its documents are not sent to the
// chat: the workspace shows them.
func openInWorkspace(t *Turn) error {
	a, err := t.rec.ApplicationInEdition(t.ctx, t.Event.Args)
	if errors.Is(err, records.ErrNotFound) {
		t.Say("review.gone", nil)
		return nil
	}
	if err != nil {
		return err
	}
	if a.State == records.AppSubmitted {
		a.State = records.AppReview
		if err := t.rec.SaveApplication(t.ctx, &a); err != nil {
			return err
		}
	}
	return card(t, a)
}

// decideInWorkspace takes a review decision on the application Args
// names, with the note or reason the staff member wrote: required for
// an interview, optional for a rejection, ignored otherwise.
func decideInWorkspace(t *Turn) error {
	act, text := t.Event.Command, strings.TrimSpace(t.Event.Text)
	switch {
	case act != "int" && act != "rej":
		text = ""
	case (act == "int" && text == "") || len([]rune(text)) > maxNoteLength:
		t.Say("review.bad_text", map[string]any{"Max": maxNoteLength})
		return nil
	}
	return decide(t, t.Event.Args, act, text)
}

// Workspace answers the workspace's reads and runs its actions for
// bot/webapp. It needs an Engine with Config.Outbox, since what an
// action says to people other than the actor is only ever committed
// to the outbox.
type Workspace struct {
	e *Engine
}

// NewWorkspace returns the workspace of e; it fails when e does not
// queue its messages in the outbox.
func NewWorkspace(e *Engine) (*Workspace, error) {
	if !e.outbox {
		return nil, errors.New("flows: the workspace needs an engine with Config.Outbox")
	}
	return &Workspace{e: e}, nil
}

// ErrBadQuery is returned for a query or action the workspace does not
// know, such as a filter naming no project of the programme.
var ErrBadQuery = errors.New("flows: bad workspace query")

// Viewer is someone looking at the workspace: who they are, what they
// may see, and how dates and texts are written for them.
type Viewer struct {
	ID   int64
	Name string
	Lang string
	// Staff may see and decide everything; Committee names the
	// university whose committee they are on ("" for none).
	Staff     bool
	Committee string
	t         *Turn
}

// Dir is "rtl" for a language written right to left, else "ltr".
func (v Viewer) Dir() string {
	if locales.RightToLeft(v.Lang) {
		return "rtl"
	}
	return "ltr"
}

// T is the catalog's text of id in the viewer's language.
func (v Viewer) T(id string, data map[string]any) string { return v.t.T(id, data) }

// Viewer returns u as the workspace sees them: their stored profile's
// language (else the one Telegram gave, else the default), zone and
// roles. It only reads.
func (w *Workspace) Viewer(ctx context.Context, u User) (Viewer, error) {
	p, err := w.e.rec.Profile(ctx, u.ID)
	if err != nil {
		return Viewer{}, err
	}
	if p.Lang == "" {
		p.Lang = w.e.cat.Match(u.LanguageCode)
	}
	if p.FirstName == "" {
		p.FirstName, p.LastName, p.Username = u.FirstName, u.LastName, u.Username
	}
	t := &Turn{ctx: ctx, e: w.e, rec: w.e.rec, Event: Event{ChatID: u.ID, ChatType: ChatPrivate, From: u},
		Session: &records.Session{ChatID: u.ID}, Profile: &p}
	r := rosterOf(t)
	staff, err := r.has(ctx, u.ID, u.ID, records.RoleStaff)
	if err != nil {
		return Viewer{}, err
	}
	uni, err := r.committeeOf(ctx, u.ID)
	if err != nil {
		return Viewer{}, err
	}
	return Viewer{ID: u.ID, Name: p.DisplayName(), Lang: t.Lang(), Staff: staff, Committee: uni, t: t}, nil
}

// Edition is the edition the workspace shows.
func (w *Workspace) Edition() string { return w.e.rec.Edition() }

// Program is the programme the workspace shows.
func (w *Workspace) Program() *Program { return w.e.program }

// Catalog is the catalog the workspace's texts come from.
func (w *Workspace) Catalog() *locales.Catalog { return w.e.cat }

// AppQuery selects a page of the edition's applications. Empty fields
// match any; Sort is "newest" (the default), "oldest" or "name"; Page
// counts from 1.
type AppQuery struct {
	Project, State, Degree, Level, Text, Sort string
	Page                                      int
}

// AppsPerPage is how many applications a page of the workspace's
// table shows.
const AppsPerPage = 20

// AppRow is one application as the workspace's table shows it.
type AppRow struct {
	Ref          string    `json:"ref"`
	Name         string    `json:"name"`
	UserID       int64     `json:"user_id"`
	Project      string    `json:"project"`
	ProjectTitle string    `json:"project_title"`
	State        string    `json:"state"`
	StateLabel   string    `json:"state_label"`
	Degree       string    `json:"degree"`
	DegreeLabel  string    `json:"degree_label"`
	Year         int       `json:"year"`
	Language     string    `json:"language"`
	Level        string    `json:"level"`
	SubmittedAt  time.Time `json:"submitted_at"`
	Submitted    string    `json:"submitted"`
	Published    bool      `json:"published"`
}

// AppPage is a page of applications and how many match in all.
type AppPage struct {
	Total   int      `json:"total"`
	Page    int      `json:"page"`
	Pages   int      `json:"pages"`
	PerPage int      `json:"per_page"`
	Items   []AppRow `json:"items"`
}

// certificateLevels are the language levels an applicant may hold.
var certificateLevels = []string{"A1", "A2", "B1", "B2", "C1", "C2"}

// CertificateLevels lists the levels a table may be filtered by.
func CertificateLevels() []string { return slices.Clone(certificateLevels) }

// check refuses a query naming what the programme does not have.
func (q AppQuery) check(p *Program) error {
	_, known := p.Project(q.Project)
	switch {
	case q.Project != "" && !known,
		q.State != "" && !isListState(records.AppState(q.State)),
		q.Degree != "" && !hasLevel(p, q.Degree),
		q.Level != "" && !slices.Contains(certificateLevels, q.Level),
		q.Sort != "" && q.Sort != "newest" && q.Sort != "oldest" && q.Sort != "name",
		q.Page < 0, len(q.Text) > 200:
		return fmt.Errorf("%w: %+v", ErrBadQuery, q)
	}
	return nil
}

func hasLevel(p *Program, id string) bool {
	_, ok := p.Level(id)
	return ok
}

// Applications returns the page q asks for. Filtered by project and
// state only, newest first, it reads one page of the date index, as
// /applications does; other filters, a search and other orders read
// the edition's applications of that project and state in batches
// and keep the matching ones.
func (w *Workspace) Applications(ctx context.Context, v Viewer, q AppQuery) (AppPage, error) {
	if err := q.check(w.e.program); err != nil {
		return AppPage{}, err
	}
	page := max(q.Page, 1)
	f := records.AppFilter{Project: q.Project, State: records.AppState(q.State)}
	var apps []records.Application
	var total int
	if q.Degree == "" && q.Level == "" && strings.TrimSpace(q.Text) == "" && (q.Sort == "" || q.Sort == "newest") {
		var err error
		if apps, total, err = w.e.rec.ApplicationPage(ctx, f, (page-1)*AppsPerPage, AppsPerPage); err != nil {
			return AppPage{}, err
		}
	} else {
		all, err := w.matching(ctx, v, f, q)
		if err != nil {
			return AppPage{}, err
		}
		total = len(all)
		from := min((page-1)*AppsPerPage, total)
		apps = all[from:min(from+AppsPerPage, total)]
	}
	out := AppPage{Total: total, Page: page, Pages: max(1, (total+AppsPerPage-1)/AppsPerPage), PerPage: AppsPerPage, Items: []AppRow{}}
	for _, a := range apps {
		row, err := w.row(v, a)
		if err != nil {
			return AppPage{}, err
		}
		out.Items = append(out.Items, row)
	}
	return out, nil
}

// matching returns the applications q selects, in q's order: with a
// search, those of the people and reference numbers the search index
// finds (up to maxSearchHits of them); without, every application f
// selects, read in batches.
func (w *Workspace) matching(ctx context.Context, v Viewer, f records.AppFilter, q AppQuery) ([]records.Application, error) {
	keep := func(a records.Application) bool {
		return a.Edition == w.e.rec.Edition() && a.Active() &&
			(f.Project == "" || a.ProjectID == f.Project) && (f.State == "" || a.ListState() == f.State) &&
			(q.Degree == "" || a.Degree == q.Degree) && (q.Level == "" || a.Level == q.Level)
	}
	var out []records.Application
	if text := strings.TrimSpace(q.Text); text != "" {
		found, err := w.found(ctx, text)
		if err != nil {
			return nil, err
		}
		for _, a := range found {
			if keep(a) {
				out = append(out, a)
			}
		}
		// The hits come in no useful order; the index's is by date.
		slices.SortStableFunc(out, func(a, b records.Application) int { return a.SubmittedAt.Compare(b.SubmittedAt) })
	} else {
		err := w.e.rec.EachApplication(ctx, f, exportBatch, func(apps []records.Application) error {
			for _, a := range apps {
				if keep(a) {
					out = append(out, a)
				}
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	switch q.Sort {
	case "oldest":
		// Both ways above give the oldest first.
	case "name":
		names := make(map[int64]string, len(out))
		for _, a := range out {
			if _, ok := names[a.UserID]; !ok {
				name, err := applicantName(v.t, a)
				if err != nil {
					return nil, err
				}
				names[a.UserID] = records.Fold(name)
			}
		}
		slices.SortStableFunc(out, func(a, b records.Application) int { return strings.Compare(names[a.UserID], names[b.UserID]) })
	default:
		slices.Reverse(out)
	}
	return out, nil
}

// maxSearchHits bounds what a search of the table reads: the people and
// reference numbers /find would list, many times over.
const maxSearchHits = 200

// found returns the applications of the people and reference numbers
// the search index finds for text, each once.
func (w *Workspace) found(ctx context.Context, text string) ([]records.Application, error) {
	hits, err := w.e.rec.Find(ctx, text, maxSearchHits)
	if err != nil {
		return nil, err
	}
	seen := make(map[string]bool)
	var out []records.Application
	add := func(a records.Application) {
		if a.Ref != "" && !seen[a.Ref] {
			seen[a.Ref] = true
			out = append(out, a)
		}
	}
	for _, h := range hits {
		switch {
		case h.Ref != "":
			a, err := w.e.rec.Application(ctx, h.Ref)
			if errors.Is(err, records.ErrNotFound) {
				continue
			}
			if err != nil {
				return nil, err
			}
			add(a)
		case h.UserID != 0:
			apps, err := w.e.rec.ApplicationsOf(ctx, h.UserID)
			if err != nil {
				return nil, err
			}
			for _, a := range apps {
				add(a)
			}
		}
	}
	return out, nil
}

// row renders a for the table.
func (w *Workspace) row(v Viewer, a records.Application) (AppRow, error) {
	t := v.t
	name, err := applicantName(t, a)
	if err != nil {
		return AppRow{}, err
	}
	state := a.ListState()
	return AppRow{Ref: a.Ref, Name: name, UserID: a.UserID, Project: a.ProjectID, ProjectTitle: w.e.program.ProjectTitle(a.ProjectID, v.Lang),
		State: string(state), StateLabel: t.T("review.state."+string(state), nil),
		Degree: a.Degree, DegreeLabel: degreeName(t, a.Degree), Year: a.Year, Language: a.Language, Level: a.Level,
		SubmittedAt: a.SubmittedAt, Submitted: formatTime(t, a.SubmittedAt), Published: a.Published}, nil
}

// AppDetail is one application with its documents and the decisions
// its state allows now.
type AppDetail struct {
	AppRow
	Note      string      `json:"note"`
	Reason    string      `json:"reason"`
	Mentor    string      `json:"mentor"`
	Documents []DocRow    `json:"documents"`
	Actions   []ActionRow `json:"actions"`
}

// DocRow is one uploaded document of an application.
type DocRow struct {
	Kind  string `json:"kind"`
	Label string `json:"label"`
	Name  string `json:"name"`
	Size  int64  `json:"size"`
}

// ActionRow is a decision staff may take: Text says whether it takes a
// written note ("required" for an interview, "optional" for a
// rejection's reason, "none").
type ActionRow struct {
	Action string `json:"action"`
	Label  string `json:"label"`
	Text   string `json:"text"`
}

// Application returns application ref of the edition, or
// records.ErrNotFound.
func (w *Workspace) Application(ctx context.Context, v Viewer, ref string) (AppDetail, error) {
	a, err := w.e.rec.ApplicationInEdition(ctx, ref)
	if err != nil {
		return AppDetail{}, err
	}
	row, err := w.row(v, a)
	if err != nil {
		return AppDetail{}, err
	}
	d := AppDetail{AppRow: row, Note: a.Note, Reason: a.Reason, Documents: []DocRow{}, Actions: []ActionRow{}}
	if a.MentorID != 0 {
		p, err := w.e.rec.Profile(ctx, a.MentorID)
		if err != nil {
			return AppDetail{}, err
		}
		d.Mentor = p.DisplayName()
	}
	for _, k := range records.DocumentKinds {
		if doc, ok := a.Documents[k]; ok {
			d.Documents = append(d.Documents, DocRow{Kind: k, Label: documentLabel(v.t, a, k), Name: doc.FileName, Size: doc.Size})
		}
	}
	for _, act := range reviewActions {
		if _, ok := canTake(a, act); ok {
			text := "none"
			switch act {
			case "int":
				text = "required"
			case "rej":
				text = "optional"
			}
			d.Actions = append(d.Actions, ActionRow{Action: act, Label: v.T("review.action."+act, nil), Text: text})
		}
	}
	return d, nil
}

// auditDocuments is the audit log's name for a staff member taking an
// applicant's documents out of the workspace.
const auditDocuments = "workspace.documents"

// Document returns the uploaded document kind of application ref of
// the edition, or records.ErrNotFound, and notes in the audit log that
// v took it: an applicant's CV and certificates leave the bot's hands
// here.
func (w *Workspace) Document(ctx context.Context, v Viewer, ref, kind string) (records.Document, error) {
	a, err := w.e.rec.ApplicationInEdition(ctx, ref)
	if err != nil {
		return records.Document{}, err
	}
	d, ok := a.Documents[kind]
	if !ok {
		return records.Document{}, fmt.Errorf("document %s of %s: %w", kind, ref, records.ErrNotFound)
	}
	return d, w.audit(ctx, v, a, ref+" "+kind)
}

// Documents returns the uploaded documents of application ref of the
// edition by kind, in the order they were asked for, and notes in the
// audit log that v took them all.
func (w *Workspace) Documents(ctx context.Context, v Viewer, ref string) ([]string, map[string]records.Document, error) {
	a, err := w.e.rec.ApplicationInEdition(ctx, ref)
	if err != nil {
		return nil, nil, err
	}
	var kinds []string
	for _, k := range records.DocumentKinds {
		if _, ok := a.Documents[k]; ok {
			kinds = append(kinds, k)
		}
	}
	return kinds, a.Documents, w.audit(ctx, v, a, ref+" all")
}

// audit appends that v took documents of a, in one transaction: the
// entry and its index by person, which erasure goes by, are written
// together or not at all.
func (w *Workspace) audit(ctx context.Context, v Viewer, a records.Application, subject string) error {
	tx := w.e.rec.Begin()
	if err := tx.DB.AppendAudit(ctx, records.AuditEntry{Actor: v.ID, Action: auditDocuments, Target: a.UserID, Subject: subject}); err != nil {
		return err
	}
	return tx.Commit(ctx, nil, nil, 0)
}

// Outcome is what came of a workspace action: Done, or why not, as
// the chat would have said it (ID is the locales id of Text).
type Outcome struct {
	Done bool
	ID   string
	Text string
}

// Decide takes review decision act ("int", "acc", "rej", "match",
// "unmatch", "undo") on application ref as u, with the interview note
// or rejection reason text. It runs as a turn of the engine, so it is
// checked, recorded and audited like the chat's buttons. ErrBadQuery
// for an unknown decision.
func (w *Workspace) Decide(ctx context.Context, u User, ref, act, text string) (Outcome, error) {
	if !slices.Contains(reviewActions, act) {
		return Outcome{}, fmt.Errorf("%w: decision %q", ErrBadQuery, act)
	}
	return w.act(ctx, u, act, ref, text)
}

// Open marks application ref under review if it was only submitted,
// as opening it from /applications does; opening it again changes
// nothing.
func (w *Workspace) Open(ctx context.Context, u User, ref string) (Outcome, error) {
	return w.act(ctx, u, "open", ref, "")
}

// Publish announces every decided application of the edition, as
// /publish does once confirmed.
func (w *Workspace) Publish(ctx context.Context, u User) (Outcome, error) {
	return w.act(ctx, u, "publish", "", "")
}

// act runs workspace action name as a turn of u's and tells from what
// the turn said to u whether it was done.
func (w *Workspace) act(ctx context.Context, u User, name, target, text string) (Outcome, error) {
	ev := Event{Kind: KindAction, ChatID: u.ID, ChatType: ChatPrivate, From: u, Command: name, Args: target, Text: text}
	reply, err := w.e.Handle(ctx, ev)
	if err != nil {
		return Outcome{}, err
	}
	done := w.e.actions[name].done
	var first *Message
	for i, m := range reply.Messages {
		if m.ChatID != u.ID {
			continue
		}
		if slices.Contains(done, m.TextID) {
			return Outcome{Done: true, ID: m.TextID, Text: m.Text}, nil
		}
		if first == nil {
			first = &reply.Messages[i]
		}
	}
	if first == nil {
		return Outcome{}, fmt.Errorf("workspace action %s on %q said nothing", name, target)
	}
	return Outcome{ID: first.TextID, Text: first.Text}, nil
}

// Pending is what a publication would announce now.
type Pending struct {
	Matched   int `json:"matched"`
	Rejected  int `json:"rejected"`
	Unmatched int `json:"unmatched"`
}

// PendingResults returns what Publish would announce now.
func (w *Workspace) PendingResults(ctx context.Context, v Viewer) (Pending, error) {
	matched, rejected, unmatched, err := pendingResults(v.t)
	return Pending{Matched: len(matched), Rejected: len(rejected), Unmatched: unmatched}, err
}

// MentorshipRow is one mentorship of the edition and how far it got.
type MentorshipRow struct {
	ID           string `json:"id"`
	Mentee       string `json:"mentee"`
	Mentor       string `json:"mentor"`
	ProjectTitle string `json:"project_title"`
	Agreed       bool   `json:"agreed"`
	Meetings     int    `json:"meetings"`
	Held         int    `json:"held"`
	Diaries      int    `json:"diaries"`
	// Questionnaire says who of the two submitted theirs.
	Questionnaire struct {
		Mentee bool `json:"mentee"`
		Mentor bool `json:"mentor"`
	} `json:"questionnaire"`
	// ECTS is "none" or "filled": whether the mentee filled in the
	// credit form.
	ECTS      string `json:"ects"`
	ECTSLabel string `json:"ects_label"`
	Ended     bool   `json:"ended"`
}

// The states of a mentorship's credit form in the workspace.
const (
	ectsNone   = "none"
	ectsFilled = "filled"
)

// Mentorships returns the edition's mentorships with their meetings
// held, diaries written, questionnaires and credit form.
func (w *Workspace) Mentorships(ctx context.Context, v Viewer) ([]MentorshipRow, error) {
	ms, err := w.e.rec.Mentorships(ctx, "")
	if err != nil {
		return nil, err
	}
	// Everyone's name in one read; a person erased since reads as "".
	var ids []int64
	for _, m := range ms {
		ids = append(ids, m.MenteeID, m.MentorID)
	}
	people, err := w.e.rec.ProfilesByID(ctx, ids)
	if err != nil {
		return nil, err
	}
	now := w.e.now()
	out := []MentorshipRow{}
	for _, m := range ms {
		r := MentorshipRow{ID: m.ID, ProjectTitle: w.e.program.ProjectTitle(m.ProjectID, v.Lang), Agreed: !m.AgreedAt.IsZero(),
			Meetings: len(m.Meetings), Ended: !m.EndedAt.IsZero()}
		r.Mentee, r.Mentor = people[m.MenteeID].DisplayName(), people[m.MentorID].DisplayName()
		for _, mt := range m.Meetings {
			if mt.End().Before(now) {
				r.Held++
			}
		}
		diary, err := w.e.rec.Diary(ctx, m.ID, len(m.Meetings))
		if err != nil {
			return nil, err
		}
		r.Diaries = len(diary)
		for who, id := range map[*bool]int64{&r.Questionnaire.Mentee: m.MenteeID, &r.Questionnaire.Mentor: m.MentorID} {
			resp, err := w.e.rec.Response(ctx, m.ID, id)
			if err != nil && !errors.Is(err, records.ErrNotFound) {
				return nil, err
			}
			*who = err == nil && !resp.SubmittedAt.IsZero()
		}
		r.ECTS = ectsFilled
		if _, err := w.e.rec.ECTSForm(ctx, m.ID); errors.Is(err, records.ErrNotFound) {
			r.ECTS = ectsNone
		} else if err != nil {
			return nil, err
		}
		r.ECTSLabel = v.T("workspace.ects."+r.ECTS, nil)
		out = append(out, r)
	}
	return out, nil
}

// Count is how many applications are in one state or project.
type Count struct {
	ID    string `json:"id"`
	Label string `json:"label"`
	Count int    `json:"count"`
}

// Numbers are the edition's applications counted by list state and by
// project.
type Numbers struct {
	ByState   []Count `json:"by_state"`
	ByProject []Count `json:"by_project"`
}

// Numbers counts the edition's applications by state and by project,
// from the date indexes: one read each.
func (w *Workspace) Numbers(ctx context.Context, v Viewer) (Numbers, error) {
	out := Numbers{ByState: []Count{}, ByProject: []Count{}}
	for _, s := range records.ListStates {
		n, err := w.e.rec.CountApplications(ctx, records.AppFilter{State: s})
		if err != nil {
			return Numbers{}, err
		}
		out.ByState = append(out.ByState, Count{ID: string(s), Label: v.T("review.state."+string(s), nil), Count: n})
	}
	for _, p := range w.e.program.Projects {
		n, err := w.e.rec.CountApplications(ctx, records.AppFilter{Project: p.ID})
		if err != nil {
			return Numbers{}, err
		}
		out.ByProject = append(out.ByProject, Count{ID: p.ID, Label: p.TitleIn(v.Lang), Count: n})
	}
	return out, nil
}

// TicketRow is one open support request and its history so far.
type TicketRow struct {
	ID         string `json:"id"`
	Topic      string `json:"topic"`
	TopicLabel string `json:"topic_label"`
	FirstName  string `json:"first_name"`
	State      string `json:"state"`
	StateLabel string `json:"state_label"`
	Created    string `json:"created"`
	ClaimedBy  string `json:"claimed_by"`
	Answered   string `json:"answered"`
	Closed     string `json:"closed"`
}

// Tickets returns the open tickets of university uni, oldest first;
// ErrBadQuery for a university the programme does not have.
func (w *Workspace) Tickets(ctx context.Context, v Viewer, uni string) ([]TicketRow, error) {
	if _, ok := w.e.program.University(uni); !ok {
		return nil, fmt.Errorf("%w: university %q", ErrBadQuery, uni)
	}
	tickets, err := w.e.rec.OpenTickets(ctx, uni)
	if err != nil {
		return nil, err
	}
	out := []TicketRow{}
	when := func(at time.Time) string {
		if at.IsZero() {
			return ""
		}
		return formatTime(v.t, at)
	}
	for _, tk := range tickets {
		out = append(out, TicketRow{ID: tk.ID, Topic: tk.Topic, TopicLabel: v.T("support.topic."+tk.Topic, nil), FirstName: tk.FirstName,
			State: string(tk.State), StateLabel: v.T("workspace.ticket."+string(tk.State), nil), Created: when(tk.CreatedAt),
			ClaimedBy: tk.ClaimedByName, Answered: when(tk.AnsweredAt), Closed: when(tk.ClosedAt)})
	}
	return out, nil
}

// ListStates names the states a table may be filtered by, in the
// order an application goes through them.
func ListStates() []string {
	out := make([]string, len(records.ListStates))
	for i, s := range records.ListStates {
		out[i] = string(s)
	}
	return out
}

// DegreeName names study level id in v's language.
func (w *Workspace) DegreeName(v Viewer, id string) string { return degreeName(v.t, id) }
