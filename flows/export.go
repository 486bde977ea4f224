package flows

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// exportPrefix marks the exports among e.steps: "/export NAME" runs the
// handler registered as "export:NAME", the way /start payloads find
// theirs under "start:". No session ever has such a flow name.
const exportPrefix = "export:"

// registerExport makes "/export name" run h, for staff. A flow that
// offers a CSV (applications, questionnaire answers) registers it from
// its registerX function.
func (e *Engine) registerExport(name string, h Handler) {
	if _, dup := e.steps[exportPrefix+name]; dup {
		panic("flows: export registered twice: " + name)
	}
	e.steps[exportPrefix+name] = h
}

// exportNames lists the registered exports, sorted.
func (e *Engine) exportNames() []string {
	var names []string
	for k := range e.steps {
		if name, ok := strings.CutPrefix(k, exportPrefix); ok {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	return names
}

// exportCommand dispatches /export on its argument.
func exportCommand(t *Turn) error {
	name := strings.ToLower(strings.TrimSpace(t.Event.Args))
	if h, ok := t.e.steps[exportPrefix+name]; ok && name != "" {
		return h(t)
	}
	t.Say("export.usage", map[string]any{"Names": strings.Join(t.e.exportNames(), ", ")})
	return nil
}

// csvDocument encodes rows as a CSV file. Cells that a spreadsheet
// would take for a formula are quoted with a leading apostrophe, since
// names and notes come from users.
func csvDocument(rows [][]string) ([]byte, error) {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	for _, row := range rows {
		safe := make([]string, len(row))
		for i, cell := range row {
			if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
				cell = "'" + cell
			}
			safe[i] = cell
		}
		if err := w.Write(safe); err != nil {
			return nil, fmt.Errorf("write csv: %w", err)
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return nil, fmt.Errorf("write csv: %w", err)
	}
	return buf.Bytes(), nil
}

// exportApplications sends staff every submitted application as CSV.
func exportApplications(t *Turn) error {
	apps, err := t.e.Applications(t.ctx)
	if err != nil {
		return err
	}
	rows := [][]string{{"ref", "state", "published", "submitted_at", "user_id", "first_name", "last_name", "username",
		"degree", "year", "project_id", "project_title", "language", "level",
		"cv_it", "cv_foreign", "letter_it", "letter_foreign", "certificate", "note", "reason", "mentor_id"}}
	for _, a := range apps {
		var p Profile
		if a.UserID != 0 {
			if p, err = t.e.Profile(t.ctx, a.UserID); err != nil {
				return err
			}
		}
		pr, _ := t.Program().Project(a.ProjectID)
		row := []string{a.Ref, string(a.State), strconv.FormatBool(a.Published), a.SubmittedAt.Format("2006-01-02T15:04:05Z07:00"),
			strconv.FormatInt(a.UserID, 10), p.FirstName, p.LastName, p.Username,
			a.Degree, strconv.Itoa(a.Year), a.ProjectID, pr.Title, a.Language, a.Level}
		for _, k := range documentKinds {
			row = append(row, a.Documents[k].FileName)
		}
		mentor := ""
		if a.MentorID != 0 {
			mentor = strconv.FormatInt(a.MentorID, 10)
		}
		rows = append(rows, append(row, a.Note, a.Reason, mentor))
	}
	buf, err := csvDocument(rows)
	if err != nil {
		return err
	}
	name := "applications-" + t.Now().In(t.Program().Location()).Format("2006-01-02") + ".csv"
	t.Send(Message{ChatID: t.Event.ChatID, Text: t.Plural("export.applications", len(apps), nil),
		File: &Attachment{FileName: name, Content: buf}})
	return nil
}
