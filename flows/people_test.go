package flows_test

import (
	"context"
	"encoding/json"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/mentorbot/mentorbot/flows"
	"github.com/mentorbot/mentorbot/flows/records"
	"github.com/mentorbot/mentorbot/flows/redisstore/redistest"
)

// peopleFilters are the filters of /people, as its buttons name them.
var peopleFilters = []string{"all", "staff", "mentors", "committees", "unreachable", "invites"}

// peopleList opens the first page of a filter of /people from the page
// the command shows.
func (h *harness) peopleList(u flows.User, section string) flows.Reply {
	h.tb.Helper()
	return h.pressAction(u, h.command(u, "people", ""), "page", section+".0")
}

func TestPeopleShowsRolesAndReachability(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	staff := user(staffID, "en")

	// /people opens on everyone who holds a role: the programme's staff
	// member and its four mentors, in one message with every filter.
	r := h.command(staff, "people", "")
	if got := saidTo(r, staffID); len(got) != 1 || got[0] != "people.page" {
		t.Fatalf("/people said %q; want one people.page:%s", got, dump(r))
	}
	h.wantPeoplePage(t, r, "all", 5, 1)
	for _, filter := range peopleFilters {
		if _, ok := buttonFor(r, staffID, "page", filter+".0"); !ok {
			t.Errorf("/people offers no %s filter:%s", filter, dump(r))
		}
	}
	wantText(t, h.peopleList(staff, "staff"), staffID, "• staff: Useren (@uen): reachable")
	r = h.peopleList(staff, "mentors")
	wantText(t, r, staffID, "Machine learning for public health (madrid-ai): user 200000001: never started the bot")
	if _, ok := buttonFor(r, staffID, "mentor", "madrid-ai"); !ok {
		t.Errorf("the mentors list offers no new link for the unreachable mentor of madrid-ai:%s", dump(r))
	}
	wantText(t, h.peopleList(staff, "committees"), staffID, h.rendered("en", "people.empty.committees", nil))

	// Two mentors start the bot; one of them blocks it afterwards, as a
	// 403 from Telegram tells the engine.
	h.command(flows.User{ID: mentorID, FirstName: "Marta"}, "start", "")
	h.command(flows.User{ID: 200000002, FirstName: "Louis", Username: "louis"}, "start", "")
	more, err := h.engine.Undeliverable(ctx, flows.Undelivered{Message: flows.Message{ChatID: 200000002, Text: "hello"}, Reason: flows.ReasonBlocked})
	if err != nil || len(more) != 0 {
		t.Fatalf("Undeliverable = %v, %v; want nothing more to send", more, err)
	}
	// A committee member joins through an invite.
	h.command(flows.User{ID: newcomer, FirstName: "Carla", LanguageCode: "it"}, "start",
		invitePayload(t, h.command(staff, "invite", "committee palermo")))
	invitePayload(t, h.command(staff, "invite", "staff")) // stays open

	r = h.peopleList(staff, "mentors")
	wantText(t, r, staffID, "(madrid-ai): Marta: reachable")
	wantText(t, r, staffID, "(lyon-law): Louis (@louis): blocked the bot")
	if _, ok := buttonFor(r, staffID, "mentor", "madrid-ai"); ok {
		t.Errorf("the mentors list offers a new link for a reachable mentor:%s", dump(r))
	}
	wantText(t, h.peopleList(staff, "committees"), staffID, "University of Palermo: Carla: reachable")
	r = h.peopleList(staff, "unreachable")
	wantText(t, r, staffID, "Unreachable: 3 · page 1 of 1\n• European migration law (lyon-law): Louis (@louis): blocked the bot\n• ")
	r = h.peopleList(staff, "invites")
	wantText(t, r, staffID, "• #2 programme staff, valid until 2027-02-08 10:00")
	if _, ok := buttonFor(r, staffID, "resend", "2"); !ok {
		t.Errorf("the invites list offers no new link for open invite #2:%s", dump(r))
	}

	// The button gives a fresh link for the blocked mentor's project.
	r = h.pressAction(staff, h.peopleList(staff, "mentors"), "mentor", "lyon-law")
	wantText(t, r, staffID, "Invitation #3 for mentor of the project “European migration law” (lyon-law)")
	invitePayload(t, r)

	// In Italian.
	h.pressAction(staff, h.command(staff, "language", ""), "set", "it")
	wantText(t, h.peopleList(staff, "unreachable"), staffID, "Non raggiungibili: 3 · pagina 1 di 1")
	wantText(t, h.peopleList(staff, "invites"), staffID, "Inviti: 2 · pagina 1 di 1")
}

func TestPeopleEveryoneReachable(t *testing.T) {
	h := newHarness(t)
	staff := user(staffID, "en")
	for _, id := range []int64{200000001, 200000002, 200000003, 200000004} {
		h.command(flows.User{ID: id, FirstName: "M"}, "start", "")
	}
	r := h.peopleList(staff, "unreachable")
	wantText(t, r, staffID, h.rendered("en", "people.empty.unreachable", nil))
	if _, ok := buttonFor(r, staffID, "mentor", "*"); ok {
		t.Errorf("the unreachable list with everyone reachable offers a new link:%s", dump(r))
	}
}

func TestPeopleButtonsAreForStaffOnly(t *testing.T) {
	h := newHarness(t)
	staff := user(staffID, "en")
	h.command(staff, "invite", "staff")
	for _, button := range []struct{ section, action, arg string }{{"invites", "resend", "1"}, {"mentors", "mentor", "madrid-ai"}, {"staff", "page", "mentors.0"}} {
		list := h.peopleList(staff, button.section)
		b, ok := buttonFor(list, staffID, button.action, button.arg)
		if !ok {
			t.Fatalf("no button %s/%s:%s", button.action, button.arg, dump(list))
		}
		r := h.pressData(user(studentA, "en"), b.Data)
		if len(r.Messages) != 0 || r.NoticeID != "error.not_allowed" {
			t.Errorf("student pressing %s/%s = %s; want a refusal and nothing else", button.action, button.arg, dump(r))
		}
	}
	// Forged arguments are refused too.
	for _, data := range []string{"1:people:resend::x", "1:people:mentor::atlantis", "1:people:boom::1", "1:people:page::nobody.0", "1:people:page::staff.x"} {
		if r := h.pressData(staff, data); len(r.Messages) != 0 || r.NoticeID != "error.bad_button" {
			t.Errorf("press(%q) = %s; want a bad-button notice", data, dump(r))
		}
	}
	// Nothing changed: still one open invite, #1.
	wantText(t, h.peopleList(staff, "invites"), staffID, "Invitations: 1 · page 1 of 1\n• #1 programme staff")
}

func TestPeopleListsAnUnreachablePersonOnce(t *testing.T) {
	h := newHarness(t)
	staff := user(staffID, "en")
	for _, id := range []int64{200000001, 200000002, 200000003, 200000004} {
		h.command(flows.User{ID: id, FirstName: "M"}, "start", "")
	}
	carla := flows.User{ID: newcomer, FirstName: "Carla", LanguageCode: "en"}
	h.command(carla, "start", invitePayload(t, h.command(staff, "invite", "staff")))
	h.command(carla, "start", invitePayload(t, h.command(staff, "invite", "committee palermo")))
	if err := h.rec.MarkBlocked(context.Background(), newcomer); err != nil {
		t.Fatal(err)
	}
	r := h.peopleList(staff, "unreachable")
	wantText(t, r, staffID, "Unreachable: 1 · page 1 of 1\n• staff; University of Palermo: Carla: blocked the bot")
}

func TestMyDataShowsAndErasesRoles(t *testing.T) {
	h := newHarness(t)
	staff := user(staffID, "en")
	carla := flows.User{ID: newcomer, FirstName: "Carla", LanguageCode: "en"}
	for _, args := range []string{"staff", "mentor berlin-eng", "committee palermo"} {
		h.command(carla, "start", invitePayload(t, h.command(staff, "invite", args)))
	}
	r := h.command(carla, "mydata", "")
	if len(r.Messages) != 1 || r.Messages[0].File == nil {
		t.Fatalf("/mydata = %s; want one JSON document", dump(r))
	}
	var doc struct {
		People struct {
			Staff       bool     `json:"staff"`
			MentorOf    []string `json:"mentor_of"`
			CommitteeOf string   `json:"committee_of"`
		} `json:"people"`
	}
	if err := json.Unmarshal(r.Messages[0].File.Content, &doc); err != nil {
		t.Fatalf("mydata.json: %v", err)
	}
	if p := doc.People; !p.Staff || strings.Join(p.MentorOf, ",") != "berlin-eng" || p.CommitteeOf != "palermo" {
		t.Errorf("exported roles = %+v; want staff, mentor of berlin-eng, committee of palermo", p)
	}

	h.pressAction(carla, h.command(carla, "deletemydata", ""), "delete", "")
	for _, role := range []records.Role{records.RoleStaff, records.RoleMentor, records.RoleCommittee} {
		if h.hasRole(newcomer, role) {
			t.Errorf("after /deletemydata HasRole(%s) = true", role)
		}
	}
	if got := h.mentorOf("berlin-eng"); got != 200000003 {
		t.Errorf("after /deletemydata MentorOf(berlin-eng) = %d; want the programme's 200000003", got)
	}
	if uni := h.committeeOf(newcomer); uni != "" {
		t.Errorf("after /deletemydata CommitteeOf = %q; want none", uni)
	}
	// The programme file's staff keep their role: it is configuration.
	h.pressAction(staff, h.command(staff, "deletemydata", ""), "delete", "")
	if !h.hasRole(staffID, records.RoleStaff) {
		t.Error("the programme file's staff lost the role")
	}
}

// wantPeoplePage fails unless r is page page of filter of /people
// counting total entries.
func (h *harness) wantPeoplePage(tb testing.TB, r flows.Reply, filter string, total, page int) {
	tb.Helper()
	h.wantRendered(tb, r, staffID, "en", "people.page", map[string]any{
		"Section": h.rendered("en", "people.section."+filter, nil), "Total": total,
		"Page": page, "Pages": max(1, (total+9)/10)})
}

// wantInTelegramLimits fails unless r is one page of /people that
// Telegram takes: at most 4096 characters, 100 buttons, and callback
// data of 64 bytes.
func wantInTelegramLimits(tb testing.TB, r flows.Reply) {
	tb.Helper()
	if got := saidTo(r, staffID); len(r.Messages) != 1 || len(got) != 1 || got[0] != "people.page" {
		tb.Fatalf("a page of /people said %q; want one people.page:%s", got, dump(r))
	}
	m := r.Messages[0]
	if n := len([]rune(m.Text)); n > 4096 {
		tb.Fatalf("a page of /people has %d characters:%s", n, dump(r))
	}
	buttons := 0
	for _, row := range m.Buttons {
		buttons += len(row)
		for _, b := range row {
			if len(b.Data) >= 64 {
				tb.Fatalf("button %q carries %d bytes", b.Text, len(b.Data))
			}
		}
	}
	if buttons > 100 {
		tb.Fatalf("a page of /people has %d buttons", buttons)
	}
}

// personID finds the user id a line of /people names: every person of
// the tests below has it in their name, or is shown by it.
var personID = regexp.MustCompile(`\b[1-9][0-9]{8}\b`)

// walkPeople pages through filter of /people with › from its first
// page, checking each page, and returns that first page and how often
// each person was listed.
func (h *harness) walkPeople(u flows.User, filter string) (flows.Reply, map[int64]int) {
	h.tb.Helper()
	first := h.peopleList(u, filter)
	seen := make(map[int64]int)
	r := first
	for page := 1; ; page++ {
		wantInTelegramLimits(h.tb, r)
		lines := strings.Split(r.Messages[0].Text, "\n")[1:]
		if len(lines) > 10 {
			h.tb.Fatalf("%s page %d lists %d entries; want at most 10", filter, page, len(lines))
		}
		for _, line := range lines {
			ids := personID.FindAllString(line, -1)
			if len(ids) != 1 {
				h.tb.Fatalf("%s page %d: line %q names %d people; want 1", filter, page, line, len(ids))
			}
			id, _ := strconv.ParseInt(ids[0], 10, 64)
			seen[id]++
		}
		next, ok := nextButton(r)
		if !ok {
			return first, seen
		}
		r = h.pressData(u, next.Data)
	}
}

// rosterSeed is who holds which role in a programme seeded by
// seedPeople, by filter of /people, and which projects they mentor.
type rosterSeed map[string][]int64

// seedPeople gives roles to n people besides the programme file's staff
// member and four mentors (who never started the bot): committee
// members of the three universities, and invited staff, ten of whom
// are in a committee too. A third of them started the bot, a third
// blocked it, a third never opened it; everyone's name holds their id.
func seedPeople(tb testing.TB, h *harness, n int) rosterSeed {
	tb.Helper()
	ctx := context.Background()
	unis := []string{"bicocca", "palermo", "roma3"}
	want := rosterSeed{
		"staff":       {staffID},
		"mentors":     {200000001, 200000002, 200000003, 200000004},
		"unreachable": {200000001, 200000002, 200000003, 200000004},
	}
	committees := n / 2
	for i := range n {
		id := int64(800000000 + i)
		if i < committees+10 {
			if err := h.rec.SetCommittee(ctx, id, unis[i%len(unis)]); err != nil {
				tb.Fatal(err)
			}
			want["committees"] = append(want["committees"], id)
		}
		if i >= committees {
			if err := h.rec.Grant(ctx, id, records.RoleStaff); err != nil {
				tb.Fatal(err)
			}
			want["staff"] = append(want["staff"], id)
		}
		if i%3 != 0 {
			want["unreachable"] = append(want["unreachable"], id)
		}
		if i%3 == 2 {
			continue // never opened the bot: no profile
		}
		p := records.Profile{UserID: id, FirstName: "P", LastName: strconv.FormatInt(id, 10), Started: true, Blocked: i%3 == 1}
		if err := h.rec.SaveProfile(ctx, p); err != nil {
			tb.Fatal(err)
		}
	}
	want["all"] = append(append(slices.Clone(want["staff"]), want["mentors"]...), want["committees"][:committees]...)
	return want
}

// peopleStaff is the programme's staff member, named by id like the
// people seedPeople makes.
var peopleStaff = flows.User{ID: staffID, FirstName: "P", LastName: strconv.Itoa(staffID), LanguageCode: "en"}

// TestPeopleFiltersPageEveryoneOnce: with 2,500 people holding roles,
// each filter of /people counts its whole selection, shows ten a page
// in one message inside Telegram's limits, and walking it with ›
// reaches each of its people exactly once and nobody else; everyone is
// listed once however many roles they hold.
func TestPeopleFiltersPageEveryoneOnce(t *testing.T) {
	h := newHarness(t)
	want := seedPeople(t, h, 2495)
	if n := len(want["all"]); n != 2500 {
		t.Fatalf("seeded %d people; want 2500", n)
	}
	for _, filter := range []string{"all", "staff", "mentors", "committees", "unreachable"} {
		first, seen := h.walkPeople(peopleStaff, filter)
		h.wantPeoplePage(t, first, filter, len(want[filter]), 1)
		if len(seen) != len(want[filter]) {
			t.Errorf("%s lists %d people; want %d", filter, len(seen), len(want[filter]))
		}
		for _, id := range want[filter] {
			if seen[id] != 1 {
				t.Errorf("%s lists %d %d times; want once", filter, id, seen[id])
			}
		}
	}
}

// TestPeopleUnreachableOffersMentorLinks: the unreachable filter and
// everyone's list offer a new mentor link for the projects whose mentor
// never started the bot, and none for a reachable mentor.
func TestPeopleUnreachableOffersMentorLinks(t *testing.T) {
	h := newHarness(t)
	h.command(flows.User{ID: mentorID, FirstName: "Marta"}, "start", "")
	for _, filter := range []string{"all", "unreachable", "mentors"} {
		r := h.peopleList(peopleStaff, filter)
		for _, project := range []string{"lyon-law", "berlin-eng", "dublin-lit"} {
			if _, ok := buttonFor(r, staffID, "mentor", project); !ok {
				t.Errorf("%s offers no new mentor link for %s:%s", filter, project, dump(r))
			}
		}
		if _, ok := buttonFor(r, staffID, "mentor", "madrid-ai"); ok {
			t.Errorf("%s offers a new link for the reachable mentor of madrid-ai:%s", filter, dump(r))
		}
	}
}

// TestPeopleLongProgrammeStaysInsideTelegramLimits: project titles and
// university names come from the programme file, unbounded; a mentor of
// 120 such projects who cannot be reached, and committees with such a
// name, still give pages Telegram takes, with new mentor links.
func TestPeopleLongProgrammeStaysInsideTelegramLimits(t *testing.T) {
	p := loadProgram(t)
	long := strings.Repeat("Ω", 5000)
	base := p.Projects[0]
	p.Projects = nil
	for i := range 120 {
		pr := base
		pr.ID, pr.Title = "p"+strconv.Itoa(i), long
		p.Projects = append(p.Projects, pr)
	}
	for i := range p.Universities {
		p.Universities[i].Name = long
	}
	h := newHarnessWith(t, redistest.Store(t), p)
	for i := range 25 {
		if err := h.rec.SetCommittee(context.Background(), int64(800000000+i), "palermo"); err != nil {
			t.Fatal(err)
		}
	}
	for _, filter := range []string{"all", "mentors", "committees", "unreachable"} {
		first, _ := h.walkPeople(peopleStaff, filter)
		if _, ok := buttonFor(first, staffID, "mentor", "*"); filter != "committees" && !ok {
			t.Errorf("%s offers no new mentor link for the unreachable mentor:%s", filter, dump(first))
		}
	}
}

// countingStore counts the reads that reach the store, and the records
// they ask for.
type countingStore struct {
	records.Store
	mu           sync.Mutex
	reads, items int
}

func (s *countingStore) count(items int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reads++
	s.items += items
}

// take returns the reads and records counted since the last take.
func (s *countingStore) take() (reads, items int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	reads, items = s.reads, s.items
	s.reads, s.items = 0, 0
	return reads, items
}

func (s *countingStore) LoadTurn(ctx context.Context, handled string, chatID int64, key string, v any) (records.Session, bool, bool, error) {
	s.count(1)
	return s.Store.LoadTurn(ctx, handled, chatID, key, v)
}

func (s *countingStore) Get(ctx context.Context, key string, v any) error {
	s.count(1)
	return s.Store.Get(ctx, key, v)
}

func (s *countingStore) GetMany(ctx context.Context, keys []string, vs []any) ([]bool, error) {
	s.count(len(keys))
	return s.Store.GetMany(ctx, keys, vs)
}

func (s *countingStore) Members(ctx context.Context, set string) ([]string, error) {
	s.count(1)
	return s.Store.Members(ctx, set)
}

func (s *countingStore) Counter(ctx context.Context, counter string) (int64, error) {
	s.count(1)
	return s.Store.Counter(ctx, counter)
}

func (s *countingStore) Page(ctx context.Context, queue string, offset, n int, newestFirst bool) ([]string, int, error) {
	s.count(n)
	return s.Store.Page(ctx, queue, offset, n, newestFirst)
}

func (s *countingStore) Head(ctx context.Context, list string, n int) ([]string, error) {
	s.count(n)
	return s.Store.Head(ctx, list, n)
}

// peoplePageCost is what a page of each filter of /people costs, in
// reads of the store and records read, with n people seeded; "" is the
// command.
func peoplePageCost(t *testing.T, n int) map[string][2]int {
	store := &countingStore{Store: redistest.Store(t)}
	h := newHarnessWith(t, store, loadProgram(t))
	seedPeople(t, h, n)
	r := h.command(peopleStaff, "people", "") // the staff member's first turn saves a profile
	store.take()
	cost := make(map[string][2]int)
	h.command(peopleStaff, "people", "")
	reads, items := store.take()
	cost[""] = [2]int{reads, items}
	for _, filter := range peopleFilters {
		h.pressAction(peopleStaff, r, "page", filter+".0")
		reads, items := store.take()
		cost[filter] = [2]int{reads, items}
	}
	return cost
}

// TestPeoplePageCostDoesNotGrowWithPeople: a page of /people costs the
// same reads of the store with 30 people as with 1,500, each page's
// profiles read in one batch; only the unreachable filter reads more
// records, everyone's profile, still in one read.
func TestPeoplePageCostDoesNotGrowWithPeople(t *testing.T) {
	few, many := peoplePageCost(t, 30), peoplePageCost(t, 1500)
	for what, c := range few {
		if many[what][0] != c[0] {
			t.Errorf("a page of %q costs %d reads with 1,500 people, %d with 30; want the same", what, many[what][0], c[0])
		}
		if what != "unreachable" && many[what][1] != c[1] {
			t.Errorf("a page of %q reads %d records with 1,500 people, %d with 30; want the same", what, many[what][1], c[1])
		}
		if c[0] > 12 {
			t.Errorf("a page of %q costs %d reads; want a handful", what, c[0])
		}
	}
}
