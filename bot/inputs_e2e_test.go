package bot_test

import (
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/mentorbot/mentorbot/bot"
	"github.com/mentorbot/mentorbot/bot/bottest"
	"github.com/mentorbot/mentorbot/bot/telegramtest"
)

// TestOddInputsGetTheirDefinedAnswer sends every kind of input the bot
// does not take as a normal step, through the fake Telegram: each gets
// its defined answer (silence included), none panics, and none changes
// where the user stands in their flow.
func TestOddInputsGetTheirDefinedAnswer(t *testing.T) {
	reg := prometheus.NewRegistry()
	env := bottest.Start(t, bottest.WithConfig(func(c *bot.Config) { c.Metrics = bot.NewMetrics(reg) }))
	s := env.Server
	idle := bottest.User(400000001, "Ada", "en")   // in no flow
	busy := bottest.User(400000002, "Bruno", "it") // in /apply, at the degree step
	env.Command(busy, "apply", "")
	channel := map[string]any{"id": int64(-1001234), "type": "channel", "title": "News"}
	group := telegramtest.Chat{ID: -5005, Title: "Friends"}

	// message builds an update from u in their private chat with fields
	// added to the message.
	message := func(u telegramtest.User, fields map[string]any) telegramtest.Update {
		upd := s.TextMessage(u, "x")
		m := upd["message"].(map[string]any)
		delete(m, "text")
		for k, v := range fields {
			m[k] = v
		}
		return upd
	}
	tests := []struct {
		name   string
		update func() telegramtest.Update
		to     int64
		want   string // the whole answer; "" for none at all
		notice string // the toast on a pressed button
	}{
		{"long text", func() telegramtest.Update { return s.TextMessage(idle, strings.Repeat("a", 4097)) },
			idle.ID, "That message is too long.", ""},
		{"long text in a flow", func() telegramtest.Update { return s.TextMessage(busy, strings.Repeat("è", 5000)) },
			busy.ID, "Rispondi con i pulsanti, per favore.", ""},
		{"blank text", func() telegramtest.Update { return s.TextMessage(idle, " \n ") },
			idle.ID, "I did not understand that. Type /help to see what I can do.", ""},
		{"empty message", func() telegramtest.Update { return message(idle, nil) },
			idle.ID, "I did not understand that. Type /help to see what I can do.", ""},
		{"unknown command", func() telegramtest.Update { return s.CommandMessage(idle, "teleport", "mars") },
			idle.ID, "I do not know the command /teleport. Type /help to see the commands.", ""},
		{"unknown command in a flow", func() telegramtest.Update { return s.CommandMessage(busy, "frobnicate", "") },
			busy.ID, "Non conosco il comando /frobnicate. Scrivi /help per vedere i comandi.", ""},
		{"command for another bot", func() telegramtest.Update { return s.TextMessage(idle, "/help@other_bot") },
			idle.ID, "Here is what you can do:", ""},
		{"sticker", func() telegramtest.Update { return s.StickerMessage(idle) },
			idle.ID, "I did not understand that. Type /help to see what I can do.", ""},
		{"location in a flow", func() telegramtest.Update {
			return message(busy, map[string]any{"location": map[string]any{"latitude": 45.07, "longitude": 7.69}})
		}, busy.ID, "Rispondi con i pulsanti, per favore.", ""},
		{"voice", func() telegramtest.Update {
			return message(idle, map[string]any{"voice": map[string]any{"file_id": "v", "file_unique_id": "uv", "duration": 3}})
		}, idle.ID, "I did not understand that. Type /help to see what I can do.", ""},
		{"edited message", func() telegramtest.Update { return telegramtest.Edited(s.TextMessage(idle, "/help")) },
			idle.ID, "I do not read changes to messages already sent. If you meant something else, please send it again as a new message.", ""},
		{"channel post", func() telegramtest.Update {
			return telegramtest.Update{"channel_post": map[string]any{"message_id": 1, "date": 1, "chat": channel, "text": "/help"}}
		}, channel["id"].(int64), "", ""},
		{"group chatter", func() telegramtest.Update { return s.GroupMessage(group, idle, "hello all", 0) },
			group.ID, "", ""},
		{"group command for another bot", func() telegramtest.Update { return s.GroupMessage(group, idle, "/help@other_bot", 0) },
			group.ID, "", ""},
		{"bot blocked", func() telegramtest.Update {
			return telegramtest.Update{"my_chat_member": map[string]any{"chat": map[string]any{"id": idle.ID, "type": "private"},
				"from": map[string]any{"id": idle.ID, "is_bot": false, "first_name": "Ada"}, "date": 1,
				"old_chat_member": map[string]any{"status": "member", "user": map[string]any{"id": telegramtest.BotID, "is_bot": true, "first_name": "Bot"}},
				"new_chat_member": map[string]any{"status": "kicked", "until_date": 0, "user": map[string]any{"id": telegramtest.BotID, "is_bot": true, "first_name": "Bot"}}}}
		}, idle.ID, "", ""},
		{"forged button", func() telegramtest.Update { return s.Press(idle, env.Last(idle.ID), "9:apply:x::") },
			idle.ID, "", "This button is not valid."},
		{"button of another flow run", func() telegramtest.Update { return s.Press(busy, env.Last(busy.ID), "1:apply:degree:000000:bachelor") },
			busy.ID, "", "Questo pulsante è scaduto. Ricomincia, per favore."},
		{"overlong button data", func() telegramtest.Update { return s.Press(idle, env.Last(idle.ID), strings.Repeat("1:", 40)) },
			idle.ID, "", "This button is not valid."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := env.Inject(tt.update())
			if got := r.Text(tt.to); got != tt.want && !(tt.want != "" && strings.HasPrefix(got, tt.want)) {
				t.Errorf("%s answered %q; want %q", tt.name, got, tt.want)
			}
			if len(r.Messages) != len(r.To(tt.to)) {
				t.Errorf("%s made the bot write to other chats:%s", tt.name, r)
			}
			if r.Notice() != tt.notice {
				t.Errorf("%s toast = %q; want %q", tt.name, r.Notice(), tt.notice)
			}
		})
	}

	// None of it moved Bruno on: his degree buttons still work.
	r := env.Press(busy, "Laurea triennale")
	bottest.WantText(t, r, busy.ID, "Passo 2 di 9")

	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		for _, m := range f.GetMetric() {
			if f.GetName() == "mentorbot_updates_total" && label(m, "kind") == "panic" && m.GetCounter().GetValue() != 0 {
				t.Errorf("%v updates panicked; want none", m.GetCounter().GetValue())
			}
		}
	}
}

func label(m *dto.Metric, name string) string {
	for _, l := range m.GetLabel() {
		if l.GetName() == name {
			return l.GetValue()
		}
	}
	return ""
}
