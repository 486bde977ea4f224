package redisstore_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/mentorbot/mentorbot/flows/records"
	"github.com/mentorbot/mentorbot/flows/redisstore/redistest"
)

type record struct {
	Name    string `json:"name"`
	Version int64  `json:"version"`
}

func TestLoadTurnSkipsHandledUpdates(t *testing.T) {
	ctx := context.Background()
	s := redistest.Store(t)
	if err := s.Put(ctx, "rec:1", record{Name: "Ada"}, 0); err != nil {
		t.Fatal(err)
	}
	var r record
	sess, handled, found, err := s.LoadTurn(ctx, "update:1", 7, "rec:1", &r)
	if err != nil || handled || !found || r.Name != "Ada" || sess.ChatID != 7 || sess.Version != 0 {
		t.Fatalf("LoadTurn(new update) = %+v, %v, %v, %v, %+v; want a fresh session of 7 and Ada", sess, handled, found, err, r)
	}
	if err := s.Commit(ctx, &records.Commit{Session: &sess, Absent: []string{"update:1"},
		Ops: []records.Op{{Cmd: records.OpSet, Key: "update:1", Args: []string{"1", "60000"}}}}); err != nil {
		t.Fatal(err)
	}
	if _, handled, _, err = s.LoadTurn(ctx, "update:1", 7, "rec:1", &r); err != nil || !handled {
		t.Fatalf("LoadTurn(handled update) = %v, %v; want handled", handled, err)
	}
	if _, _, found, err = s.LoadTurn(ctx, "", 7, "rec:2", &r); err != nil || found {
		t.Fatalf("LoadTurn(no record) = %v, %v; want not found", found, err)
	}
}

// TestCommitIsAllOrNothing: each condition a turn read under makes a
// changed world refuse the whole commit, and a commit that holds
// applies every write.
func TestCommitIsAllOrNothing(t *testing.T) {
	ctx := context.Background()
	s := redistest.Store(t)
	if err := s.Put(ctx, "ticket:1", record{Name: "t", Version: 3}, 0); err != nil {
		t.Fatal(err)
	}
	if err := s.Put(ctx, "claimed", 1, 0); err != nil {
		t.Fatal(err)
	}
	write := []records.Op{
		{Cmd: records.OpSet, Key: "rec:w", Args: []string{`{"name":"w"}`, "0"}},
		{Cmd: records.OpSAdd, Key: "set:w", Args: []string{"a", "b"}},
		{Cmd: records.OpZAdd, Key: "queue:w", Args: []string{"5", "m"}},
		{Cmd: records.OpRPush, Key: "list:w", Args: []string{"x"}},
	}
	stale := records.Session{ChatID: 9, Version: 4}
	for name, c := range map[string]*records.Commit{
		"stale session":   {Session: &stale, Ops: write},
		"claim taken":     {Absent: []string{"claimed"}, Ops: write},
		"ticket changed":  {Versions: map[string]int64{"ticket:1": 2}, Ops: write},
		"ticket appeared": {Versions: map[string]int64{"ticket:1": 0}, Ops: write},
	} {
		if err := s.Commit(ctx, c); !errors.Is(err, records.ErrConflict) {
			t.Errorf("Commit(%s) = %v; want ErrConflict", name, err)
		}
		var r record
		if err := s.Get(ctx, "rec:w", &r); !errors.Is(err, records.ErrNotFound) {
			t.Fatalf("after Commit(%s) refused, rec:w = %+v, %v; want nothing written", name, r, err)
		}
	}
	sess := records.Session{ChatID: 9, Flow: "apply", State: json.RawMessage(`{"note":"ends \"version\":7}"}`)}
	if err := s.Commit(ctx, &records.Commit{Session: &sess, Absent: []string{"free"},
		Versions: map[string]int64{"ticket:1": 3}, Ops: write}); err != nil || sess.Version != 1 {
		t.Fatalf("Commit(holding) = %v, version %d; want nil, 1", err, sess.Version)
	}
	members, err := s.Members(ctx, "set:w")
	head, herr := s.Head(ctx, "list:w", 10)
	if err != nil || herr != nil || len(members) != 2 || len(head) != 1 {
		t.Errorf("after commit: set %v (%v), list %v (%v); want both written", members, err, head, herr)
	}
	// A state whose text ends like a version does not fool the check.
	if err := s.Commit(ctx, &records.Commit{Session: &sess}); err != nil || sess.Version != 2 {
		t.Fatalf("Commit(current session) = %v, version %d; want nil, 2", err, sess.Version)
	}
}

// TestConcurrentTurnsOfManyChats: many chats' turns sharing pipelines
// each see their own session and record and keep every round.
func TestConcurrentTurnsOfManyChats(t *testing.T) {
	ctx := context.Background()
	s := redistest.Store(t)
	const n = 200
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			chat := int64(1000 + i)
			key := fmt.Sprintf("rec:%d", chat)
			for round := range 3 {
				var r record
				update := fmt.Sprintf("u:%d:%d", chat, round)
				sess, handled, _, err := s.LoadTurn(ctx, update, chat, key, &r)
				if err != nil || handled {
					errs <- fmt.Errorf("chat %d round %d: LoadTurn = %v, %v", chat, round, handled, err)
					return
				}
				if round > 0 && (string(sess.State) != fmt.Sprint(round-1) || r.Name != key) {
					errs <- fmt.Errorf("chat %d round %d: read %+v, %+v", chat, round, sess, r)
					return
				}
				sess.State = json.RawMessage(fmt.Sprint(round))
				buf, _ := json.Marshal(record{Name: key})
				err = s.Commit(ctx, &records.Commit{Session: &sess, Absent: []string{update}, Ops: []records.Op{
					{Cmd: records.OpSet, Key: key, Args: []string{string(buf), "0"}},
					{Cmd: records.OpSet, Key: update, Args: []string{"1", "60000"}},
				}})
				if err != nil {
					errs <- fmt.Errorf("chat %d round %d: Commit = %v", chat, round, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
