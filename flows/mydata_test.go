package flows_test

import (
	"encoding/json"
	"testing"
)

func TestMyDataExportAndDelete(t *testing.T) {
	h := newHarness(t)
	u := user(studentA, "it")
	u.FirstName = "Şebnem"
	h.command(u, "start", "")

	r := h.command(u, "mydata", "")
	if len(r.Messages) != 1 || r.Messages[0].File == nil {
		t.Fatalf("/mydata = %s; want one JSON document", dump(r))
	}
	var doc map[string]map[string]any
	if err := json.Unmarshal(r.Messages[0].File.Content, &doc); err != nil {
		t.Fatalf("mydata.json: %v", err)
	}
	if got := doc["profile"]["first_name"]; got != "Şebnem" {
		t.Errorf("exported first_name = %v; want Şebnem", got)
	}

	r = h.command(u, "deletemydata", "")
	keep := h.pressAction(u, r, "keep", "")
	wantSaid(t, keep, studentA, "mydata.kept")
	if _, err := h.rec.Profile(t.Context(), studentA); err != nil {
		t.Fatal(err)
	}

	r = h.command(u, "deletemydata", "")
	r = h.pressAction(u, r, "delete", "")
	wantSaid(t, r, studentA, "mydata.deleted")
	p, err := h.rec.Profile(t.Context(), studentA)
	if err != nil {
		t.Fatal(err)
	}
	if p.FirstName != "" || p.Lang != "" || p.Started {
		t.Errorf("profile after deletion = %+v; want none", p)
	}
}
