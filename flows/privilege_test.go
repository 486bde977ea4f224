package flows_test

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/mentorbot/mentorbot/flows"
	"github.com/mentorbot/mentorbot/flows/redisstore"
	"github.com/mentorbot/mentorbot/flows/redisstore/redistest"
)

// ordinary is a student who holds no role and has no application,
// mentorship or ticket.
var ordinary = flows.User{ID: 300000077, FirstName: "Olga", LanguageCode: "en"}

// snapshotter returns a func that dumps every key under prefix except
// sessions, whose version every turn bumps.
func snapshotter(tb testing.TB, rdb redis.UniversalClient, prefix string) func() map[string]string {
	return func() map[string]string {
		tb.Helper()
		keyPrefix := redistest.KeyPrefix(rdb, prefix)
		keys := redistest.Keys(tb, rdb, keyPrefix+"*")
		sort.Strings(keys)
		out := make(map[string]string)
		for _, k := range keys {
			if isSessionKey(keyPrefix, k) {
				continue
			}
			out[k] = dumpKey(tb, rdb, k)
		}
		return out
	}
}

// dumpKey renders the value at k whatever its type (miniredis has no
// DUMP for sets and sorted sets).
func dumpKey(tb testing.TB, rdb redis.UniversalClient, k string) string {
	tb.Helper()
	ctx := context.Background()
	typ, err := rdb.Type(ctx, k).Result()
	if err != nil {
		tb.Fatal(err)
	}
	var v any
	switch typ {
	case "string":
		v, err = rdb.Get(ctx, k).Result()
	case "set":
		var m []string
		m, err = rdb.SMembers(ctx, k).Result()
		slices.Sort(m)
		v = m
	case "zset":
		v, err = rdb.ZRangeWithScores(ctx, k, 0, -1).Result()
	case "hash":
		v, err = rdb.HGetAll(ctx, k).Result()
	case "list":
		v, err = rdb.LRange(ctx, k, 0, -1).Result()
	}
	if err != nil {
		tb.Fatal(err)
	}
	return fmt.Sprintf("%s %v", typ, v)
}

// sameStore fails unless before and after hold the same keys and values.
func sameStore(tb testing.TB, what string, before, after map[string]string) {
	tb.Helper()
	for k, v := range after {
		if before[k] != v {
			tb.Errorf("%s changed %s", what, k)
		}
	}
	for k := range before {
		if _, ok := after[k]; !ok {
			tb.Errorf("%s deleted %s", what, k)
		}
	}
}

// TestPrivilegedCommandsRefuseWhateverTheArgs runs every command that
// needs a role as an ordinary student, with the arguments that would
// make it act for staff or a committee, in a private chat, in a group
// that is no committee's and in a committee's group they are a member
// of without being in the committee: each is refused and nothing is
// stored.
func TestPrivilegedCommandsRefuseWhateverTheArgs(t *testing.T) {
	rdb, prefix := redistest.Client(t)
	h := newHarnessWith(t, redisstore.New(rdb, redistest.Options(rdb, prefix)), loadProgram(t))
	snapshot := snapshotter(t, rdb, prefix)
	h.command(ordinary, "start", "")
	h.submit(user(studentA, "en")) // something to review, publish and export

	privileged := h.engine.PrivilegedCommands()
	for _, want := range []string{"applications", "publish", "export", "invite", "reinvite", "people",
		"openquestionnaire", "tickets", "sign"} {
		if !slices.Contains(privileged, want) {
			t.Errorf("PrivilegedCommands() = %v; want /%s among them", privileged, want)
		}
	}
	refusal := h.engine.Catalog().T("en", "error.not_allowed", nil)
	args := []string{"", "staff", "mentor madrid-ai", "committee bicocca", "1", "all", "applications",
		"#1 we will call you", "madrid-ai confirm"}
	for _, name := range privileged {
		for _, arg := range args {
			for _, chat := range []struct {
				id  int64
				typ flows.ChatType
			}{{ordinary.ID, flows.ChatPrivate}, {strayGroup, flows.ChatSupergroup}, {bicoccaChat, flows.ChatSupergroup}} {
				h.clock.Add(time.Minute) // a minute apart, within each group's reply limit
				before := snapshot()
				r := h.handle(flows.Event{Kind: flows.KindCommand, ChatID: chat.id, ChatType: chat.typ, From: ordinary,
					Command: name, Args: arg})
				what := "/" + name + " " + arg + " in " + string(chat.typ)
				if len(r.Messages) != 1 || r.Messages[0].Text != refusal || r.Messages[0].File != nil || r.Messages[0].ChatID != chat.id {
					t.Errorf("%s = %s; want only %q", what, dump(r), refusal)
				}
				sameStore(t, what, before, snapshot())
			}
		}
	}
}

// TestPrivilegedButtonsRefuseOrdinaryUsers collects every button staff,
// a mentor, a committee and a student are shown, and presses each as
// an ordinary student, in a private chat, in a group that is no
// committee's and in a committee's group they are a member of without
// being in the committee: each press gets an answer, writes to no one
// else, sends no file and stores nothing.
func TestPrivilegedButtonsRefuseOrdinaryUsers(t *testing.T) {
	rdb, prefix := redistest.Client(t)
	h := newHarnessWith(t, redisstore.New(rdb, redistest.Options(rdb, prefix)), loadProgram(t))
	snapshot := snapshotter(t, rdb, prefix)
	staff := user(staffID, "en")
	buttons := map[string]string{} // data → label
	collect := func(r flows.Reply) flows.Reply {
		for _, m := range r.Messages {
			for _, row := range m.Buttons {
				for _, b := range row {
					buttons[b.Data] = b.Text
				}
			}
		}
		return r
	}

	// Staff reviewing an application, listing people, inviting, publishing.
	student := user(studentB, "en")
	ref := h.submit(student)
	r := collect(h.command(staff, "applications", ""))
	r = collect(h.press(staff, r, "Filter by project"))
	r = collect(h.press(staff, r, projectMadrid))
	collect(h.press(staff, r, "Filter by state"))
	r = collect(h.press(staff, r, ref))
	r = collect(h.press(staff, r, "Accept"))
	collect(h.press(staff, r, "Match with mentor"))
	collect(h.command(staff, "invite", "mentor madrid-ai"))
	collect(h.command(staff, "people", ""))
	collect(h.command(staff, "publish", ""))
	collect(h.command(staff, "openquestionnaire", ""))
	// A mentor shown a diary entry to comment on.
	h.mentorship(1)
	collect(h.writeDiary(menteeAyse, "1", "1 febbraio", "Temi", "Imparato", "Passi"))
	// A committee shown a support request, the student its answer.
	s := &supportRig{harness: h, nextID: 500}
	r, post := s.request(student, "bicocca", "language", "Where can I learn Italian?")
	collect(r)
	collect(s.answer(bicoccaChat, memberAna, post, "At the CLA."))

	h.command(ordinary, "start", "")
	labels := make([]string, 0, len(buttons))
	for _, l := range buttons {
		labels = append(labels, l)
	}
	sort.Strings(labels)
	t.Logf("pressing %d buttons: %q", len(buttons), labels)
	if len(buttons) < 10 {
		t.Fatalf("collected %d buttons; want the privileged ones of every flow", len(buttons))
	}
	for data, label := range buttons {
		for _, chat := range []struct {
			id  int64
			typ flows.ChatType
		}{{ordinary.ID, flows.ChatPrivate}, {strayGroup, flows.ChatSupergroup}, {bicoccaChat, flows.ChatSupergroup}} {
			what := "pressing " + label + " (" + data + ") in " + string(chat.typ)
			before := snapshot()
			r := h.handle(flows.Event{Kind: flows.KindButton, ChatID: chat.id, ChatType: chat.typ, From: ordinary, Data: data})
			if r.Notice == "" && len(r.Messages) == 0 {
				t.Errorf("%s got no answer at all", what)
			}
			for _, m := range r.Messages {
				if m.ChatID != chat.id || m.File != nil {
					t.Errorf("%s sent %q (file %v) to %d", what, m.Text, m.File != nil, m.ChatID)
				}
			}
			sameStore(t, what, before, snapshot())
			if text := textTo(r, chat.id); strings.Contains(text, ref) || strings.Contains(text, "Ayşe") {
				t.Errorf("%s showed someone else's data: %q", what, text)
			}
		}
	}
}
