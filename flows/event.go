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

	// Data is the callback data of a pressed button (KindButton).
	Data string

	// File is set for KindDocument and KindPhoto.
	File *File

	// ReplyTo is the id of the message this one replies to, if any.
	ReplyTo int
}

// Button is one inline keyboard button: a callback button with Data,
// at most 64 bytes, the Telegram limit (build it with Callback.Encode),
// or a link button with URL.
type Button struct {
	Text string
	Data string
	URL  string `json:",omitempty"`
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
}

// Span is a part of a message's Text, as byte offsets: Text[Start:End].
type Span struct{ Start, End int }

// Reply is everything the bot does in answer to one event.
type Reply struct {
	Messages []Message
	// Notice is a short text shown as a toast for a pressed button.
	Notice string
	// NoticeID is the locales id of Notice.
	NoticeID string
}
