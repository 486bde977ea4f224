package flows_test

import (
	"context"
	"github.com/mentorbot/mentorbot/flows/records"
	"strings"
	"testing"
	"time"

	"github.com/mentorbot/mentorbot/flows"
)

// matchedPair stores a mentorship of pairMentee and pairMentor without
// an agreement, as publishing results leaves it.
func (h *harness) matchedPair() {
	h.tb.Helper()
	h.command(pairMentee, "start", "")
	h.command(pairMentor, "start", "")
	m := records.Mentorship{ID: pairMentorship, MenteeID: pairMentee.ID, MentorID: pairMentor.ID,
		ProjectID: "madrid-ai", CreatedAt: h.clock.Now()}
	if err := h.rec.SaveMentorship(context.Background(), m); err != nil {
		h.tb.Fatal(err)
	}
}

func (h *harness) loadPair() records.Mentorship {
	h.tb.Helper()
	m, err := h.rec.Mentorship(context.Background(), pairMentorship)
	if err != nil {
		h.tb.Fatal(err)
	}
	return m
}

// fileTo returns the attachment to chat in r whose name ends in suffix.
func fileTo(tb testing.TB, r flows.Reply, chat int64, suffix string) *flows.Attachment {
	tb.Helper()
	for _, m := range r.Messages {
		if m.ChatID == chat && m.File != nil && strings.HasSuffix(m.File.FileName, suffix) {
			return m.File
		}
	}
	tb.Fatalf("no file to %d in reply:%s", chat, dump(r))
	return nil
}

// pressSentTo has u press the button with action of the message r sent
// to chat, as if the message had reached them.
func (h *harness) pressSentTo(u flows.User, r flows.Reply, chat int64, action string) flows.Reply {
	h.tb.Helper()
	b, ok := buttonFor(r, chat, action, "*")
	if !ok {
		h.tb.Fatalf("no button %s to %d in reply %s", action, chat, dump(r))
	}
	return h.pressData(u, b.Data)
}

// The harness clock starts on Monday 2027-02-01 10:00 in Rome.
func TestAgreementProposeAndConfirm(t *testing.T) {
	h := newHarness(t)
	h.matchedPair()

	r := h.command(pairMentee, "agreement", "")
	wantSaid(t, r, studentA, "agreement.ask_topics")
	r = h.text(pairMentee, "CV, job interviews in Spain")
	wantSaid(t, r, studentA, "agreement.ask_meetings")
	wantText(t, r, studentA, "dates of the 6 online meetings")

	// Bad input: each message is refused whole, nothing is kept.
	bad := []struct{ name, text, id, want string }{
		{"format", "next friday", "meetings.date.format", ""},
		{"invalid day", "30/02 18:00", "meetings.date.invalid", ""},
		{"past", "01/02/2027 09:00", "meetings.date.past", ""},
		{"yesterday, without a year", "31/01 18:00", "meetings.date.which_year", "2028-01-31 18:00"},
		{"after the programme", "2028-04-03 18:00", "meetings.date.after_end", "2028-03-31"},
		{"too long", "10/02 18:00-20:30", "meetings.date.too_long", "2h"},
		{"end before start", "10/02 18:00-17:00", "meetings.date.range", ""},
		{"overlap within message", "10/02 18:00-19:00\n10/02 18:30", "meetings.date.overlap", "Line 2 (\"10/02 18:30\"): It overlaps meeting 1"},
		{"too many", "10/02 18:00\n11/02 18:00\n12/02 18:00\n13/02 18:00\n14/02 18:00\n15/02 18:00\n16/02 18:00",
			"agreement.too_many", "has 6 meetings and 6 still to give, but you sent 7"},
	}
	for _, tc := range bad {
		r = h.text(pairMentee, tc.text)
		wantSaid(t, r, studentA, tc.id)
		if tc.want != "" {
			wantText(t, r, studentA, tc.want)
		}
	}

	r = h.text(pairMentee, "tomorrow 18:00-19:30\n2027-02-09 18:00\n")
	wantSaid(t, r, studentA, "agreement.got")
	wantText(t, r, studentA, "2 of 6 meetings")
	r = h.text(pairMentee, "2/2 19:00")
	wantSaid(t, r, studentA, "meetings.date.overlap")
	wantText(t, r, studentA, "overlaps meeting 1")
	r = h.text(pairMentee, "16/02 18:00\n23/02 18:00\n2/3 18:00\n9/3 18:00\n16/3 18:00")
	wantText(t, r, studentA, "has 6 meetings and 4 still to give, but you sent 5")
	r = h.text(pairMentee, "23/02 18:00\n16/02 18:00\n2/3 18:00\n9/3 18:00-19:00")
	wantSaid(t, r, studentA, "agreement.review")
	wantText(t, r, studentA, "1. 2027-02-02 18:00-19:30")
	wantText(t, r, studentA, "3. 2027-02-16 18:00-20:00") // sorted by date
	wantText(t, r, studentA, "6. 2027-03-09 18:00-19:00")
	if m := h.loadPair(); len(m.Meetings) != 0 || !m.AgreedAt.IsZero() {
		t.Fatalf("mentorship changed before the mentor confirmed: %+v", m)
	}

	r = h.pressAction(pairMentee, r, "send", "")
	wantSaid(t, r, studentA, "agreement.sent")
	wantSaid(t, r, mentorID, "agreement.proposed")
	wantText(t, r, mentorID, "Anna proposes")
	wantText(t, r, mentorID, "Topics: CV, job interviews in Spain")
	proposal := r

	// The mentee cannot confirm their own proposal.
	r = h.pressSentTo(pairMentee, proposal, mentorID, "ok")
	if len(r.Messages) != 0 {
		t.Fatalf("mentee pressing Confirm got:%s; want a refusal notice", dump(r))
	}
	wantNotice(t, r, "error.not_allowed")
	r = h.pressAction(pairMentor, proposal, "ok", "*")
	wantSaid(t, r, mentorID, "agreement.confirmed")
	wantSaid(t, r, studentA, "agreement.confirmed")
	cal := string(fileTo(t, r, studentA, ".ics").Content)
	if n := strings.Count(cal, "BEGIN:VEVENT"); n != 6 {
		t.Errorf("calendar has %d events; want 6:\n%s", n, cal)
	}
	for _, want := range []string{"DTSTART:20270202T170000Z", "DTEND:20270202T183000Z", "UID:MIE-2027-0042-1@mentorbot",
		"SUMMARY:Mentoring meeting 1 of 6: Machine learning for public health"} {
		if !strings.Contains(cal, want) {
			t.Errorf("calendar lacks %q:\n%s", want, cal)
		}
	}
	text := pdfText(t, fileTo(t, r, mentorID, ".pdf").Content)
	for _, want := range []string{"Mentor-Mentee Agreement", "MenteeAnna", "MentorMarco", "ReferenceMIE-2027-0042", "Mentee: Anna Signature:",
		"CV, job interviews in Spain", "1. 2027-02-02 18:00-19:30", "6. 2027-03-09 18:00-19:00", "Signature:"} {
		if !strings.Contains(text, strings.Join(strings.Fields(want), "")) {
			t.Errorf("agreement PDF lacks %q; got %q", want, text)
		}
	}
	m := h.loadPair()
	if m.AgreedAt.IsZero() || len(m.Meetings) != 6 || m.Topics != "CV, job interviews in Spain" {
		t.Fatalf("mentorship after confirming = %+v", m)
	}
	if m.Meetings[0].Duration != 90*time.Minute || m.Meetings[2].Duration != 2*time.Hour {
		t.Errorf("durations = %v, %v; want 1h30 typed and 2h by default", m.Meetings[0].Duration, m.Meetings[2].Duration)
	}
	if q, err := h.engine.QueuedReminders(context.Background(), time.Date(2028, 1, 1, 0, 0, 0, 0, time.UTC)); err != nil || len(q) == 0 {
		t.Errorf("reminders queued after confirming = %d, %v; want some", len(q), err)
	}

	// A second press changes nothing.
	r = h.pressAction(pairMentor, proposal, "ok", "*")
	if len(saidTo(r, studentA)) != 0 {
		t.Errorf("second Confirm notified the mentee again:%s", dump(r))
	}
	r = h.command(pairMentee, "agreement", "")
	wantSaid(t, r, studentA, "agreement.already")
	fileTo(t, r, studentA, ".pdf")
}

func TestAgreementItalianAndDecline(t *testing.T) {
	h := newHarness(t)
	mentee := pairMentee
	mentee.LanguageCode = "it"
	h.command(mentee, "start", "") // first contact in Italian: the profile stays Italian
	h.matchedPair()
	r := h.command(mentee, "agreement", "")
	wantSaid(t, r, studentA, "agreement.ask_topics")
	wantText(t, r, studentA, "su quali argomenti")
	h.text(mentee, "Colloqui")
	r = h.text(mentee, "ieri 18:00")
	wantSaid(t, r, studentA, "meetings.date.format")
	wantText(t, r, studentA, "Non riesco a leggere la data")
	r = h.text(mentee, "domani 18:00\ndopodomani alle 18\n4/2 18\n5/2 18\n6/2 18\n7/2 18")
	wantText(t, r, studentA, "1. 02/02/2027 18:00-20:00")
	wantText(t, r, studentA, "2. 03/02/2027 18:00-20:00")
	r = h.pressAction(mentee, r, "send", "")
	r = h.pressAction(pairMentor, r, "no", "*")
	wantSaid(t, r, mentorID, "agreement.declined_you")
	wantSaid(t, r, studentA, "agreement.declined")
	wantText(t, r, studentA, "La tua proposta è stata rifiutata")
	if m := h.loadPair(); !m.AgreedAt.IsZero() {
		t.Errorf("declined agreement was saved: %+v", m)
	}
}

func TestAgreementNotMatched(t *testing.T) {
	h := newHarness(t)
	r := h.command(user(studentB, "en"), "agreement", "")
	wantSaid(t, r, studentB, "agreement.none")
	h.matchedPair()
	r = h.command(pairMentor, "agreement", "")
	wantSaid(t, r, mentorID, "agreement.mentor_waits")
	r = h.command(pairMentor, "meetings", "")
	wantSaid(t, r, mentorID, "meetings.not_agreed.mentor")
}

// TestAgreementStaleDates: a proposal whose first meeting has passed
// by the time the mentor answers cannot be confirmed.
func TestAgreementStaleDates(t *testing.T) {
	h := newHarness(t)
	h.matchedPair()
	h.command(pairMentee, "agreement", "")
	h.text(pairMentee, "Topics")
	r := h.text(pairMentee, "today 18:00\n2/2 18\n3/2 18\n4/2 18\n5/2 18\n6/2 18")
	r = h.pressAction(pairMentee, r, "send", "")
	h.clock.Set(time.Date(2027, 2, 1, 19, 0, 0, 0, h.program.Location()))
	r = h.pressAction(pairMentor, r, "ok", "*")
	wantSaid(t, r, mentorID, "meetings.date.past")
	wantText(t, r, mentorID, "can no longer be confirmed: That time is in the past")
	wantSaid(t, r, studentA, "agreement.expired")
	if m := h.loadPair(); !m.AgreedAt.IsZero() {
		t.Errorf("stale agreement was saved: %+v", m)
	}
}

func TestMeetingsScheduleAndReschedule(t *testing.T) {
	h := newHarness(t)
	h.agreedPair() // meetings 3-8 February at 18:00 for an hour
	ctx := context.Background()
	if err := h.rec.SaveDiaryEntry(ctx, records.DiaryEntry{MentorshipID: pairMentorship, N: 1}); err != nil {
		t.Fatal(err)
	}
	h.clock.Set(time.Date(2027, 2, 5, 18, 30, 0, 0, h.program.Location()))

	r := h.command(pairMentor, "meetings", "")
	wantText(t, r, mentorID, "Machine learning for public health, with Anna")
	wantText(t, r, mentorID, "✅ 1. 2027-02-03 18:00-19:00 CET, diary written")
	wantText(t, r, mentorID, "⚠️ 2. 2027-02-04 18:00-19:00 CET, diary missing")
	wantText(t, r, mentorID, "▶️ 3. 2027-02-05 18:00-19:00 CET, in progress")
	wantText(t, r, mentorID, "🗓 4. 2027-02-06 18:00-19:00")
	wantText(t, r, mentorID, "2 of 6 meetings held")
	if _, ok := buttonFor(r, mentorID, "resched", pairMentorship+".3"); ok {
		t.Errorf("a meeting in progress can be moved:%s", dump(r))
	}
	list := r
	r = h.pressAction(pairMentor, list, "ics", pairMentorship)
	if f := fileTo(t, r, mentorID, ".ics"); !strings.HasSuffix(f.FileName, ".ics") || strings.Count(string(f.Content), "BEGIN:VEVENT") != 6 {
		t.Errorf("calendar file %s:\n%s", f.FileName, f.Content)
	}

	r = h.pressAction(pairMentor, list, "resched", pairMentorship+".4")
	wantSaid(t, r, mentorID, "meetings.resched.ask")
	wantText(t, r, mentorID, "Meeting 4 is on 2027-02-06 18:00-19:00")
	for _, tc := range []struct{ text, id, want string }{
		{"7/2 18:30", "meetings.date.overlap", "It overlaps meeting 5"},
		{"5/2 10:00", "meetings.date.past", ""},
		{"9/2 10:00-13:00", "meetings.date.too_long", "2h"},
		{"whenever", "meetings.date.format", ""},
	} {
		r = h.text(pairMentor, tc.text)
		wantSaid(t, r, mentorID, tc.id)
		if tc.want != "" {
			wantText(t, r, mentorID, tc.want)
		}
	}
	proposal := h.text(pairMentor, "10/2 9:00")
	wantSaid(t, proposal, mentorID, "meetings.resched.sent")
	wantText(t, proposal, mentorID, "meeting 4 on 2027-02-10 09:00-10:00")
	wantSaid(t, proposal, studentA, "meetings.resched.proposed")
	wantText(t, proposal, studentA, "Marco proposes to move meeting 4 to 2027-02-10 09:00-10:00")
	oldStart := time.Date(2027, 2, 6, 18, 0, 0, 0, h.program.Location())
	if m := h.loadPair(); !m.Meetings[3].Start.Equal(oldStart) {
		t.Fatalf("meeting 4 moved before the mentee confirmed: %v", m.Meetings[3].Start)
	}
	// Only the mentee can answer.
	if r = h.pressSentTo(pairMentor, proposal, studentA, "ok"); len(r.Messages) != 0 {
		t.Fatalf("the proposer could confirm their own reschedule:%s", dump(r))
	}
	wantNotice(t, r, "error.not_allowed")
	r = h.pressAction(pairMentee, proposal, "ok", "*")
	for _, chat := range []int64{studentA, mentorID} {
		wantSaid(t, r, chat, "meetings.resched.confirmed")
		wantText(t, r, chat, "Meeting 4 is now on 2027-02-10 09:00-10:00")
	}
	if cal := string(fileTo(t, r, mentorID, ".ics").Content); strings.Count(cal, "BEGIN:VEVENT") != 1 || !strings.Contains(cal, "DTSTART:20270210T080000Z") {
		t.Errorf("calendar file of the moved meeting:\n%s", cal)
	}
	m := h.loadPair()
	if want := time.Date(2027, 2, 10, 9, 0, 0, 0, h.program.Location()); !m.Meetings[3].Start.Equal(want) || m.Meetings[3].Duration != time.Hour {
		t.Errorf("meeting 4 = %v for %v; want %v for 1h", m.Meetings[3].Start, m.Meetings[3].Duration, want)
	}

	// Its reminders follow: none for the old time, both for the new.
	s := newFakeSender(h)
	h.clock.Set(time.Date(2027, 2, 5, 19, 0, 0, 0, h.program.Location()))
	runClock(t, h, time.Date(2027, 2, 10, 9, 0, 0, 0, h.program.Location()), s)
	for _, line := range s.log() {
		if strings.Contains(line, "meeting 4") && !strings.HasPrefix(line, "02-09 09:00") && !strings.HasPrefix(line, "02-10 08:00") {
			t.Errorf("reminder of meeting 4 at the wrong time: %s", line)
		}
	}
	for _, want := range []string{"02-09 09:00 300000001 meeting 4 in 24 hours", "02-10 08:00 200000001 meeting 4 in 1 hour"} {
		if !strings.Contains(strings.Join(s.log(), "\n"), want) {
			t.Errorf("reminders %q lack %q", s.log(), want)
		}
	}
}

// TestAgreementPersonalData: /mydata shows the agreement and a pending
// reschedule; /deletemydata drops the mentee's topics, the proposal and
// the reminders addressed to them, while the mentor's stay.
func TestAgreementPersonalData(t *testing.T) {
	h := newHarness(t)
	h.agreedPair()
	list := h.command(pairMentor, "meetings", "")
	h.pressAction(pairMentor, list, "resched", pairMentorship+".6")
	h.text(pairMentor, "20/2 10:00")

	r := h.command(pairMentee, "mydata", "")
	data := string(fileTo(t, r, studentA, ".json").Content)
	for _, want := range []string{`"topics": "CV, interviews"`, `"role": "mentee"`, `"pending_proposal"`} {
		if !strings.Contains(data, want) {
			t.Errorf("mydata.json lacks %s:\n%s", want, data)
		}
	}

	r = h.command(pairMentee, "deletemydata", "")
	h.press(pairMentee, r, "Yes")
	if m := h.loadPair(); m.Topics != "" || len(m.Meetings) != 6 {
		t.Errorf("mentorship after erasing the mentee = topics %q, %d meetings; want no topics, 6 meetings", m.Topics, len(m.Meetings))
	}
	queued, err := h.engine.QueuedReminders(context.Background(), time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range queued {
		if strings.Contains(id, "mentee") || strings.HasPrefix(id, "diary|") {
			t.Errorf("reminder to the erased mentee still queued: %s", id)
		}
	}
	if len(queued) != 6*2+1 {
		t.Errorf("%d reminders queued; want the mentor's 13: %q", len(queued), queued)
	}
	r = h.command(pairMentor, "mydata", "")
	if data := string(fileTo(t, r, mentorID, ".json").Content); strings.Contains(data, "pending_proposal") {
		t.Errorf("the erased proposal still shows for the mentor:\n%s", data)
	}
}

// TestProposalToSomeoneUnreachable: when Telegram cannot deliver the
// agreement proposal (the mentor never opened the bot), the mentee is
// told at once with the bot's link, and the mentor sees the proposal,
// with its buttons, when they first /start; confirming it works.
func TestProposalToSomeoneUnreachable(t *testing.T) {
	h := newHarness(t)
	h.command(pairMentee, "start", "")
	m := records.Mentorship{ID: pairMentorship, MenteeID: pairMentee.ID, MentorID: pairMentor.ID,
		ProjectID: "madrid-ai", CreatedAt: h.clock.Now()}
	if err := h.rec.SaveMentorship(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	h.command(pairMentee, "agreement", "")
	h.text(pairMentee, "CV")
	r := h.text(pairMentee, "10/02 18:00\n11/02 18:00\n12/02 18:00\n13/02 18:00\n14/02 18:00\n15/02 18:00")
	r = h.pressAction(pairMentee, r, "send", "")
	proposals := only(r, mentorID)
	if len(proposals) != 1 || proposals[0].Ref == "" {
		t.Fatalf("proposal to the mentor:%s; want one, with a Ref", dump(r))
	}

	more, err := h.engine.Undeliverable(context.Background(), flows.Undelivered{Message: proposals[0], Reason: flows.ReasonBlocked})
	if err != nil {
		t.Fatal(err)
	}
	if len(more) != 1 || more[0].ChatID != studentA || more[0].TextID != "agreement.unreachable" ||
		!strings.Contains(more[0].Text, "https://t.me/mentor_test_bot") {
		t.Fatalf("Undeliverable(proposal) = %+v; want the mentee told, with the bot's link", more)
	}

	r = h.command(pairMentor, "start", "")
	wantSaid(t, r, mentorID, "agreement.proposed")
	r = h.pressAction(pairMentor, r, "ok", "*")
	wantSaid(t, r, studentA, "agreement.confirmed")
}
