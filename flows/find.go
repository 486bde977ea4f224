package flows

import (
	"errors"
	"strconv"
	"strings"

	"github.com/mentorbot/mentorbot/flows/records"
)

// findLimit is how many matches /find shows.
const findLimit = 10

// registerFind adds /find <text> for staff: applications and people by
// reference number, name or @username, from the search index records
// keeps (records/find.go), not a scan.
func registerFind(e *Engine) {
	e.command(Command{Name: "find", Role: records.RoleStaff, Scope: InPrivate, Help: "find.cmd", Run: find})
}

// find shows the matches of /find's text, each with a button opening
// the application when there is one.
func find(t *Turn) error {
	query := strings.TrimSpace(t.Event.Args)
	if query == "" {
		t.Say("find.usage", nil)
		return nil
	}
	hits, err := t.rec.Find(t.ctx, query, findLimit)
	if err != nil {
		return err
	}
	if len(hits) == 0 {
		t.Say("find.none", map[string]any{"Query": query})
		return nil
	}
	var lines []string
	var rows [][]Button
	for _, h := range hits {
		line, a, err := findLine(t, h)
		if err != nil {
			return err
		}
		lines = append(lines, "• "+line)
		if a.Ref != "" {
			label := a.Ref + " · " + t.T("review.state."+string(a.ListState()), nil)
			rows = append(rows, []Button{t.LastingButton(label, flowReview, "open", a.Ref)})
		}
	}
	text := t.Plural("find.found", len(hits), map[string]any{"Query": query}) + "\n" + strings.Join(lines, "\n")
	sayBuilt(t, "find.found", text, rows...)
	return nil
}

// findLine renders a match: the person (name, @username, id) with their
// application, or an application with its applicant.
func findLine(t *Turn, h records.FindHit) (string, records.Application, error) {
	var a records.Application
	var err error
	userID := h.UserID
	if h.Ref != "" {
		if a, err = t.rec.Application(t.ctx, h.Ref); err != nil {
			return "", a, err
		}
		userID = a.UserID
	} else if a, err = t.rec.ApplicationOf(t.ctx, userID); errors.Is(err, records.ErrNotFound) || a.State == records.AppDraft {
		a, err = records.Application{}, nil
	}
	if err != nil {
		return "", a, err
	}
	who := t.T("review.erased", nil)
	if userID != 0 {
		p, err := t.rec.Profile(t.ctx, userID)
		if err != nil {
			return "", a, err
		}
		who = personLine(t, p) + " · id " + strconv.FormatInt(userID, 10)
	}
	if a.Ref == "" {
		return who, a, nil
	}
	return who + " · " + a.Ref, a, nil
}
