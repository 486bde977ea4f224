package records

import (
	"context"
	"fmt"
	"time"
)

// The queue of reminders about mentorships (meetings, diary entries,
// the end); members are reminder ids made by the reminders flow.
const reminderQueue = "reminders"

func reminderLeaseKey(id string) string    { return "reminder-lease:" + id }
func reminderDoneKey(id string) string     { return "reminder-done:" + id }
func reminderFailuresKey(id string) string { return "reminder-failures:" + id }

// ScheduleReminder queues reminder id for at.
func (db *DB) ScheduleReminder(ctx context.Context, id string, at time.Time) error {
	if err := db.s.Schedule(ctx, reminderQueue, id, at); err != nil {
		return fmt.Errorf("schedule reminder %s: %w", id, err)
	}
	return nil
}

// UnscheduleReminders takes reminders ids off the queue.
func (db *DB) UnscheduleReminders(ctx context.Context, ids ...string) error {
	if len(ids) == 0 {
		return nil
	}
	if err := db.s.Unschedule(ctx, reminderQueue, ids...); err != nil {
		return fmt.Errorf("unschedule reminders %v: %w", ids, err)
	}
	return nil
}

// DueReminders returns up to limit reminder ids due at now.
func (db *DB) DueReminders(ctx context.Context, now time.Time, limit int) ([]string, error) {
	ids, err := db.s.Due(ctx, reminderQueue, now, limit)
	if err != nil {
		return nil, fmt.Errorf("list due reminders: %w", err)
	}
	return ids, nil
}

// LeaseReminder takes the lease on reminder id for d; false when
// another scanner holds it.
func (db *DB) LeaseReminder(ctx context.Context, id string, d time.Duration) (bool, error) {
	ok, err := db.s.Claim(ctx, reminderLeaseKey(id), d)
	if err != nil {
		return false, fmt.Errorf("lease reminder %s: %w", id, err)
	}
	return ok, nil
}

// ReleaseReminder lets go of the lease on reminder id.
func (db *DB) ReleaseReminder(ctx context.Context, id string) error {
	return db.del(ctx, reminderLeaseKey(id))
}

// ReminderDone reports whether reminder id was sent.
func (db *DB) ReminderDone(ctx context.Context, id string) (bool, error) {
	var mark time.Time
	return found(db.get(ctx, reminderDoneKey(id), &mark))
}

// FinishReminder marks reminder id sent at now, kept for keep, and
// takes it off the queue.
func (db *DB) FinishReminder(ctx context.Context, id string, now time.Time, keep time.Duration) error {
	if err := db.s.Put(ctx, reminderDoneKey(id), now.UTC(), keep); err != nil {
		return fmt.Errorf("mark reminder %s done: %w", id, err)
	}
	return db.UnscheduleReminders(ctx, id)
}

// ReminderFailed counts a failed send of reminder id and returns how
// many there were.
func (db *DB) ReminderFailed(ctx context.Context, id string) (int64, error) {
	n, err := db.s.NextID(ctx, reminderFailuresKey(id))
	if err != nil {
		return 0, fmt.Errorf("count failures of reminder %s: %w", id, err)
	}
	return n, nil
}

// QueuedReminders returns the ids of reminders due until until, for
// tests and diagnostics.
func (db *DB) QueuedReminders(ctx context.Context, until time.Time) ([]string, error) {
	return db.DueReminders(ctx, until, 1<<20)
}
