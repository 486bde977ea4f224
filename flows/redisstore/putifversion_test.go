package redisstore_test

import (
	"context"
	"errors"
	"testing"

	"github.com/mentorbot/mentorbot/flows/records"
	"github.com/mentorbot/mentorbot/flows/redisstore/redistest"
)

type versioned struct {
	Note    string `json:"note"`
	Version int64  `json:"version"`
}

func TestPutIfVersion(t *testing.T) {
	s := redistest.Store(t)
	ctx := context.Background()
	steps := []struct {
		put     versioned
		version int64
		wantErr error
	}{
		{versioned{"first", 1}, 1, records.ErrConflict}, // no record is version 0
		{versioned{"first", 1}, 0, nil},
		{versioned{"stale", 1}, 0, records.ErrConflict}, // someone saved since
		{versioned{"second", 2}, 1, nil},
	}
	for _, st := range steps {
		if err := s.PutIfVersion(ctx, "rec", st.put, st.version); !errors.Is(err, st.wantErr) {
			t.Fatalf("PutIfVersion(%+v, %d) = %v; want %v", st.put, st.version, err, st.wantErr)
		}
	}
	var got versioned
	if err := s.Get(ctx, "rec", &got); err != nil || got != (versioned{"second", 2}) {
		t.Errorf("Get(rec) = %+v, %v; want the second save", got, err)
	}
}
