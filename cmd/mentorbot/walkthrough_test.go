package main

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/mentorbot/mentorbot/flows"
	"github.com/mentorbot/mentorbot/flows/records"
	"github.com/mentorbot/mentorbot/flows/redisstore"
	"github.com/mentorbot/mentorbot/flows/redisstore/redistest"
	"github.com/mentorbot/mentorbot/locales"
)

// walkthroughFiles are where the console walkthrough may be, from the
// repository's top: the README, once merged there, or a file of its
// own. The first that has walkthrough blocks is run.
var walkthroughFiles = []string{"README.md", "CONSOLE_WALKTHROUGH.md"}

// walkthroughFence opens a block of lines the walkthrough has a
// newcomer type.
const walkthroughFence = "```text walkthrough"

// walkthroughLines returns the lines of every walkthrough block of the
// first file that has any, in order, and the file's name. Paths are
// relative to dir, the repository's top.
func walkthroughLines(tb testing.TB, dir string) (string, []string) {
	tb.Helper()
	for _, name := range walkthroughFiles {
		f, err := os.Open(filepath.Join(dir, name))
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			tb.Fatal(err)
		}
		defer f.Close()
		var lines []string
		in := false
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			switch l := sc.Text(); {
			case strings.TrimSpace(l) == walkthroughFence:
				in = true
			case in && strings.HasPrefix(l, "```"):
				in = false
			case in:
				lines = append(lines, l)
			}
		}
		if err := sc.Err(); err != nil {
			tb.Fatal(err)
		}
		if len(lines) > 0 {
			return name, lines
		}
	}
	tb.Fatalf("no %s block in any of %v", walkthroughFence, walkthroughFiles)
	return "", nil
}

// redisOptionsOf returns options that reach the Redis rdb talks to.
func redisOptionsOf(tb testing.TB, rdb redis.UniversalClient) *redis.UniversalOptions {
	tb.Helper()
	switch c := rdb.(type) {
	case *redis.ClusterClient:
		o := c.Options()
		return &redis.UniversalOptions{Addrs: o.Addrs, IsClusterMode: true, Username: o.Username, Password: o.Password, Protocol: o.Protocol}
	case *redis.Client:
		o := c.Options()
		return &redis.UniversalOptions{Addrs: []string{o.Addr}, DB: o.DB, Username: o.Username, Password: o.Password, Protocol: o.Protocol, TLSConfig: o.TLSConfig}
	}
	tb.Fatalf("unexpected Redis client %T", rdb)
	return nil
}

// Who the walkthrough plays, as the example programme and the console
// name them.
const (
	walkStudent   = 1
	walkMentor    = 200000001
	walkCommittee = 300000101
)

// TestWalkthrough runs the console walkthrough's lines, as a newcomer
// types them, through the whole program on the example programme, and
// checks what they are there to show: the application published and
// matched, the agreement confirmed with the meeting the mentor moved,
// the diary entry written, and the committee's answer relayed to the
// student; and that nothing failed on the way.
func TestWalkthrough(t *testing.T) {
	top, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	cat, err := locales.New()
	if err != nil {
		t.Fatal(err)
	}
	file, lines := walkthroughLines(t, top)
	t.Chdir(top) // the walkthrough's paths start there

	rdb, prefix := redistest.Client(t)
	cfg := testConfig(t)
	cfg.Now = func() time.Time { return time.Date(2027, 1, 20, 9, 0, 0, 0, time.UTC) } // before its first :time
	cfg.Redis, cfg.RedisPrefix = redisOptionsOf(t, rdb), prefix
	var logs, out bytes.Buffer
	cfg.LogOutput = io.MultiWriter(t.Output(), &logs)
	if err := run(t.Context(), cfg, strings.NewReader(strings.Join(lines, "\n")+"\n"), &out); err != nil {
		t.Fatalf("run(console, %s) = %v", file, err)
	}
	if strings.Contains(logs.String(), "level=ERROR") {
		t.Errorf("the walkthrough of %s logged errors", file)
	}
	// An engine of its own reads what the program's engine wrote.
	e, err := flows.New(flows.Config{Store: redisstore.New(rdb, redistest.Options(rdb, prefix)), Catalog: cat, Program: cfg.Program})
	if err != nil {
		t.Fatal(err)
	}
	rec := e.Records()
	checkApplication(t, rec)
	checkMentorship(t, rec)
	checkAnswer(t, rec, cat.T("en", "console.to", map[string]any{"Chat": "Ada"}), out.String(), lines)
	if t.Failed() {
		t.Logf("the walkthrough of %s printed:\n%s", file, out.String())
	}
}

// checkApplication: the student's application was matched and the
// result published.
func checkApplication(t *testing.T, rec *records.DB) {
	t.Helper()
	a, err := rec.ApplicationOf(t.Context(), walkStudent)
	if err != nil || a.State != records.AppMatched || !a.Published || a.MentorID != walkMentor {
		t.Errorf("application: state %q, published %v, mentor %d, %v; want matched, published, mentor %d", a.State, a.Published, a.MentorID, err, walkMentor)
	}
}

// checkMentorship: the mentor confirmed the student's agreement, the
// student the meeting the mentor moved, and the student wrote the
// diary entry of that meeting.
func checkMentorship(t *testing.T, rec *records.DB) {
	t.Helper()
	ms, err := rec.MentorshipsOf(t.Context(), walkStudent)
	if err != nil || len(ms) != 1 {
		t.Fatalf("MentorshipsOf(student) = %d, %v; want 1", len(ms), err)
	}
	m := ms[0]
	if m.AgreedAt.IsZero() || len(m.Meetings) != 6 {
		t.Errorf("mentorship %s: agreed at %v with %d meetings; want confirmed, 6 meetings", m.ID, m.AgreedAt, len(m.Meetings))
	}
	if len(m.Meetings) > 0 {
		if got, want := m.Meetings[0].Start, time.Date(2027, 2, 9, 17, 0, 0, 0, time.UTC); !got.Equal(want) {
			t.Errorf("meeting 1 starts %v; want %v, where the mentor moved it", got, want)
		}
	}
	if _, err := rec.DiaryEntry(t.Context(), m.ID, 1); err != nil {
		t.Errorf("diary entry of meeting 1: %v; want it written", err)
	}
}

// checkAnswer: the committee member answered the student's request,
// and the answer, the first message typed in the group, was shown sent
// to the student, under the heading toStudent.
func checkAnswer(t *testing.T, rec *records.DB, toStudent, out string, lines []string) {
	t.Helper()
	tks, err := rec.TicketsOf(t.Context(), walkStudent)
	if err != nil || len(tks) != 1 {
		t.Fatalf("TicketsOf(student) = %d, %v; want 1", len(tks), err)
	}
	if tk := tks[0]; tk.AnsweredBy != walkCommittee || tk.AnsweredAt.IsZero() {
		t.Errorf("ticket %s answered by %d at %v; want an answer from %d", tk.ID, tk.AnsweredBy, tk.AnsweredAt, walkCommittee)
	}
	answer := ""
	for i, l := range lines {
		if strings.HasPrefix(l, ":group ") {
			for _, next := range lines[i+1:] {
				if !strings.HasPrefix(next, ":") {
					answer = next
					break
				}
			}
		}
	}
	i := strings.Index(out, answer)
	j := strings.LastIndex(out[:max(i, 0)], toStudent)
	// The relayed answer is the header, a blank line and the answer.
	if answer == "" || i < 0 || j < 0 || strings.Count(out[j:i], "\n") > 3 {
		t.Errorf("the answer typed in the group, %q, was not shown sent to the student (%q)", answer, toStudent)
	}
}
