package flows_test

import (
	"context"
	"github.com/mentorbot/mentorbot/flows/records"
	"strings"
	"testing"

	"github.com/mentorbot/mentorbot/flows"
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
	wantText(t, r, menteeAyse.ID, "fino a 3 CFU") // the programme's text
	wantText(t, r, menteeAyse.ID, "riconosce questa esperienza")
	r = h.press(menteeAyse, r, "Sì")
	wantText(t, r, menteeAyse.ID, "nome completo")
	r = h.press(menteeAyse, r, "Usa Ayşe Yılmaz")
	wantText(t, r, menteeAyse.ID, "matricola")

	for _, step := range []struct{ bad, want, good string }{
		{"12a456", "solo cifre", "123 456"},
		{"!", "da 2 a 200", "Scienze dell'educazione"},
		{"?", "da 2 a 200", ""}, // the university comes from a button
		{"2026/2028", "due anni consecutivi", "2026-27"},
	} {
		wantText(t, h.text(menteeAyse, step.bad), menteeAyse.ID, step.want)
		if step.good == "" {
			r = h.press(menteeAyse, r, "University of Palermo")
			continue
		}
		r = h.text(menteeAyse, step.good)
	}
	for _, bad := range []string{"31", "0", "3.5", "tre"} {
		wantText(t, h.text(menteeAyse, bad), menteeAyse.ID, "da 1 a 30")
	}
	r = h.text(menteeAyse, "3")
	for _, want := range []string{"Ayşe Yılmaz", "Matricola: 123456", "University of Palermo", "2026/2027", "Crediti richiesti: 3"} {
		wantText(t, r, menteeAyse.ID, want)
	}
	r = h.press(menteeAyse, r, "Conferma")

	var pdfs []flows.Message
	for _, m := range r.Messages {
		if m.File != nil {
			pdfs = append(pdfs, m)
		}
	}
	if len(pdfs) != 2 || pdfs[0].File.FileName != "ects-"+testMentorship+".pdf" || !strings.HasPrefix(pdfs[1].File.FileName, "diary-") {
		t.Fatalf("ECTS reply files = %v; want the form and one diary PDF:%s", pdfs, dump(r))
	}
	if !strings.Contains(pdfs[0].Text, "1 voce di diario") {
		t.Errorf("form caption = %q; want it to count one diary entry", pdfs[0].Text)
	}
	wantInPDF(t, pdfText(t, pdfs[0].File.Content),
		"Richiesta di riconoscimento", "Ayşe Yılmaz", "123456", "Scienze dell'educazione",
		"University of Palermo", "2026/2027", "Crediti richiesti 3", "Дмитрий Иванов",
		"Incontri svolti 2", "Voci di diario allegate 1", "2027-01-25 – 2027-02-01")
	wantInPDF(t, pdfText(t, pdfs[1].File.Content), "Città e università")
	wantText(t, r, menteeAyse.ID, "incontri 2, 3, 4, 5, 6")

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
	h.mentorship(1)
	ctx := context.Background()

	wantText(t, h.command(stranger, "ects", ""), stranger.ID, "you have none")
	wantText(t, h.command(mentorDima, "ects", ""), mentorDima.ID, "you have none")

	r := h.command(menteeAyse, "ects", "")
	wantText(t, h.text(menteeAyse, "sì"), menteeAyse.ID, "pulsanti")
	r = h.press(menteeAyse, r, "No")
	wantText(t, r, menteeAyse.ID, "non c'è nulla da fare")
	if r := h.press(menteeAyse, h.command(menteeAyse, "ects", ""), "Sì"); !strings.Contains(textTo(r, menteeAyse.ID), "nome completo") {
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
