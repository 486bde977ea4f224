package bot_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/mentorbot/mentorbot/bot/bottest"
	"github.com/mentorbot/mentorbot/bot/telegramtest"
	"github.com/mentorbot/mentorbot/flows/records"
)

// TestAnnouncementE2E: through the real client, staff announce
// something to madrid-ai's pair only. Of the two pairs in the
// programme, exactly that mentee and that mentor receive it, once, and
// /announcements counts both as received, from the sender's reports.
func TestAnnouncementE2E(t *testing.T) {
	env := bottest.Start(t)
	ctx := context.Background()
	staff := bottest.User(applyStaffID, "Sara", "en")
	madridMentee := bottest.User(300000071, "Amina", "en")
	madridMentor := bottest.User(200000001, "Marco", "en")
	lyonMentee := bottest.User(300000072, "Bea", "en")
	lyonMentor := bottest.User(200000002, "Luc", "en")
	for _, u := range []telegramtest.User{madridMentee, madridMentor, lyonMentee, lyonMentor} {
		env.Command(u, "start", "")
	}
	for _, m := range []records.Mentorship{
		{ID: "MIE-2027-0071", MenteeID: madridMentee.ID, MentorID: madridMentor.ID, ProjectID: "madrid-ai", CreatedAt: env.Clock.Now()},
		{ID: "MIE-2027-0072", MenteeID: lyonMentee.ID, MentorID: lyonMentor.ID, ProjectID: "lyon-law", CreatedAt: env.Clock.Now()},
	} {
		if err := env.Records.SaveMentorship(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	cat := env.Engine.Catalog()
	env.Command(staff, "announce", "")
	env.Press(staff, cat.T("en", "announce.to_project", nil))
	env.Press(staff, "Machine learning for public health")
	// Staff format it as Telegram's apps do: Friday in bold, a link.
	const text = "The kick-off call moves to Friday. Details"
	env.Inject(env.Server.FormattedMessage(staff, text, []telegramtest.Entity{
		{Type: "bold", Offset: strings.Index(text, "Friday"), Length: 6}, {Type: "text_link", Offset: strings.Index(text, "Details"), Length: 7}},
		map[int]string{1: "https://example.org/kickoff"}))
	r := env.Press(staff, cat.T("en", "announce.button.send", nil))

	var got []int64
	for _, m := range r.Messages {
		if m.ChatID != applyStaffID {
			got = append(got, m.ChatID)
		}
	}
	slices.Sort(got)
	if want := []int64{madridMentor.ID, madridMentee.ID}; !slices.Equal(got, want) {
		t.Fatalf("announcement reached %v; want exactly %v", got, want)
	}
	// The formatting reaches each recipient over the same words, in
	// the blockquote of staff's words.
	for _, m := range r.To(madridMentee.ID) {
		kinds := map[string]string{}
		for _, e := range m.Entities {
			kinds[e.Type] = string(utf16.Decode(utf16.Encode([]rune(m.Text))[e.Offset : e.Offset+e.Length]))
		}
		if kinds["bold"] != "Friday" || kinds["text_link"] != "Details" || kinds["blockquote"] != text {
			t.Errorf("entities of the announcement = %+v in %q", m.Entities, m.Text)
		}
	}
	r = env.Command(staff, "announcements", "")
	bottest.WantText(t, r, applyStaffID, "received by 2, not reached 0")
}
