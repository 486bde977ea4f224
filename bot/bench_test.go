package bot

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
	"github.com/redis/go-redis/v9"

	"github.com/mentorbot/mentorbot/bot/telegramtest"
	"github.com/mentorbot/mentorbot/flows"
	"github.com/mentorbot/mentorbot/flows/redisstore"
	"github.com/mentorbot/mentorbot/flows/redisstore/redistest"
	"github.com/mentorbot/mentorbot/locales"
)

// discard is a Sender that accepts every message at once, so inbound
// benchmarks measure the path up to the outbox and not Telegram.
type discard struct{ sent atomic.Int64 }

var _ Sender = (*discard)(nil)

func (d *discard) SendMessage(context.Context, *tgbot.SendMessageParams) (*models.Message, error) {
	return &models.Message{ID: int(d.sent.Add(1))}, nil
}

func (d *discard) SendDocument(context.Context, *tgbot.SendDocumentParams) (*models.Message, error) {
	return &models.Message{ID: int(d.sent.Add(1))}, nil
}

func (d *discard) SendPhoto(context.Context, *tgbot.SendPhotoParams) (*models.Message, error) {
	return &models.Message{ID: int(d.sent.Add(1))}, nil
}

// roundTrips counts the commands and round trips a Redis client makes:
// a pipeline (or a MULTI) is one round trip.
type roundTrips struct{ trips, cmds atomic.Int64 }

func (r *roundTrips) DialHook(next redis.DialHook) redis.DialHook { return next }

func (r *roundTrips) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		r.trips.Add(1)
		r.cmds.Add(1)
		return next(ctx, cmd)
	}
}

func (r *roundTrips) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		r.trips.Add(1)
		r.cmds.Add(int64(len(cmds)))
		return next(ctx, cmds)
	}
}

// benchBot is a bot in webhook mode whose outbox discards messages,
// with a store whose round trips are counted.
type benchBot struct {
	bot     *Bot
	handler http.Handler
	trips   *roundTrips
	sent    *discard
	rdb     redis.UniversalClient
	prefix  string
	// done[c] is told when an update of client c was processed; update
	// ids carry the client in their upper 32 bits.
	done []chan struct{}
}

func startBenchBot(tb testing.TB, clients int) *benchBot {
	tb.Helper()
	srv := telegramtest.NewServer(tb)
	rdb, prefix := redistest.Client(tb)
	trips := &roundTrips{}
	rdb.AddHook(trips)
	store := redisstore.New(rdb, redistest.Options(rdb, prefix))
	cat, err := locales.New()
	if err != nil {
		tb.Fatal(err)
	}
	program, err := flows.LoadProgram("../flows/testdata/program.toml")
	if err != nil {
		tb.Fatal(err)
	}
	e, err := flows.New(flows.Config{Store: store, Catalog: cat, Program: program, Outbox: true})
	if err != nil {
		tb.Fatal(err)
	}
	bb := &benchBot{trips: trips, sent: &discard{}, rdb: rdb, prefix: prefix}
	for range clients {
		bb.done = append(bb.done, make(chan struct{}, 1))
	}
	ctx, cancel := context.WithCancel(context.Background())
	b, err := New(ctx, Config{Token: srv.Token(), APIURL: srv.URL(), Engine: e,
		WebhookURL: "https://bot.example.org/hook", WebhookSecret: "bench",
		OnProcessed: func(id int64) { bb.done[id>>32] <- struct{}{} }})
	if err != nil {
		cancel()
		tb.Fatal(err)
	}
	b.outbox = NewOutbox(OutboxConfig{Sender: bb.sent, Limits: &Limits{}})
	b.feeder.out = b.outbox
	bb.bot, bb.handler = b, b.WebhookHandler()
	stopped := make(chan struct{})
	go func() { b.Run(ctx); close(stopped) }()
	tb.Cleanup(func() { cancel(); <-stopped })
	return bb
}

// textUpdate appends the wire form of a private text message from
// chatID to buf, as Telegram posts it to the webhook.
func textUpdate(buf []byte, updateID, chatID int64, text string) []byte {
	buf = append(buf, `{"update_id":`...)
	buf = strconv.AppendInt(buf, updateID, 10)
	buf = append(buf, `,"message":{"message_id":`...)
	buf = strconv.AppendInt(buf, updateID&0xffffffff, 10)
	buf = append(buf, `,"date":1801000000,"chat":{"id":`...)
	buf = strconv.AppendInt(buf, chatID, 10)
	buf = append(buf, `,"type":"private","first_name":"Ada","username":"ada"},"from":{"id":`...)
	buf = strconv.AppendInt(buf, chatID, 10)
	buf = append(buf, `,"is_bot":false,"first_name":"Ada","username":"ada","language_code":"en"},"text":`...)
	buf = strconv.AppendQuote(buf, text)
	return append(buf, "}}"...)
}

// nopWriter is a ResponseWriter that keeps only the status.
type nopWriter struct {
	h      http.Header
	status int
}

func (w *nopWriter) Header() http.Header         { return w.h }
func (w *nopWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *nopWriter) WriteHeader(code int)        { w.status = code }

// chatsPerClient is how many chats each simulated client writes from,
// in turn, so sessions are spread over many keys.
const chatsPerClient = 100

// BenchmarkInbound measures updates per second through the whole
// inbound path: JSON decode in the webhook handler, the update claim,
// session and profile load, the flow step, the saves and the outbox
// enqueue. Each client posts a text while idle (the flows answer with
// idle.hint) and waits for it to be processed before posting the next,
// so latency is per update under that many clients in flight.
func BenchmarkInbound(b *testing.B) {
	for _, clients := range []int{1, 64} {
		b.Run("clients="+strconv.Itoa(clients), func(b *testing.B) { benchInbound(b, clients) })
	}
}

func benchInbound(b *testing.B, clients int) {
	bb := startBenchBot(b, clients)
	// Warm up: create every chat's session and profile, so the timed
	// loop measures the steady state of a returning user.
	runClients(b, bb, clients, clients*chatsPerClient, nil, nil)
	trips, cmds := bb.trips.trips.Load(), bb.trips.cmds.Load()
	lat := make([][]time.Duration, clients)
	redisCPU := bb.redisCPU(b)
	b.ReportAllocs()
	b.ResetTimer()
	cpu, start := processCPU(), time.Now()
	runClients(b, bb, clients, b.N, lat, nil)
	elapsed, cpu := time.Since(start), processCPU()-cpu
	b.StopTimer()
	redisCPU = bb.redisCPU(b) - redisCPU
	all := slices.Concat(lat...)
	slices.Sort(all)
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "updates/s")
	b.ReportMetric(float64(percentile(all, 50).Microseconds()), "p50-µs")
	b.ReportMetric(float64(percentile(all, 99).Microseconds()), "p99-µs")
	b.ReportMetric(float64(bb.trips.trips.Load()-trips)/float64(b.N), "redis-trips/op")
	b.ReportMetric(float64(bb.trips.cmds.Load()-cmds)/float64(b.N), "redis-cmds/op")
	b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "bot-cpu-µs/op")
	if redisCPU > 0 {
		b.ReportMetric(float64(redisCPU.Microseconds())/float64(b.N), "redis-cpu-µs/op")
	}
}

// redisCPU is the CPU time the Redis server used so far, from INFO
// cpu; 0 for the embedded server, whose time is the process's own.
func (bb *benchBot) redisCPU(tb testing.TB) time.Duration {
	if os.Getenv("REDIS_URL") == "" {
		return 0
	}
	info, err := bb.rdb.Info(context.Background(), "cpu").Result()
	if err != nil {
		tb.Fatal(err)
	}
	var total time.Duration
	for line := range strings.Lines(info) {
		k, v, _ := strings.Cut(strings.TrimSpace(line), ":")
		if k == "used_cpu_user" || k == "used_cpu_sys" {
			sec, _ := strconv.ParseFloat(v, 64)
			total += time.Duration(sec * float64(time.Second))
		}
	}
	return total
}

var updateSeq atomic.Int64

// runClients posts n updates from clients concurrent clients, each
// waiting for its previous update to be processed. When lat is not
// nil, lat[c] receives client c's latencies. chatOf gives the chat of
// client c's k-th update; nil cycles through chatsPerClient chats.
func runClients(tb testing.TB, bb *benchBot, clients, n int, lat [][]time.Duration, chatOf func(c, k int) int64) {
	if chatOf == nil {
		chatOf = func(c, k int) int64 { return int64(1_000_000 + c + clients*(k%chatsPerClient)) }
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			hdr := http.Header{"X-Telegram-Bot-Api-Secret-Token": {"bench"}}
			var buf []byte
			var w nopWriter
			for k := 0; next.Add(1) <= int64(n); k++ {
				id := int64(c)<<32 | updateSeq.Add(1)&0xffffffff
				chat := chatOf(c, k)
				buf = textUpdate(buf[:0], id, chat, "hello")
				req := &http.Request{Method: http.MethodPost, Header: hdr, Body: io.NopCloser(bytes.NewReader(buf))}
				w = nopWriter{h: http.Header{}}
				t0 := time.Now()
				bb.handler.ServeHTTP(&w, req)
				if w.status != http.StatusOK {
					tb.Errorf("webhook answered %d; want 200", w.status)
					return
				}
				<-bb.done[c]
				if lat != nil {
					lat[c] = append(lat[c], time.Since(t0))
				}
			}
		}()
	}
	wg.Wait()
}

func percentile(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[min(len(sorted)-1, len(sorted)*p/100)]
}
