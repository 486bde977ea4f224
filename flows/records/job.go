package records

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// A job is work a turn started that takes longer than a moment (an
// export of every application): it is committed with the turn and run
// by whichever replica takes it off the job queue, away from the chat
// workers, so no other chat waits behind it. A replica holds a job it
// took for a lease it renews while it works; one that dies leaves the
// job to the next when the lease runs out, which runs it again from
// the start.
const jobQueue = "jobs"

// jobKept bounds how long a job record lives, should it never finish.
const jobKept = 7 * 24 * time.Hour

func jobKey(id string) string { return "job:" + id }

// Job is one job. Kind names what to run (as registered by a flow);
// Args are its arguments; ChatID and UserID who asked, in Lang.
// MessageID is the message that shows its progress, once Telegram gave
// it an id.
type Job struct {
	ID        string    `json:"id"`
	Kind      string    `json:"kind"`
	Args      string    `json:"args,omitempty"`
	ChatID    int64     `json:"chat_id"`
	UserID    int64     `json:"user_id"`
	Lang      string    `json:"lang,omitempty"`
	MessageID int       `json:"message_id,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// StartJob numbers j, stores it and queues it to run at once. In a turn
// it is committed with the turn.
func (db *DB) StartJob(ctx context.Context, j *Job) error {
	n, err := db.s.NextID(ctx, "job")
	if err != nil {
		return fmt.Errorf("number job: %w", err)
	}
	j.ID = strconv.FormatInt(n, 10)
	if err := db.s.Put(ctx, jobKey(j.ID), j, jobKept); err != nil {
		return fmt.Errorf("save job %s: %w", j.ID, err)
	}
	if err := db.s.Schedule(ctx, jobQueue, j.ID, time.UnixMilli(0)); err != nil {
		return fmt.Errorf("queue job %s: %w", j.ID, err)
	}
	return nil
}

// Job loads job id; ErrNotFound once it finished.
func (db *DB) Job(ctx context.Context, id string) (Job, error) {
	var j Job
	return j, db.get(ctx, jobKey(id), &j)
}

// SetJobMessage records the id of the message showing job id's
// progress; a finished job is left alone.
func (db *DB) SetJobMessage(ctx context.Context, id string, messageID int) error {
	j, err := db.Job(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	j.MessageID = messageID
	if err := db.s.Put(ctx, jobKey(id), j, jobKept); err != nil {
		return fmt.Errorf("save job %s: %w", id, err)
	}
	return nil
}

// TakeJobs takes up to limit queued jobs for lease.
func (db *DB) TakeJobs(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]string, error) {
	ids, err := db.s.TakeDue(ctx, jobQueue, now, now.Add(lease), limit)
	if err != nil {
		return nil, fmt.Errorf("take jobs: %w", err)
	}
	return ids, nil
}

// RenewJob extends the lease on job id, taken by the caller, to until.
func (db *DB) RenewJob(ctx context.Context, id string, until time.Time) error {
	if err := db.s.Reschedule(ctx, jobQueue, until, id); err != nil {
		return fmt.Errorf("renew job %s: %w", id, err)
	}
	return nil
}

// FinishJob drops job id: done, or not worth trying again.
func (db *DB) FinishJob(ctx context.Context, id string) error {
	if err := db.s.Unschedule(ctx, jobQueue, id); err != nil {
		return fmt.Errorf("finish job %s: %w", id, err)
	}
	return db.del(ctx, jobKey(id))
}

// QueuedJobs counts the jobs waiting or running, for tests and health.
func (db *DB) QueuedJobs(ctx context.Context) (int, error) {
	_, n, err := db.s.Page(ctx, jobQueue, 0, 0, false)
	return n, err
}
