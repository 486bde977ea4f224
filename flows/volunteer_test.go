package flows_test

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mentorbot/mentorbot/flows"
	"github.com/mentorbot/mentorbot/flows/records"
)

// roma3Chat is the committee group of Roma 3, which has no members in
// the programme file.
const roma3Chat = -1001000000003

// wantNotSaid fails if some message of r to chat was made from id.
func wantNotSaid(tb testing.TB, r flows.Reply, chat int64, id string) {
	tb.Helper()
	if slices.Contains(saidTo(r, chat), id) {
		tb.Fatalf("reply to %d has message %s; want none:%s", chat, id, dump(r))
	}
}

// flowButton returns the button of r to chat of flow with action.
func flowButton(r flows.Reply, chat int64, flow, action string) (flows.Button, bool) {
	for _, m := range only(r, chat) {
		for _, row := range m.Buttons {
			for _, b := range row {
				if cb, err := flows.DecodeCallback(b.Data); err == nil && cb.Flow == flow && cb.Action == action {
					return b, true
				}
			}
		}
	}
	return flows.Button{}, false
}

// offer runs /volunteer for u up to sending an offer to the committee
// of uni (its id) and returns the turn that sent it.
func (s *supportRig) offer(u flows.User, uni, about string) flows.Reply {
	s.tb.Helper()
	r := s.command(u, "volunteer", "")
	r = s.pressAction(u, r, "uni", uni)
	wantSaid(s.tb, r, u.ID, "volunteer.ask_about")
	r = s.text(u, about)
	wantSaid(s.tb, r, u.ID, "volunteer.confirm")
	r = s.pressAction(u, r, "send", "")
	wantSaid(s.tb, r, u.ID, "volunteer.sent")
	return r
}

// inviteButton is the Invite button of the offer r posted in chat.
func inviteButton(tb testing.TB, r flows.Reply, chat int64) flows.Button {
	tb.Helper()
	b, ok := flowButton(r, chat, "volunteer", "accept")
	if !ok {
		tb.Fatalf("no Invite button in chat %d:%s", chat, dump(r))
	}
	return b
}

// pressAs presses button b as user from in chat, a group.
func (s *supportRig) pressAs(chat int64, from flows.User, b flows.Button) flows.Reply {
	s.tb.Helper()
	return s.group(chat, flows.Event{Kind: flows.KindButton, From: from, Data: b.Data})
}

func TestVolunteerOfferReachesOnlyItsCommittee(t *testing.T) {
	s := newSupportRig(t)
	u := user(studentA, "it")
	r := s.offer(u, "palermo", "I study law and speak Arabic.")
	var post flows.Message
	for _, m := range r.Messages {
		switch m.ChatID {
		case palermoChat:
			post = m
		case studentA:
		default:
			t.Errorf("the offer reached chat %d:%s", m.ChatID, dump(r))
		}
	}
	if post.TextID != "volunteer.group.offer" || post.About != studentA || post.Quote == nil ||
		post.Text[post.Quote.Start:post.Quote.End] != "I study law and speak Arabic." {
		t.Fatalf("offer in Palermo's group = %+v; want the student's words, quoted, about them", post)
	}
	if !strings.Contains(post.Text, "@uit") {
		t.Errorf("offer = %q; want the student's username for the committee", post.Text)
	}
	if got := s.committeeOf(studentA); got != "" {
		t.Fatalf("committee of the student before anyone invited them = %q", got)
	}
	b := inviteButton(t, r, palermoChat)

	// Only Palermo's committee, in Palermo's group, invites.
	wantNotice(t, s.pressAs(bicoccaChat, member0(memberAna), b), "volunteer.not_your_offer")
	wantNotice(t, s.pressAs(palermoChat, user(studentB, "en"), b), "error.not_allowed")
	if got := s.committeeOf(studentA); got != "" {
		t.Fatalf("committee of the student after presses of others = %q", got)
	}

	r = s.pressAs(palermoChat, member0(memberPia), b)
	wantNotice(t, r, "volunteer.done")
	wantSaid(t, r, studentA, "volunteer.joined")
	wantSaid(t, r, palermoChat, "volunteer.group.accepted")
	if got := s.committeeOf(studentA); got != "palermo" {
		t.Fatalf("committee of the student after the invite = %q; want palermo", got)
	}
	wantNotice(t, s.pressAs(palermoChat, member0(memberPia), b), "volunteer.already_accepted")

	// Now a member: heard in Palermo's group, not in Bicocca's.
	l := s.group(palermoChat, flows.Event{Kind: flows.KindCommand, From: u, Command: "tickets"})
	wantSaid(t, l, palermoChat, "support.tickets_none")
	l = s.group(bicoccaChat, flows.Event{Kind: flows.KindCommand, From: u, Command: "tickets"})
	wantSaid(t, l, bicoccaChat, "error.not_allowed")
	wantSaid(t, s.command(u, "volunteer", ""), studentA, "volunteer.already_member")

	entries, _, err := s.rec.AuditPage(context.Background(), 0, 10)
	if err != nil || len(entries) == 0 || entries[0].Action != "role.volunteer" || entries[0].Actor != memberPia ||
		entries[0].Target != studentA {
		t.Errorf("audit log = %+v, %v; want Pia's invite of the student", entries, err)
	}
}

func TestVolunteerWaysIn(t *testing.T) {
	s := newSupportRig(t)
	u := user(studentA, "en")
	r := s.command(u, "start", "")
	b, ok := flowButton(r, studentA, "volunteer", "begin")
	if !ok {
		t.Fatalf("welcome lacks the volunteer button:%s", dump(r))
	}
	r = s.handle(flows.Event{Kind: flows.KindButton, From: u, Data: b.Data})
	wantSaid(t, r, studentA, "volunteer.choose_university")

	r = s.command(u, "start", "committee_roma3")
	wantSaid(t, r, studentA, "volunteer.ask_about")
	wantNotSaid(t, r, studentA, "volunteer.choose_university")
	wantSaid(t, s.text(u, "Hello"), studentA, "volunteer.confirm")
	r = s.text(u, "Hello again, I speak four languages.")
	r = s.pressAction(u, r, "send", "")
	if got := only(r, roma3Chat); len(got) != 1 || !strings.Contains(got[0].Text, "Hello again") {
		t.Fatalf("offer through Roma 3's link:%s; want the last text in Roma 3's group", dump(r))
	}
	wantSaid(t, s.command(u, "start", "committee_roma3"), studentA, "volunteer.already_offered")

	r = s.command(u, "start", "committee_nowhere")
	wantSaid(t, r, studentA, "links.unknown_university")
	wantSaid(t, r, studentA, "volunteer.choose_university")

	wantSaid(t, s.command(member0(memberAna), "volunteer", ""), memberAna, "volunteer.already_member")
}

func TestVolunteerRefusesOddInput(t *testing.T) {
	s := newSupportRig(t)
	u := user(studentA, "en")
	r := s.command(u, "volunteer", "")
	wantSaid(t, s.text(u, "Palermo"), studentA, "volunteer.use_buttons")
	wantSaid(t, s.pressAction(u, r, "uni", "palermo"), studentA, "volunteer.ask_about")
	wantSaid(t, s.document(u, "cv.pdf", pdfMIME, 100), studentA, "volunteer.text_only")
	wantSaid(t, s.text(u, strings.Repeat("a", 2001)), studentA, "volunteer.too_long")
	r = s.text(u, "Me")
	r = s.pressAction(u, r, "cancel", "")
	wantSaid(t, r, studentA, "volunteer.cancelled")
	if len(only(r, palermoChat)) != 0 {
		t.Errorf("a cancelled offer reached the group:%s", dump(r))
	}
	wantNotice(t, s.pressData(u, "1:volunteer:uni:abcdef:palermo"), "error.stale_button")
}

func TestVolunteerForgedInvitesGrantNothing(t *testing.T) {
	s := newSupportRig(t)
	// A staff's invite link for Palermo: its number is no offer.
	s.command(staff, "invite", "committee palermo")
	for _, arg := range []string{"1", "999", "x", ""} {
		r := s.group(palermoChat, flows.Event{Kind: flows.KindButton, From: member0(memberPia), Data: "1:volunteer:accept::" + arg})
		wantNotice(t, r, "error.bad_button")
	}
	if got := s.committeeOf(staffID); got != "" {
		t.Errorf("a forged Invite made staff a committee member of %q", got)
	}
}

func TestVolunteerOfferExpires(t *testing.T) {
	s := newSupportRig(t)
	r := s.offer(user(studentA, "en"), "palermo", "Hello")
	s.clock.Add(31 * 24 * time.Hour)
	wantNotice(t, s.pressAs(palermoChat, member0(memberPia), inviteButton(t, r, palermoChat)), "volunteer.offer_expired")
	if got := s.committeeOf(studentA); got != "" {
		t.Errorf("committee after an expired offer = %q", got)
	}
	s.offer(user(studentA, "en"), "palermo", "Hello again") // a new one may be made
}

func TestVolunteerOfferIsExportedAndErased(t *testing.T) {
	s := newSupportRig(t)
	ctx := context.Background()
	r := s.offer(user(studentA, "en"), "palermo", "Hello")
	doc, err := s.engine.ExportUser(ctx, studentA)
	if err != nil {
		t.Fatal(err)
	}
	invs, ok := doc["invite"].([]records.InviteExport)
	if !ok || len(invs) != 1 || invs[0].University != "palermo" || invs[0].Role != records.RoleCommittee || !invs[0].Made {
		t.Fatalf("ExportUser(%d)[invite] = %#v; want the offer to Palermo's committee", studentA, doc["invite"])
	}
	if err := s.engine.EraseUser(ctx, studentA); err != nil {
		t.Fatal(err)
	}
	wantNotice(t, s.pressAs(palermoChat, member0(memberPia), inviteButton(t, r, palermoChat)), "volunteer.offer_gone")
	if got := s.committeeOf(studentA); got != "" {
		t.Errorf("an erased student's offer made them a member of %q", got)
	}
	if m := only(r, palermoChat); len(m) != 1 || m[0].About != studentA {
		t.Errorf("offer post = %+v; want it about the student, so the outbox drops it once they are erased", m)
	}
}

// TestVolunteerErasureLeavesNothing offers to join a committee, erases
// the student while the offer waits, and scans the keyspace for them.
func TestVolunteerErasureLeavesNothing(t *testing.T) {
	s := newRichRig(t)
	s.command(richZoe, "start", "")
	s.offer(richZoe, "palermo", "About me "+zoeText)
	s.pressAction(richZoe, s.command(richZoe, "volunteer", ""), "uni", "bicocca")
	s.text(richZoe, "Draft "+zoeText)
	wantSaid(t, s.pressAction(richZoe, s.command(richZoe, "deletemydata", ""), "delete", ""), richZoe.ID, "mydata.deleted")
	s.deliverAll(t)
	s.scanFor(t, strconv.FormatInt(richZoe.ID, 10), zoeText, richZoe.LastName)
}

func TestVolunteerRunTwice(t *testing.T) {
	h, cs := newConflictingHarness(t)
	s := &supportRig{harness: h, nextID: 500}
	u := user(studentA, "en")
	r := s.command(u, "volunteer", "")
	s.pressAction(u, r, "uni", "palermo")
	r = s.text(u, "Hello")
	cs.arm(studentA)
	r = s.pressAction(u, r, "send", "")
	if cs.lost != 1 || count(r, palermoChat, "volunteer.group.offer") != 1 {
		t.Fatalf("send run twice (lost %d):%s; want one offer in the group", cs.lost, dump(r))
	}
	invs, err := s.rec.InvitesOf(context.Background(), studentA)
	if err != nil || len(invs) != 1 {
		t.Fatalf("offers after a send run twice = %+v, %v; want one", invs, err)
	}
	cs.arm(palermoChat)
	r = s.pressAs(palermoChat, member0(memberPia), inviteButton(t, r, palermoChat))
	if cs.lost != 2 || count(r, studentA, "volunteer.joined") != 1 || s.committeeOf(studentA) != "palermo" {
		t.Fatalf("invite run twice (lost %d):%s; want the student told once and a member", cs.lost, dump(r))
	}
}
