package records

import (
	"context"
	"errors"
	"time"
)

// ErrNotFound is returned when a record does not exist.
var ErrNotFound = errors.New("not found")

// ErrConflict is returned by a versioned save when the record changed
// since it was loaded; the caller reloads and tries again.
var ErrConflict = errors.New("changed concurrently")

// Store is what records needs from storage: values by key, sets, a
// counter, time-ordered queues and claims. flows/redisstore implements
// it on Redis. Keys are built by this package only.
type Store interface {
	// LoadTurn reports whether the record at handled exists (skipped
	// when handled is ""), and unless it does, loads chatID's session (a
	// zero Session when none) and decodes the record at key into v;
	// found is false when there is no record at key. The engine's turn
	// costs one round trip with it.
	LoadTurn(ctx context.Context, handled string, chatID int64, key string, v any) (s Session, wasHandled, found bool, err error)
	// Commit applies c at once, or, when one of its conditions fails,
	// not at all, with ErrConflict.
	Commit(ctx context.Context, c *Commit) error

	// Get decodes the record at key into v; ErrNotFound if absent.
	Get(ctx context.Context, key string, v any) error
	// GetMany decodes the record at keys[i] into vs[i], in one round
	// trip; found[i] is false where there is none.
	GetMany(ctx context.Context, keys []string, vs []any) (found []bool, err error)
	// Put stores v at key; ttl 0 keeps it forever.
	Put(ctx context.Context, key string, v any, ttl time.Duration) error
	// PutIfVersion stores v at key, forever, only if the record there
	// has the JSON field "version" equal to version (no record counts as
	// version 0); ErrConflict otherwise. v itself carries the next
	// version.
	PutIfVersion(ctx context.Context, key string, v any, version int64) error
	// Delete removes the records at keys; absent keys are not an error.
	Delete(ctx context.Context, keys ...string) error

	// AddToSet and RemoveFromSet maintain a set of strings, used as an
	// index.
	AddToSet(ctx context.Context, set string, members ...string) error
	RemoveFromSet(ctx context.Context, set string, members ...string) error
	// Members returns a set's members, sorted.
	Members(ctx context.Context, set string) ([]string, error)

	// NextID returns the next number of a named counter, from 1.
	NextID(ctx context.Context, counter string) (int64, error)
	// Counter returns the last number NextID gave for counter, 0 when
	// none.
	Counter(ctx context.Context, counter string) (int64, error)

	// Claim atomically takes key for ttl (0: forever); it reports false
	// when someone already holds it.
	Claim(ctx context.Context, key string, ttl time.Duration) (bool, error)

	// Schedule puts member in a time-ordered queue at time at; Due
	// returns up to limit members due at or before now; Unschedule
	// removes them.
	Schedule(ctx context.Context, queue, member string, at time.Time) error
	Due(ctx context.Context, queue string, now time.Time, limit int) ([]string, error)
	Unschedule(ctx context.Context, queue string, members ...string) error
	// Page returns n members of a time-ordered queue (an index by
	// date) from offset, newest first when newestFirst, with the
	// queue's size, in one round trip.
	Page(ctx context.Context, queue string, offset, n int, newestFirst bool) (members []string, total int, err error)
	// ByPrefix returns up to limit members of a queue whose members all
	// have the same time that start with prefix, in byte order: a
	// search index of "token\x00id" members.
	ByPrefix(ctx context.Context, queue, prefix string, limit int) ([]string, error)
	// ScheduleIfAbsent is Schedule, but keeps member's time when it is
	// queued already.
	ScheduleIfAbsent(ctx context.Context, queue, member string, at time.Time) error
	// Reschedule moves members that are in queue to at; others stay
	// out.
	Reschedule(ctx context.Context, queue string, at time.Time, members ...string) error
	// TakeDue returns up to limit members of queue due at now and, in
	// the same step, moves them to until: whoever took them has them
	// until then.
	TakeDue(ctx context.Context, queue string, now, until time.Time, limit int) ([]string, error)

	// TakeSlot takes one of limit slots of a sliding window of length
	// per named key, stamped until (later than now while the work it
	// stands for is in flight), and returns its name; when all slots
	// are taken at now it takes none and returns how long until one
	// frees up. On an error the slot may have been taken all the same
	// (the answer lost, not the command): its name still comes back, so
	// the caller can stamp it instead of leaving it taken until until.
	// StampSlot restamps a slot taken, at at.
	TakeSlot(ctx context.Context, key string, limit int, per time.Duration, now, until time.Time) (slot string, wait time.Duration, err error)
	StampSlot(ctx context.Context, key, slot string, at time.Time) error

	// Push appends values to a list; Head returns its first n values.
	Push(ctx context.Context, list string, values ...string) error
	Head(ctx context.Context, list string, n int) ([]string, error)
	// Dequeue removes item (unless "") from list, then, in the same
	// step, queues member in queue at at when the list still has items
	// (more), and takes it off the queue when not.
	Dequeue(ctx context.Context, list, item, queue, member string, at time.Time) (more bool, err error)
}
