package flows

import "time"

// Session is the conversation state of one chat: which flow the chat is
// in, at which step, and what it has collected so far. Sessions expire
// after a configurable idle time; anything that must outlive them is a
// record of its own (profiles, applications, tickets).
type Session struct {
	ChatID int64             `json:"chat_id"`
	Flow   string            `json:"flow,omitempty"`
	Step   string            `json:"step,omitempty"`
	Fields map[string]string `json:"fields,omitempty"`
	// Nonce changes whenever a flow starts, so buttons from an earlier
	// run of a flow are recognised as stale.
	Nonce string `json:"nonce,omitempty"`
	// Version is the store's optimistic concurrency token: SaveSession
	// fails with ErrConflict when it no longer matches.
	Version int64 `json:"version"`
}

// Set stores a collected field.
func (s *Session) Set(key, value string) {
	if s.Fields == nil {
		s.Fields = make(map[string]string)
	}
	s.Fields[key] = value
}

// Get returns a collected field, or "".
func (s *Session) Get(key string) string { return s.Fields[key] }

// Reset leaves any flow, forgetting what it collected.
func (s *Session) Reset() {
	s.Flow, s.Step, s.Fields, s.Nonce = "", "", nil, ""
}

// Profile is what the bot keeps about a person across conversations.
type Profile struct {
	UserID    int64  `json:"user_id"`
	Lang      string `json:"lang,omitempty"`
	FirstName string `json:"first_name,omitempty"`
	LastName  string `json:"last_name,omitempty"`
	Username  string `json:"username,omitempty"`
	// Started is set once the person has opened a private chat with the
	// bot, the precondition for the bot being able to write to them.
	Started bool `json:"started,omitempty"`
	// Blocked is set when Telegram refused a message with 403.
	Blocked   bool      `json:"blocked,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// DisplayName is the name to show to other people: first and last name,
// with the @username when there is one.
func (p Profile) DisplayName() string {
	name := p.FirstName
	if p.LastName != "" {
		name += " " + p.LastName
	}
	if name == "" {
		name = "?"
	}
	if p.Username != "" {
		name += " (@" + p.Username + ")"
	}
	return name
}
