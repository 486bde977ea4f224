package records

import (
	"context"
	"time"
)

// ECTSForm is a mentee's request to have the mentorship recognised
// with credits by their degree course, one per mentorship.
type ECTSForm struct {
	MentorshipID  string    `json:"mentorship_id"`
	UserID        int64     `json:"user_id"`
	FullName      string    `json:"full_name"`
	StudentNumber string    `json:"student_number"`
	DegreeCourse  string    `json:"degree_course"`
	University    string    `json:"university"`
	AcademicYear  string    `json:"academic_year"`
	Credits       int       `json:"credits"`
	CreatedAt     time.Time `json:"created_at"`
}

func ectsKey(mid string) string { return "ects:" + mid }

// ECTSForm loads the credit form of mentorship mid; ErrNotFound if
// none was filled in.
func (db *DB) ECTSForm(ctx context.Context, mid string) (ECTSForm, error) {
	var f ECTSForm
	return f, db.get(ctx, ectsKey(mid), &f)
}

// SaveECTSForm stores f.
func (db *DB) SaveECTSForm(ctx context.Context, f ECTSForm) error {
	return db.put(ctx, ectsKey(f.MentorshipID), f)
}

// DeleteECTSForm deletes the credit form of mentorship mid.
func (db *DB) DeleteECTSForm(ctx context.Context, mid string) error {
	return db.del(ctx, ectsKey(mid))
}
