package flows

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/mentorbot/mentorbot/flows/records"
)

// This file holds what the agreement, meetings, diary, ECTS and
// reminder flows ask of a mentorship.

// sideOf reports whether userID is the mentee or the mentor of m.
func sideOf(m records.Mentorship, userID int64) bool {
	return userID == m.MenteeID || userID == m.MentorID
}

// otherSide is the other person of m than userID, who is one of them.
func otherSide(m records.Mentorship, userID int64) int64 { return m.MenteeID + m.MentorID - userID }

// openMentorship returns the user's mentorship that is not over, as
// mentee when asMentee, else as either side; ok is false when there is
// none.
func openMentorship(t *Turn, asMentee bool) (records.Mentorship, bool, error) {
	ms, err := t.rec.MentorshipsOf(t.ctx, t.Event.From.ID)
	if err != nil {
		return records.Mentorship{}, false, err
	}
	for _, m := range ms {
		if m.EndedAt.IsZero() && (m.MenteeID == t.Event.From.ID || !asMentee) {
			return m, true, nil
		}
	}
	return records.Mentorship{}, false, nil
}

// meetingCount is how many meetings a mentorship has room for: the
// programme's number, or more if more were agreed.
func meetingCount(p *Program, m records.Mentorship) int {
	return max(p.Meetings, len(m.Meetings))
}

// meetingN returns meeting n of m, if it was scheduled.
func meetingN(m records.Mentorship, n int) (records.Meeting, bool) {
	if i := meetingIndex(m, n); i >= 0 {
		return m.Meetings[i], true
	}
	return records.Meeting{}, false
}

// meetingIndex returns the index of meeting n in m, or -1.
func meetingIndex(m records.Mentorship, n int) int {
	for i, mt := range m.Meetings {
		if mt.N == n {
			return i
		}
	}
	return -1
}

// lastEnd is when the last meeting of m ends.
func lastEnd(m records.Mentorship) time.Time {
	var last time.Time
	for _, mt := range m.Meetings {
		if mt.End().After(last) {
			last = mt.End()
		}
	}
	return last
}

// endMentorship sets EndedAt of mentorship id, unless already set.
func endMentorship(ctx context.Context, rec *records.DB, id string, now time.Time) error {
	m, err := rec.Mentorship(ctx, id)
	if err != nil {
		return err
	}
	if !m.EndedAt.IsZero() {
		return nil
	}
	m.EndedAt = now.UTC()
	return rec.SaveMentorship(ctx, m)
}

// personName is how documents and messages in lang name a person:
// first and last name as Telegram gave them, or "deleted user" for
// someone who erased their data (records.ErasedUser).
func personName(t *Turn, lang string, userID int64) (string, error) {
	if userID == records.ErasedUser {
		return t.e.cat.T(lang, msgDeletedUser, nil), nil
	}
	p, err := t.rec.Profile(t.ctx, userID)
	if err != nil {
		return "", err
	}
	name := strings.TrimSpace(p.FirstName + " " + p.LastName)
	if name == "" {
		name = strconv.FormatInt(userID, 10)
	}
	return name, nil
}

// displayName is how a message in lang names a person to another: as
// records.Profile.DisplayName, or "deleted user" for someone who erased
// their data.
func displayName(t *Turn, lang string, userID int64) (string, error) {
	if userID == records.ErasedUser {
		return t.e.cat.T(lang, msgDeletedUser, nil), nil
	}
	p, err := t.rec.Profile(t.ctx, userID)
	if err != nil {
		return "", err
	}
	return p.DisplayName(), nil
}

// msgDeletedUser names, to the other side, a person who erased their
// data.
const msgDeletedUser = "privacy.deleted_user"

// projectLine is how documents in lang name m's project: its title in
// lang and its host.
func projectLine(p *Program, m records.Mentorship, lang string) string {
	pr, _ := p.Project(m.ProjectID)
	if pr.Host == "" {
		return pr.TitleIn(lang)
	}
	return pr.TitleIn(lang) + " — " + pr.Host
}
