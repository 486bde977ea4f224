package flows

import (
	"strconv"
	"strings"
	"time"

	"github.com/mentorbot/mentorbot/flows/records"
)

// flowAudit names the audit log's paging buttons.
const flowAudit = "audit"

// auditPageSize is how many entries /audit shows at once, well within
// Telegram's 4096 characters.
const auditPageSize = 10

// registerAudit adds /audit, the staff view of the audit log, and
// "/export audit", the whole log as CSV.
func registerAudit(e *Engine) {
	e.command(Command{Name: "audit", Role: records.RoleStaff, Scope: InPrivate, Help: "audit.cmd", Run: auditCommand})
	e.onArgument("export", "audit", exportAudit)
	e.onButton(flowAudit, records.RoleStaff, InPrivate, auditButton)
	// A page's buttons outlive the turn that sent them: they only read.
	e.onLasting(flowAudit, records.RoleStaff, InPrivate, auditButton, "page")
}

// audit appends to the audit log that the sender took action on
// target (0: nobody in particular) about subject. It is written with
// the turn, so an action and its entry are committed together.
func audit(t *Turn, action string, target int64, subject string) error {
	return t.rec.AppendAudit(t.ctx, records.AuditEntry{Actor: t.Event.From.ID, Action: action, Target: target, Subject: subject})
}

func auditCommand(t *Turn) error { return auditPage(t, 0) }

// auditButton pages through the log: Arg is the entry number the page
// ends below (0: the latest).
func auditButton(t *Turn) error {
	before, err := strconv.ParseInt(t.Callback.Arg, 10, 64)
	if err != nil || before < 0 {
		t.Notice("error.bad_button")
		return nil
	}
	return auditPage(t, before)
}

// auditPage shows staff auditPageSize entries below before, newest
// first, with a button to the older ones and one back to the latest.
func auditPage(t *Turn, before int64) error {
	entries, older, err := t.rec.AuditPage(t.ctx, before, auditPageSize)
	if err != nil {
		return err
	}
	if len(entries) == 0 {
		t.Say("audit.empty", nil)
		return nil
	}
	lines := make([]string, 0, len(entries)+1)
	lines = append(lines, t.T("audit.title", map[string]any{"From": entries[len(entries)-1].N, "To": entries[0].N}))
	for _, e := range entries {
		line, err := auditLine(t, e)
		if err != nil {
			return err
		}
		lines = append(lines, line)
	}
	var row []Button
	if older > 0 {
		row = append(row, t.LastingButton(t.T("audit.button.older", nil), flowAudit, "page", strconv.FormatInt(older, 10)))
	}
	if before > 0 {
		row = append(row, t.LastingButton(t.T("audit.button.latest", nil), flowAudit, "page", "0"))
	}
	var rows [][]Button
	if len(row) > 0 {
		rows = append(rows, row)
	}
	t.Send(Message{ChatID: t.Event.ChatID, Text: strings.Join(lines, "\n"), TextID: "audit.title", Buttons: rows})
	return nil
}

// auditLine is one entry as staff read it: when, who, what, to whom.
func auditLine(t *Turn, e records.AuditEntry) (string, error) {
	actor, err := auditPerson(t, e.Actor)
	if err != nil {
		return "", err
	}
	target := ""
	if e.Target != 0 {
		if target, err = auditPerson(t, e.Target); err != nil {
			return "", err
		}
	}
	return t.T("audit.line", map[string]any{
		"N": e.N, "At": t.dates().dateTime(e.At),
		"Actor": actor, "Action": e.Action, "Target": target, "Subject": e.Subject,
	}), nil
}

// auditPerson names a person of the log: name and id, or "deleted
// user" once they erased their data.
func auditPerson(t *Turn, id int64) (string, error) {
	if id == records.ErasedUser {
		return t.T(msgDeletedUser, nil), nil
	}
	name, err := personName(t, t.Lang(), id)
	if err != nil {
		return "", err
	}
	return name + " (" + strconv.FormatInt(id, 10) + ")", nil
}

// exportAudit sends staff the whole audit log as CSV, and notes the
// export itself in the log.
func exportAudit(t *Turn) error {
	rows := [][]string{{"n", "at", "actor_id", "action", "target_id", "subject"}}
	n := 0
	err := t.rec.EachAudit(t.ctx, func(batch []records.AuditEntry) error {
		for _, e := range batch {
			rows = append(rows, []string{strconv.FormatInt(e.N, 10), e.At.Format(time.RFC3339),
				auditID(e.Actor), e.Action, auditID(e.Target), e.Subject})
			n++
		}
		return nil
	})
	if err != nil {
		return err
	}
	buf, err := csvDocument(rows)
	if err != nil {
		return err
	}
	if err := audit(t, "export.audit", 0, "audit"); err != nil {
		return err
	}
	name := "audit-" + t.Now().In(t.Program().Location()).Format("2006-01-02") + ".csv"
	t.Send(Message{ChatID: t.Event.ChatID, Text: t.Plural("audit.exported", n, nil), TextID: "audit.exported",
		File: &Attachment{FileName: name, Content: buf}})
	return nil
}

// auditID is a person's id in the exported log: empty for nobody,
// "deleted" for an erased person.
func auditID(id int64) string {
	switch id {
	case 0:
		return ""
	case records.ErasedUser:
		return "deleted"
	}
	return strconv.FormatInt(id, 10)
}
