package records

import (
	"context"
	"errors"
	"fmt"
	"slices"
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
	Blocked bool `json:"blocked,omitempty"`
	// TimeZone is the zone the person chose dates to be shown in
	// (/timezone), an IANA name; empty until they choose.
	TimeZone  string    `json:"time_zone,omitempty"`
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

// HasProfile reports whether userID has a stored profile: everyone who
// has written to the bot has one until they are erased.
func (db *DB) HasProfile(ctx context.Context, userID int64) (bool, error) {
	var p Profile
	err := db.s.Get(ctx, profileKey(userID), &p)
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("load profile %d: %w", userID, err)
	}
	return true, nil
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

// ProfilesByID loads the profiles of ids in one round trip, by user id;
// people without one (and id 0) are left out.
func (db *DB) ProfilesByID(ctx context.Context, ids []int64) (map[int64]Profile, error) {
	ps, err := db.Profiles(ctx, slices.DeleteFunc(slices.Clone(ids), func(id int64) bool { return id == 0 }))
	if err != nil {
		return nil, err
	}
	out := make(map[int64]Profile, len(ps))
	for _, p := range ps {
		out[p.UserID] = p
	}
	return out, nil
}

// Turn is what a turn of the engine loads in one go: the chat's
// session and the sender's profile.
type Turn struct {
	Session Session
	Profile Profile
	// Handled is true when the update was handled already, so nothing
	// else was loaded.
	Handled bool
}

// handledKey marks an update as handled, written by the commit of its
// turn, so a redelivery or another replica skips it.
func handledKey(updateID int64) string { return "update:" + id64(updateID) }

// LoadTurn loads chatID's session and userID's profile and whether
// update updateID (unless 0) was handled already, in one round trip.
func (db *DB) LoadTurn(ctx context.Context, updateID, chatID, userID int64) (Turn, error) {
	var t Turn
	handled := ""
	if updateID != 0 {
		handled = handledKey(updateID)
	}
	s, was, found, err := db.s.LoadTurn(ctx, handled, chatID, profileKey(userID), &t.Profile)
	if err != nil {
		return Turn{}, fmt.Errorf("load turn of chat %d: %w", chatID, err)
	}
	t.Session, t.Handled = s, was
	if !found {
		t.Profile = Profile{UserID: userID, CreatedAt: db.now().UTC()}
	}
	return t, nil
}

// Reachable reports whether the bot can write to the person: they
// opened a chat with it and did not block it.
func (p Profile) Reachable() bool { return p.Started && !p.Blocked }
