package flows

import (
	"testing"

	"github.com/mentorbot/mentorbot/flows/records"
)

// TestRegistrationNeedsOneScope registers what the dispatcher could not
// check: a command or buttons for both kinds of chat or none, group
// buttons anyone may press, a lasting button twice. Each panics at
// start.
func TestRegistrationNeedsOneScope(t *testing.T) {
	nop := func(*Turn) error { return nil }
	tests := []struct {
		name     string
		register func(e *Engine)
	}{
		{"command for both kinds of chat", func(e *Engine) {
			e.command(Command{Name: "x", Scope: InPrivate | InGroup, Run: nop})
		}},
		{"command without scope", func(e *Engine) { e.command(Command{Name: "x", Run: nop}) }},
		{"buttons for both kinds of chat", func(e *Engine) { e.onButton("x", records.RoleAnyone, InPrivate|InGroup, nop) }},
		{"group buttons for anyone", func(e *Engine) { e.onButton("x", records.RoleAnyone, InGroup, nop) }},
		{"group buttons for staff", func(e *Engine) { e.onLasting("x", records.RoleStaff, InGroup, nop, "a") }},
		{"lasting button twice", func(e *Engine) {
			e.onLasting("x", records.RoleAnyone, InPrivate, nop, "a")
			e.onLasting("x", records.RoleStaff, InPrivate, nop, "a")
		}},
		{"lasting buttons without actions", func(e *Engine) { e.onLasting("x", records.RoleAnyone, InPrivate, nop) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := &Engine{commands: map[string]Command{}, buttons: map[string]buttonHandler{}, lasting: map[lastingKey]buttonHandler{}}
			defer func() {
				if recover() == nil {
					t.Errorf("registering %s did not panic", tt.name)
				}
			}()
			tt.register(e)
		})
	}
}
