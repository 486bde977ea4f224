package flows

import (
	"context"
	"fmt"
	"slices"
	"strconv"
)

// Role is what a person may do beyond talking to the bot.
type Role string

// The roles. RoleAnyone is held by everybody.
const (
	RoleAnyone    Role = ""
	RoleStaff     Role = "staff"
	RoleMentor    Role = "mentor"
	RoleCommittee Role = "committee"
)

// roleSet is the Redis set of user ids holding a role.
func roleSet(r Role) string { return "role:" + string(r) }

// HasRole reports whether userID holds role. Staff come from the
// programme file or from the store; mentors are whoever MentorOf names
// for a project, or in the store; committee membership is also granted
// to whoever writes in a configured committee group, since Telegram
// only delivers group messages from its members.
func (e *Engine) HasRole(ctx context.Context, userID, chatID int64, role Role) (bool, error) {
	switch role {
	case RoleAnyone:
		return true, nil
	case RoleStaff:
		if slices.Contains(e.program.Staff, userID) {
			return true, nil
		}
	case RoleMentor:
		// MentorOf prefers a mentor invited for a project over the
		// programme file's, so a replaced mentor is one no longer.
		projects, err := e.MentorProjects(ctx, userID)
		if err != nil {
			return false, err
		}
		if len(projects) > 0 {
			return true, nil
		}
	case RoleCommittee:
		if _, ok := e.program.UniversityByChat(chatID); ok {
			return true, nil
		}
	}
	members, err := e.store.Members(ctx, roleSet(role))
	if err != nil {
		return false, fmt.Errorf("load role %s: %w", role, err)
	}
	return slices.Contains(members, strconv.FormatInt(userID, 10)), nil
}

// Grant gives userID role.
func (e *Engine) Grant(ctx context.Context, userID int64, role Role) error {
	if err := e.store.AddToSet(ctx, roleSet(role), strconv.FormatInt(userID, 10)); err != nil {
		return fmt.Errorf("grant %s to %d: %w", role, userID, err)
	}
	return nil
}
