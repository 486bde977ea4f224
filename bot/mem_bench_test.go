package bot

import (
	"context"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
)

// memSessions is how many chats BenchmarkMemory fills Redis with.
const memSessions = 100_000

// BenchmarkMemory has memSessions chats write to the bot once each,
// which stores a session and a profile for each (and a day's claim of
// each update id), then reports the bot process's resident memory with
// all of them in Redis, and Redis's memory per chat: redis-B/chat from
// INFO's used_memory before and after, session-B and profile-B from
// MEMORY USAGE of one of each. Run it alone with -benchtime=1x against
// a real Redis (REDIS_URL); on the embedded server the sessions live in
// this process, so rss-MB includes them and the Redis figures are not
// reported.
func BenchmarkMemory(b *testing.B) {
	real := os.Getenv("REDIS_URL") != ""
	clients := 64
	bb := startBenchBot(b, clients)
	ctx := context.Background()
	before := int64(0)
	if real {
		before = usedMemory(b, bb)
	}
	b.ResetTimer()
	for range b.N {
		runChats(b, bb, clients, memSessions)
	}
	b.StopTimer()
	runtime.GC()
	debug.FreeOSMemory()
	b.ReportMetric(float64(rssKB(b))/1024, "rss-MB")
	if !real {
		return
	}
	b.ReportMetric(float64(usedMemory(b, bb)-before)/memSessions, "redis-B/chat")
	chat := int64(1_000_000 + memSessions/2)
	for _, k := range []struct{ key, unit string }{
		{"session:" + strconv.FormatInt(chat, 10), "session-B"},
		{"profile:" + strconv.FormatInt(chat, 10), "profile-B"},
	} {
		n, err := bb.rdb.MemoryUsage(ctx, bb.prefix+k.key).Result()
		if err != nil {
			b.Fatalf("MEMORY USAGE %s: %v", k.key, err)
		}
		b.ReportMetric(float64(n), k.unit)
	}
}

// runChats posts one text from each of n distinct chats, from clients
// concurrent clients.
func runChats(tb testing.TB, bb *benchBot, clients, n int) {
	tb.Helper()
	runClients(tb, bb, clients, n, nil, func(c, k int) int64 { return int64(1_000_000 + c + clients*k) })
}

func usedMemory(tb testing.TB, bb *benchBot) int64 {
	tb.Helper()
	info, err := bb.rdb.Info(context.Background(), "memory").Result()
	if err != nil {
		tb.Fatal(err)
	}
	for line := range strings.Lines(info) {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "used_memory:"); ok {
			n, _ := strconv.ParseInt(v, 10, 64)
			return n
		}
	}
	tb.Fatal("INFO memory has no used_memory")
	return 0
}

// rssKB is this process's resident set size (VmRSS), in KiB; 0 where
// /proc is missing.
func rssKB(tb testing.TB) int64 {
	tb.Helper()
	buf, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range strings.Lines(string(buf)) {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return n
		}
	}
	return 0
}
