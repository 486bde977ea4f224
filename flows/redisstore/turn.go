package redisstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/redis/go-redis/v9"

	"github.com/mentorbot/mentorbot/flows/records"
)

// LoadTurn implements records.Store: whether the update was handled,
// the session and the record at key go to Redis in one pipeline,
// shared with concurrent turns.
func (s *Store) LoadTurn(ctx context.Context, handled string, chatID int64, key string, v any) (sess records.Session, wasHandled, found bool, err error) {
	sget := redis.NewStringCmd(ctx, "get", s.sessionKey(chatID))
	rget := redis.NewStringCmd(ctx, "get", s.key(key))
	cmds := []redis.Cmder{sget, rget}
	var exists *redis.IntCmd
	if handled != "" {
		exists = redis.NewIntCmd(ctx, "exists", s.key(handled))
		cmds = append(cmds, exists)
	}
	if err := s.batch.do(ctx, cmds...); err != nil {
		return records.Session{}, false, false, err
	}
	if exists != nil {
		n, err := exists.Result()
		if err != nil {
			return records.Session{}, false, false, fmt.Errorf("check %s: %w", handled, err)
		}
		if n > 0 {
			return records.Session{}, true, false, nil
		}
	}
	if sess, err = decodeSession(chatID, sget); err != nil {
		return records.Session{}, false, false, err
	}
	buf, err := rget.Bytes()
	switch {
	case errors.Is(err, redis.Nil):
		return sess, false, false, nil
	case err != nil:
		return records.Session{}, false, false, fmt.Errorf("get %s: %w", key, err)
	}
	if err := json.Unmarshal(buf, v); err != nil {
		return records.Session{}, false, false, fmt.Errorf("decode %s: %w", key, err)
	}
	return sess, false, true, nil
}

func decodeSession(chatID int64, cmd *redis.StringCmd) (records.Session, error) {
	buf, err := cmd.Bytes()
	if errors.Is(err, redis.Nil) {
		return records.Session{ChatID: chatID}, nil
	}
	if err != nil {
		return records.Session{}, fmt.Errorf("get session: %w", err)
	}
	var sess records.Session
	if err := json.Unmarshal(buf, &sess); err != nil {
		return records.Session{}, fmt.Errorf("decode session: %w", err)
	}
	return sess, nil
}

// commitScript applies a records.Commit: it checks every condition
// first and returns 0, writing nothing, when one fails; otherwise it
// applies the writes in order, saves the session and returns 1. Redis
// runs a script alone, so no other client sees half of it. A client
// that retries the script after a timeout finds its own conditions
// taken (the update is marked handled) and gets 0.
var commitScript = redis.NewScript(`
local p = cjson.decode(ARGV[1])
local function version(cur)
  if not cur then return 0 end
  -- Go writes version last, so a match at the end needs no decoding.
  return tonumber(string.match(cur, '"version":(%d+)}$') or cjson.decode(cur)['version'] or 0)
end
if p.s then
  if version(redis.call('GET', KEYS[p.s.k])) ~= tonumber(p.s.v) then return 0 end
end
for _, i in ipairs(p.absent) do
  if redis.call('EXISTS', KEYS[i]) == 1 then return 0 end
end
for _, kv in ipairs(p.versions) do
  if version(redis.call('GET', KEYS[kv[1]])) ~= tonumber(kv[2]) then return 0 end
end
for _, o in ipairs(p.ops) do
  local cmd, k = o[1], KEYS[o[2]]
  if cmd == 'SET' then
    if tonumber(o[4]) > 0 then redis.call('SET', k, o[3], 'PX', o[4]) else redis.call('SET', k, o[3]) end
  elseif cmd == 'DEL' then redis.call('DEL', k)
  elseif cmd == 'SADD' then redis.call('SADD', k, unpack(o, 3))
  elseif cmd == 'SREM' then redis.call('SREM', k, unpack(o, 3))
  elseif cmd == 'ZADD' then redis.call('ZADD', k, o[3], o[4])
  elseif cmd == 'ZADDNX' then redis.call('ZADD', k, 'NX', o[3], o[4])
  elseif cmd == 'ZREM' then redis.call('ZREM', k, unpack(o, 3))
  elseif cmd == 'RPUSH' then redis.call('RPUSH', k, unpack(o, 3))
  else return redis.error_reply('commit: unknown op ' .. tostring(cmd))
  end
end
if p.s then redis.call('SET', KEYS[p.s.k], p.s.j, 'PX', p.s.ttl) end
return 1
`)

// plan is a records.Commit as commitScript reads it: keys by their
// position in KEYS (1-based), so every key is declared to Redis.
type plan struct {
	Session  *sessionPlan `json:"s,omitempty"`
	Absent   []int        `json:"absent"`
	Versions [][2]int64   `json:"versions"`
	Ops      [][]any      `json:"ops"`
}

type sessionPlan struct {
	Key     int    `json:"k"`
	Version int64  `json:"v"`
	JSON    string `json:"j"`
	TTL     int64  `json:"ttl"`
}

// Commit implements records.Store with commitScript, in the pipeline
// shared with concurrent turns.
func (s *Store) Commit(ctx context.Context, c *records.Commit) error {
	var keys []string
	index := make(map[string]int)
	at := func(full string) int {
		if i, ok := index[full]; ok {
			return i
		}
		keys = append(keys, full)
		index[full] = len(keys)
		return len(keys)
	}
	p := plan{Absent: []int{}, Versions: [][2]int64{}, Ops: [][]any{}}
	var next records.Session
	if c.Session != nil {
		next = *c.Session
		next.Version++
		buf, err := json.Marshal(next)
		if err != nil {
			return fmt.Errorf("encode session: %w", err)
		}
		p.Session = &sessionPlan{Key: at(s.sessionKey(next.ChatID)), Version: c.Session.Version,
			JSON: string(buf), TTL: s.sessionTTL.Milliseconds()}
	}
	for _, k := range c.Absent {
		p.Absent = append(p.Absent, at(s.key(k)))
	}
	for k, v := range c.Versions {
		p.Versions = append(p.Versions, [2]int64{int64(at(s.key(k))), v})
	}
	for _, o := range c.Ops {
		op := []any{o.Cmd, at(s.key(o.Key))}
		for _, a := range o.Args {
			op = append(op, a)
		}
		p.Ops = append(p.Ops, op)
	}
	buf, err := json.Marshal(p)
	if err != nil {
		return fmt.Errorf("encode commit: %w", err)
	}
	ok, err := s.runScript(ctx, commitScript, keys, string(buf))
	if err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	if ok == 0 {
		return records.ErrConflict
	}
	if c.Session != nil {
		c.Session.Version = next.Version
	}
	return nil
}

// runScript runs script by its hash in the shared pipeline, sending the
// script itself once when this server has not seen it, and returns its
// integer answer.
func (s *Store) runScript(ctx context.Context, script *redis.Script, keys []string, args ...any) (int64, error) {
	cmd, err := s.runScriptCmd(ctx, script, keys, args...)
	if err != nil {
		return 0, err
	}
	return cmd.Int64()
}

// runScriptCmd is runScript returning the command, for other answers.
func (s *Store) runScriptCmd(ctx context.Context, script *redis.Script, keys []string, args ...any) (*redis.Cmd, error) {
	cmd := redis.NewCmd(ctx, scriptArgs("evalsha", script.Hash(), keys, args)...)
	if err := s.batch.do(ctx, cmd); err != nil {
		return nil, err
	}
	if redis.HasErrorPrefix(cmd.Err(), "NOSCRIPT") {
		cmd = script.Run(ctx, s.rdb, keys, args...)
	}
	return cmd, nil
}
