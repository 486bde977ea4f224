package records_test

import (
	"context"
	"testing"
)

// TestPeopleReadsAnswerForEveryoneAtOnce: ProjectMentors and
// CommitteesOf give, for each project or person asked about, what
// ProjectMentor and CommitteeOf would, leaving out those with nothing.
func TestPeopleReadsAnswerForEveryoneAtOnce(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	if err := db.SetProjectMentor(ctx, "madrid-ai", 201); err != nil {
		t.Fatal(err)
	}
	if err := db.ClearProjectMentor(ctx, "lyon-law"); err != nil {
		t.Fatal(err)
	}
	mentors, err := db.ProjectMentors(ctx, []string{"madrid-ai", "lyon-law", "berlin-eng"})
	if err != nil {
		t.Fatal(err)
	}
	if len(mentors) != 2 || mentors["madrid-ai"].UserID != 201 || mentors["lyon-law"].UserID != 0 {
		t.Errorf("ProjectMentors = %+v; want madrid-ai's 201 and lyon-law's nobody, berlin-eng missing", mentors)
	}

	for id, uni := range map[int64]string{301: "palermo", 302: "roma3"} {
		if err := db.SetCommittee(ctx, id, uni); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.LeaveCommittee(ctx, 302); err != nil {
		t.Fatal(err)
	}
	unis, err := db.CommitteesOf(ctx, []int64{301, 302, 303})
	if err != nil {
		t.Fatal(err)
	}
	if len(unis) != 1 || unis[301] != "palermo" {
		t.Errorf("CommitteesOf = %v; want 301 in palermo only", unis)
	}
	if none, err := db.CommitteesOf(ctx, nil); err != nil || len(none) != 0 {
		t.Errorf("CommitteesOf(nobody) = %v, %v; want nothing", none, err)
	}
}
