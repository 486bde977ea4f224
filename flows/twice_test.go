package flows_test

import (
	"context"
	"sync"
	"testing"

	"github.com/mentorbot/mentorbot/flows"
	"github.com/mentorbot/mentorbot/flows/records"
	"github.com/mentorbot/mentorbot/flows/redisstore/redistest"
)

// conflictingStore makes the next commit of a chat's session lose a
// race: just before it, another save of that session lands, so the
// commit fails and the engine runs the whole turn again, as it does
// when two replicas handle one chat at once.
type conflictingStore struct {
	records.Store
	mu    sync.Mutex
	armed map[int64]bool
	lost  int
}

func (c *conflictingStore) arm(chatID int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.armed == nil {
		c.armed = make(map[int64]bool)
	}
	c.armed[chatID] = true
}

func (c *conflictingStore) Commit(ctx context.Context, cm *records.Commit) error {
	c.mu.Lock()
	race := cm.Session != nil && c.armed[cm.Session.ChatID]
	if race {
		delete(c.armed, cm.Session.ChatID)
		c.lost++
	}
	c.mu.Unlock()
	if race {
		db := records.New(c.Store, nil)
		other, err := db.Session(ctx, cm.Session.ChatID)
		if err != nil {
			return err
		}
		if err := db.SaveSession(ctx, &other); err != nil {
			return err
		}
	}
	return c.Store.Commit(ctx, cm)
}

func newConflictingHarness(tb testing.TB) (*harness, *conflictingStore) {
	cs := &conflictingStore{Store: redistest.Store(tb)}
	return newHarnessWith(tb, cs, loadProgram(tb)), cs
}

// count returns how many messages of r to chat were made from id.
func count(r flows.Reply, chat int64, id string) int {
	n := 0
	for _, got := range saidTo(r, chat) {
		if got == id {
			n++
		}
	}
	return n
}

// TestPublishRunTwiceAnnouncesOnce: a /publish whose turn lost a race
// and ran again tells the applicant and the mentor once, creates the
// mentorship and marks the result published. Before turns committed
// their writes with the session, the first run's publication claim
// stayed taken and the second run told nobody.
func TestPublishRunTwiceAnnouncesOnce(t *testing.T) {
	h, cs := newConflictingHarness(t)
	h.command(mentor, "start", "")
	ref := h.submit(ada)
	interviewAcceptMatch(t, h, h.open(ref), ref)
	r := h.command(staff, "publish", "")

	cs.arm(staffID)
	r = h.pressAction(staff, r, "publish", "")
	if cs.lost != 1 {
		t.Fatalf("the publish turn lost %d races; want 1", cs.lost)
	}
	if n := count(r, studentA, "review.result.matched"); n != 1 {
		t.Errorf("applicant told %d times; want once:%s", n, dump(r))
	}
	if n := count(r, mentorID, "review.intro.mentor"); n != 1 {
		t.Errorf("mentor introduced %d times; want once:%s", n, dump(r))
	}
	wantSaid(t, r, staffID, "review.publish.done")
	wantText(t, r, staffID, "1 match, 0 rejections")
	if a, err := h.rec.Application(context.Background(), ref); err != nil || !a.Published {
		t.Errorf("application after publish = %+v, %v; want published", a, err)
	}
	if _, err := h.rec.Mentorship(context.Background(), ref); err != nil {
		t.Errorf("Mentorship(%s) = %v; want it created", ref, err)
	}
	if r := h.command(staff, "publish", ""); count(r, staffID, "review.publish.nothing") != 1 {
		t.Errorf("second /publish:%s; want nothing left to publish", dump(r))
	}
}

// TestAgreementConfirmRunTwiceAgreesOnce: the mentor's confirmation,
// run again after losing a race, confirms the agreement, tells both
// once and queues the reminders. Before, the first run's decision
// claim made the second run answer "decided already" and the
// confirmation was lost.
func TestAgreementConfirmRunTwiceAgreesOnce(t *testing.T) {
	h, cs := newConflictingHarness(t)
	h.matchedPair()
	h.command(pairMentee, "agreement", "")
	h.text(pairMentee, "CV, job interviews in Spain")
	r := h.text(pairMentee, "tomorrow 18:00\n09/02 18:00\n16/02 18:00\n23/02 18:00\n02/03 18:00\n09/03 18:00")
	proposal := h.pressAction(pairMentee, r, "send", "")

	cs.arm(mentorID)
	r = h.pressAction(pairMentor, proposal, "ok", "*")
	if cs.lost != 1 {
		t.Fatalf("the confirmation lost %d races; want 1", cs.lost)
	}
	if n := count(r, mentorID, "agreement.confirmed"); n != 1 {
		t.Errorf("mentor told %d times; want once:%s", n, dump(r))
	}
	if n := count(r, studentA, "agreement.confirmed"); n != 1 {
		t.Errorf("mentee told %d times; want once:%s", n, dump(r))
	}
	if m := h.loadPair(); m.AgreedAt.IsZero() || len(m.Meetings) != 6 {
		t.Errorf("mentorship after confirming = %+v; want agreed with 6 meetings", m)
	}
	queued, err := h.engine.QueuedReminders(context.Background(), h.clock.Now().AddDate(1, 0, 0))
	if err != nil || len(queued) == 0 {
		t.Errorf("QueuedReminders = %v, %v; want the meetings' reminders", queued, err)
	}
}

// interleaving runs between once, just before the next commit: another
// replica's whole turn landing while this one's is in flight.
type interleaving struct {
	records.Store
	between func()
}

func (s *interleaving) Commit(ctx context.Context, c *records.Commit) error {
	if f := s.between; f != nil {
		s.between = nil
		f()
	}
	return s.Store.Commit(ctx, c)
}

// TestTwoEnginesUploadingAtOnceKeepBoth: two documents of one chat
// handled at the same moment by two engines on one Redis (two
// replicas) both end up in the application, each once. Before, the
// loser of the session race had already saved the draft with only its
// own document, and on its second run added it again.
func TestTwoEnginesUploadingAtOnceKeepBoth(t *testing.T) {
	store := redistest.Store(t)
	slow := &interleaving{Store: store}
	one := newHarnessWith(t, slow, loadProgram(t))
	two := newHarnessWith(t, store, loadProgram(t))
	two.update = 1000 // the replicas get different updates
	one.answer(ada, flows.DegreeBachelor, 2, madrid, "B1")
	upload := func(h *harness, name string) {
		h.handle(flows.Event{Kind: flows.KindDocument, From: ada,
			File: &flows.File{FileID: "file-" + name, FileName: name, MIMEType: "application/pdf", Size: 1000}})
	}
	slow.between = func() { upload(two, "second.pdf") }
	upload(one, "first.pdf")

	a := one.application(studentA)
	got := map[string]int{}
	for _, d := range a.Documents {
		got[d.FileID]++
	}
	if len(a.Documents) != 2 || got["file-first.pdf"] != 1 || got["file-second.pdf"] != 1 {
		t.Errorf("documents after two simultaneous uploads = %+v; want each once", a.Documents)
	}
}
