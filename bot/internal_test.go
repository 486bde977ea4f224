package bot

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/mentorbot/mentorbot/bot/telegramtest"
	"github.com/mentorbot/mentorbot/flows"
	"github.com/mentorbot/mentorbot/flows/redisstore/redistest"
	"github.com/mentorbot/mentorbot/locales"
)

func TestParseCommand(t *testing.T) {
	for _, tc := range []struct {
		text, name, args, to string
		ok                   bool
	}{
		{"/start", "start", "", "", true},
		{"/Start payload_x", "start", "payload_x", "", true},
		{"/help@mentor_test_bot", "help", "", "mentor_test_bot", true},
		{"/apply@other_bot now  ", "apply", "now", "other_bot", true},
		{"/note\nfirst line", "note", "first line", "", true},
		{"hello /start", "", "", "", false},
		{"/", "", "", "", false},
		{"/ spaced", "", "", "", false},
		{"/été", "", "", "", false},
		{"/" + strings.Repeat("a", 33), "", "", "", false},
	} {
		name, args, to, ok := parseCommand(tc.text)
		if name != tc.name || args != tc.args || to != tc.to || ok != tc.ok {
			t.Errorf("parseCommand(%q) = %q, %q, %q, %v; want %q, %q, %q, %v",
				tc.text, name, args, to, ok, tc.name, tc.args, tc.to, tc.ok)
		}
	}
}

// update decodes a wire update, as the client does.
func update(tb testing.TB, u telegramtest.Update) *models.Update {
	tb.Helper()
	u["update_id"] = int64(42)
	buf, err := json.Marshal(u)
	if err != nil {
		tb.Fatal(err)
	}
	var out models.Update
	if err := json.Unmarshal(buf, &out); err != nil {
		tb.Fatal(err)
	}
	return &out
}

func TestToEvent(t *testing.T) {
	s := telegramtest.NewServer(t)
	ada := telegramtest.User{ID: 7, FirstName: "Ada", Username: "ada", LanguageCode: "it-IT"}
	group := telegramtest.Chat{ID: -1001234567890, Title: "Committee"}
	botMsg := telegramtest.Message{ChatID: 7, MessageID: 99, Text: "pick", At: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)}
	for _, tc := range []struct {
		name string
		u    telegramtest.Update
		ok   bool
		want flows.Event
	}{
		{"text", s.TextMessage(ada, "hello"), true,
			flows.Event{Kind: flows.KindText, ChatID: 7, ChatType: flows.ChatPrivate, Text: "hello"}},
		{"command", s.CommandMessage(ada, "apply", "now"), true,
			flows.Event{Kind: flows.KindCommand, ChatID: 7, ChatType: flows.ChatPrivate, Command: "apply", Args: "now", Text: "/apply now"}},
		{"command to us in a group", s.GroupMessage(group, ada, "/ticket@mentor_test_bot 5", 0), true,
			flows.Event{Kind: flows.KindCommand, ChatID: group.ID, ChatType: flows.ChatSupergroup, Command: "ticket", Args: "5", Text: "/ticket@mentor_test_bot 5"}},
		{"command to another bot in a group", s.GroupMessage(group, ada, "/ticket@other_bot 5", 0), false, flows.Event{}},
		{"group reply", s.GroupMessage(group, ada, "the answer", 31), true,
			flows.Event{Kind: flows.KindText, ChatID: group.ID, ChatType: flows.ChatSupergroup, Text: "the answer", ReplyTo: 31}},
		{"document", s.DocumentMessage(ada, "cv.pdf", "application/pdf", []byte("12345"), "my cv"), true,
			flows.Event{Kind: flows.KindDocument, ChatID: 7, ChatType: flows.ChatPrivate, Text: "my cv",
				File: &flows.File{FileName: "cv.pdf", MIMEType: "application/pdf", Size: 5}}},
		{"photo takes the largest size", s.PhotoMessage(ada, []byte("123456"), "me"), true,
			flows.Event{Kind: flows.KindPhoto, ChatID: 7, ChatType: flows.ChatPrivate, Text: "me",
				File: &flows.File{MIMEType: "image/jpeg", Size: 6}}},
		{"sticker", s.StickerMessage(ada), true,
			flows.Event{Kind: flows.KindOther, ChatID: 7, ChatType: flows.ChatPrivate}},
		{"button", s.Press(ada, botMsg, "1:lang:set:ab:it"), true,
			flows.Event{Kind: flows.KindButton, ChatID: 7, ChatType: flows.ChatPrivate, Data: "1:lang:set:ab:it", MessageID: 99}},
		{"edited message", telegramtest.Edited(s.TextMessage(ada, "fixed")), true,
			flows.Event{Kind: flows.KindEdited, ChatID: 7, ChatType: flows.ChatPrivate}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := toEvent(update(t, tc.u), "mentor_test_bot")
			if ok != tc.ok {
				t.Fatalf("toEvent(%s) ok = %v; want %v", tc.name, ok, tc.ok)
			}
			if !ok {
				return
			}
			want := tc.want
			want.UpdateID = 42
			want.From = flows.User{ID: 7, FirstName: "Ada", Username: "ada", LanguageCode: "it-IT"}
			if want.MessageID == 0 {
				want.MessageID = tc.u.MessageID()
			}
			if got.File != nil && want.File != nil {
				want.File.FileID = got.File.FileID // assigned by the server
			}
			if g, w := render(got), render(want); g != w {
				t.Errorf("toEvent(%s) = %s; want %s", tc.name, g, w)
			}
		})
	}
}

func render(ev flows.Event) string {
	buf, _ := json.Marshal(ev)
	return string(buf)
}

func TestChunk(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   string
		n    int
		want []string
	}{
		{"short", "abc", 5, []string{"abc"}},
		{"exact", "abcde", 5, []string{"abcde"}},
		{"at newline", "ab\ncdef\ngh", 6, []string{"ab\n", "cdef\n", "gh"}},
		{"no newline", "abcdefg", 3, []string{"abc", "def", "g"}},
		{"runes", "èèèèè", 2, []string{"èè", "èè", "è"}},
	} {
		if got := chunk(tc.in, tc.n); strings.Join(got, "|") != strings.Join(tc.want, "|") {
			t.Errorf("chunk(%q, %d) = %q; want %q", tc.in, tc.n, got, tc.want)
		}
	}
}

// panicking is an engine whose HandleOnce panics, as a buggy flow would.
type panicking struct{ engine }

func (panicking) HandleOnce(context.Context, flows.Event) (flows.Reply, bool, error) {
	panic("flow bug")
}

func TestPanicIsRecovered(t *testing.T) {
	s := telegramtest.NewServer(t)
	cat, err := locales.New()
	if err != nil {
		t.Fatal(err)
	}
	program, err := flows.LoadProgram("../flows/testdata/program.toml")
	if err != nil {
		t.Fatal(err)
	}
	store := redistest.Store(t)
	e, err := flows.New(flows.Config{Store: store, Catalog: cat, Program: program, Outbox: true})
	if err != nil {
		t.Fatal(err)
	}
	processed := make(chan int64, 10)
	ctx, cancel := context.WithCancel(context.Background())
	b, err := New(ctx, Config{Token: s.Token(), APIURL: s.URL(), Engine: e,
		Limits: &Limits{}, OnProcessed: func(id int64) { processed <- id }})
	if err != nil {
		t.Fatal(err)
	}
	b.engine = panicking{e}
	done := make(chan struct{})
	go func() { b.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })

	ada := telegramtest.User{ID: 7, FirstName: "Ada", LanguageCode: "it"}
	s.Inject(s.CommandMessage(ada, "help", ""))
	m := s.WaitMessage(7, 1)
	if want := cat.T("it", "error.internal", nil); m.Text != want {
		t.Errorf("after a panic the user got %q; want %q", m.Text, want)
	}
	// The bot lives on: a press is answered with the same text.
	press := s.Press(ada, m, "1:lang:set::it")
	s.Inject(press)
	if a := s.WaitAnswer(press.CallbackID()); a.Text != cat.T("it", "error.internal", nil) {
		t.Errorf("press after a panic answered %q; want error.internal", a.Text)
	}
}

// TestSplitKeepsTheQuote: a quoted text longer than one message is sent
// in parts, and each part quotes exactly its share of the quote.
func TestSplitKeepsTheQuote(t *testing.T) {
	head := "Request #1\n\n"
	body := strings.Repeat("ي", 5000)
	text := head + body + "\n\nfooter"
	parts := split(flows.Message{ChatID: 1, Text: text, Quote: &flows.Span{Start: len(head), End: len(head) + len(body)}})
	if len(parts) < 2 {
		t.Fatalf("split gave %d parts; want at least 2", len(parts))
	}
	var quoted strings.Builder
	for _, p := range parts {
		if p.Quote != nil {
			quoted.WriteString(p.Text[p.Quote.Start:p.Quote.End])
		}
	}
	if quoted.String() != body {
		t.Errorf("the parts quote %d bytes; want the %d of the body", quoted.Len(), len(body))
	}
}

// TestStylesRoundTrip: formatting entities of a text with an emoji (two
// UTF-16 units) and Cyrillic become styles over the right bytes, and
// styles become the same entities again.
func TestStylesRoundTrip(t *testing.T) {
	text := "Ciao 👋 Ольга, see the site"
	in := []models.MessageEntity{
		{Type: models.MessageEntityTypeBold, Offset: 8, Length: 5},
		{Type: models.MessageEntityTypeTextLink, Offset: 23, Length: 4, URL: "https://example.org"},
		{Type: models.MessageEntityTypeMention, Offset: 0, Length: 4},   // not kept: Telegram finds it again
		{Type: models.MessageEntityTypeItalic, Offset: 20, Length: 100}, // does not fit: dropped
	}
	styles := stylesOf(text, in)
	if len(styles) != 2 || text[styles[0].Start:styles[0].End] != "Ольга" || text[styles[1].Start:styles[1].End] != "site" ||
		styles[1].URL != "https://example.org" {
		t.Fatalf("stylesOf = %+v", styles)
	}
	out := quoteEntities(flows.Message{Text: text, Styles: styles})
	if len(out) != 2 || out[0] != in[0] || out[1] != in[1] {
		t.Errorf("entities of the styles = %+v; want %+v", out, in[:2])
	}
}
