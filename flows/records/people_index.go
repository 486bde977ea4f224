package records

import (
	"context"
	"fmt"
)

// The reads /people pages with. Staff lists every holder of a role, a
// number that grows with the programme, so each read here answers for
// all the projects or all the people of a page in one round trip, where
// ProjectMentor and CommitteeOf would take one each: a page costs the
// same whether ten or ten thousand people hold a role. They add no key
// of their own, so erasure and revocation have nothing more to clean.

// ProjectMentors returns, read in one round trip, the mentor who joined
// each of projects through an invite, by project; a project nobody
// joined is missing. A project whose mentor was revoked maps to UserID
// 0 (ClearProjectMentor), which outranks the programme file's mentor.
func (db *DB) ProjectMentors(ctx context.Context, projects []string) (map[string]ProjectMentor, error) {
	return loadEach[ProjectMentor](ctx, db.s, projects, projectMentorKey)
}

// CommitteesOf returns, read in one round trip, the id of the
// university whose committee each of userIDs joined through an invite;
// someone who joined none is missing.
func (db *DB) CommitteesOf(ctx context.Context, userIDs []int64) (map[int64]string, error) {
	return loadEach[string](ctx, db.s, userIDs, committeeOfKey)
}

// loadEach loads the record of each of ids, at key(id), in one round
// trip, keyed by id; ids without a record are missing.
func loadEach[T any, K comparable](ctx context.Context, s Store, ids []K, key func(K) string) (map[K]T, error) {
	out := make(map[K]T, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	keys := make([]string, len(ids))
	vals := make([]T, len(ids))
	ptrs := make([]any, len(ids))
	for i, id := range ids {
		keys[i], ptrs[i] = key(id), &vals[i]
	}
	found, err := s.GetMany(ctx, keys, ptrs)
	if err != nil {
		return nil, fmt.Errorf("load %d records: %w", len(keys), err)
	}
	for i, ok := range found {
		if ok {
			out[ids[i]] = vals[i]
		}
	}
	return out, nil
}
