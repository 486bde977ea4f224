package redisstore_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/mentorbot/mentorbot/flows/records"
	"github.com/mentorbot/mentorbot/flows/redisstore/redistest"
)

type record struct {
	Name string `json:"name"`
}

func TestLoadTurnClaimsOnceAndReads(t *testing.T) {
	ctx := context.Background()
	s := redistest.Store(t)
	if err := s.Put(ctx, "rec:1", record{Name: "Ada"}, 0); err != nil {
		t.Fatal(err)
	}
	var r record
	sess, claimed, found, err := s.LoadTurn(ctx, "update:1", time.Hour, 7, "rec:1", &r)
	if err != nil || !claimed || !found || r.Name != "Ada" || sess.ChatID != 7 || sess.Version != 0 {
		t.Fatalf("LoadTurn(first) = %+v, %v, %v, %v, %+v; want a new session, claimed, found Ada", sess, claimed, found, err, r)
	}
	_, claimed, _, err = s.LoadTurn(ctx, "update:1", time.Hour, 7, "rec:1", &r)
	if err != nil || claimed {
		t.Fatalf("LoadTurn(same claim) claimed = %v, %v; want false, nil", claimed, err)
	}
	_, claimed, found, err = s.LoadTurn(ctx, "", 0, 7, "rec:2", &r)
	if err != nil || !claimed || found {
		t.Fatalf("LoadTurn(no claim, no record) = %v, %v, %v; want true, false, nil", claimed, found, err)
	}
}

func TestSaveTurnIsVersioned(t *testing.T) {
	ctx := context.Background()
	s := redistest.Store(t)
	sess := records.Session{ChatID: 9, Flow: "apply", State: json.RawMessage(`{"note":"ends \"version\":7}"}`)}
	if err := s.SaveTurn(ctx, &sess, "rec:9", record{Name: "Bo"}); err != nil || sess.Version != 1 {
		t.Fatalf("SaveTurn(new) = %v, version %d; want nil, 1", err, sess.Version)
	}
	stale := sess
	stale.Version = 0
	if err := s.SaveTurn(ctx, &stale, "", nil); !errors.Is(err, records.ErrConflict) {
		t.Fatalf("SaveTurn(stale) = %v; want ErrConflict", err)
	}
	if err := s.SaveTurn(ctx, &sess, "", nil); err != nil || sess.Version != 2 {
		t.Fatalf("SaveTurn(current) = %v, version %d; want nil, 2", err, sess.Version)
	}
	var r record
	got, _, found, err := s.LoadTurn(ctx, "", 0, 9, "rec:9", &r)
	if err != nil || !found || r.Name != "Bo" || got.Version != 2 || string(got.State) != string(sess.State) {
		t.Fatalf("LoadTurn after saves = %+v, %v, %v, %+v; want version 2, Bo", got, found, err, r)
	}
	// The plain Store methods agree with the turn methods.
	if err := s.SaveSession(ctx, &got); err != nil || got.Version != 3 {
		t.Fatalf("SaveSession after SaveTurn = %v, version %d; want nil, 3", err, got.Version)
	}
}

// Concurrent turns share pipelines; each still gets its own answers.
func TestConcurrentTurnsGetTheirOwnAnswers(t *testing.T) {
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
				sess, claimed, _, err := s.LoadTurn(ctx, fmt.Sprintf("u:%d:%d", chat, round), time.Hour, chat, key, &r)
				if err != nil || !claimed {
					errs <- fmt.Errorf("chat %d round %d: LoadTurn = %v, %v", chat, round, claimed, err)
					return
				}
				if round > 0 && (string(sess.State) != fmt.Sprint(round-1) || r.Name != key) {
					errs <- fmt.Errorf("chat %d round %d: read %+v, %+v", chat, round, sess, r)
					return
				}
				sess.State = json.RawMessage(fmt.Sprint(round))
				if err := s.SaveTurn(ctx, &sess, key, record{Name: key}); err != nil {
					errs <- fmt.Errorf("chat %d round %d: SaveTurn = %v", chat, round, err)
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
