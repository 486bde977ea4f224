package flows

import (
	"bytes"
	"context"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/mentorbot/mentorbot/flows/records"
)

// exportCommand runs the export named by /export's argument, as
// registered with onArgument("export", name, h) by the flow that offers
// it (applications, questionnaire answers).
func exportCommand(t *Turn) error {
	name, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(t.Event.Args)), " ")
	if h, ok := t.e.arguments[argument{"export", name}]; ok {
		return h(t)
	}
	t.Say("export.usage", map[string]any{"Names": strings.Join(t.e.argumentNames("export"), ", ")})
	return nil
}

// csvDocument encodes rows as a CSV file (csvSheet), for the exports
// small enough to build in a turn.
func csvDocument(rows [][]string) ([]byte, error) {
	var buf bytes.Buffer
	s, err := newSheet("csv", &buf)
	if err != nil {
		return nil, err
	}
	for _, row := range rows {
		if err := s.Write(row); err != nil {
			return nil, err
		}
	}
	if err := s.Close(); err != nil {
		return nil, err
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

// exportBatch is how many applications an export reads at a time: its
// memory is one batch, whatever the number of applications.
const exportBatch = 500

// exportApplications starts the export of every submitted application
// of an edition (the current one unless named, "/export applications
// 2025/26"), as CSV or, with "xlsx", as a spreadsheet: a job, so the
// chat's worker is free at once and the file streams from batched
// reads.
func exportApplications(t *Turn) error {
	format, edition := "csv", t.Program().Edition
	for _, f := range strings.Fields(t.Event.Args)[1:] {
		switch lf := strings.ToLower(f); {
		case lf == "csv" || lf == "xlsx":
			format = lf
		case ValidEdition(f):
			edition = f
		default:
			t.Say("export.usage", map[string]any{"Names": strings.Join(t.e.argumentNames("export"), ", ")})
			return nil
		}
	}
	n, err := t.rec.CountApplications(t.ctx, records.AppFilter{Edition: edition})
	if err != nil {
		return err
	}
	if n == 0 {
		t.Say("export.none", map[string]any{"Edition": edition})
		return nil
	}
	if err := audit(t, "export.applications", 0, "applications "+edition); err != nil {
		return err
	}
	return t.StartJob(jobExportApplications, format+" "+edition)
}

const jobExportApplications = "export.applications"

// applicationColumns are the export's columns, in order.
var applicationColumns = []string{"ref", "edition", "state", "published", "submitted_at", "user_id", "first_name", "last_name", "username",
	"degree", "year", "project_id", "project_title", "language", "level",
	"cv_it", "cv_foreign", "letter_it", "letter_foreign", "certificate", "note", "reason", "mentor_id"}

// runApplicationsExport writes the submitted applications of an edition
// to w, a batch at a time, as j.Job.Args says: "csv 2026/27" or "xlsx
// 2026/27" (a job queued by an older mentorbot has no edition: the
// current one).
func runApplicationsExport(ctx context.Context, j *JobRun, w io.Writer) (JobResult, error) {
	rec := j.e.rec
	format, edition, _ := strings.Cut(j.Job.Args, " ")
	filter := records.AppFilter{Edition: edition}
	total, err := rec.CountApplications(ctx, filter)
	if err != nil {
		return JobResult{}, err
	}
	sheet, err := newSheet(format, w)
	if err != nil {
		return JobResult{}, err
	}
	if err := sheet.Write(applicationColumns); err != nil {
		return JobResult{}, err
	}
	done := 0
	err = rec.EachApplication(ctx, filter, exportBatch, func(apps []records.Application) error {
		rows, err := applicationRows(ctx, j.e, apps)
		if err != nil {
			return err
		}
		for _, row := range rows {
			if err := sheet.Write(row); err != nil {
				return err
			}
		}
		done += len(apps)
		j.Progress(done, total)
		return ctx.Err()
	})
	if err != nil {
		return JobResult{}, err
	}
	if err := sheet.Close(); err != nil {
		return JobResult{}, err
	}
	if edition == "" {
		edition = j.e.program.Edition
	}
	name := "applications-" + strings.NewReplacer("/", "-", ".", "-").Replace(edition) + "-" +
		j.e.now().In(j.e.program.Location()).Format("2006-01-02") + "." + format
	return JobResult{FileName: name, Text: j.Plural("export.applications", done, nil), TextID: "export.applications"}, nil
}

// applicationRows renders apps as export rows, with their applicants'
// profiles read in one round trip.
func applicationRows(ctx context.Context, e *Engine, apps []records.Application) ([][]string, error) {
	byID, err := e.rec.ProfilesByID(ctx, applicantIDs(apps))
	if err != nil {
		return nil, err
	}
	rows := make([][]string, 0, len(apps))
	for _, a := range apps {
		p := byID[a.UserID]
		pr, _ := e.program.Project(a.ProjectID)
		row := []string{a.Ref, a.Edition, string(a.State), strconv.FormatBool(a.Published), a.SubmittedAt.Format("2006-01-02T15:04:05Z07:00"),
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
	return rows, nil
}
