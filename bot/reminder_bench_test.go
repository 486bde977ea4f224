package bot

import (
	"context"
	"log/slog"
	"os"
	"sort"
	"strconv"
	"testing"
	"time"

	tgbot "github.com/go-telegram/bot"

	"github.com/mentorbot/mentorbot/bot/telegramtest"
	"github.com/mentorbot/mentorbot/flows"
	"github.com/mentorbot/mentorbot/flows/records"
	"github.com/mentorbot/mentorbot/flows/redisstore/redistest"
)

// reminderChats is how many reminders BenchmarkReminderFanOut sends:
// MENTORBOT_BENCH_REMINDERS, 10,000 by the README's command, 300 by
// default so CI runs it in a few seconds.
func reminderChats() int {
	if n, err := strconv.Atoi(os.Getenv("MENTORBOT_BENCH_REMINDERS")); err == nil && n > 0 {
		return n
	}
	return 300
}

// BenchmarkReminderFanOut is how reminders leave: one per chat, all due
// at once, committed to the durable outbox in Redis as the scheduler
// commits them, then carried by the feeder through the outbox to the
// fake Bot API, which enforces Telegram's limits and answers each call
// after a 50 ms round trip. Time runs speedup times faster for both,
// as in BenchmarkOutboundFanOut, and rates are in Telegram's time.
// It reports msgs/s, the most messages the server accepted in any one
// second of Telegram's time (at most 30), and the 429s it had to give.
func BenchmarkReminderFanOut(b *testing.B) {
	chats := reminderChats()
	for range b.N {
		rate, peak, limited := reminderFanOut(b, chats, 50*time.Millisecond)
		b.ReportMetric(rate, "msgs/s")
		b.ReportMetric(float64(peak), "max-per-s")
		b.ReportMetric(float64(limited), "429s")
	}
}

func reminderFanOut(tb testing.TB, chats int, roundTrip time.Duration) (rate float64, peak, limited int) {
	tb.Helper()
	ctx := context.Background()
	srv := telegramtest.NewServer(tb)
	tl := telegramtest.TelegramLimits()
	srv.EnforceLimits(&telegramtest.Limits{
		Global:  telegramtest.Rate{N: tl.Global.N, Per: tl.Global.Per / speedup},
		Private: telegramtest.Rate{N: tl.Private.N, Per: tl.Private.Per / speedup},
		Group:   telegramtest.Rate{N: tl.Group.N, Per: tl.Group.Per / speedup},
	})
	srv.SetRoundTrip(roundTrip / speedup)
	tg, err := tgbot.New(srv.Token(), tgbot.WithServerURL(srv.URL()), tgbot.WithSkipGetMe())
	if err != nil {
		tb.Fatal(err)
	}
	db := records.New(redistest.Store(tb), nil)
	for start := 0; start < chats; start += 1000 {
		tx := db.Begin()
		for i := start; i < min(chats, start+1000); i++ {
			m := flows.Message{ChatID: int64(1 + i), Text: "Reminder: your meeting is tomorrow at 10:00", TextID: "reminder.meeting"}
			if err := tx.Enqueue(ctx, m.ChatID, records.ReminderMessageID("m"+strconv.Itoa(i)), m); err != nil {
				tb.Fatal(err)
			}
		}
		if err := tx.Commit(ctx, nil, nil, 0); err != nil {
			tb.Fatal(err)
		}
	}
	dl := DefaultLimits()
	limits := Limits{Global: scaled(dl.Global), Private: scaled(dl.Private), Group: scaled(dl.Group)}
	out := NewOutbox(OutboxConfig{Sender: tg, Limits: &limits, Logger: slog.New(slog.DiscardHandler)})
	f := newFeeder(db, out, slog.New(slog.DiscardHandler))
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	start := time.Now()
	go func() { defer close(done); f.run(runCtx) }()
	wait, cancel := context.WithTimeout(ctx, 20*time.Minute)
	defer cancel()
	if err := f.flush(wait); err != nil {
		tb.Fatalf("feeder did not drain: %v", err)
	}
	elapsed := time.Since(start) * speedup
	stop()
	<-done
	out.Close(ctx)

	got := make(map[int64]int, chats)
	var times []time.Time
	for _, m := range srv.AllMessages() {
		got[m.ChatID]++
		times = append(times, m.At)
	}
	for i := range chats {
		if n := got[int64(1+i)]; n != 1 {
			tb.Fatalf("chat %d got %d reminders; want exactly 1", 1+i, n)
		}
	}
	return float64(chats) / elapsed.Seconds(), peakPerSecond(times, time.Second/speedup), srv.TooManyCount()
}

// peakPerSecond is the most of times in any window of length per.
func peakPerSecond(times []time.Time, per time.Duration) int {
	sort.Slice(times, func(i, j int) bool { return times[i].Before(times[j]) })
	peak, lo := 0, 0
	for hi := range times {
		for times[hi].Sub(times[lo]) >= per {
			lo++
		}
		peak = max(peak, hi-lo+1)
	}
	return peak
}

// TestReminderFanOutKeepsToLimits is BenchmarkReminderFanOut in small:
// every reminder arrives once through the durable outbox, never more
// than 30 in a second, and the server never has to refuse one.
func TestReminderFanOutKeepsToLimits(t *testing.T) {
	_, peak, limited := reminderFanOut(t, 120, 50*time.Millisecond)
	if peak > 30 || limited != 0 {
		t.Errorf("reminder fan-out: %d in one second, %d refused; want at most 30 and none", peak, limited)
	}
}
