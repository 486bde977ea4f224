package bot_test

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/mentorbot/mentorbot/bot/bottest"
	"github.com/mentorbot/mentorbot/bot/telegramtest"
	"github.com/mentorbot/mentorbot/flows"
	"github.com/mentorbot/mentorbot/flows/records"
)

// People of the invite tests; staffID and mentorID are in the test
// programme (flows/testdata/program.toml).
const (
	inviteStaffID  = 100000001
	inviteMentorID = 200000001 // mentor of madrid-ai, never started
	inviteeID      = 400000001
)

var e2eInviteLink = regexp.MustCompile(`https://t\.me/` + telegramtest.BotUsername + `\?start=(inv_[A-Za-z0-9_-]+)`)

// invite runs /invite args as from and returns the start parameter of
// the link the bot answered with.
func invite(env *bottest.Env, from telegramtest.User, args string) string {
	env.TB.Helper()
	r := env.Command(from, "invite", args)
	m := e2eInviteLink.FindStringSubmatch(r.Text(from.ID))
	if m == nil {
		env.TB.Fatalf("/invite %s gave no link:%s", args, r)
	}
	return m[1]
}

func hasRole(env *bottest.Env, userID int64, role records.Role) bool {
	env.TB.Helper()
	ok, err := env.Engine.HasRole(context.Background(), userID, userID, role)
	if err != nil {
		env.TB.Fatal(err)
	}
	return ok
}

func TestInviteE2EEachKind(t *testing.T) {
	tests := []struct {
		args, joined string
		holds        func(env *bottest.Env) bool
	}{
		{"staff", "as programme staff", func(env *bottest.Env) bool { return hasRole(env, inviteeID, records.RoleStaff) }},
		{"mentor berlin-eng", "as mentor of the project “Sustainable urban mobility” (berlin-eng)", func(env *bottest.Env) bool {
			id, err := env.Engine.MentorOf(context.Background(), "berlin-eng")
			return err == nil && id == inviteeID && hasRole(env, inviteeID, records.RoleMentor)
		}},
		{"committee roma3", "as committee member for University of Roma 3", func(env *bottest.Env) bool {
			uni, err := env.Records.CommitteeOf(context.Background(), inviteeID)
			return err == nil && uni == "roma3" && hasRole(env, inviteeID, records.RoleCommittee)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.args, func(t *testing.T) {
			env := bottest.Start(t)
			staff := bottest.User(inviteStaffID, "Sara", "en")
			payload := invite(env, staff, tt.args)
			if tt.holds(env) {
				t.Fatalf("/invite %s granted the role before the link was opened", tt.args)
			}
			nora := bottest.User(inviteeID, "Nora", "en")
			r := env.Command(nora, "start", payload)
			bottest.WantText(t, r, inviteeID, tt.joined)
			bottest.WantText(t, r, inviteStaffID, "Nora (@nora) accepted invitation #1")
			if !tt.holds(env) {
				t.Errorf("/start %s after /invite %s: role not granted", payload, tt.args)
			}
			env.Command(staff, "people", "")
			bottest.WantText(t, env.Press(staff, "Invitations"), inviteStaffID, "There are no open invitations.")
		})
	}
}

func TestInviteE2ERefusals(t *testing.T) {
	staff := bottest.User(inviteStaffID, "Sara", "en")
	nora := bottest.User(inviteeID, "Nora", "en")
	olga := bottest.User(inviteeID+1, "Olga", "it")
	tests := []struct {
		name  string
		spoil func(env *bottest.Env) string
		want  string
	}{
		{"expired", func(env *bottest.Env) string {
			p := invite(env, staff, "staff")
			env.Clock.Add(flows.DefaultInviteValidity)
			return p
		}, "This invitation link has expired."},
		{"used", func(env *bottest.Env) string {
			p := invite(env, staff, "mentor lyon-law")
			bottest.WantText(env.TB, env.Command(olga, "start", p), olga.ID, "Benvenuto/a Olga")
			return p
		}, "This invitation link has already been used."},
		{"forged", func(env *bottest.Env) string {
			p := invite(env, staff, "staff")
			return p[:len(p)-2] + "xx"
		}, "This invitation link is not valid."},
		{"replaced", func(env *bottest.Env) string {
			p := invite(env, staff, "committee bicocca")
			env.Command(staff, "reinvite", "1")
			return p
		}, "This invitation link was replaced by a newer one."},
		{"inviter may no longer grant", func(env *bottest.Env) string {
			env.Command(olga, "start", invite(env, staff, "staff"))
			p := invite(env, olga, "committee bicocca")
			if err := env.Store.RemoveFromSet(context.Background(), "role:staff", "400000002"); err != nil {
				env.TB.Fatal(err)
			}
			return p
		}, "the person who created it may no longer grant this role"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := bottest.Start(t)
			payload := tt.spoil(env)
			r := env.Command(nora, "start", payload)
			bottest.WantText(t, r, inviteeID, tt.want)
			if len(r.Messages) != 1 {
				t.Errorf("/start %s: refused, yet sent %s; want only the refusal", payload, r)
			}
			for _, role := range []records.Role{records.RoleStaff, records.RoleMentor, records.RoleCommittee} {
				if hasRole(env, inviteeID, role) {
					t.Errorf("/start %s: refused but HasRole(%s) = true", payload, role)
				}
			}
		})
	}

	// A student cannot create invites at all.
	env := bottest.Start(t)
	r := env.Command(bottest.User(300000001, "Ada", "en"), "invite", "staff")
	bottest.WantText(t, r, 300000001, "reserved for programme staff")
	if strings.Contains(r.Text(300000001), "t.me/") {
		t.Errorf("/invite by a student gave a link:%s", r)
	}
}

// publishHeldMatch takes Ada through /apply to a match on madrid-ai,
// whose mentor never started the bot, published by staff.
func publishHeldMatch(env *bottest.Env, staff telegramtest.User) telegramtest.User {
	env.TB.Helper()
	ada := bottest.User(300000001, "Ada", "en")
	env.Command(ada, "apply", "")
	for _, label := range []string{"Bachelor's", "Year 2", "Machine learning for public health", "B1"} {
		env.Press(ada, label)
	}
	for _, doc := range []struct{ name, mime string }{
		{"cv-it.pdf", "application/pdf"}, {"cv-es.pdf", "application/pdf"},
		{"letter-it.pdf", "application/pdf"}, {"letter-es.pdf", "application/pdf"},
		{"dele-b1.pdf", "application/pdf"},
	} {
		env.Document(ada, doc.name, doc.mime, []byte("%PDF-1.4 test"), "")
	}
	bottest.WantText(env.TB, env.Press(ada, "Confirm"), ada.ID, "Your reference number is")
	a, err := env.Records.ApplicationOf(context.Background(), ada.ID)
	if err != nil {
		env.TB.Fatal(err)
	}
	env.Command(staff, "applications", "")
	env.Press(staff, a.Ref)
	env.Press(staff, "Accept")
	env.Press(staff, "Match with mentor")
	env.Command(staff, "publish", "")
	r := env.Press(staff, "Publish results")
	bottest.WantText(env.TB, r, ada.ID, "as soon as they join")
	bottest.WantText(env.TB, r, inviteStaffID, "mentor 200000001 of Machine learning for public health")
	if got := r.Text(inviteMentorID); got != "" {
		env.TB.Fatalf("publication wrote to a mentor who never started: %q", got)
	}
	return ada
}

func TestInviteE2EWaitingMatchGoesOutWhenMentorJoins(t *testing.T) {
	t.Run("the programme's mentor", func(t *testing.T) {
		env := bottest.Start(t)
		staff := bottest.User(inviteStaffID, "Sara", "en")
		ada := publishHeldMatch(env, staff)
		payload := invite(env, staff, "mentor madrid-ai")
		r := env.Command(bottest.User(inviteMentorID, "Marta", "en"), "start", payload)
		bottest.WantText(t, r, inviteMentorID, "You have a new mentee for Machine learning for public health: Ada (@ada)")
		bottest.WantText(t, r, inviteMentorID, "You have joined")
		bottest.WantText(t, r, ada.ID, "Your mentor for Machine learning for public health is Marta (@marta)")
	})
	t.Run("a mentor in their place", func(t *testing.T) {
		env := bottest.Start(t)
		staff := bottest.User(inviteStaffID, "Sara", "en")
		ada := publishHeldMatch(env, staff)
		payload := invite(env, staff, "mentor madrid-ai")
		r := env.Command(bottest.User(inviteeID, "Nora", "en"), "start", payload)
		bottest.WantText(t, r, inviteeID, "You have a new mentee for Machine learning for public health: Ada (@ada)")
		bottest.WantText(t, r, ada.ID, "Your mentor for Machine learning for public health is Nora (@nora)")
		ms, err := env.Records.MentorshipsOf(context.Background(), inviteeID)
		if err != nil || len(ms) != 1 || ms[0].MenteeID != ada.ID {
			t.Errorf("MentorshipsOf(%d) = %+v, %v; want Ada's", inviteeID, ms, err)
		}
	})
}

func TestInviteE2EBlockedBotMarksUnreachable(t *testing.T) {
	env := bottest.Start(t)
	staff := bottest.User(inviteStaffID, "Sara", "en")
	bruno := bottest.User(inviteeID, "Bruno", "en")
	env.Command(bruno, "start", invite(env, staff, "staff"))
	payload := invite(env, bruno, "committee palermo")

	env.Command(staff, "people", "")
	bottest.WantText(t, env.Press(staff, "Staff"), inviteStaffID, "Bruno (@bruno): reachable")

	// Bruno blocks the bot; the note that his invite was accepted gets a
	// 403, which marks him unreachable.
	env.Server.Block(bruno.ID)
	r := env.Command(bottest.User(inviteeID+1, "Carla", "en"), "start", payload)
	bottest.WantText(t, r, inviteeID+1, "You have joined")
	if got := r.Text(bruno.ID); got != "" {
		t.Fatalf("a message reached Bruno, who blocked the bot: %q", got)
	}
	p, err := env.Records.Profile(context.Background(), bruno.ID)
	if err != nil || !p.Blocked {
		t.Fatalf("Profile(%d) = %+v, %v; want Blocked", bruno.ID, p, err)
	}
	env.Command(staff, "people", "")
	bottest.WantText(t, env.Press(staff, "Staff"), inviteStaffID, "Bruno (@bruno): blocked the bot")
	bottest.WantText(t, env.Press(staff, "Unreachable"), inviteStaffID, "• staff: Bruno (@bruno): blocked the bot")

	// Writing to the bot again makes him reachable.
	env.Server.Unblock(bruno.ID)
	env.Command(bruno, "start", "")
	env.Command(staff, "people", "")
	bottest.WantText(t, env.Press(staff, "Staff"), inviteStaffID, "Bruno (@bruno): reachable")
}
