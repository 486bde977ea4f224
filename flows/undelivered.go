package flows

// Undelivered is a message Telegram refused for good for its
// recipient, and why. The sender hands it to Engine.Undeliverable.
type Undelivered struct {
	Message Message
	Reason  UndeliveredReason
}

// UndeliveredReason says why a chat cannot be sent to. Each is
// permanent until someone acts: the user unblocks the bot, the bot is
// added to the group again, the programme file gets the right id.
type UndeliveredReason string

// The reasons a message cannot be delivered.
const (
	// ReasonBlocked: the person blocked the bot, never started it or
	// deleted their account (403 in a private chat).
	ReasonBlocked UndeliveredReason = "blocked"
	// ReasonRemoved: the bot was removed from the group, or is not a
	// member of it (403 "bot was kicked", "bot is not a member").
	ReasonRemoved UndeliveredReason = "removed"
	// ReasonChatNotFound: Telegram knows no such chat for this bot
	// (400 "chat not found"): a wrong group id in the programme file, a
	// group the bot was never added to or that was deleted, a user id
	// that never existed.
	ReasonChatNotFound UndeliveredReason = "chat_not_found"
)
