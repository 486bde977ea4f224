package flows_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mentorbot/mentorbot/flows"
	"github.com/mentorbot/mentorbot/flows/records"
	"github.com/mentorbot/mentorbot/flows/redisstore/redistest"
)

var (
	pairMentee = flows.User{ID: studentA, FirstName: "Anna", LanguageCode: "en"}
	pairMentor = flows.User{ID: mentorID, FirstName: "Marco", LanguageCode: "en"}
)

const pairMentorship = "MIE-2027-0042"

// fakeSender plays the bot's feeder: it sends what the durable outbox
// holds, recording each message at the harness clock's time. Like the
// feeder, it tells the engine about a recipient who blocked the bot and
// drops the message.
type fakeSender struct {
	engine *flows.Engine
	rec    *records.DB
	clock  *clock

	mu       sync.Mutex
	sent     []string
	ids      []string // outbox ids of the messages sent, in order
	attempts map[int64]int
	blocked  map[int64]bool
}

func newFakeSender(h *harness) *fakeSender {
	return &fakeSender{engine: h.engine, rec: h.rec, clock: h.clock, attempts: map[int64]int{},
		blocked: map[int64]bool{}}
}

// drain sends everything in the durable outbox, chat by chat, taking
// each message out as the feeder does.
func (s *fakeSender) drain(tb testing.TB) {
	tb.Helper()
	ctx := context.Background()
	for {
		chats, err := s.rec.TakeOutboxChats(ctx, s.clock.Now(), time.Minute, 100)
		if err != nil {
			tb.Fatalf("TakeOutboxChats: %v", err)
		}
		if len(chats) == 0 {
			return
		}
		for _, chat := range chats {
			s.drainChat(tb, chat)
		}
	}
}

// drainChat sends chat's messages in order until none is left.
func (s *fakeSender) drainChat(tb testing.TB, chat int64) {
	tb.Helper()
	ctx := context.Background()
	for {
		msgs, err := s.rec.OutboxMessages(ctx, chat, 16)
		if err != nil {
			tb.Fatalf("OutboxMessages(%d): %v", chat, err)
		}
		if len(msgs) == 0 {
			if _, err := s.rec.OutboxSent(ctx, chat, records.OutboxMessage{}, s.clock.Now()); err != nil {
				tb.Fatal(err)
			}
			return
		}
		for _, om := range msgs {
			var m flows.Message
			if err := json.Unmarshal(om.Body, &m); err != nil {
				tb.Fatalf("outbox message %s of %d does not decode: %v", om.ID, chat, err)
			}
			s.send(tb, om.ID, m)
			more, err := s.rec.OutboxSent(ctx, chat, om, s.clock.Now())
			if err != nil {
				tb.Fatal(err)
			}
			if !more {
				return
			}
		}
	}
}

// send delivers m, taken from the outbox under id, or reports it
// undeliverable when its recipient blocked the bot.
func (s *fakeSender) send(tb testing.TB, id string, m flows.Message) {
	tb.Helper()
	s.mu.Lock()
	s.attempts[m.ChatID]++
	blocked := s.blocked[m.ChatID]
	s.mu.Unlock()
	if blocked {
		if _, err := s.engine.Undeliverable(context.Background(), flows.Undelivered{Message: m, Reason: flows.ReasonBlocked}); err != nil {
			tb.Fatalf("Undeliverable: %v", err)
		}
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sent = append(s.sent, fmt.Sprintf("%s %d %s", s.clock.Now().Format("01-02 15:04"), m.ChatID, reminderKind(m.Text)))
	s.ids = append(s.ids, id)
}

func (s *fakeSender) log() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.sent)
}

// queuedTo returns the messages waiting for chat in the durable
// outbox, oldest first, leaving them there.
func queuedTo(tb testing.TB, rec *records.DB, chat int64) []flows.Message {
	tb.Helper()
	entries, err := rec.OutboxMessages(context.Background(), chat, 1000)
	if err != nil {
		tb.Fatalf("OutboxMessages(%d): %v", chat, err)
	}
	out := make([]flows.Message, len(entries))
	for i, om := range entries {
		if err := json.Unmarshal(om.Body, &out[i]); err != nil {
			tb.Fatalf("outbox message %s of %d does not decode: %v", om.ID, chat, err)
		}
	}
	return out
}

// sendDue has each engine (h's when none is given) queue the reminders
// due at now, all at once, then has s send what they queued.
func sendDue(tb testing.TB, h *harness, now time.Time, s *fakeSender, engines ...*flows.Engine) {
	tb.Helper()
	if len(engines) == 0 {
		engines = []*flows.Engine{h.engine}
	}
	var wg sync.WaitGroup
	errs := make([]error, len(engines))
	for i, e := range engines {
		wg.Go(func() { _, errs[i] = e.QueueDueReminders(context.Background(), now) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		tb.Fatalf("QueueDueReminders at %v: %v", now, err)
	}
	s.drain(tb)
}

var (
	reMeeting = regexp.MustCompile(`meeting (\d+) with .* is in (\d+ hours?|\d+ minutes?)`)
	reDiary   = regexp.MustCompile(`^Meeting (\d+) on .* has no diary entry`)
)

// reminderKind names a reminder text briefly: "meeting 3 in 1 hour",
// "diary 2", "end".
func reminderKind(text string) string {
	if m := reMeeting.FindStringSubmatch(text); m != nil {
		return "meeting " + m[1] + " in " + m[2]
	}
	if m := reDiary.FindStringSubmatch(text); m != nil {
		return "diary " + m[1]
	}
	if strings.Contains(text, "/questionnaire") {
		return "end"
	}
	return "? " + text
}

// agreedPair stores an agreed mentorship of pairMentee and pairMentor
// with the programme's meetings on consecutive days from two days
// after the harness clock, at 18:00 for an hour.
func (h *harness) agreedPair() records.Mentorship {
	h.tb.Helper()
	h.command(pairMentee, "start", "")
	h.command(pairMentor, "start", "")
	now := h.clock.Now()
	m := records.Mentorship{ID: pairMentorship, MenteeID: pairMentee.ID, MentorID: pairMentor.ID,
		ProjectID: "madrid-ai", CreatedAt: now, Topics: "CV, interviews"}
	y, mo, d := now.Date()
	for n := 1; n <= h.program.Meetings; n++ {
		start := time.Date(y, mo, d+1+n, 18, 0, 0, 0, h.program.Location())
		m.Meetings = append(m.Meetings, records.Meeting{N: n, Start: start, Duration: time.Hour})
	}
	if err := h.engine.Agree(context.Background(), m, now); err != nil {
		h.tb.Fatal(err)
	}
	return m
}

// expectedReminders is what a pair whose diary is written for the
// meetings in written should receive, in order, with agreedPair's
// schedule starting on 2027-02-03.
func expectedReminders(meetings int, written ...int) []string {
	var out []string
	add := func(at time.Time, chat int64, kind string) {
		out = append(out, fmt.Sprintf("%s %d %s", at.Format("01-02 15:04"), chat, kind))
	}
	base := time.Date(2027, 2, 3, 18, 0, 0, 0, time.UTC)
	for n := 1; n <= meetings; n++ {
		start := base.AddDate(0, 0, n-1)
		for _, chat := range []int64{studentA, mentorID} {
			add(start.Add(-24*time.Hour), chat, fmt.Sprintf("meeting %d in 24 hours", n))
			add(start.Add(-time.Hour), chat, fmt.Sprintf("meeting %d in 1 hour", n))
		}
		if !slices.Contains(written, n) {
			for k := range 3 {
				day := start.AddDate(0, 0, 1+3*k)
				add(time.Date(day.Year(), day.Month(), day.Day(), 10, 0, 0, 0, time.UTC), studentA, fmt.Sprintf("diary %d", n))
			}
		}
	}
	last := base.AddDate(0, 0, meetings-1).Add(time.Hour)
	add(last, studentA, "end")
	add(last, mentorID, "end")
	slices.Sort(out)
	return out
}

// runClock moves the clock in steps of an hour until until, and at each
// step has every engine queue the due reminders, concurrently, and s
// send them.
func runClock(tb testing.TB, h *harness, until time.Time, s *fakeSender, engines ...*flows.Engine) {
	tb.Helper()
	for ; !h.clock.Now().After(until); h.clock.Add(time.Hour) {
		sendDue(tb, h, h.clock.Now(), s, engines...)
	}
}

func sorted(ss []string) []string { slices.Sort(ss); return ss }

func diffLists(got, want []string) string {
	var b strings.Builder
	for _, g := range got {
		if !slices.Contains(want, g) {
			b.WriteString("\n  unexpected: " + g)
		}
	}
	for _, w := range want {
		if !slices.Contains(got, w) {
			b.WriteString("\n  missing:    " + w)
		}
	}
	return b.String()
}

// TestRemindersFireOnceAtTheRightTime runs through a whole mentorship
// hour by hour: every reminder goes out once, at its time, and not
// before.
func TestRemindersFireOnceAtTheRightTime(t *testing.T) {
	h := newHarness(t)
	h.agreedPair()
	s := newFakeSender(h)
	ctx := context.Background()

	// The mentee writes the diary of meeting 2 right after it.
	runClock(t, h, time.Date(2027, 2, 4, 19, 0, 0, 0, h.program.Location()), s)
	if err := h.rec.SaveDiaryEntry(ctx, records.DiaryEntry{MentorshipID: pairMentorship, N: 2}); err != nil {
		t.Fatal(err)
	}
	runClock(t, h, time.Date(2027, 3, 1, 0, 0, 0, 0, h.program.Location()), s)

	got := s.log()
	if want := expectedReminders(6, 2); !slices.Equal(sorted(got), want) {
		t.Errorf("reminders sent (%d) differ from expected (%d):%s", len(got), len(want), diffLists(sorted(got), want))
	}
	m, err := h.rec.Mentorship(ctx, pairMentorship)
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2027, 2, 8, 19, 0, 0, 0, h.program.Location()); !m.EndedAt.Equal(want) {
		t.Errorf("EndedAt = %v; want %v (end of the last meeting)", m.EndedAt, want)
	}
	if q, err := h.engine.QueuedReminders(ctx, time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)); err != nil || len(q) != 0 {
		t.Errorf("queue after the programme = %v, %v; want empty", q, err)
	}
}

// TestRemindersTwoInstances: two engines scanning one Redis at the same
// moments send every reminder once between them.
func TestRemindersTwoInstances(t *testing.T) {
	store := redistest.Store(t)
	program := loadProgram(t)
	h := newHarnessWith(t, store, program)
	other := newHarnessWith(t, store, program)
	other.clock = h.clock
	h.agreedPair()
	s := newFakeSender(h)
	runClock(t, h, time.Date(2027, 3, 1, 0, 0, 0, 0, h.program.Location()), s, h.engine, other.engine)
	if got, want := sorted(s.log()), expectedReminders(6); !slices.Equal(got, want) {
		t.Errorf("reminders sent by two instances (%d) differ from expected (%d):%s", len(got), len(want), diffLists(got, want))
	}
}

// scanGate holds the commits of the stores it wraps until each of them
// has read the due reminders once: scanners that all saw the same
// reminders due before any of them handled one.
type scanGate struct {
	mu      sync.Mutex
	waiting int // stores that have not read yet
	open    chan struct{}
}

func newScanGate(stores int) *scanGate {
	return &scanGate{waiting: stores, open: make(chan struct{})}
}

// gatedStore is a store behind a scanGate.
type gatedStore struct {
	records.Store
	g    *scanGate
	read sync.Once
	also []<-chan struct{} // more to wait for before committing
}

var _ records.Store = (*gatedStore)(nil)

// wrap puts s behind the gate; its commits also wait for also.
func (g *scanGate) wrap(s records.Store, also ...<-chan struct{}) *gatedStore {
	return &gatedStore{Store: s, g: g, also: also}
}

func (s *gatedStore) Due(ctx context.Context, queue string, now time.Time, limit int) ([]string, error) {
	ids, err := s.Store.Due(ctx, queue, now, limit)
	s.read.Do(func() {
		s.g.mu.Lock()
		defer s.g.mu.Unlock()
		if s.g.waiting--; s.g.waiting == 0 {
			close(s.g.open)
		}
	})
	return ids, err
}

func (s *gatedStore) Commit(ctx context.Context, c *records.Commit) error {
	for _, ch := range append([]<-chan struct{}{s.g.open}, s.also...) {
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return s.Store.Commit(ctx, c)
}

// TestRemindersTwoScannersAtOnceQueueEachOnce: two engines on one
// Redis that both read the due reminders before either commits put
// each reminder in the durable outbox once between them, also when one
// of them loses the answer to a commit that was applied (and both scan
// again).
func TestRemindersTwoScannersAtOnceQueueEachOnce(t *testing.T) {
	for _, tc := range []struct {
		name string
		lose bool
	}{{"commits answered", false}, {"one answer lost", true}} {
		t.Run(tc.name, func(t *testing.T) { scanTwoAtOnce(t, tc.lose) })
	}
}

// scanTwoAtOnce runs TestRemindersTwoScannersAtOnceQueueEachOnce; with
// lose, the first message one engine queues is committed but the
// commit fails, and the other engine commits only after that.
func scanTwoAtOnce(t *testing.T, lose bool) {
	store := redistest.Store(t)
	program := loadProgram(t)
	h := newHarnessWith(t, store, program)
	h.agreedPair()
	gate := newScanGate(2)
	first := &failingCommits{Store: store, after: -1, apply: true, onLost: make(chan struct{})}
	var second records.Store = gate.wrap(store)
	if lose {
		first.after = 0
		second = gate.wrap(store, first.onLost)
	}
	engines := []*flows.Engine{
		newHarnessWith(t, gate.wrap(first), program).engine,
		newHarnessWith(t, second, program).engine,
	}
	// After the programme every reminder is due: those before meetings
	// are dropped as too late, the rest are queued.
	end := time.Date(2027, 3, 1, 0, 0, 0, 0, program.Location())
	h.clock.Set(end)
	queued := 0
	for round, at := range []time.Time{end, end.Add(time.Minute)} {
		var wg sync.WaitGroup
		n, errs := make([]int, 2), make([]error, 2)
		for i, e := range engines {
			wg.Go(func() { n[i], errs[i] = e.QueueDueReminders(context.Background(), at) })
		}
		wg.Wait()
		if err := errors.Join(errs...); (err != nil) != (round == 0 && lose) {
			t.Fatalf("QueueDueReminders at %v: %v", at, err)
		}
		queued += n[0] + n[1]
	}
	s := newFakeSender(h)
	s.drain(t)
	var want []string
	for _, r := range expectedReminders(6) {
		if !strings.Contains(r, "meeting") {
			want = append(want, "03-01 00:00"+r[len("01-02 15:04"):])
		}
	}
	slices.Sort(want)
	if got := sorted(s.log()); !slices.Equal(got, want) {
		t.Errorf("outbox after two scanners (%d) differs from expected (%d):%s", len(got), len(want), diffLists(got, want))
	}
	if ids := sorted(slices.Clone(s.ids)); len(slices.Compact(ids)) != len(s.ids) {
		t.Errorf("%d of the %d outbox ids repeat", len(s.ids)-len(slices.Compact(ids)), len(s.ids))
	}
	if wantN := len(want) - first.lost(); queued != wantN {
		t.Errorf("the scanners report %d queued; want %d", queued, wantN)
	}
	if q, err := h.engine.QueuedReminders(context.Background(), end); err != nil || len(q) != 0 {
		t.Errorf("queue after the scans = %q, %v; want empty", q, err)
	}
}

// failingCommits is a store one of whose commits that queue a message
// fails, as when Redis goes away: refused, or applied with the answer
// lost on the way back.
type failingCommits struct {
	records.Store
	mu sync.Mutex
	// after is how many commits that queue a message go through before
	// the failing one (with apply, how many are applied: a conflict
	// does not count); -1: none fails.
	after int
	apply bool // apply the failing commit before failing
	lostN int  // commits applied whose answer was lost
	// onLost, when not nil, is closed when a commit's answer is lost.
	onLost chan struct{}
}

var _ records.Store = (*failingCommits)(nil)

// failAfter makes the commit after the next n fail.
func (s *failingCommits) failAfter(n int) { s.mu.Lock(); s.after = n; s.mu.Unlock() }

// lost returns how many commits were applied with their answer lost.
func (s *failingCommits) lost() int { s.mu.Lock(); defer s.mu.Unlock(); return s.lostN }

// take reports whether commit c is the failing one.
func (s *failingCommits) take(c *records.Commit) bool {
	if !slices.ContainsFunc(c.Ops, func(o records.Op) bool { return o.Cmd == records.OpRPush }) {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	fail := s.after == 0
	if s.after >= 0 {
		s.after--
	}
	if fail && s.apply {
		s.lostN++
		if s.onLost != nil {
			close(s.onLost)
		}
	}
	return fail
}

var errTimeout = errors.New("redis: i/o timeout")

func (s *failingCommits) Commit(ctx context.Context, c *records.Commit) error {
	if !s.apply {
		if s.take(c) {
			return errTimeout
		}
		return s.Store.Commit(ctx, c)
	}
	if err := s.Store.Commit(ctx, c); err != nil {
		return err
	}
	if s.take(c) {
		return errTimeout
	}
	return nil
}

// TestRemindersFailedCommitLosesNothing: a scan one of whose commits
// fails reports it and leaves that reminder due, unless the commit was
// applied; either way, after the next scan every reminder is in the
// durable outbox once. Two reminders are due; the first or the second
// commit of the scan fails.
func TestRemindersFailedCommitLosesNothing(t *testing.T) {
	for _, tc := range []struct {
		name       string
		before     int // commits of the scan that succeed before the failing one
		apply      bool
		stillDue   int // reminders queued after the failed scan
		queuedNext int // messages queued by the next scan
	}{
		{"first refused", 0, false, 1, 1},
		{"second refused", 1, false, 1, 1},
		{"first applied, answer lost", 0, true, 0, 0},
		{"second applied, answer lost", 1, true, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			store := &failingCommits{Store: redistest.Store(t), after: -1, apply: tc.apply}
			h := newHarnessWith(t, store, loadProgram(t))
			h.agreedPair()
			ctx := context.Background()
			due := time.Date(2027, 2, 2, 18, 0, 0, 0, h.program.Location()) // meeting 1 in 24 hours
			h.clock.Set(due)
			store.failAfter(tc.before)
			if n, err := h.engine.QueueDueReminders(ctx, due); n != 1 || err == nil {
				t.Fatalf("QueueDueReminders with a failing commit = %d, %v; want 1 and the commit's error", n, err)
			}
			if q, err := h.engine.QueuedReminders(ctx, due); err != nil || len(q) != tc.stillDue {
				t.Fatalf("reminders still due after the failed commit = %q, %v; want %d", q, err, tc.stillDue)
			}
			h.clock.Add(time.Minute)
			if n, err := h.engine.QueueDueReminders(ctx, h.clock.Now()); n != tc.queuedNext || err != nil {
				t.Fatalf("next QueueDueReminders = %d, %v; want %d, nil", n, err, tc.queuedNext)
			}
			s := newFakeSender(h)
			s.drain(t)
			want := []string{"02-02 18:01 200000001 meeting 1 in 24 hours", "02-02 18:01 300000001 meeting 1 in 24 hours"}
			if got := sorted(s.log()); !slices.Equal(got, want) {
				t.Errorf("sent %q; want %q", got, want)
			}
		})
	}
}

// TestRemindersBlockedRecipient: a mentor who blocked the bot is tried
// once and then left alone, while the mentee still gets theirs; when
// the mentor writes to the bot again, reminders reach them again.
func TestRemindersBlockedRecipient(t *testing.T) {
	h := newHarness(t)
	h.agreedPair()
	s := newFakeSender(h)
	s.blocked[mentorID] = true
	runClock(t, h, time.Date(2027, 2, 3, 17, 0, 0, 0, h.program.Location()), s)
	if got := s.attempts[mentorID]; got != 1 {
		t.Errorf("attempts to the blocked mentor = %d; want 1", got)
	}
	p, err := h.rec.Profile(context.Background(), mentorID)
	if err != nil || !p.Blocked {
		t.Errorf("mentor profile Blocked = %v, %v; want true", p.Blocked, err)
	}
	want := []string{"02-02 18:00 300000001 meeting 1 in 24 hours", "02-03 17:00 300000001 meeting 1 in 1 hour"}
	if got := sorted(s.log()); !slices.Equal(got, want) {
		t.Errorf("sent %q; want %q", got, want)
	}

	s.blocked[mentorID] = false
	h.command(pairMentor, "start", "")
	runClock(t, h, time.Date(2027, 2, 3, 23, 0, 0, 0, h.program.Location()), s)
	if got := s.log(); !slices.Contains(got, "02-03 18:00 200000001 meeting 2 in 24 hours") {
		t.Errorf("after unblocking, sent %q; want meeting 2's reminder to the mentor", got)
	}
}

// TestRemindersStaleAfterReschedule: when meeting 1 moves, reminders of
// its old time do not fire, even if one is still queued, and those of
// the new time do.
func TestRemindersStaleAfterReschedule(t *testing.T) {
	h := newHarness(t)
	m := h.agreedPair()
	ctx := context.Background()
	queued, err := h.engine.QueuedReminders(ctx, m.Meetings[0].Start)
	if err != nil {
		t.Fatal(err)
	}
	var old []string
	for _, id := range queued {
		if strings.HasPrefix(id, "meet|"+pairMentorship+"|1|") {
			old = append(old, id)
		}
	}
	if len(old) != 4 {
		t.Fatalf("queued reminders of meeting 1 = %q; want 4", old)
	}
	m.Meetings[0].Start = m.Meetings[0].Start.Add(-6 * time.Hour) // 12:00 instead of 18:00
	if err := h.engine.Agree(ctx, m, h.clock.Now()); err != nil {
		t.Fatal(err)
	}
	// Put the old reminders back, as if unqueueing them had failed.
	for _, id := range old {
		if err := h.rec.ScheduleReminder(ctx, id, m.Meetings[0].Start.Add(-time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	s := newFakeSender(h)
	runClock(t, h, time.Date(2027, 2, 3, 18, 0, 0, 0, h.program.Location()), s)
	want := []string{
		"02-02 12:00 200000001 meeting 1 in 24 hours", "02-02 12:00 300000001 meeting 1 in 24 hours",
		"02-03 11:00 200000001 meeting 1 in 1 hour", "02-03 11:00 300000001 meeting 1 in 1 hour",
		"02-03 18:00 200000001 meeting 2 in 24 hours", "02-03 18:00 300000001 meeting 2 in 24 hours",
	}
	if got := sorted(s.log()); !slices.Equal(got, want) {
		t.Errorf("sent:%s", diffLists(got, want))
	}
}
