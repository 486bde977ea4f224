package flows

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/mentorbot/mentorbot/flows/records"
)

// exportCommand runs the export named by /export's argument, as
// registered with onArgument("export", name, h) by the flow that offers
// it (applications, questionnaire answers).
func exportCommand(t *Turn) error {
	name := strings.ToLower(strings.TrimSpace(t.Event.Args))
	if h, ok := t.e.arguments[argument{"export", name}]; ok {
		return h(t)
	}
	t.Say("export.usage", map[string]any{"Names": strings.Join(t.e.argumentNames("export"), ", ")})
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
			if formulaLike(cell) {
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

// formulaTriggers are the characters that make a spreadsheet read a
// cell as a formula or a command (the pipe is DDE in some), with their
// full-width forms, which some spreadsheets fold to the ASCII ones.
const formulaTriggers = "=+-@|＝＋－＠｜"

// formulaLike reports whether a spreadsheet could run cell: it starts
// with a control character such as a tab or a line break, or its first
// character after leading spaces is a formula trigger.
func formulaLike(cell string) bool {
	if cell == "" {
		return false
	}
	if r, _ := utf8.DecodeRuneInString(cell); r == '\t' || r == '\r' || r == '\n' {
		return true
	}
	rest := strings.TrimLeft(cell, " \t\r\n\u00a0\u3000")
	r, _ := utf8.DecodeRuneInString(rest)
	return rest != "" && strings.ContainsRune(formulaTriggers, r)
}

// exportApplications sends staff every submitted application as CSV.
func exportApplications(t *Turn) error {
	apps, err := t.rec.Applications(t.ctx)
	if err != nil {
		return err
	}
	rows := [][]string{{"ref", "state", "published", "submitted_at", "user_id", "first_name", "last_name", "username",
		"degree", "year", "project_id", "project_title", "language", "level",
		"cv_it", "cv_foreign", "letter_it", "letter_foreign", "certificate", "note", "reason", "mentor_id"}}
	for _, a := range apps {
		var p records.Profile
		if a.UserID != 0 {
			if p, err = t.rec.Profile(t.ctx, a.UserID); err != nil {
				return err
			}
		}
		pr, _ := t.Program().Project(a.ProjectID)
		row := []string{a.Ref, string(a.State), strconv.FormatBool(a.Published), a.SubmittedAt.Format("2006-01-02T15:04:05Z07:00"),
			strconv.FormatInt(a.UserID, 10), p.FirstName, p.LastName, p.Username,
			a.Degree, strconv.Itoa(a.Year), a.ProjectID, pr.Title, a.Language, a.Level}
		for _, k := range records.DocumentKinds {
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
	if err := audit(t, "export.applications", 0, "applications"); err != nil {
		return err
	}
	name := "applications-" + t.Now().In(t.Program().Location()).Format("2006-01-02") + ".csv"
	t.Send(Message{ChatID: t.Event.ChatID, Text: t.Plural("export.applications", len(apps), nil), TextID: "export.applications",
		File: &Attachment{FileName: name, Content: buf}})
	return nil
}
