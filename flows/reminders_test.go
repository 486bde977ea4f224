package flows_test

import (
	"context"
	"errors"
	"fmt"
	"github.com/mentorbot/mentorbot/flows/records"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mentorbot/mentorbot/flows"
	"github.com/mentorbot/mentorbot/flows/redisstore/redistest"
)

var (
	pairMentee = flows.User{ID: studentA, FirstName: "Anna", LanguageCode: "en"}
	pairMentor = flows.User{ID: mentorID, FirstName: "Marco", LanguageCode: "en"}
)

const pairMentorship = "MIE-2027-0042"

// errForbidden stands for Telegram's 403 in the fake sender.
var errForbidden = errors.New("forbidden: bot was blocked by the user")

// fakeSender records what reminders send, at the harness clock's time.
// Like the bot's outbox, on a blocked recipient it tells the engine
// before failing.
type fakeSender struct {
	engine *flows.Engine
	clock  *clock

	mu       sync.Mutex
	sent     []string
	attempts map[int64]int
	blocked  map[int64]bool
	failures map[int64]int // transient failures still to give
}

func newFakeSender(h *harness) *fakeSender {
	return &fakeSender{engine: h.engine, clock: h.clock, attempts: map[int64]int{},
		blocked: map[int64]bool{}, failures: map[int64]int{}}
}

var _ flows.Sender = (*fakeSender)(nil)

func (s *fakeSender) Send(ctx context.Context, m flows.Message) (int, error) {
	s.mu.Lock()
	s.attempts[m.ChatID]++
	blocked := s.blocked[m.ChatID]
	fail := s.failures[m.ChatID] > 0
	if fail {
		s.failures[m.ChatID]--
	}
	s.mu.Unlock()
	switch {
	case blocked:
		if _, err := s.engine.Undeliverable(ctx, flows.Undelivered{Message: m, Reason: flows.ReasonBlocked}); err != nil {
			return 0, err
		}
		return 0, errForbidden
	case fail:
		return 0, errors.New("telegram: 502 bad gateway")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sent = append(s.sent, fmt.Sprintf("%s %d %s", s.clock.Now().Format("01-02 15:04"), m.ChatID, reminderKind(m.Text)))
	return len(s.sent), nil
}

func (s *fakeSender) log() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.sent)
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
// step has every engine scan for due reminders, concurrently.
func runClock(tb testing.TB, h *harness, until time.Time, s flows.Sender, engines ...*flows.Engine) {
	tb.Helper()
	if len(engines) == 0 {
		engines = []*flows.Engine{h.engine}
	}
	ctx := context.Background()
	for ; !h.clock.Now().After(until); h.clock.Add(time.Hour) {
		now := h.clock.Now()
		var wg sync.WaitGroup
		errs := make([]error, len(engines))
		for i, e := range engines {
			wg.Go(func() { _, errs[i] = e.SendDueReminders(ctx, now, s) })
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			tb.Fatalf("SendDueReminders at %v: %v", now, err)
		}
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

// TestRemindersRestartBetweenClaimAndSend: a scanner that claimed the
// due reminders and died before sending holds them up only until its
// leases expire; then another sends each once.
func TestRemindersRestartBetweenClaimAndSend(t *testing.T) {
	h := newHarness(t)
	h.agreedPair()
	s := newFakeSender(h)
	ctx := context.Background()
	due := time.Date(2027, 2, 2, 18, 0, 0, 0, h.program.Location()) // meeting 1 in 24 hours
	h.clock.Set(due)

	claimed, err := h.engine.ClaimDueReminders(ctx, due)
	if err != nil || len(claimed) != 2 {
		t.Fatalf("ClaimDueReminders = %v, %v; want the 2 reminders of meeting 1", claimed, err)
	}
	if n, err := h.engine.SendDueReminders(ctx, due, s); n != 0 || err != nil {
		t.Fatalf("SendDueReminders while leased = %d, %v; want 0, nil", n, err)
	}
	if err := h.engine.ExpireReminderLeases(ctx, claimed); err != nil {
		t.Fatal(err)
	}
	later := due.Add(15 * time.Minute)
	h.clock.Set(later)
	if n, err := h.engine.SendDueReminders(ctx, later, s); n != 2 || err != nil {
		t.Fatalf("SendDueReminders after the leases expired = %d, %v; want 2, nil", n, err)
	}
	if n, err := h.engine.SendDueReminders(ctx, later, s); n != 0 || err != nil {
		t.Fatalf("SendDueReminders again = %d, %v; want 0, nil", n, err)
	}
	// Even with the lease gone, a sent reminder is not sent again.
	if err := h.engine.ExpireReminderLeases(ctx, claimed); err != nil {
		t.Fatal(err)
	}
	if n, err := h.engine.SendDueReminders(ctx, later, s); n != 0 || err != nil {
		t.Fatalf("SendDueReminders after sending and expiry = %d, %v; want 0, nil", n, err)
	}
	want := []string{"02-02 18:15 200000001 meeting 1 in 24 hours", "02-02 18:15 300000001 meeting 1 in 24 hours"}
	if got := sorted(s.log()); !slices.Equal(got, want) {
		t.Errorf("sent %q; want %q", got, want)
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

// TestRemindersTransientFailure: a send that fails for a passing reason
// is retried at the next scan and still delivered once.
func TestRemindersTransientFailure(t *testing.T) {
	h := newHarness(t)
	h.agreedPair()
	s := newFakeSender(h)
	s.failures[studentA] = 1
	ctx := context.Background()
	due := time.Date(2027, 2, 2, 18, 0, 0, 0, h.program.Location())
	h.clock.Set(due)
	n, err := h.engine.SendDueReminders(ctx, due, s)
	if n != 1 || err == nil {
		t.Fatalf("SendDueReminders with a failing send = %d, %v; want 1 and an error", n, err)
	}
	h.clock.Add(time.Minute)
	if n, err := h.engine.SendDueReminders(ctx, h.clock.Now(), s); n != 1 || err != nil {
		t.Fatalf("SendDueReminders retry = %d, %v; want 1, nil", n, err)
	}
	if n, err := h.engine.SendDueReminders(ctx, h.clock.Now(), s); n != 0 || err != nil {
		t.Fatalf("SendDueReminders after retry = %d, %v; want 0, nil", n, err)
	}
	want := []string{"02-02 18:00 200000001 meeting 1 in 24 hours", "02-02 18:01 300000001 meeting 1 in 24 hours"}
	if got := sorted(s.log()); !slices.Equal(got, want) {
		t.Errorf("sent %q; want %q", got, want)
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
