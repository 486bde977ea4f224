package records

import (
	"context"
	"fmt"
)

// What /mydata and /deletemydata do beyond each record's own Export and
// Erase functions: how an export names other people, and the records
// of other people that refer to the person erased.

// Party names another person in an export by their part, never by
// their Telegram id or name: /mydata holds the person's own data only.
type Party string

// The parties an export names.
const (
	PartyYou       Party = "you"
	PartyMentor    Party = "your mentor"
	PartyMentee    Party = "your mentee"
	PartyCommittee Party = "committee member"
	PartyStaff     Party = "staff"
	// PartyDeleted is someone who erased their data.
	PartyDeleted Party = "deleted user"
)

// PartyOf names who, a side of m, for userID, the other side or the
// same one.
func (m Mentorship) PartyOf(userID, who int64) Party {
	switch {
	case who == userID:
		return PartyYou
	case who == ErasedUser:
		return PartyDeleted
	case who == m.MentorID:
		return PartyMentor
	default:
		return PartyMentee
	}
}

// EraseOutbox drops the messages waiting in the durable outbox for
// chatID and takes the chat off the ready queue. In a turn, messages the
// turn itself queues after it (the confirmation of an erasure) stay.
func (db *DB) EraseOutbox(ctx context.Context, chatID int64) error {
	if err := db.del(ctx, outboxListKey(chatID)); err != nil {
		return err
	}
	if err := db.s.Unschedule(ctx, outboxReady, id64(chatID)); err != nil {
		return fmt.Errorf("unqueue outbox of %d: %w", chatID, err)
	}
	return nil
}

// EraseReferences replaces userID with ErasedUser in other people's
// records that name them: the mentor of applications they were matched
// to, the staff member who opened a questionnaire, the committee member
// who claimed or answered a ticket of the universities unis, the
// sender of an announcement; and takes them out of announcements'
// tallies. The other side then sees a deleted user.
func (db *DB) EraseReferences(ctx context.Context, userID int64, unis []string) error {
	if err := db.eraseMentorOfApplications(ctx, userID); err != nil {
		return err
	}
	if err := db.eraseQuestionnaireOpener(ctx, userID); err != nil {
		return err
	}
	if err := db.eraseFromAnnouncements(ctx, userID); err != nil {
		return err
	}
	return db.eraseTicketHandler(ctx, userID, unis)
}

// EraseUserRecords removes the records keyed by userID alone that no
// flow erases: their private chat's session, the messages waiting for
// them and their profile; then it records the erasure in a Tombstone.
func (db *DB) EraseUserRecords(ctx context.Context, userID int64) error {
	if err := db.EraseSession(ctx, userID); err != nil {
		return err
	}
	if err := db.EraseOutbox(ctx, userID); err != nil {
		return err
	}
	if err := db.unindexPerson(ctx, userID); err != nil {
		return err
	}
	if err := db.DeleteProfile(ctx, userID); err != nil {
		return err
	}
	if err := db.eraseFollowUps(ctx, userID, FollowUpWindow); err != nil {
		return err
	}
	return db.AddTombstone(ctx, db.now())
}
