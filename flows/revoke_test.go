package flows_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/mentorbot/mentorbot/flows"
	"github.com/mentorbot/mentorbot/flows/records"
	"github.com/mentorbot/mentorbot/flows/redisstore/redistest"
	"github.com/mentorbot/mentorbot/locales"
)

var nora = flows.User{ID: newcomer, FirstName: "Nora", LanguageCode: "en"}

// TestRevokedRoleIsNotRestoredByTheOldLink: staff revoke each kind of
// role, with a confirmation; the person loses it at once and is told,
// and opening the invite link they used once more gives nothing back.
func TestRevokedRoleIsNotRestoredByTheOldLink(t *testing.T) {
	tests := []struct {
		name, invite, role string
		holds              func(h *harness) bool
	}{
		{"staff", "staff", "staff", func(h *harness) bool { return h.hasRole(newcomer, records.RoleStaff) }},
		{"mentor", "mentor lyon-law", "mentor:lyon-law", func(h *harness) bool {
			return h.mentorOf("lyon-law") == newcomer || h.hasRole(newcomer, records.RoleMentor)
		}},
		{"committee", "committee palermo", "committee:palermo", func(h *harness) bool {
			return h.committeeOf(newcomer) == "palermo"
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			payload := invitePayload(t, h.command(staff, "invite", tt.invite))
			h.command(nora, "start", payload)
			if !tt.holds(h) {
				t.Fatalf("the invite did not grant %s", tt.role)
			}
			id := strconv.FormatInt(newcomer, 10)
			r := h.command(staff, "revoke", id+" "+tt.role)
			wantSaid(t, r, staffID, "revoke.confirm")
			r = h.pressAction(staff, r, "yes", "")
			wantSaid(t, r, staffID, "revoke.done")
			wantSaid(t, r, newcomer, "revoke.notice")
			if tt.holds(h) {
				t.Fatalf("after /revoke %s the person still holds it", tt.role)
			}
			r = h.command(nora, "start", payload)
			wantSaid(t, r, newcomer, "invite.refused.used")
			if tt.holds(h) {
				t.Errorf("opening the used link again after /revoke restored %s", tt.role)
			}
		})
	}
}

// TestReplacedMentorLinkGivesNothing: a mentor replaced by another
// invite cannot take the project back with their own old link.
func TestReplacedMentorLinkGivesNothing(t *testing.T) {
	h := newHarness(t)
	first := invitePayload(t, h.command(staff, "invite", "mentor lyon-law"))
	h.command(nora, "start", first)
	second := invitePayload(t, h.command(staff, "invite", "mentor lyon-law"))
	other := flows.User{ID: newcomer + 1, FirstName: "Otto", LanguageCode: "en"}
	h.command(other, "start", second)
	if got := h.mentorOf("lyon-law"); got != other.ID {
		t.Fatalf("mentor of lyon-law = %d; want the second invitee %d", got, other.ID)
	}
	wantSaid(t, h.command(nora, "start", first), newcomer, "invite.refused.used")
	if got := h.mentorOf("lyon-law"); got != other.ID {
		t.Errorf("after the replaced mentor reopened their link, mentor = %d; want %d", got, other.ID)
	}
}

// TestRevokeOffersRolesAndCanBeCancelled: without a role /revoke offers
// the person's roles as buttons; "no" changes nothing; revoking one of
// two roles keeps the other; students cannot revoke.
func TestRevokeOffersRolesAndCanBeCancelled(t *testing.T) {
	h := newHarness(t)
	h.command(nora, "start", invitePayload(t, h.command(staff, "invite", "staff")))
	h.command(nora, "start", invitePayload(t, h.command(staff, "invite", "committee palermo")))
	id := strconv.FormatInt(newcomer, 10)

	r := h.command(ada, "revoke", id)
	if got := saidTo(r, studentA); len(got) != 1 || got[0] == "revoke.pick" {
		t.Errorf("/revoke by a student = %q; want one refusal", got)
	}

	r = h.command(staff, "revoke", id)
	wantSaid(t, r, staffID, "revoke.pick")
	for _, arg := range []string{"0", "1"} {
		if _, ok := buttonFor(r, staffID, "pick", arg); !ok {
			t.Fatalf("/revoke %s offers no button %s:%s", id, arg, dump(r))
		}
	}
	no := h.pressAction(staff, h.pressAction(staff, r, "pick", "1"), "no", "")
	wantSaid(t, no, staffID, "revoke.kept")
	if h.committeeOf(newcomer) != "palermo" {
		t.Fatal("cancelled /revoke took the committee role")
	}

	r = h.pressAction(staff, h.command(staff, "revoke", id), "pick", "1")
	wantSaid(t, r, staffID, "revoke.confirm")
	h.pressAction(staff, r, "yes", "")
	if h.committeeOf(newcomer) != "" || !h.hasRole(newcomer, records.RoleStaff) {
		t.Errorf("after revoking the committee role: committee %q, staff %v; want none and kept",
			h.committeeOf(newcomer), h.hasRole(newcomer, records.RoleStaff))
	}
	for _, args := range []string{"", "x", id + " mentor:lyon-law extra"} {
		wantSaid(t, h.command(staff, "revoke", args), staffID, "revoke.usage")
	}
	wantSaid(t, h.command(staff, "revoke", strconv.FormatInt(staffID, 10)), staffID, "revoke.in_file")
}

// TestInviteValidityIsConfigurable: a link expires after the engine's
// InviteValidity, not a fixed week.
func TestInviteValidityIsConfigurable(t *testing.T) {
	h := newHarness(t)
	cat, err := locales.New()
	if err != nil {
		t.Fatal(err)
	}
	e, err := flows.New(flows.Config{Store: redistest.Store(t), Catalog: cat, Program: h.program, Now: h.clock.Now,
		BotUsername: "mentor_test_bot", InviteValidity: 48 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	h.engine = e
	payload := invitePayload(t, h.command(staff, "invite", "staff"))
	h.clock.Add(48*time.Hour + time.Minute)
	wantSaid(t, h.command(nora, "start", payload), newcomer, "invite.refused.expired")
	if h.hasRole(newcomer, records.RoleStaff) {
		t.Error("an expired link granted staff")
	}
}
