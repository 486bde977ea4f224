package flows_test

import (
	"testing"

	"github.com/mentorbot/mentorbot/flows"
)

func TestStartAsksLanguageOnFirstContact(t *testing.T) {
	h := newHarness(t)
	u := flows.User{ID: studentA, FirstName: "Amira", LanguageCode: "tr"}
	r := h.command(u, "start", "")
	wantSaid(t, r, studentA, "language.choose")
	r = h.pressAction(u, r, "set", "it")
	wantText(t, r, studentA, "D'ora in poi ti scriverò in italiano")
	wantText(t, r, studentA, "Ciao Amira")
	if _, ok := findButton(r, "comitato"); !ok {
		t.Errorf("welcome after choosing a language lacks the support button:%s", dump(r))
	}
	r = h.command(u, "help", "")
	wantText(t, r, studentA, "/language - cambia lingua")
	r = h.command(u, "cancel", "")
	wantSaid(t, r, studentA, "cancel.nothing")
}

func TestStartUsesTelegramLanguage(t *testing.T) {
	h := newHarness(t)
	r := h.command(flows.User{ID: studentA, FirstName: "Luca", LanguageCode: "it-IT"}, "start", "")
	wantText(t, r, studentA, "Ciao Luca")
}

func TestStaleAndForgedButtonsChangeNothing(t *testing.T) {
	h := newHarness(t)
	u := user(studentA, "en")
	first := h.command(u, "language", "")
	h.command(u, "language", "") // a new run: the first keyboard is stale
	r := h.pressAction(u, first, "set", "it")
	wantNotice(t, r, "error.stale_button")
	for _, data := range []string{"", "garbage", "1:lang:set::xx", "2:lang:set::it", "1:nope:x::"} {
		r := h.pressData(u, data)
		if r.Notice == "" || len(r.Messages) != 0 {
			t.Errorf("press(%q) = %s; want a notice and no message", data, dump(r))
		}
	}
	r = h.command(u, "help", "")
	wantText(t, r, studentA, "Here is what you can do") // still English
}

func TestUnknownCommandAndIdleText(t *testing.T) {
	h := newHarness(t)
	u := user(studentA, "en")
	wantText(t, h.command(u, "frobnicate", ""), studentA, "I do not know the command /frobnicate")
	wantSaid(t, h.text(u, "hello?"), studentA, "idle.hint")
}

func TestEditedMessageChangesNothing(t *testing.T) {
	h := newHarness(t)
	u := user(studentA, "en")
	h.command(u, "language", "")
	before, err := h.rec.Session(t.Context(), studentA)
	if err != nil {
		t.Fatal(err)
	}
	r := h.handle(flows.Event{Kind: flows.KindEdited, From: u})
	wantSaid(t, r, studentA, "error.edited")
	after, err := h.rec.Session(t.Context(), studentA)
	if err != nil {
		t.Fatal(err)
	}
	if after.Flow != before.Flow || after.Step != before.Step || after.Nonce != before.Nonce {
		t.Errorf("session after an edit = %+v; want %+v", after, before)
	}
}
