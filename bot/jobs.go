package bot

import (
	"bufio"
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/mentorbot/mentorbot/flows"
	"github.com/mentorbot/mentorbot/flows/records"
)

// jobEngine is what the job runner needs from the flows.
type jobEngine interface {
	Records() *records.DB
	RunJob(ctx context.Context, id string, w io.Writer, progress func(percent int)) (records.Job, flows.JobResult, error)
	JobProgress(j records.Job, percent int) string
	JobDone(j records.Job) string
	JobFailed(j records.Job) flows.Message
	FinishJob(ctx context.Context, id string) error
}

// The job runner's pace.
const (
	// jobLease is how long a replica holds a job it took; it renews the
	// lease every jobRenew while it works, so a replica that dies
	// leaves the job to another within jobLease.
	jobLease = 2 * time.Minute
	jobRenew = 30 * time.Second
	// jobPoll is how often an idle runner looks for jobs.
	jobPoll = time.Second
	// jobEditEvery spaces the edits of a progress message, far inside
	// Telegram's limits.
	jobEditEvery = 2 * time.Second
)

// jobRunner runs the jobs turns start (flows.Turn.StartJob), one at a
// time on each replica, apart from the chat workers: a long export
// holds no chat up. The file a job writes goes to a temporary file and
// from there to Telegram, streamed; it never sits in memory or Redis.
// A job whose replica dies is run again, from the start, by the next
// to take it; its file may then reach the chat twice.
type jobRunner struct {
	engine jobEngine
	out    *Outbox
	edit   func(ctx context.Context, chatID int64, messageID int, text string) error
	log    *slog.Logger
	now    func() time.Time
	// gate, when set, is called before each job runs; tests hold a job
	// with it.
	gate func(id string)
}

// run takes and runs jobs until ctx ends.
func (r *jobRunner) run(ctx context.Context) {
	for {
		ids, err := r.engine.Records().TakeJobs(ctx, r.now(), jobLease, 1)
		if err != nil && ctx.Err() == nil {
			r.log.Warn("take jobs", "err", err)
		}
		for _, id := range ids {
			r.runOne(ctx, id)
		}
		if len(ids) > 0 {
			continue
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(jobPoll):
		}
	}
}

// runOne runs job id to its end: its file sent and the job dropped, or
// the chat told it failed. When ctx ends first the job stays queued and
// its lease runs out, for this replica's next start or another.
func (r *jobRunner) runOne(ctx context.Context, id string) {
	if r.gate != nil {
		r.gate(id)
	}
	stopRenew := r.renew(ctx, id)
	defer stopRenew()
	f, err := os.CreateTemp("", "mentorbot-job-*")
	if err != nil {
		r.log.Error("job: temporary file", "id", id, "err", err)
		return
	}
	defer os.Remove(f.Name())
	defer f.Close()
	w := bufio.NewWriterSize(f, 64<<10)
	j, res, err := r.engine.RunJob(ctx, id, w, r.progress(ctx, id))
	if err == nil {
		err = w.Flush()
	}
	switch {
	case errors.Is(err, flows.ErrNoJob):
		return // another replica finished it
	case ctx.Err() != nil:
		return
	case err != nil:
		r.log.Error("job failed", "id", id, "err", err)
		r.send(ctx, r.engine.JobFailed(j))
		r.finish(ctx, id)
		return
	}
	m := flows.Message{ChatID: j.ChatID, Text: res.Text, TextID: res.TextID,
		File: &flows.Attachment{FileName: res.FileName, Path: f.Name()}}
	if !r.send(ctx, m) {
		return
	}
	// The file went out: the job is done, then its progress message
	// says so (an edit that fails changes nothing that matters).
	j, err = r.engine.Records().Job(ctx, id)
	r.finish(ctx, id)
	if err == nil && j.MessageID != 0 {
		_ = r.edit(ctx, j.ChatID, j.MessageID, r.engine.JobDone(j))
	}
}

// send sends m through the outbox, at Telegram's limits; false means
// the bot is stopping and the job should stay queued.
func (r *jobRunner) send(ctx context.Context, m flows.Message) bool {
	_, err := r.out.Send(ctx, m)
	if err != nil && (ctx.Err() != nil || errors.Is(err, ErrClosed)) {
		return false
	}
	if err != nil && !errors.Is(err, ErrBlocked) {
		r.log.Error("job result given up", "chat_id", m.ChatID, "err", err)
	}
	return true
}

func (r *jobRunner) finish(ctx context.Context, id string) {
	if err := r.engine.FinishJob(context.WithoutCancel(ctx), id); err != nil {
		r.log.Warn("finish job", "id", id, "err", err)
	}
}

// renew keeps the lease on job id until the returned func is called.
func (r *jobRunner) renew(ctx context.Context, id string) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-time.After(jobRenew):
			}
			if err := r.engine.Records().RenewJob(ctx, id, r.now().Add(jobLease)); err != nil && ctx.Err() == nil {
				r.log.Warn("renew job lease", "id", id, "err", err)
			}
		}
	})
	return func() { cancel(); wg.Wait() }
}

// progress returns the job's progress callback: it edits the job's
// progress message in place, at most every jobEditEvery.
func (r *jobRunner) progress(ctx context.Context, id string) func(percent int) {
	var last time.Time
	shown := 0
	return func(percent int) {
		if percent == shown || r.now().Sub(last) < jobEditEvery {
			return
		}
		j, err := r.engine.Records().Job(ctx, id)
		if err != nil || j.MessageID == 0 {
			return // the message is not sent yet: next time
		}
		last, shown = r.now(), percent
		edit, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		if err := r.edit(edit, j.ChatID, j.MessageID, r.engine.JobProgress(j, percent)); err != nil {
			r.log.Debug("edit job progress", "id", id, "err", err)
		}
	}
}
