package records

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// erasuresList holds one Tombstone per /deletemydata: the one trace an
// erasure leaves.
const erasuresList = "erasures"

// Tombstone records that someone erased their data, and when; nothing
// in it names them. It holds no hash of their id either: Telegram ids
// are few enough to hash them all and find the one that matches.
type Tombstone struct {
	At time.Time `json:"at"`
}

// erasuresKept bounds how many tombstones Tombstones reads.
const erasuresKept = 1 << 20

// AddTombstone records an erasure at at.
func (db *DB) AddTombstone(ctx context.Context, at time.Time) error {
	buf, err := json.Marshal(Tombstone{At: at.UTC()})
	if err != nil {
		return fmt.Errorf("encode tombstone: %w", err)
	}
	if err := db.s.Push(ctx, erasuresList, string(buf)); err != nil {
		return fmt.Errorf("record erasure: %w", err)
	}
	return nil
}

// Tombstones returns the erasures recorded, oldest first.
func (db *DB) Tombstones(ctx context.Context) ([]Tombstone, error) {
	vals, err := db.s.Head(ctx, erasuresList, erasuresKept)
	if err != nil {
		return nil, fmt.Errorf("list erasures: %w", err)
	}
	out := make([]Tombstone, 0, len(vals))
	for _, v := range vals {
		var ts Tombstone
		if err := json.Unmarshal([]byte(v), &ts); err != nil {
			return nil, fmt.Errorf("decode tombstone: %w", err)
		}
		out = append(out, ts)
	}
	return out, nil
}
