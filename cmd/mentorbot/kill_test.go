package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/mentorbot/mentorbot/bot/telegramtest"
	"github.com/mentorbot/mentorbot/flows/records"
	"github.com/mentorbot/mentorbot/flows/redisstore"
	"github.com/mentorbot/mentorbot/flows/redisstore/redistest"
)

// child is the real program running in a child process (see TestMain).
type child struct {
	tb  testing.TB
	cmd *exec.Cmd
}

// startChild starts main() in a child process with env on top of the
// test's environment; it is killed when tb ends.
func startChild(tb testing.TB, env ...string) *child {
	tb.Helper()
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), mainEnv+"=1", mainEnv+"_ARGS=")
	cmd.Env = append(cmd.Env, env...)
	cmd.Stdin = strings.NewReader("")
	cmd.Stdout = tb.Output()
	cmd.Stderr = tb.Output()
	if err := cmd.Start(); err != nil {
		tb.Fatalf("start child: %v", err)
	}
	c := &child{tb: tb, cmd: cmd}
	tb.Cleanup(c.kill)
	return c
}

// kill sends SIGKILL, as kill -9 does, and waits for the process to go.
func (c *child) kill() {
	if c.cmd.ProcessState != nil {
		return
	}
	if err := c.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		c.tb.Errorf("kill child: %v", err)
	}
	c.cmd.Wait() // "signal: killed"
}

// pressLatest returns u pressing the button labelled label on the
// latest message to u that has one.
func pressLatest(tb testing.TB, tg *telegramtest.Server, u telegramtest.User, label string) telegramtest.Update {
	tb.Helper()
	ms := tg.Messages(u.ID)
	for i := len(ms) - 1; i >= 0; i-- {
		if b, ok := ms[i].Button(label); ok {
			return tg.Press(u, ms[i], b.Data)
		}
	}
	tb.Fatalf("no button %q for %d:%s", label, u.ID, telegramtest.Dump(ms))
	return nil
}

// TestKillMidApplyLosesNoAnswer runs the real program as a child
// process against the fake Telegram and a Redis that outlives it, kills
// it with SIGKILL in the middle of /apply each time the user saw the
// answer to a step, and starts a new one: the flow goes on at the
// step where it was, with every earlier answer kept and no step
// answered twice.
func TestKillMidApplyLosesNoAnswer(t *testing.T) {
	tg := telegramtest.NewServer(t)
	rdb, prefix := redistest.Client(t)
	redisURL := os.Getenv("REDIS_URL")
	if redisURL == "" {
		redisURL = "redis://" + rdb.(*redis.Client).Options().Addr // the embedded server
	}
	// The example programme with a deadline that stays in the future.
	program := filepath.Join(t.TempDir(), "program.toml")
	buf := strings.Replace(string(exampleProgram), `deadline = "2027-03-31 23:59"`, `deadline = "2099-12-31 23:59"`, 1)
	if err := os.WriteFile(program, []byte(buf), 0o600); err != nil {
		t.Fatal(err)
	}
	env := []string{
		"TELEGRAM_TOKEN=" + tg.Token(), "TELEGRAM_API_URL=" + tg.URL(),
		"REDIS_URL=" + redisURL, "REDIS_PREFIX=" + prefix,
		"LISTEN_ADDR=127.0.0.1:0", "PROGRAM_FILE=" + program, "LOG_LEVEL=warn",
		"WEBHOOK_URL=", "WEBHOOK_SECRET=",
	}
	u := telegramtest.User{ID: 5150, FirstName: "Amina", LanguageCode: "en"}

	steps := []struct {
		update  func() telegramtest.Update
		replies int    // messages in answer
		want    string // in the last, which the user saw before the kill
	}{
		{func() telegramtest.Update { return tg.CommandMessage(u, "apply", "") }, 2, "Step 1 of 9"},
		{func() telegramtest.Update { return pressLatest(t, tg, u, "Bachelor's") }, 1, "Step 2 of 9"},
		{func() telegramtest.Update { return pressLatest(t, tg, u, "Year 2") }, 1, "Step 3 of 9"},
		{func() telegramtest.Update { return pressLatest(t, tg, u, "Machine learning for public health") }, 1, "Step 4 of 9"},
		{func() telegramtest.Update { return pressLatest(t, tg, u, "B1") }, 1, "Step 5 of 9"},
	}
	c := startChild(t, env...)
	sent := 0
	for _, step := range steps {
		upd := step.update()
		tg.Inject(upd)
		sent += step.replies
		m := tg.WaitMessage(u.ID, sent)
		if !strings.Contains(m.Text, step.want) {
			t.Fatalf("reply %d = %q; want %q:%s", sent, m.Text, step.want, telegramtest.Dump(tg.Messages(u.ID)))
		}
		// Killed after every answer the user saw, the next step is
		// answered by a new process. Telegram delivers again what the
		// killed process had not confirmed; here always, with the same
		// update id, and the new process must take it as done.
		c.kill()
		c = startChild(t, env...)
		tg.Inject(upd)
	}
	// Updates of a chat are handled in order: the answer to /status is
	// the next message, with no step answered twice before it.
	tg.Inject(tg.CommandMessage(u, "status", ""))
	m := tg.WaitMessage(u.ID, sent+1)
	if ms := tg.Messages(u.ID); len(ms) != sent+1 || strings.Contains(m.Text, "Step ") {
		t.Errorf("bot sent %d messages; want %d to the steps and one to /status:%s", len(ms), sent, telegramtest.Dump(ms))
	}

	db := records.New(redisstore.New(rdb, redisstore.Options{Prefix: prefix}), nil)
	a, err := db.ApplicationOf(context.Background(), u.ID)
	if err != nil {
		t.Fatalf("ApplicationOf(%d) = %v; want the draft", u.ID, err)
	}
	if a.Degree == "" || a.Year != 2 || a.ProjectID != "madrid-ai" || a.Level != "B1" {
		t.Errorf("draft after three kills = degree %q, year %d, project %q, level %q; want every answer kept",
			a.Degree, a.Year, a.ProjectID, a.Level)
	}
}
