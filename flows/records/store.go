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
	// Session returns the session of a chat; a chat with none gets a
	// zero Session with Version 0 and no error.
	Session(ctx context.Context, chatID int64) (Session, error)
	// SaveSession saves s if its Version still matches the stored one,
	// and increments s.Version. ErrConflict otherwise.
	SaveSession(ctx context.Context, s *Session) error

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

	// Claim atomically takes key for ttl (0: forever); it reports false
	// when someone already holds it.
	Claim(ctx context.Context, key string, ttl time.Duration) (bool, error)

	// Schedule puts member in a time-ordered queue at time at; Due
	// returns up to limit members due at or before now; Unschedule
	// removes them.
	Schedule(ctx context.Context, queue, member string, at time.Time) error
	Due(ctx context.Context, queue string, now time.Time, limit int) ([]string, error)
	Unschedule(ctx context.Context, queue string, members ...string) error
}

// TurnStore is implemented by stores that can do a turn's storage work
// in two round trips: one to claim the update and load the session and
// the sender's profile, one to save them. DB uses it when its Store has
// it and calls the Store methods one by one otherwise.
type TurnStore interface {
	// LoadTurn claims claim for ttl (skipped when claim is ""), loads
	// chatID's session (a zero Session when none) and decodes the record
	// at key into v. claimed is false when someone held the claim
	// already; found is false when there is no record at key. When err
	// is not nil, claimed still reports whether the claim was taken.
	LoadTurn(ctx context.Context, claim string, ttl time.Duration, chatID int64, key string, v any) (s Session, claimed, found bool, err error)
	// SaveTurn stores v at key (forever) unless key is "", then saves s
	// as SaveSession does: ErrConflict when s changed meanwhile.
	SaveTurn(ctx context.Context, s *Session, key string, v any) error
}
