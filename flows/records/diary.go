package records

import (
	"context"
	"strconv"
	"time"
)

// DiaryEntry is the mentee's record of one meeting, with the mentor's
// optional comment.
type DiaryEntry struct {
	MentorshipID string    `json:"mentorship_id"`
	N            int       `json:"n"`
	Date         string    `json:"date"`
	Topics       string    `json:"topics"`
	Learned      string    `json:"learned"`
	NextSteps    string    `json:"next_steps"`
	WrittenAt    time.Time `json:"written_at"`
	UpdatedAt    time.Time `json:"updated_at"`
	Comment      string    `json:"comment,omitempty"`
	CommentedAt  time.Time `json:"commented_at,omitzero"`
}

func diaryKey(mentorshipID string, n int) string {
	return "diary:" + mentorshipID + ":" + strconv.Itoa(n)
}

// DiaryEntry loads the entry of meeting n; ErrNotFound if unwritten.
func (db *DB) DiaryEntry(ctx context.Context, mentorshipID string, n int) (DiaryEntry, error) {
	var d DiaryEntry
	return d, db.get(ctx, diaryKey(mentorshipID, n), &d)
}

// Diary loads the entries of meetings 1..count of a mentorship that
// were written, in one round trip, in meeting order.
func (db *DB) Diary(ctx context.Context, mentorshipID string, count int) ([]DiaryEntry, error) {
	keys := make([]string, count)
	for n := 1; n <= count; n++ {
		keys[n-1] = diaryKey(mentorshipID, n)
	}
	return loadMany[DiaryEntry](ctx, db.s, keys)
}

// SaveDiaryEntry stores d.
func (db *DB) SaveDiaryEntry(ctx context.Context, d DiaryEntry) error {
	return db.put(ctx, diaryKey(d.MentorshipID, d.N), d)
}

// DeleteDiaryEntry deletes the entry of meeting n.
func (db *DB) DeleteDiaryEntry(ctx context.Context, mentorshipID string, n int) error {
	return db.del(ctx, diaryKey(mentorshipID, n))
}
