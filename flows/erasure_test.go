package flows_test

import (
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/mentorbot/mentorbot/flows"
	"github.com/mentorbot/mentorbot/flows/records"
	"github.com/mentorbot/mentorbot/flows/redisstore"
	"github.com/mentorbot/mentorbot/flows/redisstore/redistest"
)

// The person of the erasure tests: an id and a piece of text found
// nowhere else, to look for in every key and value.
var richZoe = flows.User{ID: 377123459, FirstName: "Zoë", LastName: "Quattrocchi", Username: "zoeq", LanguageCode: "en"}

const zoeText = "Quokka7731"

// richRig is a support rig on a Redis the test can scan, with turns
// committing their messages to the durable outbox as in production.
type richRig struct {
	*supportRig
	rdb    redis.UniversalClient
	prefix string
	ref    string // Zoë's application, and her mentorship
}

func newRichRig(t *testing.T) *richRig {
	t.Helper()
	rdb, prefix := redistest.Client(t)
	h := newHarnessWith(t, redisstore.New(rdb, redistest.Options(rdb, prefix)), loadProgram(t))
	e, err := flows.New(flows.Config{Store: h.store, Catalog: h.engine.Catalog(), Program: h.program,
		Now: h.clock.Now, BotUsername: "mentor_test_bot", Outbox: true})
	if err != nil {
		t.Fatal(err)
	}
	h.engine = e
	return &richRig{supportRig: &supportRig{harness: h, nextID: 500}, rdb: rdb, prefix: prefix}
}

// enrich gives Zoë everything a person can have: an application with
// files matched with a mentor, an agreement, a diary entry the mentor
// commented on, questionnaire answers, an ECTS form, a support ticket a
// committee member claimed and answered with a follow-up, and a diary
// entry half written (her session).
func (s *richRig) enrich(t *testing.T) {
	t.Helper()
	s.command(mentor, "start", "")
	s.command(richZoe, "start", "")
	s.ref = s.submit(richZoe)
	r := s.press(staff, s.open(s.ref), "Accept")
	s.press(staff, r, "Match with mentor")
	s.press(staff, s.command(staff, "publish", ""), "Publish results")

	s.command(richZoe, "agreement", "")
	s.text(richZoe, "Topics "+zoeText)
	r = s.text(richZoe, "02/02 18:00\n09/02 18:00\n16/02 18:00\n23/02 18:00\n2/3 18:00\n9/3 18:00")
	r = s.pressAction(richZoe, r, "send", "")
	wantSaid(t, s.pressAction(mentor, r, "ok", "*"), mentorID, "agreement.confirmed")

	s.clock.Set(time.Date(2027, 2, 10, 10, 0, 0, 0, s.program.Location()))
	r = s.command(richZoe, "diary", "")
	r = s.pressAction(richZoe, r, "write", s.ref+".1")
	for _, a := range []string{"2 February", "Learned " + zoeText, "Much", "More"} {
		s.text(richZoe, a)
		r = s.pressAction(richZoe, r, "done", "")
	}
	s.pressSentTo(mentor, r, mentorID, "comment")
	wantSaid(t, s.text(mentor, "Well done"), mentorID, "diary.comment.saved")

	r = s.command(staff, "openquestionnaire", s.ref)
	r = s.pressAction(richZoe, r, "start", s.ref)
	r = s.pressAction(richZoe, r, "ans", "0.4")
	s.press(richZoe, r, "Maybe")
	r = s.text(richZoe, "Comment "+zoeText)
	wantSaid(t, s.pressAction(richZoe, r, "submit", ""), richZoe.ID, "questionnaire.thanks")

	r = s.pressAction(richZoe, s.command(richZoe, "ects", ""), "yes", "")
	s.pressAction(richZoe, r, "usename", "")
	s.text(richZoe, "123456")
	r = s.text(richZoe, "Physics "+zoeText)
	s.pressAction(richZoe, r, "uni", "palermo")
	s.text(richZoe, "2026-27")
	r = s.text(richZoe, "3")
	wantSaid(t, s.pressAction(richZoe, r, "confirm", ""), richZoe.ID, "ects.ready")

	r = s.pressAction(richZoe, s.command(richZoe, "support", ""), "uni", "bicocca")
	s.pressAction(richZoe, r, "topic", "housing")
	r = s.handle(flows.Event{Kind: flows.KindText, From: richZoe, Text: "A room " + zoeText, MessageID: 9001})
	post := s.deliver(r)[0]
	if tk := s.ticket("1"); tk.PostID != post {
		t.Fatalf("Ticket(1) = %+v; want it posted as %d", tk, post)
	}
	s.pressIn(bicoccaChat, memberAna, flows.Reply{Messages: only(r, bicoccaChat)}, "claim")
	s.answer(bicoccaChat, memberAna, post, "Via Roma 1")
	s.deliver(s.text(richZoe, "And the rent? "+zoeText))
	s.command(richZoe, "cancel", "")

	r = s.command(richZoe, "diary", "")
	r = s.pressAction(richZoe, r, "write", s.ref+".2")
	s.text(richZoe, "9 February")
	s.pressAction(richZoe, r, "done", "")
	s.text(richZoe, "Draft "+zoeText)
}

// deliverAll plays the sender: every message waiting in the durable
// outbox, but for the chats in keep, is sent and removed.
func (s *richRig) deliverAll(t *testing.T, keep ...int64) {
	t.Helper()
	ctx := context.Background()
	now := s.clock.Now()
	chats, err := s.rec.TakeOutboxChats(ctx, now.Add(time.Hour), time.Minute, 1000)
	if err != nil {
		t.Fatal(err)
	}
outer:
	for _, chat := range chats {
		for _, k := range keep {
			if chat == k { // not sent: ready again at once
				if err := s.rec.RenewOutboxChats(ctx, []int64{chat}, time.UnixMilli(0)); err != nil {
					t.Fatal(err)
				}
				continue outer
			}
		}
		msgs, err := s.rec.OutboxMessages(ctx, chat, 1000)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range msgs {
			if _, err := s.rec.OutboxSent(ctx, chat, m, now); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// scanFor fails for every key under the rig's prefix whose name or
// value, whatever its type, holds one of needles.
func (s *richRig) scanFor(t *testing.T, needles ...string) {
	t.Helper()
	keyPrefix := redistest.KeyPrefix(s.rdb, s.prefix)
	keys := redistest.Keys(t, s.rdb, keyPrefix+"*")
	if len(keys) == 0 {
		t.Fatal("no keys to scan")
	}
	for _, k := range keys {
		key := strings.TrimPrefix(k, keyPrefix)
		val := dumpAny(t, s.rdb, k)
		for _, n := range needles {
			if strings.Contains(key, n) || strings.Contains(val, n) {
				t.Errorf("%s = %s holds %q", key, val, n)
			}
		}
	}
}

// dumpAny renders the value at k of any type, streams included.
func dumpAny(tb testing.TB, rdb redis.UniversalClient, k string) string {
	tb.Helper()
	ctx := context.Background()
	typ, err := rdb.Type(ctx, k).Result()
	if err != nil {
		tb.Fatal(err)
	}
	if typ != "stream" {
		return dumpKey(tb, rdb, k)
	}
	xs, err := rdb.XRange(ctx, k, "-", "+").Result()
	if err != nil {
		tb.Fatal(err)
	}
	return typ + " " + strings.Join(func() []string {
		var out []string
		for _, x := range xs {
			buf, _ := json.Marshal(x.Values)
			out = append(out, x.ID+" "+string(buf))
		}
		return out
	}(), " ")
}

// TestDeleteMyDataLeavesNothingOfARichPerson erases a person who has
// every kind of record and scans the whole keyspace: neither their id
// nor their text is left in any key or value, the messages still
// waiting for them are gone but for the confirmation, and one
// tombstone, naming nobody, records the erasure.
func TestDeleteMyDataLeavesNothingOfARichPerson(t *testing.T) {
	s := newRichRig(t)
	s.enrich(t)
	ctx := context.Background()
	s.deliverAll(t, richZoe.ID)
	if msgs, err := s.rec.OutboxMessages(ctx, richZoe.ID, 1000); err != nil || len(msgs) == 0 {
		t.Fatalf("OutboxMessages(Zoë) before the erasure = %d, %v; want messages waiting", len(msgs), err)
	}

	r := s.pressAction(richZoe, s.command(richZoe, "deletemydata", ""), "delete", "")
	wantSaid(t, r, richZoe.ID, "mydata.deleted")
	msgs, err := s.rec.OutboxMessages(ctx, richZoe.ID, 1000)
	if err != nil || len(msgs) != 1 {
		t.Fatalf("OutboxMessages(Zoë) after the erasure = %d, %v; want only the confirmation", len(msgs), err)
	}
	s.deliverAll(t)
	s.scanFor(t, strconv.FormatInt(richZoe.ID, 10), zoeText, richZoe.LastName)

	ts, err := s.rec.Tombstones(ctx)
	if err != nil || len(ts) != 1 || !ts[0].At.Equal(s.clock.Now().UTC()) {
		t.Errorf("Tombstones() = %v, %v; want one at %v", ts, err, s.clock.Now().UTC())
	}
	// The mentorship stays, anonymous, for the mentor and the counts.
	if m, err := s.rec.Mentorship(ctx, s.ref); err != nil || m.MenteeID != records.ErasedUser || m.MentorID != mentorID {
		t.Errorf("Mentorship(%s) = %+v, %v; want the mentee erased, the mentor kept", s.ref, m, err)
	}
}

// TestOtherSideSeesADeletedUser has the mentee erase their data: the
// mentor's diary and schedule then name a deleted user (never "?",
// "-1" or a number).
func TestOtherSideSeesADeletedUser(t *testing.T) {
	s := newRichRig(t)
	s.enrich(t)
	s.pressAction(richZoe, s.command(richZoe, "deletemydata", ""), "delete", "")
	deleted := s.rendered("it", "privacy.deleted_user", nil)
	for _, tc := range []struct{ cmd, id string }{
		{"diary", "diary.list.mentor"},
		{"meetings", "meetings.header"},
	} {
		t.Run(tc.cmd, func(t *testing.T) {
			r := s.command(mentor, tc.cmd, "")
			wantSaid(t, r, mentorID, tc.id)
			s.wantRendered(t, r, mentorID, "it", tc.id, map[string]any{"Project": projectMadrid, "Mentee": deleted, "Other": deleted})
		})
	}
}

// TestCommitteeMemberErasureLeavesTheTicketToADeletedUser has the
// committee member who claimed and answered a ticket erase their data:
// the ticket stays, for the student, and the committee's /tickets shows
// it claimed by a deleted user; nothing names the member.
func TestCommitteeMemberErasureLeavesTheTicketToADeletedUser(t *testing.T) {
	s := newRichRig(t)
	ada := user(studentA, "en")
	r, post := s.request(ada, "bicocca", "housing", "A room?")
	s.pressIn(bicoccaChat, memberAna, flows.Reply{Messages: only(r, bicoccaChat)}, "claim")
	s.answer(bicoccaChat, memberAna, post, "Via Roma 1")
	s.deliver(s.text(ada, "And the rent?")) // claimed again, waiting for Ana
	ana := member0(memberAna)
	s.pressAction(ana, s.command(ana, "deletemydata", ""), "delete", "")
	s.deliverAll(t)

	wantForgotten(t, s.rdb, s.prefix, memberAna)
	tk := s.ticket("1")
	if tk.ClaimedBy != records.ErasedUser || tk.AnsweredBy != records.ErasedUser || tk.ClaimedByName != "" {
		t.Errorf("Ticket(1) after the member's erasure = %+v; want it claimed and answered by ErasedUser", tk)
	}
	r = s.group(bicoccaChat, flows.Event{Kind: flows.KindCommand, From: member0(memberBea), Command: "tickets"})
	s.wantRendered(t, r, bicoccaChat, "en", "support.state_claimed", map[string]any{"Name": s.rendered("en", "privacy.deleted_user", nil)})
}

// TestMyDataHoldsOnlyTheirOwnData exports everything a rich person has:
// the export holds their own data, their conversation in progress
// included, and names the mentor, the committee member and the staff
// by their part, never by id or name.
func TestMyDataHoldsOnlyTheirOwnData(t *testing.T) {
	s := newRichRig(t)
	s.enrich(t)
	r := s.command(richZoe, "mydata", "")
	if len(r.Messages) != 1 || r.Messages[0].File == nil {
		t.Fatalf("/mydata = %s; want one JSON document", dump(r))
	}
	raw := string(r.Messages[0].File.Content)
	for _, other := range []string{strconv.Itoa(mentorID), strconv.Itoa(staffID), strconv.Itoa(memberAna),
		mentor.FirstName, mentor.Username, staff.FirstName, `"Ana"`, "Committee"} {
		if strings.Contains(raw, other) {
			t.Errorf("/mydata holds %q, another person's id or name", other)
		}
	}
	var doc struct {
		Session struct {
			Flow  string          `json:"flow"`
			State json.RawMessage `json:"state"`
		} `json:"session"`
		Apply      []struct{ Mentor string }   `json:"apply"`
		Mentorship []struct{ As, With string } `json:"mentorship"`
		Support    []struct {
			ClaimedBy string `json:"claimed_by"`
		} `json:"support"`
		Diary []struct{ Topics, Comment string } `json:"diary"`
	}
	if err := json.Unmarshal(r.Messages[0].File.Content, &doc); err != nil {
		t.Fatalf("mydata.json: %v", err)
	}
	for _, c := range []struct {
		what      string
		got, want any
	}{
		{"session flow", doc.Session.Flow, "diary"},
		{"session holds the draft", strings.Contains(string(doc.Session.State), "Draft "+zoeText), true},
		{"application mentor", doc.Apply[0].Mentor, string(records.PartyMentor)},
		{"mentorship", len(doc.Mentorship) == 1 && doc.Mentorship[0].With == string(records.PartyMentor), true},
		{"ticket claimed by", len(doc.Support) == 1 && doc.Support[0].ClaimedBy == string(records.PartyCommittee), true},
		{"diary", len(doc.Diary) == 1 && doc.Diary[0].Comment == "Well done", true},
	} {
		if c.got != c.want {
			t.Errorf("/mydata %s = %v; want %v", c.what, c.got, c.want)
		}
	}
}

// TestStaffEraseOnRequest: staff erase a person who asked them to, with
// a confirmation; nothing of the person is left in the keyspace, and
// the audit log says an erasure happened, not whose. A student cannot
// erase anyone.
func TestStaffEraseOnRequest(t *testing.T) {
	s := newRichRig(t)
	s.enrich(t)
	ctx := context.Background()
	id := strconv.FormatInt(richZoe.ID, 10)

	r := s.command(ada, "erase", id)
	if got := saidTo(r, studentA); slices.Contains(got, "erase.confirm") {
		t.Fatalf("/erase by a student = %q; want a refusal", got)
	}
	r = s.command(staff, "erase", id)
	wantSaid(t, r, staffID, "erase.confirm")
	r = s.pressAction(staff, r, "keep", id)
	wantSaid(t, r, staffID, "mydata.kept")
	if _, err := s.rec.Profile(ctx, richZoe.ID); err != nil {
		t.Fatalf("Profile after keep: %v; want it kept", err)
	}

	r = s.pressAction(staff, s.command(staff, "erase", id), "erase", id)
	wantSaid(t, r, staffID, "erase.done")
	s.deliverAll(t)
	s.scanFor(t, id, zoeText, richZoe.LastName)

	var last records.AuditEntry
	if err := s.rec.EachAudit(ctx, func(b []records.AuditEntry) error { last = b[len(b)-1]; return nil }); err != nil {
		t.Fatal(err)
	}
	if last.Action != "privacy.erase" || last.Actor != staffID || last.Target != 0 {
		t.Errorf("last audit entry = %+v; want privacy.erase by staff naming nobody", last)
	}
}
