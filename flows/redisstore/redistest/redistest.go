// Package redistest gives tests a Redis: the Redis Cluster named by
// REDIS_CLUSTER_URL when it is set (as in CI's second run), else the
// real one named by REDIS_URL when it is set (as in CI), else an
// embedded server.
package redistest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/mentorbot/mentorbot/flows/redisstore"
)

// Client returns a client for the test's Redis and a key prefix no
// other test uses. On a Cluster the client is a *redis.ClusterClient,
// and a store over it must put its keys in one slot: make it with
// Options(rdb, prefix), and find its keys under KeyPrefix(rdb, prefix)
// with Keys. Keys under either prefix are deleted when tb ends.
func Client(tb testing.TB) (redis.UniversalClient, string) {
	tb.Helper()
	var rdb redis.UniversalClient
	if urls := os.Getenv("REDIS_CLUSTER_URL"); urls != "" {
		addrs := strings.Split(strings.TrimPrefix(urls, "redis://"), ",")
		rdb = redis.NewClusterClient(&redis.ClusterOptions{Addrs: addrs, Protocol: redisstore.Protocol})
		if err := rdb.Ping(context.Background()).Err(); err != nil {
			tb.Fatalf("REDIS_CLUSTER_URL %s: %v", urls, err)
		}
	} else if url := os.Getenv("REDIS_URL"); url != "" {
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
		for _, pattern := range []string{prefix + "*", "{" + prefix + "}*"} {
			keys, _ := scanKeys(ctx, rdb, pattern)
			for _, k := range keys {
				rdb.Del(ctx, k)
			}
		}
		rdb.Close()
	})
	return rdb, prefix
}

// Store returns a Store on the test's Redis under a fresh prefix. On a
// Cluster it talks through a cluster client with every key in one slot,
// as production does.
func Store(tb testing.TB) *redisstore.Store {
	tb.Helper()
	rdb, prefix := Client(tb)
	return redisstore.New(rdb, Options(rdb, prefix))
}

// Options returns the options of a store over rdb under prefix:
// OneSlot when rdb is a Cluster client, the rule production follows.
func Options(rdb redis.UniversalClient, prefix string) redisstore.Options {
	_, cluster := rdb.(*redis.ClusterClient)
	return redisstore.Options{Prefix: prefix, OneSlot: cluster}
}

// KeyPrefix returns what every key of a store made with Options(rdb,
// prefix) starts with: prefix, or on a Cluster prefix as a hash tag.
func KeyPrefix(rdb redis.UniversalClient, prefix string) string {
	if Options(rdb, prefix).OneSlot {
		return "{" + prefix + "}"
	}
	return prefix
}

// Keys returns the keys that match pattern (SCAN MATCH), on every
// master of a Cluster. It fails tb if Redis does not answer.
func Keys(tb testing.TB, rdb redis.UniversalClient, pattern string) []string {
	tb.Helper()
	keys, err := scanKeys(context.Background(), rdb, pattern)
	if err != nil {
		tb.Fatalf("SCAN MATCH %s: %v", pattern, err)
	}
	return keys
}

func scanKeys(ctx context.Context, rdb redis.UniversalClient, pattern string) ([]string, error) {
	var (
		mu   sync.Mutex
		keys []string
	)
	scan := func(ctx context.Context, c *redis.Client) error {
		iter := c.Scan(ctx, 0, pattern, 1000).Iterator()
		for iter.Next(ctx) {
			mu.Lock()
			keys = append(keys, iter.Val())
			mu.Unlock()
		}
		return iter.Err()
	}
	var err error
	switch c := rdb.(type) {
	case *redis.ClusterClient:
		err = c.ForEachMaster(ctx, scan)
	case *redis.Client:
		err = scan(ctx, c)
	default:
		err = fmt.Errorf("unexpected client %T", rdb)
	}
	return keys, err
}
