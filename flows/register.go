package flows

import (
	"fmt"
	"slices"

	"github.com/mentorbot/mentorbot/flows/records"
)

// Scope says in which chats a command or a flow's buttons work.
type Scope uint8

// The scopes. Every registration names one: there is no default.
const (
	// InPrivate is the person's private chat with the bot.
	InPrivate Scope = 1 << iota
	// InGroup is a group chat, such as a committee group.
	InGroup
	// Anywhere is both.
	Anywhere = InPrivate | InGroup
)

// allows reports whether s includes chats of type ct.
func (s Scope) allows(ct ChatType) bool {
	if ct == ChatPrivate || ct == "" {
		return s&InPrivate != 0
	}
	return s&InGroup != 0
}

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
// without a scope, is a programming error and panics at start.
func (e *Engine) command(c Command) {
	if _, dup := e.commands[c.Name]; dup {
		panic("flows: command registered twice: " + c.Name)
	}
	if c.Scope == 0 || c.Run == nil {
		panic("flows: command without scope or handler: " + c.Name)
	}
	e.commands[c.Name] = c
	e.order = append(e.order, c.Name)
}

// onButton makes h handle the buttons of flow, pressed by someone
// holding role in a chat of scope. Registering a flow's buttons twice
// panics.
func (e *Engine) onButton(flow string, role records.Role, scope Scope, h Handler) {
	if _, dup := e.buttons[flow]; dup {
		panic("flows: buttons registered twice: " + flow)
	}
	if scope == 0 || h == nil {
		panic("flows: buttons without scope or handler: " + flow)
	}
	e.buttons[flow] = buttonHandler{role: role, scope: scope, run: h}
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

// allowed is the one role and scope check, for commands and buttons
// alike.
func (e *Engine) allowed(t *Turn, role records.Role, scope Scope) (bool, error) {
	if !scope.allows(t.Event.ChatType) {
		return false, nil
	}
	return e.HasRole(t.ctx, t.Event.From.ID, t.Event.ChatID, role)
}
