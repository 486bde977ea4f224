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

// reminderBatch is how many due reminders a scan reads at a time.
const reminderBatch = 200

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

// QueueDueReminders puts the message of every reminder due at now in
// the durable outbox, for the bot's feeder to send, and returns how
// many it queued. Several processes may scan one store at once, and a
// process may die at any point: each reminder is handled in a
// transaction of its own (records.DB.Begin) that puts its message in
// the outbox under an id of its own (records.ReminderMessageID), marks
// the reminder done and takes it off the queue, committed at once on
// condition that it was not marked done meanwhile. Of two scanners
// handling a reminder at once one commits, the other finds it done; a
// commit that fails leaves the reminder queued for the next scan. So
// each reminder reaches the outbox once, and the outbox sends it (with
// the outbox's own at-least-once window, see bot's feeder).
//
// A reminder whose recipient blocked the bot is dropped, as is one
// whose meeting was rescheduled, whose meeting has begun, or (for the
// diary) whose entry was written. The error joins what went wrong.
func (e *Engine) QueueDueReminders(ctx context.Context, now time.Time) (int, error) {
	scan := &reminderScan{rec: e.rec, cat: e.cat, prog: e.program, log: e.log, now: now}
	return scan.run(ctx)
}

// QueueDue puts in the durable outbox everything due at now that the
// scheduler (and the console's :time) drives: meeting and diary
// reminders, reminders of unanswered tickets, and of announced events
// to those who said yes. It returns how many it queued.
func (e *Engine) QueueDue(ctx context.Context, now time.Time) (int, error) {
	n, err := e.QueueDueReminders(ctx, now)
	m, terr := e.QueueTicketReminders(ctx, now)
	k, aerr := eventDeskOf(e).reminders(ctx, now)
	return n + m + k, errors.Join(err, terr, aerr)
}

// reminderScan is one pass of QueueDueReminders: the reminders due at
// now.
type reminderScan struct {
	rec  *records.DB
	cat  *locales.Catalog
	prog *Program
	log  *slog.Logger
	now  time.Time
}

// run handles the due reminders batch by batch, until a batch is the
// last or got nothing off the queue (every reminder in it failed).
func (sc *reminderScan) run(ctx context.Context) (int, error) {
	queued := 0
	var errs []error
	failed := make(map[string]bool)
	for {
		ids, err := sc.rec.DueReminders(ctx, sc.now, reminderBatch)
		if err != nil {
			return queued, errors.Join(append(errs, err)...)
		}
		handled := 0
		for _, id := range ids {
			if err := ctx.Err(); err != nil {
				return queued, errors.Join(append(errs, err)...)
			}
			if failed[id] {
				continue
			}
			ok, err := sc.handle(ctx, id)
			if err != nil {
				failed[id] = true
				errs = append(errs, err)
				continue
			}
			handled++
			if ok {
				queued++
			}
		}
		if len(ids) < reminderBatch || handled == 0 {
			return queued, errors.Join(errs...)
		}
	}
}

// handle queues reminder id's message, or drops the reminder, running
// again when another scanner's commit came first; queued says a
// message went to the outbox.
func (sc *reminderScan) handle(ctx context.Context, id string) (queued bool, err error) {
	for attempt := 1; ; attempt++ {
		queued, err = sc.attempt(ctx, id)
		if !errors.Is(err, records.ErrConflict) || attempt == maxAttempts {
			if err != nil {
				return false, fmt.Errorf("reminder %s: %w", id, err)
			}
			return queued, nil
		}
	}
}

// attempt is one transaction of handle: it marks reminder id done,
// takes it off the queue and, unless it was done already or is no
// longer wanted, puts its message in the outbox, all in one commit.
func (sc *reminderScan) attempt(ctx context.Context, id string) (bool, error) {
	tx := sc.rec.Begin()
	first, err := tx.FinishReminder(ctx, id)
	if err != nil {
		return false, err
	}
	var msg Message
	ok := false
	if first {
		if msg, ok, err = sc.message(ctx, tx.DB, id); err != nil {
			return false, err
		}
	}
	if ok {
		if err := tx.Enqueue(ctx, msg.ChatID, records.ReminderMessageID(id), msg); err != nil {
			return false, err
		}
	}
	if err := tx.Commit(ctx, nil, nil, 0); err != nil {
		return false, err
	}
	return ok, nil
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

// message builds the message of reminder id as due at now, reading
// and writing db, the reminder's transaction; ok is false when nothing
// is to be sent: the reminder is stale, its meeting has
// begun, its diary entry exists, or the recipient blocked the bot.
func (sc *reminderScan) message(ctx context.Context, db *records.DB, id string) (Message, bool, error) {
	r, ok, err := sc.load(ctx, db, id)
	if err != nil || !ok {
		return Message{}, false, err
	}
	switch r.Kind {
	case remMeeting:
		return sc.meetingMessage(ctx, db, r)
	case remDiary:
		return sc.diaryMessage(ctx, db, r)
	default:
		return sc.endMessage(ctx, db, r)
	}
}

// load reads reminder id and what it is about; ok is false when it is
// malformed or stale, or its recipient blocked the bot.
func (sc *reminderScan) load(ctx context.Context, db *records.DB, id string) (dueReminder, bool, error) {
	r, ok := parseReminder(id)
	if !ok {
		sc.log.Error("malformed reminder dropped", "reminder", id)
		return dueReminder{}, false, nil
	}
	m, err := db.Mentorship(ctx, r.MID)
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
	if d.to, err = db.Profile(ctx, d.toID); err != nil {
		return dueReminder{}, false, err
	}
	d.lang = d.to.Lang
	if d.lang == "" {
		d.lang = locales.Default
	}
	return d, !d.to.Blocked, nil
}

// dates is the date format of r's recipient: their language, and the
// zone they chose, else their host institution's for a mentor, else
// the programme's (roster.zoneOf, from the mentorship at hand).
func (sc *reminderScan) dates(r dueReminder) dateFormat {
	def := sc.prog.Location()
	if r.Side == sideMentor {
		def = sc.prog.hostZone(r.m.ProjectID)
	}
	return datesOf(sc.cat, r.to, def)
}

// meetingMessage reminds of a meeting ahead.
func (sc *reminderScan) meetingMessage(ctx context.Context, db *records.DB, r dueReminder) (Message, bool, error) {
	if !sc.now.Before(r.mt.Start) {
		return Message{}, false, nil // too late to remind
	}
	other, err := db.Profile(ctx, r.otherID)
	if err != nil {
		return Message{}, false, err
	}
	const id = "reminders.meeting"
	text := sc.cat.T(r.lang, id, map[string]any{
		"N": r.mt.N, "When": sc.dates(r).meeting(r.mt), "Other": other.DisplayName(),
		"In": leadText(sc.cat, r.lang, r.Lead)})
	if r.m.MeetingLink != "" {
		text += "\n" + sc.cat.T(r.lang, "reminders.meeting_link", map[string]any{"Link": r.m.MeetingLink})
	}
	return Message{ChatID: r.toID, Text: text, TextID: id}, true, nil
}

// diaryMessage reminds the mentee of a diary entry still unwritten.
func (sc *reminderScan) diaryMessage(ctx context.Context, db *records.DB, r dueReminder) (Message, bool, error) {
	switch _, err := db.DiaryEntry(ctx, r.m.ID, r.N); {
	case err == nil:
		return Message{}, false, nil
	case !errors.Is(err, records.ErrNotFound):
		return Message{}, false, err
	}
	const id = "reminders.diary"
	text := sc.cat.T(r.lang, id, map[string]any{"N": r.mt.N, "When": sc.dates(r).meeting(r.mt)})
	return Message{ChatID: r.toID, Text: text, TextID: id,
		Buttons: [][]Button{{DiaryButton(sc.cat, r.lang, r.m.ID, r.mt.N)}}}, true, nil
}

// endMessage says the programme ended, and ends the mentorship in the
// same transaction.
func (sc *reminderScan) endMessage(ctx context.Context, db *records.DB, r dueReminder) (Message, bool, error) {
	if last := lastEnd(r.m); last.Unix() != r.At {
		return Message{}, false, nil // the schedule changed
	}
	if r.m.EndedAt.IsZero() {
		if err := endMentorship(ctx, db, r.m.ID, sc.now); err != nil {
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
