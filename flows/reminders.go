package flows

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/mentorbot/mentorbot/locales"
)

// Sender delivers one message and returns the id Telegram gave it,
// blocking until Telegram accepted it. The bot's outbox satisfies it;
// when the recipient blocked the bot the outbox reports it to
// Engine.Undeliverable, which marks their profile, before returning
// its error.
type Sender interface {
	Send(ctx context.Context, m Message) (int, error)
}

// The reminders' timing rules.
const (
	// diaryReminders is how many times a mentee is reminded of a
	// missing diary entry: the day after the meeting, then every
	// diaryReminderEvery.
	diaryReminders     = 3
	diaryReminderEvery = 3 // days
	// diaryReminderHour is the local hour diary reminders go out.
	diaryReminderHour = 10
)

// How reminders are sent exactly once (see SendDueReminders).
const (
	reminderQueue = "reminders"
	// reminderLease is how long a scanner holds a reminder it is
	// sending; another scanner takes it over after that.
	reminderLease = 10 * time.Minute
	// reminderSendTimeout bounds one send, well inside the lease, so a
	// send still running when the lease ends is rare.
	reminderSendTimeout = 4 * time.Minute
	// reminderDoneTTL is how long a sent reminder is remembered, far
	// longer than any reminder stays in the queue.
	reminderDoneTTL = 400 * 24 * time.Hour
	// reminderAttempts bounds sends of a reminder that keep failing for
	// reasons other than a blocked bot.
	reminderAttempts = 5
	// reminderBatch is how many due reminders one pass looks at.
	reminderBatch = 200
)

// The kinds of reminder.
const (
	remMeeting = "meet"  // before a meeting, to one of the pair
	remDiary   = "diary" // a meeting passed without a diary entry
	remEnd     = "end"   // the programme ended: the questionnaire
)

// The two sides of a mentorship, as reminders name them.
const (
	sideMentee = "mentee"
	sideMentor = "mentor"
)

// reminder is one message due at some time. Its id names everything it
// depends on, including the meeting's start time: a rescheduled
// meeting has new reminders, and an old one still queued is recognised
// as stale and dropped when it comes due.
type reminder struct {
	Kind string
	MID  string // mentorship id
	N    int    // meeting number; 0 for remEnd
	// At is the start of meeting N, or for remEnd the end of the last
	// meeting, in Unix seconds.
	At int64
	// Lead is how long before the meeting (remMeeting); K is which of
	// the diary reminders (remDiary).
	Lead time.Duration
	K    int
	Side string
}

// id encodes r; parseReminder reads it back.
func (r reminder) id() string {
	switch r.Kind {
	case remMeeting:
		return strings.Join([]string{remMeeting, r.MID, strconv.Itoa(r.N), strconv.FormatInt(r.At, 10),
			strconv.FormatInt(int64(r.Lead/time.Second), 10), r.Side}, "|")
	case remDiary:
		return strings.Join([]string{remDiary, r.MID, strconv.Itoa(r.N), strconv.FormatInt(r.At, 10), strconv.Itoa(r.K)}, "|")
	default:
		return strings.Join([]string{remEnd, r.MID, strconv.FormatInt(r.At, 10), r.Side}, "|")
	}
}

func parseReminder(id string) (reminder, bool) {
	p := strings.Split(id, "|")
	num := func(s string) int64 {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return -1
		}
		return n
	}
	side := func(s string) bool { return s == sideMentee || s == sideMentor }
	switch {
	case len(p) == 6 && p[0] == remMeeting && side(p[5]):
		r := reminder{Kind: remMeeting, MID: p[1], N: int(num(p[2])), At: num(p[3]), Lead: time.Duration(num(p[4])) * time.Second, Side: p[5]}
		return r, r.N > 0 && r.At >= 0 && r.Lead > 0
	case len(p) == 5 && p[0] == remDiary:
		r := reminder{Kind: remDiary, MID: p[1], N: int(num(p[2])), At: num(p[3]), K: int(num(p[4])), Side: sideMentee}
		return r, r.N > 0 && r.At >= 0 && r.K > 0
	case len(p) == 4 && p[0] == remEnd && side(p[3]):
		r := reminder{Kind: remEnd, MID: p[1], At: num(p[2]), Side: p[3]}
		return r, r.At >= 0
	}
	return reminder{}, false
}

// diaryDue is when the k-th diary reminder of a meeting that ended at
// end goes out: at diaryReminderHour the next day, then every
// diaryReminderEvery days.
func diaryDue(end time.Time, k int, loc *time.Location) time.Time {
	y, m, d := end.In(loc).Date()
	return time.Date(y, m, d+1+(k-1)*diaryReminderEvery, diaryReminderHour, 0, 0, 0, loc)
}

// reminders returns every reminder of m's agreed schedule with when it
// is due.
func (e *Engine) reminders(m Mentorship) map[string]time.Time {
	out := make(map[string]time.Time)
	if m.AgreedAt.IsZero() || len(m.Meetings) == 0 {
		return out
	}
	var last time.Time
	for _, mt := range m.Meetings {
		for _, lead := range e.program.MeetingReminders {
			for _, side := range []string{sideMentee, sideMentor} {
				r := reminder{Kind: remMeeting, MID: m.ID, N: mt.N, At: mt.Start.Unix(), Lead: lead, Side: side}
				out[r.id()] = mt.Start.Add(-lead)
			}
		}
		for k := 1; k <= diaryReminders; k++ {
			r := reminder{Kind: remDiary, MID: m.ID, N: mt.N, At: mt.Start.Unix(), K: k}
			out[r.id()] = diaryDue(mt.End(), k, e.program.Location())
		}
		if mt.End().After(last) {
			last = mt.End()
		}
	}
	for _, side := range []string{sideMentee, sideMentor} {
		r := reminder{Kind: remEnd, MID: m.ID, At: last.Unix(), Side: side}
		out[r.id()] = last
	}
	return out
}

// rescheduleReminders brings the reminder queue from the schedule of
// before to that of after: reminders no longer wanted leave the queue,
// new ones join it. A reminder before a meeting whose time has already
// come is not queued (the agreement was made too late for it).
func (e *Engine) rescheduleReminders(ctx context.Context, before, after Mentorship, now time.Time) error {
	old, want := e.reminders(before), e.reminders(after)
	var drop []string
	for id := range old {
		if _, ok := want[id]; !ok {
			drop = append(drop, id)
		}
	}
	if len(drop) > 0 {
		if err := e.store.Unschedule(ctx, reminderQueue, drop...); err != nil {
			return fmt.Errorf("unschedule reminders of %s: %w", after.ID, err)
		}
	}
	for id, at := range want {
		if _, ok := old[id]; ok {
			continue
		}
		if strings.HasPrefix(id, remMeeting+"|") && !at.After(now) {
			continue
		}
		if err := e.store.Schedule(ctx, reminderQueue, id, at); err != nil {
			return fmt.Errorf("schedule reminder %s: %w", id, err)
		}
	}
	return nil
}

func reminderLeaseKey(id string) string { return "reminder-lease:" + id }
func reminderDoneKey(id string) string  { return "reminder-done:" + id }

// SendDueReminders sends, through s, every reminder due at now, and
// returns how many it sent. Several processes may scan the same store
// at once, and a process may die at any point: each reminder is still
// sent once, in two phases. A scanner first takes a lease on the
// reminder (Store.Claim, reminderLease long), then checks for a done
// mark, sends, and only after Telegram accepted the message writes the
// done mark and takes the reminder off the queue. A scanner that died
// after taking the lease leaves the reminder queued without a done
// mark, and the next scan after the lease expired sends it.
//
// What remains is an at-least-once window, not an exactly-once
// guarantee: a process that dies after Telegram accepted a reminder
// but before the done mark was written, or whose send outlives the
// lease (sends are cut off at half the lease to make that rare), makes
// the reminder go out a second time. A reminder is never lost.
//
// A recipient who blocked the bot is skipped for good, as is a
// reminder whose meeting was rescheduled, whose meeting has begun, or
// (for the diary) whose entry was written. A reminder whose send keeps
// failing is given up after a few attempts. The error joins what went
// wrong; reminders that failed stay queued for the next scan.
func (e *Engine) SendDueReminders(ctx context.Context, now time.Time, s Sender) (int, error) {
	sent := 0
	var errs []error
	for {
		ids, err := e.store.Due(ctx, reminderQueue, now, reminderBatch)
		if err != nil {
			return sent, fmt.Errorf("list due reminders: %w", err)
		}
		finished := 0
		for _, id := range ids {
			if err := ctx.Err(); err != nil {
				return sent, errors.Join(append(errs, err)...)
			}
			ok, done, err := e.sendReminder(ctx, id, now, s)
			if err != nil {
				errs = append(errs, err)
			}
			if ok {
				sent++
			}
			if done {
				finished++
			}
		}
		// Reminders leased by others or failing stay in the queue; stop
		// when a pass got nothing off it.
		if len(ids) < reminderBatch || finished == 0 {
			return sent, errors.Join(errs...)
		}
	}
}

// claimReminder takes the lease on reminder id; false when another
// scanner holds it.
func (e *Engine) claimReminder(ctx context.Context, id string) (bool, error) {
	ok, err := e.store.Claim(ctx, reminderLeaseKey(id), reminderLease)
	if err != nil {
		return false, fmt.Errorf("lease reminder %s: %w", id, err)
	}
	return ok, nil
}

// sendReminder runs the two phases for one reminder. sent says a
// message went out; done that the reminder left the queue.
func (e *Engine) sendReminder(ctx context.Context, id string, now time.Time, s Sender) (sent, done bool, err error) {
	ok, err := e.claimReminder(ctx, id)
	if err != nil || !ok {
		return false, false, err
	}
	finish := func() (bool, error) {
		if err := e.store.Put(ctx, reminderDoneKey(id), now.UTC(), reminderDoneTTL); err != nil {
			return false, fmt.Errorf("mark reminder %s done: %w", id, err)
		}
		if err := e.store.Unschedule(ctx, reminderQueue, id); err != nil {
			return false, fmt.Errorf("unqueue reminder %s: %w", id, err)
		}
		return true, nil
	}
	var mark time.Time
	switch err := e.store.Get(ctx, reminderDoneKey(id), &mark); {
	case err == nil: // sent by a scanner whose unqueueing failed
		if err := e.store.Unschedule(ctx, reminderQueue, id); err != nil {
			return false, false, fmt.Errorf("unqueue reminder %s: %w", id, err)
		}
		return false, true, nil
	case !errors.Is(err, ErrNotFound):
		return false, false, fmt.Errorf("check reminder %s: %w", id, err)
	}

	msg, ok, err := e.reminderMessage(ctx, id, now)
	if err != nil {
		// Leave the lease to expire: the next scan after it tries again.
		return false, false, err
	}
	if !ok {
		done, err := finish()
		return false, done, err
	}
	sendCtx, cancel := context.WithTimeout(ctx, reminderSendTimeout)
	_, sendErr := s.Send(sendCtx, msg)
	cancel()
	if sendErr != nil {
		done, err := e.reminderFailed(ctx, id, msg, sendErr, finish)
		return false, done, err
	}
	done, err = finish()
	return true, done, err
}

// reminderFailed decides what follows a failed send: a recipient who
// blocked the bot (the sender had Engine.Undeliverable mark them) is
// not tried again, nor is a reminder that failed reminderAttempts
// times; otherwise the lease is let go so the next scan retries.
func (e *Engine) reminderFailed(ctx context.Context, id string, msg Message, sendErr error, finish func() (bool, error)) (bool, error) {
	p, err := e.Profile(ctx, msg.ChatID)
	if err != nil {
		return false, err
	}
	if p.Blocked {
		e.log.Info("reminder not sent: recipient blocked the bot", "reminder", id, "user", msg.ChatID)
		return finish()
	}
	n, err := e.store.NextID(ctx, "reminder-failures:"+id)
	if err != nil {
		return false, fmt.Errorf("count failures of reminder %s: %w", id, err)
	}
	if n >= reminderAttempts {
		e.log.Error("reminder given up", "reminder", id, "attempts", n, "err", sendErr)
		return finish()
	}
	if err := e.store.Delete(ctx, reminderLeaseKey(id)); err != nil {
		return false, fmt.Errorf("release reminder %s: %w", id, err)
	}
	return false, fmt.Errorf("send reminder %s (attempt %d): %w", id, n, sendErr)
}

// reminderMessage builds the message of reminder id as due at now; ok
// is false when nothing is to be sent: the reminder is stale, its
// meeting has begun, its diary entry exists, or the recipient blocked
// the bot.
func (e *Engine) reminderMessage(ctx context.Context, id string, now time.Time) (Message, bool, error) {
	r, ok := parseReminder(id)
	if !ok {
		e.log.Error("malformed reminder dropped", "reminder", id)
		return Message{}, false, nil
	}
	m, err := e.Mentorship(ctx, r.MID)
	if errors.Is(err, ErrNotFound) {
		return Message{}, false, nil
	}
	if err != nil {
		return Message{}, false, err
	}
	to, other := m.MenteeID, m.MentorID
	if r.Side == sideMentor {
		to, other = m.MentorID, m.MenteeID
	}
	var mt Meeting
	if r.Kind != remEnd {
		i := meetingIndex(m, r.N)
		if i < 0 || m.Meetings[i].Start.Unix() != r.At {
			return Message{}, false, nil // rescheduled
		}
		mt = m.Meetings[i]
		if !m.EndedAt.IsZero() && m.EndedAt.Before(mt.Start) {
			return Message{}, false, nil // closed before this meeting
		}
	}
	p, err := e.Profile(ctx, to)
	if err != nil {
		return Message{}, false, err
	}
	if p.Blocked {
		return Message{}, false, nil
	}
	lang := p.Lang
	if lang == "" {
		lang = locales.Default
	}
	loc := e.program.Location()
	switch r.Kind {
	case remMeeting:
		if !now.Before(mt.Start) {
			return Message{}, false, nil // too late to remind
		}
		otherP, err := e.Profile(ctx, other)
		if err != nil {
			return Message{}, false, err
		}
		text := e.cat.T(lang, "reminders.meeting", map[string]any{
			"N": mt.N, "When": formatMeeting(mt, loc), "Other": otherP.DisplayName(),
			"In": e.leadText(lang, r.Lead)})
		return Message{ChatID: to, Text: text}, true, nil
	case remDiary:
		switch _, err := e.DiaryEntry(ctx, m.ID, r.N); {
		case err == nil:
			return Message{}, false, nil
		case !errors.Is(err, ErrNotFound):
			return Message{}, false, err
		}
		text := e.cat.T(lang, "reminders.diary", map[string]any{"N": mt.N, "When": formatMeeting(mt, loc)})
		return Message{ChatID: to, Text: text, Buttons: [][]Button{{e.DiaryButton(lang, m.ID, mt.N)}}}, true, nil
	default:
		if last := lastEnd(m); last.Unix() != r.At {
			return Message{}, false, nil // the schedule changed
		}
		if m.EndedAt.IsZero() {
			if err := e.endMentorship(ctx, m.ID, now); err != nil {
				return Message{}, false, err
			}
		}
		return Message{ChatID: to, Text: e.cat.T(lang, "reminders.end", map[string]any{"Program": e.program.Name})}, true, nil
	}
}

// endMentorship sets EndedAt of mentorship id, unless already set.
func (e *Engine) endMentorship(ctx context.Context, id string, now time.Time) error {
	m, err := e.Mentorship(ctx, id)
	if err != nil {
		return err
	}
	if !m.EndedAt.IsZero() {
		return nil
	}
	m.EndedAt = now.UTC()
	return e.SaveMentorship(ctx, m)
}

// leadText says in lang how long before a meeting a reminder goes out:
// "in 24 hours", "in 30 minutes".
func (e *Engine) leadText(lang string, d time.Duration) string {
	if d%time.Hour == 0 {
		return e.cat.Plural(lang, "reminders.in_hours", int(d/time.Hour), nil)
	}
	return e.cat.Plural(lang, "reminders.in_minutes", int(d.Round(time.Minute)/time.Minute), nil)
}

// meetingIndex returns the index of meeting n in m, or -1.
func meetingIndex(m Mentorship, n int) int {
	for i, mt := range m.Meetings {
		if mt.N == n {
			return i
		}
	}
	return -1
}

// lastEnd is when the last meeting of m ends.
func lastEnd(m Mentorship) time.Time {
	var last time.Time
	for _, mt := range m.Meetings {
		if mt.End().After(last) {
			last = mt.End()
		}
	}
	return last
}
