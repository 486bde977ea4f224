package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

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
	// The example programme with a deadline that stays in the future.
	program := filepath.Join(t.TempDir(), "program.toml")
	buf := strings.NewReplacer(`deadline = "2027-03-31 23:59"`, `deadline = "2099-12-31 23:59"`,
		`ends = "2027-12-31"`, `ends = "2100-12-31"`).Replace(string(exampleProgram))
	if err := os.WriteFile(program, []byte(buf), 0o600); err != nil {
		t.Fatal(err)
	}
	env := []string{
		"TELEGRAM_TOKEN=" + tg.Token(), "TELEGRAM_API_URL=" + tg.URL(),
		"REDIS_PREFIX=" + prefix,
		"LISTEN_ADDR=127.0.0.1:0", "METRICS_ADDR=127.0.0.1:0", "PROGRAM_FILE=" + program, "LOG_LEVEL=warn",
		"WEBHOOK_URL=", "WEBHOOK_SECRET=",
	}
	env = append(env, childRedis(rdb)...)
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
		// Killed after every answer the user saw (and the process
		// marked it sent), the next step is answered by a new process.
		// Telegram delivers again what the killed process had not
		// confirmed; here always, with the same update id, and the new
		// process must take it as done.
		waitOutboxEmpty(t, rdb, prefix)
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

	db := records.New(redisstore.New(rdb, redistest.Options(rdb, prefix)), nil).InEdition("2026/27")
	a, err := db.ApplicationOf(context.Background(), u.ID)
	if err != nil {
		t.Fatalf("ApplicationOf(%d) = %v; want the draft", u.ID, err)
	}
	if a.Degree == "" || a.Year != 2 || a.ProjectID != "madrid-ai" || a.Level != "B1" {
		t.Errorf("draft after three kills = degree %q, year %d, project %q, level %q; want every answer kept",
			a.Degree, a.Year, a.ProjectID, a.Level)
	}
}

// waitOutboxEmpty waits until no chat has messages in the durable
// outbox: every message sent and marked so.
func waitOutboxEmpty(tb testing.TB, rdb redis.UniversalClient, prefix string) {
	tb.Helper()
	db := records.New(redisstore.New(rdb, redistest.Options(rdb, prefix)), nil).InEdition("2026/27")
	waitFor(tb, "the durable outbox to empty", func() bool {
		n, err := db.OutboxPending(context.Background())
		return err == nil && n == 0
	})
}

// waitFor polls cond, which reads Redis (it cannot notify), until it
// holds, for at most the fake Telegram's timeout plus a lease.
func waitFor(tb testing.TB, what string, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(telegramtest.DefaultTimeout + 15*time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// killEnv starts a fake Telegram and the environment of a child
// process of the real program against it and the test's Redis.
func killEnv(t *testing.T) (*telegramtest.Server, redis.UniversalClient, string, []string) {
	tg := telegramtest.NewServer(t)
	// A chat whose sender died is sent to again when its lease runs out.
	tg.SetTimeout(telegramtest.DefaultTimeout + 15*time.Second)
	rdb, prefix := redistest.Client(t)
	return tg, rdb, prefix, append([]string{
		"TELEGRAM_TOKEN=" + tg.Token(), "TELEGRAM_API_URL=" + tg.URL(),
		"REDIS_PREFIX=" + prefix,
		"LISTEN_ADDR=127.0.0.1:0", "METRICS_ADDR=127.0.0.1:0", "LOG_LEVEL=warn", "WEBHOOK_URL=", "WEBHOOK_SECRET=",
	}, childRedis(rdb)...)
}

// childRedis is the environment that points a child process at the
// test's Redis: the local Cluster (as a Cluster), the real Redis of
// REDIS_URL, or the embedded server.
func childRedis(rdb redis.UniversalClient) []string {
	if urls := os.Getenv("REDIS_CLUSTER_URL"); urls != "" {
		return []string{"REDIS_URL=" + urls, "REDIS_CLUSTER=true"}
	}
	if url := os.Getenv("REDIS_URL"); url != "" {
		return []string{"REDIS_URL=" + url}
	}
	return []string{"REDIS_URL=redis://" + rdb.(*redis.Client).Options().Addr}
}

// TestKillAfterCommitBeforeSendDeliversOnce kills the program after a
// turn committed its reply but before Telegram got it (Telegram
// unreachable): the next process sends the reply, once.
func TestKillAfterCommitBeforeSendDeliversOnce(t *testing.T) {
	tg, rdb, prefix, env := killEnv(t)
	u := telegramtest.User{ID: 6160, FirstName: "Bilal", LanguageCode: "en"}
	c := startChild(t, env...)
	tg.Stall("sendmessage")
	tg.Inject(tg.CommandMessage(u, "help", ""))
	tg.WaitCalls("sendmessage", 1) // committed, and the send hangs
	c.kill()
	tg.Release()
	startChild(t, env...)
	tg.WaitMessage(u.ID, 1)
	waitOutboxEmpty(t, rdb, prefix)
	tg.Inject(tg.CommandMessage(u, "status", ""))
	tg.WaitMessage(u.ID, 2)
	if ms := tg.Messages(u.ID); len(ms) != 2 {
		t.Errorf("after the kill the bot sent:%s\nwant the help and the status, once each", telegramtest.Dump(ms))
	}
}

// TestKillAfterSendBeforeMarkRepeatsOnlyThatMessage kills the program
// after Telegram accepted a reply but before the program heard so: the
// next process sends that one message again (the documented repeat),
// and nothing else twice.
func TestKillAfterSendBeforeMarkRepeatsOnlyThatMessage(t *testing.T) {
	tg, rdb, prefix, env := killEnv(t)
	u := telegramtest.User{ID: 6170, FirstName: "Chen", LanguageCode: "en"}
	c := startChild(t, env...)
	tg.Hold("sendmessage")
	tg.Inject(tg.CommandMessage(u, "help", ""))
	tg.WaitMessage(u.ID, 1) // sent; the answer never reaches the program
	c.kill()
	tg.Release()
	startChild(t, env...)
	ms := tg.WaitMessages(u.ID, 2)
	if ms[0].Text != ms[1].Text {
		t.Fatalf("after the kill the bot sent:%s\nwant the help repeated once", telegramtest.Dump(ms))
	}
	waitOutboxEmpty(t, rdb, prefix)
	tg.Inject(tg.CommandMessage(u, "status", ""))
	tg.WaitMessage(u.ID, 3)
	if ms := tg.Messages(u.ID); len(ms) != 3 {
		t.Errorf("after the kill the bot sent:%s\nwant the help twice and the status once", telegramtest.Dump(ms))
	}
}
