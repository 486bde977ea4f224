package bottest

import "strings"

// WantSaid fails the test unless some message of r to chatID holds
// message id of the catalog in lang, filled with data: it checks what
// was said, not its wording.
func (e *Env) WantSaid(r Result, chatID int64, lang, id string, data map[string]any) {
	e.TB.Helper()
	if want := e.Engine.Catalog().T(lang, id, data); !strings.Contains(r.Text(chatID), want) {
		e.TB.Fatalf("messages to %d lack %s %v (%q); got:%s", chatID, id, data, want, r)
	}
}
