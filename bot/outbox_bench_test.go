package bot

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"testing"
	"time"

	tgbot "github.com/go-telegram/bot"

	"github.com/mentorbot/mentorbot/bot/telegramtest"
	"github.com/mentorbot/mentorbot/flows"
)

// speedup compresses time in the fan-out runs: the outbox and the fake
// server both keep to Telegram's limits divided by it (30 messages per
// 1/speedup s), on the real clock. telegramtest.Clock cannot be used
// for rates: each waiter moves it forward at once while other sends are
// still in flight, so it measures about 2 msg/s.
// Rates are reported multiplied back, in Telegram's time.
const speedup = 10

func scaled(r Rate) Rate { return Rate{N: r.N, Per: r.Per / speedup} }

// fanOut sends one message to each of chats distinct private chats
// through an outbox keeping to Telegram's limits (time-compressed by
// speedup), against the fake server enforcing the same limits, after
// making the server answer the first injected sends with 429 (retry
// after 1 s). It fails tb unless every chat got its message exactly
// once, and returns the rate in Telegram's time and the 429s the
// server gave beyond the injected ones.
func fanOut(tb testing.TB, chats, injected int) (rate float64, limited int) {
	tb.Helper()
	srv := telegramtest.NewServer(tb)
	tl := telegramtest.TelegramLimits()
	srvLimits := telegramtest.Limits{
		Global:  telegramtest.Rate{N: tl.Global.N, Per: tl.Global.Per / speedup},
		Private: telegramtest.Rate{N: tl.Private.N, Per: tl.Private.Per / speedup},
		Group:   telegramtest.Rate{N: tl.Group.N, Per: tl.Group.Per / speedup},
	}
	srv.EnforceLimits(&srvLimits)
	if injected > 0 {
		srv.TooManyRequests("sendMessage", injected, 1)
	}
	tg, err := tgbot.New(srv.Token(), tgbot.WithServerURL(srv.URL()), tgbot.WithSkipGetMe())
	if err != nil {
		tb.Fatal(err)
	}
	dl := DefaultLimits()
	limits := Limits{Global: scaled(dl.Global), Private: scaled(dl.Private), Group: scaled(dl.Group)}
	o := NewOutbox(OutboxConfig{Sender: tg, Limits: &limits, Logger: slog.New(slog.DiscardHandler)})
	start := time.Now()
	for i := range chats {
		o.Enqueue(flows.Message{ChatID: int64(1 + i), Text: "Reminder: meeting tomorrow at 10:00"})
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	if err := o.Close(ctx); err != nil {
		tb.Fatalf("outbox did not drain: %v", err)
	}
	elapsed := time.Since(start) * speedup
	got := make(map[int64]int, chats)
	for _, m := range srv.AllMessages() {
		got[m.ChatID]++
	}
	for i := range chats {
		if n := got[int64(1+i)]; n != 1 {
			tb.Fatalf("chat %d got %d messages; want exactly 1", 1+i, n)
		}
	}
	if len(got) != chats {
		tb.Fatalf("messages went to %d chats; want %d", len(got), chats)
	}
	return float64(chats) / elapsed.Seconds(), srv.TooManyCount() - injected
}

// BenchmarkOutboundFanOut sends a reminder to 10,000 chats at
// Telegram's limits, time-compressed by speedup so the run takes about
// 34 s instead of 333 s. The outbox counts a send against the window
// from its completion, so each round trip to the server stretches the
// window a little; compression stretches it speedup times, which is why
// speedup is not larger. msgs/s is in Telegram's time; 429s are the
// server's refusals beyond those injected on purpose (each injected one
// costs its chat a real second, so that run's rate is lower).
func BenchmarkOutboundFanOut(b *testing.B) {
	for _, injected := range []int{0, 50} {
		b.Run("injected429s="+strconv.Itoa(injected), func(b *testing.B) {
			const chats = 10_000
			var rate float64
			limited := 0
			for range b.N {
				r, l := fanOut(b, chats, injected)
				rate += r
				limited += l
			}
			b.ReportMetric(rate/float64(b.N), "msgs/s")
			b.ReportMetric(float64(limited), "429s")
		})
	}
}

// TestFanOutKeepsToLimitsAndLosesNothing is BenchmarkOutboundFanOut in
// small: every message arrives once, the server never has to refuse
// one for the limits, and injected 429s are waited out.
func TestFanOutKeepsToLimitsAndLosesNothing(t *testing.T) {
	for _, injected := range []int{0, 10} {
		t.Run(fmt.Sprint("injected=", injected), func(t *testing.T) {
			_, limited := fanOut(t, 300, injected)
			if limited != 0 {
				t.Errorf("fanOut(300, %d): server refused %d sends for the limits; want 0", injected, limited)
			}
		})
	}
}
