package bot

import (
	"context"
	"errors"
	"strings"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/mentorbot/mentorbot/flows"
)

// TopicSender opens and closes forum topics. An outbox whose Sender is
// one (as *tgbot.Bot is) puts messages in topics (flows.Message.Topic);
// with any other Sender they are posted without.
type TopicSender interface {
	CreateForumTopic(ctx context.Context, params *tgbot.CreateForumTopicParams) (*models.ForumTopic, error)
	CloseForumTopic(ctx context.Context, params *tgbot.CloseForumTopicParams) (bool, error)
}

var _ TopicSender = (*tgbot.Bot)(nil)

// maxTopicName is Telegram's limit on a topic's name, in characters.
const maxTopicName = 128

// errNoTopics is a topic call through a Sender that makes none.
var errNoTopics = errors.New("sender cannot manage forum topics")

// inTopic places m, which has a Topic, in its forum topic, as the
// message to send: one with Topic.Thread set, or with no Topic when it
// has none (the group is no forum, or the topic could not be created:
// the message is posted in the group rather than lost). A message that
// closes a topic is done here (done is true). The error is ctx's, when
// it ended.
func (o *Outbox) inTopic(ctx context.Context, chatID int64, q *chatQueue, m flows.Message) (placed flows.Message, done bool, err error) {
	t := *m.Topic
	m.Topic = nil
	thread := t.Thread
	if thread == 0 && t.Of != "" && o.cfg.Thread != nil {
		if thread, err = o.cfg.Thread(ctx, t.Of, chatID); err != nil {
			if ctx.Err() != nil {
				return m, false, ctx.Err()
			}
			// Opening a topic now could open a second one.
			o.log.Warn("topic of message unknown; posting without one", "chat_id", chatID, "of", t.Of, "err", err)
			return m, t.Close, nil
		}
	}
	if t.Close {
		if thread != 0 {
			o.closeTopic(ctx, chatID, q, thread)
		}
		return m, true, ctx.Err()
	}
	if thread == 0 && t.Open != "" {
		if thread, err = o.openTopic(ctx, chatID, q, t); err != nil {
			return m, false, err
		}
	}
	if thread != 0 {
		m.Topic = &flows.Topic{Thread: thread}
	}
	return m, false, nil
}

// openTopic creates topic t in chatID, paced and retried like a
// message, and reports its id under t.Ref, as Sent reports a message's. It returns 0 when Telegram
// refuses (400 "the chat is not a forum", or the bot may not manage
// topics there; a group that cannot be reached at all refuses the
// message itself next, which tells the flows), and ctx's error only.
func (o *Outbox) openTopic(ctx context.Context, chatID int64, q *chatQueue, t flows.Topic) (int, error) {
	if _, ok := o.cfg.Sender.(TopicSender); !ok {
		return 0, nil
	}
	thread, err := o.deliverPart(ctx, chatID, q, flows.Message{ChatID: chatID, Topic: &flows.Topic{Open: t.Open}})
	if err != nil {
		if ctx.Err() != nil {
			return 0, ctx.Err()
		}
		o.log.Debug("forum topic not created; posting without one", "chat_id", chatID, "err", err)
		return 0, nil
	}
	if t.Ref != "" && o.cfg.Sent != nil {
		if err := o.cfg.Sent(context.WithoutCancel(ctx), t.Ref, chatID, thread); err != nil {
			o.log.Error("record forum topic", "ref", t.Ref, "chat_id", chatID, "thread_id", thread, "err", err)
		}
	}
	return thread, nil
}

// closeTopic closes topic thread of chatID, paced and retried like a
// message; a refusal (closed already, deleted, no right to) is logged.
func (o *Outbox) closeTopic(ctx context.Context, chatID int64, q *chatQueue, thread int) {
	if _, ok := o.cfg.Sender.(TopicSender); !ok {
		return
	}
	_, err := o.deliverPart(ctx, chatID, q, flows.Message{ChatID: chatID, Topic: &flows.Topic{Thread: thread, Close: true}})
	if err != nil && ctx.Err() == nil {
		o.log.Info("forum topic not closed", "chat_id", chatID, "thread_id", thread, "err", err)
	}
}

// topicCall makes the one API call of a message that opens or closes
// a topic (inTopic makes them): the id it returns is the new topic's.
func (o *Outbox) topicCall(ctx context.Context, m flows.Message) (int, error) {
	ts, ok := o.cfg.Sender.(TopicSender)
	if !ok {
		return 0, errNoTopics
	}
	if m.Topic.Close {
		_, err := ts.CloseForumTopic(ctx, &tgbot.CloseForumTopicParams{ChatID: m.ChatID, MessageThreadID: m.Topic.Thread})
		return 0, err
	}
	name := []rune(m.Topic.Open)
	if len(name) > maxTopicName {
		name = name[:maxTopicName]
	}
	ft, err := ts.CreateForumTopic(ctx, &tgbot.CreateForumTopicParams{ChatID: m.ChatID, Name: string(name)})
	if err != nil {
		return 0, err
	}
	return ft.MessageThreadID, nil
}

// topicCallOf reports whether m is no message but a topic call.
func topicCallOf(m flows.Message) bool {
	return m.Topic != nil && (m.Topic.Open != "" || m.Topic.Close)
}

// threadOf is the topic m is posted in, 0 for none.
func threadOf(m flows.Message) int {
	if m.Topic == nil {
		return 0
	}
	return m.Topic.Thread
}

// threadGone reports whether Telegram refused a message for its topic:
// deleted or closed since (400 "message thread not found",
// "TOPIC_CLOSED", "TOPIC_DELETED"). The message is then posted in the
// group without one.
func threadGone(err error) bool {
	d := strings.ToLower(apiDescription(err, tgbot.ErrorBadRequest))
	return strings.Contains(d, "thread") || strings.Contains(d, "topic")
}
