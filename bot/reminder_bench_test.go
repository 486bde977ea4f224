package bot

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	tgbot "github.com/go-telegram/bot"

	"github.com/mentorbot/mentorbot/bot/telegramtest"
	"github.com/mentorbot/mentorbot/flows"
	"github.com/mentorbot/mentorbot/flows/records"
	"github.com/mentorbot/mentorbot/flows/redisstore/redistest"
	"github.com/mentorbot/mentorbot/locales"
)

// reminderChats is how many reminders BenchmarkReminderFanOut sends:
// MENTORBOT_BENCH_REMINDERS, 10,000 by the README's command, 300 by
// default so CI runs it in a few seconds. It is rounded up to an even
// number: each mentorship due gives two, mentee and mentor.
func reminderChats() int {
	if n, err := strconv.Atoi(os.Getenv("MENTORBOT_BENCH_REMINDERS")); err == nil && n > 0 {
		return n
	}
	return 300
}

// reminderRun is what one reminder fan-out measured.
type reminderRun struct {
	chats int
	// rate is messages per second in Telegram's time, from the first
	// message the server accepted to the last.
	rate float64
	// peak is the most messages the server accepted in any one second
	// of Telegram's time.
	peak int
	// limited is the 429s the server gave; dups the messages beyond the
	// first to a chat; missing the chats that got none.
	limited, dups, missing int
	// wrong are chats whose reminder did not name the other person of
	// their pair.
	wrong int
	// pass is how long the scheduler pass took, on the real clock: it
	// runs at Redis's pace, not Telegram's, so it is not scaled.
	pass time.Duration
}

// check fails tb unless every chat got its reminder, the right one,
// exactly once.
func (r reminderRun) check(tb testing.TB) {
	tb.Helper()
	if r.dups != 0 || r.missing != 0 || r.wrong != 0 {
		tb.Errorf("%d reminders: %d duplicates, %d chats got none, %d got another's; want each chat its own exactly once",
			r.chats, r.dups, r.missing, r.wrong)
	}
}

// BenchmarkReminderFanOut is how reminders leave: mentorships whose
// first meeting is tomorrow, two reminders each (mentee and mentor),
// all due at once. One scheduler pass (RemindersTick, as the bot's
// cron runs it) commits them to the durable outbox in Redis, while
// the feeder carries them through the outbox to the fake Bot API,
// which enforces Telegram's limits and answers each call after a 50 ms
// round trip. Time runs speedup times faster for the outbox and the
// server, as in BenchmarkOutboundFanOut, and rates are in Telegram's
// time.
//
// It reports msgs/s from the first reminder accepted to the last,
// max-per-s (the most the server accepted in any one second, at most
// 30), 429s (the server's refusals), dups (messages beyond the first
// to a chat, which must be 0) and pass-ms (the scheduler pass alone,
// on the real clock). It fails unless each chat got its own reminder
// exactly once.
func BenchmarkReminderFanOut(b *testing.B) {
	chats := reminderChats()
	var rate, pass float64
	peak, limited, dups := 0, 0, 0
	for range b.N {
		r := reminderFanOut(b, chats, 50*time.Millisecond)
		r.check(b)
		rate += r.rate
		pass += float64(r.pass.Milliseconds())
		peak, limited, dups = max(peak, r.peak), limited+r.limited, dups+r.dups
	}
	b.ReportMetric(rate/float64(b.N), "msgs/s")
	b.ReportMetric(float64(peak), "max-per-s")
	b.ReportMetric(float64(limited), "429s")
	b.ReportMetric(float64(dups), "dups")
	b.ReportMetric(pass/float64(b.N), "pass-ms")
}

// reminderFanOut seeds (chats+1)/2 mentorships and sends their
// reminders, one scheduler pass and the feeder, against a fake server
// answering after roundTrip (in Telegram's time).
func reminderFanOut(tb testing.TB, chats int, roundTrip time.Duration) reminderRun {
	tb.Helper()
	ctx := context.Background()
	pairs := (chats + 1) / 2
	run := reminderRun{chats: 2 * pairs}

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

	engine, db, at := seedDueMeetings(tb, pairs)
	dl := DefaultLimits()
	limits := Limits{Global: scaled(dl.Global), Private: scaled(dl.Private), Group: scaled(dl.Group)}
	out := NewOutbox(OutboxConfig{Sender: tg, Limits: &limits, Logger: slog.New(slog.DiscardHandler)})
	f := newFeeder(db, out, slog.New(slog.DiscardHandler))
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); f.run(runCtx) }()

	start := time.Now()
	if err := RemindersTick(engine, f.poke)(ctx, at); err != nil {
		tb.Fatalf("scheduler pass: %v", err)
	}
	run.pass = time.Since(start)
	wait, cancel := context.WithTimeout(ctx, 30*time.Minute)
	defer cancel()
	if err := f.flush(wait); err != nil {
		tb.Fatalf("feeder did not drain: %v", err)
	}
	stop()
	<-done
	if err := out.Close(ctx); err != nil {
		tb.Fatal(err)
	}

	got := make(map[int64][]string, run.chats)
	var times []time.Time
	for _, m := range srv.AllMessages() {
		got[m.ChatID] = append(got[m.ChatID], m.Text)
		times = append(times, m.At)
	}
	for i := range pairs {
		mentee, mentor := pairIDs(i)
		for _, c := range [][2]int64{{mentee, mentor}, {mentor, mentee}} {
			texts := got[c[0]]
			switch {
			case len(texts) == 0:
				run.missing++
			case !strings.Contains(texts[0], personName(c[1])):
				run.wrong++
			}
			run.dups += max(0, len(texts)-1)
		}
	}
	if len(got) != run.chats {
		tb.Errorf("reminders went to %d chats; want %d", len(got), run.chats)
	}
	sort.Slice(times, func(i, j int) bool { return times[i].Before(times[j]) })
	if n := len(times); n > 1 {
		run.rate = float64(n-1) / (times[n-1].Sub(times[0]) * speedup).Seconds()
	}
	run.peak = peakPerSecond(times, time.Second/speedup)
	run.limited = srv.TooManyCount()
	return run
}

// pairIDs are the mentee's and the mentor's user (and chat) ids of the
// i-th mentorship of seedDueMeetings.
func pairIDs(i int) (mentee, mentor int64) {
	return 300_000_000 + 2*int64(i), 300_000_000 + 2*int64(i) + 1
}

// personName is the first name seedDueMeetings gives user id.
func personName(id int64) string { return "P" + strconv.FormatInt(id, 10) }

// seedDueMeetings makes the engine of the test programme on a fresh
// store, with pairs agreed mentorships (and both people's profiles)
// whose first meeting is tomorrow at 18:00. It returns the engine, the
// store's records and when the reminders a day ahead are due: at the
// scheduler's pass then, two per pair.
func seedDueMeetings(tb testing.TB, pairs int) (*flows.Engine, *records.DB, time.Time) {
	tb.Helper()
	ctx := context.Background()
	program, err := flows.LoadProgram("../flows/testdata/program.toml")
	if err != nil {
		tb.Fatal(err)
	}
	cat, err := locales.New()
	if err != nil {
		tb.Fatal(err)
	}
	loc := program.Location()
	now := time.Date(2027, 2, 1, 10, 0, 0, 0, loc)
	store := redistest.Store(tb)
	engine, err := flows.New(flows.Config{Store: store, Catalog: cat, Program: program,
		Now: func() time.Time { return now }, BotUsername: telegramtest.BotUsername, Outbox: true})
	if err != nil {
		tb.Fatal(err)
	}
	db := records.New(store, nil)
	first := time.Date(2027, 2, 2, 18, 0, 0, 0, loc)
	for lo := 0; lo < pairs; lo += 500 {
		tx := db.Begin()
		for i := lo; i < min(pairs, lo+500); i++ {
			mentee, mentor := pairIDs(i)
			for _, id := range []int64{mentee, mentor} {
				p := records.Profile{UserID: id, Lang: []string{"en", "it"}[id%2], FirstName: personName(id),
					Started: true, CreatedAt: now}
				if err := tx.SaveProfile(ctx, p); err != nil {
					tb.Fatal(err)
				}
			}
		}
		if err := tx.Commit(ctx, nil, nil, 0); err != nil {
			tb.Fatal(err)
		}
	}
	for i := range pairs {
		mentee, mentor := pairIDs(i)
		m := records.Mentorship{ID: fmt.Sprintf("RB-%06d", i), MenteeID: mentee, MentorID: mentor,
			ProjectID: "madrid-ai", CreatedAt: now, Topics: "CV"}
		for k := range program.Meetings {
			m.Meetings = append(m.Meetings, records.Meeting{N: k + 1, Start: first.AddDate(0, 0, 7*k), Duration: time.Hour})
		}
		if err := engine.Agree(ctx, m, now); err != nil {
			tb.Fatal(err)
		}
	}
	return engine, db, time.Date(2027, 2, 1, 18, 1, 0, 0, loc)
}

// peakPerSecond is the most of times, sorted, in any window of length
// per.
func peakPerSecond(times []time.Time, per time.Duration) int {
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
// one scheduler pass queues a reminder for each of 120 chats, and each
// arrives once through the durable outbox and the feeder, never more
// than 30 in a second, without the server having to refuse one.
func TestReminderFanOutKeepsToLimits(t *testing.T) {
	r := reminderFanOut(t, 120, 50*time.Millisecond)
	r.check(t)
	if r.peak > 30 || r.limited != 0 {
		t.Errorf("reminder fan-out: %d in one second, %d refused; want at most 30 and none", r.peak, r.limited)
	}
}
