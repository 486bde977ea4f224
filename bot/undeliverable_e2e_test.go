package bot_test

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/mentorbot/mentorbot/bot/bottest"
	"github.com/mentorbot/mentorbot/bot/telegramtest"
	"github.com/mentorbot/mentorbot/flows"
	"github.com/mentorbot/mentorbot/locales"
)

// supportStaff is the staff member the test programme names.
var supportStaff = bottest.User(100000001, "Sara", "it")

// A committee group that Telegram refuses for good (the bot was removed
// from it, or its id is wrong) does not swallow the student's request:
// the student is told in their language and every staff member gets an
// alert naming the university. The request is a photo, so the post is
// the turn's one sendPhoto and the failure hits it, not the student's
// acknowledgement.
func TestSupportE2ECommitteeGroupUnreachable(t *testing.T) {
	tests := []struct {
		name string
		code int
		desc string
		hint string
	}{
		{"chat not found", http.StatusBadRequest, "Bad Request: chat not found", "support.staff.hint_not_found"},
		{"bot kicked", http.StatusForbidden, "Forbidden: bot was kicked from the supergroup chat", "support.staff.hint_removed"},
		{"bot not a member", http.StatusForbidden, "Forbidden: bot is not a member of the supergroup chat", "support.staff.hint_removed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := bottest.Start(t)
			ctx := context.Background()
			env.Command(supportStaff, "start", "")
			env.Command(supportBob, "support", "")
			env.Press(supportBob, "Milano Bicocca")
			env.Press(supportBob, "Amministrazione")
			env.Server.Fail("sendphoto", 1, tt.code, tt.desc, 0)
			r := env.Photo(supportBob, []byte("jpeg bytes of a permit"), "Il mio permesso di soggiorno")

			if got := r.To(supportBicocca.ID); len(got) != 0 {
				t.Errorf("the unreachable group got%s", telegramtest.Dump(got))
			}
			if n := env.Server.Calls("sendphoto"); n != 1 {
				t.Errorf("sendPhoto called %d times; want 1 (no retry of a refusal for good)", n)
			}
			cat := env.Engine.Catalog()
			bob := env.Engine.LangOf(ctx, supportBob.ID)
			bottest.WantText(t, r, supportBob.ID, cat.T(bob, "support.committee_unreachable",
				map[string]any{"ID": "1", "University": "University of Milano Bicocca"}))
			staff := env.Engine.LangOf(ctx, supportStaff.ID)
			alert := cat.T(staff, "support.staff.committee_unreachable", map[string]any{
				"University": "University of Milano Bicocca", "Chat": supportBicocca.ID, "ID": "1",
				"Hint": cat.T(staff, tt.hint, nil)})
			if got := r.To(supportStaff.ID); len(got) != 1 || got[0].Text != alert {
				t.Errorf("staff got%s; want one alert %q", telegramtest.Dump(got), alert)
			}
			if n, err := env.Records.OutboxPending(ctx); err != nil || n != 0 {
				t.Errorf("OutboxPending = %d, %v; want 0: the refused post is not kept for another try", n, err)
			}
		})
	}
}

// A student's private chat that Telegram does not find is as
// unreachable as one that blocked the bot: the committee is told its
// answer did not arrive and the student is marked. The answer is a
// document, so the relay is the turn's one sendDocument.
func TestSupportE2EStudentChatNotFound(t *testing.T) {
	env := bottest.Start(t)
	ctx := context.Background()
	post := supportRequest(env, supportAda, "Milano Bicocca", "Other", "Help, please.", supportBicocca)
	env.Server.Fail("senddocument", 1, http.StatusBadRequest, "Bad Request: chat not found", 0)
	r := env.Inject(groupFile(env, supportBicocca, supportAna, false, "form-1", "Fill in this form.", post.MessageID))

	if got := r.To(supportAda.ID); len(got) != 0 {
		t.Errorf("the missing chat got%s", telegramtest.Dump(got))
	}
	cat := env.Engine.Catalog()
	bicocca, _ := env.Program.University("bicocca")
	lang := bicocca.Language // the committee's language, if the catalog has it
	if !cat.Supported(lang) {
		lang = locales.Default
	}
	note := cat.T(lang, "support.group.user_blocked", map[string]any{"ID": "1"})
	found := false
	for _, m := range r.To(supportBicocca.ID) {
		found = found || m.Text == note && m.ReplyTo == post.MessageID
	}
	if !found {
		t.Errorf("committee group got%s; want %q as a reply to the post", r, note)
	}
	if p, err := env.Records.Profile(ctx, supportAda.ID); err != nil || !p.Blocked {
		t.Errorf("Profile(%d) = %+v, %v; want Blocked", supportAda.ID, p, err)
	}
}

// TestSupportE2ECommitteeNoteIsDurable: the note a refused answer makes
// for the committee is committed to the durable outbox before it is
// sent, so a crash cannot lose it: with the group's sends hanging it
// waits there. Before, it waited in memory only.
func TestSupportE2ECommitteeNoteIsDurable(t *testing.T) {
	env := bottest.Start(t)
	post := supportRequest(env, supportAda, "Milano Bicocca", "Other", "Help, please.", supportBicocca)
	env.Server.Fail("senddocument", 1, http.StatusBadRequest, "Bad Request: chat not found", 0)
	env.Server.Stall("sendmessage")
	sent := env.Server.Calls("sendmessage")
	env.Server.Inject(groupFile(env, supportBicocca, supportAna, false, "form-1", "Fill in this form.", post.MessageID))
	env.Server.WaitCalls("sendmessage", sent+1) // the group's sends hang from now on
	// The note is committed when the refusal of the document comes
	// back; Redis cannot tell us, so look until it is there.
	var ids []string
	for deadline := time.Now().Add(telegramtest.DefaultTimeout); !slices.Contains(ids, "support.group.user_blocked"); {
		if time.Now().After(deadline) {
			t.Fatalf("durable outbox of the group holds %q; want the committee's note support.group.user_blocked", ids)
		}
		time.Sleep(10 * time.Millisecond)
		msgs, err := env.Records.OutboxMessages(context.Background(), supportBicocca.ID, 10)
		if err != nil {
			t.Fatal(err)
		}
		ids = ids[:0]
		for _, om := range msgs {
			var m flows.Message
			if err := json.Unmarshal(om.Body, &m); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, m.TextID)
		}
	}
	env.Server.Release()
	ctx, cancel := context.WithTimeout(context.Background(), telegramtest.DefaultTimeout)
	defer cancel()
	if err := env.Bot.Flush(ctx); err != nil {
		t.Fatal(err)
	}
}
