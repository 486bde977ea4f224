package records

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Mentorship is a confirmed match between a mentee and a mentor, created
// when staff publish results, and everything agreed within it. The
// agreement, meetings, diary and questionnaire flows fill it in.
type Mentorship struct {
	// ID is the reference number of the application it came from.
	ID        string `json:"id"`
	MenteeID  int64  `json:"mentee_id"`
	MentorID  int64  `json:"mentor_id"`
	ProjectID string `json:"project_id"`
	// Edition is the edition of the application it came from.
	Edition   string    `json:"edition,omitempty"`
	CreatedAt time.Time `json:"created_at"`

	// Topics and Meetings are the Mentor-Mentee Agreement; AgreedAt is
	// set once the mentor confirmed it.
	Topics   string    `json:"topics,omitempty"`
	Meetings []Meeting `json:"meetings,omitempty"`
	// MeetingLink is where the meetings take place online (a video
	// call's URL), when the agreement gave one.
	MeetingLink string    `json:"meeting_link,omitempty"`
	AgreedAt    time.Time `json:"agreed_at,omitzero"`

	// EndedAt is set when the mentorship is over (last meeting passed
	// or staff closed it); the questionnaire opens then.
	EndedAt time.Time `json:"ended_at,omitzero"`
}

// Meeting is one online meeting of a mentorship, numbered from 1.
type Meeting struct {
	N        int           `json:"n"`
	Start    time.Time     `json:"start"`
	Duration time.Duration `json:"duration"`
	Topic    string        `json:"topic,omitempty"`
}

// End is when the meeting is over.
func (m Meeting) End() time.Time { return m.Start.Add(m.Duration) }

func mentorshipKey(id string) string          { return "mentorship:" + id }
func mentorshipOfUserKey(userID int64) string { return "mentorship-of:" + id64(userID) }

// heldIntroSet holds the mentorship ids whose introduction waits for
// the mentor to open the bot.
func heldIntroSet(mentorID int64) string { return "intro-held:" + id64(mentorID) }

// mentorshipsSet indexes every mentorship.
const mentorshipsSet = "mentorships"

// SaveMentorship stores m and indexes it under both people.
func (db *DB) SaveMentorship(ctx context.Context, m Mentorship) error {
	if err := db.put(ctx, mentorshipKey(m.ID), m); err != nil {
		return err
	}
	for _, uid := range []int64{m.MenteeID, m.MentorID} {
		if err := db.s.AddToSet(ctx, mentorshipOfUserKey(uid), m.ID); err != nil {
			return fmt.Errorf("index mentorship %s: %w", m.ID, err)
		}
	}
	if err := db.s.AddToSet(ctx, mentorshipsSet, m.ID); err != nil {
		return fmt.Errorf("index mentorship %s: %w", m.ID, err)
	}
	return nil
}

// Mentorship loads a mentorship by id; ErrNotFound if there is none.
func (db *DB) Mentorship(ctx context.Context, id string) (Mentorship, error) {
	var m Mentorship
	return m, db.get(ctx, mentorshipKey(id), &m)
}

// MentorshipsOf returns the mentorships userID takes part in, as mentee
// or mentor, ordered by id.
func (db *DB) MentorshipsOf(ctx context.Context, userID int64) ([]Mentorship, error) {
	return loadSet[Mentorship](ctx, db, mentorshipOfUserKey(userID), mentorshipKey)
}

// HoldIntroduction keeps mentorship id's introduction until mentorID
// opens the bot.
func (db *DB) HoldIntroduction(ctx context.Context, mentorID int64, id string) error {
	if err := db.s.AddToSet(ctx, heldIntroSet(mentorID), id); err != nil {
		return fmt.Errorf("hold introduction %s: %w", id, err)
	}
	return nil
}

// HeldIntroductions returns the mentorships whose introduction waits for
// mentorID.
func (db *DB) HeldIntroductions(ctx context.Context, mentorID int64) ([]Mentorship, error) {
	return loadSet[Mentorship](ctx, db, heldIntroSet(mentorID), mentorshipKey)
}

// IntroductionsDelivered forgets the introductions of mentorships ms,
// held for mentorID and now delivered; one held meanwhile stays.
func (db *DB) IntroductionsDelivered(ctx context.Context, mentorID int64, ms []Mentorship) error {
	ids := make([]string, len(ms))
	for i, m := range ms {
		ids[i] = m.ID
	}
	if err := db.s.RemoveFromSet(ctx, heldIntroSet(mentorID), ids...); err != nil {
		return fmt.Errorf("clear held introductions of %d: %w", mentorID, err)
	}
	return nil
}

// HandOverMentorship gives mentorship m, whose introduction waits for
// mentor from, to mentor to, who joined in their place.
func (db *DB) HandOverMentorship(ctx context.Context, m Mentorship, from, to int64) error {
	m.MentorID = to
	if err := db.SaveMentorship(ctx, m); err != nil {
		return err
	}
	if err := db.HoldIntroduction(ctx, to, m.ID); err != nil {
		return err
	}
	if err := db.s.RemoveFromSet(ctx, heldIntroSet(from), m.ID); err != nil {
		return fmt.Errorf("hand over introduction %s: %w", m.ID, err)
	}
	if err := db.s.RemoveFromSet(ctx, mentorshipOfUserKey(from), m.ID); err != nil {
		return fmt.Errorf("hand over mentorship %s: %w", m.ID, err)
	}
	return nil
}

// MentorshipExport is what /mydata shows of a mentorship: the person's
// part in it. What was agreed is shown with the agreement.
type MentorshipExport struct {
	ID string `json:"id"`
	As Role   `json:"as"`
	// With is the other side, by their part.
	With      Party     `json:"with"`
	ProjectID string    `json:"project_id"`
	CreatedAt time.Time `json:"created_at"`
	EndedAt   time.Time `json:"ended_at,omitzero"`
}

// ExportMentorships returns the mentorships userID takes part in, or
// nil.
func (db *DB) ExportMentorships(ctx context.Context, userID int64) (any, error) {
	ms, err := db.MentorshipsOf(ctx, userID)
	if err != nil || len(ms) == 0 {
		return nil, err
	}
	out := make([]MentorshipExport, 0, len(ms))
	for _, m := range ms {
		as := RoleMentee
		if m.MentorID == userID {
			as = RoleMentor
		}
		out = append(out, MentorshipExport{ID: m.ID, As: as, With: m.PartyOf(userID, m.MenteeID+m.MentorID-userID),
			ProjectID: m.ProjectID, CreatedAt: m.CreatedAt, EndedAt: m.EndedAt})
	}
	return out, nil
}

// EraseMentorships keeps an anonymous record of each mentorship userID
// takes part in, which the programme needs for its counts: their id
// becomes ErasedUser, the agreed topics and every proposal (which name
// both sides) go, and a mentorship still running ends now, so no
// reminder or flow reaches for them again. The other person's part
// stays. Call it last of the erasures that walk a person's mentorships:
// it drops their index.
func (db *DB) EraseMentorships(ctx context.Context, userID int64) error {
	ms, err := db.MentorshipsOf(ctx, userID)
	if err != nil {
		return err
	}
	for _, m := range ms {
		if err := db.EraseProposals(ctx, m.ID); err != nil {
			return err
		}
		if m.MenteeID == userID {
			m.MenteeID = ErasedUser
		}
		if m.MentorID == userID {
			m.MentorID = ErasedUser
		}
		m.Topics = ""
		for i := range m.Meetings {
			m.Meetings[i].Topic = ""
		}
		if m.EndedAt.IsZero() {
			m.EndedAt = db.now().UTC()
		}
		if err := db.put(ctx, mentorshipKey(m.ID), m); err != nil {
			return err
		}
	}
	return db.del(ctx, mentorshipOfUserKey(userID), heldIntroSet(userID))
}

// OpenMentorships returns every mentorship not yet over.
func (db *DB) OpenMentorships(ctx context.Context) ([]Mentorship, error) {
	ms, err := loadSet[Mentorship](ctx, db, mentorshipsSet, mentorshipKey)
	if err != nil {
		return nil, err
	}
	open := ms[:0]
	for _, m := range ms {
		if m.EndedAt.IsZero() {
			open = append(open, m)
		}
	}
	return open, nil
}

// Mentorships returns the mentorships of edition ("": the current
// one), ended or not, ordered by id: for the staff workspace's table,
// which shows one edition at a time.
func (db *DB) Mentorships(ctx context.Context, edition string) ([]Mentorship, error) {
	if edition == "" {
		edition = db.edition
	}
	ms, err := loadSet[Mentorship](ctx, db, mentorshipsSet, mentorshipKey)
	if err != nil {
		return nil, err
	}
	of := ms[:0]
	for _, m := range ms {
		if m.Edition == edition {
			of = append(of, m)
		}
	}
	slices.SortFunc(of, func(a, b Mentorship) int { return strings.Compare(a.ID, b.ID) })
	return of, nil
}
