package flows

import (
	"context"
	"maps"
	"slices"
	"time"

	"github.com/mentorbot/mentorbot/flows/records"
)

// ExpireCohorts deletes the records of past cohorts kept longer than
// the programme's data_retention after the person's part of the
// programme ended (see records.DB.ExpireCohorts) and returns how many
// mentorships and applications it deleted. Audit entries go
// data_retention after they were written: by then what they name is
// gone too. The scheduler runs it with ExpireTickets.
func (e *Engine) ExpireCohorts(ctx context.Context, now time.Time) (int, error) {
	reminders := func(m records.Mentorship) []string {
		return slices.Sorted(maps.Keys(plannedReminders(e.program, m)))
	}
	n, err := e.rec.ExpireCohorts(ctx, now, e.program.DataRetention, e.program.Meetings, reminders)
	if err != nil {
		return n, err
	}
	return n, e.rec.ExpireAudit(ctx, now, e.program.DataRetention)
}
