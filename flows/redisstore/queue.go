package redisstore

import (
	"context"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// ScheduleIfAbsent implements records.Store with ZADD NX.
func (s *Store) ScheduleIfAbsent(ctx context.Context, queue, member string, at time.Time) error {
	return s.rdb.ZAddNX(ctx, s.key(queue), redis.Z{Score: float64(at.UnixMilli()), Member: member}).Err()
}

// takeDue moves the members due at ARGV[1] to ARGV[2] and returns them,
// at most ARGV[3]: one step, so two senders never take the same member.
var takeDue = redis.NewScript(`
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
for _, m in ipairs(due) do redis.call('ZADD', KEYS[1], 'XX', ARGV[2], m) end
return due
`)

// TakeDue implements records.Store, in the pipeline shared with turns.
func (s *Store) TakeDue(ctx context.Context, queue string, now, until time.Time, limit int) ([]string, error) {
	cmd, err := s.runScriptCmd(ctx, takeDue, []string{s.key(queue)}, now.UnixMilli(), until.UnixMilli(), limit)
	if err != nil {
		return nil, err
	}
	return cmd.StringSlice()
}

// Reschedule implements records.Store with ZADD XX.
func (s *Store) Reschedule(ctx context.Context, queue string, at time.Time, members ...string) error {
	if len(members) == 0 {
		return nil
	}
	zs := make([]redis.Z, len(members))
	for i, m := range members {
		zs[i] = redis.Z{Score: float64(at.UnixMilli()), Member: m}
	}
	return s.rdb.ZAddXX(ctx, s.key(queue), zs...).Err()
}

// Push implements records.Store with RPUSH.
func (s *Store) Push(ctx context.Context, list string, values ...string) error {
	if len(values) == 0 {
		return nil
	}
	return s.rdb.RPush(ctx, s.key(list), toAny(values)...).Err()
}

// Head implements records.Store with LRANGE, in the pipeline shared
// with turns.
func (s *Store) Head(ctx context.Context, list string, n int) ([]string, error) {
	cmd := redis.NewStringSliceCmd(ctx, "lrange", s.key(list), 0, n-1)
	if err := s.batch.do(ctx, cmd); err != nil {
		return nil, err
	}
	return cmd.Result()
}

// dequeue removes ARGV[1] (unless empty) from list KEYS[1] and requeues
// ARGV[2] in KEYS[2] at ARGV[3] while the list has items.
var dequeue = redis.NewScript(`
if ARGV[1] ~= '' then redis.call('LREM', KEYS[1], 1, ARGV[1]) end
if redis.call('LLEN', KEYS[1]) > 0 then
  redis.call('ZADD', KEYS[2], ARGV[3], ARGV[2])
  return 1
end
redis.call('ZREM', KEYS[2], ARGV[2])
return 0
`)

// Dequeue implements records.Store, in the pipeline shared with turns.
func (s *Store) Dequeue(ctx context.Context, list, item, queue, member string, at time.Time) (bool, error) {
	n, err := s.runScript(ctx, dequeue, []string{s.key(list), s.key(queue)}, item, member, at.UnixMilli())
	return n == 1, err
}

// takeSlot keeps a sliding window in sorted set KEYS[1], scored by
// milliseconds. Its clock is the latest now any caller gave (kept in
// KEYS[2]), so a caller whose call arrives late cannot count the window
// as of a moment already past. It drops entries older than now-ARGV[2],
// and adds ARGV[4] scored ARGV[5] if fewer than ARGV[3] are left,
// returning 0; otherwise it returns the milliseconds until the oldest
// leaves.
var takeSlot = redis.NewScript(`
local now, per, limit = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local seen = tonumber(redis.call('GET', KEYS[2]) or 0)
if seen > now then now = seen else redis.call('SET', KEYS[2], now, 'PX', 2 * per) end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - per)
if redis.call('ZCARD', KEYS[1]) < limit then
  redis.call('ZADD', KEYS[1], math.max(tonumber(ARGV[5]), now), ARGV[4])
  redis.call('PEXPIRE', KEYS[1], math.max(tonumber(ARGV[5]), now) - now + per)
  return 0
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return math.max(1, tonumber(oldest[2]) + per - now)
`)

// TakeSlot implements records.Store.
func (s *Store) TakeSlot(ctx context.Context, key string, limit int, per time.Duration, now, until time.Time) (string, time.Duration, error) {
	slot := strconv.FormatInt(now.UnixNano(), 36) + ":" + strconv.FormatUint(rand.Uint64(), 36)
	ms, err := s.runScript(ctx, takeSlot, []string{s.key(key), s.key(key + ":clock")},
		now.UnixMilli(), per.Milliseconds(), limit, slot, until.UnixMilli())
	if err != nil {
		return slot, 0, err // it may be taken: the caller stamps it
	}
	if ms > 0 {
		return "", time.Duration(ms) * time.Millisecond, nil
	}
	return slot, 0, nil
}

// StampSlot implements records.Store with ZADD XX. The window counts in
// whole milliseconds: at is rounded up, so a slot never leaves it
// before Telegram's own count lets it (TakeSlot rounds now down).
func (s *Store) StampSlot(ctx context.Context, key, slot string, at time.Time) error {
	ms := at.Add(time.Millisecond - time.Nanosecond).UnixMilli()
	return s.rdb.ZAddXX(ctx, s.key(key), redis.Z{Score: float64(ms), Member: slot}).Err()
}
