package flows

// Kind says what a user did.
type Kind int

// The kinds of inbound event.
const (
	KindCommand  Kind = iota + 1 // a /command, with optional arguments
	KindText                     // plain text
	KindButton                   // an inline keyboard button was pressed
	KindDocument                 // a file sent as a document
	KindPhoto                    // a photo
	KindOther                    // anything else: stickers, voice, locations...
	// KindEdited is a user editing a message they sent earlier. Flows
	// never act on edits: the earlier text was already taken.
	KindEdited
	// KindAction is something a person did in the staff workspace (the
	// Mini App), not in a chat: Command names the action (registered
	// with Engine.onAction), Args its target, Text what they wrote with
	// it. ChatID is the person's private chat, whose session the turn
	// keeps as it was; what the turn says to that chat is returned to
	// the workspace instead of sent (see Workspace).
	KindAction
)

// ChatType tells a private chat from a group.
type ChatType string

// Chat types, as Telegram names them.
const (
	ChatPrivate    ChatType = "private"
	ChatGroup      ChatType = "group"
	ChatSupergroup ChatType = "supergroup"
	ChatChannel    ChatType = "channel"
)

// User is who sent an event.
type User struct {
	ID           int64
	FirstName    string
	LastName     string
	Username     string
	LanguageCode string
}

// File describes a document or photo the user sent. The bytes stay on
// Telegram's side; FileID is enough to send the file again.
type File struct {
	FileID   string
	FileName string
	MIMEType string
	Size     int64
}

// Event is one thing a user did, stripped of any transport detail.
type Event struct {
	UpdateID  int64
	Kind      Kind
	ChatID    int64
	ChatType  ChatType
	From      User
	MessageID int

	// Command and Args are set for KindCommand: "/apply now" gives
	// Command "apply" and Args "now".
	Command string
	Args    string

	// Text is the message text, or the caption of a document or photo.
	Text string
	// Styles is Text's formatting (bold, links...), for a flow that
	// passes the text on as written (announcements).
	Styles []Style `json:",omitempty"`

	// Data is the callback data of a pressed button (KindButton).
	Data string

	// File is set for KindDocument and KindPhoto.
	File *File

	// ReplyTo is the id of the message this one replies to, if any.
	ReplyTo int

	// Forum is set when the chat is a forum: a supergroup whose
	// messages are organised in topics.
	Forum bool
	// ThreadID is the message's topic in a forum (Telegram's
	// message_thread_id), and TopicMessage says the message was
	// written in that topic rather than the forum's General one.
	ThreadID     int
	TopicMessage bool
}

// Button is one inline keyboard button: a callback button with Data,
// at most 64 bytes, the Telegram limit (build it with Callback.Encode),
// a link button with URL, or a Mini App button with WebApp.
type Button struct {
	Text string
	Data string
	URL  string `json:",omitempty"`
	// WebApp is the address of a Mini App page the button opens inside
	// Telegram, which then hands the page the person's signed initData
	// (the staff workspace); such buttons work in private chats only.
	WebApp string `json:",omitempty"`
}

// Attachment is a file to send: either new bytes or an existing
// Telegram file id.
type Attachment struct {
	FileName string
	Content  []byte
	FileID   string
	// Path is a file on this replica's disk to upload, streamed: a
	// job's result, sent by the replica that made it and never put in
	// the durable outbox.
	Path string `json:"-"`
	// Photo sends the attachment as a photo rather than a document.
	Photo bool
}

// Message is one outbound message. Text is already localized.
type Message struct {
	ChatID int64
	Text   string
	// TextID is the locales id Text was made from, when it was made
	// from one, so tests can tell messages apart by meaning.
	TextID  string
	Buttons [][]Button
	File    *Attachment
	// ReplyTo makes the message a reply to that message id.
	ReplyTo int
	// Ref, when set, asks the sender to report the id Telegram gave the
	// sent message back through Engine.Sent, so flows can recognise
	// replies to it later (support tickets use this).
	Ref string
	// Urgent puts the message, in a group, ahead of the group's
	// waiting messages that are not: a new support request overtakes
	// follow-ups queued behind Telegram's limit of about 20 a minute.
	Urgent bool
	// Quote, when set, is the part of Text that a person wrote, relayed
	// as it came: the sender sets it apart (a blockquote in Telegram),
	// so no line of it can pass for the bot's own.
	Quote *Span
	// About is the person whose words or name the message carries to
	// someone else, when that person sent the event: should they be
	// erased before it reaches Telegram, it is not sent.
	About int64
	// Styles formats parts of Text (sent as entities, never as markup).
	Styles []Style `json:",omitempty"`
	// Menu, when set, makes the message no text at all but the command
	// menu of the private chat ChatID, set through the durable outbox
	// like a message is sent (menus.go); the other fields are unused.
	Menu *Menu `json:",omitempty"`
	// Topic, when set, puts the message in a forum topic of the group
	// ChatID, or makes it the closing of one (Topic.Close).
	Topic *Topic `json:",omitempty"`
}

// Topic places a message in a forum topic of its group. A topic's id
// is its message_thread_id; a group that is no forum has none, and the
// message is then posted in the group as it is.
type Topic struct {
	// Of names what the topic belongs to (records.TicketTopicOf): the
	// sender asks records.DB.TopicThread for the topic's id when it
	// sends, so a message that waited behind the group's rate limit
	// while the topic was being created still goes into it.
	Of string `json:",omitempty"`
	// Thread is the topic's id when the turn knows it (the topic an
	// event came from); it wins over Of.
	Thread int `json:",omitempty"`
	// Open, when set, is the name of a topic to create for Of when it
	// has none yet: the sender creates it, reports its id through
	// Engine.Sent under Ref, as it reports a message's id, and posts
	// the message in it. When the topic cannot be created (the group
	// is no forum, or the bot may not manage topics there) the message
	// is posted without one.
	Open string `json:",omitempty"`
	Ref  string `json:",omitempty"`
	// Close makes the message no text at all but the closing of the
	// topic, once every earlier message of the chat was sent; nothing
	// happens when there is no topic.
	Close bool `json:",omitempty"`
}

// Span is a part of a message's Text, as byte offsets: Text[Start:End].
type Span struct{ Start, End int }

// Style is formatting of a part of a text: bold, italic, underline,
// strikethrough, spoiler, code, pre, or text_link with its URL, as
// Telegram's message entities name them, at byte offsets.
type Style struct {
	Span
	Kind string
	URL  string `json:",omitempty"`
}

// StyleKinds are the formatting kinds the bot keeps from what a person
// wrote and passes on; mentions, hashtags and the like Telegram finds
// again by itself.
var StyleKinds = []string{"bold", "italic", "underline", "strikethrough", "spoiler", "code", "pre", "text_link"}

// Reply is everything the bot does in answer to one event.
type Reply struct {
	Messages []Message
	// Notice is a short text shown as a toast for a pressed button.
	Notice string
	// NoticeID is the locales id of Notice.
	NoticeID string
}
