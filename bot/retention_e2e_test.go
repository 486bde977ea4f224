package bot_test

import (
	"context"
	"errors"
	"testing"

	"github.com/mentorbot/mentorbot/bot"
	"github.com/mentorbot/mentorbot/bot/bottest"
	"github.com/mentorbot/mentorbot/flows/records"
)

// TestSupportE2EClosedTicketExpiresOnTheSchedulersTick closes a request
// through Telegram and runs the scheduler's tick: the ticket is kept
// until the programme's support_retention has passed since closing,
// then deleted, and a late reply to its post then reaches no one.
func TestSupportE2EClosedTicketExpiresOnTheSchedulersTick(t *testing.T) {
	env := bottest.Start(t)
	ctx := context.Background()
	post := supportRequest(env, supportAda, "Milano Bicocca", "Language", "Italian courses?", supportBicocca)
	env.PressData(supportBea, post, post.Buttons[0][1].Data) // Close
	closedAt := env.Clock.Now()
	tick := bot.RemindersTick(env.Engine, env.Bot.WakeFeeder)

	if err := tick(ctx, closedAt.Add(env.Program.SupportRetention/2)); err != nil {
		t.Fatal(err)
	}
	if _, err := env.Records.Ticket(ctx, "1"); err != nil {
		t.Fatalf("Ticket(1) halfway through the retention = %v; want it kept", err)
	}
	if err := tick(ctx, closedAt.Add(env.Program.SupportRetention)); err != nil {
		t.Fatal(err)
	}
	if _, err := env.Records.Ticket(ctx, "1"); !errors.Is(err, records.ErrNotFound) {
		t.Fatalf("Ticket(1) after the retention = %v; want ErrNotFound", err)
	}
	r := env.Group(supportBicocca, supportAna, "Late answer", post.MessageID)
	if r.Text(supportAda.ID) != "" {
		t.Errorf("reply to an expired ticket reached the student:%s", r)
	}
}
