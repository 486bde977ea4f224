package flows

import (
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

// peopleList is /people being written: who was listed, who of them
// cannot be reached, and the buttons to offer at the end.
type peopleList struct {
	t           *Turn
	roster      roster
	listed      map[int64]bool
	unreachable []string
	buttons     [][]Button
}

// people shows staff every role holder with their reachability, then
// the unreachable ones and the open invites, with buttons for new links.
func people(t *Turn) error {
	l := &peopleList{t: t, roster: rosterOf(t), listed: make(map[int64]bool)}
	for _, section := range []func() error{l.staff, l.mentors, l.committees, l.unreachables, l.invites} {
		if err := section(); err != nil {
			return err
		}
	}
	if len(l.buttons) > 0 {
		t.Reply(t.T("people.actions", nil), l.buttons...)
	}
	return nil
}

// line renders person id and notes them, once, among the unreachable.
func (l *peopleList) line(id int64) (text string, reachable bool, err error) {
	t := l.t
	p := *t.Profile // the sender's, not saved until the turn ends
	if id != t.Event.From.ID {
		if p, err = t.rec.Profile(t.ctx, id); err != nil {
			return "", false, err
		}
	}
	text = personLine(t, p)
	if !p.Reachable() && !l.listed[id] {
		l.unreachable = append(l.unreachable, text)
	}
	l.listed[id] = true
	return text, p.Reachable(), nil
}

// staff lists the staff.
func (l *peopleList) staff() error {
	t := l.t
	staff, err := l.roster.staff(t.ctx)
	if err != nil {
		return err
	}
	var b strings.Builder
	b.WriteString(t.Plural("people.staff", len(staff), nil))
	for _, id := range staff {
		line, _, err := l.line(id)
		if err != nil {
			return err
		}
		b.WriteString("\n• " + line)
	}
	t.Reply(b.String())
	return nil
}

// mentors lists the mentor of each project, offering a new mentor link
// for a project whose mentor cannot be reached.
func (l *peopleList) mentors() error {
	t := l.t
	var b strings.Builder
	b.WriteString(t.T("people.mentors", nil))
	for _, pr := range t.Program().Projects {
		mentor, err := l.roster.mentorOf(t.ctx, pr.ID)
		if err != nil {
			return err
		}
		who := t.T("people.nobody", nil)
		reachable := false
		if mentor != 0 {
			if who, reachable, err = l.line(mentor); err != nil {
				return err
			}
		}
		b.WriteString("\n• " + t.T("people.project", map[string]any{"Title": pr.Title, "ID": pr.ID, "Who": who}))
		if !reachable {
			l.buttons = append(l.buttons, []Button{t.LastingButton(
				t.T("people.button.mentor", map[string]any{"ID": pr.ID}), flowPeople, "mentor", pr.ID)})
		}
	}
	t.Reply(b.String())
	return nil
}

// committees lists the invited members of each university's committee.
func (l *peopleList) committees() error {
	t := l.t
	if len(t.Program().Universities) == 0 {
		return nil
	}
	var b strings.Builder
	b.WriteString(t.T("people.committees", nil))
	for _, u := range t.Program().Universities {
		ids, err := t.rec.CommitteeMembers(t.ctx, u.ID)
		if err != nil {
			return err
		}
		var who []string
		for _, id := range ids {
			line, _, err := l.line(id)
			if err != nil {
				return err
			}
			who = append(who, line)
		}
		if len(who) == 0 {
			who = []string{t.T("people.group_only", nil)}
		}
		b.WriteString("\n• " + t.T("people.university", map[string]any{"Name": u.Name, "Who": strings.Join(who, "; ")}))
	}
	t.Reply(b.String())
	return nil
}

// unreachables lists who of those listed cannot be reached.
func (l *peopleList) unreachables() error {
	t := l.t
	if len(l.unreachable) == 0 {
		t.Say("people.all_reachable", nil)
		return nil
	}
	t.Reply(t.Plural("people.unreachable", len(l.unreachable), nil) + "\n• " + strings.Join(l.unreachable, "\n• "))
	return nil
}

// invites lists the open invites, offering a new link for each.
func (l *peopleList) invites() error {
	t := l.t
	invs, err := invitesOf(t).open(t.ctx)
	if err != nil {
		return err
	}
	if len(invs) == 0 {
		t.Say("people.no_invites", nil)
		return nil
	}
	var b strings.Builder
	b.WriteString(t.Plural("people.invites", len(invs), nil))
	for _, inv := range invs {
		data := map[string]any{"N": inv.N, "Role": describeInvite(t, t.Lang(), inv), "Until": inviteTime(t, inv.ExpiresAt)}
		if t.Now().Before(inv.ExpiresAt) {
			b.WriteString("\n• " + t.T("people.invite.pending", data))
		} else {
			b.WriteString("\n• " + t.T("people.invite.expired", data))
		}
		l.buttons = append(l.buttons, []Button{t.LastingButton(
			t.T("people.button.resend", map[string]any{"N": inv.N}), flowPeople, "resend", strconv.FormatInt(inv.N, 10))})
	}
	t.Reply(b.String())
	return nil
}

// peopleButton gives staff a fresh invite link: "resend" replaces an
// unused invite, "mentor" invites a new mentor for a project whose
// mentor cannot be reached. The dispatcher checked that the presser is
// staff.
func peopleButton(t *Turn) error {
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
		return createInvite(t, records.RoleMentor, t.Callback.Arg)
	}
	t.Notice("error.bad_button")
	return nil
}
