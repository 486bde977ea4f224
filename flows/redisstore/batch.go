package redisstore

import (
	"context"
	"sync"

	"github.com/redis/go-redis/v9"
)

// maxFlushers bounds the pipelines a batcher has in flight; commands
// arriving meanwhile wait and leave together in the next one.
const maxFlushers = 4

// maxBatch bounds the callers served by one pipeline.
const maxBatch = 256

// batcher sends the commands of concurrent callers to Redis together,
// one pipeline for many callers, so that under load many turns share a
// round trip while a lone caller still goes out at once. It starts a
// goroutine only while there is work.
type batcher struct {
	rdb redis.UniversalClient

	mu       sync.Mutex
	pending  []*request
	flushers int
}

type request struct {
	cmds []redis.Cmder
	done chan struct{}
}

// do sends cmds in one pipeline, perhaps with other callers' commands,
// and waits for their answers, which each command then holds (Err,
// Val). It returns ctx's error if ctx ends first; the commands may
// still run.
func (b *batcher) do(ctx context.Context, cmds ...redis.Cmder) error {
	r := &request{cmds: cmds, done: make(chan struct{})}
	b.mu.Lock()
	b.pending = append(b.pending, r)
	if b.flushers < maxFlushers {
		b.flushers++
		go b.flush()
	}
	b.mu.Unlock()
	select {
	case <-r.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// flush sends what is pending until nothing is.
func (b *batcher) flush() {
	ctx := context.Background() // the client's read and write timeouts bound it
	for {
		b.mu.Lock()
		n := min(len(b.pending), maxBatch)
		if n == 0 {
			b.flushers--
			b.mu.Unlock()
			return
		}
		reqs := b.pending[:n:n]
		b.pending = b.pending[n:]
		if len(b.pending) == 0 {
			b.pending = nil
		}
		b.mu.Unlock()
		pipe := b.rdb.Pipeline()
		for _, r := range reqs {
			pipe.BatchProcess(ctx, r.cmds...)
		}
		pipe.Exec(ctx) // every command carries its own error
		for _, r := range reqs {
			close(r.done)
		}
	}
}
