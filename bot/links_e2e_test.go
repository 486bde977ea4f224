package bot_test

import (
	"bytes"
	"context"
	"image/png"
	"slices"
	"strings"
	"testing"

	qr "github.com/piglig/go-qr"

	"github.com/mentorbot/mentorbot/bot/bottest"
	"github.com/mentorbot/mentorbot/bot/telegramtest"
	"github.com/mentorbot/mentorbot/flows"
)

// People of the link tests: students who never met the bot, and the
// programme's staff member.
var (
	linksGiulia = bottest.User(300000031, "Giulia", "it")
	linksOmar   = bottest.User(300000032, "Omar", "en")
	linksSara   = bottest.User(100000001, "Sara", "en") // staff
)

// linksSaid fails unless a message of r to chat holds message id of
// the catalog in lang, filled with data: what was said, not its wording.
func linksSaid(env *bottest.Env, r bottest.Result, chat int64, lang, id string, data map[string]any) {
	env.TB.Helper()
	if want := env.Engine.Catalog().T(lang, id, data); !strings.Contains(r.Text(chat), want) {
		env.TB.Fatalf("messages to %d lack %s %v (%q); got:%s", chat, id, data, want, r)
	}
}

// linksPress presses, as u, the button of the latest message to chat
// whose callback has action and arg.
func linksPress(env *bottest.Env, u telegramtest.User, chat int64, action, arg string) bottest.Result {
	env.TB.Helper()
	ms := env.Server.Messages(chat)
	for i := len(ms) - 1; i >= 0; i-- {
		for _, row := range ms[i].Buttons {
			for _, b := range row {
				if cb, err := flows.DecodeCallback(b.Data); err == nil && cb.Action == action && cb.Arg == arg {
					return env.PressData(u, ms[i], b.Data)
				}
			}
		}
	}
	env.TB.Fatalf("no button %s/%s in chat %d:%s", action, arg, chat, telegramtest.Dump(ms))
	return bottest.Result{}
}

// hasAction reports whether a message of r to chat has a button whose
// callback has action.
func hasAction(r bottest.Result, chat int64, action string) bool {
	for _, m := range r.To(chat) {
		for _, row := range m.Buttons {
			for _, b := range row {
				if cb, err := flows.DecodeCallback(b.Data); err == nil && cb.Action == action {
					return true
				}
			}
		}
	}
	return false
}

// onlyChats fails if r wrote to a chat not in chats.
func onlyChats(tb testing.TB, r bottest.Result, chats ...int64) {
	tb.Helper()
	for _, m := range r.Messages {
		if !slices.Contains(chats, m.ChatID) {
			tb.Errorf("message to chat %d, which should hear nothing: %q", m.ChatID, m.Text)
		}
	}
}

func TestLinksE2EApplyLinkSkipsTheProjectChoice(t *testing.T) {
	env := bottest.Start(t)
	u := linksGiulia
	r := env.Command(u, "start", "apply_madrid-ai")
	linksSaid(env, r, u.ID, "it", "links.apply_project",
		map[string]any{"Title": "Machine learning for public health", "Host": "Universidad Complutense de Madrid"})
	linksSaid(env, r, u.ID, "it", "apply.step.degree", nil)
	linksPress(env, u, u.ID, "deg", flows.DegreeBachelor)
	r = linksPress(env, u, u.ID, "year", "2")
	linksSaid(env, r, u.ID, "it", "apply.step.level", map[string]any{"Language": "spagnolo"})
	if hasAction(r, u.ID, "proj") {
		t.Fatalf("the project was asked for after a project's link:%s", r)
	}
	a, err := env.Records.ApplicationOf(context.Background(), u.ID)
	if err != nil || a.ProjectID != "madrid-ai" {
		t.Fatalf("draft = %+v, %v; want project madrid-ai", a, err)
	}
}

func TestLinksE2ESupportLinkReachesThatCommittee(t *testing.T) {
	env := bottest.Start(t)
	u := linksOmar
	r := env.Command(u, "start", "support_palermo")
	linksSaid(env, r, u.ID, "en", "support.choose_topic", map[string]any{"University": "University of Palermo"})
	linksPress(env, u, u.ID, "topic", "housing")
	r = env.Text(u, "Is there a room near the campus?")
	onlyChats(t, r, u.ID, supportPalermo.ID)
	if posts := r.To(supportPalermo.ID); len(posts) != 1 || !strings.Contains(posts[0].Text, "Is there a room near the campus?") {
		t.Fatalf("request through Palermo's link:%s; want it in Palermo's group", r)
	}
}

func TestLinksE2ECommitteeOfferReachesOnlyItsGroupAndInviteJoins(t *testing.T) {
	env := bottest.Start(t)
	ctx := context.Background()
	u := linksGiulia
	r := env.Command(u, "start", "committee_palermo")
	linksSaid(env, r, u.ID, "it", "volunteer.ask_about", map[string]any{"University": "University of Palermo", "Max": 2000})
	env.Text(u, "Studio giurisprudenza e parlo arabo.")
	r = linksPress(env, u, u.ID, "send", "")
	onlyChats(t, r, u.ID, supportPalermo.ID)
	posts := r.To(supportPalermo.ID)
	if len(posts) != 1 || !strings.Contains(posts[0].Text, "Studio giurisprudenza e parlo arabo.") || !strings.Contains(posts[0].Text, "@giulia") {
		t.Fatalf("offer through Palermo's link:%s; want it, with the student's words and username, in Palermo's group", r)
	}
	before := env.Group(supportPalermo, u, "/tickets", 0)
	linksSaid(env, before, supportPalermo.ID, "it", "error.not_allowed", nil)

	invite := env.Engine.Catalog().T("en", "volunteer.group.invite_button", nil)
	r = env.PressIn(supportPia, supportPalermo.ID, invite)
	if want := env.Engine.Catalog().T("en", "volunteer.done", nil); r.Notice() != want {
		t.Errorf("Pia's press answered %q; want %q", r.Notice(), want)
	}
	linksSaid(env, r, u.ID, "it", "volunteer.joined", map[string]any{"University": "University of Palermo"})
	onlyChats(t, r, u.ID, supportPalermo.ID)
	if uni, err := env.Records.CommitteeOf(ctx, u.ID); err != nil || uni != "palermo" {
		t.Fatalf("CommitteeOf(student) = %q, %v; want palermo", uni, err)
	}
	after := env.Group(supportPalermo, u, "/tickets", 0)
	linksSaid(env, after, supportPalermo.ID, "it", "support.tickets_none", nil)
	elsewhere := env.Group(supportBicocca, u, "/tickets", 0)
	linksSaid(env, elsewhere, supportBicocca.ID, "it", "error.not_allowed", nil)
}

func TestLinksE2ESendsAQRCodePerLink(t *testing.T) {
	env := bottest.Start(t)
	r := env.Command(linksSara, "links", "")
	var links []string
	for _, p := range env.Program.Projects {
		links = append(links, "https://t.me/"+telegramtest.BotUsername+"?start=apply_"+p.ID)
	}
	for _, kind := range []string{"support_", "committee_"} {
		for _, u := range env.Program.Universities {
			links = append(links, "https://t.me/"+telegramtest.BotUsername+"?start="+kind+u.ID)
		}
	}
	onlyChats(t, r, linksSara.ID)
	var coded []string
	for _, m := range r.To(linksSara.ID) {
		if m.Document == nil {
			continue
		}
		img, err := png.Decode(bytes.NewReader(m.Document.Content))
		if err != nil {
			t.Fatalf("document %s is not a PNG: %v", m.Document.FileName, err)
		}
		if b := img.Bounds(); b.Dx() != b.Dy() || b.Dx() < 400 {
			t.Errorf("QR code %s is %dx%d; want a square of at least 400 pixels", m.Document.FileName, b.Dx(), b.Dy())
		}
		text, err := qr.Decode(img)
		if err != nil {
			t.Fatalf("QR code %s does not decode: %v", m.Document.FileName, err)
		}
		if !strings.Contains(m.Text, text) {
			t.Errorf("QR code of %s has caption %q", text, m.Text)
		}
		coded = append(coded, text)
	}
	if !slices.Equal(coded, links) {
		t.Errorf("QR codes sent = %q; want one per link: %q", coded, links)
	}
	list := r.To(linksSara.ID)[0]
	if list.Document != nil {
		t.Fatalf("/links sent a file before the list:%s", r)
	}
	for _, l := range links {
		if !strings.Contains(list.Text, l) {
			t.Errorf("the list lacks %s: %q", l, list.Text)
		}
	}
}
