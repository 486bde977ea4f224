package console

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"time"

	"github.com/mentorbot/mentorbot/flows"
	"github.com/mentorbot/mentorbot/flows/records"
)

// Clock is the console's clock: the real time moved by what :time
// asked, so reminders, diaries and deadlines can be tried without
// waiting. Give its Now to the engine (flows.Config.Now).
type Clock struct {
	mu     sync.Mutex
	offset time.Duration
}

// Now is the real time moved by the clock's offset.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

// set moves the clock to at.
func (c *Clock) set(at time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset = time.Until(at)
}

// UseClock makes :time move clk, which must be the engine's clock.
func (c *Console) UseClock(clk *Clock) { c.clock = clk }

// moveTime is :time: "+2h" or "+3d" moves the clock forward, "2027-02-03
// 18:00" sets it (in the programme's time zone). Then what the
// scheduler does every minute happens: due reminders are queued, and
// every message waiting in the outbox is shown, as the bot would send
// it.
func (c *Console) moveTime(ctx context.Context, arg string) {
	at, ok := c.parseTime(arg)
	if c.clock == nil || !ok || !at.After(c.clock.Now().Add(-time.Minute)) {
		c.say(ctx, "console.bad_time", map[string]any{"Arg": arg})
		return
	}
	c.clock.set(at)
	now := c.clock.Now()
	c.say(ctx, "console.time", map[string]any{"Now": now.In(c.engine.Program().Location()).Format("2006-01-02 15:04")})
	if _, err := c.engine.QueueDue(ctx, now); err != nil {
		c.log.Error("queue reminders", "err", err)
	}
	c.showOutbox(ctx, now)
}

// parseTime reads :time's argument.
func (c *Console) parseTime(arg string) (time.Time, bool) {
	arg = strings.TrimSpace(arg)
	if rest, ok := strings.CutPrefix(arg, "+"); ok {
		days, isDays := strings.CutSuffix(rest, "d")
		if isDays {
			rest = days + "h"
		}
		d, err := time.ParseDuration(rest)
		if err != nil || d <= 0 {
			return time.Time{}, false
		}
		if isDays {
			d *= 24
		}
		return c.clock.Now().Add(d), true
	}
	at, err := time.ParseInLocation("2006-01-02 15:04", arg, c.engine.Program().Location())
	return at, err == nil
}

// showOutbox prints every message waiting in the durable outbox (where
// the scheduler puts reminders) and takes it out, as the bot's sender
// would after Telegram accepted it.
func (c *Console) showOutbox(ctx context.Context, now time.Time) {
	rec := c.engine.Records()
	for {
		chats, err := rec.TakeOutboxChats(ctx, now, time.Minute, 100)
		if err != nil || len(chats) == 0 {
			if err != nil {
				c.log.Error("read outbox", "err", err)
			}
			return
		}
		for _, chat := range chats {
			c.showChat(ctx, chat, now)
		}
	}
}

// showChat prints and removes chat's waiting messages.
func (c *Console) showChat(ctx context.Context, chat int64, now time.Time) {
	rec := c.engine.Records()
	for {
		msgs, err := rec.OutboxMessages(ctx, chat, 100)
		if err != nil {
			c.log.Error("read outbox", "chat_id", chat, "err", err)
			return
		}
		if len(msgs) == 0 {
			_, _ = rec.OutboxSent(ctx, chat, records.OutboxMessage{}, now)
			return
		}
		for _, om := range msgs {
			var m flows.Message
			if json.Unmarshal(om.Body, &m) == nil {
				c.show(ctx, flows.Reply{Messages: []flows.Message{m}})
			}
			more, err := rec.OutboxSent(ctx, chat, om, now)
			if err != nil || !more {
				return
			}
		}
	}
}
