package bottest

import "github.com/mentorbot/mentorbot/bot/telegramtest"

// InTopic sends text from u in topic thread of the forum chat (see
// telegramtest.Server.MakeForum), replying to replyTo unless 0.
func (e *Env) InTopic(chat telegramtest.Chat, u telegramtest.User, thread int, text string, replyTo int) Result {
	e.TB.Helper()
	return e.Inject(e.Server.TopicMessage(chat, u, thread, text, replyTo))
}
