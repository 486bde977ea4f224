package telegramtest_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/mentorbot/mentorbot/bot/telegramtest"
)

func newClient(tb testing.TB, s *telegramtest.Server) *tgbot.Bot {
	tb.Helper()
	b, err := tgbot.New(s.Token(), tgbot.WithServerURL(s.URL()), tgbot.WithSkipGetMe())
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func TestGetMe(t *testing.T) {
	s := telegramtest.NewServer(t)
	me, err := newClient(t, s).GetMe(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if me.Username != telegramtest.BotUsername || me.ID != telegramtest.BotID {
		t.Errorf("GetMe() = %+v; want %s/%d", me, telegramtest.BotUsername, telegramtest.BotID)
	}
}

func TestWrongTokenAndUnknownMethod(t *testing.T) {
	s := telegramtest.NewServer(t)
	for _, tc := range []struct {
		name, path string
		want       int
	}{
		{"wrong token", "/bot1:nope/getMe", http.StatusUnauthorized},
		{"unknown method", "/bot" + s.Token() + "/sendTelepathy", http.StatusNotFound},
		{"known method", "/bot" + s.Token() + "/getMe", http.StatusOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := http.Post(s.URL()+tc.path, "application/json", strings.NewReader("{}"))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tc.want {
				t.Errorf("POST %s = %d; want %d", tc.path, resp.StatusCode, tc.want)
			}
		})
	}
}

func TestSendMessageRecordsKeyboardAndReply(t *testing.T) {
	s := telegramtest.NewServer(t)
	c := newClient(t, s)
	m, err := c.SendMessage(context.Background(), &tgbot.SendMessageParams{
		ChatID: 42, Text: "hello",
		ReplyParameters: &models.ReplyParameters{MessageID: 7},
		ReplyMarkup: models.InlineKeyboardMarkup{InlineKeyboard: [][]models.InlineKeyboardButton{
			{{Text: "Yes", CallbackData: "1:x:yes::"}, {Text: "No", CallbackData: "1:x:no::"}},
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	got := s.WaitMessage(42, 1)
	if got.Text != "hello" || got.ReplyTo != 7 || got.MessageID != m.ID {
		t.Errorf("recorded %+v; want text hello, reply to 7, id %d", got, m.ID)
	}
	if b, ok := got.Button("No"); !ok || b.Data != "1:x:no::" {
		t.Errorf("Button(No) = %+v, %v; want data 1:x:no::", b, ok)
	}
}

func TestSendDocumentUploadAndDownload(t *testing.T) {
	s := telegramtest.NewServer(t)
	c := newClient(t, s)
	ctx := context.Background()
	content := []byte("name,score\nada,10\n")
	m, err := c.SendDocument(ctx, &tgbot.SendDocumentParams{ChatID: 5, Caption: "export",
		Document: &models.InputFileUpload{Filename: "export.csv", Data: bytes.NewReader(content)}})
	if err != nil {
		t.Fatal(err)
	}
	got := s.WaitMessage(5, 1)
	if got.Document == nil || got.Document.FileName != "export.csv" || !bytes.Equal(got.Document.Content, content) || got.Text != "export" {
		t.Fatalf("recorded %+v; want export.csv with its bytes", got)
	}
	// Send it again by file id, then download it.
	if _, err := c.SendDocument(ctx, &tgbot.SendDocumentParams{ChatID: 6,
		Document: &models.InputFileString{Data: m.Document.FileID}}); err != nil {
		t.Fatal(err)
	}
	if again := s.WaitMessage(6, 1); again.Document == nil || again.Document.Uploaded || again.Document.FileName != "export.csv" {
		t.Errorf("resent %+v; want export.csv by file id", again.Document)
	}
	f, err := c.GetFile(ctx, &tgbot.GetFileParams{FileID: m.Document.FileID})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(c.FileDownloadLink(f))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !bytes.Equal(body, content) {
		t.Errorf("download = %q; want %q", body, content)
	}
}

func TestInjectedFailures(t *testing.T) {
	s := telegramtest.NewServer(t)
	c := newClient(t, s)
	ctx := context.Background()
	send := func(chat int64) error {
		_, err := c.SendMessage(ctx, &tgbot.SendMessageParams{ChatID: chat, Text: "x"})
		return err
	}
	s.TooManyRequests("sendMessage", 2, 3)
	for i := range 2 {
		var tooMany *tgbot.TooManyRequestsError
		if err := send(1); !errors.As(err, &tooMany) || tooMany.RetryAfter != 3 {
			t.Fatalf("send %d = %v; want 429 retry_after 3", i, err)
		}
	}
	if err := send(1); err != nil {
		t.Fatalf("third send = %v; want success", err)
	}
	s.Block(2)
	if err := send(2); !errors.Is(err, tgbot.ErrorForbidden) {
		t.Errorf("send to blocked chat = %v; want forbidden", err)
	}
	if got := s.TooManyCount(); got != 2 {
		t.Errorf("TooManyCount() = %d; want 2", got)
	}
	if got := len(s.Messages(2)); got != 0 {
		t.Errorf("messages to blocked chat = %d; want 0", got)
	}
}

func TestEnforcedLimits(t *testing.T) {
	s := telegramtest.NewServer(t)
	now := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	s.SetClock(func() time.Time { return now })
	s.EnforceLimits(&telegramtest.Limits{Private: telegramtest.Rate{N: 1, Per: time.Second}})
	c := newClient(t, s)
	send := func() error {
		_, err := c.SendMessage(context.Background(), &tgbot.SendMessageParams{ChatID: 9, Text: "x"})
		return err
	}
	if err := send(); err != nil {
		t.Fatal(err)
	}
	var tooMany *tgbot.TooManyRequestsError
	if err := send(); !errors.As(err, &tooMany) || tooMany.RetryAfter != 1 {
		t.Fatalf("second send within a second = %v; want 429 retry_after 1", err)
	}
	now = now.Add(time.Second)
	if err := send(); err != nil {
		t.Fatalf("send a second later = %v; want success", err)
	}
	if got := s.TooManyCount(); got != 1 {
		t.Errorf("TooManyCount() = %d; want 1", got)
	}
}

func TestGetUpdatesLongPoll(t *testing.T) {
	s := telegramtest.NewServer(t)
	ctx, cancel := context.WithCancel(context.Background())
	got := make(chan *models.Update, 10)
	c, err := tgbot.New(s.Token(), tgbot.WithServerURL(s.URL()), tgbot.WithNotAsyncHandlers(),
		tgbot.WithDefaultHandler(func(_ context.Context, _ *tgbot.Bot, u *models.Update) { got <- u }))
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { c.Start(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })

	u := telegramtest.User{ID: 11, FirstName: "Ada", LanguageCode: "it"}
	id := s.Inject(s.CommandMessage(u, "start", "x"))
	s.Inject(s.Press(u, telegramtest.Message{ChatID: 11, MessageID: 3, Text: "pick", At: time.Now()}, "1:lang:set:ab:it"))
	first, second := <-got, <-got
	if first.ID != id || first.Message == nil || first.Message.Text != "/start x" || first.Message.From.LanguageCode != "it" {
		t.Errorf("first update = %+v; want /start x from Ada", first)
	}
	if len(first.Message.Entities) != 1 || first.Message.Entities[0].Type != models.MessageEntityTypeBotCommand {
		t.Errorf("entities = %+v; want one bot_command", first.Message.Entities)
	}
	cq := second.CallbackQuery
	if cq == nil || cq.Data != "1:lang:set:ab:it" || cq.Message.Message == nil || cq.Message.Message.ID != 3 {
		t.Errorf("second update = %+v; want a press on message 3", second)
	}
	s.WaitConfirmed(second.ID)
}
