package records

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"
)

// Op is one write of a turn, applied by Store.Commit. Cmd is one of the
// Op* constants; Key the key written; Args what the command needs.
type Op struct {
	Cmd  string
	Key  string
	Args []string
}

// The writes a commit applies, named as the Redis commands that do them.
const (
	OpSet    = "SET"    // Args: value, and a TTL in milliseconds or "0"
	OpDel    = "DEL"    // no Args
	OpSAdd   = "SADD"   // Args: members
	OpSRem   = "SREM"   // Args: members
	OpZAdd   = "ZADD"   // Args: score, member
	OpZAddNX = "ZADDNX" // Args: score, member; keeps an existing score
	OpZRem   = "ZREM"   // Args: members
	OpRPush  = "RPUSH"  // Args: values
)

// Commit is everything a turn writes, applied by Store.Commit at once
// or not at all.
type Commit struct {
	// Session is saved (and its Version incremented) if the stored one
	// still has its Version; nil saves none.
	Session *Session
	// Absent are keys that must not exist; a claim the turn took.
	Absent []string
	// Versions are keys whose record's "version" field must still be the
	// one the turn read (0: no record).
	Versions map[string]int64
	// Ops are the writes, in order.
	Ops []Op
}

// txStore is a Store for one turn: reads go to the store underneath,
// seeing the turn's own writes; writes are kept in a Commit and reach
// the store only when the turn commits. A turn that runs again after a
// conflict starts from a new txStore, so nothing of the failed attempt
// is visible anywhere. Counters (NextID) are the exception: a number
// taken by a failed attempt is skipped.
type txStore struct {
	s Store
	c Commit
	// vals are the records written or deleted (nil) by the turn.
	vals map[string][]byte
	// cleared are sets and queues the turn deleted; set and queue
	// changes after the delete are in the ops.
	cleared map[string]bool
}

func newTx(s Store) *txStore {
	return &txStore{s: s, vals: make(map[string][]byte), cleared: make(map[string]bool),
		c: Commit{Versions: make(map[string]int64)}}
}

var _ Store = (*txStore)(nil)

func (tx *txStore) op(cmd, key string, args ...string) {
	tx.c.Ops = append(tx.c.Ops, Op{Cmd: cmd, Key: key, Args: args})
}

// LoadTurn is not for a turn's own view: the turn was loaded already.
func (tx *txStore) LoadTurn(context.Context, string, int64, string, any) (Session, bool, bool, error) {
	return Session{}, false, false, errors.New("records: a turn is loaded once, before it begins")
}

// Commit is not for a turn's own view: Tx.Commit commits it.
func (tx *txStore) Commit(context.Context, *Commit) error {
	return errors.New("records: a turn commits through Tx.Commit")
}

func (tx *txStore) Get(ctx context.Context, key string, v any) error {
	if buf, ok := tx.vals[key]; ok {
		if buf == nil {
			return ErrNotFound
		}
		return json.Unmarshal(buf, v)
	}
	return tx.s.Get(ctx, key, v)
}

func (tx *txStore) GetMany(ctx context.Context, keys []string, vs []any) ([]bool, error) {
	found := make([]bool, len(keys))
	var rest []string
	var restVs []any
	var restAt []int
	for i, k := range keys {
		buf, ok := tx.vals[k]
		switch {
		case !ok:
			rest, restVs, restAt = append(rest, k), append(restVs, vs[i]), append(restAt, i)
		case buf != nil:
			if err := json.Unmarshal(buf, vs[i]); err != nil {
				return nil, fmt.Errorf("decode %s: %w", k, err)
			}
			found[i] = true
		}
	}
	if len(rest) == 0 {
		return found, nil
	}
	got, err := tx.s.GetMany(ctx, rest, restVs)
	if err != nil {
		return nil, err
	}
	for j, ok := range got {
		found[restAt[j]] = ok
	}
	return found, nil
}

func (tx *txStore) Put(_ context.Context, key string, v any, ttl time.Duration) error {
	buf, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode %s: %w", key, err)
	}
	tx.vals[key] = buf
	tx.op(OpSet, key, string(buf), strconv.FormatInt(ttl.Milliseconds(), 10))
	return nil
}

// versioned is the part of a record PutIfVersion looks at.
type versioned struct {
	Version int64 `json:"version"`
}

// PutIfVersion checks the version now, against what the turn sees, and
// again at commit, against the store.
func (tx *txStore) PutIfVersion(ctx context.Context, key string, v any, version int64) error {
	var cur versioned
	err := tx.Get(ctx, key, &cur)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return err
	}
	if cur.Version != version {
		return ErrConflict
	}
	if _, seen := tx.c.Versions[key]; !seen && tx.vals[key] == nil {
		tx.c.Versions[key] = version
	}
	return tx.Put(ctx, key, v, 0)
}

func (tx *txStore) Delete(_ context.Context, keys ...string) error {
	for _, k := range keys {
		tx.vals[k] = nil
		tx.cleared[k] = true
		tx.op(OpDel, k)
	}
	return nil
}

// erased reports whether the turn deleted key and wrote nothing to
// it since.
func (tx *txStore) erased(key string) bool {
	buf, ok := tx.vals[key]
	return ok && buf == nil
}

func (tx *txStore) AddToSet(_ context.Context, set string, members ...string) error {
	if len(members) > 0 {
		tx.op(OpSAdd, set, members...)
	}
	return nil
}

func (tx *txStore) RemoveFromSet(_ context.Context, set string, members ...string) error {
	if len(members) > 0 {
		tx.op(OpSRem, set, members...)
	}
	return nil
}

// Members reads the set and replays the turn's changes to it.
func (tx *txStore) Members(ctx context.Context, set string) ([]string, error) {
	var ms []string
	if !tx.cleared[set] {
		var err error
		if ms, err = tx.s.Members(ctx, set); err != nil {
			return nil, err
		}
	}
	for _, o := range tx.c.Ops {
		if o.Key != set {
			continue
		}
		switch o.Cmd {
		case OpDel:
			ms = nil
		case OpSAdd:
			for _, m := range o.Args {
				if !slices.Contains(ms, m) {
					ms = append(ms, m)
				}
			}
		case OpSRem:
			ms = slices.DeleteFunc(ms, func(m string) bool { return slices.Contains(o.Args, m) })
		}
	}
	slices.Sort(ms)
	return ms, nil
}

// NextID takes a number at once; a failed attempt's number is skipped.
func (tx *txStore) NextID(ctx context.Context, counter string) (int64, error) {
	return tx.s.NextID(ctx, counter)
}

// Counter reads the store's counter: numbers are taken at once.
func (tx *txStore) Counter(ctx context.Context, counter string) (int64, error) {
	return tx.s.Counter(ctx, counter)
}

// Claim checks now that nobody holds key and holds it at commit, if
// nobody took it meanwhile (else the turn runs again and finds it
// taken).
func (tx *txStore) Claim(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	var held json.RawMessage
	switch err := tx.Get(ctx, key, &held); {
	case err == nil:
		return false, nil
	case !errors.Is(err, ErrNotFound):
		return false, err
	}
	if !slices.Contains(tx.c.Absent, key) && !tx.cleared[key] {
		tx.c.Absent = append(tx.c.Absent, key)
	}
	buf := []byte("1")
	tx.vals[key] = buf
	tx.op(OpSet, key, string(buf), strconv.FormatInt(ttl.Milliseconds(), 10))
	return true, nil
}

func (tx *txStore) Schedule(_ context.Context, queue, member string, at time.Time) error {
	tx.op(OpZAdd, queue, strconv.FormatInt(at.UnixMilli(), 10), member)
	return nil
}

// Due reads the queue and replays the turn's changes to it.
func (tx *txStore) Due(ctx context.Context, queue string, now time.Time, limit int) ([]string, error) {
	var due []string
	if !tx.cleared[queue] {
		var err error
		if due, err = tx.s.Due(ctx, queue, now, limit); err != nil {
			return nil, err
		}
	}
	for _, o := range tx.c.Ops {
		if o.Key != queue {
			continue
		}
		switch o.Cmd {
		case OpDel:
			due = nil
		case OpZAdd, OpZAddNX:
			at, _ := strconv.ParseInt(o.Args[0], 10, 64)
			member := o.Args[1]
			due = slices.DeleteFunc(due, func(m string) bool { return m == member && o.Cmd == OpZAdd })
			if at <= now.UnixMilli() && !slices.Contains(due, member) {
				due = append(due, member)
			}
		case OpZRem:
			due = slices.DeleteFunc(due, func(m string) bool { return slices.Contains(o.Args, m) })
		}
	}
	if len(due) > limit {
		due = due[:limit]
	}
	return due, nil
}

// Page and ByPrefix read what is committed: a turn that changes an
// index and then lists it sees the list as it was.
func (tx *txStore) Page(ctx context.Context, queue string, offset, n int, newestFirst bool) ([]string, int, error) {
	return tx.s.Page(ctx, queue, offset, n, newestFirst)
}

func (tx *txStore) ByPrefix(ctx context.Context, queue, prefix string, limit int) ([]string, error) {
	return tx.s.ByPrefix(ctx, queue, prefix, limit)
}

func (tx *txStore) ScheduleIfAbsent(_ context.Context, queue, member string, at time.Time) error {
	tx.op(OpZAddNX, queue, strconv.FormatInt(at.UnixMilli(), 10), member)
	return nil
}

func (tx *txStore) Push(_ context.Context, list string, values ...string) error {
	if len(values) > 0 {
		tx.op(OpRPush, list, values...)
	}
	return nil
}

// Head reads the list and adds the turn's own pushes.
func (tx *txStore) Head(ctx context.Context, list string, n int) ([]string, error) {
	var vals []string
	if !tx.cleared[list] {
		var err error
		if vals, err = tx.s.Head(ctx, list, n); err != nil {
			return nil, err
		}
	}
	for _, o := range tx.c.Ops {
		if o.Key == list && o.Cmd == OpRPush {
			vals = append(vals, o.Args...)
		}
	}
	if len(vals) > n {
		vals = vals[:n]
	}
	return vals, nil
}

// TakeDue, Reschedule, TakeSlot and Dequeue are for senders, outside
// any turn.
func (tx *txStore) TakeSlot(context.Context, string, int, time.Duration, time.Time, time.Time) (string, time.Duration, error) {
	return "", 0, errors.New("records: TakeSlot is not for turns")
}

func (tx *txStore) StampSlot(context.Context, string, string, time.Time) error {
	return errors.New("records: StampSlot is not for turns")
}

func (tx *txStore) Reschedule(context.Context, string, time.Time, ...string) error {
	return errors.New("records: Reschedule is not for turns")
}

func (tx *txStore) TakeDue(context.Context, string, time.Time, time.Time, int) ([]string, error) {
	return nil, errors.New("records: TakeDue is not for turns")
}

func (tx *txStore) Dequeue(context.Context, string, string, string, string, time.Time) (bool, error) {
	return false, errors.New("records: Dequeue is not for turns")
}

func (tx *txStore) Unschedule(_ context.Context, queue string, members ...string) error {
	if len(members) > 0 {
		tx.op(OpZRem, queue, members...)
	}
	return nil
}

// Tx is a turn's view of the records: a DB whose writes wait for
// Commit. Use it for one attempt at a turn only.
type Tx struct {
	*DB
	tx *txStore
}

// Begin starts a turn's view of the records.
func (db *DB) Begin() *Tx {
	tx := newTx(db.s)
	return &Tx{DB: &DB{s: tx, now: db.now, edition: db.edition}, tx: tx}
}

// Commit writes everything the turn wrote, session s (unless nil) and
// profile p (unless nil), and marks update updateID handled (unless 0),
// at once. ErrConflict, with nothing written, when the session, a
// versioned record or a claim changed since the turn read it, or the
// update was handled meanwhile.
func (t *Tx) Commit(ctx context.Context, s *Session, p *Profile, updateID int64) error {
	if p != nil {
		if err := t.SaveProfile(ctx, *p); err != nil {
			return err
		}
	}
	if s != nil && t.tx.erased(sessionKey(s.ChatID)) {
		s = nil // EraseSession: the chat's session goes, none is saved
	}
	c := t.tx.c
	if updateID != 0 {
		key := handledKey(updateID)
		c.Absent = append(c.Absent, key)
		c.Ops = append(c.Ops, Op{Cmd: OpSet, Key: key, Args: []string{"1", strconv.FormatInt(handledKept.Milliseconds(), 10)}})
	}
	c.Session = s
	if err := t.tx.s.Commit(ctx, &c); err != nil {
		return fmt.Errorf("commit turn: %w", err)
	}
	return nil
}

// handledKept is how long an update stays marked handled; Telegram
// does not redeliver updates older than a day.
const handledKept = 24 * time.Hour
