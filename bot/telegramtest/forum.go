package telegramtest

import (
	"fmt"
	"net/http"
)

// Topic is a forum topic the bot created (createForumTopic).
type Topic struct {
	ChatID int64
	// ThreadID is the topic's message_thread_id, the id of the service
	// message that opened it.
	ThreadID int
	Name     string
	Closed   bool
}

// forumState is which chats are forums and their topics.
type forumState struct {
	forums map[int64]bool
	topics []*Topic
}

// maxTopicName is Telegram's limit on a topic's name, in characters.
const maxTopicName = 128

// MakeForum makes supergroup chat a forum, as when its admins turn
// topics on: the bot may create topics there, messages may go in them,
// and the chat's updates say is_forum.
func (s *Server) MakeForum(chat Chat) {
	if chatType(chat.ID) != "supergroup" {
		s.tb.Fatalf("telegramtest: chat %d is no supergroup and cannot be a forum", chat.ID)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.forum.forums == nil {
		s.forum.forums = make(map[int64]bool)
	}
	s.forum.forums[chat.ID] = true
}

// Topics returns the topics the bot created in chatID, oldest first.
func (s *Server) Topics(chatID int64) []Topic {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Topic
	for _, t := range s.forum.topics {
		if t.ChatID == chatID {
			out = append(out, *t)
		}
	}
	return out
}

// TopicMessage builds a text message from u in topic thread of the
// forum chat. Without replyTo it replies, as Telegram has it, to the
// service message that opened the topic.
func (s *Server) TopicMessage(chat Chat, u User, thread int, text string, replyTo int) Update {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.newMessageLocked(s.chatLocked(chat), u)
	m["text"] = text
	addCommandEntity(m, text)
	m["message_thread_id"] = thread
	m["is_topic_message"] = true
	if replyTo != 0 {
		m["reply_to_message"] = s.repliedLocked(chat.ID, replyTo)
	} else {
		created := map[string]any{"message_id": thread, "date": s.now().Unix(), "chat": s.chatLocked(chat),
			"message_thread_id": thread, "is_topic_message": true,
			"forum_topic_created": map[string]any{"name": s.topicNameLocked(chat.ID, thread), "icon_color": 7322096}}
		m["reply_to_message"] = created
	}
	return Update{"message": m}
}

// chatLocked is chat as updates carry it, is_forum included.
func (s *Server) chatLocked(chat Chat) map[string]any {
	w := chat.wire()
	if s.forum.forums[chat.ID] {
		w["is_forum"] = true
	}
	return w
}

func (s *Server) topicLocked(chatID int64, thread int) *Topic {
	for _, t := range s.forum.topics {
		if t.ChatID == chatID && t.ThreadID == thread {
			return t
		}
	}
	return nil
}

func (s *Server) topicNameLocked(chatID int64, thread int) string {
	if t := s.topicLocked(chatID, thread); t != nil {
		return t.Name
	}
	return fmt.Sprintf("topic %d", thread)
}

// placeLocked reads message_thread_id of a send into m, as Telegram
// checks it: a topic of a forum, open. A reply without one, in a
// forum, goes in the topic of the message it replies to.
func (s *Server) placeLocked(p params, m *Message) *apiError {
	thread := p.optInt("message_thread_id")
	if thread == 0 && m.ReplyTo != 0 && s.forum.forums[m.ChatID] {
		for _, old := range s.messages {
			if old.ChatID == m.ChatID && old.MessageID == m.ReplyTo {
				thread = old.ThreadID
			}
		}
	}
	if thread == 0 {
		return nil
	}
	t := s.topicLocked(m.ChatID, thread)
	switch {
	case !s.forum.forums[m.ChatID] || t == nil:
		return badRequest("message thread not found")
	case t.Closed:
		return badRequest("TOPIC_CLOSED")
	}
	m.ThreadID = thread
	return nil
}

// wireForumLocked adds to w, the wire form of m, where m is in a forum.
func (s *Server) wireForumLocked(w map[string]any, m Message) {
	if !s.forum.forums[m.ChatID] {
		return
	}
	w["chat"].(map[string]any)["is_forum"] = true
	if m.ThreadID != 0 {
		w["message_thread_id"] = m.ThreadID
		w["is_topic_message"] = true
	}
}

// forumCall answers createForumTopic and closeForumTopic.
func (s *Server) forumCall(method string, p params) (any, *apiError) {
	chatID, aerr := p.int64("chat_id")
	if aerr != nil {
		return nil, aerr
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.blocked[chatID] {
		return nil, &apiError{code: http.StatusForbidden, desc: "Forbidden: bot was kicked from the supergroup chat"}
	}
	if !s.forum.forums[chatID] {
		return nil, badRequest("the chat is not a forum")
	}
	if method == "createforumtopic" {
		name := p.str("name")
		if n := len([]rune(name)); n < 1 || n > maxTopicName {
			return nil, badRequest("TOPIC_TITLE_EMPTY")
		}
		s.nextMessage++ // the service message that opens the topic
		t := &Topic{ChatID: chatID, ThreadID: s.nextMessage, Name: name}
		s.forum.topics = append(s.forum.topics, t)
		s.notifyLocked()
		return map[string]any{"message_thread_id": t.ThreadID, "name": name, "icon_color": 7322096}, nil
	}
	t := s.topicLocked(chatID, p.optInt("message_thread_id"))
	switch {
	case t == nil:
		return nil, badRequest("TOPIC_ID_INVALID")
	case t.Closed:
		return nil, badRequest("TOPIC_NOT_MODIFIED")
	}
	t.Closed = true
	s.notifyLocked()
	return true, nil
}
