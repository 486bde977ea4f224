package records

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// Invite is a one-time deep link that registers whoever opens it first
// with a role: staff, mentor of a project, or committee member of a
// university.
type Invite struct {
	// N is the invite's number, shown to staff and used to replace it.
	N     int64  `json:"n"`
	Token string `json:"token"`
	Role  Role   `json:"role"`
	// Project is set for mentor invites, University for committee ones.
	Project    string    `json:"project,omitempty"`
	University string    `json:"university,omitempty"`
	By         int64     `json:"by"`
	CreatedAt  time.Time `json:"created_at"`
	ExpiresAt  time.Time `json:"expires_at"`
	UsedBy     int64     `json:"used_by,omitempty"`
	UsedAt     time.Time `json:"used_at,omitzero"`
	// ReplacedBy is the number of the invite made in this one's place.
	ReplacedBy int64 `json:"replaced_by,omitempty"`
}

// Scope is the project or university the invite is for, or "".
func (inv Invite) Scope() string { return inv.Project + inv.University }

func inviteKey(n int64) string           { return "invite:" + id64(n) }
func inviteTokenKey(token string) string { return "invite-token:" + token }
func inviteUsedKey(n int64) string       { return "invite-used:" + id64(n) }

// invitesOfKey indexes the invites userID made or used, for /mydata
// and /deletemydata.
func invitesOfKey(userID int64) string { return "invites-of:" + id64(userID) }

// invitesSet indexes the numbers of unused, unreplaced invites.
const invitesSet = "invites"

// Invite loads invite n; ErrNotFound if there is none.
func (db *DB) Invite(ctx context.Context, n int64) (Invite, error) {
	var inv Invite
	return inv, db.get(ctx, inviteKey(n), &inv)
}

// SaveInvite stores inv.
func (db *DB) SaveInvite(ctx context.Context, inv Invite) error {
	return db.put(ctx, inviteKey(inv.N), inv)
}

// NewInvite numbers inv, stores it, maps its token to it for
// tokenKept (so a link opened after it expired is told apart from a
// forged one) and lists it as open.
func (db *DB) NewInvite(ctx context.Context, inv *Invite, tokenKept time.Duration) error {
	n, err := db.s.NextID(ctx, "invite")
	if err != nil {
		return fmt.Errorf("number invite: %w", err)
	}
	inv.N = n
	if err := db.SaveInvite(ctx, *inv); err != nil {
		return err
	}
	if err := db.s.Put(ctx, inviteTokenKey(inv.Token), n, tokenKept); err != nil {
		return fmt.Errorf("save invite %d token: %w", n, err)
	}
	if err := db.s.AddToSet(ctx, invitesSet, id64(n)); err != nil {
		return fmt.Errorf("index invite %d: %w", n, err)
	}
	if err := db.s.AddToSet(ctx, invitesOfKey(inv.By), id64(n)); err != nil {
		return fmt.Errorf("index invite %d: %w", n, err)
	}
	return nil
}

// InviteByToken returns the invite whose link carries token;
// ErrNotFound when there is none (forged, or forgotten).
func (db *DB) InviteByToken(ctx context.Context, token string) (Invite, error) {
	var n int64
	if err := db.get(ctx, inviteTokenKey(token), &n); err != nil {
		return Invite{}, err
	}
	return db.Invite(ctx, n)
}

// ClaimInvite takes invite n out of use, once: of a redemption and a
// reissue racing, one wins. It reports whether this call won.
func (db *DB) ClaimInvite(ctx context.Context, n int64) (bool, error) {
	won, err := db.s.Claim(ctx, inviteUsedKey(n), 0)
	if err != nil {
		return false, fmt.Errorf("claim invite %d: %w", n, err)
	}
	return won, nil
}

// InviteUsed records that userID used inv (already claimed) and
// stores it.
func (db *DB) InviteUsed(ctx context.Context, inv Invite) error {
	if err := db.SaveInvite(ctx, inv); err != nil {
		return err
	}
	if err := db.s.AddToSet(ctx, invitesOfKey(inv.UsedBy), id64(inv.N)); err != nil {
		return fmt.Errorf("index invite %d: %w", inv.N, err)
	}
	return db.UnlistInvite(ctx, inv.N)
}

// UnlistInvite takes invite n off the list of open invites.
func (db *DB) UnlistInvite(ctx context.Context, n int64) error {
	if err := db.s.RemoveFromSet(ctx, invitesSet, id64(n)); err != nil {
		return fmt.Errorf("unindex invite %d: %w", n, err)
	}
	return nil
}

// ListedInvites returns the invites on the list of open invites,
// oldest first, and the numbers listed whose invite is gone.
func (db *DB) ListedInvites(ctx context.Context) ([]Invite, []int64, error) {
	ns, err := db.idSet(ctx, invitesSet)
	if err != nil {
		return nil, nil, err
	}
	invs, err := db.invites(ctx, ns)
	if err != nil {
		return nil, nil, err
	}
	var gone []int64
	for _, n := range ns {
		if !slices.ContainsFunc(invs, func(inv Invite) bool { return inv.N == n }) {
			gone = append(gone, n)
		}
	}
	return invs, gone, nil
}

func (db *DB) invites(ctx context.Context, ns []int64) ([]Invite, error) {
	keys := make([]string, len(ns))
	for i, n := range ns {
		keys[i] = inviteKey(n)
	}
	return loadMany[Invite](ctx, db.s, keys)
}

// InvitesOf loads the invites userID made or used, oldest first.
func (db *DB) InvitesOf(ctx context.Context, userID int64) ([]Invite, error) {
	ns, err := db.idSet(ctx, invitesOfKey(userID))
	if err != nil {
		return nil, err
	}
	invs, err := db.invites(ctx, ns)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(invs, func(inv Invite) bool { return inv.By != userID && inv.UsedBy != userID }), nil
}

// InviteExport is what /mydata shows of an invite someone made or used.
type InviteExport struct {
	N          int64     `json:"n"`
	Role       Role      `json:"role"`
	Project    string    `json:"project,omitempty"`
	University string    `json:"university,omitempty"`
	Made       bool      `json:"made_by_you,omitempty"`
	Used       bool      `json:"used_by_you,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
	UsedAt     time.Time `json:"used_at,omitzero"`
}

// ExportInvites returns the invites userID made or used, or nil.
func (db *DB) ExportInvites(ctx context.Context, userID int64) (any, error) {
	invs, err := db.InvitesOf(ctx, userID)
	if err != nil || len(invs) == 0 {
		return nil, err
	}
	out := make([]InviteExport, 0, len(invs))
	for _, inv := range invs {
		d := InviteExport{N: inv.N, Role: inv.Role, Project: inv.Project, University: inv.University,
			Made: inv.By == userID, Used: inv.UsedBy == userID, CreatedAt: inv.CreatedAt}
		if d.Used {
			d.UsedAt = inv.UsedAt
		}
		out = append(out, d)
	}
	return out, nil
}

// EraseInvites replaces userID in the invites they made or used with
// ErasedUser: a used link stays used, one they made stops working (as
// it would once they left the staff), and neither names them.
func (db *DB) EraseInvites(ctx context.Context, userID int64) error {
	invs, err := db.InvitesOf(ctx, userID)
	if err != nil {
		return err
	}
	for _, inv := range invs {
		if inv.UsedBy == userID {
			inv.UsedBy = ErasedUser
		}
		if inv.By == userID {
			inv.By = ErasedUser
		}
		if err := db.SaveInvite(ctx, inv); err != nil {
			return err
		}
	}
	return db.del(ctx, invitesOfKey(userID))
}
