package flows

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strconv"
)

// PersonalData is how one flow exports and erases what it keeps about
// a person, for /mydata and /deletemydata. Many of our users have a
// refugee or migration background; they must be able to see and remove
// what we hold.
type PersonalData struct {
	// Export returns what the flow holds about userID, ready for JSON,
	// or nil when it holds nothing.
	Export func(ctx context.Context, userID int64) (any, error)
	// Erase removes it. Where the programme needs counts (applications
	// per project), the flow keeps an anonymous record instead.
	Erase func(ctx context.Context, userID int64) error
}

// personalData registers how flow exports and erases personal data.
func (e *Engine) personalData(flow string, pd PersonalData) {
	if _, dup := e.personal[flow]; dup {
		panic("flows: personal data registered twice: " + flow)
	}
	e.personal[flow] = pd
}

const flowMyData = "mydata"

// registerMyData adds /mydata and /deletemydata.
func registerMyData(e *Engine) {
	e.command(Command{Name: "mydata", Help: "cmd.mydata", Run: exportMyData})
	e.command(Command{Name: "deletemydata", Help: "cmd.deletemydata", Run: func(t *Turn) error {
		t.StartFlow(flowMyData, "confirm")
		t.Say("mydata.confirm_delete", nil, []Button{
			t.Button(t.T("mydata.delete_yes", nil), "delete", ""),
			t.Button(t.T("mydata.delete_no", nil), "keep", ""),
		})
		return nil
	}})
	e.buttons[flowMyData] = func(t *Turn) error {
		switch t.Callback.Action {
		case "delete":
			if err := t.e.EraseUser(t.ctx, t.Event.From.ID); err != nil {
				return err
			}
			t.forget = true
			t.Session.Reset()
			t.Say("mydata.deleted", nil)
		case "keep":
			t.Session.Reset()
			t.Say("mydata.kept", nil)
		default:
			t.Notice("error.bad_button")
		}
		return nil
	}
	e.steps[flowMyData] = func(t *Turn) error {
		t.Say("mydata.use_buttons", nil)
		return nil
	}
}

// exportMyData sends the user a JSON document of everything the bot
// holds about them.
func exportMyData(t *Turn) error {
	doc, err := t.e.ExportUser(t.ctx, t.Event.From.ID)
	if err != nil {
		return err
	}
	buf, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return fmt.Errorf("encode personal data: %w", err)
	}
	t.Send(Message{ChatID: t.Event.ChatID, Text: t.T("mydata.export", nil),
		File: &Attachment{FileName: "mydata.json", Content: buf}})
	return nil
}

// ExportUser gathers what every flow holds about userID, keyed by flow.
func (e *Engine) ExportUser(ctx context.Context, userID int64) (map[string]any, error) {
	doc := make(map[string]any)
	p, err := e.Profile(ctx, userID)
	if err != nil {
		return nil, err
	}
	doc["profile"] = p
	roles, err := e.rolesOf(ctx, userID)
	if err != nil {
		return nil, err
	}
	if len(roles) > 0 {
		doc["roles"] = roles
	}
	for _, flow := range e.personalFlows() {
		v, err := e.personal[flow].Export(ctx, userID)
		if err != nil {
			return nil, fmt.Errorf("export %s data of %d: %w", flow, userID, err)
		}
		if v != nil {
			doc[flow] = v
		}
	}
	ms, err := e.exportMentorships(ctx, userID)
	if err != nil {
		return nil, fmt.Errorf("export mentorships of %d: %w", userID, err)
	}
	if ms != nil {
		doc["mentorship"] = ms
	}
	return doc, nil
}

// EraseUser removes what every flow holds about userID, then leaves
// only an anonymous record of their mentorships (last, since flows find
// their records through them), then removes the profile, the private
// chat's session and any role.
func (e *Engine) EraseUser(ctx context.Context, userID int64) error {
	for _, flow := range e.personalFlows() {
		if err := e.personal[flow].Erase(ctx, userID); err != nil {
			return fmt.Errorf("erase %s data of %d: %w", flow, userID, err)
		}
	}
	if err := e.eraseMentorships(ctx, userID); err != nil {
		return err
	}
	id := strconv.FormatInt(userID, 10)
	for _, r := range []Role{RoleStaff, RoleMentor, RoleCommittee} {
		if err := e.store.RemoveFromSet(ctx, roleSet(r), id); err != nil {
			return fmt.Errorf("erase role %s of %d: %w", r, userID, err)
		}
	}
	if err := e.store.Delete(ctx, profileKey(userID)); err != nil {
		return fmt.Errorf("erase profile %d: %w", userID, err)
	}
	return nil
}

func (e *Engine) rolesOf(ctx context.Context, userID int64) ([]Role, error) {
	var out []Role
	for _, r := range []Role{RoleStaff, RoleMentor} {
		ok, err := e.HasRole(ctx, userID, userID, r)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, r)
		}
	}
	members, err := e.store.Members(ctx, roleSet(RoleCommittee))
	if err != nil {
		return nil, fmt.Errorf("load role %s: %w", RoleCommittee, err)
	}
	if slices.Contains(members, strconv.FormatInt(userID, 10)) {
		out = append(out, RoleCommittee)
	}
	return out, nil
}

func (e *Engine) personalFlows() []string {
	names := make([]string, 0, len(e.personal))
	for name := range e.personal {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}
