package flows_test

import (
	"context"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/mentorbot/mentorbot/flows"
	"github.com/mentorbot/mentorbot/flows/redisstore"
	"github.com/mentorbot/mentorbot/flows/redisstore/redistest"
	"github.com/mentorbot/mentorbot/locales"
)

// TestPrivilegedCommandsRefuseOrdinaryUsers runs every command that
// needs a role as a student who holds none, in a private chat and in a
// group that is no committee's, and checks the refusal and that Redis is
// byte for byte as it was.
func TestPrivilegedCommandsRefuseOrdinaryUsers(t *testing.T) {
	ctx := context.Background()
	rdb, prefix := redistest.Client(t)
	store := redisstore.New(rdb, redistest.Options(rdb, prefix))
	program, err := flows.LoadProgram("testdata/program.toml")
	if err != nil {
		t.Fatal(err)
	}
	cat, err := locales.New()
	if err != nil {
		t.Fatal(err)
	}
	// Each probe comes a minute after the last, within each group's
	// reply limit.
	now := time.Date(2027, 2, 1, 10, 0, 0, 0, time.UTC)
	e, err := flows.New(flows.Config{Store: store, Catalog: cat, Program: program,
		Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	const student = 300000009
	from := flows.User{ID: student, FirstName: "Ada", LanguageCode: "en"}
	if _, err := e.Handle(ctx, flows.Event{Kind: flows.KindCommand, ChatID: student, ChatType: flows.ChatPrivate, From: from, Command: "start"}); err != nil {
		t.Fatal(err)
	}
	keyPrefix := redistest.KeyPrefix(rdb, prefix)
	snapshot := func() map[string]string {
		t.Helper()
		keys := redistest.Keys(t, rdb, keyPrefix+"*")
		sort.Strings(keys)
		out := make(map[string]string)
		for _, k := range keys {
			out[k] = dumpKey(t, rdb, k)
		}
		return out
	}
	refusal := cat.T("en", "error.not_allowed", nil)
	privileged := 0
	for _, name := range e.PrivilegedCommands() {
		privileged++
		for _, chat := range []struct {
			id  int64
			typ flows.ChatType
		}{{student, flows.ChatPrivate}, {-1009999999999, flows.ChatSupergroup}} {
			now = now.Add(time.Minute)
			before := snapshot()
			// Sessions carry a version that every turn bumps; leave
			// them out of the comparison but nothing else.
			r, err := e.Handle(ctx, flows.Event{Kind: flows.KindCommand, ChatID: chat.id, ChatType: chat.typ, From: from, Command: name, Args: "applications"})
			if err != nil {
				t.Fatalf("/%s in %s: %v", name, chat.typ, err)
			}
			if len(r.Messages) != 1 || r.Messages[0].Text != refusal || r.Messages[0].File != nil {
				t.Errorf("/%s in %s = %+v; want only %q", name, chat.typ, r, refusal)
			}
			after := snapshot()
			for k, v := range after {
				if before[k] != v && !isSessionKey(keyPrefix, k) {
					t.Errorf("/%s in %s changed %s", name, chat.typ, k)
				}
			}
			for k := range before {
				if _, ok := after[k]; !ok {
					t.Errorf("/%s in %s deleted %s", name, chat.typ, k)
				}
			}
		}
	}
	t.Logf("%d privileged commands checked", privileged)
}

// isSessionKey reports whether k is a key every turn may write: a
// session (whose version every turn bumps) or the count of the bot's
// replies to a group's chatter.
func isSessionKey(prefix, k string) bool {
	k, ok := strings.CutPrefix(k, prefix)
	return ok && (strings.HasPrefix(k, "session:") || strings.HasPrefix(k, "groupreplies:"))
}
