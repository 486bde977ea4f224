package flows

import (
	"slices"
	"strconv"
	"strings"

	"github.com/mentorbot/mentorbot/flows/records"
)

// flowRevoke is staff taking a role away from someone.
const flowRevoke = "revoke"

// registerRevoke adds /revoke <user id> [role] for staff.
func registerRevoke(e *Engine) {
	e.command(Command{Name: "revoke", Role: records.RoleStaff, Scope: InPrivate, Help: "revoke.cmd", Run: revokeCommand})
	e.onButton(flowRevoke, records.RoleStaff, InPrivate, revokeButton)
	e.onStep(flowStep(flowRevoke), func(t *Turn) error {
		t.Say("mydata.use_buttons", nil)
		return nil
	})
}

// grant is one role someone holds: staff, mentor of a project (Scope
// the project's id) or committee member of a university (Scope its id).
type grant struct {
	Role  records.Role `json:"role"`
	Scope string       `json:"scope,omitempty"`
}

// String is how a grant is written as /revoke's argument and in the
// audit log: "staff", "mentor:<project>", "committee:<university>".
func (g grant) String() string {
	if g.Scope == "" {
		return string(g.Role)
	}
	return string(g.Role) + ":" + g.Scope
}

// revokeState is whom the revocation is about and, once picked, which
// grant.
type revokeState struct {
	UserID int64 `json:"user_id"`
	Grant  grant `json:"grant"`
}

// grantsOf lists the grants userID holds that staff can revoke: those
// made through invites or named for projects. Staff and committee
// members listed in the programme file are configuration, changed by
// editing it; inFile reports whether userID is one of them.
func grantsOf(t *Turn, userID int64) (gs []grant, inFile bool, err error) {
	if ok, err := t.rec.HasGrant(t.ctx, userID, records.RoleStaff); err != nil {
		return nil, false, err
	} else if ok {
		gs = append(gs, grant{Role: records.RoleStaff})
	}
	projects, err := rosterOf(t).mentorProjects(t.ctx, userID)
	if err != nil {
		return nil, false, err
	}
	for _, p := range projects {
		gs = append(gs, grant{Role: records.RoleMentor, Scope: p})
	}
	uni, err := t.rec.CommitteeOf(t.ctx, userID)
	if err != nil {
		return nil, false, err
	}
	if uni != "" {
		gs = append(gs, grant{Role: records.RoleCommittee, Scope: uni})
	}
	inFile = slices.Contains(t.Program().Staff, userID)
	for _, u := range t.Program().Universities {
		inFile = inFile || slices.Contains(u.Members, userID)
	}
	return gs, inFile, nil
}

// revokeCommand reads "/revoke <user id> [role]": with a role it asks
// to confirm, without one it offers the person's roles as buttons.
func revokeCommand(t *Turn) error {
	fields := strings.Fields(t.Event.Args)
	var id int64
	var err error
	if len(fields) > 0 {
		id, err = strconv.ParseInt(fields[0], 10, 64)
	}
	if len(fields) == 0 || len(fields) > 2 || err != nil || id <= 0 {
		t.Say("revoke.usage", nil)
		return nil
	}
	gs, inFile, err := grantsOf(t, id)
	if err != nil {
		return err
	}
	if len(gs) == 0 && inFile {
		t.Say("revoke.in_file", map[string]any{"ID": id})
		return nil
	}
	if len(gs) == 0 {
		t.Say("revoke.none", map[string]any{"ID": id})
		return nil
	}
	t.StartFlow(flowRevoke, "pick")
	if len(fields) == 2 {
		for _, g := range gs {
			// "mentor" alone names the person's one mentorship.
			if g.String() == fields[1] || (string(g.Role) == fields[1] && len(gs) == 1) {
				return askRevoke(t, id, g)
			}
		}
		t.Say("revoke.not_held", map[string]any{"ID": id, "Role": fields[1]})
	}
	t.SaveState(revokeState{UserID: id})
	var rows [][]Button
	for i, g := range gs {
		rows = append(rows, []Button{t.Button(describeGrant(t, g), "pick", strconv.Itoa(i))})
	}
	t.Say("revoke.pick", map[string]any{"ID": id}, rows...)
	return nil
}

// askRevoke asks staff to confirm taking g from userID.
func askRevoke(t *Turn, userID int64, g grant) error {
	t.SaveState(revokeState{UserID: userID, Grant: g})
	name, err := personName(t, t.Lang(), userID)
	if err != nil {
		return err
	}
	t.Say("revoke.confirm", map[string]any{"Name": name, "ID": userID, "Role": describeGrant(t, g)}, []Button{
		t.Button(t.T("revoke.yes", nil), "yes", ""),
		t.Button(t.T("revoke.no", nil), "no", ""),
	})
	return nil
}

// describeGrant names g for staff: "staff", "mentor of <project>",
// "committee of <university>".
func describeGrant(t *Turn, g grant) string {
	switch g.Role {
	case records.RoleMentor:
		p, _ := t.Program().Project(g.Scope)
		return t.T("revoke.role.mentor", map[string]any{"Project": p.TitleIn(t.Lang())})
	case records.RoleCommittee:
		u, _ := t.Program().University(g.Scope)
		return t.T("revoke.role.committee", map[string]any{"University": u.Name})
	}
	return t.T("revoke.role.staff", nil)
}

// revokeButton takes the pick of a grant and the confirmation.
func revokeButton(t *Turn) error {
	var st revokeState
	if err := t.LoadState(&st); err != nil {
		return err
	}
	switch t.Callback.Action {
	case "pick":
		gs, _, err := grantsOf(t, st.UserID)
		if err != nil {
			return err
		}
		i, err := strconv.Atoi(t.Callback.Arg)
		if err != nil || i < 0 || i >= len(gs) {
			t.Notice("error.stale_button")
			return nil
		}
		return askRevoke(t, st.UserID, gs[i])
	case "yes":
		if st.Grant.Role == "" {
			t.Notice("error.stale_button")
			return nil
		}
		t.Session.Reset()
		return revoke(t, st.UserID, st.Grant)
	}
	t.Session.Reset()
	t.Say("revoke.kept", nil)
	return nil
}

// revoke takes g from userID at once, notes it in the audit log, and
// tells both sides.
func revoke(t *Turn, userID int64, g grant) error {
	menu, err := watchMenus(t, userID)
	if err != nil {
		return err
	}
	switch g.Role {
	case records.RoleMentor:
		// Only if they still are: someone may have been invited since.
		var m int64
		if m, err = rosterOf(t).mentorOf(t.ctx, g.Scope); err == nil && m == userID {
			err = t.rec.ClearProjectMentor(t.ctx, g.Scope)
		}
	case records.RoleCommittee:
		err = t.rec.LeaveCommittee(t.ctx, userID)
	default:
		err = t.rec.RevokeGrant(t.ctx, userID, g.Role)
	}
	if err != nil {
		return err
	}
	if err := audit(t, "role.revoke", userID, g.String()); err != nil {
		return err
	}
	t.Say("revoke.done", map[string]any{"ID": userID, "Role": describeGrant(t, g)})
	lang := t.LangOf(userID)
	t.SayTo(userID, lang, "revoke.notice", map[string]any{"Role": describeGrant(t, g)})
	return menu()
}
