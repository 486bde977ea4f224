package bot_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/mentorbot/mentorbot/bot"
	"github.com/mentorbot/mentorbot/bot/bottest"
	"github.com/mentorbot/mentorbot/bot/telegramtest"
	"github.com/mentorbot/mentorbot/flows/records"
)

const studentID = 300000001

func TestStartLanguageHelpCancel(t *testing.T) {
	env := bottest.Start(t)
	u := bottest.User(studentID, "Giulia", "")

	r := env.Command(u, "start", "")
	bottest.WantText(t, r, u.ID, "Scegli la tua lingua")
	// Each language named in itself, the programme's two first.
	if got := env.Last(u.ID).Labels(); len(got) != len(env.Engine.Catalog().Languages()) || got[0] != "English" || got[1] != "Italiano" {
		t.Fatalf("language buttons = %q; want every language, English and Italiano first", got)
	}

	r = env.Press(u, "Italiano")
	bottest.WantText(t, r, u.ID, "D'ora in poi ti scriverò in italiano.")
	bottest.WantText(t, r, u.ID, "Ciao Giulia!")
	if r.Answer == nil {
		t.Fatalf("button press not answered:%s", r)
	}

	r = env.Command(u, "help", "")
	bottest.WantText(t, r, u.ID, "Ecco cosa puoi fare:")
	bottest.WantText(t, r, u.ID, "/cancel - esci dal passaggio in corso")

	r = env.Command(u, "cancel", "")
	if got := r.Text(u.ID); got != "Non c'è niente da annullare." {
		t.Errorf("/cancel answered %q; want the Italian nothing-to-cancel text", got)
	}

	// A stale language button: the flow ended, so the press gets a toast
	// and no message.
	ms := env.Server.Messages(u.ID)
	r = env.PressData(u, ms[0], ms[0].Buttons[0][0].Data)
	if len(r.Messages) != 0 || r.Notice() != "Questo pulsante è scaduto. Ricomincia, per favore." {
		t.Errorf("stale press gave %s; want only the expired notice", r)
	}
}

func TestCommandMenuRegistered(t *testing.T) {
	env := bottest.Start(t)
	env.Server.WaitCalls("setChatMenuButton", 1)
	for _, tc := range []struct{ lang, help string }{
		{"", "what I can do"},
		{"en", "what I can do"},
		{"it", "cosa posso fare"},
	} {
		var got string
		for _, c := range env.Server.Commands(tc.lang) {
			if c.Command == "help" {
				got = c.Description
			}
		}
		if got != tc.help {
			t.Errorf("Commands(%q) help = %q; want %q", tc.lang, got, tc.help)
		}
	}
}

func TestUnsupportedCommandMenuIsIgnored(t *testing.T) {
	env := bottest.Start(t, bottest.WithServer(func(s *telegramtest.Server) {
		s.Fail("setMyCommands", 1, http.StatusNotFound, "Not Found", 0)
		s.Fail("setChatMenuButton", 1, http.StatusNotFound, "Not Found", 0)
	}))
	r := env.Command(bottest.User(1, "Ada", "en"), "help", "")
	bottest.WantText(t, r, 1, "Here is what you can do:")
	if n := env.Server.Calls("setMyCommands"); n != 1 {
		t.Errorf("setMyCommands called %d times after it failed; want 1 (give up quietly)", n)
	}
}

func TestDocumentAndPhotoReachTheEngine(t *testing.T) {
	env := bottest.Start(t)
	u := bottest.User(studentID, "Ada", "en")
	for name, r := range map[string]bottest.Result{
		"document": env.Document(u, "cv.pdf", "application/pdf", []byte("%PDF-1.4"), "my cv"),
		"photo":    env.Photo(u, []byte("jpegjpegjpeg"), ""),
		"sticker":  env.Inject(env.Server.StickerMessage(u)),
	} {
		if !strings.Contains(r.Text(u.ID), "/help") {
			t.Errorf("%s answered%s; want the idle hint", name, r)
		}
	}
	// An edit is not acted on; the user is told to send it again.
	r := env.Inject(telegramtest.Edited(env.Server.TextMessage(u, "/help")))
	if got := r.Text(u.ID); !strings.Contains(got, "send it again") || strings.Contains(got, "/language") {
		t.Errorf("edited message answered %q; want the edit notice and no /help", got)
	}
}

// startWebhookBot starts another bot in webhook mode on env's fake
// server and store, as a second replica would run.
func startWebhookBot(t *testing.T, env *bottest.Env, secret string, onProcessed func(int64)) *bot.Bot {
	t.Helper()
	// The env's own bot polls, and deletes any webhook as it starts:
	// let it do so before this bot sets one.
	env.Server.WaitCalls("deleteWebhook", 1)
	ctx, cancel := context.WithCancel(context.Background())
	b, err := bot.New(ctx, bot.Config{
		Token: env.Server.Token(), APIURL: env.Server.URL(), Engine: env.Engine,
		WebhookURL: "https://bot.example/hook", WebhookSecret: secret, OnProcessed: onProcessed,
		Clock: env.Pacing, // the fake server enforces limits on this clock
	})
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { b.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return b
}

// post delivers body to b's webhook handler and returns the status.
func post(b *bot.Bot, secret, body string) int {
	req := httptest.NewRequest(http.MethodPost, "/hook", strings.NewReader(body))
	if secret != "" {
		req.Header.Set("X-Telegram-Bot-Api-Secret-Token", secret)
	}
	rec := httptest.NewRecorder()
	b.WebhookHandler().ServeHTTP(rec, req)
	return rec.Code
}

// processedLog collects OnProcessed calls.
type processedLog struct {
	mu      sync.Mutex
	counts  map[int64]int
	changed chan struct{}
}

func newProcessedLog() *processedLog {
	return &processedLog{counts: map[int64]int{}, changed: make(chan struct{})}
}

func (l *processedLog) done(id int64) {
	l.mu.Lock()
	l.counts[id]++
	close(l.changed)
	l.changed = make(chan struct{})
	l.mu.Unlock()
}

// wait blocks until update id was processed n times in all.
func (l *processedLog) wait(t *testing.T, id int64, n int) {
	t.Helper()
	timeout := time.After(telegramtest.DefaultTimeout)
	for {
		l.mu.Lock()
		got, ch := l.counts[id], l.changed
		l.mu.Unlock()
		if got >= n {
			return
		}
		select {
		case <-ch:
		case <-timeout:
			t.Fatalf("update %d processed %d times; want %d", id, got, n)
		}
	}
}

func TestWebhookSecret(t *testing.T) {
	env := bottest.Start(t)
	log := newProcessedLog()
	b := startWebhookBot(t, env, "s3cret-token", log.done)
	if url, secret := env.Server.WaitWebhook(); url != "https://bot.example/hook" || secret != "s3cret-token" {
		t.Fatalf("Webhook() = %q, %q; want the configured URL and secret", url, secret)
	}

	u := bottest.User(5, "Ada", "en")
	upd := env.Server.CommandMessage(u, "help", "")
	body := string(env.Server.Encode(upd))
	for _, tc := range []struct {
		name, secret, body string
		want               int
	}{
		{"no secret", "", body, http.StatusUnauthorized},
		{"wrong secret", "guess", body, http.StatusUnauthorized},
		{"not an update", "s3cret-token", `{"hello":1}`, http.StatusBadRequest},
		{"right secret", "s3cret-token", body, http.StatusOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := post(b, tc.secret, tc.body); got != tc.want {
				t.Errorf("POST with %s = %d; want %d", tc.name, got, tc.want)
			}
		})
	}
	log.wait(t, upd["update_id"].(int64), 1)
	if err := b.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	ms := env.Server.Messages(u.ID)
	if len(ms) != 1 || !strings.Contains(ms[0].Text, "Here is what you can do:") {
		t.Errorf("after one accepted update the bot sent:%s\nwant the help once", telegramtest.Dump(ms))
	}
}

func TestRedeliveredUpdateHandledOnce(t *testing.T) {
	env := bottest.Start(t)
	log := newProcessedLog()
	b := startWebhookBot(t, env, "k", log.done)
	u := bottest.User(7, "Ada", "en")
	upd := env.Server.CommandMessage(u, "help", "")
	body := string(env.Server.Encode(upd))
	for range 2 {
		if got := post(b, "k", body); got != http.StatusOK {
			t.Fatalf("POST = %d; want 200", got)
		}
	}
	log.wait(t, upd["update_id"].(int64), 2)
	if err := b.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	if got := len(env.Server.Messages(u.ID)); got != 1 {
		t.Errorf("update delivered twice answered %d times; want once", got)
	}
}

func TestTwoReplicasHandleAnUpdateOnce(t *testing.T) {
	env := bottest.Start(t)
	log := newProcessedLog()
	bots := []*bot.Bot{startWebhookBot(t, env, "k", log.done), startWebhookBot(t, env, "k", log.done)}
	u := bottest.User(8, "Ada", "en")
	var ids []int64
	for range 10 {
		upd := env.Server.TextMessage(u, "hello")
		body := string(env.Server.Encode(upd))
		ids = append(ids, upd["update_id"].(int64))
		var wg sync.WaitGroup
		for _, b := range bots {
			wg.Go(func() { post(b, "k", body) })
		}
		wg.Wait()
	}
	for _, id := range ids {
		log.wait(t, id, 2)
	}
	for _, b := range bots {
		if err := b.Flush(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	if got := len(env.Server.Messages(u.ID)); got != len(ids) {
		t.Errorf("two replicas sent %d answers to %d updates; want one each", got, len(ids))
	}
}

// failingStore fails turn loads while fail is set, as when Redis is
// down for the engine.
type failingStore struct {
	records.Store
	fail atomic.Bool
}

var _ records.Store = (*failingStore)(nil)

func (s *failingStore) LoadTurn(ctx context.Context, handled string, chatID int64, key string, v any) (records.Session, bool, bool, error) {
	if s.fail.Load() {
		return records.Session{}, false, false, errors.New("redis: connection refused")
	}
	return s.Store.LoadTurn(ctx, handled, chatID, key, v)
}

func TestEngineFailureAnswersUnavailableAndMarksNothing(t *testing.T) {
	fs := &failingStore{}
	env := bottest.Start(t, bottest.WithEngineStore(func(s records.Store) records.Store { fs.Store = s; return fs }))
	u := bottest.User(9, "Ada", "it-IT")
	fs.fail.Store(true)
	r := env.Command(u, "help", "")
	if got := r.Text(u.ID); got != "Il bot non è momentaneamente disponibile. Riprova tra un minuto." {
		t.Fatalf("engine failure answered %q; want error.unavailable in Italian", got)
	}
	// The update is not marked handled, so a redelivery is handled.
	fs.fail.Store(false)
	loaded, err := records.New(env.Store, nil).LoadTurn(context.Background(), r.UpdateID, u.ID, u.ID)
	if err != nil || loaded.Handled {
		t.Errorf("LoadTurn(update %d) = handled %v, %v; want the failed update not handled", r.UpdateID, loaded.Handled, err)
	}
	m := env.Last(u.ID)

	// A failing button press gets the same text as a toast.
	fs.fail.Store(true)
	r = env.PressData(u, m, "1:lang:set::it")
	if r.Notice() != "Il bot non è momentaneamente disponibile. Riprova tra un minuto." || len(r.To(u.ID)) != 0 {
		t.Errorf("failing press gave%s; want only the unavailable toast", r)
	}
}

func TestUpdatesOfOneChatHandledInOrder(t *testing.T) {
	env := bottest.Start(t, bottest.WithoutLimits())
	u := bottest.User(10, "Ada", "en")
	other := bottest.User(11, "Bea", "en")
	const pairs = 25
	var last int64
	for range pairs {
		env.Server.Inject(env.Server.CommandMessage(u, "language", ""))
		env.Server.Inject(env.Server.CommandMessage(other, "help", ""))
		last = env.Server.Inject(env.Server.CommandMessage(u, "cancel", ""))
	}
	env.WaitProcessed(last)
	ms := env.Server.Messages(u.ID)
	if len(ms) != 2*pairs {
		t.Fatalf("got %d messages; want %d", len(ms), 2*pairs)
	}
	for i, m := range ms {
		want := "Please choose your language."
		if i%2 == 1 {
			want = "Cancelled."
		}
		if !strings.HasPrefix(m.Text, want) {
			t.Fatalf("message %d = %q; want %q: updates or replies out of order", i, m.Text, want)
		}
	}
}

func TestMetricsCountUpdatesAndSends(t *testing.T) {
	reg := prometheus.NewRegistry()
	env := bottest.Start(t, bottest.WithConfig(func(c *bot.Config) { c.Metrics = bot.NewMetrics(reg) }))
	u := bottest.User(12, "Ada", "en")
	env.Command(u, "help", "")
	env.Text(u, "hello")
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, f := range families {
		for _, m := range f.GetMetric() {
			name := f.GetName()
			for _, l := range m.GetLabel() {
				name += ":" + l.GetValue()
			}
			switch {
			case m.GetCounter() != nil:
				got[name] = m.GetCounter().GetValue()
			case m.GetHistogram() != nil:
				got[name] = float64(m.GetHistogram().GetSampleCount())
			}
		}
	}
	for name, want := range map[string]float64{
		"mentorbot_updates_total:command": 1,
		"mentorbot_updates_total:text":    1,
		"mentorbot_messages_sent_total":   2,
		"mentorbot_flow_step_seconds":     2,
	} {
		if got[name] != want {
			t.Errorf("metric %s = %v; want %v (all: %v)", name, got[name], want, got)
		}
	}
}
