package flows_test

import (
	"strings"
	"testing"

	"github.com/mentorbot/mentorbot/flows"
)

// openButtons returns the applications r offers to open.
func openButtons(r flows.Reply) []string {
	var refs []string
	for _, m := range r.Messages {
		for _, row := range m.Buttons {
			for _, b := range row {
				if cb, err := flows.DecodeCallback(b.Data); err == nil && cb.Action == "open" {
					refs = append(refs, cb.Arg)
				}
			}
		}
	}
	return refs
}

// TestFindByRefNameAndUsername: /find finds an application by its
// reference number (whole or its number), its applicant by first or
// last name without accents or by @username, and a person without an
// application; once the person is erased their names find nothing.
func TestFindByRefNameAndUsername(t *testing.T) {
	h := newHarness(t)
	jose := flows.User{ID: studentB, FirstName: "José", LastName: "Müller", Username: "jmu", LanguageCode: "en"}
	refAda := h.submit(ada)
	refJose := h.submit(jose)
	olga := flows.User{ID: 300000099, FirstName: "Olga", LastName: "Kovalenko", LanguageCode: "en"}
	h.command(olga, "start", "")

	number := refJose[strings.LastIndexByte(refJose, '-')+1:]
	for _, c := range []struct {
		query string
		refs  []string
		said  string
	}{
		{refAda, []string{refAda}, "find.found"},
		{strings.ToLower(refJose), []string{refJose}, "find.found"},
		{strings.TrimLeft(number, "0"), []string{refJose}, "find.found"},
		{"ada", []string{refAda}, "find.found"},
		{"@ADA", []string{refAda}, "find.found"},
		{"jose", []string{refJose}, "find.found"},
		{"muller", []string{refJose}, "find.found"},
		{"jos mül", []string{refJose}, "find.found"},
		{"jos ada", nil, "find.none"},
		{"kovalenko", nil, "find.found"},
		{"zzz", nil, "find.none"},
	} {
		r := h.command(staff, "find", c.query)
		wantSaid(t, r, staffID, c.said)
		if got := openButtons(r); strings.Join(got, ",") != strings.Join(c.refs, ",") {
			t.Errorf("/find %s offers %v; want %v", c.query, got, c.refs)
		}
	}
	wantSaid(t, h.command(staff, "find", ""), staffID, "find.usage")

	h.pressAction(jose, h.command(jose, "deletemydata", ""), "delete", "")
	for _, q := range []string{"jose", "muller", "jmu"} {
		wantSaid(t, h.command(staff, "find", q), staffID, "find.none")
	}
}
