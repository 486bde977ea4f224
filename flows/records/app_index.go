package records

import (
	"context"
	"fmt"
)

// The date indexes of submitted applications: sorted sets of reference
// numbers scored by submission time, one for every application, one per
// project, one per list state and one per project and list state. A page
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

// appIndexKey names the date index of the applications to project ("":
// all projects) in list state state ("": all states).
func appIndexKey(project string, state AppState) string {
	k := "apps-by-date"
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
			if err := db.s.Unschedule(ctx, appIndexKey(project, s), a.Ref); err != nil {
				return fmt.Errorf("index application %s: %w", a.Ref, err)
			}
		}
		for _, key := range []string{appIndexKey(project, ""), appIndexKey(project, state)} {
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
			if err := db.s.Unschedule(ctx, appIndexKey(project, s), a.Ref); err != nil {
				return fmt.Errorf("unindex application %s: %w", a.Ref, err)
			}
		}
	}
	return nil
}

// AppFilter selects applications for a list page: by project and list
// state, "" meaning any.
type AppFilter struct {
	Project string
	State   AppState
}

// ApplicationPage returns up to n applications matching f from offset,
// newest first, and how many match in all: one read of the index and
// one of the applications, at any number of applications.
func (db *DB) ApplicationPage(ctx context.Context, f AppFilter, offset, n int) ([]Application, int, error) {
	refs, total, err := db.s.Page(ctx, appIndexKey(f.Project, f.State), offset, n, true)
	if err != nil {
		return nil, 0, fmt.Errorf("page of applications: %w", err)
	}
	apps, err := db.applicationsByRef(ctx, refs)
	return apps, total, err
}

// CountApplications returns how many applications match f.
func (db *DB) CountApplications(ctx context.Context, f AppFilter) (int, error) {
	_, total, err := db.s.Page(ctx, appIndexKey(f.Project, f.State), 0, 0, true)
	if err != nil {
		return 0, fmt.Errorf("count applications: %w", err)
	}
	return total, nil
}

// EachApplication calls fn with every submitted application, oldest
// first, reading batch of them at a time, so a caller that writes each
// out (an export) holds one batch in memory at most.
func (db *DB) EachApplication(ctx context.Context, batch int, fn func([]Application) error) error {
	for offset := 0; ; offset += batch {
		refs, _, err := db.s.Page(ctx, appIndexKey("", ""), offset, batch, false)
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

// EnsureIndexes builds the indexes of applications written before
// they existed (by an older mentorbot), once: when the date index is
// empty but applications exist. It returns how many it indexed.
func (db *DB) EnsureIndexes(ctx context.Context) (int, error) {
	n, err := db.CountApplications(ctx, AppFilter{})
	if err != nil || n > 0 {
		return 0, err
	}
	apps, err := db.Applications(ctx)
	if err != nil {
		return 0, err
	}
	for _, a := range apps {
		if err := db.indexApplication(ctx, a); err != nil {
			return 0, err
		}
		if err := db.indexApplicationRef(ctx, a.Ref); err != nil {
			return 0, err
		}
	}
	return len(apps), nil
}
