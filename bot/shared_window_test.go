package bot_test

import (
	"context"
	"sync"
	"testing"

	tgbot "github.com/go-telegram/bot"

	"github.com/mentorbot/mentorbot/bot"
	"github.com/mentorbot/mentorbot/bot/telegramtest"
	"github.com/mentorbot/mentorbot/flows"
	"github.com/mentorbot/mentorbot/flows/records"
	"github.com/mentorbot/mentorbot/flows/redisstore/redistest"
)

// TestTwoReplicasShareTheGlobalLimit: two replicas' outboxes sending to
// 40 chats at once keep, together, to Telegram's 30 messages a second:
// the fake Bot API, which enforces it, never answers 429. Each outbox
// alone keeps to 30, so without the shared window they sent up to 60.
// It runs on the real clock (about four seconds): the virtual clock of
// other outbox tests moves on every sleeper's wait, which two outboxes
// sharing one window in Redis cannot follow.
func TestTwoReplicasShareTheGlobalLimit(t *testing.T) {
	srv := telegramtest.NewServer(t)
	l := telegramtest.TelegramLimits()
	srv.EnforceLimits(&l)
	db := records.New(redistest.Store(t), nil)
	var boxes []*bot.Outbox
	for range 2 {
		client, err := tgbot.New(srv.Token(), tgbot.WithServerURL(srv.URL()), tgbot.WithSkipGetMe())
		if err != nil {
			t.Fatal(err)
		}
		limits := bot.DefaultLimits()
		box := bot.NewOutbox(bot.OutboxConfig{Sender: client, Limits: &limits, SharedWindow: db.TakeSendSlot, SharedDone: db.SendDone})
		t.Cleanup(func() { box.Close(context.Background()) })
		boxes = append(boxes, box)
	}
	const chats, perChat = 40, 3
	var wg sync.WaitGroup
	for c := range chats {
		box := boxes[c%2]
		wg.Go(func() {
			for range perChat {
				if _, err := box.Send(context.Background(), flows.Message{ChatID: int64(1 + c), Text: "hi"}); err != nil {
					t.Errorf("Send to %d: %v", 1+c, err)
					return
				}
			}
		})
	}
	wg.Wait()
	if n := srv.TooManyCount(); n != 0 {
		t.Errorf("the fake Bot API answered 429 %d times; want 0", n)
	}
	if n := len(srv.AllMessages()); n != chats*perChat {
		t.Errorf("%d messages sent; want %d", n, chats*perChat)
	}
}
