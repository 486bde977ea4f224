package bot_test

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/mentorbot/mentorbot/bot"
	"github.com/mentorbot/mentorbot/bot/bottest"
	"github.com/mentorbot/mentorbot/bot/telegramtest"
	"github.com/mentorbot/mentorbot/flows/records"
	"github.com/mentorbot/mentorbot/locales"
)

// People of the menu tests. menuStaffID is the staff member of the test
// programme (flows/testdata/program.toml), menuCommittee its committee
// members of unimi, whose group is menuGroup.
const (
	menuStaffID   = 100000001
	menuInviteeID = 700000001
	menuStudentID = 700000100 // and the next ids, one per language
	menuGroup     = -1001000000001
)

var menuCommittee = []int64{400000001, 400000002, 400000011}

// helpLists runs /help as u and returns the commands it lists, with
// their descriptions: those u may run in their private chat, and those
// of their committee's group. The menus must say what /help says, which
// the flows derive from each command's registration (its role, scope
// and help), in u's language.
func helpLists(env *bottest.Env, u telegramtest.User) (private, group []telegramtest.Command) {
	env.TB.Helper()
	cat := env.Engine.Catalog()
	lang := cat.Match(u.LanguageCode)
	if p, err := env.Records.Profile(context.Background(), u.ID); err == nil && p.Lang != "" {
		lang = p.Lang
	}
	if lang == "" {
		lang = locales.Default
	}
	groupHeading := cat.T(lang, "scope.help_group", nil)
	r := env.Command(u, "help", "")
	inGroup := false
	for _, line := range strings.Split(r.Text(u.ID), "\n") {
		if line == groupHeading {
			inGroup = true
		}
		name, desc, ok := strings.Cut(line, " - ")
		if !ok || !strings.HasPrefix(name, "/") {
			continue
		}
		c := telegramtest.Command{Command: strings.TrimPrefix(name, "/"), Description: desc}
		if inGroup {
			group = append(group, c)
		} else {
			private = append(private, c)
		}
	}
	if len(private) == 0 {
		env.TB.Fatalf("/help as %d listed no command:%s", u.ID, r)
	}
	return private, group
}

// wantCommands fails unless got is want, in order.
func wantCommands(tb testing.TB, what string, got, want []telegramtest.Command) {
	tb.Helper()
	if !slices.Equal(got, want) {
		tb.Errorf("%s = %q\nwant what /help lists: %q", what, got, want)
	}
}

// TestMenusAtStartFollowTheRegistration: at start the bot sets the menu
// of all private chats and of all groups, in every language of the
// catalog and without a language, each listing what /help lists in that
// language: everyone's private commands, and a committee's group
// commands.
func TestMenusAtStartFollowTheRegistration(t *testing.T) {
	env := bottest.Start(t)
	env.Server.WaitCalls("setChatMenuButton", 1) // after every menu
	langs := append([]string{""}, env.Engine.Catalog().Languages()...)
	for i, lang := range langs {
		t.Run("lang="+lang, func(t *testing.T) {
			private, _ := helpLists(env, bottest.User(menuStudentID+int64(i), "Ada", lang))
			// One committee member asks /help in each language in turn.
			member := menuCommittee[0]
			if err := env.Records.SaveProfile(context.Background(), records.Profile{UserID: member, FirstName: "Carla", Lang: lang, Started: true}); err != nil {
				t.Fatal(err)
			}
			_, group := helpLists(env, bottest.User(member, "Carla", lang))
			if len(group) == 0 {
				t.Fatalf("/help of committee member %d lists no group command", member)
			}
			for _, c := range []struct {
				scope string
				want  []telegramtest.Command
			}{
				{telegramtest.ScopeAllPrivateChats, private},
				{telegramtest.ScopeAllGroupChats, group},
			} {
				got, ok := env.Server.CommandsFor(telegramtest.CommandScope{Type: c.scope}, lang)
				if !ok {
					t.Errorf("no menu set for scope %s, language %q; calls:%v", c.scope, lang, env.Server.CommandsCalls())
					continue
				}
				wantCommands(t, "menu of "+c.scope+" in "+strconv.Quote(lang), got, c.want)
			}
			wantCommands(t, "what a committee member sees in the group", env.Server.Menu(menuGroup, member, lang), group)
		})
	}
}

// ownMenuCall waits for the n-th setMyCommands or deleteMyCommands
// call for chatID's own menu and returns the latest such call.
func ownMenuCall(env *bottest.Env, chatID int64, n int) telegramtest.CommandsCall {
	env.TB.Helper()
	calls := env.Server.WaitCommandsCalls("for the own menu of "+strconv.FormatInt(chatID, 10), n,
		func(c telegramtest.CommandsCall) bool { return c.Scope == telegramtest.ChatScope(chatID) })
	return calls[len(calls)-1]
}

// TestStaffInviteGivesAMenuAndRevokeTakesItBack: joining as staff
// through an invite sets a menu of the person's own, in their language,
// with the staff commands besides everyone's, as /help now lists them;
// /revoke of the role deletes it, and their chat shows everyone's menu
// again.
func TestStaffInviteGivesAMenuAndRevokeTakesItBack(t *testing.T) {
	env := bottest.Start(t)
	staff := bottest.User(menuStaffID, "Sara", "en")
	everyone, _ := helpLists(env, bottest.User(menuStudentID, "Ada", "it"))
	payload := invite(env, staff, "staff")

	nora := bottest.User(menuInviteeID, "Nora", "it")
	env.Command(nora, "start", payload)
	call := ownMenuCall(env, nora.ID, 1)
	asStaff, _ := helpLists(env, nora)
	if call.Method != "setMyCommands" || call.LanguageCode != "" {
		t.Fatalf("own menu of the new staff member set by %s for language %q; want setMyCommands without a language", call.Method, call.LanguageCode)
	}
	wantCommands(t, "own menu of the new staff member", call.Commands, asStaff)
	if extra := slices.DeleteFunc(slices.Clone(asStaff), func(c telegramtest.Command) bool {
		return slices.Contains(everyone, c)
	}); len(extra) == 0 || len(asStaff) != len(everyone)+len(extra) {
		t.Errorf("own menu %q; want everyone's %q and the staff commands", telegramtest.Names(asStaff), telegramtest.Names(everyone))
	}
	wantCommands(t, "what the new staff member sees", env.Server.Menu(nora.ID, nora.ID, "it"), asStaff)

	env.Command(staff, "revoke", strconv.FormatInt(nora.ID, 10)+" staff")
	env.Press(staff, env.Engine.Catalog().T("en", "revoke.yes", nil))
	call = ownMenuCall(env, nora.ID, 2)
	if call.Method != "deleteMyCommands" || call.LanguageCode != "" {
		t.Errorf("after /revoke the own menu was changed by %s for language %q; want deleteMyCommands", call.Method, call.LanguageCode)
	}
	after, _ := helpLists(env, nora)
	wantCommands(t, "/help after /revoke", after, everyone)
	wantCommands(t, "what the revoked staff member sees", env.Server.Menu(nora.ID, nora.ID, "it"), everyone)
	if _, ok := env.Server.CommandsFor(telegramtest.ChatScope(nora.ID), ""); ok {
		t.Errorf("the revoked staff member's chat keeps a menu of its own")
	}
}

// seedStaffProfile makes the programme file's staff member someone who
// opened the bot, in lang, before the bot starts.
func seedStaffProfile(tb testing.TB, lang string) bottest.Option {
	return bottest.WithConfig(func(cfg *bot.Config) {
		p := records.Profile{UserID: menuStaffID, FirstName: "Sara", Lang: lang, Started: true}
		if err := cfg.Engine.Records().SaveProfile(context.Background(), p); err != nil {
			tb.Fatal(err)
		}
	})
}

// TestProgrammeStaffGetTheirMenuAtStart: the staff member named in the
// programme file, who has used the bot before, gets their own menu when
// the bot starts, in their language, though no turn granted their role.
func TestProgrammeStaffGetTheirMenuAtStart(t *testing.T) {
	env := bottest.Start(t, seedStaffProfile(t, "it"),
		bottest.WithServer(func(s *telegramtest.Server) { s.Know(menuStaffID) }))
	call := ownMenuCall(env, menuStaffID, 1)
	want, _ := helpLists(env, bottest.User(menuStaffID, "Sara", "it"))
	if call.Method != "setMyCommands" {
		t.Fatalf("own menu of the programme's staff member changed by %s; want setMyCommands", call.Method)
	}
	wantCommands(t, "own menu of the programme's staff member", call.Commands, want)
}

// TestMenuTelegramRefusesLeavesThePersonReachable: a person's own menu
// for a chat Telegram does not know (400 chat not found) is dropped
// without marking the person unreachable, as a refused message would.
func TestMenuTelegramRefusesLeavesThePersonReachable(t *testing.T) {
	env := bottest.Start(t, seedStaffProfile(t, "en"))
	// Both scopes in each language and without one, then the staff's.
	env.Server.WaitCalls("setMyCommands", 2*(len(env.Engine.Catalog().Languages())+1)+1)
	ctx, cancel := context.WithTimeout(context.Background(), telegramtest.DefaultTimeout)
	defer cancel()
	if err := env.Bot.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if calls := env.Server.CommandsCalls(); slices.ContainsFunc(calls, func(c telegramtest.CommandsCall) bool {
		return c.Scope == telegramtest.ChatScope(menuStaffID)
	}) {
		t.Fatalf("Telegram accepted a menu for a chat it does not know:%v", calls)
	}
	p, err := env.Records.Profile(ctx, menuStaffID)
	if err != nil || p.Blocked {
		t.Errorf("Profile(staff) = %+v, %v; want them still reachable", p, err)
	}
}

// TestOwnMenuFollowsFirstStartAndLanguage: the programme file's staff
// member, who had never opened the bot when it started, gets their own
// menu at their first /start; choosing another language sets it again
// in that language.
func TestOwnMenuFollowsFirstStartAndLanguage(t *testing.T) {
	env := bottest.Start(t)
	staff := bottest.User(menuStaffID, "Sara", "en")
	env.Command(staff, "start", "")
	if call := ownMenuCall(env, staff.ID, 1); call.Method != "setMyCommands" {
		t.Fatalf("own menu at the first /start set by %s; want setMyCommands", call.Method)
	}
	env.Command(staff, "language", "")
	env.Press(staff, "Italiano")
	call := ownMenuCall(env, staff.ID, 2)
	want, _ := helpLists(env, bottest.User(menuStaffID, "Sara", "it"))
	if call.Method != "setMyCommands" {
		t.Fatalf("own menu after /language set by %s; want setMyCommands", call.Method)
	}
	wantCommands(t, "own menu in the new language", call.Commands, want)
}

// TestOwnMenuGoesWithErasure: a staff member who joined by invite and
// erases their data with /deletemydata loses their own menu with their
// role.
func TestOwnMenuGoesWithErasure(t *testing.T) {
	env := bottest.Start(t)
	staff := bottest.User(menuStaffID, "Sara", "en")
	nora := bottest.User(menuInviteeID, "Nora", "en")
	env.Command(nora, "start", invite(env, staff, "staff"))
	ownMenuCall(env, nora.ID, 1)
	env.Command(nora, "deletemydata", "")
	env.Press(nora, env.Engine.Catalog().T("en", "mydata.delete_yes", nil))
	if call := ownMenuCall(env, nora.ID, 2); call.Method != "deleteMyCommands" {
		t.Errorf("own menu after /deletemydata changed by %s; want deleteMyCommands", call.Method)
	}
}

// flush waits until the outbox sent everything queued.
func flush(env *bottest.Env) {
	env.TB.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), telegramtest.DefaultTimeout)
	defer cancel()
	if err := env.Bot.Flush(ctx); err != nil {
		env.TB.Fatal(err)
	}
}

// TestWorkspaceButtonFollowsTheRole: with a workspace address, a staff
// member's chat gets the workspace as its menu button and
// /applications offers it, a committee member named in the programme
// file gets the button at start, and /revoke gives the chat back the
// commands: a revoked person keeps no way into the workspace (which
// would refuse them anyway).
func TestWorkspaceButtonFollowsTheRole(t *testing.T) {
	const url = "https://bot.example.org/app/"
	member := menuCommittee[0]
	env := bottest.Start(t, bottest.WithWorkspace(url),
		bottest.WithConfig(func(cfg *bot.Config) {
			p := records.Profile{UserID: member, FirstName: "Carla", Lang: "it", Started: true}
			if err := cfg.Engine.Records().SaveProfile(context.Background(), p); err != nil {
				t.Fatal(err)
			}
		}),
		bottest.WithServer(func(s *telegramtest.Server) { s.Know(member) }))
	// The personal menus are queued once the bot started; the call for
	// the member's commands comes before the one for their button.
	ownMenuCall(env, member, 1)
	flush(env)
	cat := env.Engine.Catalog()
	if got := env.Server.ChatMenuButton(member); got != (telegramtest.MenuButton{Type: "web_app", Text: cat.T("it", "workspace.menu", nil), URL: url}) {
		t.Errorf("menu button of committee member %d at start = %+v; want the workspace in Italian", member, got)
	}

	staff := bottest.User(menuStaffID, "Sara", "en")
	payload := invite(env, staff, "staff")
	nora := bottest.User(menuInviteeID, "Nora", "it")
	env.Command(nora, "start", payload)
	flush(env)
	if got := env.Server.ChatMenuButton(nora.ID); got.Type != "web_app" || got.URL != url {
		t.Errorf("menu button of the new staff member = %+v; want the workspace", got)
	}
	r := env.Command(nora, "applications", "")
	var offered bool
	for _, m := range r.To(nora.ID) {
		for _, row := range m.Buttons {
			for _, b := range row {
				offered = offered || b.WebApp == url
			}
		}
	}
	if !offered {
		t.Errorf("/applications offers no workspace button:%s", r)
	}

	env.Command(staff, "revoke", strconv.FormatInt(nora.ID, 10)+" staff")
	env.Press(staff, cat.T("en", "revoke.yes", nil))
	flush(env)
	if got := env.Server.ChatMenuButton(nora.ID); got.Type != "commands" {
		t.Errorf("menu button after /revoke = %+v; want the commands again", got)
	}
	if got := env.Server.ChatMenuButton(menuStudentID); got.Type != "" {
		t.Errorf("a student's menu button was set: %+v", got)
	}
}
