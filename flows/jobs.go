package flows

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/mentorbot/mentorbot/flows/records"
)

// refJob marks the message that shows a job's progress: the sender
// reports its id, so the job runner can edit it in place.
const refJob = "job"

// JobFunc runs a job of one kind: it writes its file to w, calls
// progress now and then with how far it got (0-100), and returns what
// to send with the file. It only reads records, so running it again
// after a crash is safe.
type JobFunc func(ctx context.Context, j *JobRun, w io.Writer) (JobResult, error)

// JobResult is what a finished job sends its chat: a file named
// FileName (its content is what the job wrote) with caption Text.
type JobResult struct {
	FileName string
	Text     string
	TextID   string
}

// JobRun is a job being run, as its JobFunc sees it.
type JobRun struct {
	Job      records.Job
	e        *Engine
	progress func(percent int)
}

// Progress reports done of total; the runner shows it as a percentage.
func (j *JobRun) Progress(done, total int) {
	if j.progress != nil && total > 0 {
		j.progress(min(100, done*100/total))
	}
}

// T renders message id in the language of whoever started the job.
func (j *JobRun) T(id string, data map[string]any) string { return j.e.cat.T(j.Job.Lang, id, data) }

// Plural is T with a plural count.
func (j *JobRun) Plural(id string, n int, data map[string]any) string {
	return j.e.cat.Plural(j.Job.Lang, id, n, data)
}

// onJob registers f to run the jobs of kind.
func (e *Engine) onJob(kind string, f JobFunc) {
	if _, dup := e.jobs[kind]; dup {
		panic("flows: job registered twice: " + kind)
	}
	e.jobs[kind] = f
}

// StartJob queues a job of kind with args, committed with the turn, and
// sends the message that will show its progress: the chat's worker is
// free at once, and a replica's job runner does the work (RunJob).
func (t *Turn) StartJob(kind, args string) error {
	if _, ok := t.e.jobs[kind]; !ok {
		panic("flows: job not registered: " + kind)
	}
	j := records.Job{Kind: kind, Args: args, ChatID: t.Event.ChatID, UserID: t.Event.From.ID,
		Lang: t.Lang(), CreatedAt: t.Now().UTC()}
	if err := t.rec.StartJob(t.ctx, &j); err != nil {
		return err
	}
	t.Send(Message{ChatID: t.Event.ChatID, Text: t.T("job.started", map[string]any{"Percent": 0}),
		TextID: "job.started", Ref: refJob + ":" + j.ID})
	return nil
}

// JobOf returns the id of the job whose progress message has ref.
func JobOf(ref string) (id string, ok bool) { return strings.CutPrefix(ref, refJob+":") }

// ErrNoJob is RunJob's error for a job that finished or never was.
var ErrNoJob = errors.New("flows: no such job")

// RunJob runs job id, writing its file to w and reporting progress, and
// returns the job (whose MessageID shows progress) and what to send.
// The caller sends it, then calls FinishJob.
func (e *Engine) RunJob(ctx context.Context, id string, w io.Writer, progress func(percent int)) (records.Job, JobResult, error) {
	j, err := e.rec.Job(ctx, id)
	if errors.Is(err, records.ErrNotFound) {
		return records.Job{}, JobResult{}, ErrNoJob
	}
	if err != nil {
		return records.Job{}, JobResult{}, err
	}
	f, ok := e.jobs[j.Kind]
	if !ok {
		return j, JobResult{}, fmt.Errorf("job %s: unknown kind %q", id, j.Kind)
	}
	res, err := f(ctx, &JobRun{Job: j, e: e, progress: progress}, w)
	if err != nil {
		return j, JobResult{}, fmt.Errorf("job %s (%s): %w", id, j.Kind, err)
	}
	return j, res, nil
}

// JobProgress is the text of job j's progress message at percent.
func (e *Engine) JobProgress(j records.Job, percent int) string {
	return e.cat.T(j.Lang, "job.started", map[string]any{"Percent": percent})
}

// JobDone is the text of job j's progress message once its file was
// sent.
func (e *Engine) JobDone(j records.Job) string { return e.cat.T(j.Lang, "job.done", nil) }

// JobFailed is the message that tells j's chat the job failed.
func (e *Engine) JobFailed(j records.Job) Message {
	return Message{ChatID: j.ChatID, Text: e.cat.T(j.Lang, "job.failed", nil), TextID: "job.failed"}
}

// FinishJob drops job id once its result was sent (or it failed for
// good).
func (e *Engine) FinishJob(ctx context.Context, id string) error { return e.rec.FinishJob(ctx, id) }

// jobMessageSent returns what records the id of a job's progress
// message, once the sender reports it.
func jobMessageSent(rec *records.DB) func(ctx context.Context, id string, _ int64, messageID int) error {
	return func(ctx context.Context, id string, _ int64, messageID int) error {
		return rec.SetJobMessage(ctx, id, messageID)
	}
}
