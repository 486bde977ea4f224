package bot_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	tgbot "github.com/go-telegram/bot"

	"github.com/mentorbot/mentorbot/bot"
	"github.com/mentorbot/mentorbot/bot/telegramtest"
	"github.com/mentorbot/mentorbot/flows"
)

// outboxEnv is an outbox sending through the real client to the fake
// server, both on one virtual clock.
type outboxEnv struct {
	srv   *telegramtest.Server
	clock *telegramtest.Clock
	box   *bot.Outbox

	mu           sync.Mutex
	sent         []string // "ref chat id"
	undelivered  []flows.Undelivered
	replacements []flows.Message
}

func newOutboxEnv(t *testing.T, limits bot.Limits) *outboxEnv {
	t.Helper()
	e := &outboxEnv{srv: telegramtest.NewServer(t), clock: telegramtest.NewClock(time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC))}
	e.srv.SetClock(e.clock.Now)
	client, err := tgbot.New(e.srv.Token(), tgbot.WithServerURL(e.srv.URL()), tgbot.WithSkipGetMe())
	if err != nil {
		t.Fatal(err)
	}
	e.box = bot.NewOutbox(bot.OutboxConfig{
		Sender: client, Limits: &limits, Clock: e.clock,
		Sent: func(_ context.Context, ref string, chatID int64, id int) error {
			e.mu.Lock()
			defer e.mu.Unlock()
			e.sent = append(e.sent, ref)
			return nil
		},
		Undeliverable: func(_ context.Context, u flows.Undelivered) ([]flows.Message, error) {
			e.mu.Lock()
			defer e.mu.Unlock()
			e.undelivered = append(e.undelivered, u)
			return e.replacements, nil
		},
	})
	t.Cleanup(func() { e.box.Close(context.Background()) })
	return e
}

func TestOutboxKeepsTelegramLimits(t *testing.T) {
	e := newOutboxEnv(t, bot.DefaultLimits())
	l := telegramtest.TelegramLimits()
	e.srv.EnforceLimits(&l)
	chats := []int64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, -100, -200}
	const perChat = 25
	var wg sync.WaitGroup
	for _, chat := range chats {
		wg.Go(func() {
			for i := range perChat {
				if _, err := e.box.Send(context.Background(), flows.Message{ChatID: chat, Text: strings.Repeat("x", i+1)}); err != nil {
					t.Errorf("Send to %d: %v", chat, err)
					return
				}
			}
		})
	}
	wg.Wait()
	if n := e.srv.TooManyCount(); n != 0 {
		t.Errorf("server answered 429 %d times; want 0", n)
	}
	for _, chat := range chats {
		ms := e.srv.Messages(chat)
		if len(ms) != perChat {
			t.Fatalf("chat %d got %d messages; want %d", chat, len(ms), perChat)
		}
		for i, m := range ms {
			if len(m.Text) != i+1 {
				t.Fatalf("chat %d message %d has length %d; want %d (order kept)", chat, i, len(m.Text), i+1)
			}
		}
	}
	// 25 messages to a group at 20 a minute take at least a minute.
	if w := e.clock.Waited(); w < time.Minute {
		t.Errorf("outbox waited %v in all; want at least a minute for the groups", w)
	}
}

func TestOutboxPacesOnePrivateChat(t *testing.T) {
	e := newOutboxEnv(t, bot.Limits{Private: bot.Rate{N: 1, Per: time.Second}})
	start := e.clock.Now()
	for range 5 {
		if _, err := e.box.Send(context.Background(), flows.Message{ChatID: 1, Text: "hi"}); err != nil {
			t.Fatal(err)
		}
	}
	ms := e.srv.Messages(1)
	for i := 1; i < len(ms); i++ {
		if gap := ms[i].At.Sub(ms[i-1].At); gap < time.Second {
			t.Errorf("messages %d and %d %v apart; want at least 1s", i-1, i, gap)
		}
	}
	if got := e.clock.Now().Sub(start); got < 4*time.Second {
		t.Errorf("5 messages at 1/s took %v; want at least 4s", got)
	}
}

func TestOutboxWaitsOutTooManyRequests(t *testing.T) {
	e := newOutboxEnv(t, bot.Limits{})
	e.srv.TooManyRequests("sendMessage", 2, 7)
	id, err := e.box.Send(context.Background(), flows.Message{ChatID: 1, Text: "hello", Ref: "ticket:1"})
	if err != nil {
		t.Fatalf("Send after two 429s: %v", err)
	}
	ms := e.srv.Messages(1)
	if len(ms) != 1 || ms[0].MessageID != id {
		t.Fatalf("delivered%s; want exactly one message with id %d", telegramtest.Dump(ms), id)
	}
	if w := e.clock.Waited(); w != 14*time.Second {
		t.Errorf("waited %v; want 2 × retry_after 7s", w)
	}
	if strings.Join(e.sent, ",") != "ticket:1" {
		t.Errorf("Sent called with %q; want ticket:1", e.sent)
	}
}

func TestOutboxBlockedRecipient(t *testing.T) {
	e := newOutboxEnv(t, bot.Limits{})
	e.srv.Block(1)
	e.replacements = []flows.Message{{ChatID: -300, Text: "student 1 blocked the bot"}}
	_, err := e.box.Send(context.Background(), flows.Message{ChatID: 1, Text: "your answer", Ref: "ticket:9"})
	if !errors.Is(err, bot.ErrBlocked) {
		t.Fatalf("Send to blocked chat = %v; want ErrBlocked", err)
	}
	if len(e.undelivered) != 1 || e.undelivered[0].Message.Ref != "ticket:9" || e.undelivered[0].Reason != flows.ReasonBlocked {
		t.Errorf("Undeliverable got %+v; want the ticket:9 message, blocked", e.undelivered)
	}
	if err := e.box.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	// Once everything queued is out: the refused message was tried once
	// (no retry after 403) and the committee note once.
	if n := e.srv.Calls("sendMessage"); n != 2 {
		t.Errorf("sendMessage called %d times; want 2: one refused, one note", n)
	}
	if ms := e.srv.Messages(-300); len(ms) != 1 || ms[0].Text != "student 1 blocked the bot" {
		t.Errorf("replacement messages:%s; want the committee note", telegramtest.Dump(ms))
	}
	if len(e.sent) != 0 {
		t.Errorf("Sent called for an undelivered message: %q", e.sent)
	}
}

// TestOutboxRefusalsForGood: what Telegram answers decides whether a
// message is retried, dropped as a bad request, or reported as never
// to arrive, and why.
func TestOutboxRefusalsForGood(t *testing.T) {
	tests := []struct {
		name   string
		code   int
		desc   string
		reason flows.UndeliveredReason // "" when not a refusal for good
		calls  int                     // sendMessage calls, retries included
		sent   bool
	}{
		{"blocked", 403, "Forbidden: bot was blocked by the user", flows.ReasonBlocked, 1, false},
		{"never started", 403, "Forbidden: bot can't initiate conversation with a user", flows.ReasonBlocked, 1, false},
		{"kicked from a group", 403, "Forbidden: bot was kicked from the group chat", flows.ReasonRemoved, 1, false},
		{"kicked from a supergroup", 403, "Forbidden: bot was kicked from the supergroup chat", flows.ReasonRemoved, 1, false},
		{"not a member", 403, "Forbidden: bot is not a member of the supergroup chat", flows.ReasonRemoved, 1, false},
		{"chat not found", 400, "Bad Request: chat not found", flows.ReasonChatNotFound, 1, false},
		{"other bad request", 400, "Bad Request: message text is empty", "", 1, false},
		{"rate limited", 429, "Too Many Requests: retry after 1", "", 2, true},
		{"bad gateway", 502, "Bad Gateway", "", 2, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newOutboxEnv(t, bot.Limits{})
			e.srv.Fail("sendMessage", 1, tt.code, tt.desc, 1)
			_, err := e.box.Send(context.Background(), flows.Message{ChatID: -300, Text: "new request", Ref: "ticket:1"})
			if got := errors.Is(err, bot.ErrBlocked); got != (tt.reason != "") {
				t.Errorf("Send answered %d %q: err = %v; ErrBlocked %v, want %v", tt.code, tt.desc, err, got, tt.reason != "")
			}
			if (err == nil) != tt.sent {
				t.Errorf("Send answered %d %q: err = %v; want sent %v", tt.code, tt.desc, err, tt.sent)
			}
			if n := e.srv.Calls("sendMessage"); n != tt.calls {
				t.Errorf("Send answered %d %q: sendMessage called %d times; want %d", tt.code, tt.desc, n, tt.calls)
			}
			e.mu.Lock()
			defer e.mu.Unlock()
			switch {
			case tt.reason == "" && len(e.undelivered) != 0:
				t.Errorf("Send answered %d %q: Undeliverable got %+v; want no call", tt.code, tt.desc, e.undelivered)
			case tt.reason != "" && (len(e.undelivered) != 1 || e.undelivered[0].Reason != tt.reason || e.undelivered[0].Message.Ref != "ticket:1"):
				t.Errorf("Send answered %d %q: Undeliverable got %+v; want ticket:1 for %q", tt.code, tt.desc, e.undelivered, tt.reason)
			}
		})
	}
}

func TestOutboxFilesRepliesAndLongTexts(t *testing.T) {
	e := newOutboxEnv(t, bot.Limits{})
	ctx := context.Background()
	pdf := []byte("%PDF-1.4 diary")
	if _, err := e.box.Send(ctx, flows.Message{ChatID: 1, Text: "your diary", ReplyTo: 5,
		File: &flows.Attachment{FileName: "diary.pdf", Content: pdf}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.box.Send(ctx, flows.Message{ChatID: 1, File: &flows.Attachment{FileID: "upload-1", Photo: true}}); err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("line of text\n", 700) // 9100 characters
	if _, err := e.box.Send(ctx, flows.Message{ChatID: 1, Text: long,
		Buttons: [][]flows.Button{{{Text: "OK", Data: "1:x:ok::"}}}}); err != nil {
		t.Fatal(err)
	}
	ms := e.srv.Messages(1)
	if len(ms) != 5 {
		t.Fatalf("sent%s; want document, photo and the long text in 3 parts", telegramtest.Dump(ms))
	}
	if d := ms[0].Document; d == nil || d.FileName != "diary.pdf" || !bytes.Equal(d.Content, pdf) || ms[0].ReplyTo != 5 || ms[0].Text != "your diary" {
		t.Errorf("document message = %+v; want diary.pdf with caption, replying to 5", ms[0])
	}
	if p := ms[1].Photo; p == nil || p.FileID != "upload-1" {
		t.Errorf("photo message = %+v; want the photo by file id", ms[1])
	}
	var joined string
	for i, m := range ms[2:] {
		if n := len([]rune(m.Text)); n > 4096 {
			t.Errorf("part %d has %d characters; want at most 4096", i, n)
		}
		if hasButtons := len(m.Buttons) > 0; hasButtons != (i == 2) {
			t.Errorf("part %d buttons = %v; want buttons only on the last part", i, m.Buttons)
		}
		joined += m.Text
	}
	if joined != long {
		t.Errorf("parts do not add up to the text")
	}
}

func TestOutboxSendHonoursContext(t *testing.T) {
	e := newOutboxEnv(t, bot.Limits{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := e.box.Send(ctx, flows.Message{ChatID: 1, Text: "late"}); !errors.Is(err, context.Canceled) {
		t.Errorf("Send with a cancelled context = %v; want context.Canceled", err)
	}
	if err := e.box.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := e.box.Send(context.Background(), flows.Message{ChatID: 1, Text: "after"}); !errors.Is(err, bot.ErrClosed) {
		t.Errorf("Send after Close = %v; want ErrClosed", err)
	}
}
