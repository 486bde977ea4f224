package bot

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/go-telegram/bot/models"

	"github.com/mentorbot/mentorbot/bot/telegramtest"
	"github.com/mentorbot/mentorbot/flows"
	"github.com/mentorbot/mentorbot/flows/records"
	"github.com/mentorbot/mentorbot/flows/redisstore/redistest"
	"github.com/mentorbot/mentorbot/locales"
)

// decodeUpdate turns a fake Telegram update into the library's type,
// as the bot receives it.
func decodeUpdate(tb testing.TB, s *telegramtest.Server, u telegramtest.Update) *models.Update {
	tb.Helper()
	var m models.Update
	if err := json.Unmarshal(s.Encode(u), &m); err != nil {
		tb.Fatal(err)
	}
	return &m
}

// newTestEngine returns an engine over store with the test programme,
// committing messages to the durable outbox as the bot needs.
func newTestEngine(tb testing.TB, store records.Store) *flows.Engine {
	tb.Helper()
	cat, err := locales.New()
	if err != nil {
		tb.Fatal(err)
	}
	program, err := flows.LoadProgram("../flows/testdata/program.toml")
	if err != nil {
		tb.Fatal(err)
	}
	e, err := flows.New(flows.Config{Store: store, Catalog: cat, Program: program, Outbox: true})
	if err != nil {
		tb.Fatal(err)
	}
	return e
}

// runTestBot builds a bot against s with cfg (token, URL and engine
// filled in) and runs it until the test ends; stop ends it sooner and
// stopped is closed once Run returned.
func runTestBot(tb testing.TB, s *telegramtest.Server, e *flows.Engine, cfg Config) (b *Bot, stop context.CancelFunc, stopped chan struct{}) {
	tb.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cfg.Token, cfg.APIURL, cfg.Engine = s.Token(), s.URL(), e
	b, err := New(ctx, cfg)
	if err != nil {
		cancel()
		tb.Fatal(err)
	}
	stopped = make(chan struct{})
	go func() { b.Run(ctx); close(stopped) }()
	tb.Cleanup(func() { cancel(); <-stopped })
	return b, cancel, stopped
}

// TestFloodingChatDoesNotHoldUpOthers: with one worker stuck on a
// chat that sent 50 button presses (each press waits on Telegram's
// answerCallbackQuery), another chat's /help is handled right after
// the press in hand and at most one more of the flood, not after the
// whole backlog. With a queue per worker shard, the probe waited behind
// every queued press.
func TestFloodingChatDoesNotHoldUpOthers(t *testing.T) {
	s := telegramtest.NewServer(t)
	b, _, _ := runTestBot(t, s, newTestEngine(t, redistest.Store(t)), Config{Limits: &Limits{}, Workers: 1})
	ctx := context.Background()

	flood := telegramtest.User{ID: 71, FirstName: "Flo", LanguageCode: "en"}
	probe := telegramtest.User{ID: 72, FirstName: "Pia", LanguageCode: "en"}
	s.Stall("answercallbackquery")
	var presses []chan error
	for range 50 {
		u := decodeUpdate(t, s, s.Press(flood, telegramtest.Message{ChatID: flood.ID, MessageID: 1}, "1:none:x::"))
		u.ID = int64(len(presses) + 1)
		presses = append(presses, b.dispatch(ctx, u, nil))
	}
	s.WaitCalls("answercallbackquery", 1) // the worker is stuck on the first press
	help := decodeUpdate(t, s, s.CommandMessage(probe, "help", ""))
	help.ID = 1000
	result := b.dispatch(ctx, help, nil)
	s.Release()
	if err := <-result; err != nil {
		t.Fatalf("probe /help: %v", err)
	}
	before := 0
	for _, p := range presses {
		select {
		case <-p:
			before++
		default:
		}
	}
	if before > 2 {
		t.Errorf("the probe was handled after %d of the flood's 50 presses; want at most 2 (the one in hand and one more)", before)
	}
}

// TestStalledTelegramThenStopLosesNothing: 600 users' replies are
// committed while Telegram hangs. The bot holds at most feederChats
// of them in memory, however many wait; stopped (SIGTERM) with all of
// them unsent, it leaves them in Redis, and a new bot delivers every
// one exactly once.
func TestStalledTelegramThenStopLosesNothing(t *testing.T) {
	s := telegramtest.NewServer(t)
	store := redistest.Store(t)
	start := func() (*Bot, context.CancelFunc, chan struct{}) {
		return runTestBot(t, s, newTestEngine(t, store), Config{Limits: &Limits{}})
	}

	b, stop, stopped := start()
	s.Stall("sendmessage")
	const users = 600
	var results []chan error
	for i := range users {
		u := telegramtest.User{ID: int64(10_000 + i), FirstName: "U", LanguageCode: "en"}
		upd := decodeUpdate(t, s, s.CommandMessage(u, "help", ""))
		upd.ID = int64(1 + i)
		results = append(results, b.dispatch(context.Background(), upd, nil))
	}
	for _, r := range results {
		if err := <-r; err != nil {
			t.Fatal(err)
		}
	}
	s.WaitCalls("sendmessage", feederChats) // every chat the feeder may hold is stuck
	b.feeder.mu.Lock()
	held := b.feeder.active
	b.feeder.mu.Unlock()
	if held > feederChats {
		t.Errorf("feeder holds %d chats with Telegram stalled; want at most %d", held, feederChats)
	}

	stop() // SIGTERM: after the drain time the bot gives up on the stalled sends
	<-stopped
	s.Release()
	if n := len(s.AllMessages()); n != 0 {
		t.Fatalf("%d messages went out while Telegram hung", n)
	}

	b, _, _ = start()
	ctx, cancel := context.WithTimeout(context.Background(), telegramtest.DefaultTimeout)
	defer cancel()
	if err := b.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	for i := range users {
		if n := len(s.Messages(int64(10_000 + i))); n != 1 {
			t.Errorf("user %d got %d replies after the restart; want 1", 10_000+i, n)
		}
	}
}
