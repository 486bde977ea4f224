package bot_test

import (
	"strconv"
	"testing"

	"github.com/mentorbot/mentorbot/bot/bottest"
	"github.com/mentorbot/mentorbot/bot/telegramtest"
)

// TestSupportE2EFloodIsCapped: one student fires 30 follow-ups at
// once while another sends a new request. The committee group gets the
// two requests and at most 10 of the follow-ups. That the new request
// overtakes follow-ups already waiting is TestUrgentGroupMessageOvertakes:
// here it depends on when the turns commit, which the test does not
// order.
func TestSupportE2EFloodIsCapped(t *testing.T) {
	env := bottest.Start(t)
	supportRequest(env, supportAda, "Milano Bicocca", "Housing", "I need a room.", supportBicocca)
	env.Command(supportBob, "support", "")
	env.Press(supportBob, "Milano Bicocca")
	env.Press(supportBob, "Alloggio")

	for i := range 30 { // all at once: nobody waits for the replies
		env.Server.Inject(env.Server.TextMessage(supportAda, "follow-up "+strconv.Itoa(i)))
	}
	r := env.Text(supportBob, "Anche io cerco una stanza.")
	var posts []telegramtest.Message // new requests; follow-ups reply to a post
	for _, m := range r.To(supportBicocca.ID) {
		if m.ReplyTo == 0 {
			posts = append(posts, m)
		}
	}
	if len(posts) != 1 {
		t.Fatalf("Bob's request posted %d new posts in the group:%s; want 1", len(posts), r)
	}
	if err := env.Bot.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	if n := len(env.Server.Messages(supportBicocca.ID)); n > 12 {
		t.Errorf("the group got %d messages; want the two requests and at most 10 follow-ups", n)
	}
}
