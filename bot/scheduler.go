package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/mentorbot/mentorbot/flows"
)

// DefaultSchedule is how often the scheduler looks for due work.
const DefaultSchedule = "@every 1m"

// ErrTickRunning is returned by Scheduler.RunOnce when a tick is
// already running; ticks never overlap.
var ErrTickRunning = errors.New("scheduler: a tick is already running")

// Tick is one round of scheduled work at now. Its ctx ends when the
// scheduler stops.
type Tick func(ctx context.Context, now time.Time) error

// SchedulerConfig configures a Scheduler. Tick is required.
type SchedulerConfig struct {
	// Spec is a cron spec (robfig/cron: five fields, or descriptors
	// such as "@every 30s"); DefaultSchedule when empty.
	Spec string
	Tick Tick
	// Now is the time handed to Tick; time.Now when nil.
	Now func() time.Time
	// Location is where Spec's times are read; time.Local when nil.
	Location *time.Location
	Logger   *slog.Logger
}

// Scheduler runs a Tick on a cron schedule, one at a time: a tick still
// running when the next is due makes that one be skipped. Several
// processes may run schedulers against one store; the work they call
// must itself be safe for that, as Engine.QueueDueReminders is.
type Scheduler struct {
	cfg  SchedulerConfig
	cron *cron.Cron
	log  *slog.Logger

	running sync.Mutex // held while a tick runs
	ctx     context.Context
	cancel  context.CancelFunc
	once    sync.Once
}

// NewScheduler checks cfg and returns a stopped Scheduler; it fails on
// a malformed Spec.
func NewScheduler(cfg SchedulerConfig) (*Scheduler, error) {
	if cfg.Tick == nil {
		return nil, errors.New("scheduler: Tick is required")
	}
	if cfg.Spec == "" {
		cfg.Spec = DefaultSchedule
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Location == nil {
		cfg.Location = time.Local
	}
	s := &Scheduler{cfg: cfg, log: cfg.Logger}
	if s.log == nil {
		s.log = slog.Default()
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	logger := cronLogger{s.log}
	s.cron = cron.New(cron.WithLocation(cfg.Location), cron.WithLogger(logger),
		cron.WithChain(cron.Recover(logger), cron.SkipIfStillRunning(logger)))
	if _, err := s.cron.AddFunc(cfg.Spec, s.tick); err != nil {
		return nil, fmt.Errorf("scheduler spec %q: %w", cfg.Spec, err)
	}
	return s, nil
}

// Start starts ticking in the background.
func (s *Scheduler) Start() { s.cron.Start() }

// Stop stops ticking, cancels a running tick and waits for it to end,
// or for ctx. It returns ctx's error when ctx ended first.
func (s *Scheduler) Stop(ctx context.Context) error {
	s.once.Do(s.cancel)
	done := s.cron.Stop()
	// A tick started by RunOnce is not cron's: wait for it too.
	waited := make(chan struct{})
	go func() {
		<-done.Done()
		s.running.Lock()
		//lint:ignore SA2001 taking the lock was the point: it waits for the running tick
		s.running.Unlock()
		close(waited)
	}()
	select {
	case <-waited:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// RunOnce runs a tick now, unless one is running (ErrTickRunning) or
// the scheduler was stopped. It returns the tick's error.
func (s *Scheduler) RunOnce(ctx context.Context) error {
	if !s.running.TryLock() {
		return ErrTickRunning
	}
	defer s.running.Unlock()
	if s.ctx.Err() != nil {
		return s.ctx.Err()
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := context.AfterFunc(s.ctx, cancel)
	defer stop()
	return s.cfg.Tick(ctx, s.cfg.Now())
}

// tick is the cron job: a tick whose predecessor still runs (started
// by RunOnce) is skipped like one cron skips.
func (s *Scheduler) tick() {
	err := s.RunOnce(s.ctx)
	switch {
	case errors.Is(err, ErrTickRunning):
		s.log.Info("scheduler tick skipped: the previous one still runs")
	case err != nil && s.ctx.Err() == nil:
		s.log.Error("scheduler tick", "err", err)
	}
}

// RemindersTick is the tick mentorbot runs: it has the engine put the
// due meeting, diary and questionnaire reminders, the due reminders of
// unanswered support tickets and of announced events in the durable
// outbox (Engine.QueueDue), calls wake
// (unless nil) when it queued any, and deletes the closed tickets past
// the programme's support_retention and the records of past cohorts
// past its data_retention. wake is meant to be Bot.WakeFeeder; the
// feeder of any replica sends what was queued.
func RemindersTick(engine *flows.Engine, wake func()) Tick {
	return func(ctx context.Context, now time.Time) error {
		n, err := engine.QueueDue(ctx, now)
		if n > 0 && wake != nil {
			wake()
		}
		_, xerr := engine.ExpireTickets(ctx, now)
		_, cerr := engine.ExpireCohorts(ctx, now)
		return errors.Join(err, xerr, cerr)
	}
}

// WakeFeeder tells the bot that messages were committed to the durable
// outbox outside an update (scheduled reminders), so it sends them at
// once instead of at its next look.
func (b *Bot) WakeFeeder() { b.feeder.poke() }

// cronLogger sends robfig/cron's log to slog.
type cronLogger struct{ log *slog.Logger }

func (l cronLogger) Info(msg string, kv ...any) { l.log.Debug("cron: "+msg, kv...) }
func (l cronLogger) Error(err error, msg string, kv ...any) {
	l.log.Error("cron: "+msg, append(kv, "err", err)...)
}
