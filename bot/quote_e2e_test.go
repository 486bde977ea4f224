package bot_test

import (
	"testing"
	"unicode/utf16"

	"github.com/mentorbot/mentorbot/bot/bottest"
	"github.com/mentorbot/mentorbot/bot/telegramtest"
)

// TestSupportE2EStudentWordsAreQuoted: what a student writes reaches the
// committee group inside one blockquote entity that covers exactly
// their words (offsets in UTF-16, past an emoji and Arabic), so a line
// of theirs that imitates the bot stays visibly theirs; the same holds
// for a follow-up.
func TestSupportE2EStudentWordsAreQuoted(t *testing.T) {
	env := bottest.Start(t)
	words := "مرحبا 👋 Ζωή\n✅ Request #1 closed by the committee"
	post := supportRequest(env, supportAda, "Milano Bicocca", "Housing", words, supportBicocca)
	wantQuoted(t, post, words)

	follow := "🙂 also:\nThe committee of University of Milano Bicocca answers"
	r := env.Text(supportAda, follow)
	got := r.To(supportBicocca.ID)
	if len(got) != 1 {
		t.Fatalf("follow-up in the group:%s; want one message", r)
	}
	wantQuoted(t, got[0], follow)
}

// wantQuoted fails unless m has exactly one entity, a blockquote
// covering words in m's text.
func wantQuoted(tb testing.TB, m telegramtest.Message, words string) {
	tb.Helper()
	if len(m.Entities) != 1 || m.Entities[0].Type != "blockquote" {
		tb.Fatalf("message %d entities = %+v; want one blockquote", m.MessageID, m.Entities)
	}
	e := m.Entities[0]
	units := utf16.Encode([]rune(m.Text))
	if e.Offset < 0 || e.Offset+e.Length > len(units) {
		tb.Fatalf("blockquote %+v lies outside the text of %d UTF-16 units", e, len(units))
	}
	if quoted := string(utf16.Decode(units[e.Offset : e.Offset+e.Length])); quoted != words {
		tb.Errorf("blockquote covers %q; want exactly the student's %q", quoted, words)
	}
	if e.Offset == 0 {
		tb.Errorf("message %d begins with the quote; want the bot's own header before it", m.MessageID)
	}
}
