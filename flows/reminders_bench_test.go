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
// MENTORBOT_BENCH_MENTORSHIPS, 100,000 by the README's command, 20,000
// by default.
func benchMentorships() int {
	if n, err := strconv.Atoi(os.Getenv("MENTORBOT_BENCH_MENTORSHIPS")); err == nil && n > 0 {
		return n
	}
	return 20_000
}

// remindersPerMentorship is about how many reminders one mentorship
// keeps queued: two before each of six meetings for each side, three
// diary reminders per meeting and the questionnaire for both.
const remindersPerMentorship = 6*2*2 + 6*3 + 2

// BenchmarkTickPlanning is one scheduler pass over a reminder queue of
// N mentorships of which 1% have a reminder due: 1% are agreed pairs
// whose meeting is tomorrow, the rest fill the queue with reminders due
// later. A pass reads only what is due (a range of the queue by time),
// so it should cost about the same per due reminder at 10,000 and at
// 100,000 mentorships. It reports the pass's time per due reminder.
func BenchmarkTickPlanning(b *testing.B) {
	for _, total := range []int{10_000, benchMentorships()} {
		b.Run("mentorships="+strconv.Itoa(total), func(b *testing.B) {
			h := newHarness(b)
			ctx := context.Background()
			now := h.clock.Now()
			due := total / 100
			y, mo, d := now.Date()
			for i := range due {
				m := records.Mentorship{ID: fmt.Sprintf("BM-%06d", i), MenteeID: int64(900000000 + i), MentorID: int64(910000000 + i),
					ProjectID: "madrid-ai", CreatedAt: now, Topics: "CV"}
				for n := 1; n <= h.program.Meetings; n++ {
					m.Meetings = append(m.Meetings, records.Meeting{N: n, Start: time.Date(y, mo, d+n, 18, 0, 0, 0, h.program.Location()),
						Duration: time.Hour})
				}
				if err := h.engine.Agree(ctx, m, now); err != nil {
					b.Fatal(err)
				}
			}
			later := now.Add(30 * 24 * time.Hour)
			filler := (total - due) * remindersPerMentorship
			for start := 0; start < filler; start += 2000 {
				tx := h.rec.Begin()
				for i := start; i < min(filler, start+2000); i++ {
					if err := tx.ScheduleReminder(ctx, "end|FILL-"+strconv.Itoa(i)+"|0|mentee", later.Add(time.Duration(i)*time.Second)); err != nil {
						b.Fatal(err)
					}
				}
				if err := tx.Commit(ctx, nil, nil, 0); err != nil {
					b.Fatal(err)
				}
			}
			// The first meeting is tomorrow at 18:00: its reminders a day
			// ahead, two per pair, are due at 18:01 today.
			at := time.Date(y, mo, d, 18, 1, 0, 0, h.program.Location())
			queued := 0
			for b.Loop() {
				n, err := h.engine.QueueDueReminders(ctx, at)
				if err != nil {
					b.Fatal(err)
				}
				queued += n
			}
			if queued != 2*due {
				b.Fatalf("the passes queued %d reminders; want %d", queued, 2*due)
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(queued), "µs/reminder")
			b.ReportMetric(float64(due), "due-pairs")
		})
	}
}
