package flows

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"

	"github.com/mentorbot/mentorbot/flows/records"
)

// PersonalData is how one flow exports and erases what it keeps about
// a person, for /mydata and /deletemydata. Many of our users have a
// refugee or migration background; they must be able to see and remove
// what we hold.
type PersonalData struct {
	// Export returns what the flow holds about userID in db, ready for
	// JSON, or nil when it holds nothing.
	Export func(ctx context.Context, db *records.DB, userID int64) (any, error)
	// Erase removes it. Where the programme needs counts (applications
	// per project), the flow keeps an anonymous record instead.
	Erase func(ctx context.Context, db *records.DB, userID int64) error
}

// exportBy and eraseBy adapt records methods (receiver first, as
// method expressions give them) to PersonalData.
func exportBy(f func(*records.DB, context.Context, int64) (any, error)) func(context.Context, *records.DB, int64) (any, error) {
	return func(ctx context.Context, db *records.DB, userID int64) (any, error) { return f(db, ctx, userID) }
}

func eraseBy(f func(*records.DB, context.Context, int64) error) func(context.Context, *records.DB, int64) error {
	return func(ctx context.Context, db *records.DB, userID int64) error { return f(db, ctx, userID) }
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
	e.command(Command{Name: "mydata", Scope: InPrivate, Help: "cmd.mydata", Run: exportMyData})
	e.command(Command{Name: "deletemydata", Scope: InPrivate, Help: "cmd.deletemydata", Run: confirmDelete})
	e.onButton(flowMyData, records.RoleAnyone, InPrivate, deleteMyData)
	e.onStep(flowStep(flowMyData), func(t *Turn) error {
		t.Say("mydata.use_buttons", nil)
		return nil
	})
}

// confirmDelete asks whether to erase everything about the sender.
func confirmDelete(t *Turn) error {
	t.StartFlow(flowMyData, "confirm")
	t.Say("mydata.confirm_delete", nil, []Button{
		t.Button(t.T("mydata.delete_yes", nil), "delete", ""),
		t.Button(t.T("mydata.delete_no", nil), "keep", ""),
	})
	return nil
}

// deleteMyData erases the sender's data, or keeps it, as they chose.
func deleteMyData(t *Turn) error {
	switch t.Callback.Action {
	case "delete":
		// A staff member's own menu goes with their roles.
		menu, err := watchMenus(t, t.Event.From.ID)
		if err != nil {
			return err
		}
		if err := t.e.eraseUser(t.ctx, t.rec, t.Event.From.ID); err != nil {
			return err
		}
		if err := menu(); err != nil {
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

// exportMyData sends the user a JSON document of everything the bot
// holds about them.
func exportMyData(t *Turn) error {
	var sess *records.Session
	if t.Event.ChatID == t.Event.From.ID {
		sess = t.Session // the private chat's, as this turn sees it
	}
	doc, err := t.e.exportUser(t.ctx, t.rec, t.Event.From.ID, sess)
	if err != nil {
		return err
	}
	buf, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return fmt.Errorf("encode personal data: %w", err)
	}
	t.Send(Message{ChatID: t.Event.ChatID, Text: t.T("mydata.export", nil), TextID: "mydata.export",
		File: &Attachment{FileName: "mydata.json", Content: buf}})
	return nil
}

// ExportUser gathers what the bot holds about userID: the profile, the
// conversation in progress in their private chat ("session"), the
// roles they hold ("roles") and joined with ("people"), what every flow
// keeps, keyed by flow, and their mentorships ("mentorship"). It holds
// their own data only: other people appear by their part (records.Party),
// never by id or name.
func (e *Engine) ExportUser(ctx context.Context, userID int64) (map[string]any, error) {
	return e.exportUser(ctx, e.rec, userID, nil)
}

// exportUser is ExportUser reading db, a turn's view when in a turn,
// with sess as the private chat's session (loaded when nil).
func (e *Engine) exportUser(ctx context.Context, db *records.DB, userID int64, sess *records.Session) (map[string]any, error) {
	doc := make(map[string]any)
	p, err := db.Profile(ctx, userID)
	if err != nil {
		return nil, err
	}
	doc["profile"] = p
	if sess == nil {
		s, err := e.rec.Session(ctx, userID)
		if err != nil {
			return nil, err
		}
		sess = &s
	}
	if v := records.ExportSession(*sess); v != nil {
		doc["session"] = v
	}
	r := roster{rec: db, program: e.program}
	roles, err := r.held(ctx, userID)
	if err != nil {
		return nil, err
	}
	if len(roles) > 0 {
		doc["roles"] = roles
	}
	exports := map[string]func(context.Context, *records.DB, int64) (any, error){
		flowPeople:   func(ctx context.Context, _ *records.DB, userID int64) (any, error) { return r.export(ctx, userID) },
		"mentorship": exportBy((*records.DB).ExportMentorships),
	}
	for _, flow := range sortedKeys(e.personal) {
		exports[flow] = e.personal[flow].Export
	}
	for _, name := range sortedKeys(exports) {
		v, err := exports[name](ctx, db, userID)
		if err != nil {
			return nil, fmt.Errorf("export %s data of %d: %w", name, userID, err)
		}
		if v != nil {
			doc[name] = v
		}
	}
	return doc, nil
}

// EraseUser removes what every flow holds about userID, then leaves
// only an anonymous record of their mentorships (after the flows, since
// they find their records through them), takes every role they joined
// with, puts records.ErasedUser for them where other people's records
// name them, and removes their private chat's session, the messages
// waiting for them and the profile. One records.Tombstone, naming
// nobody, records that an erasure happened. Everything is written at
// once: in a turn with the turn's commit.
func (e *Engine) EraseUser(ctx context.Context, userID int64) error {
	tx := e.rec.Begin()
	if err := e.eraseUser(ctx, tx.DB, userID); err != nil {
		return err
	}
	return tx.Commit(ctx, nil, nil, 0)
}

// eraseUser is EraseUser writing to db, a turn's view when in a turn.
func (e *Engine) eraseUser(ctx context.Context, db *records.DB, userID int64) error {
	for _, flow := range sortedKeys(e.personal) {
		if err := e.personal[flow].Erase(ctx, db, userID); err != nil {
			return fmt.Errorf("erase %s data of %d: %w", flow, userID, err)
		}
	}
	if err := db.EraseMentorships(ctx, userID); err != nil {
		return fmt.Errorf("erase mentorships of %d: %w", userID, err)
	}
	if err := (roster{rec: db, program: e.program}).erase(ctx, userID); err != nil {
		return fmt.Errorf("erase roles of %d: %w", userID, err)
	}
	unis := make([]string, len(e.program.Universities))
	for i, u := range e.program.Universities {
		unis[i] = u.ID
	}
	if err := db.EraseReferences(ctx, userID, unis); err != nil {
		return fmt.Errorf("erase references to %d: %w", userID, err)
	}
	if err := db.EraseAudit(ctx, userID); err != nil {
		return fmt.Errorf("erase %d from the audit log: %w", userID, err)
	}
	return db.EraseUserRecords(ctx, userID)
}

// sortedKeys returns the keys of m in order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
