package redisstore

import (
	"context"
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

// TakeDue implements records.Store.
func (s *Store) TakeDue(ctx context.Context, queue string, now, until time.Time, limit int) ([]string, error) {
	return takeDue.Run(ctx, s.rdb, []string{s.key(queue)},
		now.UnixMilli(), until.UnixMilli(), limit).StringSlice()
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

// Head implements records.Store with LRANGE.
func (s *Store) Head(ctx context.Context, list string, n int) ([]string, error) {
	return s.rdb.LRange(ctx, s.key(list), 0, int64(n)-1).Result()
}

// dequeue removes ARGV[1] from list KEYS[1], deletes KEYS[2], and
// requeues ARGV[2] in KEYS[3] at ARGV[3] while the list has items.
var dequeue = redis.NewScript(`
redis.call('LREM', KEYS[1], 1, ARGV[1])
redis.call('DEL', KEYS[2])
if redis.call('LLEN', KEYS[1]) > 0 then
  redis.call('ZADD', KEYS[3], ARGV[3], ARGV[2])
  return 1
end
redis.call('ZREM', KEYS[3], ARGV[2])
return 0
`)

// Dequeue implements records.Store.
func (s *Store) Dequeue(ctx context.Context, list, item, itemKey, queue, member string, at time.Time) (bool, error) {
	n, err := dequeue.Run(ctx, s.rdb, []string{s.key(list), s.key(itemKey), s.key(queue)},
		item, member, strconv.FormatInt(at.UnixMilli(), 10)).Int()
	return n == 1, err
}
