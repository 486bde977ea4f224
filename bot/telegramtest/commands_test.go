package telegramtest_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/mentorbot/mentorbot/bot/telegramtest"
)

func commands(names ...string) []models.BotCommand {
	out := make([]models.BotCommand, len(names))
	for i, n := range names {
		out[i] = models.BotCommand{Command: n, Description: "does " + n}
	}
	return out
}

// TestMenusFollowTelegramsRules sets lists for several scopes and
// languages through the real client and reads what a user sees as
// Telegram determines it: a chat's own list first, then its kind of
// chat's, then the default scope's, each in the user's language first.
func TestMenusFollowTelegramsRules(t *testing.T) {
	s := telegramtest.NewServer(t)
	c := newClient(t, s)
	ctx := context.Background()
	const user, group = 42, -100123
	s.Know(user, group)
	for _, p := range []*tgbot.SetMyCommandsParams{
		{Commands: commands("start")},
		{Commands: commands("help"), Scope: &models.BotCommandScopeAllPrivateChats{}},
		{Commands: commands("aiuto"), Scope: &models.BotCommandScopeAllPrivateChats{}, LanguageCode: "it"},
		{Commands: commands("tickets"), Scope: &models.BotCommandScopeAllGroupChats{}},
		{Commands: commands("help", "invite"), Scope: &models.BotCommandScopeChat{ChatID: user}},
	} {
		if _, err := c.SetMyCommands(ctx, p); err != nil {
			t.Fatalf("SetMyCommands(%+v) = %v", p, err)
		}
	}
	for _, tc := range []struct {
		name         string
		chat, user   int64
		lang         string
		wantCommands []string
	}{
		{"private chat, English", 7, 7, "en", []string{"help"}},
		{"private chat, Italian", 7, 7, "it", []string{"aiuto"}},
		{"chat of its own", user, user, "it", []string{"help", "invite"}},
		{"group", group, 7, "en", []string{"tickets"}},
	} {
		if got := telegramtest.Names(s.Menu(tc.chat, tc.user, tc.lang)); !slices.Equal(got, tc.wantCommands) {
			t.Errorf("%s: Menu(%d, %d, %q) = %q; want %q", tc.name, tc.chat, tc.user, tc.lang, got, tc.wantCommands)
		}
	}
	if got := telegramtest.Names(s.Commands("it")); !slices.Equal(got, []string{"aiuto"}) {
		t.Errorf("Commands(it) = %q; want the Italian list of private chats", got)
	}

	if _, err := c.DeleteMyCommands(ctx, &tgbot.DeleteMyCommandsParams{Scope: &models.BotCommandScopeChat{ChatID: user}}); err != nil {
		t.Fatal(err)
	}
	if got := telegramtest.Names(s.Menu(user, user, "en")); !slices.Equal(got, []string{"help"}) {
		t.Errorf("after deleteMyCommands the chat shows %q; want the list of private chats", got)
	}
	got, err := c.GetMyCommands(ctx, &tgbot.GetMyCommandsParams{Scope: &models.BotCommandScopeAllGroupChats{}})
	if err != nil || len(got) != 1 || got[0].Command != "tickets" {
		t.Errorf("GetMyCommands(all_group_chats) = %+v, %v; want tickets", got, err)
	}
	calls := s.CommandsCalls()
	if len(calls) != 6 || calls[5].Method != "deleteMyCommands" || calls[5].Scope != telegramtest.ChatScope(user) {
		t.Errorf("CommandsCalls() = %v; want the five lists and the deletion", calls)
	}
}

// TestMenusRefuseWhatTelegramRefuses posts requests Telegram answers
// 400: nothing is set or recorded.
func TestMenusRefuseWhatTelegramRefuses(t *testing.T) {
	s := telegramtest.NewServer(t)
	s.Know(42)
	ok := `[{"command":"help","description":"what I can do"}]`
	for _, tc := range []struct {
		name, method, commands, scope, lang, want string
	}{
		{"scope not JSON", "setMyCommands", ok, `{"type":`, "", "can't parse BotCommandScope JSON object"},
		{"unknown scope type", "setMyCommands", ok, `{"type":"everyone"}`, "", "unsupported type"},
		{"scope without type", "deleteMyCommands", "", `{"chat_id":42}`, "", `"type"`},
		{"chat scope without chat", "setMyCommands", ok, `{"type":"chat"}`, "", `"chat_id"`},
		{"chat unknown to the bot", "setMyCommands", ok, `{"type":"chat","chat_id":43}`, "", "chat not found"},
		{"chat member without user", "setMyCommands", ok, `{"type":"chat_member","chat_id":42}`, "", "user_id"},
		{"language of three letters", "setMyCommands", ok, "", "ita", "invalid language code"},
		{"language with a region", "deleteMyCommands", "", "", "it-IT", "invalid language code"},
		{"commands not a list", "setMyCommands", "null", "", "", "Array of BotCommand"},
		{"command with a capital", "setMyCommands", `[{"command":"Help","description":"x"}]`, "", "", "BOT_COMMAND_INVALID"},
		{"command without description", "setMyCommands", `[{"command":"help","description":""}]`, "", "", "description"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			form := url.Values{}
			for k, v := range map[string]string{"commands": tc.commands, "scope": tc.scope, "language_code": tc.lang} {
				if v != "" {
					form.Set(k, v)
				}
			}
			resp, err := http.PostForm(s.URL()+"/bot"+s.Token()+"/"+tc.method, form)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var body struct{ Description string }
			if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body.Description, tc.want) {
				t.Errorf("%s = %d %q; want 400 naming %q", tc.method, resp.StatusCode, body.Description, tc.want)
			}
		})
	}
	if calls := s.CommandsCalls(); len(calls) != 0 {
		t.Errorf("CommandsCalls() = %v; want none accepted", calls)
	}
}

// TestChatsOfFetchedUpdatesAreKnown: once the bot fetched an update
// from a user, Telegram knows their chat and takes a list for it.
func TestChatsOfFetchedUpdatesAreKnown(t *testing.T) {
	s := telegramtest.NewServer(t)
	c := newClient(t, s)
	ctx := context.Background()
	u := telegramtest.User{ID: 77, FirstName: "Ada"}
	set := func() error {
		_, err := c.SetMyCommands(ctx, &tgbot.SetMyCommandsParams{Commands: commands("help"), Scope: &models.BotCommandScopeChat{ChatID: u.ID}})
		return err
	}
	if err := set(); err == nil || !strings.Contains(err.Error(), "chat not found") {
		t.Fatalf("SetMyCommands for a user who never wrote = %v; want chat not found", err)
	}
	s.Inject(s.TextMessage(u, "hi"))
	resp, err := http.Get(s.URL() + "/bot" + s.Token() + "/getUpdates")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if err := set(); err != nil {
		t.Errorf("SetMyCommands after the user wrote = %v; want it set", err)
	}
}
