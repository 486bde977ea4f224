package bot_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/mentorbot/mentorbot/bot"
	"github.com/mentorbot/mentorbot/bot/bottest"
)

const waitLimit = 10 * time.Second

func TestSchedulerTicksOnSchedule(t *testing.T) {
	fixed := time.Date(2027, 2, 1, 10, 0, 0, 0, time.UTC)
	ticks := make(chan time.Time, 10)
	s, err := bot.NewScheduler(bot.SchedulerConfig{
		Spec: "@every 1s",
		Now:  func() time.Time { return fixed },
		Tick: func(ctx context.Context, now time.Time) error { ticks <- now; return nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	s.Start()
	select {
	case got := <-ticks:
		if !got.Equal(fixed) {
			t.Errorf("tick at %v; want the injected clock's %v", got, fixed)
		}
	case <-time.After(waitLimit):
		t.Fatal("no tick within 10s of an @every 1s schedule")
	}
	if err := s.Stop(context.Background()); err != nil {
		t.Fatalf("Stop = %v", err)
	}
	if err := s.RunOnce(context.Background()); err == nil {
		t.Errorf("RunOnce after Stop = nil; want an error")
	}
}

func TestSchedulerTicksNeverOverlap(t *testing.T) {
	started, release := make(chan struct{}), make(chan struct{})
	s, err := bot.NewScheduler(bot.SchedulerConfig{Tick: func(ctx context.Context, now time.Time) error {
		started <- struct{}{}
		<-release
		return nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	first := make(chan error, 1)
	go func() { first <- s.RunOnce(context.Background()) }()
	<-started
	if err := s.RunOnce(context.Background()); !errors.Is(err, bot.ErrTickRunning) {
		t.Errorf("RunOnce during a tick = %v; want ErrTickRunning", err)
	}
	close(release)
	if err := <-first; err != nil {
		t.Errorf("first RunOnce = %v; want nil", err)
	}
	go func() { <-started }()
	if err := s.RunOnce(context.Background()); err != nil {
		t.Errorf("RunOnce after the tick ended = %v; want nil", err)
	}
}

func TestSchedulerStopCancelsRunningTick(t *testing.T) {
	started := make(chan struct{})
	s, err := bot.NewScheduler(bot.SchedulerConfig{Tick: func(ctx context.Context, now time.Time) error {
		close(started)
		<-ctx.Done()
		return ctx.Err()
	}})
	if err != nil {
		t.Fatal(err)
	}
	s.Start()
	ran := make(chan error, 1)
	go func() { ran <- s.RunOnce(context.Background()) }()
	<-started
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	if err := s.Stop(ctx); err != nil {
		t.Fatalf("Stop = %v; want nil once the tick ended", err)
	}
	if err := <-ran; !errors.Is(err, context.Canceled) {
		t.Errorf("the running tick returned %v; want context.Canceled", err)
	}
}

func TestNewSchedulerRefuses(t *testing.T) {
	tick := func(context.Context, time.Time) error { return nil }
	for _, tc := range []struct {
		name string
		cfg  bot.SchedulerConfig
	}{
		{"bad spec", bot.SchedulerConfig{Spec: "every minute", Tick: tick}},
		{"no tick", bot.SchedulerConfig{Spec: "@every 1m"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := bot.NewScheduler(tc.cfg); err == nil {
				t.Errorf("NewScheduler(%+v) = nil error; want one", tc.cfg)
			}
		})
	}
}

// TestRemindersTickWakesTheFeederWhenItQueued: the tick wakes the
// feeder when it put reminders in the durable outbox, and only then.
func TestRemindersTickWakesTheFeederWhenItQueued(t *testing.T) {
	env := bottest.Start(t)
	supportRequest(env, supportAda, "Milano Bicocca", "Social", "Student associations?", supportBicocca)
	wakes := 0
	tick := bot.RemindersTick(env.Engine, func() { wakes++ })
	for _, tc := range []struct {
		after time.Duration
		wakes int
	}{{23 * time.Hour, 0}, {25 * time.Hour, 1}, {26 * time.Hour, 1}} {
		if err := tick(context.Background(), env.Clock.Now().Add(tc.after)); err != nil {
			t.Fatal(err)
		}
		if wakes != tc.wakes {
			t.Errorf("after the tick at +%v the feeder was woken %d times; want %d", tc.after, wakes, tc.wakes)
		}
	}
}
