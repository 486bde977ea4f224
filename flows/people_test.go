package flows_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/mentorbot/mentorbot/flows"
	"github.com/mentorbot/mentorbot/flows/records"
)

// peopleList opens list section of /people from its overview.
func (h *harness) peopleList(u flows.User, section string) flows.Reply {
	h.tb.Helper()
	return h.pressAction(u, h.command(u, "people", ""), "page", section+".0")
}

func TestPeopleShowsRolesAndReachability(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	staff := user(staffID, "en")

	r := h.command(staff, "people", "")
	wantSaid(t, r, staffID, "people.overview")
	h.wantRendered(t, r, staffID, "en", "people.overview", map[string]any{"staff": 1, "mentors": 4, "committees": 0, "unreachable": 4, "invites": 0})
	wantText(t, h.peopleList(staff, "staff"), staffID, "• staff: Useren (@uen): reachable")
	r = h.peopleList(staff, "mentors")
	wantText(t, r, staffID, "Machine learning for public health (madrid-ai): user 200000001: never started the bot")
	if _, ok := buttonFor(r, staffID, "mentor", "madrid-ai"); !ok {
		t.Errorf("the mentors list offers no new link for the unreachable mentor of madrid-ai:%s", dump(r))
	}
	wantText(t, h.peopleList(staff, "committees"), staffID, h.rendered("en", "people.empty.committees", nil))

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

	r = h.peopleList(staff, "mentors")
	wantText(t, r, staffID, "(madrid-ai): Marta: reachable")
	wantText(t, r, staffID, "(lyon-law): Louis (@louis): blocked the bot")
	if _, ok := buttonFor(r, staffID, "mentor", "madrid-ai"); ok {
		t.Errorf("the mentors list offers a new link for a reachable mentor:%s", dump(r))
	}
	wantText(t, h.peopleList(staff, "committees"), staffID, "University of Palermo: Carla: reachable")
	r = h.peopleList(staff, "unreachable")
	wantText(t, r, staffID, "Unreachable: 3 · page 1 of 1\n• European migration law (lyon-law): Louis (@louis): blocked the bot\n• ")
	r = h.peopleList(staff, "invites")
	wantText(t, r, staffID, "• #2 programme staff, valid until 2027-02-08 10:00")
	if _, ok := buttonFor(r, staffID, "resend", "2"); !ok {
		t.Errorf("the invites list offers no new link for open invite #2:%s", dump(r))
	}

	// The button gives a fresh link for the blocked mentor's project.
	r = h.pressAction(staff, h.peopleList(staff, "mentors"), "mentor", "lyon-law")
	wantText(t, r, staffID, "Invitation #3 for mentor of the project “European migration law” (lyon-law)")
	invitePayload(t, r)

	// In Italian.
	h.pressAction(staff, h.command(staff, "language", ""), "set", "it")
	wantText(t, h.peopleList(staff, "unreachable"), staffID, "Non raggiungibili: 3 · pagina 1 di 1")
	wantText(t, h.peopleList(staff, "invites"), staffID, "Inviti: 2 · pagina 1 di 1")
}

func TestPeopleEveryoneReachable(t *testing.T) {
	h := newHarness(t)
	staff := user(staffID, "en")
	for _, id := range []int64{200000001, 200000002, 200000003, 200000004} {
		h.command(flows.User{ID: id, FirstName: "M"}, "start", "")
	}
	r := h.peopleList(staff, "unreachable")
	wantText(t, r, staffID, h.rendered("en", "people.empty.unreachable", nil))
	if _, ok := buttonFor(r, staffID, "mentor", "*"); ok {
		t.Errorf("the unreachable list with everyone reachable offers a new link:%s", dump(r))
	}
}

func TestPeopleButtonsAreForStaffOnly(t *testing.T) {
	h := newHarness(t)
	staff := user(staffID, "en")
	h.command(staff, "invite", "staff")
	for _, button := range []struct{ section, action, arg string }{{"invites", "resend", "1"}, {"mentors", "mentor", "madrid-ai"}, {"staff", "page", "mentors.0"}} {
		list := h.peopleList(staff, button.section)
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
	for _, data := range []string{"1:people:resend::x", "1:people:mentor::atlantis", "1:people:boom::1", "1:people:page::nobody.0", "1:people:page::staff.x"} {
		if r := h.pressData(staff, data); len(r.Messages) != 0 || r.NoticeID != "error.bad_button" {
			t.Errorf("press(%q) = %s; want a bad-button notice", data, dump(r))
		}
	}
	// Nothing changed: still one open invite, #1.
	wantText(t, h.peopleList(staff, "invites"), staffID, "Invitations: 1 · page 1 of 1\n• #1 programme staff")
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
	r := h.peopleList(staff, "unreachable")
	wantText(t, r, staffID, "Unreachable: 1 · page 1 of 1\n• staff: Carla: blocked the bot")
}

// TestPeoplePagesReachEveryoneOnce: with 2,500 committee members the
// committees list shows ten a page, and walking it with › reaches each
// member exactly once, every message inside Telegram's limits.
func TestPeoplePagesReachEveryoneOnce(t *testing.T) {
	h := newHarness(t)
	staff := user(staffID, "en")
	const n = 2500
	ctx := context.Background()
	for i := range n {
		if err := h.rec.SetCommittee(ctx, int64(800000000+i), "palermo"); err != nil {
			t.Fatal(err)
		}
	}
	r := h.peopleList(staff, "committees")
	seen := make(map[string]int)
	for page := 1; ; page++ {
		for _, m := range r.Messages {
			if len([]rune(m.Text)) > 4096 {
				t.Fatalf("page %d: %d characters", page, len([]rune(m.Text)))
			}
			buttons := 0
			for _, row := range m.Buttons {
				buttons += len(row)
			}
			if buttons > 100 {
				t.Fatalf("page %d: %d buttons", page, buttons)
			}
			for _, line := range strings.Split(m.Text, "\n")[1:] {
				seen[line]++
			}
		}
		next, ok := nextButton(r)
		if !ok {
			break
		}
		r = h.handle(flows.Event{Kind: flows.KindButton, From: staff, Data: next.Data})
	}
	if len(seen) != n {
		t.Errorf("the pages list %d members; want %d", len(seen), n)
	}
	for line, k := range seen {
		if k != 1 {
			t.Errorf("%q listed %d times", line, k)
		}
	}
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
