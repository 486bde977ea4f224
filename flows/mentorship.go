package flows

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Mentorship is a confirmed match between a mentee and a mentor, created
// when staff publish results, and everything agreed within it. The apply
// flow creates it; the agreement, meetings, diary and questionnaire
// flows fill it in.
type Mentorship struct {
	// ID is the reference number of the application it came from.
	ID        string    `json:"id"`
	MenteeID  int64     `json:"mentee_id"`
	MentorID  int64     `json:"mentor_id"`
	ProjectID string    `json:"project_id"`
	CreatedAt time.Time `json:"created_at"`

	// Topics and Meetings are the Mentor-Mentee Agreement; AgreedAt is
	// set once the mentor confirmed it.
	Topics   string    `json:"topics,omitempty"`
	Meetings []Meeting `json:"meetings,omitempty"`
	AgreedAt time.Time `json:"agreed_at,omitzero"`

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
func mentorshipOfUserKey(userID int64) string { return fmt.Sprintf("mentorship-of:%d", userID) }

// SaveMentorship stores m and indexes it under both people.
func (e *Engine) SaveMentorship(ctx context.Context, m Mentorship) error {
	if err := e.store.Put(ctx, mentorshipKey(m.ID), m, 0); err != nil {
		return fmt.Errorf("save mentorship %s: %w", m.ID, err)
	}
	for _, uid := range []int64{m.MenteeID, m.MentorID} {
		if err := e.store.AddToSet(ctx, mentorshipOfUserKey(uid), m.ID); err != nil {
			return fmt.Errorf("index mentorship %s: %w", m.ID, err)
		}
	}
	return e.store.AddToSet(ctx, "mentorships", m.ID)
}

// Mentorship loads a mentorship by id; ErrNotFound if there is none.
func (e *Engine) Mentorship(ctx context.Context, id string) (Mentorship, error) {
	var m Mentorship
	if err := e.store.Get(ctx, mentorshipKey(id), &m); err != nil {
		return Mentorship{}, fmt.Errorf("load mentorship %s: %w", id, err)
	}
	return m, nil
}

// MentorshipsOf returns the mentorships userID takes part in, as mentee
// or mentor.
func (e *Engine) MentorshipsOf(ctx context.Context, userID int64) ([]Mentorship, error) {
	ids, err := e.store.Members(ctx, mentorshipOfUserKey(userID))
	if err != nil {
		return nil, fmt.Errorf("list mentorships of %d: %w", userID, err)
	}
	var out []Mentorship
	for _, id := range ids {
		m, err := e.Mentorship(ctx, id)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

// mentorshipData is what /mydata shows of a mentorship: the person's
// part in it. What was agreed is shown by the agreement flow.
type mentorshipData struct {
	ID        string    `json:"id"`
	As        Role      `json:"as"`
	ProjectID string    `json:"project_id"`
	CreatedAt time.Time `json:"created_at"`
	EndedAt   time.Time `json:"ended_at,omitzero"`
}

// exportMentorships returns the mentorships userID takes part in, or
// nil.
func (e *Engine) exportMentorships(ctx context.Context, userID int64) (any, error) {
	ms, err := e.MentorshipsOf(ctx, userID)
	if err != nil || len(ms) == 0 {
		return nil, err
	}
	out := make([]mentorshipData, 0, len(ms))
	for _, m := range ms {
		as := Role("mentee")
		if m.MentorID == userID {
			as = RoleMentor
		}
		out = append(out, mentorshipData{ID: m.ID, As: as, ProjectID: m.ProjectID, CreatedAt: m.CreatedAt, EndedAt: m.EndedAt})
	}
	return out, nil
}

// eraseMentorships keeps an anonymous record of each mentorship userID
// takes part in, which the programme needs for its counts: their id
// becomes erasedUser, the agreed topics go, and a mentorship still
// running ends now, so no reminder or flow reaches for them again. The
// other person's part stays.
func (e *Engine) eraseMentorships(ctx context.Context, userID int64) error {
	ms, err := e.MentorshipsOf(ctx, userID)
	if err != nil {
		return err
	}
	for _, m := range ms {
		if m.MenteeID == userID {
			m.MenteeID = erasedUser
		}
		if m.MentorID == userID {
			m.MentorID = erasedUser
		}
		m.Topics = ""
		for i := range m.Meetings {
			m.Meetings[i].Topic = ""
		}
		if m.EndedAt.IsZero() {
			m.EndedAt = e.now().UTC()
		}
		if err := e.store.Put(ctx, mentorshipKey(m.ID), m, 0); err != nil {
			return fmt.Errorf("anonymise mentorship %s: %w", m.ID, err)
		}
	}
	if err := e.store.Delete(ctx, mentorshipOfUserKey(userID)); err != nil {
		return fmt.Errorf("erase mentorships of %d: %w", userID, err)
	}
	return nil
}
