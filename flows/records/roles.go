package records

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// Role is what a person may do beyond talking to the bot.
type Role string

// The roles. RoleAnyone is held by everybody; RoleMentee names the
// student's side of a mentorship in exports and is granted by none.
const (
	RoleAnyone    Role = ""
	RoleStaff     Role = "staff"
	RoleMentor    Role = "mentor"
	RoleCommittee Role = "committee"
	RoleMentee    Role = "mentee"
)

// roleSet is the set of user ids granted a role through an invite.
func roleSet(r Role) string { return "role:" + string(r) }

// ProjectMentor is the record of a mentor who joined a project through
// an invite; it takes precedence over the programme file's mentor id.
type ProjectMentor struct {
	UserID int64     `json:"user_id"`
	Since  time.Time `json:"since"`
}

func projectMentorKey(projectID string) string { return "project-mentor:" + projectID }
func committeeOfKey(userID int64) string       { return "committee-of:" + id64(userID) }
func committeeMembersKey(uni string) string    { return "committee-members:" + uni }

// HasGrant reports whether userID was granted role through an invite.
func (db *DB) HasGrant(ctx context.Context, userID int64, role Role) (bool, error) {
	members, err := db.members(ctx, roleSet(role))
	if err != nil {
		return false, err
	}
	return slices.Contains(members, id64(userID)), nil
}

// Grant gives userID role.
func (db *DB) Grant(ctx context.Context, userID int64, role Role) error {
	if err := db.s.AddToSet(ctx, roleSet(role), id64(userID)); err != nil {
		return fmt.Errorf("grant %s to %d: %w", role, userID, err)
	}
	return nil
}

// Granted returns the user ids granted role through an invite, sorted.
func (db *DB) Granted(ctx context.Context, role Role) ([]int64, error) {
	return db.idSet(ctx, roleSet(role))
}

// ProjectMentor returns the mentor who joined project through an
// invite; ok is false when none did.
func (db *DB) ProjectMentor(ctx context.Context, projectID string) (pm ProjectMentor, ok bool, err error) {
	ok, err = found(db.get(ctx, projectMentorKey(projectID), &pm))
	return pm, ok, err
}

// SetProjectMentor makes userID the mentor of projectID in place of
// whoever was.
func (db *DB) SetProjectMentor(ctx context.Context, projectID string, userID int64) error {
	return db.put(ctx, projectMentorKey(projectID), ProjectMentor{UserID: userID, Since: db.now().UTC()})
}

// CommitteeOf returns the id of the university whose committee userID
// joined through an invite, or "" when they joined none.
func (db *DB) CommitteeOf(ctx context.Context, userID int64) (string, error) {
	var uni string
	_, err := found(db.get(ctx, committeeOfKey(userID), &uni))
	return uni, err
}

// SetCommittee makes userID a committee member of university uni,
// leaving the committee they were in before, if another.
func (db *DB) SetCommittee(ctx context.Context, userID int64, uni string) error {
	old, err := db.CommitteeOf(ctx, userID)
	if err != nil {
		return err
	}
	if old != "" && old != uni {
		if err := db.s.RemoveFromSet(ctx, committeeMembersKey(old), id64(userID)); err != nil {
			return fmt.Errorf("leave committee %s: %w", old, err)
		}
	}
	if err := db.put(ctx, committeeOfKey(userID), uni); err != nil {
		return err
	}
	if err := db.s.AddToSet(ctx, committeeMembersKey(uni), id64(userID)); err != nil {
		return fmt.Errorf("join committee %s: %w", uni, err)
	}
	return db.Grant(ctx, userID, RoleCommittee)
}

// CommitteeMembers returns the user ids of the people who joined the
// committee of university uni through an invite, sorted.
func (db *DB) CommitteeMembers(ctx context.Context, uni string) ([]int64, error) {
	return db.idSet(ctx, committeeMembersKey(uni))
}

// EraseRoles takes from userID every role they joined with, including
// the mentorship of any of projects they joined through an invite.
func (db *DB) EraseRoles(ctx context.Context, userID int64, projects []string) error {
	id := id64(userID)
	for _, r := range []Role{RoleStaff, RoleMentor, RoleCommittee} {
		if err := db.s.RemoveFromSet(ctx, roleSet(r), id); err != nil {
			return fmt.Errorf("erase role %s of %d: %w", r, userID, err)
		}
	}
	uni, err := db.CommitteeOf(ctx, userID)
	if err != nil {
		return err
	}
	if uni != "" {
		if err := db.s.RemoveFromSet(ctx, committeeMembersKey(uni), id); err != nil {
			return fmt.Errorf("leave committee %s: %w", uni, err)
		}
	}
	keys := []string{committeeOfKey(userID)}
	for _, p := range projects {
		pm, ok, err := db.ProjectMentor(ctx, p)
		if err != nil {
			return err
		}
		if ok && pm.UserID == userID {
			keys = append(keys, projectMentorKey(p))
		}
	}
	return db.del(ctx, keys...)
}

func sortInt64(ids []int64) { slices.Sort(ids) }

// RevokeGrant takes role, granted through an invite, from userID.
func (db *DB) RevokeGrant(ctx context.Context, userID int64, role Role) error {
	if err := db.s.RemoveFromSet(ctx, roleSet(role), id64(userID)); err != nil {
		return fmt.Errorf("revoke %s of %d: %w", role, userID, err)
	}
	return nil
}

// LeaveCommittee takes userID out of the committee they joined through
// an invite, if any.
func (db *DB) LeaveCommittee(ctx context.Context, userID int64) error {
	uni, err := db.CommitteeOf(ctx, userID)
	if err != nil || uni == "" {
		return err
	}
	if err := db.s.RemoveFromSet(ctx, committeeMembersKey(uni), id64(userID)); err != nil {
		return fmt.Errorf("leave committee %s: %w", uni, err)
	}
	if err := db.del(ctx, committeeOfKey(userID)); err != nil {
		return err
	}
	return db.RevokeGrant(ctx, userID, RoleCommittee)
}

// ClearProjectMentor leaves projectID without a mentor until staff
// invite one: the record of "nobody" outranks the programme file's
// mentor id, so a revoked mentor named there is one no longer.
func (db *DB) ClearProjectMentor(ctx context.Context, projectID string) error {
	return db.put(ctx, projectMentorKey(projectID), ProjectMentor{UserID: 0, Since: db.now().UTC()})
}
