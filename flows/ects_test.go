package flows_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/mentorbot/mentorbot/flows"
	"github.com/mentorbot/mentorbot/flows/records"
)

func TestParseAcademicYear(t *testing.T) {
	for _, c := range []struct {
		in   string
		want string
		ok   bool
	}{
		{"2026/2027", "2026/2027", true},
		{" 2026 - 2027 ", "2026/2027", true},
		{"2026-27", "2026/2027", true},
		{"2026/27", "2026/2027", true},
		{"2099/00", "2099/2100", true},
		{"2026/2028", "", false},
		{"2027/2026", "", false},
		{"2026", "", false},
		{"26/27", "", false},
		{"1990/1991", "", false},
		{"duemilaventisei", "", false},
	} {
		got, ok := flows.ParseAcademicYear(c.in)
		if got != c.want || ok != c.ok {
			t.Errorf("ParseAcademicYear(%q) = %q, %v; want %q, %v", c.in, got, ok, c.want, c.ok)
		}
	}
}

func TestParseCredits(t *testing.T) {
	for _, c := range []struct {
		in   string
		want int
		ok   bool
	}{
		{"1", 1, true}, {" 30 ", 30, true}, {"6", 6, true},
		{"0", 0, false}, {"31", 0, false}, {"-3", 0, false}, {"3.5", 0, false}, {"tre", 0, false}, {"", 0, false},
	} {
		got, ok := flows.ParseCredits(c.in)
		if got != c.want || ok != c.ok {
			t.Errorf("ParseCredits(%q) = %d, %v; want %d, %v", c.in, got, ok, c.want, c.ok)
		}
	}
}

func TestParseStudentNumber(t *testing.T) {
	for _, c := range []struct {
		in   string
		want string
		ok   bool
	}{
		{"123456", "123456", true}, {"123 456", "123456", true}, {"000123", "000123", true},
		{"12", "12", false}, {"12a456", "12a456", false}, {"1234567890123", "1234567890123", false}, {"", "", false},
	} {
		got, ok := flows.ParseStudentNumber(c.in)
		if got != c.want || ok != c.ok {
			t.Errorf("ParseStudentNumber(%q) = %q, %v; want %q, %v", c.in, got, ok, c.want, c.ok)
		}
	}
}

func TestECTSFormWithDiary(t *testing.T) {
	h := newHarness(t)
	h.mentorship(2)
	h.writeDiary(menteeAyse, "1", "1 febbraio", "Città e università", "Molto", "Altro")

	r := h.command(menteeAyse, "ects", "")
	wantText(t, r, menteeAyse.ID, h.program.ECTS["it"]) // the programme's text
	wantSaid(t, r, menteeAyse.ID, "ects.recognised")
	r = h.pressAction(menteeAyse, r, "yes", "")
	wantSaid(t, r, menteeAyse.ID, "ects.q.name")
	if b, ok := buttonFor(r, menteeAyse.ID, "usename", ""); !ok || b.Text != h.rendered("it", "ects.button.use", map[string]any{"Value": "Ayşe Yılmaz"}) {
		t.Fatalf("no button offering the name Ayşe Yılmaz:%s", dump(r))
	}
	r = h.pressAction(menteeAyse, r, "usename", "")
	wantSaid(t, r, menteeAyse.ID, "ects.q.number")

	textData := map[string]any{"Max": 200}
	for _, step := range []struct {
		bad, want string
		data      map[string]any // values the refusal names
		good      string
	}{
		{"12a456", "ects.bad.number", nil, "123 456"},
		{"!", "ects.bad.text", textData, "Scienze dell'educazione"},
		{"?", "ects.bad.text", textData, ""}, // the university comes from a button
		{"2026/2028", "ects.bad.year", nil, "2026-27"},
	} {
		refusal := h.text(menteeAyse, step.bad)
		wantSaid(t, refusal, menteeAyse.ID, step.want)
		if step.data != nil {
			h.wantRendered(t, refusal, menteeAyse.ID, "it", step.want, step.data)
		}
		if step.good == "" {
			r = h.pressAction(menteeAyse, r, "uni", "palermo")
			continue
		}
		r = h.text(menteeAyse, step.good)
	}
	for _, bad := range []string{"30", "4", "0", "3.5", "tre"} { // the programme grants up to 3
		refusal := h.text(menteeAyse, bad)
		wantSaid(t, refusal, menteeAyse.ID, "ects.bad.credits")
		h.wantRendered(t, refusal, menteeAyse.ID, "it", "ects.bad.credits", map[string]any{"Min": 1, "Max": 3})
	}
	r = h.text(menteeAyse, "3")
	wantSaid(t, r, menteeAyse.ID, "ects.review")
	for _, f := range []struct{ label, value string }{
		{"name", "Ayşe Yılmaz"}, {"number", "123456"}, {"course", "Scienze dell'educazione"},
		{"university", "University of Palermo"}, {"year", "2026/2027"}, {"credits", "3"},
	} {
		wantText(t, r, menteeAyse.ID, h.rendered("it", "ects.label."+f.label, nil)+": "+f.value)
	}
	r = h.pressAction(menteeAyse, r, "confirm", "")

	var pdfs []flows.Message
	for _, m := range r.Messages {
		if m.File != nil {
			pdfs = append(pdfs, m)
		}
	}
	if len(pdfs) != 2 || pdfs[0].File.FileName != "ects-"+testMentorship+".pdf" || !strings.HasPrefix(pdfs[1].File.FileName, "diary-") {
		t.Fatalf("ECTS reply files = %v; want the form and one diary PDF:%s", pdfs, dump(r))
	}
	if want := h.renderedN("it", "ects.ready", 1, nil); pdfs[0].TextID != "ects.ready" || pdfs[0].Text != want {
		t.Errorf("form caption = %s (%q); want ects.ready counting one diary entry (%q)", pdfs[0].TextID, pdfs[0].Text, want)
	}
	wantInPDF(t, pdfText(t, pdfs[0].File.Content),
		h.rendered("it", "ects.pdf.title", nil), "Ayşe Yılmaz", "123456", "Scienze dell'educazione",
		"University of Palermo", "2026/2027", h.rendered("it", "ects.label.credits", nil)+" 3", "Дмитрий Иванов",
		h.rendered("it", "ects.pdf.meetings", nil)+" 2", h.rendered("it", "ects.pdf.diary", nil)+" 1", "25/01/2027 – 01/02/2027")
	wantInPDF(t, pdfText(t, pdfs[1].File.Content), "Città e università")
	wantSaid(t, r, menteeAyse.ID, "ects.missing")
	h.wantRendered(t, r, menteeAyse.ID, "it", "ects.missing", map[string]any{"Meetings": "2, 3, 4, 5, 6"})

	doc, err := h.engine.ExportUser(context.Background(), menteeAyse.ID)
	if err != nil {
		t.Fatal(err)
	}
	forms, _ := doc["ects"].([]records.ECTSForm)
	if len(forms) != 1 || forms[0].StudentNumber != "123456" || forms[0].Credits != 3 {
		t.Errorf("ExportUser[ects] = %+v; want the saved form", doc["ects"])
	}
	if err := h.engine.EraseUser(context.Background(), menteeAyse.ID); err != nil {
		t.Fatal(err)
	}
	if doc, _ := h.engine.ExportUser(context.Background(), menteeAyse.ID); doc["ects"] != nil {
		t.Errorf("ExportUser[ects] after erasure = %+v; want nothing", doc["ects"])
	}
}

func TestECTSRefusals(t *testing.T) {
	h := newHarness(t)
	h.mentorship(2)
	ctx := context.Background()

	wantSaid(t, h.command(stranger, "ects", ""), stranger.ID, "ects.none")
	wantSaid(t, h.command(mentorDima, "ects", ""), mentorDima.ID, "ects.none")

	r := h.command(menteeAyse, "ects", "")
	wantSaid(t, h.text(menteeAyse, "sì"), menteeAyse.ID, "ects.use_buttons")
	r = h.pressAction(menteeAyse, r, "no", "")
	wantSaid(t, r, menteeAyse.ID, "ects.not_recognised")
	if r := h.pressAction(menteeAyse, h.command(menteeAyse, "ects", ""), "yes", ""); !slices.Contains(saidTo(r, menteeAyse.ID), "ects.q.name") {
		t.Errorf("asking again after No: got%s; want the form", dump(r))
	}
	h.command(menteeAyse, "cancel", "")
	doc, err := h.engine.ExportUser(ctx, menteeAyse.ID)
	if err != nil {
		t.Fatal(err)
	}
	if doc["ects"] != nil {
		t.Errorf("ExportUser[ects] without a confirmed form = %+v; want nothing", doc["ects"])
	}
}

// TestECTSNeedsTheMeetingsHeld: with one of the two meetings the
// programme requires held, the credit form is refused with how many
// took place (an Italian plural), and nothing starts.
func TestECTSNeedsTheMeetingsHeld(t *testing.T) {
	h := newHarness(t)
	h.mentorship(1)
	r := h.command(menteeAyse, "ects", "")
	wantSaid(t, r, menteeAyse.ID, "ects.too_early")
	if want := h.renderedN("it", "ects.too_early", 1, map[string]any{"Min": 2}); textTo(r, menteeAyse.ID) != want {
		t.Errorf("refusal %q; want %q", textTo(r, menteeAyse.ID), want)
	}
	if _, ok := buttonFor(r, menteeAyse.ID, "yes", ""); ok {
		t.Errorf("the form started with one meeting held:%s", dump(r))
	}
}
