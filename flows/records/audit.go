package records

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// AuditEntry is one line of the audit log: a staff or committee action
// that changed someone else's standing (an invite, a revocation, a
// decision, a match, a publication, an export, an erasure on request,
// a ticket claimed or closed).
type AuditEntry struct {
	// N numbers the entries in the order they were written; numbers
	// taken by a turn that did not commit are skipped.
	N  int64     `json:"n"`
	At time.Time `json:"at"`
	// Actor is who acted; ErasedUser once they erased their data.
	Actor int64 `json:"actor"`
	// Action names what was done, such as "review.acc" or "role.revoke".
	Action string `json:"action"`
	// Target is the person affected, 0 when none (an export);
	// ErasedUser once they erased their data.
	Target int64 `json:"target,omitempty"`
	// Subject is what was acted on: an application's reference, a
	// role, a ticket's number, an export's name.
	Subject string `json:"subject,omitempty"`
}

// auditCounter numbers the entries.
const auditCounter = "audit"

func auditKey(n int64) string { return "audit:" + strconv.FormatInt(n, 10) }

// auditPersonKey indexes the entries naming a person, as actor or
// target, so erasure finds them without reading the whole log.
func auditPersonKey(id int64) string { return "audit:person:" + strconv.FormatInt(id, 10) }

// AppendAudit adds e to the audit log, stamped now. In a turn it is
// written with the turn's other changes, or not at all.
func (db *DB) AppendAudit(ctx context.Context, e AuditEntry) error {
	n, err := db.s.NextID(ctx, auditCounter)
	if err != nil {
		return fmt.Errorf("number audit entry: %w", err)
	}
	e.N, e.At = n, db.now().UTC()
	if err := db.put(ctx, auditKey(n), e); err != nil {
		return err
	}
	for _, id := range []int64{e.Actor, e.Target} {
		if id > 0 {
			if err := db.s.AddToSet(ctx, auditPersonKey(id), strconv.FormatInt(n, 10)); err != nil {
				return fmt.Errorf("index audit entry %d: %w", n, err)
			}
		}
	}
	return nil
}

// AuditPage returns up to n entries numbered below before (0: the
// latest), newest first, in one round trip, and the number to pass as
// before for the next older page (0 when there is none).
func (db *DB) AuditPage(ctx context.Context, before int64, n int) (entries []AuditEntry, older int64, err error) {
	last, err := db.s.Counter(ctx, auditCounter)
	if err != nil {
		return nil, 0, fmt.Errorf("read audit counter: %w", err)
	}
	top := last
	if before > 0 && before-1 < top {
		top = before - 1
	}
	var keys []string
	for i := top; i > 0 && len(keys) < n; i-- {
		keys = append(keys, auditKey(i))
	}
	entries, err = loadMany[AuditEntry](ctx, db.s, keys)
	if err != nil {
		return nil, 0, err
	}
	if bottom := top - int64(len(keys)); bottom > 0 {
		older = bottom + 1
	}
	return entries, older, nil
}

// auditBatch is how many entries EachAudit reads at once.
const auditBatch = 500

// EachAudit calls fn with the whole log, oldest first, a batch at a
// time, so an export does not hold the log in memory.
func (db *DB) EachAudit(ctx context.Context, fn func([]AuditEntry) error) error {
	last, err := db.s.Counter(ctx, auditCounter)
	if err != nil {
		return fmt.Errorf("read audit counter: %w", err)
	}
	for from := int64(1); from <= last; from += auditBatch {
		keys := make([]string, 0, auditBatch)
		for i := from; i < from+auditBatch && i <= last; i++ {
			keys = append(keys, auditKey(i))
		}
		batch, err := loadMany[AuditEntry](ctx, db.s, keys)
		if err != nil {
			return err
		}
		if err := fn(batch); err != nil {
			return err
		}
	}
	return nil
}

// EraseAudit replaces userID by ErasedUser in every entry naming them,
// keeping what was done and when: the log must still show that a
// decision was taken, not by or about whom.
func (db *DB) EraseAudit(ctx context.Context, userID int64) error {
	set := auditPersonKey(userID)
	nums, err := db.idSet(ctx, set)
	if err != nil {
		return err
	}
	keys := make([]string, len(nums))
	for i, n := range nums {
		keys[i] = auditKey(n)
	}
	entries, err := loadMany[AuditEntry](ctx, db.s, keys)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if e.Actor == userID {
			e.Actor = ErasedUser
		}
		if e.Target == userID {
			e.Target = ErasedUser
		}
		if err := db.put(ctx, auditKey(e.N), e); err != nil {
			return err
		}
	}
	return db.del(ctx, set)
}

// auditFloorKey holds the number of the oldest entry ExpireAudit has
// not deleted, so it does not walk the deleted ones again.
const auditFloorKey = "audit-floor"

// ExpireAudit deletes the entries written longer ago than retention,
// oldest first, with their index members. Entries are numbered in the
// order they were written, so it stops at the first one it keeps.
func (db *DB) ExpireAudit(ctx context.Context, now time.Time, retention time.Duration) error {
	var floor int64
	if err := db.s.Get(ctx, auditFloorKey, &floor); err != nil && !errors.Is(err, ErrNotFound) {
		return fmt.Errorf("load %s: %w", auditFloorKey, err)
	}
	last, err := db.s.Counter(ctx, auditCounter)
	if err != nil {
		return fmt.Errorf("read audit counter: %w", err)
	}
	from := max(floor, 1)
	for from <= last {
		keys := make([]string, 0, auditBatch)
		for i := from; i < from+auditBatch && i <= last; i++ {
			keys = append(keys, auditKey(i))
		}
		batch, err := loadMany[AuditEntry](ctx, db.s, keys)
		if err != nil {
			return err
		}
		next := from + int64(len(keys))
		kept := false
		for _, e := range batch {
			if now.Before(e.At.Add(retention)) {
				next, kept = e.N, true
				break
			}
			if err := db.inTx(ctx, func(tx *DB) error { return tx.deleteAuditEntry(ctx, e) }); err != nil {
				return err
			}
		}
		if err := db.put(ctx, auditFloorKey, next); err != nil {
			return err
		}
		if kept {
			return nil
		}
		from = next
	}
	return nil
}

// deleteAuditEntry deletes e and its members of the person indexes.
func (db *DB) deleteAuditEntry(ctx context.Context, e AuditEntry) error {
	for _, id := range []int64{e.Actor, e.Target} {
		if id > 0 {
			if err := db.s.RemoveFromSet(ctx, auditPersonKey(id), strconv.FormatInt(e.N, 10)); err != nil {
				return err
			}
		}
	}
	return db.del(ctx, auditKey(e.N))
}
