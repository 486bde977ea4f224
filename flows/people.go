package flows

import (
	"errors"
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

// The sections of /people, in the order of its buttons.
const (
	peopleStaff       = "staff"
	peopleMentors     = "mentors"
	peopleCommittees  = "committees"
	peopleUnreachable = "unreachable"
	peopleInvites     = "invites"
)

var peopleSections = []string{peopleStaff, peopleMentors, peopleCommittees, peopleUnreachable, peopleInvites}

// peoplePageSize is how many entries a page of /people lists.
const peoplePageSize = 10

// roleEntry is one role held, or a project without a mentor: Who is 0
// for nobody, Role how the role is named, Project the mentor's project.
type roleEntry struct {
	Who     int64
	Role    string
	Project string
}

// people shows staff how many hold each role, who cannot be reached and
// the open invites, with a button per list.
func people(t *Turn) error {
	counts := make(map[string]any, len(peopleSections))
	for _, section := range peopleSections {
		n, err := sectionSize(t, section)
		if err != nil {
			return err
		}
		counts[section] = n
	}
	t.Say("people.overview", counts, sectionButtons(t)...)
	return nil
}

// sectionButtons are the buttons that open each list.
func sectionButtons(t *Turn) [][]Button {
	var rows [][]Button
	var row []Button
	for _, section := range peopleSections {
		row = append(row, t.LastingButton(t.T("people.section."+section, nil), flowPeople, "page", section+".0"))
		if len(row) == 3 {
			rows, row = append(rows, row), nil
		}
	}
	return append(rows, row)
}

// sectionSize counts a list's entries.
func sectionSize(t *Turn, section string) (int, error) {
	if section == peopleInvites {
		invs, err := invitesOf(t).open(t.ctx)
		return len(invs), err
	}
	entries, err := sectionEntries(t, section)
	return len(entries), err
}

// sectionEntries lists the roles of a section of /people (not the
// invites), in a stable order.
func sectionEntries(t *Turn, section string) ([]roleEntry, error) {
	r := rosterOf(t)
	var out []roleEntry
	if section == peopleStaff || section == peopleUnreachable {
		staff, err := r.staff(t.ctx)
		if err != nil {
			return nil, err
		}
		for _, id := range staff {
			out = append(out, roleEntry{Who: id, Role: t.T("people.role.staff", nil)})
		}
	}
	if section == peopleMentors || section == peopleUnreachable {
		for _, pr := range t.Program().Projects {
			mentor, err := r.mentorOf(t.ctx, pr.ID)
			if err != nil && !errors.Is(err, records.ErrNotFound) {
				return nil, err
			}
			out = append(out, roleEntry{Who: mentor, Project: pr.ID,
				Role: t.T("people.project", map[string]any{"Title": pr.Title, "ID": pr.ID})})
		}
	}
	if section == peopleCommittees || section == peopleUnreachable {
		for _, u := range t.Program().Universities {
			ids, err := t.rec.CommitteeMembers(t.ctx, u.ID)
			if err != nil {
				return nil, err
			}
			for _, id := range ids {
				out = append(out, roleEntry{Who: id, Role: u.Name})
			}
		}
	}
	if section == peopleUnreachable {
		return unreachableOnly(t, out)
	}
	return out, nil
}

// unreachableOnly keeps the entries of people who cannot be reached,
// each person once, reading their profiles in one round trip.
func unreachableOnly(t *Turn, entries []roleEntry) ([]roleEntry, error) {
	profiles, err := profilesOf(t, entries)
	if err != nil {
		return nil, err
	}
	seen := make(map[int64]bool)
	var out []roleEntry
	for _, e := range entries {
		if e.Who == 0 || seen[e.Who] || profiles[e.Who].Reachable() {
			continue
		}
		seen[e.Who] = true
		out = append(out, e)
	}
	return out, nil
}

// profilesOf reads the profiles of the people of entries in one round
// trip; someone without one gets a profile with only the id.
func profilesOf(t *Turn, entries []roleEntry) (map[int64]records.Profile, error) {
	ids := make([]int64, 0, len(entries))
	for _, e := range entries {
		if e.Who != 0 {
			ids = append(ids, e.Who)
		}
	}
	ps, err := t.rec.Profiles(t.ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make(map[int64]records.Profile, len(ids))
	for _, id := range ids {
		out[id] = records.Profile{UserID: id}
	}
	for _, p := range ps {
		out[p.UserID] = p
	}
	if p, ok := out[t.Event.From.ID]; ok && p.FirstName == "" {
		out[t.Event.From.ID] = *t.Profile // the sender's, not saved until the turn ends
	}
	return out, nil
}

// showSection sends the page of a list of /people starting at offset.
func showSection(t *Turn, section string, offset int) error {
	if section == peopleInvites {
		return showInvites(t, offset)
	}
	entries, err := sectionEntries(t, section)
	if err != nil {
		return err
	}
	offset = pageStart(offset, len(entries))
	page := entries[offset:min(len(entries), offset+peoplePageSize)]
	profiles, err := profilesOf(t, page)
	if err != nil {
		return err
	}
	var lines []string
	var rows [][]Button
	for _, e := range page {
		who := t.T("people.nobody", nil)
		if e.Who != 0 {
			who = personLine(t, profiles[e.Who])
		}
		lines = append(lines, "• "+t.T("people.entry", map[string]any{"Role": e.Role, "Who": who}))
		if e.Project != "" && (e.Who == 0 || !profiles[e.Who].Reachable()) {
			rows = append(rows, []Button{t.LastingButton(
				t.T("people.button.mentor", map[string]any{"ID": e.Project}), flowPeople, "mentor", e.Project)})
		}
	}
	if len(entries) == 0 {
		lines = append(lines, t.T("people.empty."+section, nil))
	}
	sayPage(t, section, offset, len(entries), lines, rows)
	return nil
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
		if t.Now().Before(inv.ExpiresAt) {
			lines = append(lines, "• "+t.T("people.invite.pending", data))
		} else {
			lines = append(lines, "• "+t.T("people.invite.expired", data))
		}
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

// sayPage sends one page of a list: its title and count, its lines, its
// actions, ‹ › and the buttons of the other lists.
func sayPage(t *Turn, section string, offset, total int, lines []string, rows [][]Button) {
	head := t.T("people.page", map[string]any{"Section": t.T("people.section."+section, nil), "Total": total,
		"Page": offset/peoplePageSize + 1, "Pages": max(1, (total+peoplePageSize-1)/peoplePageSize)})
	var nav []Button
	if offset > 0 {
		nav = append(nav, t.LastingButton("‹", flowPeople, "page", section+"."+strconv.Itoa(offset-peoplePageSize)))
	}
	if offset+peoplePageSize < total {
		nav = append(nav, t.LastingButton("›", flowPeople, "page", section+"."+strconv.Itoa(offset+peoplePageSize)))
	}
	if nav != nil {
		rows = append(rows, nav)
	}
	rows = append(rows, sectionButtons(t)...)
	sayBuilt(t, "people.page", head+"\n"+strings.Join(lines, "\n"), rows...)
}

// peopleButton gives staff a fresh invite link: "resend" replaces an
// unused invite, "mentor" invites a new mentor for a project whose
// mentor cannot be reached. The dispatcher checked that the presser is
// staff.
func peopleButton(t *Turn) error {
	switch t.Callback.Action {
	case "page":
		section, offset, ok := strings.Cut(t.Callback.Arg, ".")
		n, err := strconv.Atoi(offset)
		if !ok || err != nil || !slices.Contains(peopleSections, section) {
			t.Notice("error.bad_button")
			return nil
		}
		return showSection(t, section, n)
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
