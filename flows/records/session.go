package records

import (
	"context"
	"encoding/json"
	"fmt"
)

// Session is the conversation state of one chat: which flow the chat is
// in, at which step, and the flow's own state, a small struct of its
// own encoded once (see Decode and Encode). Sessions expire after a
// configurable idle time; anything that must outlive them is a record
// of its own (profiles, applications, tickets).
type Session struct {
	ChatID int64  `json:"chat_id"`
	Flow   string `json:"flow,omitempty"`
	Step   string `json:"step,omitempty"`
	// State is the flow's state struct, encoded by Encode.
	State json.RawMessage `json:"state,omitempty"`
	// Nonce changes whenever a flow starts, so buttons from an earlier
	// run of a flow are recognised as stale.
	Nonce string `json:"nonce,omitempty"`
	// Version is the store's optimistic concurrency token: SaveSession
	// fails with ErrConflict when it no longer matches.
	Version int64 `json:"version"`
}

// Decode decodes the flow's state into v, a pointer to the flow's state
// struct. No state leaves v as it is; a state that does not decode into
// v is an error, never a silent zero.
func (s *Session) Decode(v any) error {
	if len(s.State) == 0 {
		return nil
	}
	if err := json.Unmarshal(s.State, v); err != nil {
		return fmt.Errorf("decode state of flow %q in chat %d: %w", s.Flow, s.ChatID, err)
	}
	return nil
}

// Encode stores v as the flow's state. Only a value JSON cannot encode
// (a programming error) fails.
func (s *Session) Encode(v any) error {
	buf, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode state of flow %q: %w", s.Flow, err)
	}
	s.State = buf
	return nil
}

// Reset leaves any flow, forgetting its state.
func (s *Session) Reset() {
	s.Flow, s.Step, s.State, s.Nonce = "", "", nil, ""
}

// Session loads the session of chatID outside a turn (a zero Session
// when none), for tools and tests; turns get theirs from LoadTurn.
func (db *DB) Session(ctx context.Context, chatID int64) (Session, error) {
	var none struct{}
	s, _, _, err := db.s.LoadTurn(ctx, "", chatID, sessionProbeKey, &none)
	if err != nil {
		return Session{}, fmt.Errorf("load session %d: %w", chatID, err)
	}
	return s, nil
}

// sessionProbeKey is a key no record has, for loading a session alone.
const sessionProbeKey = "session-probe"

// SaveSession saves s outside a turn if nobody saved it since it was
// loaded (ErrConflict otherwise), for tools and tests.
func (db *DB) SaveSession(ctx context.Context, s *Session) error {
	return db.s.Commit(ctx, &Commit{Session: s})
}

// sessionKey is where the Store keeps chatID's session (flows/redisstore
// builds the same key for LoadTurn and Commit); records names it only
// to erase it.
func sessionKey(chatID int64) string { return "session:" + id64(chatID) }

// EraseSession deletes the session of chatID. In a turn (DB.Begin) the
// turn's own commit then saves no session for that chat, so nothing of
// the conversation is left, not even its version.
func (db *DB) EraseSession(ctx context.Context, chatID int64) error {
	return db.del(ctx, sessionKey(chatID))
}

// SessionExport is what /mydata shows of a conversation in progress:
// which flow and step the chat is at and what the flow kept so far.
type SessionExport struct {
	Flow  string          `json:"flow"`
	Step  string          `json:"step,omitempty"`
	State json.RawMessage `json:"state,omitempty"`
}

// ExportSession returns the part of s that is the person's own, or nil
// when the chat is in no flow. Flows keep in their state only what the
// person typed and ids of records (mentorships, tickets), never another
// person's id.
func ExportSession(s Session) any {
	if s.Flow == "" {
		return nil
	}
	return SessionExport{Flow: s.Flow, Step: s.Step, State: s.State}
}
