package flows

import (
	"context"
	"errors"
	"slices"

	"github.com/mentorbot/mentorbot/flows/records"
	"github.com/mentorbot/mentorbot/locales"
)

// Command menus: the list Telegram shows when one types "/". Each
// command's registration (its role, its scope, its help) decides the
// menus, as it decides what /help lists:
//
//   - every private chat shows the commands anyone may run there, and
//     every group the commands of a committee's group; the Telegram
//     edge sets both at start, in each language (Menus.Of);
//   - a person whose roles give them private commands that everyone's
//     menu lacks (staff, today: mentors and committee members have none
//     of their own in private) has a menu of their own in their private
//     chat, in their language.
//
// A personal menu changes when a turn changes someone's roles, and a
// turn never calls Telegram (its handler may run twice). So the menu
// is an effect, like a message: the turn queues it as a Message whose
// Menu is set, to the person's chat; it is committed to the durable
// outbox with the turn, and the sender sets it (setMyCommands for that
// one chat) once the turn committed, in order with the chat's messages
// and retried like them. A turn queues the whole menu, not a change to
// it, so a repeat is harmless and the last one queued is right; a menu
// without commands deletes the chat's own (deleteMyCommands), and the
// chat shows every private chat's again. Roles that need no turn, those
// of the programme file, get their menus at start (Menus.Personal).

// MenuCommand is one entry of a command menu.
type MenuCommand struct {
	// Name is the command, without its slash.
	Name string
	// Description is its help, in the menu's language.
	Description string
}

// Menu is the command menu of one private chat of its own, carried by
// Message.Menu to the chat of the message. No Commands deletes the
// chat's own menu.
type Menu struct {
	Commands []MenuCommand `json:",omitempty"`
	// App, when set, makes the chat's menu button open the staff
	// workspace (a Mini App) rather than the list of commands: for
	// staff and committee members, when Config.WorkspaceURL is set.
	App *MenuApp `json:",omitempty"`
}

// ofItsOwn reports whether m differs from every private chat's: it has
// commands of its own or opens the workspace.
func (m Menu) ofItsOwn() bool { return len(m.Commands) > 0 || m.App != nil }

// MenuApp is a menu button opening a Mini App page.
type MenuApp struct {
	Text string
	URL  string
}

// Menus tells which commands the menus show.
type Menus struct{ e *Engine }

// MenusOf returns the menus of e's commands.
func MenusOf(e *Engine) Menus { return Menus{e: e} }

// Of returns the menu of every chat of scope, in lang, in registration
// order, never nil: in private chats the commands anyone may run there,
// in groups the commands of a committee's group (only a committee is
// heard in its group).
func (m Menus) Of(scope Scope, lang string) []MenuCommand {
	out := []MenuCommand{}
	for _, name := range m.e.order {
		c := m.e.commands[name]
		if c.Help == "" || c.Scope != scope || (scope == InPrivate && c.Role != records.RoleAnyone) {
			continue
		}
		out = append(out, MenuCommand{Name: name, Description: m.e.cat.T(lang, c.Help, nil)})
	}
	return out
}

// Personal returns a Message carrying the menu of each person with a
// menu of their own, in their language, for the Telegram edge to queue
// at start: the programme file gives roles without any turn, and a
// start also brings menus up to date with a release's commands and a
// person's language. Only people who opened their private chat with
// the bot are included: Telegram knows no other chat. It returns the
// store's error.
func (m Menus) Personal(ctx context.Context) ([]Message, error) {
	ids, err := m.holders(ctx)
	if err != nil {
		return nil, err
	}
	profiles, err := m.e.rec.ProfilesByID(ctx, ids)
	if err != nil {
		return nil, err
	}
	var out []Message
	for _, id := range ids {
		p, ok := profiles[id]
		if !ok || !p.Started {
			continue
		}
		lang := p.Lang
		if lang == "" {
			lang = locales.Default
		}
		menu, err := m.personal(ctx, m.e.rec, id, lang)
		if err != nil {
			return nil, err
		}
		if menu.ofItsOwn() {
			out = append(out, Message{ChatID: id, Menu: &menu})
		}
	}
	return out, nil
}

// holders lists everyone who may hold a role: the role holders /people
// lists, and the committee members named in the programme file.
func (m Menus) holders(ctx context.Context) ([]int64, error) {
	// holdersOf reads through a turn; this one only reads the records.
	hs, err := holdersOf(&Turn{ctx: ctx, e: m.e, rec: m.e.rec}, peopleAll)
	if err != nil {
		return nil, err
	}
	var ids []int64
	for _, h := range hs {
		ids = append(ids, h.ID)
	}
	for _, u := range m.e.program.Universities {
		ids = append(ids, u.Members...)
	}
	slices.Sort(ids)
	return slices.Compact(ids), nil
}

// personal is the menu of userID's private chat, in lang, as db (a
// turn's view, in a turn) has their roles: the private commands they
// may run, in registration order, as /help lists them, when their roles
// give them any that everyone's menu lacks; no commands otherwise.
func (m Menus) personal(ctx context.Context, db *records.DB, userID int64, lang string) (Menu, error) {
	r := roster{rec: db, program: m.e.program}
	held := map[records.Role]bool{records.RoleAnyone: true}
	var menu Menu
	own := false
	for _, name := range m.e.order {
		c := m.e.commands[name]
		if c.Help == "" || c.Scope != InPrivate {
			continue
		}
		ok, known := held[c.Role]
		if !known {
			var err error
			if ok, err = holdsInPrivate(ctx, r, userID, c.Role); err != nil {
				return Menu{}, err
			}
			held[c.Role] = ok
		}
		if !ok {
			continue
		}
		own = own || c.Role != records.RoleAnyone
		menu.Commands = append(menu.Commands, MenuCommand{Name: name, Description: m.e.cat.T(lang, c.Help, nil)})
	}
	app, err := m.workspaceButton(ctx, r, userID, lang)
	if err != nil {
		return Menu{}, err
	}
	if !own {
		menu.Commands = nil
	}
	menu.App = app
	return menu, nil
}

// holdsInPrivate is the dispatcher's role check (Engine.holds) for
// userID in their private chat, reading r's records, which may be a
// turn's view with the turn's own changes to roles.
func holdsInPrivate(ctx context.Context, r roster, userID int64, role records.Role) (bool, error) {
	if role != records.RoleCommittee {
		return r.has(ctx, userID, userID, role)
	}
	uni, err := r.committeeOf(ctx, userID)
	return uni != "", err
}

// watchMenus notes whether each of ids has a menu of their own before
// the turn changes their roles. The function it returns, called once
// the turn changed them, queues the menu of each who had one or has
// one now, as the turn leaves their roles, in their language. An
// engine that does not commit to the durable outbox (the console)
// shows no menus: there both do nothing.
func watchMenus(t *Turn, ids ...int64) (func() error, error) {
	if !t.e.outbox {
		return func() error { return nil }, nil
	}
	m := MenusOf(t.e)
	had := make([]bool, len(ids))
	for i, id := range ids {
		menu, err := m.personal(t.ctx, t.rec, id, t.LangOf(id))
		if err != nil {
			return nil, err
		}
		had[i] = menu.ofItsOwn()
	}
	return func() error {
		for i, id := range ids {
			menu, err := m.personal(t.ctx, t.rec, id, t.LangOf(id))
			if err != nil {
				return err
			}
			if had[i] || menu.ofItsOwn() {
				t.Send(Message{ChatID: id, Menu: &menu})
			}
		}
		return nil
	}, nil
}

// queueOwnMenu queues userID's menu of their own, when their roles give
// them one; nothing changes their roles in between, so watchMenus's
// look before and after would read them twice.
func queueOwnMenu(t *Turn, userID int64) error {
	if !t.e.outbox {
		return nil
	}
	menu, err := MenusOf(t.e).personal(t.ctx, t.rec, userID, t.LangOf(userID))
	if err != nil || !menu.ofItsOwn() {
		return err
	}
	t.Send(Message{ChatID: userID, Menu: &menu})
	return nil
}

// watchInviteMenus is watchMenus for the redemption of the invite whose
// link carries token: the sender's menu, and for a mentor's link the
// menu of the project's mentor, whom the sender replaces.
func watchInviteMenus(t *Turn, token string) (func() error, error) {
	ids := []int64{t.Event.From.ID}
	inv, err := invitesOf(t).lookUp(t.ctx, token)
	switch {
	case errors.Is(err, ErrInviteInvalid): // the redemption refuses it
	case err != nil:
		return nil, err
	case inv.Role == records.RoleMentor:
		mentor, err := rosterOf(t).mentorOf(t.ctx, inv.Project)
		if err != nil {
			return nil, err
		}
		if mentor != 0 && mentor != t.Event.From.ID {
			ids = append(ids, mentor)
		}
	}
	return watchMenus(t, ids...)
}

// workspaceButton is the menu button of userID's chat: the workspace,
// for staff and committee members when it has an address; nil (the
// commands) for everyone else.
func (m Menus) workspaceButton(ctx context.Context, r roster, userID int64, lang string) (*MenuApp, error) {
	if m.e.workspaceURL == "" {
		return nil, nil
	}
	staff, err := holdsInPrivate(ctx, r, userID, records.RoleStaff)
	if err != nil {
		return nil, err
	}
	committee := false
	if !staff {
		if committee, err = holdsInPrivate(ctx, r, userID, records.RoleCommittee); err != nil {
			return nil, err
		}
	}
	if staff || committee {
		return &MenuApp{Text: m.e.cat.T(lang, "workspace.menu", nil), URL: m.e.workspaceURL}, nil
	}
	return nil, nil
}
