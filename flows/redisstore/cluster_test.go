package redisstore_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/mentorbot/mentorbot/flows/records"
	"github.com/mentorbot/mentorbot/flows/redisstore"
	"github.com/mentorbot/mentorbot/flows/redisstore/redistest"
)

// recorder is a go-redis hook that keeps the arguments of every command
// sent, alone or in a pipeline.
type recorder struct {
	mu   sync.Mutex
	cmds [][]any
}

func (r *recorder) DialHook(next redis.DialHook) redis.DialHook { return next }

func (r *recorder) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		r.add(cmd)
		return next(ctx, cmd)
	}
}

func (r *recorder) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		for _, c := range cmds {
			r.add(c)
		}
		return next(ctx, cmds)
	}
}

func (r *recorder) add(c redis.Cmder) {
	r.mu.Lock()
	r.cmds = append(r.cmds, c.Args())
	r.mu.Unlock()
}

// keysOf returns the keys a command names, and false for a command the
// test does not know, so that a new one must be classified here.
func keysOf(args []any) ([]string, bool) {
	name := strings.ToLower(fmt.Sprint(args[0]))
	str := func(as []any) []string {
		var out []string
		for _, a := range as {
			out = append(out, fmt.Sprint(a))
		}
		return out
	}
	switch name {
	case "ping", "hello", "client", "select", "auth", "script":
		return nil, true
	case "get", "set", "setnx", "incr", "sadd", "srem", "smembers", "sismember",
		"zadd", "zrem", "zrangebyscore", "zrange", "expire", "pexpire", "getdel",
		"rpush", "lrange":
		return str(args[1:2]), true
	case "del", "unlink", "exists", "mget":
		return str(args[1:]), true
	case "eval", "evalsha":
		n, _ := strconv.Atoi(fmt.Sprint(args[2]))
		return str(args[3 : 3+n]), true
	}
	return nil, false
}

// slot is the Redis Cluster hash slot of key: CRC16 (XMODEM) of the
// key, or of its {hash tag}, modulo 16384.
func slot(key string) uint16 {
	if i := strings.IndexByte(key, '{'); i >= 0 {
		if j := strings.IndexByte(key[i+1:], '}'); j > 0 {
			key = key[i+1 : i+1+j]
		}
	}
	var crc uint16
	for i := 0; i < len(key); i++ {
		crc ^= uint16(key[i]) << 8
		for range 8 {
			if crc&0x8000 != 0 {
				crc = crc<<1 ^ 0x1021
			} else {
				crc <<= 1
			}
		}
	}
	return crc % 16384
}

func TestSlot(t *testing.T) {
	// Values from the Redis Cluster specification and redis-cli
	// CLUSTER KEYSLOT.
	for key, want := range map[string]uint16{"123456789": 12739 % 16384, "foo": 12182, "{user1000}.following": 3443, "user1000": 3443} {
		if got := slot(key); got != want {
			t.Errorf("slot(%q) = %d; want %d", key, got, want)
		}
	}
}

// TestEveryCommandFitsOneClusterSlot runs every Store method and checks
// what went to Redis: each command names keys of one hash slot, as a
// Redis Cluster requires, and all under the store's prefix. It runs on
// whatever redistest gives (CI runs it on a real Cluster too); Sentinel
// is not run here. This is what the code must do for a Cluster to work.
func TestEveryCommandFitsOneClusterSlot(t *testing.T) {
	rdb, prefix := redistest.Client(t)
	rec := &recorder{}
	rdb.AddHook(rec)
	s := redisstore.New(rdb, redisstore.Options{Prefix: prefix, OneSlot: true})
	keyPrefix := "{" + prefix + "}"
	ctx := context.Background()
	now := time.Date(2027, 2, 1, 10, 0, 0, 0, time.UTC)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	var v map[string]any
	sess, handled, _, err := s.LoadTurn(ctx, "update:1", 2, "profile:2", &v)
	if err != nil || handled {
		t.Fatalf("LoadTurn = %v, %v", handled, err)
	}
	must(s.Commit(ctx, &records.Commit{
		Session:  &sess,
		Absent:   []string{"update:1"},
		Versions: map[string]int64{"ticket:1": 0},
		Ops: []records.Op{
			{Cmd: records.OpSet, Key: "update:1", Args: []string{"1", "60000"}},
			{Cmd: records.OpSet, Key: "profile:2", Args: []string{`{"a":1}`, "0"}},
			{Cmd: records.OpSAdd, Key: "set:c", Args: []string{"x"}},
			{Cmd: records.OpRPush, Key: "list:c", Args: []string{"m1"}},
			{Cmd: records.OpZAddNX, Key: "queue:c", Args: []string{"1", "m1"}},
		},
	}))
	_, err = s.GetMany(ctx, []string{"profile:2", "rec:none"}, []any{&v, &v})
	must(err)
	must(s.Reschedule(ctx, "ready", now, "7"))
	must(s.Push(ctx, "list", "a"))
	_, err = s.Head(ctx, "list", 5)
	must(err)
	must(s.ScheduleIfAbsent(ctx, "ready", "7", now))
	_, err = s.TakeDue(ctx, "ready", now, now.Add(time.Minute), 10)
	must(err)
	_, err = s.Dequeue(ctx, "list", "a", "ready", "7", now)
	must(err)
	must(s.Put(ctx, "rec:a", 1, 0))
	must(s.Put(ctx, "rec:b", 2, time.Hour))
	must(s.PutIfVersion(ctx, "rec:v", map[string]any{"version": 1}, 0))
	var n int
	must(s.Get(ctx, "rec:a", &n))
	must(s.Delete(ctx, "rec:a", "rec:b", "rec:c"))
	must(s.AddToSet(ctx, "set", "x", "y"))
	_, err = s.Members(ctx, "set")
	must(err)
	must(s.RemoveFromSet(ctx, "set", "x"))
	_, err = s.NextID(ctx, "counter")
	must(err)
	_, err = s.Claim(ctx, "claim", time.Minute)
	must(err)
	must(s.Schedule(ctx, "queue", "m1", now))
	_, err = s.Due(ctx, "queue", now, 10)
	must(err)
	must(s.Unschedule(ctx, "queue", "m1"))

	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.cmds) < 15 {
		t.Fatalf("recorded %d commands; want every Store method's", len(rec.cmds))
	}
	for _, args := range rec.cmds {
		keys, known := keysOf(args)
		if !known {
			t.Errorf("command %v: not classified in keysOf; add it with the keys it names", args)
			continue
		}
		for _, k := range keys {
			if !strings.HasPrefix(k, keyPrefix) {
				t.Errorf("command %v names %q outside the prefix %q", args, k, keyPrefix)
			}
			if slot(k) != slot(keys[0]) {
				t.Errorf("command %v names keys of slots %d and %d; a Cluster refuses it (CROSSSLOT)", args, slot(keys[0]), slot(k))
			}
		}
	}
}
