package telegramtest

import (
	"sync"
	"time"
)

// Clock is a virtual clock for pacing tests: waiting on After moves
// the clock forward at once instead of sleeping. Share one between the
// Server (SetClock(c.Now)) and the bot's outbox so both agree on time.
type Clock struct {
	mu     sync.Mutex
	now    time.Time
	waited time.Duration
}

// NewClock returns a clock set to start.
func NewClock(start time.Time) *Clock { return &Clock{now: start} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// After advances the clock by d and returns a channel that is ready.
func (c *Clock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if d > 0 {
		c.now = c.now.Add(d)
		c.waited += d
	}
	ch := make(chan time.Time, 1)
	ch <- c.now
	return ch
}

// Add moves the clock forward by d.
func (c *Clock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// Waited is the total time callers of After waited.
func (c *Clock) Waited() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.waited
}
