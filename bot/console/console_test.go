package console

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mentorbot/mentorbot/flows"
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
	cat, program := e.Catalog(), e.Program()
	var out bytes.Buffer
	in := "/start\n1\n/support\n1\n1\nI need a room\n:time 2020-01-01 10:00\n:time +25h\n:time +1h\n:quit\n"
	c := New(e, strings.NewReader(in), &out, slog.New(slog.DiscardHandler))
	c.UseClock(clock)
	if err := c.Run(t.Context()); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	_, after, ok := strings.Cut(got, "🕒")
	if !ok {
		t.Fatalf("no clock line in:\n%s", got)
	}
	if !strings.Contains(got, cat.T("en", "console.bad_time", map[string]any{"Arg": "2020-01-01 10:00"})) {
		t.Errorf("a time in the past was not refused:\n%s", got)
	}
	group := cat.T("en", "console.to", map[string]any{"Chat": program.Universities[0].CommitteeChat})
	if n := strings.Count(after, group); n != 1 {
		t.Errorf("after :time +25h the group got %d messages; want the one reminder:\n%s", n, after)
	}
}
