package bot_test

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"testing"

	"github.com/mentorbot/mentorbot/bot"
	"github.com/mentorbot/mentorbot/bot/bottest"
	"github.com/mentorbot/mentorbot/bot/telegramtest"
	"github.com/mentorbot/mentorbot/flows/records"
)

// TestExportE2ERunsOffTheChatWorkers: staff export 1,200 applications.
// The export is a job: the command is answered at once with a progress
// message, and while the job is held another person's message is
// answered (so no chat waits behind an export). Released, the job
// uploads the CSV to the staff chat, every application in it once, and
// edits the progress message to say it is done.
func TestExportE2ERunsOffTheChatWorkers(t *testing.T) {
	held, release := make(chan string, 1), make(chan struct{})
	env := bottest.Start(t, bottest.WithConfig(func(c *bot.Config) {
		c.JobGate = func(id string) {
			held <- id
			<-release
		}
	}))
	const n = 1200
	for i := range n {
		a := &records.Application{UserID: int64(600000000 + i), State: records.AppDraft, ProjectID: "madrid-ai"}
		if err := env.Records.SubmitApplication(t.Context(), a, func(k int64) string { return fmt.Sprintf("E-%05d", k) }); err != nil {
			t.Fatal(err)
		}
	}
	staff := bottest.User(applyStaffID, "Sara", "en")
	probe := bottest.User(applicantB, "Bruno", "en")

	r := env.Command(staff, "export", "applications")
	progress := r.To(applyStaffID)
	if len(progress) != 1 || progress[0].Document != nil {
		t.Fatalf("/export applications = %s; want one progress message", r)
	}
	<-held
	if got := env.Text(probe, "hello").To(applicantB); len(got) != 1 {
		t.Fatalf("a probe chat while the export is held got %d replies; want 1", len(got))
	}
	close(release)

	docs := env.Server.WaitMessages(applyStaffID, 2)
	doc := docs[1]
	if doc.Document == nil || !doc.Document.Uploaded {
		t.Fatalf("second message to staff = %+v; want the uploaded CSV", doc)
	}
	content, ok := bytes.CutPrefix(doc.Document.Content, []byte("\uFEFF"))
	if !ok {
		t.Error("CSV does not start with a UTF-8 byte order mark")
	}
	rows, err := csv.NewReader(bytes.NewReader(content)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	seen := make(map[string]int)
	for _, row := range rows[1:] {
		seen[row[0]]++
	}
	for k := 1; k <= n; k++ {
		if ref := fmt.Sprintf("E-%05d", k); seen[ref] != 1 {
			t.Errorf("%s is in the export %d times; want once", ref, seen[ref])
		}
	}
	if len(rows) != n+1 {
		t.Errorf("CSV has %d rows; want a header and %d", len(rows), n)
	}
	done := env.Engine.Catalog().T("en", "job.done", nil)
	env.Server.WaitEdit("of the progress message to done", func(e telegramtest.Edit) bool {
		return e.ChatID == applyStaffID && e.MessageID == progress[0].MessageID && e.Text == done
	})
	if n, err := env.Records.QueuedJobs(t.Context()); err != nil || n != 0 {
		t.Errorf("jobs queued after the export: %d, %v; want none", n, err)
	}
}
