package telegramtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// User is a Telegram user writing to the bot. Their private chat has
// their id as chat id.
type User struct {
	ID           int64
	FirstName    string
	LastName     string
	Username     string
	LanguageCode string
}

func (u User) wire() map[string]any {
	w := map[string]any{"id": u.ID, "is_bot": false, "first_name": u.FirstName}
	if u.LastName != "" {
		w["last_name"] = u.LastName
	}
	if u.Username != "" {
		w["username"] = u.Username
	}
	if u.LanguageCode != "" {
		w["language_code"] = u.LanguageCode
	}
	return w
}

// Chat is a group or supergroup (negative id).
type Chat struct {
	ID    int64
	Title string
}

func (c Chat) wire() map[string]any {
	return map[string]any{"id": c.ID, "type": chatType(c.ID), "title": c.Title}
}

// Update is a Bot API update as it goes over the wire, built by the
// Server's helpers. Its "update_id" is set by Inject or Encode.
type Update map[string]any

// MessageID returns the id of the update's message, or of the message
// whose button was pressed; 0 if none.
func (u Update) MessageID() int {
	for _, k := range []string{"message", "edited_message", "channel_post"} {
		if m, ok := u[k].(map[string]any); ok {
			id, _ := m["message_id"].(int)
			return id
		}
	}
	if cq, ok := u["callback_query"].(map[string]any); ok {
		if m, ok := cq["message"].(map[string]any); ok {
			id, _ := m["message_id"].(int)
			return id
		}
	}
	return 0
}

// CallbackID returns the callback query id of a button press, or "".
func (u Update) CallbackID() string {
	if cq, ok := u["callback_query"].(map[string]any); ok {
		id, _ := cq["id"].(string)
		return id
	}
	return ""
}

func (s *Server) newMessageLocked(chat map[string]any, from User) map[string]any {
	s.nextMessage++
	return map[string]any{
		"message_id": s.nextMessage,
		"date":       s.now().Unix(),
		"chat":       chat,
		"from":       from.wire(),
	}
}

func privateChat(u User) map[string]any {
	c := map[string]any{"id": u.ID, "type": "private", "first_name": u.FirstName}
	if u.Username != "" {
		c["username"] = u.Username
	}
	return c
}

// TextMessage builds a private text message from u.
func (s *Server) TextMessage(u User, text string) Update {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.newMessageLocked(privateChat(u), u)
	m["text"] = text
	addCommandEntity(m, text)
	return Update{"message": m}
}

// FormattedMessage is a text message from u in their private chat with
// formatting entities (offsets in UTF-16 units, as Telegram counts),
// such as bold or a text_link, as Telegram's apps send them.
func (s *Server) FormattedMessage(u User, text string, entities []Entity, urls map[int]string) Update {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.newMessageLocked(privateChat(u), u)
	m["text"] = text
	var es []any
	for i, e := range entities {
		me := map[string]any{"type": e.Type, "offset": e.Offset, "length": e.Length}
		if url, ok := urls[i]; ok {
			me["url"] = url
		}
		es = append(es, me)
	}
	m["entities"] = es
	return Update{"message": m}
}

// addCommandEntity marks a leading /command as Telegram does.
func addCommandEntity(m map[string]any, text string) {
	if !strings.HasPrefix(text, "/") {
		return
	}
	n := strings.IndexAny(text, " \n")
	if n < 0 {
		n = len(text)
	}
	m["entities"] = []any{map[string]any{"type": "bot_command", "offset": 0, "length": len(utf16(text[:n]))}}
}

func utf16(s string) []uint16 {
	var out []uint16
	for _, r := range s {
		if r >= 0x10000 {
			out = append(out, 0, 0)
		} else {
			out = append(out, 0)
		}
	}
	return out
}

// CommandMessage builds "/name args" from u in their private chat.
func (s *Server) CommandMessage(u User, name, args string) Update {
	text := "/" + name
	if args != "" {
		text += " " + args
	}
	return s.TextMessage(u, text)
}

// GroupMessage builds a text message from u in group chat, replying to
// message replyTo when it is not 0.
func (s *Server) GroupMessage(chat Chat, u User, text string, replyTo int) Update {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.newMessageLocked(s.chatLocked(chat), u)
	m["text"] = text
	addCommandEntity(m, text)
	if replyTo != 0 {
		m["reply_to_message"] = s.repliedLocked(chat.ID, replyTo)
	}
	return Update{"message": m}
}

// ReplyMessage builds a private text message from u replying to
// message replyTo of their chat.
func (s *Server) ReplyMessage(u User, text string, replyTo int) Update {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.newMessageLocked(privateChat(u), u)
	m["text"] = text
	m["reply_to_message"] = s.repliedLocked(u.ID, replyTo)
	return Update{"message": m}
}

// repliedLocked is the message replied to: the bot's if it sent it.
func (s *Server) repliedLocked(chatID int64, id int) map[string]any {
	for _, m := range s.messages {
		if m.ChatID == chatID && m.MessageID == id {
			return s.wireMessage(m)
		}
	}
	return map[string]any{"message_id": id, "date": s.now().Unix(),
		"chat": map[string]any{"id": chatID, "type": chatType(chatID)}}
}

// DocumentMessage builds a document sent by u in their private chat;
// the file becomes downloadable through getFile. A stub such as
// "%PDF-1.4 test" becomes a valid file of its name's type (see
// realFile); other content is sent as it is.
func (s *Server) DocumentMessage(u User, name, mimeType string, content []byte, caption string) Update {
	content = realFile(name, content)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextFile++
	id := fmt.Sprintf("doc-%d", s.nextFile)
	s.addFileLocked(File{FileID: id, FileName: name, MIMEType: mimeType, Content: content})
	m := s.newMessageLocked(privateChat(u), u)
	m["document"] = map[string]any{"file_id": id, "file_unique_id": "u" + id, "file_name": name,
		"mime_type": mimeType, "file_size": len(content)}
	if caption != "" {
		m["caption"] = caption
	}
	return Update{"message": m}
}

// PhotoMessage builds a photo sent by u, in three sizes like Telegram;
// the largest has the given content.
func (s *Server) PhotoMessage(u User, content []byte, caption string) Update {
	s.mu.Lock()
	defer s.mu.Unlock()
	var sizes []any
	for i, w := range []int{90, 320, 1280} {
		s.nextFile++
		id := fmt.Sprintf("photo-%d", s.nextFile)
		c := content
		if i < 2 {
			c = content[:len(content)/(3-i)]
		}
		s.addFileLocked(File{FileID: id, FileName: id + ".jpg", MIMEType: "image/jpeg", Content: c})
		sizes = append(sizes, map[string]any{"file_id": id, "file_unique_id": "u" + id,
			"width": w, "height": w * 3 / 4, "file_size": len(c)})
	}
	m := s.newMessageLocked(privateChat(u), u)
	m["photo"] = sizes
	if caption != "" {
		m["caption"] = caption
	}
	return Update{"message": m}
}

// StickerMessage builds a message of a kind the bot does not handle.
func (s *Server) StickerMessage(u User) Update {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.newMessageLocked(privateChat(u), u)
	m["sticker"] = map[string]any{"file_id": "sticker", "file_unique_id": "usticker",
		"type": "regular", "width": 512, "height": 512, "is_animated": false, "is_video": false}
	return Update{"message": m}
}

// Press builds u pressing the button with callback data on message m
// the bot sent. The callback query id is unique; the server accepts
// one answer to it.
func (s *Server) Press(u User, m Message, data string) Update {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextMessage++ // ids are only used to make the query id unique
	id := fmt.Sprintf("cq-%d", s.nextMessage)
	s.queries[id] = false
	msg := s.wireMessage(m)
	return Update{"callback_query": map[string]any{
		"id": id, "from": u.wire(), "message": msg, "chat_instance": fmt.Sprint(m.ChatID), "data": data,
	}}
}

// Edited wraps a message update as an edit of that message.
func Edited(u Update) Update {
	m := u["message"].(map[string]any)
	m["edit_date"] = m["date"]
	return Update{"edited_message": m}
}

// Inject queues u for getUpdates and returns its update id.
func (s *Server) Inject(u Update) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := s.assignLocked(u)
	raw, err := json.Marshal(u)
	if err != nil {
		panic(err) // only maps of plain values
	}
	s.updates = append(s.updates, queued{id: id, raw: raw})
	s.notifyLocked()
	return id
}

func (s *Server) assignLocked(u Update) int64 {
	if id, ok := u["update_id"].(int64); ok {
		return id
	}
	s.nextUpdate++
	u["update_id"] = s.nextUpdate
	return s.nextUpdate
}

// Encode assigns u an update id if it has none and returns it as JSON,
// for posting to a webhook by hand.
func (s *Server) Encode(u Update) []byte {
	s.mu.Lock()
	s.assignLocked(u)
	s.mu.Unlock()
	raw, err := json.Marshal(u)
	if err != nil {
		panic(err)
	}
	return raw
}

// PostWebhook delivers u to the webhook the bot set, with its secret
// token, as Telegram does, and returns the HTTP status. It fails the
// test when no webhook is set or the request fails.
func (s *Server) PostWebhook(u Update) int {
	s.tb.Helper()
	url, secret := s.Webhook()
	if url == "" {
		s.tb.Fatal("telegramtest: PostWebhook without a webhook set")
	}
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(s.Encode(u)))
	if err != nil {
		s.tb.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if secret != "" {
		req.Header.Set("X-Telegram-Bot-Api-Secret-Token", secret)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.tb.Fatalf("telegramtest: post webhook: %v", err)
	}
	resp.Body.Close()
	return resp.StatusCode
}
