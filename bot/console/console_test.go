package console

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mentorbot/mentorbot/flows"
	"github.com/mentorbot/mentorbot/flows/records"
	"github.com/mentorbot/mentorbot/flows/redisstore"
	"github.com/mentorbot/mentorbot/flows/redisstore/redistest"
	"github.com/mentorbot/mentorbot/locales"
)

// newEngine returns an engine over the test's Redis with the test
// programme and BotName, as the console mode makes it.
func newEngine(tb testing.TB) *flows.Engine {
	tb.Helper()
	return newEngineAt(tb, nil)
}

// newEngineAt is newEngine on the clock now (the real one when nil).
func newEngineAt(tb testing.TB, now func() time.Time) *flows.Engine {
	tb.Helper()
	rdb, prefix := redistest.Client(tb)
	cat, err := locales.New()
	if err != nil {
		tb.Fatal(err)
	}
	program, err := flows.LoadProgram(filepath.Join("..", "..", "flows", "testdata", "program.toml"))
	if err != nil {
		tb.Fatal(err)
	}
	e, err := flows.New(flows.Config{
		Store:       redisstore.New(rdb, redistest.Options(rdb, prefix)),
		Catalog:     cat,
		Program:     program,
		Logger:      slog.New(slog.DiscardHandler),
		BotUsername: BotName,
		Now:         now,
	})
	if err != nil {
		tb.Fatal(err)
	}
	return e
}

func TestRunStopsAtQuit(t *testing.T) {
	var out bytes.Buffer
	c := New(newEngine(t), strings.NewReader(":quit\n/start\n"), &out, slog.New(slog.DiscardHandler))
	if err := c.Run(t.Context()); err != nil {
		t.Fatalf("Run(:quit, /start) = %v; want nil", err)
	}
	if c.update != 0 {
		t.Errorf("Run(:quit, /start) sent %d events to the engine; want none after :quit:\n%s", c.update, out.String())
	}
}

func TestRunEndsWithContext(t *testing.T) {
	in, w := io.Pipe() // never written: Run waits on it
	t.Cleanup(func() { w.Close() })
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- New(newEngine(t), in, io.Discard, slog.New(slog.DiscardHandler)).Run(ctx) }()
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Run after cancel = %v; want context.Canceled", err)
	}
}

// errGone is what failingReader fails with.
var errGone = errors.New("terminal gone")

// failingReader fails every read, as a terminal that went away.
type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errGone }

func TestRunReportsReadFailure(t *testing.T) {
	err := New(newEngine(t), failingReader{}, io.Discard, slog.New(slog.DiscardHandler)).Run(t.Context())
	if !errors.Is(err, errGone) {
		t.Errorf("Run(failing input) = %v; want it to wrap %v", err, errGone)
	}
}

func TestMimeType(t *testing.T) {
	tests := []struct{ path, want string }{
		{"cv.pdf", "application/pdf"},
		{"/home/a/CV.PDF", "application/pdf"},
		{"notes", "application/octet-stream"},
		{"archive.unknownext", "application/octet-stream"},
	}
	for _, tt := range tests {
		if got := mimeType(tt.path); got != tt.want {
			t.Errorf("mimeType(%q) = %q; want %q", tt.path, got, tt.want)
		}
	}
}

func TestSaveFileFromTheBot(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	c := New(nil, nil, io.Discard, slog.New(slog.DiscardHandler))
	got := c.saveFile(&flows.Attachment{FileName: "../diary.pdf", Content: []byte("pdf")})
	if filepath.Dir(filepath.Dir(got)) != os.Getenv("TMPDIR") || filepath.Base(got) != "diary.pdf" {
		t.Fatalf("saveFile(../diary.pdf) = %q; want diary.pdf in a folder under %s", got, os.Getenv("TMPDIR"))
	}
	if buf, err := os.ReadFile(got); err != nil || string(buf) != "pdf" {
		t.Errorf("saved file holds %q, %v; want %q", buf, err, "pdf")
	}
	again := c.saveFile(&flows.Attachment{FileName: "diary.pdf", Content: []byte("pdf 2")})
	if again == got || filepath.Dir(again) != filepath.Dir(got) {
		t.Errorf("saveFile(diary.pdf) twice = %q, %q; want two files in one folder", got, again)
	}
	if p := c.saveFile(&flows.Attachment{FileID: filePrefix + "/home/a/cv.pdf"}); p != "/home/a/cv.pdf" {
		t.Errorf("saveFile(console file id) = %q; want the original path", p)
	}
}

// TestTimeMovesTheClockAndSendsWhatFallsDue: a support request left
// unanswered, then ":time +25h": the reminder the scheduler would send
// the committee group a day later is printed, once; a time in the past
// is refused.
func TestTimeMovesTheClockAndSendsWhatFallsDue(t *testing.T) {
	clock := &Clock{}
	e := newEngineAt(t, clock.Now)
	var out bytes.Buffer
	c := New(e, nil, &out, slog.New(slog.DiscardHandler))
	c.UseClock(clock)
	typeLines(t, c, "/start", "1", "/support", "1", "1", "I need a room")
	group := e.Program().Universities[0].CommitteeChat
	posted := groupMessages(c, group)
	typeLines(t, c, ":time 2020-01-01 10:00")
	if !strings.Contains(out.String(), e.Catalog().T("en", "console.bad_time", map[string]any{"Arg": "2020-01-01 10:00"})) {
		t.Errorf("a time in the past was not refused:\n%s", out.String())
	}
	typeLines(t, c, ":time +25h", ":time +1h")
	if n := groupMessages(c, group) - posted; n != 1 {
		t.Errorf("after :time +25h and +1h the group got %d messages; want the one reminder:\n%s", n, out.String())
	}
}

// groupMessages counts the messages the console showed sent to group.
func groupMessages(c *Console, group int64) int {
	n := 0
	for _, chat := range c.inGroup {
		if chat == group {
			n++
		}
	}
	return n
}

// typeLines types lines into c one after another, as Run would.
func typeLines(tb testing.TB, c *Console, lines ...string) {
	tb.Helper()
	for _, l := range lines {
		if err := c.line(tb.Context(), l); err != nil {
			tb.Fatalf("line %q: %v", l, err)
		}
	}
}

// langOf is the language the engine keeps for user id.
func langOf(tb testing.TB, e *flows.Engine, id int64) string {
	tb.Helper()
	return e.LangOf(tb.Context(), id)
}

// TestAsByName: :as takes the first names the console gives the
// programme's people, and the people who used the console, without
// regard to case or accents; what follows reaches the engine from that
// person, under that name. A name nobody has changes nobody and lists
// who can be chosen.
func TestAsByName(t *testing.T) {
	e := newEngine(t)
	var out bytes.Buffer
	c := New(e, nil, &out, slog.New(slog.DiscardHandler))
	typeLines(t, c, ":as 42", "/help") // someone new, named on first use
	tests := []struct {
		typed string
		id    int64
		name  string
	}{
		{":as sofia", 100000001, "Sofia"},     // staff
		{":as JOSE", 200000001, "José"},       // a project's mentor, accent left out
		{":as Élodie", 200000002, "Élodie"},   // accent typed
		{":as siobhan", 200000004, "Siobhán"}, // another mentor
		{":as chiara", 400000001, "Chiara"},   // a committee member
		{":as bruno", 42, "Bruno"},            // someone who used the console
		{":as 200000003", 200000003, "Jürgen"},
		{":as ada", firstUser, "Ada"}, // back to the first
	}
	for _, tt := range tests {
		t.Run(tt.typed, func(t *testing.T) {
			if got := langOf(t, e, tt.id); got == "it" {
				t.Fatalf("user %d speaks Italian before the test", tt.id)
			}
			typeLines(t, c, tt.typed, "/start", "2") // 2: Italiano
			if got := langOf(t, e, tt.id); got != "it" {
				t.Errorf("%s, /start, 2: user %d's language = %q; want it: the events did not come from them\n%s", tt.typed, tt.id, got, out.String())
			}
			p, err := e.Records().Profile(t.Context(), tt.id)
			if err != nil || p.FirstName != tt.name {
				t.Errorf("%s: profile of %d has first name %q, %v; want %q", tt.typed, tt.id, p.FirstName, err, tt.name)
			}
		})
	}

	// Nobody is called Zorro: Sofia stays, and everyone is listed.
	out.Reset()
	typeLines(t, c, ":as sofia", "/language")
	before := c.update
	typeLines(t, c, ":as Zorro")
	if c.update != before || c.user != 100000001 {
		t.Errorf(":as Zorro sent %d events and made user %d current; want none, Sofia still", c.update-before, c.user)
	}
	for _, p := range c.people.list {
		if !strings.Contains(out.String(), p.name) {
			t.Errorf(":as Zorro does not list %s (user %d):\n%s", p.name, p.id, out.String())
		}
	}
}

func TestFold(t *testing.T) {
	tests := []struct{ in, want string }{
		{"José", "jose"},
		{" SIOBHÁN ", "siobhan"},
		{"Jürgen", "jurgen"},
		{"Élodie", "elodie"},
		{"Università", "universita"},
	}
	for _, tt := range tests {
		if got := fold(tt.in); got != tt.want {
			t.Errorf("fold(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
}

func TestUniversityByIDOrName(t *testing.T) {
	c := New(newEngine(t), nil, io.Discard, slog.New(slog.DiscardHandler))
	tests := []struct{ arg, want string }{
		{"bicocca", "bicocca"},
		{"PALERMO", "palermo"},
		{"university of roma 3", "roma3"},
		{"Milano", "bicocca"}, // the only name that holds it
		{"University", ""},    // every name holds it
		{"Sorbonne", ""},      // none
		{"", ""},              // nothing asked
		{"Università", ""},    // accents aside, still every name
		{"Milano Bicocca", "bicocca"},
	}
	for _, tt := range tests {
		u, ok := c.university(tt.arg)
		if got := u.ID; got != tt.want || ok != (tt.want != "") {
			t.Errorf("university(%q) = %q, %v; want %q", tt.arg, got, ok, tt.want)
		}
	}
}

// ticketOf returns the one ticket user id opened.
func ticketOf(tb testing.TB, e *flows.Engine, id int64) records.Ticket {
	tb.Helper()
	tks, err := e.Records().TicketsOf(tb.Context(), id)
	if err != nil || len(tks) != 1 {
		tb.Fatalf("TicketsOf(%d) = %d tickets, %v; want 1", id, len(tks), err)
	}
	return tks[0]
}

// TestGroupAnswersRequests: in a committee group a line replies to the
// group's latest request and :reply N to the request numbered N; each
// answer reaches the student who asked, from the member typing. After
// :private the member is in their private chat again.
func TestGroupAnswersRequests(t *testing.T) {
	e := newEngine(t)
	var out bytes.Buffer
	c := New(e, nil, &out, slog.New(slog.DiscardHandler))
	ask := []string{"/start", "1", "/support", "1", "1"} // Bicocca's committee, first topic
	typeLines(t, c, append(ask, "Ada needs a room")...)
	group := e.Program().Universities[0].CommitteeChat
	adaRequest := c.request[group]
	if adaRequest == 0 {
		t.Fatalf("Ada's request reached no group message:\n%s", out.String())
	}
	typeLines(t, c, append([]string{":as 2"}, append(ask, "Bruno needs a visa")...)...)
	const member = 400000001
	typeLines(t, c, ":as chiara", ":group bicocca",
		"For Bruno: ask the visa office", // the latest request, Bruno's
		":reply "+strconv.Itoa(adaRequest)+" For Ada: try the housing office",
		":private", "/start", "2")

	for _, s := range []struct {
		id     int64
		answer string
	}{{firstUser, "For Ada"}, {2, "For Bruno"}} {
		tk := ticketOf(t, e, s.id)
		if tk.State != records.TicketAnswered || tk.AnsweredBy != member {
			t.Errorf("ticket of %d: state %s answered by %d; want answered by %d\n%s", s.id, tk.State, tk.AnsweredBy, member, out.String())
		}
		to := e.Catalog().T("en", "console.to", map[string]any{"Chat": c.people.person(s.id).name})
		if i := strings.Index(out.String(), s.answer); i < 0 || !strings.Contains(out.String()[:i], to) {
			t.Errorf("%q was not shown as sent to %d (%q):\n%s", s.answer, s.id, to, out.String())
		}
	}
	if got := langOf(t, e, member); got != "it" {
		t.Errorf("after :private, /start and 2 the member speaks %q; want it, chosen in their private chat", got)
	}
}

// TestGroupRefusals: :group with no university it knows, and :reply to
// a message that is not the group's, send nothing.
func TestGroupRefusals(t *testing.T) {
	e := newEngine(t)
	c := New(e, nil, io.Discard, slog.New(slog.DiscardHandler))
	typeLines(t, c, ":group Sorbonne", ":group", ":reply 1 hello", ":reply x hello")
	if c.update != 0 || c.chat != firstUser {
		t.Errorf("refused :group and :reply sent %d events, left the console in chat %d; want none, in %d", c.update, c.chat, firstUser)
	}
	typeLines(t, c, "/start", ":group bicocca", ":reply 1 hello")
	if c.update != 1 {
		t.Errorf(":reply to a message of the private chat, in a group, sent %d events; want only /start", c.update)
	}
}

// TestButtonsOutliveRepliesWithoutButtons: a chat's buttons stay
// pressable after replies without buttons, each chat its own, as in
// Telegram, where old buttons stay under their message.
func TestButtonsOutliveRepliesWithoutButtons(t *testing.T) {
	e := newEngine(t)
	c := New(e, nil, io.Discard, slog.New(slog.DiscardHandler))
	typeLines(t, c,
		"/start",                   // the language question, with buttons, for Ada
		":as 2", "/start", "hello", // Bruno's question, then a reply without buttons
		":as 1", "hello", // the same for Ada
		"2",                   // Italiano, under Ada's question
		":as 2", "/help", "1", // English, under Bruno's question
	)
	if got := langOf(t, e, firstUser); got != "it" {
		t.Errorf("Ada's language = %q; want it, pressed after a reply without buttons", got)
	}
	if got := langOf(t, e, 2); got != "en" {
		t.Errorf("Bruno's language = %q; want en", got)
	}
	p, err := e.Records().Profile(t.Context(), 2)
	if err != nil || p.Lang != "en" {
		t.Errorf("Bruno's stored language = %q, %v; want en, chosen with the button", p.Lang, err)
	}
}

// TestSayAndNumbers: a number presses a button while the chat has
// buttons and is refused when there is no such button; :say sends it
// as a message instead.
func TestSayAndNumbers(t *testing.T) {
	e := newEngine(t)
	c := New(e, nil, io.Discard, slog.New(slog.DiscardHandler))
	typeLines(t, c, "/start", "70")
	if c.update != 1 {
		t.Errorf("70 with a button per language sent %d events; want only /start", c.update)
	}
	typeLines(t, c, ":say 70", ":nosuch")
	if c.update != 2 {
		t.Errorf(":say 70 and :nosuch sent %d events after /start; want 1", c.update-1)
	}
}

// consoleID finds the message ids the console's source hands to the
// catalog.
var consoleID = regexp.MustCompile(`"(console\.[a-z_.]+)"`)

// TestConsoleMessagesExist: every message id console.go uses is in
// every language.
func TestConsoleMessagesExist(t *testing.T) {
	src, err := os.ReadFile("console.go")
	if err != nil {
		t.Fatal(err)
	}
	ids := consoleID.FindAllStringSubmatch(string(src), -1)
	if len(ids) < 20 {
		t.Fatalf("found %d console message ids in console.go; the scan is broken", len(ids))
	}
	cat, err := locales.New()
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range cat.Languages() {
		have, err := locales.IDs(lang)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range ids {
			if !slices.Contains(have, m[1]) {
				t.Errorf("%s lacks %s", lang, m[1])
			}
		}
	}
}
