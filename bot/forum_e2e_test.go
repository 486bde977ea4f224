package bot_test

import (
	"strings"
	"testing"

	"github.com/mentorbot/mentorbot/bot/bottest"
	"github.com/mentorbot/mentorbot/bot/telegramtest"
	"github.com/mentorbot/mentorbot/flows"
)

// forumButton returns the button of m whose callback has action.
func forumButton(tb testing.TB, m telegramtest.Message, action string) telegramtest.Button {
	tb.Helper()
	for _, row := range m.Buttons {
		for _, b := range row {
			if cb, err := flows.DecodeCallback(b.Data); err == nil && cb.Action == action {
				return b
			}
		}
	}
	tb.Fatalf("no %s button on %s", action, telegramtest.Dump([]telegramtest.Message{m}))
	return telegramtest.Button{}
}

// forumRequest opens a request of u in the forum group and returns its
// post and topic.
func forumRequest(env *bottest.Env, u telegramtest.User, topic, text string) (telegramtest.Message, telegramtest.Topic) {
	env.TB.Helper()
	before := len(env.Server.Topics(supportBicocca.ID))
	post := supportRequest(env, u, "Milano Bicocca", topic, text, supportBicocca)
	topics := env.Server.Topics(supportBicocca.ID)
	if len(topics) != before+1 {
		env.TB.Fatalf("request %q opened %d topics; want one", text, len(topics)-before)
	}
	tp := topics[len(topics)-1]
	if post.ThreadID != tp.ThreadID {
		env.TB.Fatalf("post of %q in thread %d; want its topic's, %d", text, post.ThreadID, tp.ThreadID)
	}
	return post, tp
}

func TestForumE2EOneTopicPerTicket(t *testing.T) {
	env := bottest.Start(t)
	env.Server.MakeForum(supportBicocca)
	post1, topic1 := forumRequest(env, supportAda, "Housing", "I need a room.")
	post2, topic2 := forumRequest(env, supportBob, "Lingua", "Corsi di italiano?")
	if topic1.ThreadID == topic2.ThreadID || post1.MessageID == post2.MessageID {
		t.Fatalf("two tickets share topic %d", topic1.ThreadID)
	}
	if !strings.Contains(topic1.Name, "#1") || !strings.Contains(topic1.Name, "Housing") || !strings.Contains(topic2.Name, "#2") {
		t.Errorf("topic names = %q, %q; want each with its ticket's number and topic", topic1.Name, topic2.Name)
	}
	if got := len(post1.Buttons); got != 1 || len(post1.Buttons[0]) != 2 {
		t.Errorf("post buttons = %v; want claim and close", post1.Labels())
	}

	// The student's follow-up goes into the ticket's topic.
	r := env.Text(supportAda, "How much is the rent?")
	if g := r.To(supportBicocca.ID); len(g) != 1 || g[0].ThreadID != topic1.ThreadID {
		t.Fatalf("follow-up:%s; want one message in thread %d", r, topic1.ThreadID)
	}

	// A member's plain message in the topic reaches the student.
	r = env.InTopic(supportBicocca, supportAna, topic1.ThreadID, "300 euros a month.", 0)
	if got := r.To(supportAda.ID); len(got) != 1 || !strings.HasSuffix(got[0].Text, "300 euros a month.") {
		t.Fatalf("member's message in the topic:%s; want it relayed to the student", r)
	}
	if ack := r.To(supportBicocca.ID); len(ack) != 1 || ack[0].ThreadID != topic1.ThreadID {
		t.Errorf("acknowledgement:%s; want it in thread %d", r, topic1.ThreadID)
	}
	if got := r.To(supportBob.ID); len(got) != 0 {
		t.Errorf("answer in topic 1 reached the student of ticket 2:%s", r)
	}

	// An internal note stays in the group.
	r = env.InTopic(supportBicocca, supportBea, topic1.ThreadID, "!she asked the same last year", 0)
	if len(r.Messages) != 0 {
		t.Errorf("internal note:%s; want nothing sent", r)
	}

	// Closing the ticket closes its topic, and only its.
	r = env.PressData(supportAna, post1, forumButton(t, post1, "close").Data)
	if g := r.To(supportBicocca.ID); len(g) != 1 || g[0].ThreadID != topic1.ThreadID {
		t.Errorf("close note:%s; want it in thread %d", r, topic1.ThreadID)
	}
	topics := env.Server.Topics(supportBicocca.ID)
	if !topics[0].Closed || topics[1].Closed {
		t.Errorf("topics after closing ticket 1 = %+v; want the first closed only", topics)
	}
	if len(r.To(supportAda.ID)) != 1 {
		t.Errorf("close:%s; want the student told", r)
	}
}

func TestForumE2EGroupThatIsNoForumKeepsReplies(t *testing.T) {
	env := bottest.Start(t)
	post := supportRequest(env, supportAda, "Milano Bicocca", "Housing", "I need a room.", supportBicocca)
	if post.ThreadID != 0 || len(env.Server.Topics(supportBicocca.ID)) != 0 {
		t.Fatalf("post in a group that is no forum: thread %d, topics %v; want none", post.ThreadID, env.Server.Topics(supportBicocca.ID))
	}
	r := env.Group(supportBicocca, supportAna, "Try via Roma 1.", post.MessageID)
	if len(r.To(supportAda.ID)) != 1 {
		t.Fatalf("reply in a group that is no forum:%s; want it relayed", r)
	}
	r = env.Group(supportBicocca, supportAna, "!a note is a reply like any other here", post.MessageID)
	if len(r.To(supportAda.ID)) != 1 {
		t.Errorf("reply starting with ! in a group that is no forum:%s; want it relayed as before", r)
	}
	r = env.PressData(supportAna, post, forumButton(t, post, "close").Data)
	if g := r.To(supportBicocca.ID); len(g) != 1 || g[0].ReplyTo != post.MessageID {
		t.Errorf("close note:%s; want a reply to the post", r)
	}
}

func TestForumE2ETopicRefusedPostsAnyway(t *testing.T) {
	env := bottest.Start(t)
	env.Server.MakeForum(supportBicocca)
	env.Server.Fail("createForumTopic", 1, 400, "Bad Request: not enough rights to create a topic", 0)
	post := supportRequest(env, supportAda, "Milano Bicocca", "Housing", "I need a room.", supportBicocca)
	if post.ThreadID != 0 || len(env.Server.Topics(supportBicocca.ID)) != 0 {
		t.Fatalf("post when the topic was refused: thread %d; want it in the group without one", post.ThreadID)
	}
	r := env.Group(supportBicocca, supportAna, "Try via Roma 1.", post.MessageID)
	if len(r.To(supportAda.ID)) != 1 {
		t.Errorf("reply to a post without topic:%s; want it relayed", r)
	}
}

func TestForumE2ECannedAnswer(t *testing.T) {
	env := bottest.Start(t)
	env.Server.MakeForum(supportBicocca)
	_, topic := forumRequest(env, supportAda, "Housing", "I need a room.")
	env.InTopic(supportBicocca, supportAna, topic.ThreadID, "/answers add Write to housing@example.org.", 0)
	r := env.InTopic(supportBicocca, supportBea, topic.ThreadID, "/answers", 0)
	list := r.To(supportBicocca.ID)
	if len(list) != 1 || list[0].ThreadID != topic.ThreadID || len(list[0].Buttons) != 1 {
		t.Fatalf("/answers in the topic:%s; want a list in thread %d with one answer", r, topic.ThreadID)
	}
	if len(r.To(supportAda.ID)) != 0 {
		t.Errorf("/answers reached the student:%s", r)
	}
	r = env.PressData(supportBea, list[0], forumButton(t, list[0], "send").Data)
	if got := r.To(supportAda.ID); len(got) != 1 || !strings.HasSuffix(got[0].Text, "Write to housing@example.org.") {
		t.Fatalf("Send:%s; want the canned answer to the student", r)
	}
	if strings.Contains(r.Text(supportAda.ID), "Bea") {
		t.Errorf("canned answer shows the member's name:%s", r)
	}
}
