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
