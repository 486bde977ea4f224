package flows_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/mentorbot/mentorbot/flows"
	"github.com/mentorbot/mentorbot/flows/records"
	"github.com/mentorbot/mentorbot/flows/redisstore"
	"github.com/mentorbot/mentorbot/flows/redisstore/redistest"
)

// scopeRig is a support rig on a Redis whose keys a test can snapshot.
type scopeRig struct {
	*supportRig
	rdb      redis.UniversalClient
	snapshot func() map[string]string
}

func newScopeRig(tb testing.TB) *scopeRig {
	tb.Helper()
	rdb, prefix := redistest.Client(tb)
	h := newHarnessWith(tb, redisstore.New(rdb, redistest.Options(rdb, prefix)), loadProgram(tb))
	return &scopeRig{supportRig: &supportRig{harness: h, nextID: 500}, rdb: rdb, snapshot: snapshotter(tb, rdb, prefix)}
}

// session returns the stored session of chat.
func (s *scopeRig) session(chat int64) records.Session {
	s.tb.Helper()
	sess, err := s.rec.Session(context.Background(), chat)
	if err != nil {
		s.tb.Fatal(err)
	}
	return sess
}

// wantNothingElse fails unless the store and chat's session are as
// they were: the flow, step, state and nonce of the session, every
// other key byte for byte.
func (s *scopeRig) wantNothingElse(tb testing.TB, what string, chat int64, before map[string]string, sess records.Session) {
	tb.Helper()
	sameStore(tb, what, before, s.snapshot())
	after := s.session(chat)
	if after.Flow != sess.Flow || after.Step != sess.Step || after.Nonce != sess.Nonce || string(after.State) != string(sess.State) {
		tb.Errorf("%s changed the session of %d from %+v to %+v", what, chat, sess, after)
	}
}

// TestCommandsInTheWrongChatOnlyPoint sends staff and personal commands
// in groups, a committee's and another, and the committee's commands in
// a private chat: each gets one message, the pointer to the private
// chat (with a button opening it) or the group-only refusal, in the
// chat it came from, and nothing else happens: no invite, no export,
// no session.
func TestCommandsInTheWrongChatOnlyPoint(t *testing.T) {
	s := newScopeRig(t)
	staff, student, ana := user(staffID, "en"), user(studentA, "en"), member0(memberAna)
	for _, u := range []flows.User{staff, student, ana} {
		s.command(u, "start", "")
	}
	s.submit(student)
	tests := []struct {
		name     string
		from     flows.User
		chat     int64
		command  string
		args     string
		want     string
		wantLink bool
	}{
		{"staff invite in a group", staff, strayGroup, "invite", "staff", "scope.private_only", true},
		{"staff invite in a committee group", staff, bicoccaChat, "invite", "staff", "scope.private_only", true},
		{"committee invite in a group", staff, strayGroup, "invite", "committee bicocca", "scope.private_only", true},
		{"applications in a group", staff, strayGroup, "applications", "", "scope.private_only", true},
		{"export in a group", staff, strayGroup, "export", "applications", "scope.private_only", true},
		{"people in a group", staff, bicoccaChat, "people", "", "scope.private_only", true},
		{"mydata in a group", student, strayGroup, "mydata", "", "scope.private_only", true},
		{"deletemydata in a group", student, strayGroup, "deletemydata", "", "scope.private_only", true},
		{"withdraw in a group", student, strayGroup, "withdraw", "", "scope.private_only", true},
		{"status in a group", student, strayGroup, "status", "", "scope.private_only", true},
		{"start in a group", student, strayGroup, "start", "", "scope.private_only", true},
		{"help in a group", ana, bicoccaChat, "help", "", "scope.private_only", true},
		{"tickets in private", ana, memberAna, "tickets", "", "scope.group_only", false},
		{"sign in private", ana, memberAna, "sign", "thanks", "scope.group_only", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before, sess := s.snapshot(), s.session(tt.chat)
			ev := flows.Event{Kind: flows.KindCommand, From: tt.from, Command: tt.command, Args: tt.args,
				ChatID: tt.chat, ChatType: flows.ChatSupergroup}
			if tt.chat == tt.from.ID {
				ev.ChatType = flows.ChatPrivate
			}
			r := s.handle(ev)
			if len(r.Messages) != 1 || r.Messages[0].ChatID != tt.chat || r.Messages[0].TextID != tt.want || r.Messages[0].File != nil {
				t.Fatalf("/%s %s = %s (ids %q); want only %s in %d", tt.command, tt.args, dump(r), saidTo(r, tt.chat), tt.want, tt.chat)
			}
			var want [][]flows.Button
			if tt.wantLink {
				want = [][]flows.Button{{{Text: s.engine.Catalog().T("en", "scope.open_private", nil), URL: "https://t.me/mentor_test_bot"}}}
			}
			if got := r.Messages[0].Buttons; !slices.EqualFunc(got, want, slices.Equal) {
				t.Errorf("/%s %s buttons = %+v; want %+v", tt.command, tt.args, got, want)
			}
			s.wantNothingElse(t, "/"+tt.command+" "+tt.args, tt.chat, before, sess)
		})
	}
}

// TestCommitteeButtonsOnlyForTheGroupsCommittee posts a ticket in the
// Bicocca committee's group and has group members who are not in that
// committee press Claim and Close there: a student, staff, a member of
// another committee. Each gets the refusal toast and nothing else, and
// their replies to the post are not answers; a member who joined the
// committee through an invite may claim.
func TestCommitteeButtonsOnlyForTheGroupsCommittee(t *testing.T) {
	s := newScopeRig(t)
	staff := user(staffID, "en")
	outsiders := []flows.User{user(studentB, "en"), staff, member0(memberPia)}
	for _, u := range outsiders {
		s.command(u, "start", "")
	}
	r, postID := s.request(user(studentA, "en"), "bicocca", "housing", "Where do I sleep?")
	post := flows.Reply{Messages: only(r, bicoccaChat)}
	for _, u := range outsiders {
		for _, action := range []string{"claim", "close"} {
			t.Run(action+" by "+u.FirstName, func(t *testing.T) {
				before, sess := s.snapshot(), s.session(bicoccaChat)
				got := s.group(bicoccaChat, flows.Event{Kind: flows.KindButton, From: u, Data: mustButton(t, post, action).Data})
				if got.NoticeID != "error.not_allowed" || len(got.Messages) != 0 {
					t.Errorf("%s pressed by %d = %s; want the refusal toast only", action, u.ID, dump(got))
				}
				s.wantNothingElse(t, action+" by an outsider", bicoccaChat, before, sess)
			})
		}
	}
	if tk := s.ticket("1"); tk.State != records.TicketOpen || tk.ClaimedBy != 0 {
		t.Fatalf("Ticket(1) = %+v after outsiders pressed; want it open", tk)
	}

	// Nor is an outsider's reply to the post an answer.
	for _, u := range outsiders {
		before, sess := s.snapshot(), s.session(bicoccaChat)
		got := s.group(bicoccaChat, flows.Event{Kind: flows.KindText, From: u, Text: "forged answer", ReplyTo: postID})
		if len(got.Messages) != 0 || got.Notice != "" {
			t.Errorf("reply by %d to the ticket post = %s; want silence", u.ID, dump(got))
		}
		s.wantNothingElse(t, "an outsider's reply", bicoccaChat, before, sess)
	}

	// Someone invited into the committee may claim.
	joiner := flows.User{ID: 400000099, FirstName: "Joy", LanguageCode: "en"}
	s.command(joiner, "start", invitePayload(t, s.command(staff, "invite", "committee bicocca")))
	got := s.group(bicoccaChat, flows.Event{Kind: flows.KindButton, From: joiner, Data: mustButton(t, post, "claim").Data})
	wantNotice(t, got, "support.done")
	if tk := s.ticket("1"); tk.ClaimedBy != joiner.ID {
		t.Errorf("Ticket(1).ClaimedBy = %d after an invited member claimed; want %d", tk.ClaimedBy, joiner.ID)
	}
}

// mustButton returns the button of r whose callback has action.
func mustButton(tb testing.TB, r flows.Reply, action string) flows.Button {
	tb.Helper()
	b, ok := actionButton(r, action)
	if !ok {
		tb.Fatalf("no button %s in %s", action, dump(r))
	}
	return b
}

// TestButtonsBoundToTheirPerson presses, as one person, buttons bound
// to another: a confirmation left in a group by an earlier release
// (when personal commands ran in groups), pressed by another member of
// the group, and a private chat's confirmation pressed from a different
// account. Each is refused with a toast; nobody's data and no session
// change.
func TestButtonsBoundToTheirPerson(t *testing.T) {
	s := newScopeRig(t)
	ctx := context.Background()
	olga, ben := user(studentA, "en"), user(studentB, "en")
	s.command(olga, "start", "")
	s.command(ben, "start", "")

	// Olga's /deletemydata in a group, from before group commands were
	// refused: the group's session holds the confirmation's run.
	left := records.Session{ChatID: strayGroup, Flow: "mydata", Step: "confirm", Nonce: "abc123"}
	if err := s.rec.Begin().Commit(ctx, &left, nil, 0); err != nil {
		t.Fatal(err)
	}
	groupYes, err := flows.Callback{Flow: "mydata", Action: "delete", Nonce: left.Nonce}.Encode()
	if err != nil {
		t.Fatal(err)
	}
	// Olga's own confirmation, in her private chat.
	privateYes := mustButton(t, s.command(olga, "deletemydata", ""), "delete").Data

	tests := []struct {
		name string
		chat int64
		typ  flows.ChatType
		data string
	}{
		{"in a group, the confirmation of someone else", strayGroup, flows.ChatSupergroup, groupYes},
		{"in a private chat, from another account", olga.ID, flows.ChatPrivate, privateYes},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before, sess := s.snapshot(), s.session(tt.chat)
			got := s.handle(flows.Event{Kind: flows.KindButton, ChatID: tt.chat, ChatType: tt.typ, From: ben, Data: tt.data})
			if got.NoticeID != "scope.not_yours" || len(got.Messages) != 0 {
				t.Errorf("Ben pressing %s = %s; want the refusal toast only", tt.data, dump(got))
			}
			s.wantNothingElse(t, "Ben pressing "+tt.data, tt.chat, before, sess)
		})
	}
	for _, u := range []flows.User{olga, ben} {
		if p, err := s.rec.Profile(ctx, u.ID); err != nil || p.UserID != u.ID {
			t.Errorf("Profile(%d) = %+v, %v; want it kept", u.ID, p, err)
		}
	}
}

// TestForgedButtonsWithoutNonceRefused presses, in the presser's own
// private chat, buttons the bot only ever sends with the nonce of a
// flow run, without it: each is refused as made up and changes nothing.
func TestForgedButtonsWithoutNonceRefused(t *testing.T) {
	s := newScopeRig(t)
	student, staff := user(studentA, "en"), user(staffID, "en")
	ref := s.submit(student)
	s.command(student, "withdraw", "") // the chat is in the flow the forgery skips into
	s.command(staff, "publish", "")    // likewise
	tests := []struct {
		name string
		from flows.User
		data string
	}{
		{"delete my data without the confirmation", student, "1:mydata:delete::"},
		{"withdraw without the confirmation", student, "1:withdraw:yes::" + ref},
		{"a language without the run", student, "1:lang:set::it"},
		{"publish without the confirmation", staff, "1:review:publish::"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before, sess := s.snapshot(), s.session(tt.from.ID)
			got := s.pressData(tt.from, tt.data)
			if got.NoticeID != "error.bad_button" || len(got.Messages) != 0 {
				t.Errorf("pressing %s = %s; want the bad-button toast only", tt.data, dump(got))
			}
			s.wantNothingElse(t, "pressing "+tt.data, tt.from.ID, before, sess)
		})
	}
	if got := s.application(student.ID).State; got != records.AppSubmitted {
		t.Errorf("application state after forgeries = %s; want submitted", got)
	}
}

// TestHelpShowsGroupCommandsApart lists, in a committee member's
// private chat, their group's commands under a heading of their own,
// and none of them to a student.
func TestHelpShowsGroupCommandsApart(t *testing.T) {
	s := newScopeRig(t)
	heading := s.engine.Catalog().T("en", "scope.help_group", nil)
	for _, tt := range []struct {
		who  flows.User
		want bool
	}{{member0(memberAna), true}, {user(studentA, "en"), false}} {
		text := textTo(s.command(tt.who, "help", ""), tt.who.ID)
		_, group, found := strings.Cut(text, heading)
		if found != tt.want || strings.Contains(group, "/tickets") != tt.want {
			t.Errorf("/help of %d = %q; want the group heading with /tickets: %v", tt.who.ID, text, tt.want)
		}
	}
}
