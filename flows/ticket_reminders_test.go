package flows_test

import (
	"context"
	"testing"
	"time"

	"github.com/mentorbot/mentorbot/flows/records"
)

// TestOneScanGoesPastTicketsThatWaitForNothing: the ticket reminder
// queue is read in batches of 100, and a batch of tickets that need no
// reminder (here, of a university no longer in the programme) is no
// reason to stop. With 150 such tickets first in the queue and 120
// waiting ones behind them, one scheduler pass takes all 270 off the
// queue and queues the 120 reminders; a second pass finds nothing.
// (TestSupportRemindersTakeEverythingDue covers 250 waiting tickets.)
func TestOneScanGoesPastTicketsThatWaitForNothing(t *testing.T) {
	s := newSupportRig(t)
	ctx := context.Background()
	now := s.clock.Now()
	const stale, waiting = 150, 120
	for i := range stale + waiting {
		tk := records.Ticket{UserID: studentA + int64(i), University: "bicocca", Topic: "other", Lang: "en",
			State: records.TicketOpen, CreatedAt: now,
			RemindAt: now.Add(s.program.SupportReminderAfter + time.Duration(i)*time.Second)}
		if i < stale {
			tk.University = "atlantis"
		}
		if err := s.rec.NewTicket(ctx, &tk, 0, 0, s.program.SupportRetention); err != nil {
			t.Fatal(err)
		}
	}
	at := now.Add(s.program.SupportReminderAfter + time.Hour)
	if n, err := s.engine.QueueTicketReminders(ctx, at); err != nil || n != waiting {
		t.Fatalf("one pass queued %d reminders (%v); want %d", n, err, waiting)
	}
	if left, err := s.rec.DueTicketReminders(ctx, at, 1000); err != nil || len(left) != 0 {
		t.Errorf("after one pass %d tickets are still due (%v); want none", len(left), err)
	}
	if n, err := s.engine.QueueTicketReminders(ctx, at); err != nil || n != 0 {
		t.Errorf("a second pass queued %d (%v); want none", n, err)
	}
	if got := queuedTo(t, s.rec, bicoccaChat); len(got) != waiting {
		t.Errorf("the Bicocca outbox holds %d reminders; want %d", len(got), waiting)
	}
}
