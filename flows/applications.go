package flows

import (
	"strconv"
	"strings"

	"github.com/mentorbot/mentorbot/flows/records"
)

// The staff list of applications: /applications [project] [state]
// shows one page of at most appPageSize applications, newest first,
// with the count of all that match, ‹ › to turn pages and buttons to
// filter by project and by state. A page is one read of a date index
// and one of its applications and their applicants, so it costs the
// same at a hundred applications or a hundred thousand.

// appPageSize is how many applications a page lists.
const appPageSize = 10

// maxFilterButtons bounds the project filter's buttons, far inside
// Telegram's 100 per message; more projects are filtered by name with
// /applications <project>.
const maxFilterButtons = 60

// appListing is what a page of the list shows: the filter and where in
// it the page starts. It travels in the buttons' Arg as
// "state.offset.project" (the project id last, as it may hold a dot),
// inside Telegram's 64 bytes of callback data.
type appListing struct {
	filter records.AppFilter
	offset int
}

func (l appListing) arg() string {
	return string(l.filter.State) + "." + strconv.Itoa(l.offset) + "." + l.filter.Project
}

// parseListing reads an appListing from a button's Arg; ok is false for
// one the bot did not make.
func parseListing(p *Program, arg string) (appListing, bool) {
	parts := strings.SplitN(arg, ".", 3)
	if len(parts) != 3 {
		return appListing{}, false
	}
	offset, err := strconv.Atoi(parts[1])
	if err != nil || offset < 0 {
		return appListing{}, false
	}
	l := appListing{filter: records.AppFilter{Project: parts[2], State: records.AppState(parts[0])}, offset: offset}
	return l, validFilter(p, l.filter)
}

// validFilter reports whether f names a project of p (or none) and a
// list state (or none).
func validFilter(p *Program, f records.AppFilter) bool {
	if _, ok := p.Project(f.Project); f.Project != "" && !ok {
		return false
	}
	return f.State == "" || isListState(f.State)
}

func isListState(s records.AppState) bool {
	for _, ls := range records.ListStates {
		if ls == s {
			return true
		}
	}
	return false
}

// applicationsCommand is /applications, with an optional project id and
// state in either order.
func applicationsCommand(t *Turn) error {
	var f records.AppFilter
	for _, word := range strings.Fields(strings.ToLower(t.Event.Args)) {
		switch {
		case isListState(records.AppState(word)):
			f.State = records.AppState(word)
		default:
			if _, ok := t.Program().Project(word); !ok {
				t.Say("review.list.unknown_filter", map[string]any{"Word": word})
				return nil
			}
			f.Project = word
		}
	}
	return showApplications(t, appListing{filter: f})
}

// showApplications sends the page of the list l points at.
func showApplications(t *Turn, l appListing) error {
	apps, total, err := t.rec.ApplicationPage(t.ctx, l.filter, l.offset, appPageSize)
	if err != nil {
		return err
	}
	if l.offset > 0 && len(apps) == 0 && total > 0 {
		// The list shrank under an old button: show its last page.
		l.offset = (total - 1) / appPageSize * appPageSize
		if apps, total, err = t.rec.ApplicationPage(t.ctx, l.filter, l.offset, appPageSize); err != nil {
			return err
		}
	}
	names, err := applicantNames(t, apps)
	if err != nil {
		return err
	}
	var rows [][]Button
	for i, a := range apps {
		label := a.Ref + " · " + names[i] + " · " + t.T("review.state."+string(a.ListState()), nil)
		rows = append(rows, []Button{t.LastingButton(clip(label, 60), flowReview, "open", a.Ref)})
	}
	rows = append(rows, pageRow(t, l, total)...)
	rows = append(rows, []Button{
		t.LastingButton(t.T("review.list.by_project", nil), flowReview, "fproj", l.arg()),
		t.LastingButton(t.T("review.list.by_state", nil), flowReview, "fstate", l.arg()),
	})
	if url := t.e.workspaceURL; url != "" {
		// The same list, filterable and with the documents at hand,
		// in the workspace (bot/webapp).
		rows = append(rows, []Button{{Text: t.T("workspace.open", nil), WebApp: url}})
	}
	t.Say("review.list.page", map[string]any{
		"Applications": t.Plural("review.count.applications", total, nil),
		"Project":      filterProject(t, l.filter),
		"State":        filterState(t, l.filter),
		"Page":         l.offset/appPageSize + 1,
		"Pages":        max(1, (total+appPageSize-1)/appPageSize),
	}, rows...)
	return nil
}

// pageRow is the ‹ › row of a page, without the arrows that lead
// nowhere.
func pageRow(t *Turn, l appListing, total int) [][]Button {
	var row []Button
	if l.offset > 0 {
		prev := l
		prev.offset = max(0, l.offset-appPageSize)
		row = append(row, t.LastingButton("‹", flowReview, "list", prev.arg()))
	}
	if l.offset+appPageSize < total {
		next := l
		next.offset = l.offset + appPageSize
		row = append(row, t.LastingButton("›", flowReview, "list", next.arg()))
	}
	if row == nil {
		return nil
	}
	return [][]Button{row}
}

// filterProject and filterState name the filter of a page.
func filterProject(t *Turn, f records.AppFilter) string {
	if p, ok := t.Program().Project(f.Project); ok {
		return p.TitleIn(t.Lang())
	}
	return t.T("review.list.all_projects", nil)
}

func filterState(t *Turn, f records.AppFilter) string {
	if f.State == "" {
		return t.T("review.list.all_states", nil)
	}
	return t.T("review.state."+string(f.State), nil)
}

// chooseProject offers the projects to filter the list by, keeping its
// state filter.
func chooseProject(t *Turn, l appListing) error {
	all := appListing{filter: records.AppFilter{State: l.filter.State}}
	rows := [][]Button{{t.LastingButton(t.T("review.list.all_projects", nil), flowReview, "list", all.arg())}}
	for i, p := range t.Program().Projects {
		if i == maxFilterButtons {
			break
		}
		pl := appListing{filter: records.AppFilter{Project: p.ID, State: l.filter.State}}
		rows = append(rows, []Button{t.LastingButton(clip(p.TitleIn(t.Lang()), 60), flowReview, "list", pl.arg())})
	}
	t.Say("review.list.choose_project", nil, rows...)
	return nil
}

// chooseState offers the states to filter the list by, keeping its
// project filter, with how many applications are in each.
func chooseState(t *Turn, l appListing) error {
	states := append([]records.AppState{""}, records.ListStates...)
	var rows [][]Button
	for _, s := range states {
		f := records.AppFilter{Project: l.filter.Project, State: s}
		n, err := t.rec.CountApplications(t.ctx, f)
		if err != nil {
			return err
		}
		label := filterState(t, f) + " (" + strconv.Itoa(n) + ")"
		rows = append(rows, []Button{t.LastingButton(label, flowReview, "list", appListing{filter: f}.arg())})
	}
	t.Say("review.list.choose_state", nil, rows...)
	return nil
}

// listButton handles the list's buttons: a page ("list", and "proj"
// from lists sent before paging), or a filter to choose.
func listButton(t *Turn) error {
	if t.Callback.Action == "proj" {
		if _, ok := t.Program().Project(t.Callback.Arg); !ok {
			t.Notice("error.bad_button")
			return nil
		}
		return showApplications(t, appListing{filter: records.AppFilter{Project: t.Callback.Arg}})
	}
	l, ok := parseListing(t.Program(), t.Callback.Arg)
	if !ok {
		t.Notice("error.bad_button")
		return nil
	}
	switch t.Callback.Action {
	case "fproj":
		return chooseProject(t, l)
	case "fstate":
		return chooseState(t, l)
	}
	return showApplications(t, l)
}

// applicantNames returns the display name of each applicant of apps,
// read in one round trip; erased applicants get a placeholder.
func applicantNames(t *Turn, apps []records.Application) ([]string, error) {
	byID, err := t.rec.ProfilesByID(t.ctx, applicantIDs(apps))
	if err != nil {
		return nil, err
	}
	names := make([]string, len(apps))
	for i, a := range apps {
		switch p, ok := byID[a.UserID]; {
		case a.UserID == 0:
			names[i] = t.T("review.erased", nil)
		case ok:
			names[i] = p.DisplayName()
		default:
			names[i] = t.T("people.unknown_name", map[string]any{"ID": a.UserID})
		}
	}
	return names, nil
}

// applicantIDs are the user ids of the applicants of apps.
func applicantIDs(apps []records.Application) []int64 {
	ids := make([]int64, len(apps))
	for i, a := range apps {
		ids[i] = a.UserID
	}
	return ids
}

// clip cuts s to at most n runes, marking the cut, for button labels.
func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
