package bot_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/mentorbot/mentorbot/bot/bottest"
	"github.com/mentorbot/mentorbot/bot/telegramtest"
)

// TestSupportE2EFloodDoesNotDelayOthers: one student fires 30
// follow-ups at once, then another sends a new request. The committee
// group, which Telegram lets the bot write to about 20 times a minute
// and once a second (the fake Bot API enforces it on the virtual pacing
// clock), gets at most 10 of the follow-ups, and the new request
// overtakes those still waiting: it is posted within 5 seconds.
func TestSupportE2EFloodDoesNotDelayOthers(t *testing.T) {
	env := bottest.Start(t)
	supportRequest(env, supportAda, "Milano Bicocca", "Housing", "I need a room.", supportBicocca)
	env.Command(supportBob, "support", "")
	env.Press(supportBob, "Milano Bicocca")
	env.Press(supportBob, "Alloggio")

	for i := range 30 { // all at once: nobody waits for the replies
		env.Server.Inject(env.Server.TextMessage(supportAda, "follow-up "+strconv.Itoa(i)))
	}
	asked := env.Pacing.Now()
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
	if wait := posts[0].At.Sub(asked); wait > 5*time.Second {
		t.Errorf("Bob's request reached the group %s after he sent it; want within 5s", wait)
	}
	if err := env.Bot.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	if n := len(env.Server.Messages(supportBicocca.ID)); n > 12 {
		t.Errorf("the group got %d messages; want the two requests and at most 10 follow-ups", n)
	}
}
