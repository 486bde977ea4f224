package flows_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/mentorbot/mentorbot/flows"
	"github.com/mentorbot/mentorbot/flows/records"
)

func TestPeopleShowsRolesAndReachability(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	staff := user(staffID, "en")

	r := h.command(staff, "people", "")
	wantText(t, r, staffID, "Staff (1 person):\n• Useren (@uen): reachable")
	wantText(t, r, staffID, "Machine learning for public health (madrid-ai): user 200000001: never started the bot")
	wantText(t, r, staffID, "University of Palermo: no invited members")
	wantText(t, r, staffID, "4 people cannot be reached:")
	wantSaid(t, r, staffID, "people.no_invites")
	if _, ok := buttonFor(r, staffID, "mentor", "madrid-ai"); !ok {
		t.Errorf("/people offers no new link for the unreachable mentor of madrid-ai:%s", dump(r))
	}

	// Two mentors start the bot; one of them blocks it afterwards, as a
	// 403 from Telegram tells the engine.
	h.command(flows.User{ID: mentorID, FirstName: "Marta"}, "start", "")
	h.command(flows.User{ID: 200000002, FirstName: "Louis", Username: "louis"}, "start", "")
	more, err := h.engine.Undeliverable(ctx, flows.Undelivered{Message: flows.Message{ChatID: 200000002, Text: "hello"}, Reason: flows.ReasonBlocked})
	if err != nil || len(more) != 0 {
		t.Fatalf("Undeliverable = %v, %v; want nothing more to send", more, err)
	}
	// A committee member joins through an invite.
	h.command(flows.User{ID: newcomer, FirstName: "Carla", LanguageCode: "it"}, "start",
		invitePayload(t, h.command(staff, "invite", "committee palermo")))
	invitePayload(t, h.command(staff, "invite", "staff")) // stays open

	r = h.command(staff, "people", "")
	wantText(t, r, staffID, "(madrid-ai): Marta: reachable")
	wantText(t, r, staffID, "(lyon-law): Louis (@louis): blocked the bot")
	wantText(t, r, staffID, "University of Palermo: Carla: reachable")
	wantText(t, r, staffID, "3 people cannot be reached:\n• Louis (@louis): blocked the bot\n• user 200000003")
	wantText(t, r, staffID, "1 open invitation:\n• #2 programme staff, valid until 2027-02-08 10:00")
	if _, ok := buttonFor(r, staffID, "mentor", "madrid-ai"); ok {
		t.Errorf("/people offers a new link for a reachable mentor:%s", dump(r))
	}
	if _, ok := buttonFor(r, staffID, "resend", "2"); !ok {
		t.Errorf("/people offers no new link for open invite #2:%s", dump(r))
	}

	// The button gives a fresh link for the blocked mentor's project.
	r = h.pressAction(staff, r, "mentor", "lyon-law")
	wantText(t, r, staffID, "Invitation #3 for mentor of the project “European migration law” (lyon-law)")
	invitePayload(t, r)

	// In Italian, with Italian plurals.
	h.pressAction(staff, h.command(staff, "language", ""), "set", "it")
	r = h.command(staff, "people", "")
	wantText(t, r, staffID, "Staff (1 persona):")
	wantText(t, r, staffID, "3 persone non sono raggiungibili:")
	wantText(t, r, staffID, "2 inviti aperti:")
}

func TestPeopleEveryoneReachable(t *testing.T) {
	h := newHarness(t)
	staff := user(staffID, "en")
	for _, id := range []int64{200000001, 200000002, 200000003, 200000004} {
		h.command(flows.User{ID: id, FirstName: "M"}, "start", "")
	}
	r := h.command(staff, "people", "")
	wantSaid(t, r, staffID, "people.all_reachable")
	for _, m := range r.Messages {
		if len(m.Buttons) != 0 {
			t.Errorf("/people with everyone reachable offers buttons:%s", dump(r))
		}
	}
}

func TestPeopleButtonsAreForStaffOnly(t *testing.T) {
	h := newHarness(t)
	staff := user(staffID, "en")
	h.command(staff, "invite", "staff")
	list := h.command(staff, "people", "")
	for _, button := range []struct{ action, arg string }{{"resend", "1"}, {"mentor", "madrid-ai"}} {
		b, ok := buttonFor(list, staffID, button.action, button.arg)
		if !ok {
			t.Fatalf("no button %s/%s:%s", button.action, button.arg, dump(list))
		}
		r := h.pressData(user(studentA, "en"), b.Data)
		if len(r.Messages) != 0 || r.NoticeID != "error.not_allowed" {
			t.Errorf("student pressing %s/%s = %s; want a refusal and nothing else", button.action, button.arg, dump(r))
		}
	}
	// Forged arguments are refused too.
	for _, data := range []string{"1:people:resend::x", "1:people:mentor::atlantis", "1:people:boom::1"} {
		if r := h.pressData(staff, data); len(r.Messages) != 0 || r.NoticeID != "error.bad_button" {
			t.Errorf("press(%q) = %s; want a bad-button notice", data, dump(r))
		}
	}
	// Nothing changed: still one open invite, #1.
	wantText(t, h.command(staff, "people", ""), staffID, "1 open invitation:\n• #1 programme staff")
}

func TestPeopleListsAnUnreachablePersonOnce(t *testing.T) {
	h := newHarness(t)
	staff := user(staffID, "en")
	for _, id := range []int64{200000001, 200000002, 200000003, 200000004} {
		h.command(flows.User{ID: id, FirstName: "M"}, "start", "")
	}
	carla := flows.User{ID: newcomer, FirstName: "Carla", LanguageCode: "en"}
	h.command(carla, "start", invitePayload(t, h.command(staff, "invite", "staff")))
	h.command(carla, "start", invitePayload(t, h.command(staff, "invite", "committee palermo")))
	if err := h.rec.MarkBlocked(context.Background(), newcomer); err != nil {
		t.Fatal(err)
	}
	r := h.command(staff, "people", "")
	wantText(t, r, staffID, "1 person cannot be reached:\n• Carla: blocked the bot\n")
}

func TestMyDataShowsAndErasesRoles(t *testing.T) {
	h := newHarness(t)
	staff := user(staffID, "en")
	carla := flows.User{ID: newcomer, FirstName: "Carla", LanguageCode: "en"}
	for _, args := range []string{"staff", "mentor berlin-eng", "committee palermo"} {
		h.command(carla, "start", invitePayload(t, h.command(staff, "invite", args)))
	}
	r := h.command(carla, "mydata", "")
	if len(r.Messages) != 1 || r.Messages[0].File == nil {
		t.Fatalf("/mydata = %s; want one JSON document", dump(r))
	}
	var doc struct {
		People struct {
			Staff       bool     `json:"staff"`
			MentorOf    []string `json:"mentor_of"`
			CommitteeOf string   `json:"committee_of"`
		} `json:"people"`
	}
	if err := json.Unmarshal(r.Messages[0].File.Content, &doc); err != nil {
		t.Fatalf("mydata.json: %v", err)
	}
	if p := doc.People; !p.Staff || strings.Join(p.MentorOf, ",") != "berlin-eng" || p.CommitteeOf != "palermo" {
		t.Errorf("exported roles = %+v; want staff, mentor of berlin-eng, committee of palermo", p)
	}

	h.pressAction(carla, h.command(carla, "deletemydata", ""), "delete", "")
	for _, role := range []records.Role{records.RoleStaff, records.RoleMentor, records.RoleCommittee} {
		if h.hasRole(newcomer, role) {
			t.Errorf("after /deletemydata HasRole(%s) = true", role)
		}
	}
	if got := h.mentorOf("berlin-eng"); got != 200000003 {
		t.Errorf("after /deletemydata MentorOf(berlin-eng) = %d; want the programme's 200000003", got)
	}
	if uni := h.committeeOf(newcomer); uni != "" {
		t.Errorf("after /deletemydata CommitteeOf = %q; want none", uni)
	}
	// The programme file's staff keep their role: it is configuration.
	h.pressAction(staff, h.command(staff, "deletemydata", ""), "delete", "")
	if !h.hasRole(staffID, records.RoleStaff) {
		t.Error("the programme file's staff lost the role")
	}
}
