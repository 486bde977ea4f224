package records

import (
	"context"
	"errors"
	"fmt"
	"slices"
)

// The bounds of a committee's canned answers.
const (
	// MaxCannedAnswers is how many canned answers a committee keeps.
	MaxCannedAnswers = 20
	// MaxCannedAnswerLen is the longest canned answer, in characters.
	MaxCannedAnswerLen = 1000
)

// CannedAnswer is one short answer a committee saved to send again.
type CannedAnswer struct {
	// ID numbers the answer within its university; it is never reused,
	// so a button naming a deleted answer does not send another.
	ID   int    `json:"id"`
	Text string `json:"text"`
}

// CannedAnswers are a university committee's saved answers. They are
// the committee's own words about no one, so erasure and export of a
// person leave them alone.
type CannedAnswers struct {
	University string         `json:"university"`
	Answers    []CannedAnswer `json:"answers,omitempty"`
	// Next is the ID the next answer gets.
	Next int `json:"next"`
	// Version counts saves: two members saving at once conflict, and
	// the later turn runs again on what the first saved.
	Version int64 `json:"version"`
}

// Find returns the answer with id.
func (ca CannedAnswers) Find(id int) (CannedAnswer, bool) {
	i := slices.IndexFunc(ca.Answers, func(a CannedAnswer) bool { return a.ID == id })
	if i < 0 {
		return CannedAnswer{}, false
	}
	return ca.Answers[i], true
}

// Add appends text as a new answer and returns it; false when the
// committee has MaxCannedAnswers already.
func (ca *CannedAnswers) Add(text string) (CannedAnswer, bool) {
	if len(ca.Answers) >= MaxCannedAnswers {
		return CannedAnswer{}, false
	}
	ca.Next++
	a := CannedAnswer{ID: ca.Next, Text: text}
	ca.Answers = append(ca.Answers, a)
	return a, true
}

// Remove deletes the answer with id and reports whether there was one.
func (ca *CannedAnswers) Remove(id int) bool {
	n := len(ca.Answers)
	ca.Answers = slices.DeleteFunc(ca.Answers, func(a CannedAnswer) bool { return a.ID == id })
	return len(ca.Answers) < n
}

func cannedAnswersKey(uni string) string { return "answers:" + uni }

// CannedAnswersOf loads the canned answers of university uni: none yet
// is an empty list, not an error.
func (db *DB) CannedAnswersOf(ctx context.Context, uni string) (CannedAnswers, error) {
	var ca CannedAnswers
	err := db.get(ctx, cannedAnswersKey(uni), &ca)
	if errors.Is(err, ErrNotFound) {
		return CannedAnswers{University: uni}, nil
	}
	return ca, err
}

// SaveCannedAnswers stores ca if nobody saved the university's answers
// since they were loaded (ErrConflict otherwise).
func (db *DB) SaveCannedAnswers(ctx context.Context, ca *CannedAnswers) error {
	next := *ca
	next.Version++
	if err := db.s.PutIfVersion(ctx, cannedAnswersKey(ca.University), next, ca.Version); err != nil {
		return fmt.Errorf("save canned answers of %s: %w", ca.University, err)
	}
	*ca = next
	return nil
}
