package flows_test

import (
	"bytes"
	"context"
	"github.com/mentorbot/mentorbot/flows/records"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mentorbot/mentorbot/flows"
	"github.com/mentorbot/mentorbot/flows/redisstore/redistest"
	"github.com/mentorbot/mentorbot/locales"
)

// Users of the test programme (testdata/program.toml).
const (
	staffID  = 100000001
	mentorID = 200000001 // mentor of project madrid-ai
	studentA = 300000001
	studentB = 300000002
)

// clock is a settable test clock.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Set(t time.Time)     { c.mu.Lock(); c.now = t; c.mu.Unlock() }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.now = c.now.Add(d); c.mu.Unlock() }

// harness drives an Engine the way bot/ does, one event at a time.
type harness struct {
	tb     testing.TB
	engine *flows.Engine
	store  records.Store
	// rec reads and writes the records the engine keeps, to set up and
	// check a test.
	rec     *records.DB
	clock   *clock
	program *flows.Program
	update  int64
}

func loadProgram(tb testing.TB) *flows.Program {
	tb.Helper()
	p, err := flows.LoadProgram("testdata/program.toml")
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

func newHarness(tb testing.TB) *harness {
	tb.Helper()
	return newHarnessWith(tb, redistest.Store(tb), loadProgram(tb))
}

func newHarnessWith(tb testing.TB, store records.Store, program *flows.Program) *harness {
	tb.Helper()
	cat, err := locales.New()
	if err != nil {
		tb.Fatal(err)
	}
	cat.ReportMissing(func(lang, id string) { tb.Errorf("message %q is missing in %s", id, lang) })
	clk := &clock{now: time.Date(2027, 2, 1, 10, 0, 0, 0, program.Location())}
	e, err := flows.New(flows.Config{Store: store, Catalog: cat, Program: program, Now: clk.Now, BotUsername: "mentor_test_bot"})
	if err != nil {
		tb.Fatal(err)
	}
	return &harness{tb: tb, engine: e, store: store, rec: records.New(store, clk.Now).InEdition(program.Edition), clock: clk, program: program}
}

func (h *harness) handle(ev flows.Event) flows.Reply {
	h.tb.Helper()
	h.update++
	ev.UpdateID = h.update
	if ev.ChatID == 0 {
		ev.ChatID = ev.From.ID
		ev.ChatType = flows.ChatPrivate
	}
	r, err := h.engine.Handle(context.Background(), ev)
	if err != nil {
		h.tb.Fatalf("Handle(%+v): %v", ev, err)
	}
	return r
}

func user(id int64, lang string) flows.User {
	return flows.User{ID: id, FirstName: "User" + strings.TrimPrefix(lang, "-"), Username: "u" + lang, LanguageCode: lang}
}

// command sends /name args from u in their private chat.
func (h *harness) command(u flows.User, name, args string) flows.Reply {
	h.tb.Helper()
	return h.handle(flows.Event{Kind: flows.KindCommand, From: u, Command: name, Args: args})
}

// text sends a plain message from u in their private chat.
func (h *harness) text(u flows.User, text string) flows.Reply {
	h.tb.Helper()
	return h.handle(flows.Event{Kind: flows.KindText, From: u, Text: text})
}

// press presses the button of r whose text contains label.
func (h *harness) press(u flows.User, r flows.Reply, label string) flows.Reply {
	h.tb.Helper()
	b, ok := findButton(r, label)
	if !ok {
		h.tb.Fatalf("no button %q in reply %s", label, dump(r))
	}
	return h.handle(flows.Event{Kind: flows.KindButton, From: u, Data: b.Data})
}

// pressData presses a button with raw callback data.
func (h *harness) pressData(u flows.User, data string) flows.Reply {
	h.tb.Helper()
	return h.handle(flows.Event{Kind: flows.KindButton, From: u, Data: data})
}

// document sends a file from u.
func (h *harness) document(u flows.User, name, mime string, size int64) flows.Reply {
	h.tb.Helper()
	return h.handle(flows.Event{Kind: flows.KindDocument, From: u,
		File: &flows.File{FileID: "file-" + name, FileName: name, MIMEType: mime, Size: size}})
}

func findButton(r flows.Reply, label string) (flows.Button, bool) {
	for _, m := range r.Messages {
		for _, row := range m.Buttons {
			for _, b := range row {
				if strings.Contains(b.Text, label) {
					return b, true
				}
			}
		}
	}
	return flows.Button{}, false
}

// dump renders a reply for failure messages.
func dump(r flows.Reply) string {
	var b strings.Builder
	for _, m := range r.Messages {
		b.WriteString("\n  to " + strconv.FormatInt(m.ChatID, 10) + ": " + m.Text)
		for _, row := range m.Buttons {
			b.WriteString("\n    [")
			for _, btn := range row {
				b.WriteString(" " + btn.Text + " ")
			}
			b.WriteString("]")
		}
		if m.File != nil {
			b.WriteString("\n    file " + m.File.FileName + m.File.FileID)
		}
	}
	if r.Notice != "" {
		b.WriteString("\n  notice: " + r.Notice)
	}
	return b.String()
}

// text of all messages of r to chat, joined.
func textTo(r flows.Reply, chat int64) string {
	var parts []string
	for _, m := range r.Messages {
		if m.ChatID == chat {
			parts = append(parts, m.Text)
		}
	}
	return strings.Join(parts, "\n")
}

// wantText fails unless some message of r to chat contains want.
func wantText(tb testing.TB, r flows.Reply, chat int64, want string) {
	tb.Helper()
	if !strings.Contains(textTo(r, chat), want) {
		tb.Fatalf("reply to %d lacks %q; got:%s", chat, want, dump(r))
	}
}

func TestMain(m *testing.M) { os.Exit(m.Run()) }

// saidTo returns the locales ids of the messages of r to chat, in order.
func saidTo(r flows.Reply, chat int64) []string {
	var ids []string
	for _, m := range r.Messages {
		if m.ChatID == chat {
			ids = append(ids, m.TextID)
		}
	}
	return ids
}

// wantSaid fails unless some message of r to chat was made from
// locales id.
func wantSaid(tb testing.TB, r flows.Reply, chat int64, id string) {
	tb.Helper()
	if !slices.Contains(saidTo(r, chat), id) {
		tb.Fatalf("reply to %d lacks message %s; got ids %q:%s", chat, id, saidTo(r, chat), dump(r))
	}
}

// wantNotice fails unless r's toast was made from locales id.
func wantNotice(tb testing.TB, r flows.Reply, id string) {
	tb.Helper()
	if r.NoticeID != id {
		tb.Fatalf("notice = %q (%s); want %s", r.NoticeID, r.Notice, id)
	}
}

// buttonFor returns the button of r to chat whose callback has action
// (and arg, unless arg is "*").
func buttonFor(r flows.Reply, chat int64, action, arg string) (flows.Button, bool) {
	for _, m := range r.Messages {
		if m.ChatID != chat {
			continue
		}
		for _, row := range m.Buttons {
			for _, b := range row {
				cb, err := flows.DecodeCallback(b.Data)
				if err == nil && cb.Action == action && (arg == "*" || cb.Arg == arg) {
					return b, true
				}
			}
		}
	}
	return flows.Button{}, false
}

// pressAction presses the button of r in u's chat whose callback has
// action and arg ("*": any).
func (h *harness) pressAction(u flows.User, r flows.Reply, action, arg string) flows.Reply {
	h.tb.Helper()
	b, ok := buttonFor(r, u.ID, action, arg)
	if !ok {
		h.tb.Fatalf("no button %s/%s for %d in reply %s", action, arg, u.ID, dump(r))
	}
	return h.handle(flows.Event{Kind: flows.KindButton, From: u, Data: b.Data})
}

// jobFile is what a job a turn started produced, run the way the bot's
// job runner runs it.
type jobFile struct {
	flows.JobResult
	Content []byte
}

// runJobs runs the jobs the turn of r started, found by the Ref of
// their progress messages, and returns their files.
func (h *harness) runJobs(r flows.Reply) []jobFile {
	h.tb.Helper()
	var out []jobFile
	for _, m := range r.Messages {
		id, ok := flows.JobOf(m.Ref)
		if !ok {
			continue
		}
		var buf bytes.Buffer
		_, res, err := h.engine.RunJob(context.Background(), id, &buf, nil)
		if err != nil {
			h.tb.Fatalf("job %s: %v", id, err)
		}
		if err := h.engine.FinishJob(context.Background(), id); err != nil {
			h.tb.Fatal(err)
		}
		out = append(out, jobFile{JobResult: res, Content: buf.Bytes()})
	}
	return out
}
