package telegramtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// Command menus: setMyCommands, deleteMyCommands and getMyCommands, as
// the Bot API has them (https://core.telegram.org/bots/api#setmycommands):
// a list per scope and language, a scope being a JSON BotCommandScope
// and the language a two-letter code or none. The server keeps the
// lists, records every call that changed one, and answers what a user
// sees in a chat by Telegram's rules
// (https://core.telegram.org/bots/api#determining-list-of-commands).

// The scope types of the Bot API.
const (
	ScopeDefault               = "default"
	ScopeAllPrivateChats       = "all_private_chats"
	ScopeAllGroupChats         = "all_group_chats"
	ScopeAllChatAdministrators = "all_chat_administrators"
	ScopeChat                  = "chat"
	ScopeChatAdministrators    = "chat_administrators"
	ScopeChatMember            = "chat_member"
)

// CommandScope is a BotCommandScope as the bot sent it.
type CommandScope struct {
	Type string
	// ChatID is the chat of the chat, chat_administrators and
	// chat_member scopes.
	ChatID int64
	// UserID is the member of the chat_member scope.
	UserID int64
}

// ChatScope is the scope of one chat's own commands.
func ChatScope(chatID int64) CommandScope { return CommandScope{Type: ScopeChat, ChatID: chatID} }

// String renders the scope for failure messages.
func (c CommandScope) String() string {
	switch c.Type {
	case ScopeChat, ScopeChatAdministrators:
		return fmt.Sprintf("%s(%d)", c.Type, c.ChatID)
	case ScopeChatMember:
		return fmt.Sprintf("%s(%d, %d)", c.Type, c.ChatID, c.UserID)
	}
	return c.Type
}

// CommandsCall is one setMyCommands or deleteMyCommands call the server
// accepted.
type CommandsCall struct {
	// Method is "setMyCommands" or "deleteMyCommands".
	Method       string
	Scope        CommandScope
	LanguageCode string
	// Commands is the list set; none for deleteMyCommands.
	Commands []Command
}

// String renders the call for failure messages: its method, scope,
// language and command names.
func (c CommandsCall) String() string {
	return fmt.Sprintf("%s %s %q %q", c.Method, c.Scope, c.LanguageCode, c.Names())
}

// Names returns the names of the commands of the call, in order.
func (c CommandsCall) Names() []string { return Names(c.Commands) }

// Names returns the names of cmds, in order.
func Names(cmds []Command) []string {
	out := make([]string, len(cmds))
	for i, c := range cmds {
		out[i] = c.Command
	}
	return out
}

// menuKey names one list: a scope in one language ("" for none).
type menuKey struct {
	scope CommandScope
	lang  string
}

// Know makes the chats ids known to the server, as if they had written
// to the bot before the test: a chat-scoped command list is accepted
// only for a known chat, else 400 "chat not found", as Telegram answers
// for a user who never opened the bot. The chats and senders of the
// updates the bot fetched with getUpdates are known already.
func (s *Server) Know(ids ...int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range ids {
		s.known[id] = true
	}
}

// knowUpdateLocked makes known every chat and sender that update
// names: the "id" of each "chat" and "from" object in it.
func (s *Server) knowUpdateLocked(update json.RawMessage) {
	var v any
	if json.Unmarshal(update, &v) != nil {
		return
	}
	var walk func(v any)
	walk = func(v any) {
		obj, ok := v.(map[string]any)
		if !ok {
			return
		}
		for k, sub := range obj {
			if inner, ok := sub.(map[string]any); ok && (k == "chat" || k == "from") {
				if id, ok := inner["id"].(float64); ok {
					s.known[int64(id)] = true
				}
			}
			walk(sub)
		}
	}
	walk(v)
}

// Commands returns the commands a private chat without a list of its
// own shows a user whose Telegram app speaks languageCode ("" for a
// language the bot has no list for): the list of all private chats in
// that language, else without a language, else the default scope's.
func (s *Server) Commands(languageCode string) []Command {
	return s.Menu(0, 0, languageCode)
}

// Menu returns the commands Telegram shows user userID in chat chatID
// (a user's id for their private chat, a negative id for a group) when
// their app speaks languageCode, by the Bot API's rules for determining
// the list of commands. The server knows no administrators, so the
// administrator scopes never apply.
func (s *Server) Menu(chatID, userID int64, languageCode string) []Command {
	s.mu.Lock()
	defer s.mu.Unlock()
	var chain []CommandScope
	if chatID < 0 {
		chain = []CommandScope{{Type: ScopeChatMember, ChatID: chatID, UserID: userID}, ChatScope(chatID), {Type: ScopeAllGroupChats}}
	} else {
		chain = []CommandScope{ChatScope(chatID), {Type: ScopeAllPrivateChats}}
	}
	chain = append(chain, CommandScope{Type: ScopeDefault})
	for _, scope := range chain {
		for _, lang := range []string{languageCode, ""} {
			if cmds, ok := s.menus[menuKey{scope, lang}]; ok {
				return append([]Command(nil), cmds...)
			}
		}
	}
	return nil
}

// CommandsFor returns the list set for exactly scope in languageCode
// ("" for none), and whether one is.
func (s *Server) CommandsFor(scope CommandScope, languageCode string) ([]Command, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cmds, ok := s.menus[menuKey{scope, languageCode}]
	return append([]Command(nil), cmds...), ok
}

// CommandsCalls returns the setMyCommands and deleteMyCommands calls
// the server accepted, in order.
func (s *Server) CommandsCalls() []CommandsCall {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]CommandsCall(nil), s.menuCalls...)
}

// WaitCommandsCalls waits until at least n accepted setMyCommands or
// deleteMyCommands calls match, and returns those that do, in order.
func (s *Server) WaitCommandsCalls(what string, n int, match func(CommandsCall) bool) []CommandsCall {
	s.tb.Helper()
	var found []CommandsCall
	s.wait(func() string {
		return fmt.Sprintf("want %d commands calls %s, have:%s", n, what, dumpCalls(s.menuCalls))
	}, func() bool {
		found = found[:0]
		for _, c := range s.menuCalls {
			if match(c) {
				found = append(found, c)
			}
		}
		return len(found) >= n
	})
	return found
}

func dumpCalls(calls []CommandsCall) string {
	var b strings.Builder
	for _, c := range calls {
		b.WriteString("\n  " + c.String())
	}
	if len(calls) == 0 {
		b.WriteString(" none")
	}
	return b.String()
}

// setMyCommands handles setMyCommands: an empty list deletes the
// scope's list, as in Telegram.
func (s *Server) setMyCommands(p params) (any, *apiError) {
	cmds, aerr := p.commands()
	if aerr != nil {
		return nil, aerr
	}
	key, aerr := s.menuKey(p)
	if aerr != nil {
		return nil, aerr
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(cmds) == 0 {
		delete(s.menus, key)
	} else {
		s.menus[key] = cmds
	}
	s.menuCalls = append(s.menuCalls, CommandsCall{Method: "setMyCommands", Scope: key.scope, LanguageCode: key.lang, Commands: cmds})
	s.notifyLocked()
	return true, nil
}

// deleteMyCommands handles deleteMyCommands: the users of the scope see
// the next list by Telegram's rules.
func (s *Server) deleteMyCommands(p params) (any, *apiError) {
	key, aerr := s.menuKey(p)
	if aerr != nil {
		return nil, aerr
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.menus, key)
	s.menuCalls = append(s.menuCalls, CommandsCall{Method: "deleteMyCommands", Scope: key.scope, LanguageCode: key.lang})
	s.notifyLocked()
	return true, nil
}

// getMyCommands handles getMyCommands: the list of exactly the scope
// and language, empty when none is set.
func (s *Server) getMyCommands(p params) (any, *apiError) {
	key, aerr := s.menuKey(p)
	if aerr != nil {
		return nil, aerr
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Command{}, s.menus[key]...), nil
}

// commands reads the commands parameter: no parameter is an empty list;
// anything but an array of valid commands is refused.
func (p params) commands() ([]Command, *apiError) {
	raw := strings.TrimSpace(p.str("commands"))
	if raw == "" {
		return nil, nil
	}
	if !strings.HasPrefix(raw, "[") {
		return nil, badRequest("expected an Array of BotCommand")
	}
	var cmds []Command
	if err := json.Unmarshal([]byte(raw), &cmds); err != nil {
		return nil, badRequest("can't parse commands JSON object")
	}
	if len(cmds) > 100 {
		return nil, badRequest("too many commands")
	}
	for _, c := range cmds {
		if !validCommand(c.Command) {
			return nil, badRequest("BOT_COMMAND_INVALID")
		}
		if n := len([]rune(c.Description)); n < 1 || n > 256 {
			return nil, badRequest("command description is empty or too long")
		}
	}
	return cmds, nil
}

func validCommand(c string) bool {
	if len(c) < 1 || len(c) > 32 {
		return false
	}
	for _, r := range c {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_') {
			return false
		}
	}
	return true
}

// menuKey reads the scope and language_code parameters, refusing what
// Telegram refuses: a scope that is not a BotCommandScope, a language
// that is not two letters, a chat Telegram does not know.
func (s *Server) menuKey(p params) (menuKey, *apiError) {
	lang := p.str("language_code")
	if lang != "" && (len(lang) != 2 || !isLower(lang)) {
		return menuKey{}, badRequest("invalid language code specified")
	}
	scope, aerr := parseScope(p.str("scope"))
	if aerr != nil {
		return menuKey{}, aerr
	}
	if scope.ChatID != 0 {
		s.mu.Lock()
		known := s.known[scope.ChatID]
		s.mu.Unlock()
		if !known {
			return menuKey{}, badRequest("chat not found")
		}
	}
	return menuKey{scope: scope, lang: lang}, nil
}

func isLower(s string) bool {
	for _, r := range s {
		if r < 'a' || r > 'z' {
			return false
		}
	}
	return true
}

// parseScope reads a BotCommandScope; none is the default scope.
func parseScope(raw string) (CommandScope, *apiError) {
	if raw == "" {
		return CommandScope{Type: ScopeDefault}, nil
	}
	var w struct {
		Type   *string         `json:"type"`
		ChatID json.RawMessage `json:"chat_id"`
		UserID *int64          `json:"user_id"`
	}
	if err := json.Unmarshal([]byte(raw), &w); err != nil {
		return CommandScope{}, badRequest("can't parse BotCommandScope JSON object")
	}
	bad := func(format string, args ...any) (CommandScope, *apiError) {
		return CommandScope{}, badRequest("can't parse BotCommandScope: "+format, args...)
	}
	if w.Type == nil {
		return bad(`field "type" must be of type String`)
	}
	sc := CommandScope{Type: *w.Type}
	switch sc.Type {
	case ScopeDefault, ScopeAllPrivateChats, ScopeAllGroupChats, ScopeAllChatAdministrators:
		return sc, nil
	case ScopeChat, ScopeChatAdministrators, ScopeChatMember:
	default:
		return bad("unsupported type specified")
	}
	id, aerr := scopeChatID(w.ChatID)
	if aerr != nil {
		return CommandScope{}, aerr
	}
	sc.ChatID = id
	if sc.Type == ScopeChatMember {
		if w.UserID == nil || *w.UserID <= 0 {
			return bad("invalid user_id specified")
		}
		sc.UserID = *w.UserID
	}
	return sc, nil
}

// scopeChatID reads a scope's chat_id: a number, or a string holding
// one. A channel's @username names no chat the server knows.
func scopeChatID(raw json.RawMessage) (int64, *apiError) {
	s := strings.Trim(string(raw), `"`)
	switch {
	case len(raw) == 0 || string(raw) == "null":
		return 0, badRequest(`can't parse BotCommandScope: field "chat_id" must be of type String`)
	case s == "":
		return 0, badRequest("can't parse BotCommandScope: empty chat_id specified")
	}
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id == 0 {
		return 0, &apiError{code: http.StatusBadRequest, desc: "Bad Request: chat not found"}
	}
	return id, nil
}
