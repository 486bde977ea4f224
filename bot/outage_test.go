package bot_test

import (
	"bufio"
	"context"
	"io"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/mentorbot/mentorbot/bot/bottest"
	"github.com/mentorbot/mentorbot/bot/telegramtest"
	"github.com/mentorbot/mentorbot/flows/records"
	"github.com/mentorbot/mentorbot/flows/redisstore"
)

// outageServer is a Redis the test can stop and start again on the
// same address, keeping its data.
type outageServer interface {
	Addr() string
	Stop(tb testing.TB)
	Start(tb testing.TB)
}

// miniOutage is the embedded miniredis, closed and restarted.
type miniOutage struct{ m *miniredis.Miniredis }

func newMiniOutage(tb testing.TB) outageServer {
	m := miniredis.NewMiniRedis()
	if err := m.Start(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(m.Close)
	return &miniOutage{m}
}

func (o *miniOutage) Addr() string    { return o.m.Addr() }
func (o *miniOutage) Stop(testing.TB) { o.m.Close() }
func (o *miniOutage) Start(tb testing.TB) { // same port, same data
	if err := o.m.Restart(); err != nil {
		tb.Fatal(err)
	}
}

// realOutage is a redis-server process on a free port with its
// append-only file in a temporary folder, stopped with SIGTERM (it
// syncs the file) and started again from it.
type realOutage struct {
	bin, dir, port string
	cmd            *exec.Cmd
}

func newRealOutage(tb testing.TB, bin string) outageServer {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	ln.Close()
	o := &realOutage{bin: bin, dir: tb.TempDir(), port: port}
	o.Start(tb)
	tb.Cleanup(func() { o.Stop(tb) })
	return o
}

func (o *realOutage) Addr() string { return "127.0.0.1:" + o.port }

func (o *realOutage) Start(tb testing.TB) {
	tb.Helper()
	cmd := exec.Command(o.bin, "--port", o.port, "--bind", "127.0.0.1", "--dir", o.dir,
		"--save", "", "--appendonly", "yes", "--appendfsync", "always")
	out, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		tb.Fatalf("start redis-server: %v", err)
	}
	o.cmd = cmd
	// Ready once it says so; the rest of its log is drained.
	ready := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(out)
		said := false
		for sc.Scan() {
			if !said && strings.Contains(sc.Text(), "Ready to accept connections") {
				said = true
				ready <- true
			}
		}
		if !said {
			ready <- false
		}
		io.Copy(io.Discard, out)
	}()
	select {
	case ok := <-ready:
		if !ok {
			tb.Fatalf("redis-server on port %s exited before it was ready", o.port)
		}
	case <-time.After(telegramtest.DefaultTimeout):
		tb.Fatalf("redis-server on port %s not ready in time", o.port)
	}
}

func (o *realOutage) Stop(tb testing.TB) {
	if o.cmd == nil {
		return
	}
	o.cmd.Process.Signal(syscall.SIGTERM)
	o.cmd.Wait()
	o.cmd = nil
}

// TestRedisOutage stops the Redis under a running bot in the middle of
// a flow: an Italian user is told in Italian that the bot is
// unavailable, for a command and for a button, nothing is marked
// processed, and once Redis is back, without a restart of the bot, the
// same chat goes on where it was.
func TestRedisOutage(t *testing.T) {
	servers := map[string]func(testing.TB) outageServer{"miniredis": newMiniOutage}
	if bin, err := exec.LookPath("redis-server"); err == nil {
		servers["redis-server"] = func(tb testing.TB) outageServer { return newRealOutage(tb, bin) }
	} else {
		t.Log("no redis-server in PATH: the outage is tested on miniredis only")
	}
	for name, newServer := range servers {
		t.Run(name, func(t *testing.T) { testRedisOutage(t, newServer(t)) })
	}
}

func testRedisOutage(t *testing.T, srv outageServer) {
	// The client has go-redis's default retries and timeouts, as in
	// production.
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr()})
	t.Cleanup(func() { rdb.Close() })
	store := redisstore.New(rdb, redisstore.Options{Prefix: "outage:"})
	env := bottest.Start(t, bottest.WithEngineStore(func(records.Store) records.Store { return store }))
	u := bottest.User(studentID, "Giulia", "it")

	env.Command(u, "apply", "")
	r := env.Press(u, "Laurea triennale")
	bottest.WantText(t, r, u.ID, "Passo 2 di 9")
	yearButtons := env.Last(u.ID)

	srv.Stop(t)
	const unavailable = "Il bot non è momentaneamente disponibile. Riprova tra un minuto."
	r = env.Command(u, "status", "")
	if got := r.Text(u.ID); got != unavailable {
		t.Errorf("/status with Redis down answered %q; want %q", got, unavailable)
	}
	statusID := r.UpdateID
	b, _ := yearButtons.Button("2° anno")
	r = env.PressData(u, yearButtons, b.Data)
	if r.Notice() != unavailable || len(r.To(u.ID)) != 0 {
		t.Errorf("button with Redis down gave%s; want only the toast %q", r, unavailable)
	}
	pressID := r.UpdateID

	srv.Start(t)
	// Neither update was confirmed to Telegram, which delivers both
	// again; once Redis answers the same bot, not restarted, handles
	// them: the status, then the year the user chose during the outage.
	env.Server.WaitConfirmed(pressID)
	ctx, cancel := context.WithTimeout(context.Background(), telegramtest.DefaultTimeout)
	defer cancel()
	if err := env.Bot.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	for _, id := range []int64{statusID, pressID} {
		n, err := rdb.Exists(ctx, "outage:update:"+strconv.FormatInt(id, 10)).Result()
		if err != nil || n != 1 {
			t.Errorf("after the outage update %d handled: %d, %v; want handled once it came again", id, n, err)
		}
	}
	ms := env.Server.Messages(u.ID)
	told := 0
	for _, m := range ms {
		if m.Text == unavailable {
			told++
		}
	}
	if told != 1 {
		t.Errorf("the user was told %d times that the bot is unavailable; want once, however often the update came again:%s", told, telegramtest.Dump(ms))
	}
	bottest.WantText(t, bottest.Result{Messages: ms[len(ms)-1:]}, u.ID, "Passo 3 di 9")
	a, err := env.Records.ApplicationOf(context.Background(), u.ID)
	if err != nil || a.Degree != "bachelor" || a.Year != 2 {
		t.Errorf("draft after the outage = %+v, %v; want the degree from before and year 2", a, err)
	}
	bottest.WantText(t, env.Command(u, "status", ""), u.ID, "2 passi su 9")
}

// TestRedisStallLongerThanReadTimeout freezes Redis's writes for longer
// than the client's read timeout while a turn commits. go-redis sends
// the commit again after each timeout; when Redis wakes up it runs the
// first and refuses the others (the update is marked handled by then),
// and the user gets the answer once. Before turns committed at once,
// the retried claim met its own first attempt and the update was
// dropped as a duplicate of itself, never answered.
func TestRedisStallLongerThanReadTimeout(t *testing.T) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Skip("CLIENT PAUSE needs a real redis-server in PATH; CI has one")
	}
	srv := newRealOutage(t, bin)
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr(), ReadTimeout: 200 * time.Millisecond})
	t.Cleanup(func() { rdb.Close() })
	admin := redis.NewClient(&redis.Options{Addr: srv.Addr()})
	t.Cleanup(func() { admin.Close() })
	store := redisstore.New(rdb, redisstore.Options{Prefix: "stall:"})
	env := bottest.Start(t, bottest.WithEngineStore(func(records.Store) records.Store { return store }))
	u := bottest.User(4711, "Dana", "en")
	env.Command(u, "help", "") // the scripts are loaded; the next commit is a plain EVALSHA

	if err := admin.Do(context.Background(), "CLIENT", "PAUSE", "1000", "WRITE").Err(); err != nil {
		t.Fatal(err)
	}
	r := env.Command(u, "help", "")
	env.Server.WaitConfirmed(r.UpdateID)
	ctx, cancel := context.WithTimeout(context.Background(), telegramtest.DefaultTimeout)
	defer cancel()
	if err := env.Bot.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	helps := 0
	ms := env.Server.Messages(u.ID)
	for _, m := range ms {
		if m.Text == ms[0].Text {
			helps++
		}
	}
	if helps != 2 {
		t.Errorf("two /help, the second during a stall, answered with %d helps; want 2:%s", helps, telegramtest.Dump(ms))
	}
}
