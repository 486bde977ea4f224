package flows_test

import (
	"bytes"
	"context"
	"fmt"
	"image/png"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	qr "github.com/piglig/go-qr"

	"github.com/mentorbot/mentorbot/flows"
	"github.com/mentorbot/mentorbot/flows/redisstore/redistest"
	"github.com/mentorbot/mentorbot/locales"
)

// The project's description, shown in the list an apply link skips,
// comes with the link's first message, in the reader's language.
func TestApplyLinkShowsTheDescription(t *testing.T) {
	h := newHarness(t)
	pr, ok := h.program.Project("lyon-law")
	if !ok {
		t.Fatal("no lyon-law in the test programme")
	}
	for _, u := range []flows.User{user(studentA, "it"), user(studentB, "fr")} {
		lang := u.LanguageCode
		r := h.command(u, "start", "apply_lyon-law")
		wantSaid(t, r, u.ID, "links.apply_project")
		// French has none: English, which every language falls back to.
		wantText(t, r, u.ID, pr.DescriptionIn(lang))
	}
}

func TestApplyLinkSkipsTheProjectStep(t *testing.T) {
	h := newHarness(t)
	u := user(studentA, "en")
	r := h.command(u, "start", "apply_"+madrid)
	for _, id := range []string{"links.apply_project", "apply.intro", "apply.step.degree"} {
		wantSaid(t, r, studentA, id)
	}
	if a := h.application(studentA); a.ProjectID != madrid || a.Language != "es" {
		t.Fatalf("draft after the link = %+v; want project %s in es", a, madrid)
	}
	r = h.pressAction(u, r, "deg", flows.DegreeBachelor)
	r = h.pressAction(u, r, "year", "2")
	wantSaid(t, r, studentA, "apply.step.level")
	h.wantStep(t, r, u, 4)
	if _, ok := buttonFor(r, studentA, "proj", "*"); ok {
		t.Fatalf("the flow asked for the project after a project's link:%s", dump(r))
	}
	r = h.uploadAll(u, h.pressAction(u, r, "lvl", "B1"))
	r = h.pressAction(u, r, "confirm", "")
	wantSaid(t, r, studentA, "apply.submitted")
	if a := h.application(studentA); a.ProjectID != madrid {
		t.Errorf("submitted application = %+v; want project %s", a, madrid)
	}
}

func TestApplyLinkKeepsTheRules(t *testing.T) {
	t.Run("first year of a bachelor", func(t *testing.T) {
		h := newHarness(t)
		u := user(studentA, "en")
		r := h.command(u, "start", "apply_"+madrid)
		r = h.pressAction(u, r, "deg", flows.DegreeBachelor)
		wantSaid(t, h.pressAction(u, r, "year", "1"), studentA, "apply.ineligible.year")
	})
	t.Run("level below the degree's", func(t *testing.T) {
		h := newHarness(t)
		u := user(studentA, "en")
		r := h.command(u, "start", "apply_"+madrid)
		r = h.pressAction(u, r, "deg", flows.DegreeMaster)
		r = h.pressAction(u, r, "year", "1")
		wantSaid(t, h.pressAction(u, r, "lvl", "B1"), studentA, "apply.ineligible.level")
		if a := h.application(studentA); a.ProjectID != "" {
			t.Errorf("draft after too low a level = %+v; want the project dropped", a)
		}
	})
	t.Run("after the deadline", func(t *testing.T) {
		h := newHarness(t)
		h.clock.Set(h.program.Deadline.Add(time.Minute))
		r := h.command(user(studentA, "en"), "start", "apply_"+madrid)
		wantSaid(t, r, studentA, "apply.closed")
		wantNotSaid(t, r, studentA, "links.apply_project")
		if _, err := h.rec.ApplicationOf(context.Background(), studentA); err == nil {
			t.Errorf("a link after the deadline left a draft")
		}
	})
	t.Run("the project's mentor", func(t *testing.T) {
		h := newHarness(t)
		r := h.command(mentor, "start", "apply_"+madrid)
		wantSaid(t, r, mentorID, "apply.own_project")
		wantSaid(t, r, mentorID, "apply.step.degree")
		if a := h.application(mentorID); a.ProjectID != "" {
			t.Errorf("mentor's draft after their project's link = %+v; want no project", a)
		}
	})
	t.Run("submitted already", func(t *testing.T) {
		h := newHarness(t)
		u := user(studentA, "en")
		h.submit(u)
		r := h.command(u, "start", "apply_lyon-law")
		wantSaid(t, r, studentA, "apply.already")
		if a := h.application(studentA); a.ProjectID != madrid {
			t.Errorf("submitted application after another project's link = %+v; want %s kept", a, madrid)
		}
	})
}

func TestApplyLinkSetsTheProjectOnADraft(t *testing.T) {
	h := newHarness(t)
	u := user(studentA, "en")
	h.answer(u, flows.DegreeBachelor, 2, "lyon-law", "B2")
	h.document(u, "cv-it.pdf", pdfMIME, 1000)
	h.document(u, "cv-fr.pdf", pdfMIME, 1000)
	h.command(u, "cancel", "")

	r := h.command(u, "start", "apply_"+madrid)
	wantSaid(t, r, studentA, "links.apply_project")
	wantSaid(t, r, studentA, "apply.resume")
	wantSaid(t, r, studentA, "apply.step.level")
	a := h.application(studentA)
	if a.ProjectID != madrid || a.Language != "es" || a.Level != "" || a.Degree != flows.DegreeBachelor || a.Year != 2 {
		t.Errorf("draft = %+v; want madrid-ai in es, the French level dropped, degree and year kept", a)
	}
	if _, ok := a.Documents["cv_it"]; !ok {
		t.Errorf("draft documents = %v; want the Italian CV kept", a.Documents)
	}
	if _, ok := a.Documents["cv_foreign"]; ok {
		t.Errorf("draft documents = %v; want the French CV dropped", a.Documents)
	}
}

func TestApplyLinkToAnUnknownProject(t *testing.T) {
	for _, payload := range []string{"apply_nowhere", "apply_", "apply"} {
		t.Run(payload, func(t *testing.T) {
			h := newHarness(t)
			r := h.command(user(studentA, "en"), "start", payload)
			wantSaid(t, r, studentA, "links.unknown_project")
			wantSaid(t, r, studentA, "apply.step.degree")
			if a := h.application(studentA); a.ProjectID != "" {
				t.Errorf("draft = %+v; want no project", a)
			}
		})
	}
}

func TestSupportLinkSkipsTheUniversityChoice(t *testing.T) {
	s := newSupportRig(t)
	u := user(studentA, "en")
	r := s.command(u, "start", "support_palermo")
	wantSaid(t, r, studentA, "support.choose_topic")
	wantNotSaid(t, r, studentA, "support.choose_university")
	s.pressAction(u, r, "topic", "housing")
	r = s.text(u, "A room, please")
	if got := only(r, palermoChat); len(got) != 1 || got[0].TextID != "support.group.new" {
		t.Fatalf("request through Palermo's link:%s; want one new request in Palermo's group", dump(r))
	}
	if got := only(r, bicoccaChat); len(got) != 0 {
		t.Errorf("request through Palermo's link reached Bicocca:%s", dump(r))
	}

	r = s.command(u, "start", "support_nowhere")
	wantSaid(t, r, studentA, "links.unknown_university")
	wantSaid(t, r, studentA, "support.choose_university")
}

// qrText decodes the QR code of a PNG image.
func qrText(tb testing.TB, buf []byte) string {
	tb.Helper()
	img, err := png.Decode(bytes.NewReader(buf))
	if err != nil {
		tb.Fatalf("QR code is not a PNG: %v", err)
	}
	text, err := qr.Decode(img)
	if err != nil {
		tb.Fatalf("QR code does not decode: %v", err)
	}
	return text
}

func TestLinksSendsEveryLinkWithItsQRCode(t *testing.T) {
	h := newHarness(t)
	r := h.command(staff, "links", "")
	var links []string
	for _, p := range h.program.Projects {
		links = append(links, "https://t.me/mentor_test_bot?start=apply_"+p.ID)
	}
	for _, kind := range []string{"support_", "committee_"} {
		for _, u := range h.program.Universities {
			links = append(links, "https://t.me/mentor_test_bot?start="+kind+u.ID)
		}
	}
	list := textTo(r, staffID)
	var qrs []string
	captions := map[string]int{}
	for _, m := range r.Messages {
		if m.ChatID != staffID {
			t.Fatalf("/links wrote to chat %d:%s", m.ChatID, dump(r))
		}
		if len([]rune(m.Text)) > 4096 {
			t.Errorf("message %s is %d characters long", m.TextID, len([]rune(m.Text)))
		}
		if m.File == nil {
			continue
		}
		if !strings.HasSuffix(m.File.FileName, ".png") || len(m.File.Content) == 0 {
			t.Fatalf("QR file = %q (%d bytes); want a PNG", m.File.FileName, len(m.File.Content))
		}
		text := qrText(t, m.File.Content)
		if !strings.Contains(m.Text, text) {
			t.Errorf("QR code of %s carries caption %q", text, m.Text)
		}
		qrs = append(qrs, text)
		captions[m.TextID]++
	}
	if !slices.Equal(qrs, links) {
		t.Errorf("QR codes = %q; want one per link, in order: %q", qrs, links)
	}
	want := map[string]int{"links.caption_apply": 4, "links.caption_support": 3, "links.caption_committee": 3}
	if fmt.Sprint(captions) != fmt.Sprint(want) {
		t.Errorf("QR captions = %v; want %v", captions, want)
	}
	for _, l := range links {
		if !strings.Contains(list, l) {
			t.Errorf("the list lacks %s:%s", l, dump(r))
		}
	}
	if ids := saidTo(r, staffID); len(ids) == 0 || ids[0] != "links.title" {
		t.Errorf("/links said %q; want the list first", ids)
	}
	wantSaid(t, h.command(ada, "links", ""), studentA, "error.not_allowed")
}

// manyProjects is a programme with n projects of long titles, and a
// university whose id no start parameter can carry.
func manyProjects(tb testing.TB, n int) *flows.Program {
	tb.Helper()
	var b strings.Builder
	b.WriteString("name = \"Big\"\ndeadline = \"2027-03-31 23:59\"\nstaff = [100000001]\n")
	for i := range n {
		fmt.Fprintf(&b, "[[projects]]\nid = \"p%d\"\ntitle = \"%s %d\"\nhost = \"Host\"\nmentor = %d\nlanguage = \"es\"\n",
			i, strings.Repeat("Very long project title ", 3), i, 200000100+i)
	}
	b.WriteString("[[universities]]\nid = \"rome.tre\"\nname = \"Roma Tre\"\ncommittee_chat = -1001000000009\n")
	p, err := flows.ParseProgram([]byte(b.String()))
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

func TestLinksKeepWithinTelegramLimits(t *testing.T) {
	h := newHarnessWith(t, redistest.Store(t), manyProjects(t, 60))
	r := h.command(staff, "links", "")
	lists, files := 0, 0
	for _, m := range r.Messages {
		if n := len([]rune(m.Text)); n > 4096 || (m.File != nil && n > 1024) {
			t.Errorf("message %s is %d characters long", m.TextID, n)
		}
		if m.File != nil {
			files++
			continue
		}
		lists++
	}
	if lists < 2 || files != 60 {
		t.Errorf("/links of 60 projects sent %d lists and %d QR codes; want the list cut in several, and 60", lists, files)
	}
	all := textTo(r, staffID)
	for i := range 60 {
		if !strings.Contains(all, "?start=apply_p"+strconv.Itoa(i)+"\n") && !strings.HasSuffix(all, "?start=apply_p"+strconv.Itoa(i)) {
			t.Errorf("no link for project p%d", i)
		}
	}
	wantSaid(t, r, staffID, "links.title")
	if !strings.Contains(all, h.rendered("en", "links.unlinkable", map[string]any{"IDs": "rome.tre"})) {
		t.Errorf("/links does not name the university no link can carry:%s", all)
	}
	if strings.Contains(all, "start=support_rome.tre") || strings.Contains(all, "start=committee_rome.tre") {
		t.Errorf("/links made a link Telegram cannot open:%s", all)
	}
}

func TestLinksInConsoleModeAreCommands(t *testing.T) {
	store := redistest.Store(t)
	cat, err := locales.New()
	if err != nil {
		t.Fatal(err)
	}
	e, err := flows.New(flows.Config{Store: store, Catalog: cat, Program: loadProgram(t)})
	if err != nil {
		t.Fatal(err)
	}
	r, err := e.Handle(context.Background(), flows.Event{Kind: flows.KindCommand, Command: "links",
		From: staff, ChatID: staffID, ChatType: flows.ChatPrivate})
	if err != nil {
		t.Fatal(err)
	}
	wantSaid(t, r, staffID, "links.title")
	if text := textTo(r, staffID); !strings.Contains(text, "/start apply_madrid-ai") || strings.Contains(text, "t.me") {
		t.Errorf("/links without a bot username:%s; want the commands to type", dump(r))
	}
	for _, m := range r.Messages {
		if m.File != nil {
			t.Errorf("/links without a bot username sent a file %s", m.File.FileName)
		}
	}
}
