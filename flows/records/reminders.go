package records

import (
	"context"
	"fmt"
	"time"
)

// The queue of reminders about mentorships (meetings, diary entries,
// the end); members are reminder ids made by the reminders flow.
const reminderQueue = "reminders"

// reminderDoneKey marks a reminder that was handled: its message put
// in the durable outbox, or dropped as no longer wanted.
func reminderDoneKey(id string) string { return "reminder-done:" + id }

// reminderDoneKept is how long a handled reminder is remembered, far
// longer than any reminder stays in the queue.
const reminderDoneKept = 400 * 24 * time.Hour

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

// FinishReminder takes reminder id off the queue and marks it done;
// first is false when it was marked done before (it had been queued
// again since). In a transaction (DB.Begin) the mark is a claim: the
// commit fails with ErrConflict when another scanner marked the
// reminder done meanwhile, so of two scanners handling it at once
// only one commits.
func (db *DB) FinishReminder(ctx context.Context, id string) (first bool, err error) {
	first, err = db.s.Claim(ctx, reminderDoneKey(id), reminderDoneKept)
	if err != nil {
		return false, fmt.Errorf("mark reminder %s done: %w", id, err)
	}
	return first, db.UnscheduleReminders(ctx, id)
}

// ReminderMessageID is the id in the durable outbox of the message of
// reminder id.
func ReminderMessageID(id string) string { return "r:" + id }

// QueuedReminders returns the ids of reminders due until until, for
// tests and diagnostics.
func (db *DB) QueuedReminders(ctx context.Context, until time.Time) ([]string, error) {
	return db.DueReminders(ctx, until, 1<<20)
}
