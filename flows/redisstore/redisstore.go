// Package redisstore implements records.Store on Redis through go-redis's
// UniversalClient, so it works with a standalone Redis, Sentinel or a
// Cluster alike.
package redisstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/mentorbot/mentorbot/flows/records"
)

var _ records.Store = (*Store)(nil)

// Protocol is the RESP version clients of the store should speak when
// not told otherwise: 2. The store uses no RESP3 feature (push messages,
// client-side caching), and with RESP3 go-redis checks for push
// notifications around every reply, about a third of the bot's CPU per
// update in BenchmarkInbound.
const Protocol = 2

// Store keeps mentorbot's state in Redis. Every key starts with Prefix,
// so several deployments (or test runs) can share one database.
type Store struct {
	rdb    redis.UniversalClient
	prefix string
	// sessionTTL is how long an idle conversation is kept.
	sessionTTL time.Duration
	// batch coalesces the turns of concurrent updates into shared
	// pipelines.
	batch *batcher
}

// Options configures a Store.
type Options struct {
	// Prefix starts every key; "mb:" when empty.
	Prefix string
	// SessionTTL is how long an idle session lives; 30 days when zero.
	SessionTTL time.Duration
	// OneSlot puts every key in one Redis Cluster hash slot, by making
	// the prefix a hash tag ("{mb:}profile:1"): a turn commits many
	// keys in one script, and a Cluster runs a script only on keys of
	// one slot. The Cluster then gives failover, not sharding, to
	// mentorbot's data, which fits one node many times over.
	OneSlot bool
}

// New returns a Store over rdb. The caller owns rdb and closes it.
func New(rdb redis.UniversalClient, opts Options) *Store {
	if opts.Prefix == "" {
		opts.Prefix = "mb:"
	}
	if opts.OneSlot {
		opts.Prefix = "{" + opts.Prefix + "}"
	}
	if opts.SessionTTL == 0 {
		opts.SessionTTL = 30 * 24 * time.Hour
	}
	return &Store{rdb: rdb, prefix: opts.Prefix, sessionTTL: opts.SessionTTL, batch: &batcher{rdb: rdb}}
}

// Client returns the underlying client, for health checks.
func (s *Store) Client() redis.UniversalClient { return s.rdb }

func (s *Store) key(k string) string { return s.prefix + k }

func (s *Store) sessionKey(chatID int64) string {
	return s.prefix + "session:" + strconv.FormatInt(chatID, 10)
}

func scriptArgs(cmd, hashOrSrc string, keys []string, args []any) []any {
	out := make([]any, 0, 3+len(keys)+len(args))
	out = append(out, cmd, hashOrSrc, len(keys))
	for _, k := range keys {
		out = append(out, k)
	}
	return append(out, args...)
}

var _ records.Store = (*Store)(nil)

// Get implements records.Store.
func (s *Store) Get(ctx context.Context, key string, v any) error {
	buf, err := s.rdb.Get(ctx, s.key(key)).Bytes()
	if errors.Is(err, redis.Nil) {
		return records.ErrNotFound
	}
	if err != nil {
		return err
	}
	if err := json.Unmarshal(buf, v); err != nil {
		return fmt.Errorf("decode %s: %w", key, err)
	}
	return nil
}

// GetMany implements records.Store with one pipeline of GETs, so keys
// may lie in different hash slots of a Cluster.
func (s *Store) GetMany(ctx context.Context, keys []string, vs []any) ([]bool, error) {
	found := make([]bool, len(keys))
	if len(keys) == 0 {
		return found, nil
	}
	cmds := make([]*redis.StringCmd, len(keys))
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, k := range keys {
			cmds[i] = p.Get(ctx, s.key(k))
		}
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, err
	}
	for i, cmd := range cmds {
		buf, err := cmd.Bytes()
		if errors.Is(err, redis.Nil) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if err := json.Unmarshal(buf, vs[i]); err != nil {
			return nil, fmt.Errorf("decode %s: %w", keys[i], err)
		}
		found[i] = true
	}
	return found, nil
}

// Put implements records.Store.
func (s *Store) Put(ctx context.Context, key string, v any, ttl time.Duration) error {
	buf, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode %s: %w", key, err)
	}
	return s.rdb.Set(ctx, s.key(key), buf, ttl).Err()
}

// putIfVersion sets KEYS[1] to ARGV[2] if the stored JSON's version is
// ARGV[1] (0 for no record), in one atomic step.
var putIfVersion = redis.NewScript(`
local cur = redis.call('GET', KEYS[1])
local v = 0
if cur then v = cjson.decode(cur)['version'] or 0 end
if tonumber(v) ~= tonumber(ARGV[1]) then return 0 end
redis.call('SET', KEYS[1], ARGV[2])
return 1
`)

// PutIfVersion implements records.Store.
func (s *Store) PutIfVersion(ctx context.Context, key string, v any, version int64) error {
	buf, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode %s: %w", key, err)
	}
	ok, err := putIfVersion.Run(ctx, s.rdb, []string{s.key(key)}, version, buf).Int()
	if err != nil {
		return err
	}
	if ok == 0 {
		return records.ErrConflict
	}
	return nil
}

// Delete implements records.Store. Keys are deleted one by one, since in
// a Cluster they may live on different nodes.
func (s *Store) Delete(ctx context.Context, keys ...string) error {
	pipe := s.rdb.Pipeline()
	for _, k := range keys {
		pipe.Del(ctx, s.key(k))
	}
	_, err := pipe.Exec(ctx)
	return err
}

// AddToSet implements records.Store.
func (s *Store) AddToSet(ctx context.Context, set string, members ...string) error {
	if len(members) == 0 {
		return nil
	}
	return s.rdb.SAdd(ctx, s.key(set), toAny(members)...).Err()
}

// RemoveFromSet implements records.Store.
func (s *Store) RemoveFromSet(ctx context.Context, set string, members ...string) error {
	if len(members) == 0 {
		return nil
	}
	return s.rdb.SRem(ctx, s.key(set), toAny(members)...).Err()
}

// Members implements records.Store.
func (s *Store) Members(ctx context.Context, set string) ([]string, error) {
	members, err := s.rdb.SMembers(ctx, s.key(set)).Result()
	if err != nil {
		return nil, err
	}
	slices.Sort(members)
	return members, nil
}

// NextID implements records.Store.
func (s *Store) NextID(ctx context.Context, counter string) (int64, error) {
	return s.rdb.Incr(ctx, s.key("seq:"+counter)).Result()
}

// Counter implements records.Store.
func (s *Store) Counter(ctx context.Context, counter string) (int64, error) {
	n, err := s.rdb.Get(ctx, s.key("seq:"+counter)).Int64()
	if errors.Is(err, redis.Nil) {
		return 0, nil
	}
	return n, err
}

// Claim implements records.Store with SET NX.
func (s *Store) Claim(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	return s.rdb.SetNX(ctx, s.key(key), 1, ttl).Result()
}

// Schedule implements records.Store with a sorted set scored by Unix
// milliseconds.
func (s *Store) Schedule(ctx context.Context, queue, member string, at time.Time) error {
	return s.rdb.ZAdd(ctx, s.key(queue), redis.Z{Score: float64(at.UnixMilli()), Member: member}).Err()
}

// Due implements records.Store.
func (s *Store) Due(ctx context.Context, queue string, now time.Time, limit int) ([]string, error) {
	return s.rdb.ZRangeByScore(ctx, s.key(queue), &redis.ZRangeBy{
		Min: "-inf", Max: strconv.FormatInt(now.UnixMilli(), 10), Count: int64(limit),
	}).Result()
}

// Page implements records.Store.
func (s *Store) Page(ctx context.Context, queue string, offset, n int, newestFirst bool) ([]string, int, error) {
	var rng *redis.StringSliceCmd
	var size *redis.IntCmd
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		start, stop := int64(offset), int64(offset+n-1)
		switch {
		case n <= 0: // the size only
		case newestFirst:
			rng = p.ZRevRange(ctx, s.key(queue), start, stop)
		default:
			rng = p.ZRange(ctx, s.key(queue), start, stop)
		}
		size = p.ZCard(ctx, s.key(queue))
		return nil
	})
	if err != nil {
		return nil, 0, err
	}
	if rng == nil {
		return nil, int(size.Val()), nil
	}
	return rng.Val(), int(size.Val()), nil
}

// ByPrefix implements records.Store.
func (s *Store) ByPrefix(ctx context.Context, queue, prefix string, limit int) ([]string, error) {
	return s.rdb.ZRangeByLex(ctx, s.key(queue), &redis.ZRangeBy{
		Min: "[" + prefix, Max: "[" + prefix + "\xff", Count: int64(limit),
	}).Result()
}

// Unschedule implements records.Store.
func (s *Store) Unschedule(ctx context.Context, queue string, members ...string) error {
	if len(members) == 0 {
		return nil
	}
	return s.rdb.ZRem(ctx, s.key(queue), toAny(members)...).Err()
}

func toAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}
