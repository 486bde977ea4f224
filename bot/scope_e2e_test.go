package bot_test

import (
	"context"
	"testing"

	"github.com/mentorbot/mentorbot/bot/bottest"
	"github.com/mentorbot/mentorbot/bot/telegramtest"
	"github.com/mentorbot/mentorbot/flows/records"
)

// TestScopeE2EGroupRefusals runs, through the real client and the fake
// Bot API, what a group must not do: a staff member's /invite staff in
// a group gets one pointer to the private chat, with a link button to
// the bot and no invite made; a group member outside the committee
// pressing Claim under a ticket gets the refusal toast, and the ticket
// stays open.
func TestScopeE2EGroupRefusals(t *testing.T) {
	env := bottest.Start(t)
	ctx := context.Background()
	cat := env.Engine.Catalog()
	staff := bottest.User(100000001, "Sam", "en")

	r := env.Group(supportStray, staff, "/invite staff", 0)
	got := r.To(supportStray.ID)
	if len(r.Messages) != 1 || len(got) != 1 || got[0].Text != cat.T("en", "scope.private_only", nil) {
		t.Fatalf("/invite staff in a group:%s; want the pointer to the private chat only", r)
	}
	wantLink := telegramtest.Button{Text: cat.T("en", "scope.open_private", nil), URL: "https://t.me/" + telegramtest.BotUsername}
	if len(got[0].Buttons) != 1 || len(got[0].Buttons[0]) != 1 || got[0].Buttons[0][0] != wantLink {
		t.Errorf("pointer buttons = %+v; want [[%+v]]", got[0].Buttons, wantLink)
	}
	if invs, _, err := env.Records.ListedInvites(ctx); err != nil || len(invs) != 0 {
		t.Errorf("ListedInvites() = %+v, %v after /invite in a group; want none", invs, err)
	}

	post := supportRequest(env, supportAda, "Milano Bicocca", "Housing", "I need a room.", supportBicocca)
	claim, ok := post.Button("Take it on")
	if !ok {
		t.Fatalf("ticket post without Claim: %+v", post)
	}
	eve := bottest.User(300000099, "Eve", "en") // a student in the group
	r = env.PressData(eve, post, claim.Data)
	if r.Notice() != cat.T("en", "error.not_allowed", nil) || len(r.Messages) != 0 {
		t.Errorf("Claim pressed by a student in the committee group:%s; want the refusal toast only", r)
	}
	tk, err := env.Records.Ticket(ctx, "1")
	if err != nil || tk.State != records.TicketOpen || tk.ClaimedBy != 0 {
		t.Errorf("Ticket(1) = %+v, %v after an outsider's Claim; want it open", tk, err)
	}
}
