package flows

import (
	"context"
	"fmt"
	"slices"

	"github.com/mentorbot/mentorbot/flows/records"
)

// roster answers who holds which role: the programme file names staff
// and mentors, records hold the roles granted through invites.
type roster struct {
	rec     *records.DB
	program *Program
}

// rosterOf is the roster of the programme t runs in.
func rosterOf(t *Turn) roster { return roster{rec: t.rec, program: t.e.program} }

// committeeOf names the university whose committee userID is on: one
// they joined through an invite, else one the programme file lists
// them for; "" for none.
func (r roster) committeeOf(ctx context.Context, userID int64) (string, error) {
	uni, err := r.rec.CommitteeOf(ctx, userID)
	if err != nil || uni != "" {
		return uni, err
	}
	for _, u := range r.program.Universities {
		if slices.Contains(u.Members, userID) {
			return u.ID, nil
		}
	}
	return "", nil
}

// HasRole reports whether userID holds role. Staff come from the
// programme file or from the store; mentors are whoever MentorOf names
// for a project, or in the store; committee membership is also granted
// to whoever writes in a configured committee group, since Telegram
// only delivers group messages from its members.
func (e *Engine) HasRole(ctx context.Context, userID, chatID int64, role records.Role) (bool, error) {
	return roster{rec: e.rec, program: e.program}.has(ctx, userID, chatID, role)
}

// has is HasRole.
func (r roster) has(ctx context.Context, userID, chatID int64, role records.Role) (bool, error) {
	switch role {
	case records.RoleAnyone:
		return true, nil
	case records.RoleStaff:
		if slices.Contains(r.program.Staff, userID) {
			return true, nil
		}
	case records.RoleMentor:
		// mentorOf prefers a mentor invited for a project over the
		// programme file's, so a replaced mentor is one no longer.
		projects, err := r.mentorProjects(ctx, userID)
		if err != nil {
			return false, err
		}
		if len(projects) > 0 {
			return true, nil
		}
	case records.RoleCommittee:
		if _, ok := r.program.UniversityByChat(chatID); ok {
			return true, nil
		}
	}
	return r.rec.HasGrant(ctx, userID, role)
}

// MentorOf returns the user id of the mentor of projectID: the one who
// joined through an invite for it, else the programme file's mentor id
// (0 when the file names none). An unknown project gives ErrNotFound.
func (e *Engine) MentorOf(ctx context.Context, projectID string) (int64, error) {
	return roster{rec: e.rec, program: e.program}.mentorOf(ctx, projectID)
}

// mentorOf is MentorOf.
func (r roster) mentorOf(ctx context.Context, projectID string) (int64, error) {
	pr, ok := r.program.Project(projectID)
	if !ok {
		return 0, fmt.Errorf("mentor of project %q: %w", projectID, records.ErrNotFound)
	}
	pm, ok, err := r.rec.ProjectMentor(ctx, projectID)
	if err != nil {
		return 0, fmt.Errorf("mentor of project %q: %w", projectID, err)
	}
	if !ok {
		return pr.Mentor, nil
	}
	return pm.UserID, nil
}

// mentorProjects returns the ids of the projects userID is the mentor
// of according to mentorOf, in programme order.
func (r roster) mentorProjects(ctx context.Context, userID int64) ([]string, error) {
	var out []string
	for _, pr := range r.program.Projects {
		m, err := r.mentorOf(ctx, pr.ID)
		if err != nil {
			return nil, err
		}
		if m == userID && userID != 0 {
			out = append(out, pr.ID)
		}
	}
	return out, nil
}

// SetMentor makes userID the mentor of projectID in place of whoever
// was; the previous mentor keeps any other project. An unknown project
// gives ErrNotFound.
func (e *Engine) SetMentor(ctx context.Context, projectID string, userID int64) error {
	return roster{rec: e.rec, program: e.program}.setMentor(ctx, projectID, userID)
}

// setMentor is SetMentor.
func (r roster) setMentor(ctx context.Context, projectID string, userID int64) error {
	if _, ok := r.program.Project(projectID); !ok {
		return fmt.Errorf("set mentor of project %q: %w", projectID, records.ErrNotFound)
	}
	return r.rec.SetProjectMentor(ctx, projectID, userID)
}

// setCommittee makes userID a committee member of university uni,
// leaving the committee they were in before, if another. An unknown
// university gives ErrNotFound.
func (r roster) setCommittee(ctx context.Context, userID int64, uni string) error {
	if _, ok := r.program.University(uni); !ok {
		return fmt.Errorf("set committee of %d: university %q: %w", userID, uni, records.ErrNotFound)
	}
	return r.rec.SetCommittee(ctx, userID, uni)
}

// staff returns the staff: the programme file's seeds and those who
// joined through an invite, sorted, without repeats.
func (r roster) staff(ctx context.Context) ([]int64, error) {
	ids, err := r.rec.Granted(ctx, records.RoleStaff)
	if err != nil {
		return nil, err
	}
	ids = append(ids, r.program.Staff...)
	slices.Sort(ids)
	return slices.Compact(ids), nil
}

// held lists the roles userID holds for /mydata: staff and mentor as
// HasRole sees them in their private chat, committee when granted
// through an invite.
func (r roster) held(ctx context.Context, userID int64) ([]records.Role, error) {
	var out []records.Role
	for _, role := range []records.Role{records.RoleStaff, records.RoleMentor} {
		ok, err := r.has(ctx, userID, userID, role)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, role)
		}
	}
	ok, err := r.rec.HasGrant(ctx, userID, records.RoleCommittee)
	if err != nil {
		return nil, err
	}
	if ok {
		out = append(out, records.RoleCommittee)
	}
	return out, nil
}

// rolesData is what /mydata shows of the roles someone joined with.
type rolesData struct {
	Staff       bool     `json:"staff,omitempty"`
	MentorOf    []string `json:"mentor_of,omitempty"`
	CommitteeOf string   `json:"committee_of,omitempty"`
}

// export returns the roles userID holds through invites or the
// programme file, or nil when none.
func (r roster) export(ctx context.Context, userID int64) (any, error) {
	var d rolesData
	var err error
	if d.Staff, err = r.has(ctx, userID, userID, records.RoleStaff); err != nil {
		return nil, err
	}
	if d.MentorOf, err = r.mentorProjects(ctx, userID); err != nil {
		return nil, err
	}
	if d.CommitteeOf, err = r.rec.CommitteeOf(ctx, userID); err != nil {
		return nil, err
	}
	if !d.Staff && len(d.MentorOf) == 0 && d.CommitteeOf == "" {
		return nil, nil
	}
	return d, nil
}

// erase takes from userID every role they joined with. Ids in the
// programme file stay: they are configuration, changed by editing it.
func (r roster) erase(ctx context.Context, userID int64) error {
	projects := make([]string, len(r.program.Projects))
	for i, pr := range r.program.Projects {
		projects[i] = pr.ID
	}
	return r.rec.EraseRoles(ctx, userID, projects)
}
