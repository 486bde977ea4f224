package records

import (
	"context"
	"time"
)

// Retention of a past cohort's records. A person's part of the
// programme ends when their mentorship ends (EndedAt: the last meeting
// passed, or staff closed it) or, for an application that led to no
// mentorship, when it was withdrawn or its result published. Once a
// retention period has passed since, ExpireCohorts deletes the
// application, the mentorship and everything kept with it: diary,
// questionnaire answers, ECTS form, proposals. Closed tickets have
// their own retention (ExpireTickets).

// ExpireCohorts deletes the mentorships that ended longer ago than
// retention, with their application and everything kept with them, and
// the applications that led to no mentorship and were decided or
// withdrawn longer ago than retention; it returns how many mentorships
// and applications it deleted. meetings is the programme's number of
// meetings, the least room a diary has; reminders lists the ids of a
// mentorship's reminders, which go from the queue with their marks.
// Each deletion is one commit;
// replicas running it at once delete nothing twice that matters.
func (db *DB) ExpireCohorts(ctx context.Context, now time.Time, retention time.Duration, meetings int, reminders func(Mentorship) []string) (int, error) {
	ms, err := loadSet[Mentorship](ctx, db, mentorshipsSet, mentorshipKey)
	if err != nil {
		return 0, err
	}
	deleted := 0
	live := make(map[string]bool)
	for _, m := range ms {
		if m.EndedAt.IsZero() || now.Before(m.EndedAt.Add(retention)) {
			live[m.ID] = true
			continue
		}
		if err := db.inTx(ctx, func(tx *DB) error { return tx.deleteMentorship(ctx, m, meetings, reminders(m)) }); err != nil {
			return deleted, err
		}
		deleted++
	}
	apps, err := db.Applications(ctx)
	if err != nil {
		return deleted, err
	}
	for _, a := range apps {
		if live[a.Ref] || !applicationOver(a, now, retention) {
			continue
		}
		if err := db.inTx(ctx, func(tx *DB) error { return tx.deleteApplication(ctx, a) }); err != nil {
			return deleted, err
		}
		deleted++
	}
	return deleted, nil
}

// applicationOver reports whether a, which led to no mentorship still
// kept, was decided or withdrawn longer ago than retention.
func applicationOver(a Application, now time.Time, retention time.Duration) bool {
	if a.State != AppWithdrawn && !a.Published {
		return false
	}
	at := a.UpdatedAt
	if at.IsZero() {
		at = a.SubmittedAt
	}
	return !now.Before(at.Add(retention))
}

// inTx runs write on a transaction of db and commits it.
func (db *DB) inTx(ctx context.Context, write func(tx *DB) error) error {
	tx := db.Begin()
	if err := write(tx.DB); err != nil {
		return err
	}
	return tx.Commit(ctx, nil, nil, 0)
}

// deleteMentorship deletes m with its indexes, its application, its
// reminders and what was kept with it; meetings is the least room its
// diary has.
func (db *DB) deleteMentorship(ctx context.Context, m Mentorship, meetings int, reminders []string) error {
	keys := []string{mentorshipKey(m.ID), ectsKey(m.ID), questionnaireOpenKey(m.ID)}
	for _, id := range reminders {
		keys = append(keys, reminderDoneKey(id))
	}
	if err := db.UnscheduleReminders(ctx, reminders...); err != nil {
		return err
	}
	for n := 1; n <= max(meetings, len(m.Meetings)); n++ {
		keys = append(keys, diaryKey(m.ID, n))
	}
	for _, uid := range []int64{m.MenteeID, m.MentorID} {
		keys = append(keys, responseKey(m.ID, uid), draftResponseKey(m.ID, uid))
		if err := db.s.RemoveFromSet(ctx, responsesSet, responseMember(m.ID, uid)); err != nil {
			return err
		}
		if err := db.s.RemoveFromSet(ctx, mentorshipOfUserKey(uid), m.ID); err != nil {
			return err
		}
	}
	if err := db.del(ctx, keys...); err != nil {
		return err
	}
	if err := db.s.RemoveFromSet(ctx, heldIntroSet(m.MentorID), m.ID); err != nil {
		return err
	}
	if err := db.s.RemoveFromSet(ctx, mentorshipsSet, m.ID); err != nil {
		return err
	}
	if err := db.EraseProposals(ctx, m.ID); err != nil {
		return err
	}
	a, err := db.Application(ctx, m.ID)
	if ok, err := found(err); !ok {
		return err
	}
	return db.deleteApplication(ctx, a)
}

// deleteApplication deletes submitted application a with its indexes.
func (db *DB) deleteApplication(ctx context.Context, a Application) error {
	keys := []string{appKey(a.Ref), publishedKey(a.Ref)}
	var ref string
	if a.UserID != 0 && db.s.Get(ctx, appOfKey(a.Edition, a.UserID), &ref) == nil && ref == a.Ref {
		keys = append(keys, appOfKey(a.Edition, a.UserID))
	}
	if err := db.del(ctx, keys...); err != nil {
		return err
	}
	if a.UserID != 0 {
		if err := db.s.RemoveFromSet(ctx, appsOfUserSet(a.UserID), a.Ref); err != nil {
			return err
		}
	}
	if err := db.s.RemoveFromSet(ctx, appAllSet, a.Ref); err != nil {
		return err
	}
	if err := db.unindexApplication(ctx, a); err != nil {
		return err
	}
	if err := db.unindexApplicationRef(ctx, a.Ref); err != nil {
		return err
	}
	return db.s.RemoveFromSet(ctx, appProjectSet(a.ProjectID), a.Ref)
}
