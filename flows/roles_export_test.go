package flows

import (
	"context"

	"github.com/mentorbot/mentorbot/flows/records"
)

// PrivilegedCommands lists, for tests, the commands that need a role.
func (e *Engine) PrivilegedCommands() []string {
	var out []string
	for _, name := range e.order {
		if e.commands[name].Role != records.RoleAnyone {
			out = append(out, name)
		}
	}
	return out
}

// testInvites is the invite service of e, for tests.
func testInvites(e *Engine) invites {
	return invites{rec: e.rec, roster: roster{rec: e.rec, program: e.program}, now: e.now, botName: e.botName, validity: e.inviteValidity}
}

// CreateInvite makes an invite from by, for tests; see invites.create.
func CreateInvite(ctx context.Context, e *Engine, by int64, role records.Role, scope string) (records.Invite, error) {
	return testInvites(e).create(ctx, by, role, scope)
}

// RedeemInvite uses the invite link token for userID, for tests; see
// invites.redeem.
func RedeemInvite(ctx context.Context, e *Engine, userID int64, token string) (records.Invite, error) {
	return testInvites(e).redeem(ctx, userID, token)
}

// InviteLink is the link of inv that e hands out, for tests.
func InviteLink(e *Engine, inv records.Invite) string { return testInvites(e).link(inv) }

// MentorProjects lists the projects userID mentors, for tests; see
// roster.mentorProjects.
func MentorProjects(ctx context.Context, e *Engine, userID int64) ([]string, error) {
	return roster{rec: e.rec, program: e.program}.mentorProjects(ctx, userID)
}
