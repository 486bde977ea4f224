package flows_test

import (
	"context"
	"errors"
	"github.com/mentorbot/mentorbot/flows/records"
	"strings"
	"testing"
	"time"

	"github.com/mentorbot/mentorbot/flows"
	"github.com/mentorbot/mentorbot/flows/pdfdoc/pdftext"
)

// People of the diary tests, with names in several scripts.
var (
	menteeAyse = flows.User{ID: studentA, FirstName: "Ayşe", LastName: "Yılmaz", LanguageCode: "it"}
	mentorDima = flows.User{ID: mentorID, FirstName: "Дмитрий", LastName: "Иванов", LanguageCode: "en"}
	stranger   = flows.User{ID: studentB, FirstName: "Bob", LanguageCode: "en"}
)

const testMentorship = "MIE-2027-0001"

// mentorship stores a mentorship of menteeAyse with mentorDima whose
// first `held` meetings lie in the past and the rest in the future,
// and makes both people known to the bot.
func (h *harness) mentorship(held int) records.Mentorship {
	h.tb.Helper()
	now := h.clock.Now()
	m := records.Mentorship{ID: testMentorship, MenteeID: menteeAyse.ID, MentorID: mentorDima.ID,
		ProjectID: "madrid-ai", CreatedAt: now.Add(-60 * 24 * time.Hour)}
	for n := 1; n <= h.program.Meetings; n++ {
		start := now.Add(time.Duration(n-held)*7*24*time.Hour - time.Hour)
		m.Meetings = append(m.Meetings, records.Meeting{N: n, Start: start, Duration: time.Hour})
	}
	if err := h.rec.SaveMentorship(context.Background(), m); err != nil {
		h.tb.Fatal(err)
	}
	h.command(menteeAyse, "start", "")
	h.command(mentorDima, "start", "")
	return m
}

// pdfTo returns the PDF attached to the message of r to chat.
func pdfTo(tb testing.TB, r flows.Reply, chat int64) (flows.Message, string) {
	tb.Helper()
	for _, m := range r.Messages {
		if m.ChatID == chat && m.File != nil && strings.HasSuffix(m.File.FileName, ".pdf") {
			return m, pdfText(tb, m.File.Content)
		}
	}
	tb.Fatalf("no PDF to %d in reply:%s", chat, dump(r))
	return flows.Message{}, ""
}

// pdfText extracts a PDF's text with all white space removed, since
// extraction may break lines and words where the layout did.
func pdfText(tb testing.TB, doc []byte) string {
	tb.Helper()
	text, err := pdftext.Extract(doc)
	if err != nil {
		tb.Fatalf("Extract: %v", err)
	}
	return squash(text)
}

func squash(s string) string { return strings.Join(strings.Fields(s), "") }

// wantInPDF fails unless every want appears in the squashed text.
func wantInPDF(tb testing.TB, text string, wants ...string) {
	tb.Helper()
	for _, w := range wants {
		if !strings.Contains(text, squash(w)) {
			tb.Errorf("PDF text lacks %q; got %q", w, text)
		}
	}
}

// writeDiary writes a whole entry for meeting n of testMentorship
// through the buttons.
func (h *harness) writeDiary(u flows.User, n string, answers ...string) flows.Reply {
	h.tb.Helper()
	r := h.command(u, "diary", "")
	r = h.pressAction(u, r, "write", diaryArg(n))
	for _, a := range answers {
		h.text(u, a)
		r = h.pressAction(u, r, "done", "")
	}
	return r
}

// diaryArg is the button argument of meeting n of testMentorship.
func diaryArg(n string) string { return testMentorship + "." + n }

// The scheduled times of the first two meetings of h.mentorship(1), as
// the diary shows them.
const (
	meeting1At = "01/02/2027 09:00 CET"
	meeting2At = "08/02/2027 09:00 CET"
)

func TestDiaryEntryBecomesPDF(t *testing.T) {
	h := newHarness(t)
	h.mentorship(1)

	r := h.command(menteeAyse, "diary", "")
	wantSaid(t, r, menteeAyse.ID, "diary.list.mentee")
	h.wantRendered(t, r, menteeAyse.ID, "it", "diary.list.missing", map[string]any{"N": 1, "When": meeting1At})
	h.wantRendered(t, r, menteeAyse.ID, "it", "diary.list.upcoming", map[string]any{"N": 2, "When": meeting2At})
	if _, ok := buttonFor(r, menteeAyse.ID, "write", diaryArg("2")); ok {
		t.Errorf("/diary offers to write a meeting not held yet:%s", dump(r))
	}
	r = h.pressAction(menteeAyse, r, "write", diaryArg("1"))
	wantSaid(t, r, menteeAyse.ID, "diary.q.date")
	r = h.pressAction(menteeAyse, r, "usedate", "")
	wantSaid(t, r, menteeAyse.ID, "diary.q.topics")

	h.text(menteeAyse, "Perché è così difficile scegliere?")
	r = h.text(menteeAyse, "Lo stato dell'arte: ğüşıöç, Ελληνικά, Кириллица, العربية")
	r = h.pressAction(menteeAyse, r, "done", "")
	wantSaid(t, r, menteeAyse.ID, "diary.q.learned")
	h.text(menteeAyse, "Ho imparato molto sulla città di Madrid")
	r = h.pressAction(menteeAyse, r, "done", "")
	h.text(menteeAyse, "Leggere tre articoli")
	r = h.pressAction(menteeAyse, r, "done", "")

	msg, text := pdfTo(t, r, menteeAyse.ID)
	if msg.TextID != "diary.saved" {
		t.Errorf("caption to mentee = %s (%q); want diary.saved", msg.TextID, msg.Text)
	}
	wantInPDF(t, text,
		h.rendered("it", "diary.pdf.title", map[string]any{"N": 1}),
		h.program.Name, "Machine learning for public health",
		"Ayşe Yılmaz", "Дмитрий Иванов",
		"Perché è così difficile scegliere?",
		"ğüşıöç, Ελληνικά, Кириллица, العربية",
		"Ho imparato molto sulla città di Madrid", "Leggere tre articoli",
		meeting1At, testMentorship)

	toMentor, mentorText := pdfTo(t, r, mentorDima.ID)
	if want := h.rendered("en", "diary.to_mentor", map[string]any{"Mentee": "Ayşe Yılmaz", "N": 1}); toMentor.TextID != "diary.to_mentor" || toMentor.Text != want {
		t.Errorf("message to mentor = %s (%q); want diary.to_mentor naming the mentee and meeting (%q)", toMentor.TextID, toMentor.Text, want)
	}
	wantInPDF(t, mentorText, "Perché è così difficile scegliere?")

	d, err := h.rec.DiaryEntry(context.Background(), testMentorship, 1)
	if err != nil {
		t.Fatalf("DiaryEntry after writing: %v", err)
	}
	if want := "Perché è così difficile scegliere?\nLo stato dell'arte: ğüşıöç, Ελληνικά, Кириллица, العربية"; d.Topics != want {
		t.Errorf("Topics = %q; want %q", d.Topics, want)
	}
	// The entry keeps its key of old: "diary:<mentorship>:<meeting>".
	var stored records.DiaryEntry
	if err := h.store.Get(context.Background(), "diary:"+testMentorship+":1", &stored); err != nil || stored.Topics != d.Topics {
		t.Errorf("entry at key diary:%s:1 = %+v, %v; want the entry written", testMentorship, stored, err)
	}

	r = h.command(menteeAyse, "diary", "")
	h.wantRendered(t, r, menteeAyse.ID, "it", "diary.list.done", map[string]any{"N": 1, "When": meeting1At})
	if b, ok := buttonFor(r, menteeAyse.ID, "write", diaryArg("1")); !ok || b.Text != h.rendered("it", "diary.button.edit", map[string]any{"N": 1}) {
		t.Errorf("/diary offers no edit of a written entry:%s", dump(r))
	}
}

func TestDiaryMentorComment(t *testing.T) {
	h := newHarness(t)
	h.mentorship(1)
	r := h.writeDiary(menteeAyse, "1", "1 febbraio", "Temi", "Imparato", "Passi vecchi")
	toMentor, _ := pdfTo(t, r, mentorDima.ID)
	comment, ok := buttonFor(flows.Reply{Messages: []flows.Message{toMentor}}, mentorDima.ID, "comment", diaryArg("1"))
	if !ok {
		t.Fatalf("no comment button for the mentor:%s", dump(r))
	}

	// Only the mentor may use it.
	r = h.pressData(stranger, comment.Data)
	if r.NoticeID != "error.bad_button" || len(r.Messages) > 0 {
		t.Errorf("stranger pressing comment: got%s; want notice error.bad_button only", dump(r))
	}
	r = h.pressData(menteeAyse, comment.Data)
	if r.NoticeID != "error.bad_button" || len(r.Messages) > 0 {
		t.Errorf("mentee pressing comment: got%s; want notice error.bad_button only", dump(r))
	}

	r = h.pressData(mentorDima, comment.Data)
	wantSaid(t, r, mentorDima.ID, "diary.comment.prompt")
	h.wantRendered(t, r, mentorDima.ID, "en", "diary.comment.prompt", map[string]any{"N": 1, "Max": 1000})
	r = h.text(mentorDima, strings.Repeat("é", 1001))
	wantSaid(t, r, mentorDima.ID, "diary.comment.too_long")
	if d, _ := h.rec.DiaryEntry(context.Background(), testMentorship, 1); d.Comment != "" {
		t.Errorf("Comment after a too long one = %q; want none", d.Comment)
	}
	r = h.text(mentorDima, "Ottimo lavoro, Ayşe! Продолжай.")
	_, mentorText := pdfTo(t, r, mentorDima.ID)
	_, menteeText := pdfTo(t, r, menteeAyse.ID)
	for _, text := range []string{mentorText, menteeText} {
		wantInPDF(t, text, h.rendered("it", "diary.pdf.comment", map[string]any{"Mentor": "Дмитрий Иванов"}), "Ottimo lavoro, Ayşe! Продолжай.", "Temi")
	}

	// The mentee editing the entry keeps the comment.
	r = h.command(menteeAyse, "diary", "")
	if b, ok := buttonFor(r, menteeAyse.ID, "write", diaryArg("1")); !ok || b.Text != h.rendered("it", "diary.button.edit", map[string]any{"N": 1}) {
		t.Fatalf("/diary offers no edit of the commented entry:%s", dump(r))
	}
	r = h.pressAction(menteeAyse, r, "write", diaryArg("1"))
	wantSaid(t, r, menteeAyse.ID, "diary.q.date")
	h.wantRendered(t, r, menteeAyse.ID, "it", "diary.current", map[string]any{"Answer": "1 febbraio"})
	for range 3 {
		r = h.pressAction(menteeAyse, r, "done", "")
	}
	h.text(menteeAyse, "Nuovi passi")
	r = h.pressAction(menteeAyse, r, "done", "")
	_, text := pdfTo(t, r, menteeAyse.ID)
	wantInPDF(t, text, "1 febbraio", "Temi", "Imparato", "Nuovi passi", "Ottimo lavoro, Ayşe!")
	if strings.Contains(text, "Passivecchi") {
		t.Errorf("edited entry still has the replaced answer: %q", text)
	}
}

func TestDiaryRefusesBadInput(t *testing.T) {
	h := newHarness(t)
	m := h.mentorship(1)
	ctx := context.Background()
	noEntry := func(n int) {
		t.Helper()
		if _, err := h.rec.DiaryEntry(ctx, m.ID, n); !errors.Is(err, records.ErrNotFound) {
			t.Errorf("DiaryEntry(%d) error = %v; want ErrNotFound", n, err)
		}
	}

	// Nobody's diary.
	wantSaid(t, h.command(stranger, "diary", ""), stranger.ID, "diary.none")

	// Buttons of another's meeting, of a future meeting, of nonsense.
	future := flows.DiaryButton(h.engine.Catalog(), "en", m.ID, 2)
	if r := h.pressData(stranger, flows.DiaryButton(h.engine.Catalog(), "en", m.ID, 1).Data); r.NoticeID != "error.bad_button" {
		t.Errorf("stranger writing the diary: got%s; want notice error.bad_button", dump(r))
	}
	r := h.pressData(menteeAyse, future.Data)
	wantSaid(t, r, menteeAyse.ID, "diary.not_held")
	h.wantRendered(t, r, menteeAyse.ID, "it", "diary.not_held", map[string]any{"N": 2, "When": meeting2At})
	for _, arg := range []string{"x", m.ID + ".0", m.ID + ".99", "NOPE.1"} {
		data := "1:diary:write::" + arg
		if r := h.pressData(menteeAyse, data); r.NoticeID != "error.bad_button" {
			t.Errorf("pressing %q: got%s; want notice error.bad_button", data, dump(r))
		}
	}

	// Done before writing, a photo, a too long answer.
	r = h.pressData(menteeAyse, flows.DiaryButton(h.engine.Catalog(), "it", m.ID, 1).Data)
	wantSaid(t, r, menteeAyse.ID, "diary.q.date")
	wantSaid(t, h.pressAction(menteeAyse, r, "done", ""), menteeAyse.ID, "diary.empty")
	wantSaid(t, h.handle(flows.Event{Kind: flows.KindPhoto, From: menteeAyse, File: &flows.File{FileID: "p"}}), menteeAyse.ID, "diary.text_only")
	h.text(menteeAyse, "1 febbraio")
	wantSaid(t, h.text(menteeAyse, strings.Repeat("a", 6000)), menteeAyse.ID, "diary.too_long")
	r = h.pressAction(menteeAyse, r, "done", "")
	wantSaid(t, r, menteeAyse.ID, "diary.q.topics")
	h.command(menteeAyse, "cancel", "")
	noEntry(1)

	// After the programme ended, nothing can be written.
	m.EndedAt = h.clock.Now()
	if err := h.rec.SaveMentorship(ctx, m); err != nil {
		t.Fatal(err)
	}
	h.clock.Add(flows.DiaryEditWindow + time.Hour)
	r = h.command(menteeAyse, "diary", "")
	h.wantRendered(t, r, menteeAyse.ID, "it", "diary.list.locked", nil)
	if _, ok := buttonFor(r, menteeAyse.ID, "write", "*"); ok {
		t.Errorf("/diary offers writing after the end:%s", dump(r))
	}
	wantSaid(t, h.pressData(menteeAyse, flows.DiaryButton(h.engine.Catalog(), "it", m.ID, 1).Data), menteeAyse.ID, "diary.locked")
	noEntry(1)
}

func TestDiaryLockedMidEntry(t *testing.T) {
	h := newHarness(t)
	m := h.mentorship(1)
	r := h.pressData(menteeAyse, flows.DiaryButton(h.engine.Catalog(), "it", m.ID, 1).Data)
	h.text(menteeAyse, "oggi")
	m.EndedAt = h.clock.Now().Add(-flows.DiaryEditWindow - time.Minute)
	if err := h.rec.SaveMentorship(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	wantSaid(t, h.pressAction(menteeAyse, r, "done", ""), menteeAyse.ID, "diary.locked")
	if _, err := h.rec.DiaryEntry(context.Background(), m.ID, 1); !errors.Is(err, records.ErrNotFound) {
		t.Errorf("DiaryEntry after a locked save error = %v; want ErrNotFound", err)
	}
}

func TestDiaryPersonalData(t *testing.T) {
	h := newHarness(t)
	h.mentorship(1)
	ctx := context.Background()
	r := h.writeDiary(menteeAyse, "1", "oggi", "Temi segreti", "Imparato", "Prossimi")
	toMentor, _ := pdfTo(t, r, mentorDima.ID)
	h.pressData(mentorDima, toMentor.Buttons[0][0].Data)
	h.text(mentorDima, "Commento privato")

	doc, err := h.engine.ExportUser(ctx, mentorDima.ID)
	if err != nil {
		t.Fatal(err)
	}
	entries, _ := doc["diary"].([]records.DiaryEntry)
	if len(entries) != 1 || entries[0].Comment != "Commento privato" || entries[0].Topics != "" {
		t.Errorf("ExportUser(mentor)[diary] = %+v; want only the comment", doc["diary"])
	}
	if err := h.engine.EraseUser(ctx, mentorDima.ID); err != nil {
		t.Fatal(err)
	}
	d, err := h.rec.DiaryEntry(ctx, testMentorship, 1)
	if err != nil || d.Comment != "" || d.Topics != "Temi segreti" {
		t.Errorf("entry after erasing the mentor = %+v, %v; want the entry without comment", d, err)
	}
	if err := h.engine.EraseUser(ctx, menteeAyse.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := h.rec.DiaryEntry(ctx, testMentorship, 1); !errors.Is(err, records.ErrNotFound) {
		t.Errorf("entry after erasing the mentee: error = %v; want ErrNotFound", err)
	}
}

// TestNoDiaryForAMeetingNotHeld: before the agreement no meeting has a
// date, so /diary offers no entry to write.
func TestNoDiaryForAMeetingNotHeld(t *testing.T) {
	h := newHarness(t)
	m := records.Mentorship{ID: testMentorship, MenteeID: menteeAyse.ID, MentorID: mentorDima.ID,
		ProjectID: "madrid-ai", CreatedAt: h.clock.Now()}
	if err := h.rec.SaveMentorship(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	h.command(menteeAyse, "start", "")
	r := h.command(menteeAyse, "diary", "")
	if b, ok := buttonFor(r, menteeAyse.ID, "write", "*"); ok {
		t.Fatalf("/diary before any meeting offers %q:%s", b.Text, dump(r))
	}
}
