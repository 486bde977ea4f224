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
	for i, at := range []time.Duration{0, 100 * time.Millisecond, 200 * time.Millisecond} {
		if wait, err := s.TakeSlot(ctx, "win", 3, time.Second, t0.Add(at)); err != nil || wait != 0 {
			t.Fatalf("TakeSlot #%d = %v, %v; want a slot", i+1, wait, err)
		}
	}
	if wait, err := s.TakeSlot(ctx, "win", 3, time.Second, t0.Add(300*time.Millisecond)); err != nil || wait != 700*time.Millisecond {
		t.Fatalf("TakeSlot(full window) = %v, %v; want to wait 700ms", wait, err)
	}
	if wait, err := s.TakeSlot(ctx, "win", 3, time.Second, t0.Add(1001*time.Millisecond)); err != nil || wait != 0 {
		t.Fatalf("TakeSlot(after the first left) = %v, %v; want a slot", wait, err)
	}
}
