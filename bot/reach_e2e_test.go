package bot_test

import (
	"context"
	"testing"

	"github.com/mentorbot/mentorbot/bot/bottest"
	"github.com/mentorbot/mentorbot/flows/records"
)

// TestAgreementE2EToAMentorWhoNeverStarted: the mentor has never opened
// the bot, so Telegram answers the proposal with 403. The mentee is
// told at once, with the bot's link; when the mentor opens the bot the
// proposal is there, and confirming it reaches the mentee.
func TestAgreementE2EToAMentorWhoNeverStarted(t *testing.T) {
	env := bottest.Start(t)
	env.Command(meetMentee, "start", "")
	m := records.Mentorship{ID: meetMentorship, MenteeID: meetMentee.ID, MentorID: meetMentor.ID,
		ProjectID: "madrid-ai", CreatedAt: env.Clock.Now()}
	if err := env.Records.SaveMentorship(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	env.Server.Block(meetMentor.ID) // 403 to anything sent to the mentor
	env.Command(meetMentee, "agreement", "")
	env.Text(meetMentee, "Research careers")
	env.Text(meetMentee, "3/2 18:00-19:00\n4/2 18:00-19:00\n5/2 18:00-19:00\n6/2 18:00-19:00\n7/2 18:00-19:00\n8/2 18:00-19:00")
	r := env.Press(meetMentee, "Send to my mentor")
	if got := r.To(meetMentor.ID); len(got) != 0 {
		t.Fatalf("the mentor, who never started the bot, got %d messages", len(got))
	}
	bottest.WantText(t, r, meetMentee.ID, "has not opened this bot yet")
	bottest.WantText(t, r, meetMentee.ID, "https://t.me/")

	env.Server.Unblock(meetMentor.ID)
	r = env.Command(meetMentor, "start", "")
	bottest.WantText(t, r, meetMentor.ID, "proposes this Mentor-Mentee Agreement")
	r = env.Press(meetMentor, "Confirm")
	bottest.WantText(t, r, meetMentee.ID, "The agreement is confirmed")
}
