package bot_test

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/language"
	"golang.org/x/text/language/display"

	"github.com/mentorbot/mentorbot/bot/bottest"
	"github.com/mentorbot/mentorbot/bot/telegramtest"
	"github.com/mentorbot/mentorbot/flows"
	"github.com/mentorbot/mentorbot/flows/records"
	"github.com/mentorbot/mentorbot/locales"
)

// People of the languages test, besides a student per language: the
// staff member and lyon-law's mentor of flows/testdata/program.toml,
// who write in English.
var (
	langStaff  = bottest.User(100000001, "Sara", "en")
	langMentor = bottest.User(200000002, "Louis", "en")
)

// langProject is the project every student applies to: the test
// programme gives it titles in some languages and descriptions in
// others.
const langProject = "lyon-law"

// autonyms are the names the language buttons must show, each in its
// own language, for the languages the bot speaks today.
var autonyms = map[string]string{
	"en": "English", "it": "Italiano", "fr": "Français", "es": "Español",
	"ar": "العربية", "fa": "فارسی", "uk": "Українська",
}

// TestLanguagesE2E is issue 19's "done when", through the real client:
// in each language of the catalog a student chooses it with /language
// (Telegram reporting another one the bot speaks), applies, is
// matched, agrees topics and meetings with their mentor, writes the
// diary of a held meeting and gets its PDF, and asks their university's
// committee for help and gets its answer. Each step's reply is the
// expected catalog message in their language, the programme's texts
// (project title and description) are theirs, and mentor, staff and
// committee keep their own language (English) throughout. A last
// subtest: a user who never chose a language is first answered in the
// one Telegram reports.
func TestLanguagesE2E(t *testing.T) {
	program, err := flows.LoadProgram(bottest.ProgramPath())
	if err != nil {
		t.Fatal(err)
	}
	cat, err := locales.New()
	if err != nil {
		t.Fatal(err)
	}
	langs := cat.Languages()
	for i, lang := range langs {
		t.Run(lang, func(t *testing.T) {
			t.Parallel()
			env := bottest.Start(t, bottest.WithProgram(program))
			// Telegram says the student writes the next language of the
			// catalog: only /language makes it lang.
			s := &student{env: env, lang: lang,
				User: bottest.User(300000100+int64(i), "Noor", langs[(i+1)%len(langs)])}
			env.Command(langMentor, "start", "")
			s.chooseLanguage()
			ref := s.apply()
			s.matchedBy(ref)
			m := s.agree(ref)
			s.writeDiary(m)
			s.askCommittee()
		})
	}
	t.Run("telegram language", func(t *testing.T) {
		t.Parallel()
		env := bottest.Start(t, bottest.WithProgram(program))
		for i, code := range []string{"ar", "uk"} {
			u := bottest.User(300000200+int64(i), "Noor", code)
			r := env.Command(u, "start", "")
			env.WantSaid(r, u.ID, code, "start.welcome", map[string]any{"Name": u.FirstName, "Program": program.Name})
			if first := r.To(u.ID)[0]; !strings.Contains(first.Text, cat.T(code, "start.welcome", map[string]any{"Name": u.FirstName, "Program": program.Name})) {
				t.Errorf("first reply to a %s user = %q; want the welcome in %s", code, first.Text, code)
			}
			if _, ok := r.To(u.ID)[0].Button(cat.T(code, "support.start_button", nil)); !ok {
				t.Errorf("welcome buttons %v; want the support button in %s", r.To(u.ID)[0].Labels(), code)
			}
		}
	})
}

// student is one student of TestLanguagesE2E, who uses the bot in lang.
type student struct {
	telegramtest.User
	env  *bottest.Env
	lang string
}

// t renders message id in the student's language.
func (s *student) t(id string, data map[string]any) string {
	return s.env.Engine.Catalog().T(s.lang, id, data)
}

// said fails the test unless r holds message id, in the student's
// language, for the student.
func (s *student) said(r bottest.Result, id string, data map[string]any) {
	s.env.TB.Helper()
	s.env.WantSaid(r, s.ID, s.lang, id, data)
}

// press presses the student's button labelled with message id in
// their language.
func (s *student) press(id string, data map[string]any) bottest.Result {
	s.env.TB.Helper()
	return s.env.Press(s.User, s.t(id, data))
}

// project is the project the student applies to.
func (s *student) project() flows.Project {
	pr, _ := s.env.Program.Project(langProject)
	return pr
}

// name is how the bot names the student to others.
func (s *student) name() string {
	s.env.TB.Helper()
	p, err := s.env.Records.Profile(context.Background(), s.ID)
	if err != nil {
		s.env.TB.Fatal(err)
	}
	return p.DisplayName()
}

// chooseLanguage runs /language and presses the student's language,
// among buttons that name every language in itself.
func (s *student) chooseLanguage() {
	env, cat := s.env, s.env.Engine.Catalog()
	env.TB.Helper()
	r := env.Command(s.User, "language", "")
	env.WantSaid(r, s.ID, s.LanguageCode, "language.choose", nil)
	offer := env.Last(s.ID)
	for _, l := range cat.Languages() {
		label := cat.T(l, "language.self", nil)
		if want, ok := autonyms[l]; ok && label != want {
			env.TB.Errorf("%s is offered as %q; want %q", l, label, want)
		}
		if _, ok := offer.Button(label); !ok {
			env.TB.Errorf("/language offers %v; want a button %q", offer.Labels(), label)
		}
	}
	r = s.press("language.self", nil)
	s.said(r, "language.set", nil)
}

// apply takes the student through every step to a submitted
// application to langProject and returns its reference number.
func (s *student) apply() string {
	env := s.env
	env.TB.Helper()
	pr := s.project()
	r := env.Command(s.User, "apply", "")
	s.said(r, "apply.progress", map[string]any{"N": 1, "Total": 9})
	s.said(r, "apply.step.degree", nil)
	s.press("apply.degree.bachelor", nil)
	r = s.press("apply.year.button", map[string]any{"Year": 2})
	s.said(r, "apply.step.project", nil)
	// The project in the student's language: title, description and
	// button; the plain title only when the file has none in lang.
	title, text := pr.TitleIn(s.lang), r.Text(s.ID)
	if !strings.Contains(text, title) || !strings.Contains(text, pr.DescriptionIn(s.lang)) {
		env.TB.Errorf("project step lacks %q and its description %q:%s", title, pr.DescriptionIn(s.lang), r)
	}
	if title != pr.Title && strings.Contains(text, pr.Title) {
		env.TB.Errorf("project step shows the title %q besides the %s one %q", pr.Title, s.lang, title)
	}
	env.Press(s.User, title)
	r = env.Press(s.User, "B1")
	s.said(r, "apply.progress", map[string]any{"N": 5, "Total": 9})
	for _, up := range bottest.Uploads {
		r = env.Document(s.User, up.Name, up.MIME, []byte("%PDF-1.4 test"), "")
	}
	s.said(r, "apply.summary.project", map[string]any{"Project": title + " (" + pr.Host + ")"})
	r = s.press("apply.confirm", nil)
	a, err := env.Records.ApplicationOf(context.Background(), s.ID)
	if err != nil || a.State != records.AppSubmitted {
		env.TB.Fatalf("after confirming: %+v, %v; want a submitted application", a, err)
	}
	s.said(r, "apply.submitted", map[string]any{"Ref": a.Ref})
	return a.Ref
}

// matchedBy has the staff accept and match application ref and publish
// the results, in English; the student hears in their language, and
// the mentor in English, about the project in each one's language.
func (s *student) matchedBy(ref string) {
	env, cat := s.env, s.env.Engine.Catalog()
	env.TB.Helper()
	env.Command(langStaff, "applications", "")
	env.Press(langStaff, ref)
	env.Press(langStaff, cat.T("en", "review.action.acc", nil))
	env.Press(langStaff, cat.T("en", "review.action.match", nil))
	env.Command(langStaff, "publish", "")
	r := env.Press(langStaff, cat.T("en", "review.publish.yes", nil))
	pr := s.project()
	mentor, err := env.Records.Profile(context.Background(), langMentor.ID)
	if err != nil {
		env.TB.Fatal(err)
	}
	s.said(r, "review.result.matched", map[string]any{"Ref": ref, "Project": pr.TitleIn(s.lang), "Host": pr.Host, "Mentor": mentor.DisplayName()})
	env.WantSaid(r, langMentor.ID, "en", "review.intro.mentor", map[string]any{"Project": pr.TitleIn("en"), "Mentee": s.name()})
}

// agree proposes topics and six meetings as the student, the first
// typed the way the bot suggests in their language ("tomorrow 18:00"
// in their words), which the mentor confirms; both get the agreement
// as a PDF. It returns the mentorship.
func (s *student) agree(ref string) records.Mentorship {
	env, cat := s.env, s.env.Engine.Catalog()
	env.TB.Helper()
	r := env.Command(s.User, "agreement", "")
	s.said(r, "agreement.ask_topics", nil)
	r = env.Text(s.User, "Asylum case law; a research plan")
	s.said(r, "agreement.ask_meetings", map[string]any{"Next": 1, "Total": 6, "Max": "2h",
		"Example": suggestedMeeting(env.TB, r.Text(s.ID), `^\d`), "Zone": env.Program.Location().String()})
	typed := suggestedMeeting(env.TB, r.Text(s.ID), `\pL`)
	r = env.Text(s.User, typed)
	bottest.WantText(env.TB, r, s.ID, cat.Plural(s.lang, "agreement.got", 1, map[string]any{"Total": 6, "Next": 2}))
	tomorrow := env.Clock.Now().AddDate(0, 0, 1)
	var rest []string
	for d := 1; d <= 5; d++ {
		rest = append(rest, tomorrow.AddDate(0, 0, d).Format("2006-01-02")+" 18:00")
	}
	r = env.Text(s.User, strings.Join(rest, "\n"))
	s.said(r, "agreement.review", nil)
	r = s.press("agreement.button.send", nil)
	s.said(r, "agreement.sent", nil)
	env.WantSaid(r, langMentor.ID, "en", "agreement.proposed", map[string]any{"Name": s.name()})
	r = env.Press(langMentor, cat.T("en", "agreement.button.confirm", nil))
	s.said(r, "agreement.confirmed", nil)
	env.WantSaid(r, langMentor.ID, "en", "agreement.confirmed", nil)
	documentTo(env.TB, r, langMentor.ID, ".pdf")
	wantWords(env.TB, pdfWords(env.TB, documentTo(env.TB, r, s.ID, ".pdf").Document.Content), ref, "Asylum case law")

	m, err := env.Records.Mentorship(context.Background(), ref)
	if err != nil {
		env.TB.Fatal(err)
	}
	first := time.Date(tomorrow.Year(), tomorrow.Month(), tomorrow.Day(), 18, 0, 0, 0, env.Program.Location())
	if len(m.Meetings) != 6 || !m.Meetings[0].Start.Equal(first) {
		env.TB.Fatalf("meetings after typing %q first: %+v; want 6, the first %v", typed, m.Meetings, first)
	}
	return m
}

// suggestedMeeting finds in text the meeting time the bot suggests
// whose first word matches the pattern first: a clock time with the
// word before it, without the quotation marks around the two.
func suggestedMeeting(tb testing.TB, text, first string) string {
	tb.Helper()
	clock, word := regexp.MustCompile(`\d{1,2}:\d{2}`), regexp.MustCompile(first)
	toks := strings.Fields(text)
	for i := 1; i < len(toks); i++ {
		ex := strings.Trim(toks[i-1]+" "+toks[i], "\"«»“”„.,;:()\u2068\u2069")
		if clock.MatchString(toks[i]) && word.MatchString(strings.Fields(ex)[0]) {
			return ex
		}
	}
	tb.Fatalf("no meeting time like %q in %q", first, text)
	return ""
}

// writeDiary moves the clock past meeting 1 of m and writes its diary
// entry as the student, who gets it as a PDF.
func (s *student) writeDiary(m records.Mentorship) {
	env := s.env
	env.TB.Helper()
	env.Clock.Set(m.Meetings[0].End().Add(time.Hour))
	r := env.Command(s.User, "diary", "")
	s.said(r, "diary.list.mentee", map[string]any{"Project": s.project().TitleIn(s.lang)})
	r = s.press("diary.button.write", map[string]any{"N": 1})
	s.said(r, "diary.intro", map[string]any{"N": 1})
	answers := []string{"2/2", "Asylum procedures in Lyon", "How the courts read the Dublin rules", "A first draft"}
	for _, a := range answers {
		env.Text(s.User, a)
		r = s.press("diary.button.done", nil)
	}
	s.said(r, "diary.saved", map[string]any{"N": 1})
	doc := documentTo(env.TB, r, s.ID, ".pdf")
	wantWords(env.TB, pdfWords(env.TB, doc.Document.Content), append(answers[1:], m.ID)...)
}

// askCommittee sends a request to Bicocca's committee, which writes in
// English, and has a member answer it; the student hears back in their
// language.
func (s *student) askCommittee() {
	env, cat := s.env, s.env.Engine.Catalog()
	env.TB.Helper()
	post := supportRequest(env, s.User, "Milano Bicocca", s.t("support.topic.housing", nil), "A room near the campus, please.", supportBicocca)
	tk, err := env.Records.TicketOfPost(context.Background(), supportBicocca.ID, post.MessageID)
	if err != nil {
		env.TB.Fatal(err)
	}
	uni, _ := env.Program.University("bicocca")
	if got, want := env.Last(s.ID).Text, s.t("support.sent", map[string]any{"ID": tk.ID, "University": uni.Name}); !strings.Contains(got, want) {
		env.TB.Errorf("after the request the student got %q; want %q", got, want)
	}
	header := cat.T("en", "support.group.new", map[string]any{"ID": tk.ID, "Topic": cat.T("en", "support.topic.housing", nil),
		"Name": s.FirstName, "Language": display.Tags(language.English).Name(language.Make(s.lang))})
	if !strings.Contains(post.Text, header) {
		env.TB.Errorf("committee post = %q; want %q, in the committee's English", post.Text, header)
	}
	r := env.Group(supportBicocca, supportAna, "There is a room in via Roma 1.", post.MessageID)
	s.said(r, "support.answer", map[string]any{"ID": tk.ID, "University": uni.Name})
	bottest.WantText(env.TB, r, s.ID, "There is a room in via Roma 1.")
}
