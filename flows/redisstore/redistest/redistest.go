// Package redistest gives tests a Redis: the real one named by
// REDIS_URL when it is set (as in CI), else an embedded server.
package redistest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/mentorbot/mentorbot/flows/redisstore"
)

// Client returns a client for the test's Redis and a key prefix no
// other test uses. Keys under the prefix are deleted when tb ends.
func Client(tb testing.TB) (redis.UniversalClient, string) {
	tb.Helper()
	var rdb redis.UniversalClient
	if url := os.Getenv("REDIS_URL"); url != "" {
		opts, err := redis.ParseURL(url)
		if err != nil {
			tb.Fatalf("REDIS_URL: %v", err)
		}
		if opts.Protocol == 0 {
			opts.Protocol = redisstore.Protocol
		}
		rdb = redis.NewClient(opts)
		if err := rdb.Ping(context.Background()).Err(); err != nil {
			tb.Fatalf("REDIS_URL %s: %v", url, err)
		}
	} else {
		emb, err := redisstore.StartEmbedded()
		if err != nil {
			tb.Fatal(err)
		}
		tb.Cleanup(emb.Close)
		rdb = emb.Client()
	}
	var b [6]byte
	rand.Read(b[:])
	prefix := "test:" + hex.EncodeToString(b[:]) + ":"
	tb.Cleanup(func() {
		ctx := context.Background()
		iter := rdb.Scan(ctx, 0, prefix+"*", 1000).Iterator()
		for iter.Next(ctx) {
			rdb.Del(ctx, iter.Val())
		}
		rdb.Close()
	})
	return rdb, prefix
}

// Store returns a Store on the test's Redis under a fresh prefix.
func Store(tb testing.TB) *redisstore.Store {
	tb.Helper()
	rdb, prefix := Client(tb)
	return redisstore.New(rdb, redisstore.Options{Prefix: prefix})
}
