// Package redistest gives tests a Redis: the Redis Cluster named by
// REDIS_CLUSTER_URL when it is set (as in CI's second run), else the
// real one named by REDIS_URL when it is set (as in CI), else an
// embedded server.
package redistest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/mentorbot/mentorbot/flows/redisstore"
)

// Client returns a client for the test's Redis and a key prefix no
// other test uses. Keys under the prefix are deleted when tb ends.
func Client(tb testing.TB) (redis.UniversalClient, string) {
	tb.Helper()
	if urls := os.Getenv("REDIS_CLUSTER_URL"); urls != "" {
		return clusterClient(tb, urls, false)
	}
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

// Store returns a Store on the test's Redis under a fresh prefix. On a
// Cluster the store talks through a cluster client, as production does.
func Store(tb testing.TB) *redisstore.Store {
	tb.Helper()
	if urls := os.Getenv("REDIS_CLUSTER_URL"); urls != "" {
		rdb, prefix := clusterClient(tb, urls, true)
		return redisstore.New(rdb, redisstore.Options{Prefix: prefix})
	}
	rdb, prefix := Client(tb)
	return redisstore.New(rdb, redisstore.Options{Prefix: prefix})
}

// clusterClient connects to the Cluster at urls ("redis://h1:p1,h2:p2")
// and returns a prefix that is a hash tag, so every key of the test
// lies in one slot as redisstore.Options.OneSlot makes it in
// production. routed returns a cluster client; otherwise the client of
// the master holding that slot, for tests that scan their keys.
func clusterClient(tb testing.TB, urls string, routed bool) (redis.UniversalClient, string) {
	tb.Helper()
	addrs := strings.Split(strings.TrimPrefix(urls, "redis://"), ",")
	cc := redis.NewClusterClient(&redis.ClusterOptions{Addrs: addrs, Protocol: redisstore.Protocol})
	ctx := context.Background()
	var b [6]byte
	rand.Read(b[:])
	prefix := "{test:" + hex.EncodeToString(b[:]) + ":}"
	master, err := cc.MasterForKey(ctx, prefix)
	if err != nil {
		tb.Fatalf("REDIS_CLUSTER_URL %s: %v", urls, err)
	}
	tb.Cleanup(func() {
		iter := master.Scan(ctx, 0, prefix+"*", 1000).Iterator()
		for iter.Next(ctx) {
			master.Del(ctx, iter.Val())
		}
		cc.Close()
	})
	if routed {
		return cc, prefix
	}
	return master, prefix
}
