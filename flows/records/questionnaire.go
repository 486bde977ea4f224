package records

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// QuestionnaireResponse is one person's answers to the final
// questionnaire about one mentorship. While SubmittedAt is zero it is a
// draft, kept so an interrupted questionnaire can be resumed.
type QuestionnaireResponse struct {
	MentorshipID string `json:"mentorship_id"`
	UserID       int64  `json:"user_id"`
	// Role is "mentee" or "mentor".
	Role string `json:"role"`
	Lang string `json:"lang"`
	// Answers maps question id to the answer: "1".."5" for a scale, the
	// English text of the choice, or free text.
	Answers     map[string]string `json:"answers"`
	StartedAt   time.Time         `json:"started_at"`
	SubmittedAt time.Time         `json:"submitted_at,omitzero"`
}

// QuestionnaireOpening records that staff opened the questionnaire of
// a mentorship before it ended.
type QuestionnaireOpening struct {
	By int64     `json:"by"`
	At time.Time `json:"at"`
}

func responseKey(mid string, userID int64) string {
	return "questionnaire:" + mid + ":" + id64(userID)
}
func draftResponseKey(mid string, userID int64) string {
	return "questionnaire-draft:" + mid + ":" + id64(userID)
}
func questionnaireOpenKey(mid string) string { return "questionnaire-open:" + mid }

// responsesSet indexes submitted responses as "<mentorship>:<user>".
const responsesSet = "questionnaire:responses"

func responseMember(mid string, userID int64) string { return mid + ":" + id64(userID) }

// QuestionnaireOpened returns when staff opened the questionnaire of
// mentorship mid early; ok is false if they did not.
func (db *DB) QuestionnaireOpened(ctx context.Context, mid string) (o QuestionnaireOpening, ok bool, err error) {
	ok, err = found(db.get(ctx, questionnaireOpenKey(mid), &o))
	return o, ok, err
}

// OpenQuestionnaire records that staff member by opened the
// questionnaire of mentorship mid.
func (db *DB) OpenQuestionnaire(ctx context.Context, mid string, by int64) error {
	return db.put(ctx, questionnaireOpenKey(mid), QuestionnaireOpening{By: by, At: db.now().UTC()})
}

// Response loads the submitted response of userID about a mentorship;
// ErrNotFound if they have not submitted one.
func (db *DB) Response(ctx context.Context, mid string, userID int64) (QuestionnaireResponse, error) {
	var r QuestionnaireResponse
	return r, db.get(ctx, responseKey(mid, userID), &r)
}

// DraftResponse loads userID's unsubmitted answers about a mentorship;
// ErrNotFound if there are none.
func (db *DB) DraftResponse(ctx context.Context, mid string, userID int64) (QuestionnaireResponse, error) {
	var r QuestionnaireResponse
	return r, db.get(ctx, draftResponseKey(mid, userID), &r)
}

// SaveDraftResponse stores r as a draft.
func (db *DB) SaveDraftResponse(ctx context.Context, r QuestionnaireResponse) error {
	return db.put(ctx, draftResponseKey(r.MentorshipID, r.UserID), r)
}

// SubmitResponse stores r as submitted, indexes it and drops the draft.
func (db *DB) SubmitResponse(ctx context.Context, r QuestionnaireResponse) error {
	if err := db.put(ctx, responseKey(r.MentorshipID, r.UserID), r); err != nil {
		return err
	}
	if err := db.s.AddToSet(ctx, responsesSet, responseMember(r.MentorshipID, r.UserID)); err != nil {
		return fmt.Errorf("index response %s/%d: %w", r.MentorshipID, r.UserID, err)
	}
	return db.del(ctx, draftResponseKey(r.MentorshipID, r.UserID))
}

// Responses returns every submitted response, ordered by mentorship
// and role (the mentee's before the mentor's).
func (db *DB) Responses(ctx context.Context) ([]QuestionnaireResponse, error) {
	members, err := db.members(ctx, responsesSet)
	if err != nil {
		return nil, err
	}
	var keys []string
	for _, mem := range members {
		i := strings.LastIndexByte(mem, ':')
		if i < 0 {
			continue
		}
		uid, err := strconv.ParseInt(mem[i+1:], 10, 64)
		if err != nil {
			continue
		}
		keys = append(keys, responseKey(mem[:i], uid))
	}
	out, err := loadMany[QuestionnaireResponse](ctx, db.s, keys)
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b QuestionnaireResponse) int {
		if c := strings.Compare(a.MentorshipID, b.MentorshipID); c != 0 {
			return c
		}
		if c := strings.Compare(a.Role, b.Role); c != 0 {
			return c
		}
		return cmp.Compare(a.UserID, b.UserID)
	})
	return out, nil
}

// ExportResponses returns userID's responses and drafts about the
// mentorships mids, or nil.
func (db *DB) ExportResponses(ctx context.Context, userID int64, mids []string) (any, error) {
	var keys []string
	for _, mid := range mids {
		keys = append(keys, responseKey(mid, userID), draftResponseKey(mid, userID))
	}
	out, err := loadMany[QuestionnaireResponse](ctx, db.s, keys)
	if err != nil || len(out) == 0 {
		return nil, err
	}
	return out, nil
}

// EraseResponses deletes userID's responses and drafts about the
// mentorships mids; the export no longer counts them.
func (db *DB) EraseResponses(ctx context.Context, userID int64, mids []string) error {
	for _, mid := range mids {
		if err := db.del(ctx, responseKey(mid, userID), draftResponseKey(mid, userID)); err != nil {
			return err
		}
		if err := db.s.RemoveFromSet(ctx, responsesSet, responseMember(mid, userID)); err != nil {
			return fmt.Errorf("erase responses of %d: %w", userID, err)
		}
	}
	return nil
}

// eraseQuestionnaireOpener replaces staff member userID with
// ErasedUser where they opened a mentorship's questionnaire early.
func (db *DB) eraseQuestionnaireOpener(ctx context.Context, userID int64) error {
	mids, err := db.members(ctx, mentorshipsSet)
	if err != nil {
		return err
	}
	for _, mid := range mids {
		o, ok, err := db.QuestionnaireOpened(ctx, mid)
		if err != nil {
			return err
		}
		if ok && o.By == userID {
			o.By = ErasedUser
			if err := db.put(ctx, questionnaireOpenKey(mid), o); err != nil {
				return err
			}
		}
	}
	return nil
}
