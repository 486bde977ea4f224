package flows_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/mentorbot/mentorbot/flows/records"
)

// benchMentorships is the large size of BenchmarkTickPlanning:
// MENTORBOT_BENCH_MENTORSHIPS, 100,000 by the README's command, 5,000
// by default so CI runs it in seconds.
func benchMentorships() int {
	if n, err := strconv.Atoi(os.Getenv("MENTORBOT_BENCH_MENTORSHIPS")); err == nil && n > 0 {
		return n
	}
	return 5_000
}

// remindersPerMentorship is how many reminders one agreed mentorship
// keeps queued with the test programme: two before each of six
// meetings for each side, three diary reminders per meeting and the
// questionnaire for both.
const remindersPerMentorship = 6*2*2 + 6*3 + 2

// BenchmarkTickPlanning times one scheduler pass (QueueDueReminders)
// over the reminder queue of N/10 and of N mentorships
// (MENTORBOT_BENCH_MENTORSHIPS), with the same number of pairs due in
// both: N/100, 1% of the larger. A pass reads the due range of the
// queue only, so both should cost about the same: it is O(due), not
// O(mentorships). ns/op is one pass; due-reminders is what each pass
// queued (two per due pair, mentee and mentor).
//
// The pairs due are agreed mentorships with profiles whose first
// meeting is tomorrow at 18:00, so their reminders a day ahead are due
// at 18:01 today; they are made afresh, off the timer, before each
// pass, and an untimed pass over a few warms up first. The other
// mentorships are remindersPerMentorship reminders each in the same
// queue, due in 30 to 60 days.
func BenchmarkTickPlanning(b *testing.B) {
	large := benchMentorships()
	due := max(1, large/100)
	for _, total := range []int{max(due, large/10), large} {
		b.Run("mentorships="+strconv.Itoa(total), func(b *testing.B) { tickPlanning(b, total, due) })
	}
}

func tickPlanning(b *testing.B, total, due int) {
	h := newHarness(b)
	ctx := context.Background()
	now := h.clock.Now()
	fillReminderQueue(b, h.rec, (total-due)*remindersPerMentorship, now.Add(30*24*time.Hour), 30*24*time.Hour)
	y, mo, d := now.Date()
	loc := h.program.Location()
	at, first := time.Date(y, mo, d, 18, 1, 0, 0, loc), time.Date(y, mo, d+1, 18, 0, 0, 0, loc)
	// A first pass over a few pairs, untimed, warms the connections
	// and the message templates.
	agreeDuePairs(b, h, 0, min(due, 10), first)
	if _, err := h.engine.QueueDueReminders(ctx, at); err != nil {
		b.Fatal(err)
	}
	queued := 0
	b.ResetTimer()
	for pass := range b.N {
		b.StopTimer()
		agreeDuePairs(b, h, 1+pass, due, first)
		b.StartTimer()
		n, err := h.engine.QueueDueReminders(ctx, at)
		b.StopTimer()
		if err != nil {
			b.Fatal(err)
		}
		if n != 2*due {
			b.Fatalf("pass %d queued %d reminders; want %d, two per due pair", pass, n, 2*due)
		}
		queued += n
	}
	b.ReportMetric(float64(queued/b.N), "due-reminders")
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(queued), "µs/reminder")
}

// fillReminderQueue queues n reminders of mentorships not due, spread
// evenly over span from from, in commits of 5,000.
func fillReminderQueue(tb testing.TB, rec *records.DB, n int, from time.Time, span time.Duration) {
	tb.Helper()
	ctx := context.Background()
	step := span / time.Duration(max(1, n))
	for start := 0; start < n; start += 5000 {
		tx := rec.Begin()
		for i := start; i < min(n, start+5000); i++ {
			at := from.Add(time.Duration(i) * step)
			id := fmt.Sprintf("meet|FILL-%07d|%d|%d|86400|mentee", i/remindersPerMentorship, 1+i%6, at.Unix())
			if err := tx.ScheduleReminder(ctx, id, at); err != nil {
				tb.Fatal(err)
			}
		}
		if err := tx.Commit(ctx, nil, nil, 0); err != nil {
			tb.Fatal(err)
		}
	}
}

// agreeDuePairs makes n agreed mentorships, with profiles for both
// people, whose six meetings are on the days from first at its time;
// batch tells the batches of one benchmark apart.
func agreeDuePairs(tb testing.TB, h *harness, batch, n int, first time.Time) {
	tb.Helper()
	ctx := context.Background()
	now := h.clock.Now()
	base := int64(800_000_000 + 2*n*batch)
	for i := range n {
		mentee, mentor := base+int64(2*i), base+int64(2*i+1)
		tx := h.rec.Begin()
		for j, id := range []int64{mentee, mentor} {
			p := records.Profile{UserID: id, Lang: []string{"en", "it"}[(i+j)%2], FirstName: "Name" + strconv.FormatInt(id, 10),
				Started: true, CreatedAt: now}
			if err := tx.SaveProfile(ctx, p); err != nil {
				tb.Fatal(err)
			}
		}
		if err := tx.Commit(ctx, nil, nil, 0); err != nil {
			tb.Fatal(err)
		}
		m := records.Mentorship{ID: fmt.Sprintf("BM-%d-%06d", batch, i), MenteeID: mentee, MentorID: mentor,
			ProjectID: "madrid-ai", CreatedAt: now, Topics: "CV"}
		for k := range h.program.Meetings {
			m.Meetings = append(m.Meetings, records.Meeting{N: k + 1, Start: first.AddDate(0, 0, k), Duration: time.Hour})
		}
		if err := h.engine.Agree(ctx, m, now); err != nil {
			tb.Fatal(err)
		}
	}
}
