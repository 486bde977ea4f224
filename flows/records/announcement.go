package records

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"
)

// Announcement is a message staff sent to an audience at once (all
// mentees, all mentors, one project's pairs, one committee, the
// applicants of an edition), with, for an event, an RSVP and a
// reminder before it to those who said yes.
type Announcement struct {
	ID       int64  `json:"id"`
	By       int64  `json:"by"`
	Audience string `json:"audience"`
	Text     string `json:"text"`
	// Recipients is how many it was sent to; Unreachable the people of
	// the audience it could not be sent to (never opened the bot, or
	// blocked it).
	Recipients  int     `json:"recipients"`
	Unreachable []int64 `json:"unreachable,omitempty"`
	// EventAt is when the event it announces starts, zero for a plain
	// announcement; RemindAt when those who said yes are reminded of it,
	// zero once they were.
	EventAt   time.Time `json:"event_at,omitzero"`
	RemindAt  time.Time `json:"remind_at,omitzero"`
	CreatedAt time.Time `json:"created_at"`
	Version   int64     `json:"version"`
}

// Store keys of announcements.
const (
	announcementCounter = "announcement"
	// announcementsAll indexes every announcement by when it was made.
	announcementsAll = "announcements"
	// announcementReminders queues announcements of events by when
	// those who said yes are reminded.
	announcementReminders = "announcement-reminders"
)

func announcementKey(id int64) string { return "announcement:" + id64(id) }

// The outcome of each message of announcement id: delivered to whom,
// refused for whom (blocked the bot since), and who answered the RSVP
// yes or no.
func announcementDeliveredKey(id int64) string { return "announcement-delivered:" + id64(id) }
func announcementRefusedKey(id int64) string   { return "announcement-refused:" + id64(id) }
func announcementRSVPKey(id int64, yes bool) string {
	if yes {
		return "announcement-yes:" + id64(id)
	}
	return "announcement-no:" + id64(id)
}

// SaveAnnouncement stores a new announcement, giving it its id, or a
// changed one, on condition that nobody changed it meanwhile.
func (db *DB) SaveAnnouncement(ctx context.Context, a *Announcement) error {
	if a.ID == 0 {
		n, err := db.s.NextID(ctx, announcementCounter)
		if err != nil {
			return fmt.Errorf("number announcement: %w", err)
		}
		a.ID = n
	}
	next := *a
	next.Version++
	if err := db.s.PutIfVersion(ctx, announcementKey(a.ID), next, a.Version); err != nil {
		return fmt.Errorf("save announcement %d: %w", a.ID, err)
	}
	*a = next
	ref := strconv.FormatInt(a.ID, 10)
	if err := db.s.Schedule(ctx, announcementsAll, ref, a.CreatedAt); err != nil {
		return fmt.Errorf("index announcement %d: %w", a.ID, err)
	}
	var err error
	if a.RemindAt.IsZero() {
		err = db.s.Unschedule(ctx, announcementReminders, ref)
	} else {
		err = db.s.Schedule(ctx, announcementReminders, ref, a.RemindAt)
	}
	if err != nil {
		return fmt.Errorf("index announcement %d: %w", a.ID, err)
	}
	return nil
}

// Announcement loads announcement id; ErrNotFound if there is none.
func (db *DB) Announcement(ctx context.Context, id int64) (Announcement, error) {
	var a Announcement
	return a, db.get(ctx, announcementKey(id), &a)
}

// RecentAnnouncements returns up to n announcements, newest first.
func (db *DB) RecentAnnouncements(ctx context.Context, n int) ([]Announcement, error) {
	refs, _, err := db.s.Page(ctx, announcementsAll, 0, n, true)
	if err != nil {
		return nil, fmt.Errorf("list announcements: %w", err)
	}
	out := make([]Announcement, 0, len(refs))
	for _, ref := range refs {
		id, err := strconv.ParseInt(ref, 10, 64)
		if err != nil {
			continue
		}
		a, err := db.Announcement(ctx, id)
		if ok, err := found(err); err != nil {
			return nil, err
		} else if ok {
			out = append(out, a)
		}
	}
	return out, nil
}

// DueAnnouncementReminders returns up to limit ids of announcements
// whose event's reminder is due at now.
func (db *DB) DueAnnouncementReminders(ctx context.Context, now time.Time, limit int) ([]int64, error) {
	refs, err := db.s.Due(ctx, announcementReminders, now, limit)
	if err != nil {
		return nil, fmt.Errorf("due announcement reminders: %w", err)
	}
	ids := make([]int64, 0, len(refs))
	for _, ref := range refs {
		if id, err := strconv.ParseInt(ref, 10, 64); err == nil {
			ids = append(ids, id)
		}
	}
	return ids, nil
}

// UnqueueAnnouncementReminder takes announcement id off the reminder
// queue, for one that is gone.
func (db *DB) UnqueueAnnouncementReminder(ctx context.Context, id int64) error {
	return db.s.Unschedule(ctx, announcementReminders, strconv.FormatInt(id, 10))
}

// MarkAnnouncementDelivered notes that Telegram took announcement id's
// message to userID (delivered) or refused it.
func (db *DB) MarkAnnouncementDelivered(ctx context.Context, id, userID int64, delivered bool) error {
	key := announcementRefusedKey(id)
	if delivered {
		key = announcementDeliveredKey(id)
	}
	return db.s.AddToSet(ctx, key, id64(userID))
}

// AnswerRSVP keeps userID's answer to announcement id's event,
// replacing an earlier one.
func (db *DB) AnswerRSVP(ctx context.Context, id, userID int64, yes bool) error {
	if err := db.s.RemoveFromSet(ctx, announcementRSVPKey(id, !yes), id64(userID)); err != nil {
		return err
	}
	return db.s.AddToSet(ctx, announcementRSVPKey(id, yes), id64(userID))
}

// AnnouncementTally is what became of an announcement's messages and
// its RSVP.
type AnnouncementTally struct {
	Delivered, Refused, Yes, No []int64
}

// AnnouncementTally reads what became of announcement id.
func (db *DB) AnnouncementTally(ctx context.Context, id int64) (AnnouncementTally, error) {
	var t AnnouncementTally
	for _, f := range []struct {
		key string
		to  *[]int64
	}{
		{announcementDeliveredKey(id), &t.Delivered}, {announcementRefusedKey(id), &t.Refused},
		{announcementRSVPKey(id, true), &t.Yes}, {announcementRSVPKey(id, false), &t.No},
	} {
		members, err := db.s.Members(ctx, f.key)
		if err != nil {
			return t, fmt.Errorf("tally announcement %d: %w", id, err)
		}
		for _, m := range members {
			if n, err := strconv.ParseInt(m, 10, 64); err == nil {
				*f.to = append(*f.to, n)
			}
		}
		slices.Sort(*f.to)
	}
	return t, nil
}

// eraseFromAnnouncements takes userID out of every announcement's
// tally and list of unreachable people, and puts ErasedUser for them as
// its sender: after an erasure no record says they were sent, answered
// or sent anything.
func (db *DB) eraseFromAnnouncements(ctx context.Context, userID int64) error {
	refs, _, err := db.s.Page(ctx, announcementsAll, 0, math.MaxInt32, false)
	if err != nil {
		return fmt.Errorf("erase from announcements: %w", err)
	}
	for _, ref := range refs {
		id, err := strconv.ParseInt(ref, 10, 64)
		if err != nil {
			continue
		}
		for _, key := range []string{announcementDeliveredKey(id), announcementRefusedKey(id),
			announcementRSVPKey(id, true), announcementRSVPKey(id, false)} {
			if err := db.s.RemoveFromSet(ctx, key, id64(userID)); err != nil {
				return err
			}
		}
		a, err := db.Announcement(ctx, id)
		if ok, err := found(err); err != nil {
			return err
		} else if !ok || (!slices.Contains(a.Unreachable, userID) && a.By != userID) {
			continue
		}
		a.Unreachable = slices.DeleteFunc(a.Unreachable, func(u int64) bool { return u == userID })
		if a.By == userID {
			a.By = ErasedUser
		}
		if err := db.SaveAnnouncement(ctx, &a); err != nil {
			return err
		}
	}
	return nil
}
