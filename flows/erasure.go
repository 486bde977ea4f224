package flows

import (
	"strconv"
	"strings"

	"github.com/mentorbot/mentorbot/flows/records"
)

// flowErase is staff erasing a person's data on their request (one who
// asked by e-mail, or can no longer use Telegram).
const flowErase = "erase"

// registerErasure adds /erase <user id> for staff.
func registerErasure(e *Engine) {
	e.command(Command{Name: "erase", Role: records.RoleStaff, Scope: InPrivate, Help: "erase.cmd", Run: confirmErase})
	e.onButton(flowErase, records.RoleStaff, InPrivate, eraseButton)
	e.onStep(flowStep(flowErase), func(t *Turn) error {
		t.Say("mydata.use_buttons", nil)
		return nil
	})
}

// eraseState is the person the confirmation is about.
type eraseState struct {
	UserID int64 `json:"user_id"`
}

// confirmErase asks staff to confirm erasing the person named by id.
func confirmErase(t *Turn) error {
	id, err := strconv.ParseInt(strings.TrimSpace(t.Event.Args), 10, 64)
	switch {
	case err != nil || id <= 0:
		t.Say("erase.usage", nil)
		return nil
	case id == t.Event.From.ID:
		t.Say("erase.self", nil)
		return nil
	}
	name, err := personName(t, t.Lang(), id)
	if err != nil {
		return err
	}
	t.StartFlow(flowErase, "confirm")
	t.SaveState(eraseState{UserID: id})
	arg := strconv.FormatInt(id, 10)
	t.Say("erase.confirm", map[string]any{"Name": name, "ID": id}, []Button{
		t.Button(t.T("erase.yes", nil), "erase", arg),
		t.Button(t.T("erase.no", nil), "keep", arg),
	})
	return nil
}

// eraseButton erases the person, or does not, as staff chose. The
// audit log notes that staff erased someone, not whom: naming them
// would undo the erasure.
func eraseButton(t *Turn) error {
	var st eraseState
	if err := t.LoadState(&st); err != nil {
		return err
	}
	if st.UserID == 0 || t.Callback.Arg != strconv.FormatInt(st.UserID, 10) {
		t.Notice("error.stale_button")
		return nil
	}
	t.Session.Reset()
	switch t.Callback.Action {
	case "erase":
		menu, err := watchMenus(t, st.UserID)
		if err != nil {
			return err
		}
		if err := t.e.eraseUser(t.ctx, t.rec, st.UserID); err != nil {
			return err
		}
		if err := menu(); err != nil { // roles of the programme file stay
			return err
		}
		if err := audit(t, "privacy.erase", 0, ""); err != nil {
			return err
		}
		t.Say("erase.done", nil)
	default:
		t.Say("mydata.kept", nil)
	}
	return nil
}
