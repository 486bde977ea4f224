package flows_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/mentorbot/mentorbot/flows"
	"github.com/mentorbot/mentorbot/flows/records"
	"github.com/mentorbot/mentorbot/flows/redisstore"
	"github.com/mentorbot/mentorbot/flows/redisstore/redistest"
)

// TestDeleteMyDataForgetsInviteUse brings a committee member in with an
// invite, has them /deletemydata, and then looks at every key left in
// Redis: none names them, though the invite still counts as used.
func TestDeleteMyDataForgetsInviteUse(t *testing.T) {
	rdb, prefix := redistest.Client(t)
	h := newHarnessWith(t, redisstore.New(rdb, redistest.Options(rdb, prefix)), loadProgram(t))
	ctx := context.Background()
	const newcomer = 777000111
	inv, err := flows.CreateInvite(ctx, h.engine, staffID, records.RoleCommittee, "bicocca")
	if err != nil {
		t.Fatal(err)
	}
	u := user(newcomer, "en")
	h.command(u, "start", "inv_"+inv.Token)
	if uni, err := h.rec.CommitteeOf(ctx, newcomer); err != nil || uni != "bicocca" {
		t.Fatalf("CommitteeOf(%d) = %q, %v after the invite; want bicocca", newcomer, uni, err)
	}
	doc, err := h.engine.ExportUser(ctx, newcomer)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := doc["invite"]; !ok {
		t.Errorf("ExportUser(%d) = %v; want the invite they used", newcomer, doc)
	}

	r := h.pressAction(u, h.command(u, "deletemydata", ""), "delete", "")
	wantSaid(t, r, newcomer, "mydata.deleted")

	wantForgotten(t, rdb, prefix, newcomer)
	// The link stays used: erasing does not free it for someone else.
	if _, err := flows.RedeemInvite(ctx, h.engine, 888000111, inv.Token); !errors.Is(err, flows.ErrInviteUsed) {
		t.Errorf("RedeemInvite(erased user's link) = %v; want ErrInviteUsed", err)
	}
	if uni, _ := h.rec.CommitteeOf(ctx, newcomer); uni != "" {
		t.Errorf("CommitteeOf(%d) = %q after /deletemydata; want none", newcomer, uni)
	}
}

// TestEraseInviterRetiresTheirLinks erases the staff member who made an
// unused invite: the invite no longer names them and no longer works.
func TestEraseInviterRetiresTheirLinks(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	inv, err := flows.CreateInvite(ctx, h.engine, staffID, records.RoleStaff, "")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := h.engine.ExportUser(ctx, staffID)
	if err != nil || doc["invite"] == nil {
		t.Fatalf("ExportUser(staff) = %v, %v; want the invite they made", doc, err)
	}
	if err := h.engine.EraseUser(ctx, staffID); err != nil {
		t.Fatal(err)
	}
	doc, err = h.engine.ExportUser(ctx, staffID)
	if err != nil || doc["invite"] != nil {
		t.Errorf("ExportUser(staff) after erasing = %v, %v; want no invites", doc, err)
	}
	if _, err := flows.RedeemInvite(ctx, h.engine, 888000222, inv.Token); !errors.Is(err, flows.ErrNotGrantable) {
		t.Errorf("RedeemInvite(erased inviter's link) = %v; want ErrNotGrantable", err)
	}
}

// wantForgotten fails for every key under prefix whose name or value
// holds userID.
func wantForgotten(tb testing.TB, rdb redis.UniversalClient, prefix string, userID int64) {
	tb.Helper()
	id := strconv.FormatInt(userID, 10)
	keyPrefix := redistest.KeyPrefix(rdb, prefix)
	for _, k := range redistest.Keys(tb, rdb, keyPrefix+"*") {
		key := strings.TrimPrefix(k, keyPrefix)
		if val := dumpKey(tb, rdb, k); strings.Contains(key, id) || strings.Contains(val, id) {
			tb.Errorf("after /deletemydata %s = %s still names %d", key, val, userID)
		}
	}
}
