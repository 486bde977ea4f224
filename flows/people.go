package flows

import (
	"slices"
	"strconv"
	"strings"

	"github.com/mentorbot/mentorbot/flows/records"
)

const flowPeople = "people"

// registerPeople adds /people, the staff view of who holds which role
// and who the bot cannot reach, with buttons to get fresh invite links.
// What /mydata shows of a person's roles, and their erasure, are in
// mydata.go with the profile's.
func registerPeople(e *Engine) {
	e.command(Command{Name: "people", Role: records.RoleStaff, Scope: InPrivate, Help: "people.cmd", Run: people})
	e.onButton(flowPeople, records.RoleStaff, InPrivate, peopleButton)
}

// personLine renders one person for staff: name and reachability.
func personLine(t *Turn, p records.Profile) string {
	name := p.DisplayName()
	if p.FirstName == "" && p.LastName == "" && p.Username == "" {
		name = t.T("people.unknown_name", map[string]any{"ID": p.UserID})
	}
	status := "people.status.ok"
	switch {
	case p.Blocked:
		status = "people.status.blocked"
	case !p.Started:
		status = "people.status.never"
	}
	return t.T("people.line", map[string]any{"Name": name, "Status": t.T(status, nil)})
}

// The filters of /people, in the order of their buttons. Each names
// its button ("people.section.<filter>") and what an empty page says
// ("people.empty.<filter>").
const (
	peopleAll         = "all"
	peopleStaff       = "staff"
	peopleMentors     = "mentors"
	peopleCommittees  = "committees"
	peopleUnreachable = "unreachable"
	peopleInvites     = "invites"
)

var peopleFilters = []string{peopleAll, peopleStaff, peopleMentors, peopleCommittees, peopleUnreachable, peopleInvites}

// peoplePageSize is how many entries a page of /people lists.
const peoplePageSize = 10

// peopleMaxLine bounds a line of a page, in characters, and
// peopleMaxRoles the roles part of it: names come from Telegram, which
// bounds them, but project titles and university names come from the
// programme file, which does not. Ten lines and the heading then stay
// inside Telegram's 4096 characters whatever the programme holds.
const (
	peopleMaxLine  = 380
	peopleMaxRoles = 160
)

// peopleMaxActions bounds the new-link buttons of a page, under
// Telegram's 100 buttons with ‹ › and the filters: a person who mentors
// many projects gets a button for the first ones, and the mentors
// filter, a project a line, has a button for each.
const peopleMaxActions = 20

// holder is one entry of /people: a person and the roles they hold, or,
// with ID 0, a project nobody mentors.
type holder struct {
	ID    int64
	Staff bool
	// Projects are the ids of the projects ID mentors.
	Projects []string
	// Committee is set for a member of a committee through an invite;
	// which university's is read for the page shown only.
	Committee bool
}

// people shows staff the first page of everyone who holds a role.
func people(t *Turn) error { return showFilter(t, peopleAll, 0) }

// showFilter sends the page of a filter of /people starting at offset,
// in one message: the size of the whole selection, ten entries, ‹ ›
// and the filters.
func showFilter(t *Turn, filter string, offset int) error {
	if filter == peopleInvites {
		return showInvites(t, offset)
	}
	holders, err := holdersOf(t, filter)
	if err != nil {
		return err
	}
	offset = pageStart(offset, len(holders))
	lines, rows, err := holderLines(t, holders[offset:min(len(holders), offset+peoplePageSize)])
	if err != nil {
		return err
	}
	if len(holders) == 0 {
		lines = append(lines, t.T("people.empty."+filter, nil))
	}
	sayPage(t, filter, offset, len(holders), lines, rows)
	return nil
}

// holdersOf lists the entries of a filter, in a stable order: the
// whole selection, as ids and roles only, read in a few round trips
// whatever its size, so that a page can be cut from it and counted.
func holdersOf(t *Turn, filter string) ([]holder, error) {
	switch filter {
	case peopleStaff:
		ids, err := rosterOf(t).staff(t.ctx)
		return holdersWith(ids, holder{Staff: true}), err
	case peopleMentors:
		return projectMentors(t)
	case peopleCommittees:
		ids, err := t.rec.Granted(t.ctx, records.RoleCommittee)
		return holdersWith(ids, holder{Committee: true}), err
	}
	var groups [][]holder
	for _, f := range []string{peopleStaff, peopleMentors, peopleCommittees} {
		hs, err := holdersOf(t, f)
		if err != nil {
			return nil, err
		}
		groups = append(groups, hs)
	}
	everyone := merged(groups...)
	if filter == peopleUnreachable {
		return unreachable(t, everyone)
	}
	return everyone, nil
}

// holdersWith makes an entry holding role for each of ids.
func holdersWith(ids []int64, role holder) []holder {
	out := make([]holder, len(ids))
	for i, id := range ids {
		out[i] = role
		out[i].ID = id
	}
	return out
}

// projectMentors lists each project of the programme with its mentor as
// mentorOf names them (ID 0: nobody), in programme order, reading the
// mentors of all projects in one round trip.
func projectMentors(t *Turn) ([]holder, error) {
	projects := t.Program().Projects
	ids := make([]string, len(projects))
	for i, pr := range projects {
		ids[i] = pr.ID
	}
	joined, err := t.rec.ProjectMentors(t.ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]holder, len(projects))
	for i, pr := range projects {
		mentor := pr.Mentor
		if pm, ok := joined[pr.ID]; ok {
			mentor = pm.UserID
		}
		out[i] = holder{ID: mentor, Projects: []string{pr.ID}}
	}
	return out, nil
}

// merged is each person of groups once, where they first appear, with
// all the roles the groups give them; projects without a mentor are
// left out, not being people.
func merged(groups ...[]holder) []holder {
	at := make(map[int64]int)
	var out []holder
	for _, group := range groups {
		for _, h := range group {
			if h.ID == 0 {
				continue
			}
			i, ok := at[h.ID]
			if !ok {
				i = len(out)
				at[h.ID] = i
				out = append(out, holder{ID: h.ID})
			}
			out[i].Staff = out[i].Staff || h.Staff
			out[i].Committee = out[i].Committee || h.Committee
			out[i].Projects = append(out[i].Projects, h.Projects...)
		}
	}
	return out
}

// unreachable keeps the people the bot cannot write to. Whether it can
// is in each profile, so all of them are read, in one round trip.
func unreachable(t *Turn, holders []holder) ([]holder, error) {
	profiles, err := profilesOf(t, holders)
	if err != nil {
		return nil, err
	}
	var out []holder
	for _, h := range holders {
		if !profiles[h.ID].Reachable() {
			out = append(out, h)
		}
	}
	return out, nil
}

// profilesOf reads the profiles of holders in one round trip; someone
// without one gets a profile with only the id.
func profilesOf(t *Turn, holders []holder) (map[int64]records.Profile, error) {
	ids := make([]int64, 0, len(holders))
	for _, h := range holders {
		if h.ID != 0 {
			ids = append(ids, h.ID)
		}
	}
	out, err := t.rec.ProfilesByID(t.ctx, ids)
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		if _, ok := out[id]; !ok {
			out[id] = records.Profile{UserID: id}
		}
	}
	if p, ok := out[t.Event.From.ID]; ok && p.FirstName == "" {
		out[t.Event.From.ID] = *t.Profile // the sender's, not saved until the turn ends
	}
	return out, nil
}

// committeesOf reads, in one round trip, the university of each
// committee member of page; nothing when page has none.
func committeesOf(t *Turn, page []holder) (map[int64]string, error) {
	var ids []int64
	for _, h := range page {
		if h.Committee {
			ids = append(ids, h.ID)
		}
	}
	if len(ids) == 0 {
		return nil, nil
	}
	return t.rec.CommitteesOf(t.ctx, ids)
}

// holderLines renders a page of entries, with a button for a new mentor
// link for each project whose mentor cannot be reached.
func holderLines(t *Turn, page []holder) ([]string, [][]Button, error) {
	profiles, err := profilesOf(t, page)
	if err != nil {
		return nil, nil, err
	}
	unis, err := committeesOf(t, page)
	if err != nil {
		return nil, nil, err
	}
	var lines []string
	var rows [][]Button
	for _, h := range page {
		who := t.T("people.nobody", nil)
		if h.ID != 0 {
			who = personLine(t, profiles[h.ID])
		}
		roles := clip(rolesOf(t, h, unis[h.ID]), peopleMaxRoles)
		lines = append(lines, clip("• "+t.T("people.entry", map[string]any{"Role": roles, "Who": who}), peopleMaxLine))
		if h.ID == 0 || !profiles[h.ID].Reachable() {
			rows = append(rows, mentorButtons(t, h.Projects, peopleMaxActions-len(rows))...)
		}
	}
	return lines, rows, nil
}

// rolesOf names the roles of h; uni is the university of its committee.
func rolesOf(t *Turn, h holder, uni string) string {
	var roles []string
	if h.Staff {
		roles = append(roles, t.T("people.role.staff", nil))
	}
	for _, id := range h.Projects {
		title := id
		if pr, ok := t.Program().Project(id); ok {
			title = pr.TitleIn(t.Lang())
		}
		roles = append(roles, t.T("people.project", map[string]any{"Title": title, "ID": id}))
	}
	if h.Committee {
		roles = append(roles, committeeName(t, uni))
	}
	return strings.Join(roles, "; ")
}

// committeeName names the committee of university uni: the university's
// name, its id when the programme file no longer lists it, or just "a
// committee" when the member's university is not on record.
func committeeName(t *Turn, uni string) string {
	if u, ok := t.Program().University(uni); ok {
		return u.Name
	}
	if uni != "" {
		return uni
	}
	return t.T("people.role.committee", nil)
}

// mentorButtons are the buttons for a new mentor link of projects, at
// most left of them.
func mentorButtons(t *Turn, projects []string, left int) [][]Button {
	var rows [][]Button
	for _, id := range projects[:min(len(projects), max(0, left))] {
		rows = append(rows, []Button{t.LastingButton(
			t.T("people.button.mentor", map[string]any{"ID": id}), flowPeople, "mentor", id)})
	}
	return rows
}

// showInvites sends a page of the open invites, each with a button for
// a new link.
func showInvites(t *Turn, offset int) error {
	invs, err := invitesOf(t).open(t.ctx)
	if err != nil {
		return err
	}
	offset = pageStart(offset, len(invs))
	var lines []string
	var rows [][]Button
	for _, inv := range invs[offset:min(len(invs), offset+peoplePageSize)] {
		data := map[string]any{"N": inv.N, "Role": describeInvite(t, t.Lang(), inv), "Until": inviteTime(t, inv.ExpiresAt)}
		line := t.T("people.invite.expired", data)
		if t.Now().Before(inv.ExpiresAt) {
			line = t.T("people.invite.pending", data)
		}
		lines = append(lines, clip("• "+line, peopleMaxLine))
		rows = append(rows, []Button{t.LastingButton(
			t.T("people.button.resend", map[string]any{"N": inv.N}), flowPeople, "resend", strconv.FormatInt(inv.N, 10))})
	}
	if len(invs) == 0 {
		lines = append(lines, t.T("people.empty.invites", nil))
	}
	sayPage(t, peopleInvites, offset, len(invs), lines, rows)
	return nil
}

// pageStart is offset moved onto a page of a list of total entries.
func pageStart(offset, total int) int {
	if offset >= total {
		offset = max(0, total-1)
	}
	return max(0, offset) / peoplePageSize * peoplePageSize
}

// sayPage sends one page of a filter: its name, the size of the whole
// selection, the page's lines, its actions, ‹ › and the filters.
func sayPage(t *Turn, filter string, offset, total int, lines []string, rows [][]Button) {
	head := t.T("people.page", map[string]any{"Section": t.T("people.section."+filter, nil), "Total": total,
		"Page": offset/peoplePageSize + 1, "Pages": max(1, (total+peoplePageSize-1)/peoplePageSize)})
	var nav []Button
	if offset > 0 {
		nav = append(nav, t.LastingButton("‹", flowPeople, "page", filter+"."+strconv.Itoa(offset-peoplePageSize)))
	}
	if offset+peoplePageSize < total {
		nav = append(nav, t.LastingButton("›", flowPeople, "page", filter+"."+strconv.Itoa(offset+peoplePageSize)))
	}
	if nav != nil {
		rows = append(rows, nav)
	}
	rows = append(rows, filterButtons(t)...)
	sayBuilt(t, "people.page", head+"\n"+strings.Join(lines, "\n"), rows...)
}

// filterButtons open the first page of each filter, three a row.
func filterButtons(t *Turn) [][]Button {
	var rows [][]Button
	for start := 0; start < len(peopleFilters); start += 3 {
		var row []Button
		for _, filter := range peopleFilters[start:min(len(peopleFilters), start+3)] {
			row = append(row, t.LastingButton(t.T("people.section."+filter, nil), flowPeople, "page", filter+".0"))
		}
		rows = append(rows, row)
	}
	return rows
}

// peopleButton turns a page or changes filter, or gives staff a fresh
// invite link: "resend" replaces an unused invite, "mentor" invites a
// new mentor for a project whose mentor cannot be reached. The
// dispatcher checked that the presser is staff.
func peopleButton(t *Turn) error {
	switch t.Callback.Action {
	case "page":
		filter, offset, ok := strings.Cut(t.Callback.Arg, ".")
		n, err := strconv.Atoi(offset)
		if !ok || err != nil || !slices.Contains(peopleFilters, filter) {
			t.Notice("error.bad_button")
			return nil
		}
		return showFilter(t, filter, n)
	case "resend":
		n, err := strconv.ParseInt(t.Callback.Arg, 10, 64)
		if err != nil {
			t.Notice("error.bad_button")
			return nil
		}
		return reissue(t, n)
	case "mentor":
		if _, ok := t.Program().Project(t.Callback.Arg); !ok {
			t.Notice("error.bad_button")
			return nil
		}
		return createInvite(t, records.RoleMentor, t.Callback.Arg)
	}
	t.Notice("error.bad_button")
	return nil
}
