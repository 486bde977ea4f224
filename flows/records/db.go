// Package records is the one home of everything mentorbot stores: each
// record's type, its key, its loads and saves, its indexes and what
// /mydata and /deletemydata do with it. Flows ask records for an
// application or a ticket; only this package builds a key or talks to
// the Store.
//
// Each record has a file of its own: profile.go, application.go,
// mentorship.go, proposal.go, diary.go, ects.go, questionnaire.go,
// ticket.go, invite.go, roles.go, reminders.go. Sessions (session.go)
// are the conversation state the flows engine keeps per chat.
package records

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// DB reads and writes records in a Store. It is safe for concurrent
// use.
type DB struct {
	s   Store
	now func() time.Time
	// edition is the programme's current edition ("2026/27"): drafts
	// and the application a person has are read and written in it, and
	// lists go by it unless told another (see InEdition).
	edition string
}

// New returns a DB over s; now is the clock stamped on records
// (time.Now when nil).
func New(s Store, now func() time.Time) *DB {
	if now == nil {
		now = time.Now
	}
	return &DB{s: s, now: now}
}

// InEdition returns a DB like db whose current edition is edition: a
// new edition starts clean (no one has applied in it yet) while the
// records of earlier ones stay readable by name.
func (db *DB) InEdition(edition string) *DB {
	c := *db
	c.edition = edition
	return &c
}

// Edition returns db's current edition.
func (db *DB) Edition() string { return db.edition }

// ErasedUser stands, in a record that outlives a person's erasure (an
// anonymous application, mentorship or used invite), for the person
// who erased their data.
const ErasedUser int64 = -1

// get loads the record at key into v, naming what in an error.
func (db *DB) get(ctx context.Context, key string, v any) error {
	if err := db.s.Get(ctx, key, v); err != nil {
		return fmt.Errorf("load %s: %w", key, err)
	}
	return nil
}

// put stores v at key forever.
func (db *DB) put(ctx context.Context, key string, v any) error {
	if err := db.s.Put(ctx, key, v, 0); err != nil {
		return fmt.Errorf("save %s: %w", key, err)
	}
	return nil
}

// del deletes keys.
func (db *DB) del(ctx context.Context, keys ...string) error {
	if err := db.s.Delete(ctx, keys...); err != nil {
		return fmt.Errorf("delete %v: %w", keys, err)
	}
	return nil
}

// members lists a set.
func (db *DB) members(ctx context.Context, set string) ([]string, error) {
	ms, err := db.s.Members(ctx, set)
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", set, err)
	}
	return ms, nil
}

// loadMany loads the records at keys in one round trip, skipping those
// that are gone, in the order of keys.
func loadMany[T any](ctx context.Context, s Store, keys []string) ([]T, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	vals := make([]T, len(keys))
	ptrs := make([]any, len(keys))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	found, err := s.GetMany(ctx, keys, ptrs)
	if err != nil {
		return nil, fmt.Errorf("load %d records: %w", len(keys), err)
	}
	out := vals[:0]
	for i, ok := range found {
		if ok {
			out = append(out, vals[i])
		}
	}
	return out, nil
}

// loadSet loads the records whose ids are in set, keyed by key(id).
func loadSet[T any](ctx context.Context, db *DB, set string, key func(string) string) ([]T, error) {
	ids, err := db.members(ctx, set)
	if err != nil {
		return nil, err
	}
	keys := make([]string, len(ids))
	for i, id := range ids {
		keys[i] = key(id)
	}
	return loadMany[T](ctx, db.s, keys)
}

// idSet lists a set of user ids, sorted; members that are not numbers
// are skipped.
func (db *DB) idSet(ctx context.Context, set string) ([]int64, error) {
	members, err := db.members(ctx, set)
	if err != nil {
		return nil, err
	}
	var ids []int64
	for _, m := range members {
		if id, err := strconv.ParseInt(m, 10, 64); err == nil {
			ids = append(ids, id)
		}
	}
	sortInt64(ids)
	return ids, nil
}

// found turns ErrNotFound into ok=false.
func found(err error) (ok bool, _ error) {
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

func id64(n int64) string { return strconv.FormatInt(n, 10) }
