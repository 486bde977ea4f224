package flows

import (
	"context"
	"time"
)

// QueuedReminders returns the reminders queued up to until.
func (e *Engine) QueuedReminders(ctx context.Context, until time.Time) ([]string, error) {
	return e.rec.QueuedReminders(ctx, until)
}
