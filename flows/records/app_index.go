package records

import (
	"context"
	"errors"
	"fmt"
)

// The date indexes of submitted applications: sorted sets of reference
// numbers scored by submission time, for each edition one for every
// application, one per project, one per list state and one per project
// and list state. A page
// of any of them, filtered by project, state or both, is one range read
// whatever the number of applications, and its size comes with it.

// ListStates are the states staff filter the list by, in the order an
// application goes through them: an application's own state until its
// result is published, then "published".
var ListStates = []AppState{AppSubmitted, AppReview, AppInterview, AppAccepted, AppRejected, AppMatched, AppPublished, AppWithdrawn}

// AppPublished is the list state of an application whose result the
// applicant was told; it is never an Application's State.
const AppPublished AppState = "published"

// ListState is the state a's list filters go by.
func (a Application) ListState() AppState {
	if a.Published {
		return AppPublished
	}
	return a.State
}

// appIndexKey names the date index of the applications of edition to
// project ("": all projects) in list state state ("": all states).
func appIndexKey(edition, project string, state AppState) string {
	k := "apps-by-date:e:" + edition
	if project != "" {
		k += ":p:" + project
	}
	if state != "" {
		k += ":s:" + string(state)
	}
	return k
}

// indexApplication puts submitted application a in the indexes of its
// project and list state, and takes it out of those of the other
// states, so a save after any change of state leaves it in the right
// ones.
func (db *DB) indexApplication(ctx context.Context, a Application) error {
	at := a.SubmittedAt
	if at.IsZero() {
		at = a.CreatedAt
	}
	state := a.ListState()
	for _, project := range []string{"", a.ProjectID} {
		for _, s := range ListStates {
			if s == state {
				continue
			}
			if err := db.s.Unschedule(ctx, appIndexKey(a.Edition, project, s), a.Ref); err != nil {
				return fmt.Errorf("index application %s: %w", a.Ref, err)
			}
		}
		for _, key := range []string{appIndexKey(a.Edition, project, ""), appIndexKey(a.Edition, project, state)} {
			if err := db.s.Schedule(ctx, key, a.Ref, at); err != nil {
				return fmt.Errorf("index application %s: %w", a.Ref, err)
			}
		}
	}
	return nil
}

// unindexApplication takes a out of every date index.
func (db *DB) unindexApplication(ctx context.Context, a Application) error {
	for _, project := range []string{"", a.ProjectID} {
		for _, s := range append([]AppState{""}, ListStates...) {
			if err := db.s.Unschedule(ctx, appIndexKey(a.Edition, project, s), a.Ref); err != nil {
				return fmt.Errorf("unindex application %s: %w", a.Ref, err)
			}
		}
	}
	return nil
}

// AppFilter selects applications for a list page: by edition ("": the
// current one), project and list state ("": any).
type AppFilter struct {
	Edition string
	Project string
	State   AppState
}

// legacyIndexKey names a date index as an older mentorbot, without
// editions, wrote it.
func legacyIndexKey(project string, state AppState) string {
	k := "apps-by-date"
	if project != "" {
		k += ":p:" + project
	}
	if state != "" {
		k += ":s:" + string(state)
	}
	return k
}

// indexKey names the date index f reads.
func (db *DB) indexKey(f AppFilter) string {
	if f.Edition == "" {
		f.Edition = db.edition
	}
	return appIndexKey(f.Edition, f.Project, f.State)
}

// ApplicationPage returns up to n applications matching f from offset,
// newest first, and how many match in all: one read of the index and
// one of the applications, at any number of applications.
func (db *DB) ApplicationPage(ctx context.Context, f AppFilter, offset, n int) ([]Application, int, error) {
	refs, total, err := db.s.Page(ctx, db.indexKey(f), offset, n, true)
	if err != nil {
		return nil, 0, fmt.Errorf("page of applications: %w", err)
	}
	apps, err := db.applicationsByRef(ctx, refs)
	return apps, total, err
}

// CountApplications returns how many applications match f.
func (db *DB) CountApplications(ctx context.Context, f AppFilter) (int, error) {
	_, total, err := db.s.Page(ctx, db.indexKey(f), 0, 0, true)
	if err != nil {
		return 0, fmt.Errorf("count applications: %w", err)
	}
	return total, nil
}

// EachApplication calls fn with every submitted application matching
// f, oldest first, reading batch of them at a time, so a caller that
// writes each out (an export) holds one batch in memory at most.
func (db *DB) EachApplication(ctx context.Context, f AppFilter, batch int, fn func([]Application) error) error {
	for offset := 0; ; offset += batch {
		refs, _, err := db.s.Page(ctx, db.indexKey(f), offset, batch, false)
		if err != nil {
			return fmt.Errorf("read applications: %w", err)
		}
		if len(refs) == 0 {
			return nil
		}
		apps, err := db.applicationsByRef(ctx, refs)
		if err != nil {
			return err
		}
		if err := fn(apps); err != nil {
			return err
		}
		if len(refs) < batch {
			return nil
		}
	}
}

// applicationsByRef loads the applications refs in one round trip,
// leaving out any that is gone.
func (db *DB) applicationsByRef(ctx context.Context, refs []string) ([]Application, error) {
	keys := make([]string, len(refs))
	vals := make([]Application, len(refs))
	ptrs := make([]any, len(refs))
	for i, ref := range refs {
		keys[i], ptrs[i] = appKey(ref), &vals[i]
	}
	found, err := db.s.GetMany(ctx, keys, ptrs)
	if err != nil {
		return nil, fmt.Errorf("load applications: %w", err)
	}
	out := vals[:0]
	for i, ok := range found {
		if ok {
			out = append(out, vals[i])
		}
	}
	return out, nil
}

// migratedKey marks the records as migrated to editions: written once
// EnsureIndexes gave every application an edition.
const migratedKey = "records-migrated:editions"

// EnsureIndexes brings applications written by an older mentorbot up
// to date, once: each is given the current edition, with the pointer
// from its applicant, and put in the date indexes of its edition; the
// date indexes of before editions are dropped. It returns how many
// applications it indexed. Drafts of before editions are read as the
// current edition's and moved on their next save.
func (db *DB) EnsureIndexes(ctx context.Context) (int, error) {
	var done bool
	if err := db.s.Get(ctx, migratedKey, &done); err == nil {
		return 0, nil
	} else if !errors.Is(err, ErrNotFound) {
		return 0, fmt.Errorf("migrate applications: %w", err)
	}
	apps, err := db.Applications(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	old := make(map[string]bool) // the date indexes of before editions
	for _, a := range apps {
		if a.Edition != "" {
			continue
		}
		for _, s := range append([]AppState{""}, ListStates...) {
			old[legacyIndexKey("", s)] = true
			old[legacyIndexKey(a.ProjectID, s)] = true
		}
		a.Edition = db.edition
		if err := db.put(ctx, appKey(a.Ref), a); err != nil {
			return n, err
		}
		if err := db.indexApplication(ctx, a); err != nil {
			return n, err
		}
		if err := db.indexApplicationRef(ctx, a.Ref); err != nil {
			return n, err
		}
		if err := db.moveLegacyPointer(ctx, a); err != nil {
			return n, err
		}
		n++
	}
	for k := range old {
		if err := db.del(ctx, k); err != nil {
			return n, err
		}
	}
	return n, db.s.Put(ctx, migratedKey, true, 0)
}

// moveLegacyPointer moves the pointer from a's applicant to a, as an
// older mentorbot wrote it, under a's edition.
func (db *DB) moveLegacyPointer(ctx context.Context, a Application) error {
	if a.UserID == 0 || a.UserID == ErasedUser {
		return nil
	}
	var ref string
	if err := db.s.Get(ctx, legacyAppOfKey(a.UserID), &ref); errors.Is(err, ErrNotFound) || (err == nil && ref != a.Ref) {
		return nil
	} else if err != nil {
		return fmt.Errorf("migrate application %s: %w", a.Ref, err)
	}
	if err := db.s.Put(ctx, appOfKey(a.Edition, a.UserID), a.Ref, 0); err != nil {
		return fmt.Errorf("migrate application %s: %w", a.Ref, err)
	}
	if err := db.s.AddToSet(ctx, appsOfUserSet(a.UserID), a.Ref); err != nil {
		return fmt.Errorf("migrate application %s: %w", a.Ref, err)
	}
	return db.del(ctx, legacyAppOfKey(a.UserID))
}
