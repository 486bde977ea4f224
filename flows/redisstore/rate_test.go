package redisstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/mentorbot/mentorbot/flows/redisstore/redistest"
)

// TestTakeSlotKeepsASlidingWindow: three slots a second are given, the
// fourth waits until the first is a second old, and then one is free.
func TestTakeSlotKeepsASlidingWindow(t *testing.T) {
	ctx := context.Background()
	s := redistest.Store(t)
	t0 := time.Date(2027, 2, 1, 10, 0, 0, 0, time.UTC)
	var first string
	for i, at := range []time.Duration{0, 100 * time.Millisecond, 200 * time.Millisecond} {
		now := t0.Add(at)
		slot, wait, err := s.TakeSlot(ctx, "win", 3, time.Second, now, now.Add(time.Minute))
		if err != nil || wait != 0 || slot == "" {
			t.Fatalf("TakeSlot #%d = %q, %v, %v; want a slot", i+1, slot, wait, err)
		}
		if i == 0 {
			first = slot
		}
	}
	// The three sends are in flight: their slots hold.
	now := t0.Add(300 * time.Millisecond)
	if _, wait, err := s.TakeSlot(ctx, "win", 3, time.Second, now, now); err != nil || wait == 0 {
		t.Fatalf("TakeSlot(window full of sends in flight) = %v, %v; want to wait", wait, err)
	}
	// The first ended at 50ms: the window frees up a second after that.
	if err := s.StampSlot(ctx, "win", first, t0.Add(50*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	now = t0.Add(400 * time.Millisecond)
	if _, wait, err := s.TakeSlot(ctx, "win", 3, time.Second, now, now); err != nil || wait != 650*time.Millisecond {
		t.Fatalf("TakeSlot(full window) = %v, %v; want to wait 650ms", wait, err)
	}
	// A caller whose clock is behind counts the window as of the
	// latest moment any caller saw, not its own.
	if _, wait, err := s.TakeSlot(ctx, "win", 3, time.Second, t0.Add(100*time.Millisecond), now); err != nil || wait != 650*time.Millisecond {
		t.Fatalf("TakeSlot(late caller) = %v, %v; want to wait 650ms", wait, err)
	}
	later := t0.Add(1051 * time.Millisecond)
	if slot, wait, err := s.TakeSlot(ctx, "win", 3, time.Second, later, later); err != nil || wait != 0 || slot == "" {
		t.Fatalf("TakeSlot(after the first left) = %v, %v; want a slot", wait, err)
	}
}
