package flows

import (
	"context"
	"time"
)

// ClaimDueReminders takes the lease on every reminder due at now and
// sends nothing: what a scanner that died right after claiming leaves
// behind. It returns the reminder ids.
func (e *Engine) ClaimDueReminders(ctx context.Context, now time.Time) ([]string, error) {
	ids, err := e.rec.DueReminders(ctx, now, reminderBatch)
	if err != nil {
		return nil, err
	}
	var claimed []string
	for _, id := range ids {
		ok, err := e.rec.LeaseReminder(ctx, id, reminderLease)
		if err != nil {
			return nil, err
		}
		if ok {
			claimed = append(claimed, id)
		}
	}
	return claimed, nil
}

// ExpireReminderLeases ends the leases on ids, as Redis does when their
// time is up.
func (e *Engine) ExpireReminderLeases(ctx context.Context, ids []string) error {
	for _, id := range ids {
		if err := e.rec.ReleaseReminder(ctx, id); err != nil {
			return err
		}
	}
	return nil
}

// QueuedReminders returns the reminders queued up to until.
func (e *Engine) QueuedReminders(ctx context.Context, until time.Time) ([]string, error) {
	return e.rec.QueuedReminders(ctx, until)
}
