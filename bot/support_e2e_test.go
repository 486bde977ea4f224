package bot_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/mentorbot/mentorbot/bot"
	"github.com/mentorbot/mentorbot/bot/bottest"
	"github.com/mentorbot/mentorbot/bot/telegramtest"
	"github.com/mentorbot/mentorbot/flows"
	"github.com/mentorbot/mentorbot/flows/records"
	"github.com/mentorbot/mentorbot/locales"
)

// Committee groups of the test programme (flows/testdata/program.toml)
// and the people of the support tests.
var (
	supportBicocca = telegramtest.Chat{ID: -1001000000001, Title: "Bicocca committee"}
	supportPalermo = telegramtest.Chat{ID: -1001000000002, Title: "Palermo committee"}
	supportStray   = telegramtest.Chat{ID: -1009999999999, Title: "Some other group"}

	supportAda = bottest.User(300000011, "Ada", "en")
	supportBob = bottest.User(300000012, "Bob", "it")
	supportAna = bottest.User(400000011, "Ana", "en") // Bicocca committee
	supportBea = bottest.User(400000012, "Bea", "en") // Bicocca committee
	supportPia = bottest.User(400000013, "Pia", "en") // Palermo committee
)

// supportRequest runs /support as u up to a text request and returns
// the ticket's post in the committee group.
func supportRequest(env *bottest.Env, u telegramtest.User, uni, topic, text string, group telegramtest.Chat) telegramtest.Message {
	env.TB.Helper()
	env.Command(u, "support", "")
	env.Press(u, uni)
	env.Press(u, topic)
	r := env.Text(u, text)
	posts := r.To(group.ID)
	if len(posts) != 1 {
		env.TB.Fatalf("request %q posted %d messages in group %d; want 1:%s", text, len(posts), group.ID, r)
	}
	return posts[0]
}

// groupFile builds u sending a document or photo with caption in chat,
// replying to replyTo; the file is known to the fake server.
func groupFile(env *bottest.Env, chat telegramtest.Chat, u telegramtest.User, photo bool, fileID, caption string, replyTo int) telegramtest.Update {
	env.TB.Helper()
	env.Server.AddFile(fileID, fileID+".bin", []byte("content of "+fileID))
	upd := env.Server.GroupMessage(chat, u, "placeholder", replyTo)
	m := upd["message"].(map[string]any)
	delete(m, "text")
	delete(m, "entities")
	m["caption"] = caption
	if photo {
		m["photo"] = []any{map[string]any{"file_id": fileID, "file_unique_id": "u" + fileID, "width": 800, "height": 600}}
	} else {
		m["document"] = map[string]any{"file_id": fileID, "file_unique_id": "u" + fileID, "file_name": fileID + ".pdf"}
	}
	return upd
}

func TestSupportE2ERequestAnswerAndFollowUp(t *testing.T) {
	env := bottest.Start(t)
	post := supportRequest(env, supportAda, "Milano Bicocca", "Housing", "I need a room near the campus.", supportBicocca)
	for _, want := range []string{"Request #1 · Housing", "From Ada, who writes in English", "I need a room near the campus."} {
		if !strings.Contains(post.Text, want) {
			t.Errorf("committee post = %q; want %q in it", post.Text, want)
		}
	}
	if strings.Contains(post.Text, "@ada") {
		t.Errorf("committee post = %q; it shows the student's username", post.Text)
	}
	if got := post.Labels(); len(got) != 2 {
		t.Errorf("committee post buttons = %v; want claim and close", got)
	}

	// A committee member replies in the group; the student gets it.
	r := env.Group(supportBicocca, supportAna, "There is a room in via Roma 1.", post.MessageID)
	got := r.To(supportAda.ID)
	if len(got) != 1 || got[0].Text != "The committee of University of Milano Bicocca answers (request #1):\n\nThere is a room in via Roma 1." {
		t.Fatalf("relayed answer:%s; want the committee's answer without the member's name", r)
	}
	bottest.WantText(t, r, supportBicocca.ID, "Sent to the student of request #1, without your name.")
	if ack := r.To(supportBicocca.ID); len(ack) != 1 || ack[0].ReplyTo == 0 {
		t.Errorf("group acknowledgement = %+v; want a reply to the member's message", ack)
	}

	// The student's follow-up threads under the ticket's post.
	r = env.Text(supportAda, "How much is the rent?")
	bottest.WantText(t, r, supportAda.ID, "Added to request #1")
	follow := r.To(supportBicocca.ID)
	if len(follow) != 1 || follow[0].ReplyTo != post.MessageID || !strings.Contains(follow[0].Text, "How much is the rent?") {
		t.Fatalf("follow-up in the group:%s; want a reply to message %d", r, post.MessageID)
	}

	// A reply to the follow-up, signed, answers the same ticket.
	r = env.Group(supportBicocca, supportBea, "/sign 300 euros a month.", follow[0].MessageID)
	bottest.WantText(t, r, supportAda.ID, "Bea of the committee of University of Milano Bicocca answers (request #1):\n\n300 euros a month.")

	// After leaving the thread, Reply under the answer picks it up.
	env.Command(supportAda, "cancel", "")
	r = env.Press(supportAda, "Reply")
	bottest.WantText(t, r, supportAda.ID, "Write your message about request #1")
	r = env.Text(supportAda, "Thank you!")
	if m := r.To(supportBicocca.ID); len(m) != 1 || m[0].ReplyTo != post.MessageID {
		t.Errorf("follow-up after Reply:%s; want one reply to message %d", r, post.MessageID)
	}
}

func TestSupportE2EClaimCloseAndTickets(t *testing.T) {
	env := bottest.Start(t)
	post := supportRequest(env, supportAda, "Milano Bicocca", "Language", "Italian courses?", supportBicocca)

	r := env.PressIn(supportAna, supportBicocca.ID, "Take it on")
	bottest.WantText(t, r, supportBicocca.ID, "Ana has taken on request #1.")
	if r.Notice() != "Done." || r.Text(supportAda.ID) != "" {
		t.Errorf("claim:%s; want a notice and nothing to the student", r)
	}
	r = env.PressData(supportBea, post, post.Buttons[0][0].Data)
	if r.Notice() != "Someone else has already taken this request on." || len(r.Messages) != 0 {
		t.Errorf("second claim:%s; want the already-claimed notice only", r)
	}

	r = env.Group(supportBicocca, supportBea, "/tickets", 0)
	bottest.WantText(t, r, supportBicocca.ID, "1 open request:\n#1 · Language · Ada (English) · taken on by Ana")

	r = env.PressData(supportBea, post, post.Buttons[0][1].Data)
	bottest.WantText(t, r, supportBicocca.ID, "Request #1 closed by Bea.")
	bottest.WantText(t, r, supportAda.ID, "The committee of University of Milano Bicocca has closed your request #1.")
	bottest.WantText(t, env.Group(supportBicocca, supportBea, "/tickets", 0), supportBicocca.ID, "There are no open requests.")

	r = env.Group(supportBicocca, supportAna, "Late answer", post.MessageID)
	if r.Text(supportAda.ID) != "" {
		t.Errorf("answer to a closed ticket reached the student:%s", r)
	}
	bottest.WantText(t, r, supportBicocca.ID, "Request #1 is closed")
}

func TestSupportE2EForgedRepliesDoNothing(t *testing.T) {
	env := bottest.Start(t)
	post := supportRequest(env, supportAda, "Milano Bicocca", "Other", "Help, please.", supportBicocca)
	tests := []struct {
		name string
		upd  telegramtest.Update
	}{
		{"reply in another committee's group", env.Server.GroupMessage(supportPalermo, supportPia, "forged", post.MessageID)},
		{"reply in a group that is no committee's", env.Server.GroupMessage(supportStray, supportPia, "forged", post.MessageID)},
		{"signed reply in another group", env.Server.GroupMessage(supportPalermo, supportPia, "/sign forged", post.MessageID)},
		{"reply to a message that is not a ticket", env.Server.GroupMessage(supportBicocca, supportAna, "hello", post.MessageID+1000)},
		{"group message replying to nothing", env.Server.GroupMessage(supportBicocca, supportAna, "hello all", 0)},
		{"private reply to the post's id", env.Server.ReplyMessage(supportBob, "forged", post.MessageID)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := env.Inject(tt.upd)
			if got := r.Text(supportAda.ID); got != "" {
				t.Errorf("%s reached the student: %q", tt.name, got)
			}
			if got := r.Text(supportBicocca.ID); got != "" {
				t.Errorf("%s answered in the committee group: %q", tt.name, got)
			}
		})
	}

	// Claim and Close pressed on a copy of the post in another chat:
	// another committee's group, a group that is no committee's, a
	// private chat.
	for _, chat := range []struct {
		id     int64
		notice string
	}{{supportPalermo.ID, "support.not_your_ticket"}, {supportStray.ID, "error.not_allowed"}, {supportBob.ID, "scope.not_yours"}} {
		forged := post
		forged.ChatID = chat.id
		want := env.Engine.Catalog().T("en", chat.notice, nil)
		for _, b := range post.Buttons[0] {
			r := env.PressData(supportPia, forged, b.Data)
			if r.Notice() != want || len(r.Messages) != 0 {
				t.Errorf("%q pressed in chat %d:%s; want the refusal %s only", b.Text, chat.id, r, chat.notice)
			}
		}
	}
	tk, err := env.Records.Ticket(context.Background(), "1")
	if err != nil || tk.State != records.TicketOpen || tk.ClaimedBy != 0 || tk.AnsweredBy != 0 {
		t.Errorf("Ticket(1) = %+v, %v after forgeries; want it open and untouched", tk, err)
	}
	// /tickets outside a committee group is refused.
	bottest.WantText(t, env.Group(supportStray, supportPia, "/tickets", 0), supportStray.ID, "reserved")
}

func TestSupportE2EMediaRelay(t *testing.T) {
	env := bottest.Start(t)
	env.Command(supportBob, "support", "")
	env.Press(supportBob, "Palermo")
	env.Press(supportBob, "Amministrazione")
	r := env.Photo(supportBob, []byte("jpeg bytes of a permit"), "Il mio permesso di soggiorno")
	posts := r.To(supportPalermo.ID)
	if len(posts) != 1 || posts[0].Photo == nil || posts[0].Photo.Uploaded {
		t.Fatalf("photo request in the group:%s; want the student's photo sent by file id", r)
	}
	post := posts[0]
	if !strings.Contains(post.Text, "Request #1 · Administration and documents") || !strings.Contains(post.Text, "Il mio permesso di soggiorno") || !strings.Contains(post.Text, "who writes in Italian") {
		t.Errorf("photo request caption = %q", post.Text)
	}

	// A document answer, signed in its caption.
	r = env.Inject(groupFile(env, supportPalermo, supportPia, false, "form-1", "/sign Fill in this form.", post.MessageID))
	got := r.To(supportBob.ID)
	if len(got) != 1 || got[0].Document == nil || got[0].Document.FileID != "form-1" {
		t.Fatalf("document answer:%s; want document form-1 to the student", r)
	}
	if want := "Pia del comitato di University of Palermo risponde (richiesta n. 1):\n\nFill in this form."; got[0].Text != want {
		t.Errorf("document answer caption = %q; want %q", got[0].Text, want)
	}

	// A photo answer, unsigned.
	r = env.Inject(groupFile(env, supportPalermo, supportPia, true, "map-1", "The office is here.", post.MessageID))
	got = r.To(supportBob.ID)
	if len(got) != 1 || got[0].Photo == nil || got[0].Photo.FileID != "map-1" || strings.Contains(got[0].Text, "Pia") {
		t.Fatalf("photo answer:%s; want photo map-1 without the member's name", r)
	}

	// A sticker cannot be relayed; the member is told.
	sticker := env.Server.StickerMessage(supportPia)
	m := sticker["message"].(map[string]any)
	m["chat"] = map[string]any{"id": supportPalermo.ID, "type": "supergroup", "title": supportPalermo.Title}
	m["reply_to_message"] = map[string]any{"message_id": post.MessageID, "date": 0,
		"chat": map[string]any{"id": supportPalermo.ID, "type": "supergroup"}}
	r = env.Inject(sticker)
	bottest.WantText(t, r, supportPalermo.ID, "Only text, photos and documents")
	if r.Text(supportBob.ID) != "" {
		t.Errorf("sticker reached the student:%s", r)
	}
}

func TestSupportE2ETwoUniversitiesKeptApart(t *testing.T) {
	env := bottest.Start(t)
	adaPost := supportRequest(env, supportAda, "Milano Bicocca", "Academic", "Bicocca question", supportBicocca)
	bobPost := supportRequest(env, supportBob, "Palermo", "Didattica", "Palermo question", supportPalermo)
	if strings.Contains(env.Last(supportBicocca.ID).Text, "Palermo question") || strings.Contains(env.Last(supportPalermo.ID).Text, "Bicocca question") {
		t.Fatal("a request reached the other committee")
	}

	r := env.Group(supportPalermo, supportPia, "Palermo answer", bobPost.MessageID)
	if !strings.Contains(r.Text(supportBob.ID), "Palermo answer") || r.Text(supportAda.ID) != "" {
		t.Errorf("Palermo's answer:%s; want it for Bob only", r)
	}
	r = env.Group(supportBicocca, supportAna, "Bicocca answer", adaPost.MessageID)
	if !strings.Contains(r.Text(supportAda.ID), "Bicocca answer") || r.Text(supportBob.ID) != "" {
		t.Errorf("Bicocca's answer:%s; want it for Ada only", r)
	}
	// Each group's /tickets shows its own ticket only.
	for _, c := range []struct {
		chat       telegramtest.Chat
		who        telegramtest.User
		own, other string
	}{{supportBicocca, supportAna, "#1 ", "#2 "}, {supportPalermo, supportPia, "#2 ", "#1 "}} {
		txt := env.Group(c.chat, c.who, "/tickets", 0).Text(c.chat.ID)
		if !strings.Contains(txt, c.own) || strings.Contains(txt, c.other) {
			t.Errorf("/tickets in %s = %q; want %s only", c.chat.Title, txt, c.own)
		}
	}
}

func TestSupportE2EBlockedStudentIsReportedToCommittee(t *testing.T) {
	env := bottest.Start(t)
	post := supportRequest(env, supportAda, "Milano Bicocca", "Other", "Help, please.", supportBicocca)
	env.Server.Block(supportAda.ID)
	r := env.Group(supportBicocca, supportAna, "Here is the answer.", post.MessageID)
	if r.Text(supportAda.ID) != "" {
		t.Fatalf("a message reached the student who blocked the bot:%s", r)
	}
	bottest.WantText(t, r, supportBicocca.ID, "The student of request #1 has blocked the bot")
	p, err := env.Records.Profile(context.Background(), supportAda.ID)
	if err != nil || !p.Blocked {
		t.Errorf("Profile(%d) = %+v, %v; want Blocked", supportAda.ID, p, err)
	}
}

func TestSupportE2EReminderRepliesToThePost(t *testing.T) {
	env := bottest.Start(t)
	post := supportRequest(env, supportAda, "Milano Bicocca", "Social", "Student associations?", supportBicocca)
	ctx := context.Background()
	if err := bot.RemindersTick(env.Engine, env.Bot.WakeFeeder)(ctx, env.Clock.Now().Add(25*time.Hour)); err != nil {
		t.Fatal(err)
	}
	flushAll(t, env)
	last := env.Last(supportBicocca.ID)
	if last.ReplyTo != post.MessageID || !strings.Contains(last.Text, "request #1 has been waiting for an answer for 25 hours") {
		t.Errorf("reminder = %+v; want a reply to message %d", last, post.MessageID)
	}
	// A reply to the reminder answers the ticket too.
	r := env.Group(supportBicocca, supportAna, "Yes, several.", last.MessageID)
	bottest.WantText(t, r, supportAda.ID, "(request #1):\n\nYes, several.")
}

// TestSupportE2EReminderOutlivesTheProcessThatFoundIt: the process
// whose scheduler found a ticket's reminder due stops right after its
// tick, before sending anything. The reminder waits in the durable
// outbox, and the bot sends it, once, as a reply to the ticket's post.
func TestSupportE2EReminderOutlivesTheProcessThatFoundIt(t *testing.T) {
	env := bottest.Start(t)
	post := supportRequest(env, supportAda, "Milano Bicocca", "Social", "Student associations?", supportBicocca)
	ctx := context.Background()
	before := len(env.Server.Messages(supportBicocca.ID))

	// The scanning process: an engine of its own on the same Redis, with
	// no bot to send; after its tick it is gone.
	cat, err := locales.New()
	if err != nil {
		t.Fatal(err)
	}
	scanner, err := flows.New(flows.Config{Store: env.Store, Catalog: cat, Program: env.Program,
		Now: env.Clock.Now, BotUsername: telegramtest.BotUsername, Outbox: true})
	if err != nil {
		t.Fatal(err)
	}
	at := env.Clock.Now().Add(25 * time.Hour)
	if err := bot.RemindersTick(scanner, nil)(ctx, at); err != nil {
		t.Fatal(err)
	}

	got := env.Server.WaitMessage(supportBicocca.ID, before+1)
	if got.ReplyTo != post.MessageID || !strings.Contains(got.Text, "request #1 has been waiting for an answer for 25 hours") {
		t.Errorf("reminder = %+v; want a reply to message %d", got, post.MessageID)
	}
	// The bot's own tick finds nothing more to send.
	if err := bot.RemindersTick(env.Engine, env.Bot.WakeFeeder)(ctx, at.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	flushAll(t, env)
	if ms := env.Server.Messages(supportBicocca.ID); len(ms) != before+1 {
		t.Errorf("committee group got:%s\nwant the request and one reminder", telegramtest.Dump(ms))
	}
}
