package webapp_test

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/mentorbot/mentorbot/bot/bottest"
	"github.com/mentorbot/mentorbot/bot/telegramtest"
	"github.com/mentorbot/mentorbot/flows/records"
)

// updateScreenshot makes TestBrowserStaffDecides write the picture of
// the workspace the README shows:
//
//	go test ./bot/webapp/ -run Browser -update-screenshot
var updateScreenshot = flag.Bool("update-screenshot", false, "write testdata/workspace.png from the browser test")

// screenshotPath is where -update-screenshot writes the workspace's
// picture.
const screenshotPath = "testdata/workspace.png"

// chromiumNames are the programs the browser tests look for on PATH,
// after $CHROME_PATH.
var chromiumNames = []string{"chromium", "chromium-browser", "google-chrome-stable", "google-chrome", "chrome", "headless-shell"}

// findChromium returns the browser to run. Without one the test is
// skipped, except under CI=true, where a missing browser fails it: CI
// installs Chromium (.ci/run) and must not pass by running nothing.
func findChromium(tb testing.TB) string {
	tb.Helper()
	if p := os.Getenv("CHROME_PATH"); p != "" {
		return p
	}
	for _, name := range chromiumNames {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	msg := fmt.Sprintf("no Chromium to run the workspace in: none of $CHROME_PATH, %s on PATH (apt-get install chromium)", strings.Join(chromiumNames, ", "))
	if os.Getenv("CI") == "true" {
		tb.Fatal(msg)
	}
	tb.Skip(msg)
	return ""
}

// browser is a headless Chromium tab with a fresh profile, and what
// its pages wrote to their consoles.
type browser struct {
	ctx context.Context

	mu      sync.Mutex
	console []chromedp.ConsoleMessage
}

// startBrowser starts Chromium headless, w×h pixels, for the test's
// duration. telegram.org resolves to nothing, as on a machine without
// a network: the page must work from the URL fragment alone, and the
// test must not depend on Telegram's servers.
func startBrowser(tb testing.TB, w, h int) *browser {
	tb.Helper()
	exe := findChromium(tb)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.UserDataDir(tb.TempDir()),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("host-resolver-rules", "MAP telegram.org ~NOTFOUND"),
		chromedp.WindowSize(w, h),
	)
	deadline := time.Now().Add(2 * time.Minute)
	if d, ok := tb.(interface{ Deadline() (time.Time, bool) }); ok {
		if td, ok := d.Deadline(); ok && td.Before(deadline) {
			deadline = td.Add(-5 * time.Second)
		}
	}
	ctx, cancelTime := context.WithDeadline(context.Background(), deadline)
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	tctx, cancelTab := chromedp.NewContext(actx)
	// Cleanups run last first: the tab, then the browser (waiting for it
	// to exit), then the temporary profile is removed.
	tb.Cleanup(cancelTime)
	tb.Cleanup(cancelAlloc)
	tb.Cleanup(cancelTab)
	if err := chromedp.Do(tctx, chromedp.EmulateViewport(int64(w), int64(h))); err != nil {
		tb.Fatalf("start %s: %v", exe, err)
	}
	b := &browser{ctx: tctx}
	messages := chromedp.Console(tctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			b.mu.Lock()
			b.console = append(b.console, m)
			b.mu.Unlock()
		}
	}()
	return b
}

// do runs steps in the tab; what failed is said with what the page's
// console holds.
func (b *browser) do(tb testing.TB, what string, steps ...chromedp.Action[chromedp.Void]) {
	tb.Helper()
	if err := chromedp.Do(b.ctx, steps...); err != nil {
		tb.Fatalf("%s: %v\nconsole:%s", what, err, b.consoleText())
	}
}

// eval returns the value of a JavaScript expression in the page.
func eval[T any](tb testing.TB, b *browser, expr string) T {
	tb.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		tb.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// poll waits until the JavaScript predicate holds in the page.
func (b *browser) poll(tb testing.TB, what, predicate string) {
	tb.Helper()
	if _, err := chromedp.Run(b.ctx, chromedp.Poll[chromedp.Void](predicate, chromedp.WithPollingTimeout(30*time.Second))); err != nil {
		tb.Fatalf("waiting until %s (%s): %v\nconsole:%s", what, predicate, err, b.consoleText())
	}
}

func (b *browser) consoleText() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	var s strings.Builder
	for _, m := range b.console {
		fmt.Fprintf(&s, "\n  %s: %s", m.Type, m.Text)
	}
	return s.String()
}

// wantCleanConsole fails the test on an uncaught exception in the page
// or a breach of its Content-Security-Policy (an inline style or
// script, a handler attribute).
func (b *browser) wantCleanConsole(tb testing.TB) {
	tb.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, m := range b.console {
		if m.Type == chromedp.ConsoleException || strings.Contains(m.Text, "Content Security Policy") {
			tb.Errorf("page console: %s: %s", m.Type, m.Text)
		}
	}
}

// openAs opens the workspace as Telegram opens a Mini App: initData
// and the theme in the URL fragment.
func (b *browser) openAs(tb testing.TB, app *testApp, u telegramtest.User) {
	tb.Helper()
	theme, err := json.Marshal(map[string]string{"bg_color": "#ffffff", "text_color": "#000000", "hint_color": "#707579",
		"link_color": "#2481cc", "button_color": "#2481cc", "button_text_color": "#ffffff", "secondary_bg_color": "#f4f4f5"})
	if err != nil {
		tb.Fatal(err)
	}
	frag := url.Values{"tgWebAppData": {app.initData(u)}, "tgWebAppVersion": {"8.0"}, "tgWebAppPlatform": {"unknown"},
		"tgWebAppThemeParams": {string(theme)}}
	b.do(tb, "open the workspace", chromedp.Navigate(app.URL()+"#"+frag.Encode()))
}

// A staff member opens the workspace in a real browser, filters the
// table by project, opens an application and accepts it: the chat's
// records, /applications and the audit log all hold the decision.
func TestBrowserStaffDecides(t *testing.T) {
	b := startBrowser(t, 1000, 700)
	app := startApp(t)
	env, ctx := app.env, context.Background()
	other, _ := bottest.ApplyTo(env, bottest.User(300000002, "Bruno", "en"), "European migration law")
	bottest.ApplyTo(env, bottest.User(300000003, "Chiara", "en"), "Sustainable urban mobility")
	bottest.ApplyTo(env, bottest.User(300000004, "Dmytro", "en"), "Irish literature and translation")
	bottest.ApplyTo(env, bottest.User(300000005, "Elif", "en"), bottest.MadridProject)
	const all = 5

	b.openAs(t, app, staffUser)
	b.do(t, "see the applications", chromedp.WaitVisible(`#apps tbody tr[data-ref]`))
	b.poll(t, "every application is listed", fmt.Sprintf(`document.querySelectorAll('#apps tbody tr[data-ref]').length === %d`, all))
	// Telegram's colours, from the fragment, are the page's.
	if got := eval[string](t, b, `getComputedStyle(document.getElementById('f-apply')).backgroundColor`); got != "rgb(36, 129, 204)" {
		t.Errorf("search button colour = %s; want the theme's button_color #2481cc", got)
	}

	b.do(t, "filter by madrid-ai",
		chromedp.SetValue(`#f-project`, "madrid-ai"),
		chromedp.Click(`#f-apply`))
	b.poll(t, "only madrid-ai is listed", fmt.Sprintf(`(() => {
		const t = document.getElementById('apps');
		const rows = [...t.tBodies[0].rows];
		return t.getAttribute('aria-busy') === 'false' && rows.length > 0 &&
			rows.every(r => r.dataset.project === 'madrid-ai') && rows.some(r => r.dataset.ref === %q);
	})()`, app.ref))
	if eval[bool](t, b, fmt.Sprintf(`!!document.querySelector('#apps tr[data-ref=%q]')`, other)) {
		t.Errorf("%s, of lyon-law, is listed under madrid-ai", other)
	}

	row := fmt.Sprintf(`#apps tbody tr[data-ref=%q]`, app.ref)
	b.do(t, "open "+app.ref,
		chromedp.Click(row+` button[data-open]`),
		chromedp.WaitVisible(`#app-detail button[data-action="acc"]`))
	// The keyboard follows: focus is on the detail's heading.
	if !eval[bool](t, b, `document.activeElement === document.getElementById('detail-title')`) {
		t.Errorf("after opening, focus is on %s; want #detail-title", eval[string](t, b, `document.activeElement.outerHTML.slice(0, 80)`))
	}

	b.do(t, "accept "+app.ref, chromedp.Click(`#app-detail button[data-action="acc"]`))
	b.poll(t, "the row shows the decision", fmt.Sprintf(`document.querySelector(%q).dataset.state === 'accepted'`, row))
	b.do(t, "see the next decisions", chromedp.WaitVisible(`#app-detail button[data-action="match"]`))
	status := eval[string](t, b, `document.getElementById('status').textContent`)
	accepted := env.Engine.Catalog().T(staffUser.LanguageCode, "review.state.accepted", nil)
	if !strings.Contains(status, app.ref) || !strings.Contains(status, accepted) {
		t.Errorf("#status = %q; want it to name %s and %q", status, app.ref, accepted)
	}

	// Without filters the list, read again from the server, has the
	// decision too.
	b.do(t, "clear the filters", chromedp.Click(`#f-reset`))
	b.poll(t, "every application is listed again, with the decision", fmt.Sprintf(`(() => {
		const t = document.getElementById('apps');
		const row = document.querySelector(%q);
		return t.getAttribute('aria-busy') === 'false' && t.tBodies[0].rows.length === %d && row && row.dataset.state === 'accepted';
	})()`, row, all))

	if *updateScreenshot {
		b.do(t, "scroll to the top", chromedp.Evaluate[chromedp.Void](`window.scrollTo(0, 0)`))
		png, err := chromedp.Run(b.ctx, chromedp.CaptureScreenshot())
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.FromSlash(screenshotPath), png, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s", screenshotPath)
	}

	// The chat's state: the record, /applications and the audit log.
	a, err := env.Records.Application(ctx, app.ref)
	if err != nil || a.State != records.AppAccepted {
		t.Errorf("application %s after accepting in the browser: %+v, %v; want accepted", app.ref, a, err)
	}
	entries, _, err := env.Records.AuditPage(ctx, 0, 5)
	if err != nil || len(entries) == 0 || entries[0].Action != "review.accept" || entries[0].Actor != staffUser.ID || entries[0].Subject != app.ref {
		t.Errorf("audit log = %+v, %v; want staff's accept of %s first", entries, err, app.ref)
	}
	r := env.Command(staffUser, "applications", "")
	if !listed(r.To(staffUser.ID), app.ref, accepted) {
		t.Errorf("/applications does not show %s as %q:%s", app.ref, accepted, r)
	}
	b.wantCleanConsole(t)
}

// listed reports whether one of ms shows ref with state, in its text
// or on a button.
func listed(ms []telegramtest.Message, ref, state string) bool {
	for _, m := range ms {
		for _, line := range strings.Split(m.Text, "\n") {
			if strings.Contains(line, ref) && strings.Contains(line, state) {
				return true
			}
		}
		for _, row := range m.Buttons {
			for _, btn := range row {
				if strings.Contains(btn.Text, ref) && strings.Contains(btn.Text, state) {
					return true
				}
			}
		}
	}
	return false
}

// A student who opens the workspace sees the server's refusal, in
// their language, and nothing of the staff's views.
func TestBrowserStudentIsRefused(t *testing.T) {
	b := startBrowser(t, 360, 640)
	app := startApp(t)
	b.openAs(t, app, studentUser)
	b.poll(t, "the page gives up", `document.body.dataset.state === 'denied'`)
	want := app.env.Engine.Catalog().T(studentUser.LanguageCode, "workspace.error.forbidden", nil)
	if got := eval[string](t, b, `document.getElementById('status').textContent`); got != want {
		t.Errorf("#status = %q; want the 403's %q", got, want)
	}
	if eval[bool](t, b, `!document.getElementById('main').hidden || !document.getElementById('tabs').hidden`) {
		t.Error("a student sees the workspace's tabs or panels")
	}
	b.wantCleanConsole(t)
}
