package flows_test

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mentorbot/mentorbot/flows"
	"github.com/mentorbot/mentorbot/flows/records"
	"github.com/mentorbot/mentorbot/locales"
)

var inviteLinkPattern = regexp.MustCompile(`https://t\.me/mentor_test_bot\?start=(inv_[A-Za-z0-9_-]+)`)

// invitePayload returns the start parameter of the invite link in r.
func invitePayload(tb testing.TB, r flows.Reply) string {
	tb.Helper()
	m := inviteLinkPattern.FindStringSubmatch(textTo(r, staffID))
	if m == nil {
		tb.Fatalf("no invite link in reply:%s", dump(r))
	}
	if len(m[1]) > 64 {
		tb.Fatalf("start parameter %q is longer than Telegram's 64 characters", m[1])
	}
	return m[1]
}

func (h *harness) hasRole(userID int64, role records.Role) bool {
	h.tb.Helper()
	ok, err := h.engine.HasRole(context.Background(), userID, userID, role)
	if err != nil {
		h.tb.Fatal(err)
	}
	return ok
}

func (h *harness) mentorOf(project string) int64 {
	h.tb.Helper()
	id, err := h.engine.MentorOf(context.Background(), project)
	if err != nil {
		h.tb.Fatal(err)
	}
	return id
}

func (h *harness) committeeOf(userID int64) string {
	h.tb.Helper()
	uni, err := h.rec.CommitteeOf(context.Background(), userID)
	if err != nil {
		h.tb.Fatal(err)
	}
	return uni
}

const newcomer = 400000001

func TestInviteEachKind(t *testing.T) {
	tests := []struct {
		name, args string
		joined     string
		check      func(h *harness) bool
	}{
		{"staff", "staff", "as programme staff", func(h *harness) bool { return h.hasRole(newcomer, records.RoleStaff) }},
		{"mentor", "mentor lyon-law", "mentor of the project “European migration law” (lyon-law)", func(h *harness) bool {
			return h.mentorOf("lyon-law") == newcomer && h.hasRole(newcomer, records.RoleMentor)
		}},
		{"mentor any case", "MENTOR Lyon-Law", "(lyon-law)", func(h *harness) bool { return h.mentorOf("lyon-law") == newcomer }},
		{"committee", "committee palermo", "committee member for University of Palermo", func(h *harness) bool {
			return h.committeeOf(newcomer) == "palermo" && h.hasRole(newcomer, records.RoleCommittee)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			staff := user(staffID, "en")
			r := h.command(staff, "invite", tt.args)
			wantText(t, r, staffID, "Invitation #1 for")
			wantText(t, r, staffID, "until 2027-02-08 10:00")
			payload := invitePayload(t, r)
			if tt.check(h) {
				t.Fatalf("/invite %s: role granted before the link was opened", tt.args)
			}

			u := flows.User{ID: newcomer, FirstName: "Nora", LanguageCode: "en"}
			r = h.command(u, "start", payload)
			wantText(t, r, newcomer, "Welcome Nora! You have joined")
			wantText(t, r, newcomer, tt.joined)
			wantText(t, r, staffID, "Nora accepted invitation #1")
			if !tt.check(h) {
				t.Errorf("/invite %s then /start %s: role not granted", tt.args, payload)
			}
			// The invite is no longer open.
			wantText(t, h.peopleList(staff, "invites"), staffID, h.rendered("en", "people.empty.invites", nil))
			// Opening it again changes nothing and says so kindly.
			wantSaid(t, h.command(u, "start", payload), newcomer, "invite.joined")
		})
	}
}

func TestInviteRoleScopes(t *testing.T) {
	h := newHarness(t)
	staff := user(staffID, "en")
	other := flows.User{ID: newcomer + 1, FirstName: "Olga", LanguageCode: "en"}

	// An invited mentor replaces the programme file's mentor.
	if !h.hasRole(mentorID, records.RoleMentor) || h.mentorOf("madrid-ai") != mentorID {
		t.Fatalf("programme mentor %d is not the mentor of madrid-ai", mentorID)
	}
	h.command(other, "start", invitePayload(t, h.command(staff, "invite", "mentor madrid-ai")))
	if got := h.mentorOf("madrid-ai"); got != other.ID {
		t.Errorf("MentorOf(madrid-ai) = %d; want %d", got, other.ID)
	}
	if h.hasRole(mentorID, records.RoleMentor) {
		t.Errorf("HasRole(%d, mentor) = true after being replaced; want false", mentorID)
	}
	// A mentor may hold two projects.
	h.command(other, "start", invitePayload(t, h.command(staff, "invite", "mentor dublin-lit")))
	got, err := flows.MentorProjects(context.Background(), h.engine, other.ID)
	if err != nil || strings.Join(got, ",") != "madrid-ai,dublin-lit" {
		t.Errorf("MentorProjects(%d) = %v, %v; want [madrid-ai dublin-lit]", other.ID, got, err)
	}

	// A committee member who joins another committee leaves the first.
	h.command(other, "start", invitePayload(t, h.command(staff, "invite", "committee bicocca")))
	h.command(other, "start", invitePayload(t, h.command(staff, "invite", "committee roma3")))
	if uni := h.committeeOf(other.ID); uni != "roma3" {
		t.Errorf("CommitteeOf(%d) = %q; want roma3", other.ID, uni)
	}
	for uni, want := range map[string]int{"bicocca": 0, "roma3": 1} {
		ids, err := h.rec.CommitteeMembers(context.Background(), uni)
		if err != nil || len(ids) != want {
			t.Errorf("CommitteeMembers(%s) = %v, %v; want %d members", uni, ids, err, want)
		}
	}

	// The programme file's mentor may still join through an invite for
	// their own project: that is how one who never started is brought in.
	h2 := newHarness(t)
	r := h2.command(staff, "invite", "mentor madrid-ai")
	r = h2.command(user(mentorID, "it"), "start", invitePayload(t, r))
	wantText(t, r, mentorID, "come mentor del progetto «Machine learning for public health»")
	if h2.mentorOf("madrid-ai") != mentorID {
		t.Errorf("MentorOf(madrid-ai) changed when its own mentor joined")
	}
}

func TestInviteBadCommands(t *testing.T) {
	h := newHarness(t)
	staff := user(staffID, "en")
	tests := []struct{ args, want string }{
		{"", "Usage:\n/invite mentor <project id>"},
		{"wizard", "Usage:"},
		{"staff now", "Usage:"},
		{"mentor", `There is no project "". Write /invite mentor followed by one of: madrid-ai, lyon-law, berlin-eng, dublin-lit.`},
		{"mentor atlantis", `There is no project "atlantis"`},
		{"mentor madrid-ai extra", `There is no project "madrid-ai extra"`},
		{"committee", `There is no university "". Write /invite committee followed by one of: bicocca, palermo, roma3.`},
		{"committee oxford", `There is no university "oxford"`},
	}
	for _, tt := range tests {
		r := h.command(staff, "invite", tt.args)
		if got := textTo(r, staffID); !strings.Contains(got, tt.want) || strings.Contains(got, "t.me/") {
			t.Errorf("/invite %q = %q; want %q and no link", tt.args, got, tt.want)
		}
	}
	for _, args := range []string{"", "abc", "-1", "#x"} {
		wantSaid(t, h.command(staff, "reinvite", args), staffID, "invite.reinvite_usage")
	}
	wantText(t, h.command(staff, "reinvite", "99"), staffID, "There is no invitation #99.")
	wantText(t, h.peopleList(staff, "invites"), staffID, h.rendered("en", "people.empty.invites", nil))

	// Somebody without the staff role can neither invite nor list.
	for _, cmd := range []string{"invite", "reinvite", "people"} {
		r := h.command(user(studentA, "en"), cmd, "staff")
		wantSaid(t, r, studentA, "error.not_allowed")
		if strings.Contains(textTo(r, studentA), "t.me/") {
			t.Errorf("/%s by a student gave a link:%s", cmd, dump(r))
		}
	}
	// A mentor is not staff either.
	wantSaid(t, h.command(user(mentorID, "en"), "invite", "staff"), mentorID, "error.not_allowed")
}

func TestInviteRefusals(t *testing.T) {
	staff := user(staffID, "en")
	nora := flows.User{ID: newcomer, FirstName: "Nora", LanguageCode: "en"}
	olga := flows.User{ID: newcomer + 1, FirstName: "Olga", LanguageCode: "it"}
	tests := []struct {
		name string
		// link makes an invite and spoils it; it returns the payload.
		link func(h *harness) string
		// want is the id of the refusal.
		want string
	}{
		{"expired", func(h *harness) string {
			p := invitePayload(h.tb, h.command(staff, "invite", "staff"))
			h.clock.Add(flows.DefaultInviteValidity)
			return p
		}, "invite.refused.expired"},
		{"used", func(h *harness) string {
			p := invitePayload(h.tb, h.command(staff, "invite", "staff"))
			wantText(h.tb, h.command(olga, "start", p), olga.ID, "Benvenuto/a Olga")
			return p
		}, "invite.refused.used"},
		{"forged", func(h *harness) string {
			invitePayload(h.tb, h.command(staff, "invite", "staff"))
			return "inv_AAAAAAAAAAAAAAAAAAAAAA"
		}, "invite.refused.invalid"},
		{"truncated", func(h *harness) string {
			p := invitePayload(h.tb, h.command(staff, "invite", "staff"))
			return p[:len(p)-1]
		}, "invite.refused.invalid"},
		{"garbage", func(h *harness) string { return "inv_<script>" }, "invite.refused.invalid"},
		{"bare prefix", func(h *harness) string { return "inv" }, "invite.refused.invalid"},
		{"replaced", func(h *harness) string {
			p := invitePayload(h.tb, h.command(staff, "invite", "staff"))
			wantText(h.tb, h.command(staff, "reinvite", "1"), staffID, "The link of invitation #1 no longer works.")
			return p
		}, "invite.refused.replaced"},
		{"inviter no longer staff", func(h *harness) string {
			// Olga joins as staff and invites; then she is removed.
			h.command(olga, "start", invitePayload(h.tb, h.command(staff, "invite", "staff")))
			r := h.command(olga, "invite", "committee bicocca")
			m := inviteLinkPattern.FindStringSubmatch(textTo(r, olga.ID))
			if m == nil {
				h.tb.Fatalf("no link for staff Olga:%s", dump(r))
			}
			if err := h.rec.EraseRoles(context.Background(), 400000002, nil); err != nil {
				h.tb.Fatal(err)
			}
			return m[1]
		}, "invite.refused.not_grantable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			payload := tt.link(h)
			r := h.command(nora, "start", payload)
			wantSaid(t, r, newcomer, tt.want)
			if slices.Contains(saidTo(r, newcomer), "invite.joined") || len(textTo(r, staffID)) > 0 {
				t.Errorf("/start %s: refused but joined or told staff:%s", payload, dump(r))
			}
			for _, role := range []records.Role{records.RoleStaff, records.RoleMentor, records.RoleCommittee} {
				if h.hasRole(newcomer, role) {
					t.Errorf("/start %s: refused but HasRole(%s) = true", payload, role)
				}
			}
			if h.committeeOf(newcomer) != "" {
				t.Errorf("/start %s: refused but joined a committee", payload)
			}
		})
	}
}

func TestInviteOwnLinkStaysUsable(t *testing.T) {
	h := newHarness(t)
	staff := user(staffID, "en")
	payload := invitePayload(t, h.command(staff, "invite", "mentor berlin-eng"))
	wantSaid(t, h.command(staff, "start", payload), staffID, "invite.refused.own")
	if h.mentorOf("berlin-eng") == staffID {
		t.Fatal("the inviter became mentor by opening their own link")
	}
	wantSaid(t, h.command(user(newcomer, "en"), "start", payload), newcomer, "invite.joined")
	if got := h.mentorOf("berlin-eng"); got != newcomer {
		t.Errorf("MentorOf(berlin-eng) = %d; want %d", got, newcomer)
	}
}

func TestInviteAsksLanguageWhenUnknown(t *testing.T) {
	h := newHarness(t)
	staff := user(staffID, "it")
	payload := invitePayload(t, h.command(staff, "invite", "committee bicocca"))
	u := flows.User{ID: newcomer, FirstName: "Amira", LanguageCode: "tr"}
	r := h.command(u, "start", payload)
	wantSaid(t, r, newcomer, "language.choose")
	wantText(t, r, staffID, "Amira ha accettato l'invito n. 1 ed è entrato/a come membro del comitato di University of Milano Bicocca.")
	if h.committeeOf(newcomer) != "bicocca" {
		t.Fatal("not registered before choosing a language")
	}
	wantSaid(t, h.text(u, "hi"), newcomer, "language.use_buttons")
	keyboard := r
	r = h.pressAction(u, keyboard, "set", "it")
	wantText(t, r, newcomer, "Benvenuto/a Amira! Sei entrato/a in Mentoring for International Experience come membro del comitato di University of Milano Bicocca.")
	if h.engine.LangOf(context.Background(), newcomer) != "it" {
		t.Errorf("LangOf(%d) = %q; want it", newcomer, h.engine.LangOf(context.Background(), newcomer))
	}
	// The language keyboard is stale once used.
	if r := h.pressAction(u, keyboard, "set", "en"); r.NoticeID != "error.stale_button" || len(r.Messages) != 0 {
		t.Errorf("second press of the language keyboard = %s; want a stale notice", dump(r))
	}
}

func TestInviteRaceHasOneWinner(t *testing.T) {
	h := newHarness(t)
	payload := invitePayload(t, h.command(user(staffID, "en"), "invite", "mentor lyon-law"))
	const racers = 8
	var wg sync.WaitGroup
	joined := make([]bool, racers)
	for i := range racers {
		wg.Go(func() {
			id := int64(newcomer + i)
			r, err := h.engine.Handle(context.Background(), flows.Event{
				UpdateID: int64(1000 + i), Kind: flows.KindCommand, ChatID: id, ChatType: flows.ChatPrivate,
				From: flows.User{ID: id, FirstName: "R", LanguageCode: "en"}, Command: "start", Args: payload,
			})
			if err != nil {
				t.Errorf("Handle: %v", err)
				return
			}
			joined[i] = slices.Contains(saidTo(r, id), "invite.joined")
		})
	}
	wg.Wait()
	var winners []int64
	for i, ok := range joined {
		if ok {
			winners = append(winners, int64(newcomer+i))
		}
	}
	if len(winners) != 1 {
		t.Fatalf("%d racers joined with one link: %v; want exactly one", len(winners), winners)
	}
	if got := h.mentorOf("lyon-law"); got != winners[0] {
		t.Errorf("MentorOf(lyon-law) = %d; want the winner %d", got, winners[0])
	}
}

func TestReinvite(t *testing.T) {
	h := newHarness(t)
	staff := user(staffID, "en")
	first := invitePayload(t, h.command(staff, "invite", "committee roma3"))
	h.clock.Add(8 * 24 * time.Hour) // expired: staff want a new link
	r := h.peopleList(staff, "invites")
	wantText(t, r, staffID, "#1 committee member for University of Roma 3, expired on 2027-02-08 10:00")
	r = h.pressAction(staff, r, "resend", "1")
	wantText(t, r, staffID, "The link of invitation #1 no longer works.")
	wantText(t, r, staffID, "Invitation #2 for committee member for University of Roma 3")
	second := invitePayload(t, r)
	if second == first {
		t.Fatal("the new link is the old one")
	}
	wantText(t, h.command(staff, "reinvite", "1"), staffID, "Invitation #1 was already replaced")
	wantSaid(t, h.command(user(newcomer, "en"), "start", first), newcomer, "invite.refused.replaced")
	wantSaid(t, h.command(user(newcomer, "en"), "start", second), newcomer, "invite.joined")
	wantText(t, h.command(staff, "reinvite", "#2"), staffID, "Invitation #2 has already been used")
	if h.committeeOf(newcomer) != "roma3" {
		t.Errorf("CommitteeOf(%d) = %q; want roma3", newcomer, h.committeeOf(newcomer))
	}
}

func TestInviteLink(t *testing.T) {
	inv := records.Invite{Token: "AAAAAAAAAAAAAAAAAAAAAA"}
	h := newHarness(t)
	if got, want := flows.InviteLink(h.engine, inv), "https://t.me/mentor_test_bot?start=inv_AAAAAAAAAAAAAAAAAAAAAA"; got != want {
		t.Errorf("InviteLink(%+v) = %q; want %q", inv, got, want)
	}
	cat, err := locales.New()
	if err != nil {
		t.Fatal(err)
	}
	console, err := flows.New(flows.Config{Store: h.store, Catalog: cat, Program: h.program})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := flows.InviteLink(console, inv), "/start inv_AAAAAAAAAAAAAAAAAAAAAA"; got != want {
		t.Errorf("InviteLink(%+v) without bot name = %q; want %q", inv, got, want)
	}
}

// publishHeldMatch takes Ada from /apply to a published match on
// madrid-ai whose mentor never started the bot, and returns its ref.
func (h *harness) publishHeldMatch() string {
	h.tb.Helper()
	ref := h.submit(ada)
	r := h.press(staff, h.open(ref), "Accept")
	h.press(staff, r, "Match with mentor")
	r = h.press(staff, h.command(staff, "publish", ""), "Publish results")
	wantText(h.tb, r, studentA, "as soon as they join")
	return ref
}

func TestInvitedMentorGetsHeldIntroduction(t *testing.T) {
	h := newHarness(t)
	ref := h.publishHeldMatch()
	payload := invitePayload(t, h.command(staff, "invite", "mentor madrid-ai"))

	r := h.command(mentor, "start", payload)
	wantText(t, r, mentorID, "Hai un nuovo mentee per Machine learning for public health: Ada (@ada)")
	wantText(t, r, mentorID, "Sei entrato/a in Mentoring for International Experience come mentor")
	wantText(t, r, studentA, "Your mentor for Machine learning for public health is Marta (@marta)")
	m, err := h.rec.Mentorship(context.Background(), ref)
	if err != nil || m.MentorID != mentorID {
		t.Errorf("Mentorship(%s) = %+v, %v; want mentor %d", ref, m, err, mentorID)
	}
	r = h.command(mentor, "start", "")
	if textTo(r, studentA) != "" {
		t.Errorf("/start after joining introduced again:%s", dump(r))
	}
}

func TestMentorInvitedInPlaceTakesHeldMatch(t *testing.T) {
	h := newHarness(t)
	ref := h.publishHeldMatch()
	payload := invitePayload(t, h.command(staff, "invite", "mentor madrid-ai"))

	// Somebody else than the programme file's mentor 200000001 joins,
	// in a language they must choose first.
	nora := flows.User{ID: newcomer, FirstName: "Nora", Username: "nora", LanguageCode: "tr"}
	r := h.command(nora, "start", payload)
	if textTo(r, studentA) != "" {
		t.Fatalf("introduced before the language was chosen:%s", dump(r))
	}
	r = h.pressAction(nora, r, "set", "en")
	wantText(t, r, newcomer, "You have joined Mentoring for International Experience as mentor of the project “Machine learning for public health”")
	wantText(t, r, newcomer, "You have a new mentee for Machine learning for public health: Ada (@ada)")
	wantText(t, r, studentA, "Your mentor for Machine learning for public health is Nora (@nora)")

	ctx := context.Background()
	m, err := h.rec.Mentorship(ctx, ref)
	if err != nil || m.MentorID != newcomer {
		t.Errorf("Mentorship(%s) = %+v, %v; want mentor %d", ref, m, err, newcomer)
	}
	for id, want := range map[int64]int{mentorID: 0, newcomer: 1} {
		if got, err := h.rec.MentorshipsOf(ctx, id); err != nil || len(got) != want {
			t.Errorf("MentorshipsOf(%d) = %v, %v; want %d", id, got, err, want)
		}
	}
	// The replaced mentor, opening the bot later, gets nothing.
	if r := h.command(mentor, "start", ""); strings.Contains(textTo(r, mentorID), "mentee") || textTo(r, studentA) != "" {
		t.Errorf("the replaced mentor was introduced:%s", dump(r))
	}
}
