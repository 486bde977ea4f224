package bot_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"strings"
	"testing"
	"time"

	"github.com/mentorbot/mentorbot/bot/bottest"
	"github.com/mentorbot/mentorbot/bot/telegramtest"
	"github.com/mentorbot/mentorbot/flows/pdfdoc/pdftext"
	"github.com/mentorbot/mentorbot/flows/records"
)

// People of the diary tests: a mentee and a mentor with names in
// Turkish and Cyrillic script, and the programme's staff member.
var (
	diaryMentee = telegramtest.User{ID: 300000011, FirstName: "Ayşe", LastName: "Yılmaz", Username: "ayse", LanguageCode: "it"}
	diaryMentor = telegramtest.User{ID: 200000001, FirstName: "Дмитрий", LastName: "Иванов", Username: "dima", LanguageCode: "en"}
	diaryStaff  = bottest.User(100000001, "Staff", "en")
	diaryOther  = bottest.User(300000012, "Bob", "en")
)

const diaryMentorship = "MIE-2027-0042"

// startMentorship saves a mentorship of diaryMentee with diaryMentor
// whose first held meetings are over, and has both start the bot.
func startMentorship(env *bottest.Env, held int) {
	env.TB.Helper()
	now := env.Clock.Now()
	m := records.Mentorship{ID: diaryMentorship, MenteeID: diaryMentee.ID, MentorID: diaryMentor.ID,
		ProjectID: "madrid-ai", CreatedAt: now.Add(-60 * 24 * time.Hour)}
	for n := 1; n <= env.Program.Meetings; n++ {
		start := now.Add(time.Duration(n-held)*7*24*time.Hour - time.Hour)
		m.Meetings = append(m.Meetings, records.Meeting{N: n, Start: start, Duration: time.Hour})
	}
	if err := env.Records.SaveMentorship(context.Background(), m); err != nil {
		env.TB.Fatal(err)
	}
	env.Command(diaryMentee, "start", "")
	env.Command(diaryMentor, "start", "")
}

// documentTo returns the document the bot sent chatID in r whose name
// ends in suffix.
func documentTo(tb testing.TB, r bottest.Result, chatID int64, suffix string) telegramtest.Message {
	tb.Helper()
	for _, m := range r.To(chatID) {
		if m.Document != nil && strings.HasSuffix(m.Document.FileName, suffix) {
			if !m.Document.Uploaded || len(m.Document.Content) == 0 {
				tb.Fatalf("document %q was not uploaded with its bytes", m.Document.FileName)
			}
			return m
		}
	}
	tb.Fatalf("no %s document to %d:%s", suffix, chatID, r)
	return telegramtest.Message{}
}

// pdfWords extracts the PDF's text without white space, which the
// layout may have moved.
func pdfWords(tb testing.TB, doc []byte) string {
	tb.Helper()
	text, err := pdftext.Extract(doc)
	if err != nil {
		tb.Fatalf("Extract: %v", err)
	}
	return strings.Join(strings.Fields(text), "")
}

func wantWords(tb testing.TB, text string, wants ...string) {
	tb.Helper()
	for _, w := range wants {
		if !strings.Contains(text, strings.Join(strings.Fields(w), "")) {
			tb.Errorf("PDF text lacks %q; got %q", w, text)
		}
	}
}

// fillECTSForm has diaryMentee fill in the credit form, in Italian, up
// to its last question: how many credits.
func fillECTSForm(env *bottest.Env) {
	env.TB.Helper()
	env.Command(diaryMentee, "ects", "")
	env.Press(diaryMentee, "Sì")
	env.Press(diaryMentee, "Usa Ayşe Yılmaz")
	env.Text(diaryMentee, "987654")
	env.Text(diaryMentee, "Relazioni internazionali")
	env.Press(diaryMentee, "University of Milano Bicocca")
	env.Text(diaryMentee, "2026/2027")
}

func TestDiaryE2EProducesPDF(t *testing.T) {
	env := bottest.Start(t)
	startMentorship(env, 1)

	r := env.Command(diaryMentee, "diary", "")
	bottest.WantText(t, r, diaryMentee.ID, "voce mancante")
	r = env.Press(diaryMentee, "Scrivi incontro 1")
	bottest.WantText(t, r, diaryMentee.ID, "Quando si è svolto")
	env.Text(diaryMentee, "Lunedì 1º febbraio")
	env.Press(diaryMentee, "Fatto")
	env.Text(diaryMentee, "Perché è così difficile? Abbiamo parlato di città e università.")
	env.Text(diaryMentee, "Nomi: Şükrü Öztürk, Ольга Петрова, فاطمة الزهراء, Ελένη.")
	env.Press(diaryMentee, "Fatto")
	env.Text(diaryMentee, "Ho imparato a leggere un articolo scientifico")
	env.Press(diaryMentee, "Fatto")
	env.Text(diaryMentee, "Scrivere un riassunto")
	r = env.Press(diaryMentee, "Fatto")

	doc := documentTo(t, r, diaryMentee.ID, ".pdf")
	if want := "diary-" + diaryMentorship + "-meeting-1.pdf"; doc.Document.FileName != want {
		t.Errorf("diary file name = %q; want %q", doc.Document.FileName, want)
	}
	text := pdfWords(t, doc.Document.Content)
	wantWords(t, text, "Diario di mentoring — incontro 1", env.Program.Name,
		"Ayşe Yılmaz", "Дмитрий Иванов", "Lunedì 1º febbraio",
		"Perché è così difficile? Abbiamo parlato di città e università.",
		"Nomi: Şükrü Öztürk, Ольга Петрова, فاطمة الزهراء, Ελένη.",
		"Ho imparato a leggere un articolo scientifico", "Scrivere un riassunto")

	// The mentor gets it too and comments; both get the new PDF.
	documentTo(t, r, diaryMentor.ID, ".pdf")
	r = env.Press(diaryMentor, "Comment on meeting 1")
	bottest.WantText(t, r, diaryMentor.ID, "Write your comment")
	r = env.Text(diaryMentor, "Molto bene, Ayşe — продолжай!")
	for _, who := range []int64{diaryMentor.ID, diaryMentee.ID} {
		wantWords(t, pdfWords(t, documentTo(t, r, who, ".pdf").Document.Content),
			"Molto bene, Ayşe — продолжай!", "Perché è così difficile?")
	}

	// The credit form comes with the diary, once the two meetings the
	// test programme asks for have taken place.
	env.Clock.Add(7 * 24 * time.Hour)
	fillECTSForm(env)
	env.Text(diaryMentee, "3")
	r = env.Press(diaryMentee, "Conferma")
	wantWords(t, pdfWords(t, documentTo(t, r, diaryMentee.ID, "ects-"+diaryMentorship+".pdf").Document.Content),
		"Ayşe Yılmaz", "987654", "Relazioni internazionali", "University of Milano Bicocca", "2026/2027")
	wantWords(t, pdfWords(t, documentTo(t, r, diaryMentee.ID, "meeting-1.pdf").Document.Content),
		"Molto bene, Ayşe — продолжай!")
}

func TestQuestionnaireE2EExportsCSV(t *testing.T) {
	env := bottest.Start(t)
	startMentorship(env, env.Program.Meetings)
	env.Command(diaryStaff, "start", "")

	env.Command(diaryMentee, "questionnaire", "")
	env.Press(diaryMentee, "5")
	env.Press(diaryMentee, "Forse")
	r := env.Text(diaryMentee, "Un'esperienza più che positiva, grazie!")
	bottest.WantText(t, r, diaryMentee.ID, "→ Forse")
	r = env.Press(diaryMentee, "Invia")
	bottest.WantText(t, r, diaryMentee.ID, "Grazie")

	env.Command(diaryMentor, "questionnaire", "")
	env.Press(diaryMentor, "2")
	env.Press(diaryMentor, "No")
	env.Text(diaryMentor, "Too few meetings")
	env.Press(diaryMentor, "Submit")

	// Anyone but staff is refused and gets no file.
	for _, u := range []telegramtest.User{diaryMentee, diaryMentor, diaryOther} {
		r := env.Command(u, "export", "questionnaire")
		for _, m := range r.To(u.ID) {
			if m.Document != nil {
				t.Errorf("/export questionnaire by %d sent %q", u.ID, m.Document.FileName)
			}
		}
		if got := r.Text(u.ID); !strings.Contains(got, "reserved") && !strings.Contains(got, "riservato") {
			t.Errorf("/export questionnaire by %d = %q; want refused", u.ID, got)
		}
	}

	r = env.Command(diaryStaff, "export", "questionnaire")
	bottest.WantText(t, r, diaryStaff.ID, "2 questionnaire responses")
	bottest.WantText(t, r, diaryStaff.ID, "overall: mean 3.50 (answers: 2)")
	doc := documentTo(t, r, diaryStaff.ID, ".csv")
	content, ok := bytes.CutPrefix(doc.Document.Content, []byte("\uFEFF"))
	if !ok {
		t.Errorf("CSV does not start with a UTF-8 byte order mark")
	}
	rows, err := csv.NewReader(bytes.NewReader(content)).ReadAll()
	if err != nil {
		t.Fatalf("parse CSV: %v", err)
	}
	want := [][]string{
		{"mentorship_id", "project_id", "role", "user_id", "language", "submitted_at", "overall", "again", "comments"},
		{diaryMentorship, "madrid-ai", "mentee", "300000011", "it", "2027-02-01T09:00:00Z", "5", "Maybe", "Un'esperienza più che positiva, grazie!"},
		{diaryMentorship, "madrid-ai", "mentor", "200000001", "en", "2027-02-01T09:00:00Z", "2", "No", "Too few meetings"},
	}
	if len(rows) != len(want) {
		t.Fatalf("CSV = %q; want %q", rows, want)
	}
	for i := range want {
		if strings.Join(rows[i], "|") != strings.Join(want[i], "|") {
			t.Errorf("CSV row %d = %q; want %q", i, rows[i], want[i])
		}
	}
}
