package flows_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mentorbot/mentorbot/flows"
	"github.com/mentorbot/mentorbot/flows/records"
)

// benchApps is the large size of the staff benchmarks: 100,000 by the
// README's command (MENTORBOT_BENCH_APPS=100000), small by default so
// CI runs them in seconds.
func benchApps() int {
	if n, err := strconv.Atoi(os.Getenv("MENTORBOT_BENCH_APPS")); err == nil && n > 0 {
		return n
	}
	return 2000
}

// seedBench stores n submitted applications with their applicants'
// profiles, a thousand per commit.
func seedBench(b *testing.B, h *harness, n int) {
	b.Helper()
	ctx := context.Background()
	for start := 0; start < n; start += 1000 {
		tx := h.rec.Begin()
		for i := start; i < min(n, start+1000); i++ {
			p := records.Profile{UserID: int64(700000000 + i), FirstName: "Name" + strconv.Itoa(i), LastName: "Surname" + strconv.Itoa(i%997),
				Username: "user" + strconv.Itoa(i), Started: true}
			if err := tx.SaveProfile(ctx, p); err != nil {
				b.Fatal(err)
			}
			if err := tx.IndexPerson(ctx, records.Profile{UserID: p.UserID}, p); err != nil {
				b.Fatal(err)
			}
			a := &records.Application{UserID: p.UserID, State: records.AppDraft, ProjectID: []string{"madrid-ai", "lyon-law"}[i%2],
				Degree: "bachelor", Year: 2, Level: "B1", CreatedAt: time.Date(2027, 1, 1, 0, 0, i, 0, time.UTC)}
			if err := tx.SubmitApplication(ctx, a, func(k int64) string { return fmt.Sprintf("B-%06d", k) }); err != nil {
				b.Fatal(err)
			}
		}
		if err := tx.Commit(ctx, nil, nil, 0); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkStaffFirstPage is the first page of /applications, a whole
// turn, at 1,000 applications and at benchApps: the page reads one range
// of an index and its ten applications and profiles, so the two should
// cost about the same.
func BenchmarkStaffFirstPage(b *testing.B) {
	for _, n := range []int{1000, benchApps()} {
		b.Run("apps="+strconv.Itoa(n), func(b *testing.B) {
			h := newHarness(b)
			seedBench(b, h, n)
			for b.Loop() {
				r := h.command(staff, "applications", "")
				if len(r.Messages) != 1 {
					b.Fatalf("/applications = %s", dump(r))
				}
			}
		})
	}
}

// BenchmarkStaffFind is /find of a surname shared by about one in a
// thousand applicants, at benchApps applications.
func BenchmarkStaffFind(b *testing.B) {
	h := newHarness(b)
	n := benchApps()
	seedBench(b, h, n)
	for b.Loop() {
		r := h.command(staff, "find", "surname42")
		if len(r.Messages) != 1 {
			b.Fatalf("/find = %s", dump(r))
		}
	}
}

// BenchmarkStaffExport runs the export job of benchApps applications to
// a temporary file, and reports rows/s and the process's peak resident
// memory while it ran (VmHWM, reset just before through
// /proc/self/clear_refs), in MB.
func BenchmarkStaffExport(b *testing.B) {
	for _, format := range []string{"csv", "xlsx"} {
		b.Run(format, func(b *testing.B) {
			h := newHarness(b)
			n := benchApps()
			seedBench(b, h, n)
			for b.Loop() {
				r := h.command(staff, "export", "applications "+format)
				id := ""
				for _, m := range r.Messages {
					if j, ok := flows.JobOf(m.Ref); ok {
						id = j
					}
				}
				f, err := os.CreateTemp(b.TempDir(), "export-*")
				if err != nil {
					b.Fatal(err)
				}
				runtime.GC()
				debug.FreeOSMemory()
				resetPeakRSS()
				_, res, err := h.engine.RunJob(context.Background(), id, f, nil)
				if err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(float64(peakRSSKB())/1024, "peak-rss-MB")
				size, _ := f.Seek(0, io.SeekEnd)
				f.Close()
				b.ReportMetric(float64(size)/(1<<20), "file-MB")
				if !strings.Contains(res.Text, strconv.Itoa(n)) {
					b.Fatalf("export of %d says %q", n, res.Text)
				}
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}

// resetPeakRSS resets the kernel's record of this process's peak
// resident memory (Linux; elsewhere it does nothing).
func resetPeakRSS() { _ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

// peakRSSKB is the process's peak resident memory since the last
// reset, in kB; 0 where /proc is not there.
func peakRSSKB() int64 {
	buf, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range strings.Lines(string(buf)) {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return n
		}
	}
	return 0
}

// BenchmarkStaffWorkspaceTable is a page of the workspace's table at
// benchApps applications: filtered by project only, it reads one page
// of the date index ("index"); filtered by certificate level, it reads
// the project's applications in batches and keeps the matching ones
// ("scan"); a name search reads the search index first ("search").
func BenchmarkStaffWorkspaceTable(b *testing.B) {
	w := newWorkspaceRig(b)
	n := benchApps()
	seedBench(b, w.harness, n)
	v := mustViewer(b, w.ws, staff)
	for _, c := range []struct {
		name string
		q    flows.AppQuery
		want int
	}{
		{"index", flows.AppQuery{Project: "madrid-ai"}, n / 2},
		{"scan", flows.AppQuery{Project: "madrid-ai", Level: "B1", Page: 3}, n / 2},
		{"search", flows.AppQuery{Text: "surname42"}, -1},
	} {
		b.Run(c.name+"/apps="+strconv.Itoa(n), func(b *testing.B) {
			for b.Loop() {
				page, err := w.ws.Applications(context.Background(), v, c.q)
				if err != nil || (c.want >= 0 && page.Total != c.want) || len(page.Items) == 0 {
					b.Fatalf("Applications(%+v) = %d of %d, %v", c.q, len(page.Items), page.Total, err)
				}
			}
		})
	}
}
