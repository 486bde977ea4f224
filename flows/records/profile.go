package records

import (
	"context"
	"errors"
	"fmt"
	"time"
)

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

func profileKey(userID int64) string { return "profile:" + id64(userID) }

// Profile returns the stored profile of userID, or a new one.
func (db *DB) Profile(ctx context.Context, userID int64) (Profile, error) {
	var p Profile
	err := db.s.Get(ctx, profileKey(userID), &p)
	if errors.Is(err, ErrNotFound) {
		return Profile{UserID: userID, CreatedAt: db.now().UTC()}, nil
	}
	if err != nil {
		return Profile{}, fmt.Errorf("load profile %d: %w", userID, err)
	}
	return p, nil
}

// SaveProfile stores p.
func (db *DB) SaveProfile(ctx context.Context, p Profile) error {
	return db.put(ctx, profileKey(p.UserID), p)
}

// MarkBlocked records that userID blocked the bot (Telegram answered
// 403), so nothing is retried for them until they write again.
func (db *DB) MarkBlocked(ctx context.Context, userID int64) error {
	p, err := db.Profile(ctx, userID)
	if err != nil {
		return err
	}
	p.Blocked = true
	return db.SaveProfile(ctx, p)
}

// DeleteProfile erases userID's profile.
func (db *DB) DeleteProfile(ctx context.Context, userID int64) error {
	return db.del(ctx, profileKey(userID))
}

// Profiles loads the profiles of ids in one round trip; people without
// one are left out.
func (db *DB) Profiles(ctx context.Context, ids []int64) ([]Profile, error) {
	keys := make([]string, len(ids))
	for i, id := range ids {
		keys[i] = profileKey(id)
	}
	return loadMany[Profile](ctx, db.s, keys)
}

// Turn is what a turn of the engine loads in one go: the chat's
// session and the sender's profile.
type Turn struct {
	Session Session
	Profile Profile
	// Claimed is false when the update's claim was held already, so
	// nothing else was loaded.
	Claimed bool
}

// updateClaimKey marks an update as taken by a turn, so a redelivery
// or another replica skips it.
func updateClaimKey(updateID int64) string { return "update:" + id64(updateID) }

// LoadTurn claims update updateID for ttl (skipped when it is 0) and loads
// chatID's session and userID's profile, in one round trip when the
// store can. When err is not nil, Claimed still reports whether the
// claim was taken.
func (db *DB) LoadTurn(ctx context.Context, updateID int64, ttl time.Duration, chatID, userID int64) (Turn, error) {
	claim := ""
	if updateID != 0 {
		claim = updateClaimKey(updateID)
	}
	var t Turn
	if ts, ok := db.s.(TurnStore); ok {
		s, claimed, found, err := ts.LoadTurn(ctx, claim, ttl, chatID, profileKey(userID), &t.Profile)
		t.Session, t.Claimed = s, claimed && claim != ""
		if claim == "" {
			t.Claimed = true
		}
		if err != nil {
			return t, fmt.Errorf("load turn of chat %d: %w", chatID, err)
		}
		if !found {
			t.Profile = Profile{UserID: userID, CreatedAt: db.now().UTC()}
		}
		return t, nil
	}
	t.Claimed = true
	if claim != "" {
		took, err := db.s.Claim(ctx, claim, ttl)
		if err != nil {
			return Turn{}, fmt.Errorf("claim %s: %w", claim, err)
		}
		if t.Claimed = took; !took {
			return t, nil
		}
	}
	var err error
	if t.Session, err = db.s.Session(ctx, chatID); err != nil {
		return t, fmt.Errorf("load session %d: %w", chatID, err)
	}
	if t.Profile, err = db.Profile(ctx, userID); err != nil {
		return t, err
	}
	return t, nil
}

// SaveTurn saves s, and p unless it is nil, in one round trip when the
// store can. ErrConflict when s changed since it was loaded.
func (db *DB) SaveTurn(ctx context.Context, s *Session, p *Profile) error {
	if ts, ok := db.s.(TurnStore); ok {
		key, v := "", any(nil)
		if p != nil {
			key, v = profileKey(p.UserID), *p
		}
		if err := ts.SaveTurn(ctx, s, key, v); err != nil {
			return fmt.Errorf("save turn of chat %d: %w", s.ChatID, err)
		}
		return nil
	}
	if p != nil {
		if err := db.SaveProfile(ctx, *p); err != nil {
			return err
		}
	}
	if err := db.s.SaveSession(ctx, s); err != nil {
		return fmt.Errorf("save session %d: %w", s.ChatID, err)
	}
	return nil
}

// ReleaseClaim lets go of an update's claim, after its turn failed, so
// a redelivery is handled.
func (db *DB) ReleaseClaim(ctx context.Context, updateID int64) error {
	return db.del(ctx, updateClaimKey(updateID))
}

// Reachable reports whether the bot can write to the person: they
// opened a chat with it and did not block it.
func (p Profile) Reachable() bool { return p.Started && !p.Blocked }
