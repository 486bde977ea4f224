package flows

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/mentorbot/mentorbot/flows/records"
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

// plannedReminders returns every reminder of m's agreed schedule with
// when it is due.
func plannedReminders(prog *Program, m records.Mentorship) map[string]time.Time {
	out := make(map[string]time.Time)
	if m.AgreedAt.IsZero() || len(m.Meetings) == 0 {
		return out
	}
	for _, mt := range m.Meetings {
		for _, lead := range prog.MeetingReminders {
			for _, side := range []string{sideMentee, sideMentor} {
				r := reminder{Kind: remMeeting, MID: m.ID, N: mt.N, At: mt.Start.Unix(), Lead: lead, Side: side}
				out[r.id()] = mt.Start.Add(-lead)
			}
		}
		for k := 1; k <= diaryReminders; k++ {
			r := reminder{Kind: remDiary, MID: m.ID, N: mt.N, At: mt.Start.Unix(), K: k}
			out[r.id()] = diaryDue(mt.End(), k, prog.Location())
		}
	}
	last := lastEnd(m)
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
func rescheduleReminders(ctx context.Context, rec *records.DB, prog *Program, before, after records.Mentorship, now time.Time) error {
	old, want := plannedReminders(prog, before), plannedReminders(prog, after)
	var drop []string
	for id := range old {
		if _, ok := want[id]; !ok {
			drop = append(drop, id)
		}
	}
	if err := rec.UnscheduleReminders(ctx, drop...); err != nil {
		return err
	}
	for id, at := range want {
		if _, ok := old[id]; ok {
			continue
		}
		if strings.HasPrefix(id, remMeeting+"|") && !at.After(now) {
			continue
		}
		if err := rec.ScheduleReminder(ctx, id, at); err != nil {
			return err
		}
	}
	return nil
}

// SendDueReminders sends, through s, every reminder due at now, and
// returns how many it sent. Several processes may scan the same store
// at once, and a process may die at any point: each reminder is still
// sent once, in two phases. A scanner first takes a lease on the
// reminder (reminderLease long), then checks for a done mark, sends,
// and only after Telegram accepted the message writes the done mark and
// takes the reminder off the queue. A scanner that died after taking
// the lease leaves the reminder queued without a done mark, and the
// next scan after the lease expired sends it.
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
	scan := &reminderScan{rec: e.rec, cat: e.cat, prog: e.program, log: e.log, now: now, out: s}
	return scan.run(ctx)
}

// reminderScan is one pass of SendDueReminders: the reminders due at
// now, sent through out.
type reminderScan struct {
	rec  *records.DB
	cat  *locales.Catalog
	prog *Program
	log  *slog.Logger
	now  time.Time
	out  Sender
}

// run sends the due reminders batch by batch.
func (sc *reminderScan) run(ctx context.Context) (int, error) {
	sent := 0
	var errs []error
	for {
		ids, err := sc.rec.DueReminders(ctx, sc.now, reminderBatch)
		if err != nil {
			return sent, err
		}
		finished := 0
		for _, id := range ids {
			if err := ctx.Err(); err != nil {
				return sent, errors.Join(append(errs, err)...)
			}
			ok, done, err := sc.send(ctx, id)
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

// send runs the two phases for one reminder. sent says a message went
// out; done that the reminder left the queue.
func (sc *reminderScan) send(ctx context.Context, id string) (sent, done bool, err error) {
	ok, err := sc.rec.LeaseReminder(ctx, id, reminderLease)
	if err != nil || !ok {
		return false, false, err
	}
	already, err := sc.rec.ReminderDone(ctx, id)
	if err != nil {
		return false, false, err
	}
	if already { // sent by a scanner whose unqueueing failed
		if err := sc.rec.UnscheduleReminders(ctx, id); err != nil {
			return false, false, err
		}
		return false, true, nil
	}
	msg, ok, err := sc.message(ctx, id)
	if err != nil {
		// Leave the lease to expire: the next scan after it tries again.
		return false, false, err
	}
	if !ok {
		done, err := sc.finish(ctx, id)
		return false, done, err
	}
	sendCtx, cancel := context.WithTimeout(ctx, reminderSendTimeout)
	_, sendErr := sc.out.Send(sendCtx, msg)
	cancel()
	if sendErr != nil {
		done, err := sc.failed(ctx, id, msg, sendErr)
		return false, done, err
	}
	done, err = sc.finish(ctx, id)
	return true, done, err
}

// finish marks reminder id sent and takes it off the queue.
func (sc *reminderScan) finish(ctx context.Context, id string) (bool, error) {
	if err := sc.rec.FinishReminder(ctx, id, sc.now, reminderDoneTTL); err != nil {
		return false, err
	}
	return true, nil
}

// failed decides what follows a failed send: a recipient who blocked
// the bot (the sender had Engine.Undeliverable mark them) is not tried
// again, nor is a reminder that failed reminderAttempts times;
// otherwise the lease is let go so the next scan retries.
func (sc *reminderScan) failed(ctx context.Context, id string, msg Message, sendErr error) (bool, error) {
	p, err := sc.rec.Profile(ctx, msg.ChatID)
	if err != nil {
		return false, err
	}
	if p.Blocked {
		sc.log.Info("reminder not sent: recipient blocked the bot", "reminder", id, "user", msg.ChatID)
		return sc.finish(ctx, id)
	}
	n, err := sc.rec.ReminderFailed(ctx, id)
	if err != nil {
		return false, err
	}
	if n >= reminderAttempts {
		sc.log.Error("reminder given up", "reminder", id, "attempts", n, "err", sendErr)
		return sc.finish(ctx, id)
	}
	if err := sc.rec.ReleaseReminder(ctx, id); err != nil {
		return false, err
	}
	return false, fmt.Errorf("send reminder %s (attempt %d): %w", id, n, sendErr)
}

// dueReminder is a reminder with what its message is made of: the
// mentorship, the meeting (none for remEnd), the recipient and the
// other person of the pair.
type dueReminder struct {
	reminder
	m       records.Mentorship
	mt      records.Meeting
	to      records.Profile
	toID    int64
	otherID int64
	lang    string
}

// message builds the message of reminder id as due at now; ok is false
// when nothing is to be sent: the reminder is stale, its meeting has
// begun, its diary entry exists, or the recipient blocked the bot.
func (sc *reminderScan) message(ctx context.Context, id string) (Message, bool, error) {
	r, ok, err := sc.load(ctx, id)
	if err != nil || !ok {
		return Message{}, false, err
	}
	switch r.Kind {
	case remMeeting:
		return sc.meetingMessage(ctx, r)
	case remDiary:
		return sc.diaryMessage(ctx, r)
	default:
		return sc.endMessage(ctx, r)
	}
}

// load reads reminder id and what it is about; ok is false when it is
// malformed or stale, or its recipient blocked the bot.
func (sc *reminderScan) load(ctx context.Context, id string) (dueReminder, bool, error) {
	r, ok := parseReminder(id)
	if !ok {
		sc.log.Error("malformed reminder dropped", "reminder", id)
		return dueReminder{}, false, nil
	}
	m, err := sc.rec.Mentorship(ctx, r.MID)
	if errors.Is(err, records.ErrNotFound) {
		return dueReminder{}, false, nil
	}
	if err != nil {
		return dueReminder{}, false, err
	}
	d := dueReminder{reminder: r, m: m, toID: m.MenteeID, otherID: m.MentorID}
	if r.Side == sideMentor {
		d.toID, d.otherID = m.MentorID, m.MenteeID
	}
	if r.Kind != remEnd {
		i := meetingIndex(m, r.N)
		if i < 0 || m.Meetings[i].Start.Unix() != r.At {
			return dueReminder{}, false, nil // rescheduled
		}
		d.mt = m.Meetings[i]
		if !m.EndedAt.IsZero() && m.EndedAt.Before(d.mt.Start) {
			return dueReminder{}, false, nil // closed before this meeting
		}
	}
	if d.to, err = sc.rec.Profile(ctx, d.toID); err != nil {
		return dueReminder{}, false, err
	}
	d.lang = d.to.Lang
	if d.lang == "" {
		d.lang = locales.Default
	}
	return d, !d.to.Blocked, nil
}

// meetingMessage reminds of a meeting ahead.
func (sc *reminderScan) meetingMessage(ctx context.Context, r dueReminder) (Message, bool, error) {
	if !sc.now.Before(r.mt.Start) {
		return Message{}, false, nil // too late to remind
	}
	other, err := sc.rec.Profile(ctx, r.otherID)
	if err != nil {
		return Message{}, false, err
	}
	const id = "reminders.meeting"
	text := sc.cat.T(r.lang, id, map[string]any{
		"N": r.mt.N, "When": formatMeeting(r.mt, sc.prog.Location()), "Other": other.DisplayName(),
		"In": leadText(sc.cat, r.lang, r.Lead)})
	return Message{ChatID: r.toID, Text: text, TextID: id}, true, nil
}

// diaryMessage reminds the mentee of a diary entry still unwritten.
func (sc *reminderScan) diaryMessage(ctx context.Context, r dueReminder) (Message, bool, error) {
	switch _, err := sc.rec.DiaryEntry(ctx, r.m.ID, r.N); {
	case err == nil:
		return Message{}, false, nil
	case !errors.Is(err, records.ErrNotFound):
		return Message{}, false, err
	}
	const id = "reminders.diary"
	text := sc.cat.T(r.lang, id, map[string]any{"N": r.mt.N, "When": formatMeeting(r.mt, sc.prog.Location())})
	return Message{ChatID: r.toID, Text: text, TextID: id,
		Buttons: [][]Button{{DiaryButton(sc.cat, r.lang, r.m.ID, r.mt.N)}}}, true, nil
}

// endMessage says the programme ended, and ends the mentorship.
func (sc *reminderScan) endMessage(ctx context.Context, r dueReminder) (Message, bool, error) {
	if last := lastEnd(r.m); last.Unix() != r.At {
		return Message{}, false, nil // the schedule changed
	}
	if r.m.EndedAt.IsZero() {
		if err := endMentorship(ctx, sc.rec, r.m.ID, sc.now); err != nil {
			return Message{}, false, err
		}
	}
	const id = "reminders.end"
	return Message{ChatID: r.toID, Text: sc.cat.T(r.lang, id, map[string]any{"Program": sc.prog.Name}), TextID: id}, true, nil
}

// leadText says in lang how long before a meeting a reminder goes out:
// "in 24 hours", "in 30 minutes".
func leadText(cat *locales.Catalog, lang string, d time.Duration) string {
	if d%time.Hour == 0 {
		return cat.Plural(lang, "reminders.in_hours", int(d/time.Hour), nil)
	}
	return cat.Plural(lang, "reminders.in_minutes", int(d.Round(time.Minute)/time.Minute), nil)
}
