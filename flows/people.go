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

const flowPeople = "people"

// registerPeople adds /people, the staff view of who holds which role
// and who the bot cannot reach, with buttons to get fresh invite links.
func registerPeople(e *Engine) {
	e.command(Command{Name: "people", Role: RoleStaff, Help: "people.cmd", Run: people})
	e.buttons[flowPeople] = peopleButton
	e.personalData(flowPeople, PersonalData{Export: e.exportRoles, Erase: e.eraseRoles})
}

// rolesData is what /mydata shows of the roles someone joined with.
type rolesData struct {
	Staff       bool     `json:"staff,omitempty"`
	MentorOf    []string `json:"mentor_of,omitempty"`
	CommitteeOf string   `json:"committee_of,omitempty"`
}

// exportRoles returns the roles userID holds through invites or the
// programme file, or nil when none.
func (e *Engine) exportRoles(ctx context.Context, userID int64) (any, error) {
	var d rolesData
	var err error
	if d.Staff, err = e.HasRole(ctx, userID, userID, RoleStaff); err != nil {
		return nil, err
	}
	if d.MentorOf, err = e.MentorProjects(ctx, userID); err != nil {
		return nil, err
	}
	if d.CommitteeOf, err = e.CommitteeOf(ctx, userID); err != nil {
		return nil, err
	}
	if !d.Staff && len(d.MentorOf) == 0 && d.CommitteeOf == "" {
		return nil, nil
	}
	return d, nil
}

// eraseRoles takes from userID every role they joined with. Ids in the
// programme file stay: they are configuration, changed by editing it.
func (e *Engine) eraseRoles(ctx context.Context, userID int64) error {
	id := strconv.FormatInt(userID, 10)
	for _, r := range []Role{RoleStaff, RoleMentor, RoleCommittee} {
		if err := e.store.RemoveFromSet(ctx, roleSet(r), id); err != nil {
			return fmt.Errorf("erase role %s of %d: %w", r, userID, err)
		}
	}
	uni, err := e.CommitteeOf(ctx, userID)
	if err != nil {
		return err
	}
	if uni != "" {
		if err := e.store.RemoveFromSet(ctx, committeeMembersKey(uni), id); err != nil {
			return fmt.Errorf("leave committee %s: %w", uni, err)
		}
	}
	keys := []string{committeeOfKey(userID)}
	for _, pr := range e.program.Projects {
		var pm projectMentor
		err := e.store.Get(ctx, projectMentorKey(pr.ID), &pm)
		if err != nil && !errors.Is(err, ErrNotFound) {
			return fmt.Errorf("erase mentor of %s: %w", pr.ID, err)
		}
		if err == nil && pm.UserID == userID {
			keys = append(keys, projectMentorKey(pr.ID))
		}
	}
	if err := e.store.Delete(ctx, keys...); err != nil {
		return fmt.Errorf("erase roles of %d: %w", userID, err)
	}
	return nil
}

// projectMentor is the record of a mentor who joined a project through
// an invite; it takes precedence over the programme file's mentor id.
type projectMentor struct {
	UserID int64     `json:"user_id"`
	Since  time.Time `json:"since"`
}

func projectMentorKey(projectID string) string { return "project-mentor:" + projectID }
func committeeOfKey(userID int64) string       { return fmt.Sprintf("committee-of:%d", userID) }
func committeeMembersKey(uni string) string    { return "committee-members:" + uni }

// MentorOf returns the user id of the mentor of projectID: the one who
// joined through an invite for it, else the programme file's mentor id
// (0 when the file names none). An unknown project gives ErrNotFound.
func (e *Engine) MentorOf(ctx context.Context, projectID string) (int64, error) {
	pr, ok := e.program.Project(projectID)
	if !ok {
		return 0, fmt.Errorf("mentor of project %q: %w", projectID, ErrNotFound)
	}
	var pm projectMentor
	err := e.store.Get(ctx, projectMentorKey(projectID), &pm)
	switch {
	case errors.Is(err, ErrNotFound):
		return pr.Mentor, nil
	case err != nil:
		return 0, fmt.Errorf("mentor of project %q: %w", projectID, err)
	}
	return pm.UserID, nil
}

// MentorProjects returns the ids of the projects userID is the mentor
// of according to MentorOf, in programme order.
func (e *Engine) MentorProjects(ctx context.Context, userID int64) ([]string, error) {
	var out []string
	for _, pr := range e.program.Projects {
		m, err := e.MentorOf(ctx, pr.ID)
		if err != nil {
			return nil, err
		}
		if m == userID && userID != 0 {
			out = append(out, pr.ID)
		}
	}
	return out, nil
}

// SetMentor makes userID the mentor of projectID in place of whoever
// was; the previous mentor keeps any other project. An unknown project
// gives ErrNotFound.
func (e *Engine) SetMentor(ctx context.Context, projectID string, userID int64) error {
	if _, ok := e.program.Project(projectID); !ok {
		return fmt.Errorf("set mentor of project %q: %w", projectID, ErrNotFound)
	}
	pm := projectMentor{UserID: userID, Since: e.now().UTC()}
	if err := e.store.Put(ctx, projectMentorKey(projectID), pm, 0); err != nil {
		return fmt.Errorf("set mentor of project %q: %w", projectID, err)
	}
	return nil
}

// CommitteeOf returns the id of the university whose committee userID
// joined through an invite, or "" when they joined none.
func (e *Engine) CommitteeOf(ctx context.Context, userID int64) (string, error) {
	var uni string
	err := e.store.Get(ctx, committeeOfKey(userID), &uni)
	if errors.Is(err, ErrNotFound) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("committee of %d: %w", userID, err)
	}
	return uni, nil
}

// SetCommittee makes userID a committee member of university uni,
// leaving the committee they were in before, if another. An unknown
// university gives ErrNotFound.
func (e *Engine) SetCommittee(ctx context.Context, userID int64, uni string) error {
	if _, ok := e.program.University(uni); !ok {
		return fmt.Errorf("set committee of %d: university %q: %w", userID, uni, ErrNotFound)
	}
	old, err := e.CommitteeOf(ctx, userID)
	if err != nil {
		return err
	}
	id := strconv.FormatInt(userID, 10)
	if old != "" && old != uni {
		if err := e.store.RemoveFromSet(ctx, committeeMembersKey(old), id); err != nil {
			return fmt.Errorf("leave committee %s: %w", old, err)
		}
	}
	if err := e.store.Put(ctx, committeeOfKey(userID), uni, 0); err != nil {
		return fmt.Errorf("set committee of %d: %w", userID, err)
	}
	if err := e.store.AddToSet(ctx, committeeMembersKey(uni), id); err != nil {
		return fmt.Errorf("join committee %s: %w", uni, err)
	}
	return e.Grant(ctx, userID, RoleCommittee)
}

// CommitteeMembers returns the user ids of the people who joined the
// committee of university uni through an invite, sorted.
func (e *Engine) CommitteeMembers(ctx context.Context, uni string) ([]int64, error) {
	return e.idSet(ctx, committeeMembersKey(uni))
}

// StaffMembers returns the staff: the programme file's seeds and those
// who joined through an invite, sorted, without repeats.
func (e *Engine) StaffMembers(ctx context.Context) ([]int64, error) {
	ids, err := e.idSet(ctx, roleSet(RoleStaff))
	if err != nil {
		return nil, err
	}
	ids = append(ids, e.program.Staff...)
	slices.Sort(ids)
	return slices.Compact(ids), nil
}

func (e *Engine) idSet(ctx context.Context, set string) ([]int64, error) {
	members, err := e.store.Members(ctx, set)
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", set, err)
	}
	var ids []int64
	for _, m := range members {
		if id, err := strconv.ParseInt(m, 10, 64); err == nil {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids, nil
}

// Reachable reports whether the bot can write to p: they opened a
// private chat with it and have not blocked it since.
func (p Profile) Reachable() bool { return p.Started && !p.Blocked }

// personLine renders one person for staff: name and reachability.
func (t *Turn) personLine(p Profile) string {
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

// people shows staff every role holder with their reachability, then
// the unreachable ones and the open invites, with buttons for new links.
func people(t *Turn) error {
	ctx, e := t.ctx, t.e
	var unreachable []string
	var buttons [][]Button
	listed := make(map[int64]bool)
	// line renders person id and notes them once among the unreachable.
	line := func(id int64) (string, bool, error) {
		p := *t.Profile // the sender's, not saved until the turn ends
		if id != t.Event.From.ID {
			var err error
			if p, err = e.Profile(ctx, id); err != nil {
				return "", false, err
			}
		}
		l := t.personLine(p)
		if !p.Reachable() && !listed[id] {
			unreachable = append(unreachable, l)
		}
		listed[id] = true
		return l, p.Reachable(), nil
	}

	// Staff.
	staff, err := e.StaffMembers(ctx)
	if err != nil {
		return err
	}
	var b strings.Builder
	b.WriteString(t.Plural("people.staff", len(staff), nil))
	for _, id := range staff {
		l, _, err := line(id)
		if err != nil {
			return err
		}
		b.WriteString("\n• " + l)
	}
	t.Reply(b.String())

	// Mentors, per project.
	b.Reset()
	b.WriteString(t.T("people.mentors", nil))
	for _, pr := range t.Program().Projects {
		mentor, err := e.MentorOf(ctx, pr.ID)
		if err != nil {
			return err
		}
		who := t.T("people.nobody", nil)
		reachable := false
		if mentor != 0 {
			if who, reachable, err = line(mentor); err != nil {
				return err
			}
		}
		b.WriteString("\n• " + t.T("people.project", map[string]any{"Title": pr.Title, "ID": pr.ID, "Who": who}))
		if !reachable {
			buttons = append(buttons, []Button{t.LastingButton(
				t.T("people.button.mentor", map[string]any{"ID": pr.ID}), flowPeople, "mentor", pr.ID)})
		}
	}
	t.Reply(b.String())

	// Committees, per university.
	if len(t.Program().Universities) > 0 {
		b.Reset()
		b.WriteString(t.T("people.committees", nil))
		for _, u := range t.Program().Universities {
			ids, err := e.CommitteeMembers(ctx, u.ID)
			if err != nil {
				return err
			}
			var who []string
			for _, id := range ids {
				l, _, err := line(id)
				if err != nil {
					return err
				}
				who = append(who, l)
			}
			if len(who) == 0 {
				who = []string{t.T("people.group_only", nil)}
			}
			b.WriteString("\n• " + t.T("people.university", map[string]any{"Name": u.Name, "Who": strings.Join(who, "; ")}))
		}
		t.Reply(b.String())
	}

	// Who cannot be reached.
	if len(unreachable) == 0 {
		t.Say("people.all_reachable", nil)
	} else {
		t.Reply(t.Plural("people.unreachable", len(unreachable), nil) + "\n• " + strings.Join(unreachable, "\n• "))
	}

	// Open invites.
	invs, err := e.openInvites(ctx)
	if err != nil {
		return err
	}
	if len(invs) == 0 {
		t.Say("people.no_invites", nil)
	} else {
		b.Reset()
		b.WriteString(t.Plural("people.invites", len(invs), nil))
		for _, inv := range invs {
			data := map[string]any{"N": inv.N, "Role": e.describeInvite(t.Lang(), inv), "Until": t.formatTime(inv.ExpiresAt)}
			if t.Now().Before(inv.ExpiresAt) {
				b.WriteString("\n• " + t.T("people.invite.pending", data))
			} else {
				b.WriteString("\n• " + t.T("people.invite.expired", data))
			}
			buttons = append(buttons, []Button{t.LastingButton(
				t.T("people.button.resend", map[string]any{"N": inv.N}), flowPeople, "resend", strconv.FormatInt(inv.N, 10))})
		}
		t.Reply(b.String())
	}
	if len(buttons) > 0 {
		t.Reply(t.T("people.actions", nil), buttons...)
	}
	return nil
}

// peopleButton gives staff a fresh invite link: "resend" replaces an
// unused invite, "mentor" invites a new mentor for a project whose
// mentor cannot be reached. It re-checks that the presser is staff.
func peopleButton(t *Turn) error {
	ok, err := t.e.HasRole(t.ctx, t.Event.From.ID, t.Event.ChatID, RoleStaff)
	if err != nil {
		return err
	}
	if !ok {
		t.Notice("error.not_allowed")
		return nil
	}
	switch t.Callback.Action {
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
		return createInvite(t, RoleMentor, t.Callback.Arg)
	}
	t.Notice("error.bad_button")
	return nil
}
