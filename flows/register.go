package flows

import (
	"fmt"
	"slices"

	"github.com/mentorbot/mentorbot/flows/records"
)

// Scope says in which chats a command or a flow's buttons work. Every
// registration names exactly one: what a person does for themselves,
// and whatever staff and mentors do, happens in their private chat with
// the bot; only a committee acts in its group. A command sent in the
// other kind of chat gets a pointer to the right one and does nothing
// else; a button pressed there is refused.
type Scope uint8

// The scopes. There is no default and no "anywhere".
const (
	// InPrivate is the person's private chat with the bot.
	InPrivate Scope = iota + 1
	// InGroup is a committee's group chat.
	InGroup
)

// allows reports whether s includes chats of type ct.
func (s Scope) allows(ct ChatType) bool {
	if isPrivate(ct) {
		return s == InPrivate
	}
	return s == InGroup
}

// valid reports whether s is one of the scopes.
func (s Scope) valid() bool { return s == InPrivate || s == InGroup }

// isPrivate reports whether ct is a private chat; the console's events
// have no chat type and are private.
func isPrivate(ct ChatType) bool { return ct == ChatPrivate || ct == "" }

// Step names what a chat's free input (text, files) goes to: the flow
// the chat is in, or the group handler.
type Step string

// flowStep is the step of a chat in flow.
func flowStep(flow string) Step { return Step(flow) }

// groupStep takes every message in a group chat that is not a command.
const groupStep Step = "group"

// Command is a slash command the bot understands.
type Command struct {
	Name string
	// Role the sender must hold; records.RoleAnyone for everybody.
	Role records.Role
	// Scope is where the command works.
	Scope Scope
	// Help is the locales id of the one-line description shown by /help
	// and registered with Telegram; empty hides the command.
	Help string
	Run  Handler
}

// buttonHandler handles the presses of a flow's buttons.
type buttonHandler struct {
	role  records.Role
	scope Scope
	run   Handler
}

// command registers c. A second command of the same name, or one
// without exactly one scope, is a programming error and panics at
// start.
func (e *Engine) command(c Command) {
	if _, dup := e.commands[c.Name]; dup {
		panic("flows: command registered twice: " + c.Name)
	}
	if !c.Scope.valid() || c.Run == nil {
		panic("flows: command without one scope or without handler: " + c.Name)
	}
	e.commands[c.Name] = c
	e.order = append(e.order, c.Name)
}

// onButton makes h handle the buttons of one run of flow (made with
// Turn.Button), pressed by someone holding role in a chat of scope.
// Such a button carries the run's nonce, which the dispatcher checks.
// Registering a flow's buttons twice panics, as do buttons without
// exactly one scope, and group buttons anyone may press: in a group
// only the committee of the group's university presses buttons.
func (e *Engine) onButton(flow string, role records.Role, scope Scope, h Handler) {
	if _, dup := e.buttons[flow]; dup {
		panic("flows: buttons registered twice: " + flow)
	}
	e.buttons[flow] = newButtonHandler(flow, role, scope, h)
}

// onLasting makes h handle the lasting buttons of flow with actions
// (made with Turn.LastingButton or newButton without a nonce), pressed
// by someone holding role in a chat of scope. A lasting button
// outlives the run of its flow: it carries no nonce, so its handler
// checks that the button's target (its Arg) still allows the action.
// Any other button without a nonce is refused as forged. Registering
// an action twice panics.
func (e *Engine) onLasting(flow string, role records.Role, scope Scope, h Handler, actions ...string) {
	if len(actions) == 0 {
		panic("flows: lasting buttons without actions: " + flow)
	}
	for _, a := range actions {
		key := lastingKey{flow, a}
		if _, dup := e.lasting[key]; dup {
			panic(fmt.Sprintf("flows: lasting button registered twice: %s %s", flow, a))
		}
		e.lasting[key] = newButtonHandler(flow+" "+a, role, scope, h)
	}
}

// lastingKey names a lasting button: its flow and action.
type lastingKey struct{ flow, action string }

// newButtonHandler checks a button registration; what is wrong with it
// is a programming error and panics at start.
func newButtonHandler(what string, role records.Role, scope Scope, h Handler) buttonHandler {
	if !scope.valid() || h == nil {
		panic("flows: buttons without one scope or without handler: " + what)
	}
	if scope == InGroup && role != records.RoleCommittee {
		panic("flows: group buttons must be for a committee: " + what)
	}
	return buttonHandler{role: role, scope: scope, run: h}
}

// onStep makes h take the free input of step. Registering a step twice
// panics.
func (e *Engine) onStep(step Step, h Handler) {
	if _, dup := e.steps[step]; dup {
		panic(fmt.Sprintf("flows: step registered twice: %q", step))
	}
	e.steps[step] = h
}

// argument names the handler a command picks by its argument: a deep
// link's prefix for /start ("inv" of "/start inv_<token>"), an export's
// name for /export.
type argument struct{ command, name string }

// onArgument makes h run for "/command name...". The command's own
// registration checks role and scope. Registering a pair twice panics.
func (e *Engine) onArgument(command, name string, h Handler) {
	key := argument{command, name}
	if _, dup := e.arguments[key]; dup {
		panic(fmt.Sprintf("flows: argument registered twice: /%s %s", command, name))
	}
	e.arguments[key] = h
}

// argumentNames lists the arguments registered for command, sorted.
func (e *Engine) argumentNames(command string) []string {
	var names []string
	for k := range e.arguments {
		if k.command == command {
			names = append(names, k.name)
		}
	}
	slices.Sort(names)
	return names
}

// holds is the one role check of the dispatcher, for commands and
// buttons alike: whether the sender of the turn's event holds role in
// its chat. In a group, the committee role is held only by a member of
// the committee of the group's university (named in the programme file
// or joined through an invite); in a private chat, by a member of any
// committee, so /help can show them their group's commands. Other roles
// are HasRole's.
func (e *Engine) holds(t *Turn, role records.Role) (bool, error) {
	ev := t.Event
	if role != records.RoleCommittee {
		return e.HasRole(t.ctx, ev.From.ID, ev.ChatID, role)
	}
	if isPrivate(ev.ChatType) {
		return holdsInPrivate(t.ctx, rosterOf(t), ev.From.ID, role)
	}
	joined, err := t.rec.CommitteeOf(t.ctx, ev.From.ID)
	if err != nil {
		return false, fmt.Errorf("committee of %d: %w", ev.From.ID, err)
	}
	u, ok := e.program.UniversityByChat(ev.ChatID)
	if !ok || ev.From.ID == 0 {
		return false, nil
	}
	return joined == u.ID || slices.Contains(u.Members, ev.From.ID), nil
}
