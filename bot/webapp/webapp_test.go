package webapp_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/mentorbot/mentorbot/bot/bottest"
	"github.com/mentorbot/mentorbot/bot/telegramtest"
	"github.com/mentorbot/mentorbot/bot/webapp"
	"github.com/mentorbot/mentorbot/flows"
	"github.com/mentorbot/mentorbot/flows/records"
)

const testToken = "123456:test-token"

func TestParseInitData(t *testing.T) {
	now := time.Date(2027, 2, 1, 10, 0, 0, 0, time.UTC)
	sara := flows.User{ID: 100000001, FirstName: "Sara", LanguageCode: "it"}
	valid := webapp.SignInitData(testToken, sara, now.Add(-time.Minute))

	got, err := webapp.ParseInitData(valid, testToken, now)
	if err != nil || got.User != sara {
		t.Fatalf("ParseInitData(valid) = %+v, %v; want %+v", got, err, sara)
	}
	// Names Telegram encodes with "+" and "%" check as signed: decoded
	// once, not twice.
	odd := flows.User{ID: 7, FirstName: "A+B 100%", LastName: "Ñoño"}
	if got, err := webapp.ParseInitData(webapp.SignInitData(testToken, odd, now), testToken, now); err != nil || got.User != odd {
		t.Errorf("ParseInitData(name with + and %%) = %+v, %v", got, err)
	}

	// replace sets field k of valid's fields to v, keeping the hash.
	replace := func(k, v string) string {
		vals, _ := url.ParseQuery(valid)
		vals.Set(k, v)
		return vals.Encode()
	}
	for _, c := range []struct {
		name, raw, token string
		now              time.Time
		want             error
	}{
		{"empty", "", testToken, now, webapp.ErrNoInitData},
		{"another bot's token", valid, "654321:other-token", now, webapp.ErrForged},
		{"forged signature", replace("hash", strings.Repeat("ab", 32)), testToken, now, webapp.ErrForged},
		{"no hash", replace("hash", ""), testToken, now, webapp.ErrForged},
		{"user id replayed in a forged body", replace("user", `{"id":100000002,"first_name":"Sara"}`), testToken, now, webapp.ErrForged},
		{"auth_date moved", replace("auth_date", "1801483200"), testToken, now, webapp.ErrForged},
		{"field added twice", valid + "&user=%7B%22id%22%3A1%7D", testToken, now, webapp.ErrForged},
		{"expired", valid, testToken, now.Add(webapp.MaxInitDataAge), webapp.ErrExpired},
		{"signed in the future", webapp.SignInitData(testToken, sara, now.Add(5*time.Minute)), testToken, now, webapp.ErrExpired},
		{"no user", webapp.SignInitData(testToken, flows.User{}, now), testToken, now, webapp.ErrNoUser},
		{"not a query", "%zz", testToken, now, webapp.ErrForged},
	} {
		t.Run(c.name, func(t *testing.T) {
			if _, err := webapp.ParseInitData(c.raw, c.token, c.now); !errors.Is(err, c.want) {
				t.Errorf("ParseInitData = %v; want %v", err, c.want)
			}
		})
	}
}

// Every endpoint refuses a request without valid initData (401) and a
// person without the role (403), and serves staff.
func TestEveryEndpointChecksInitDataAndRole(t *testing.T) {
	app := startApp(t)
	ref := app.ref
	endpoints := []struct {
		method, path string
		body         any
		// committee is the status for a committee member of bicocca.
		committee int
	}{
		{"GET", "/app/api/me", nil, 200},
		{"GET", "/app/api/applications?project=madrid-ai", nil, 403},
		{"GET", "/app/api/applications/" + ref, nil, 403},
		{"GET", "/app/api/applications/" + ref + "/documents/cv_it", nil, 403},
		{"GET", "/app/api/applications/" + ref + "/documents.zip", nil, 403},
		{"GET", "/app/api/publish", nil, 403},
		{"GET", "/app/api/mentorships", nil, 403},
		{"GET", "/app/api/numbers", nil, 403},
		{"GET", "/app/api/tickets?university=bicocca", nil, 200},
		{"POST", "/app/api/applications/" + ref + "/open", nil, 403},
		{"POST", "/app/api/applications/" + ref + "/int", map[string]string{"text": "Tuesday"}, 403},
		{"POST", "/app/api/publish", nil, 403},
	}
	forged := strings.Replace(app.initData(studentUser), "300000001", "100000001", 1)
	expired := webapp.SignInitData(app.env.Server.Token(), bottest.FlowsUser(staffUser), time.Now().Add(-2*time.Hour))
	otherBot := webapp.SignInitData("999:another-bot", bottest.FlowsUser(staffUser), time.Now())
	for _, e := range endpoints {
		t.Run(e.method+" "+e.path, func(t *testing.T) {
			for _, c := range []struct {
				who, auth string
				want      int
			}{
				{"nobody", "", 401},
				{"bearer token", "Bearer " + app.env.Server.Token(), 401},
				{"forged", "tma " + forged, 401},
				{"expired", "tma " + expired, 401},
				{"another bot's", "tma " + otherBot, 401},
				{"student", "tma " + app.initData(studentUser), 403},
				{"mentor", "tma " + app.initData(mentorUser), 403},
				{"bicocca committee", "tma " + app.initData(bicoccaUser), e.committee},
			} {
				status, body := app.call(t, e.method, e.path, c.auth, e.body)
				if status != c.want {
					t.Errorf("as %s: status %d (%s); want %d", c.who, status, body, c.want)
				}
				if status >= 400 && !json.Valid(body) {
					t.Errorf("as %s: error body %q is not JSON", c.who, body)
				}
			}
		})
	}
	// Another university's committee sees none of bicocca's tickets.
	if status, body := app.as(t, palermoUser, "GET", "/app/api/tickets?university=bicocca", nil); status != 403 {
		t.Errorf("palermo's committee reading bicocca's tickets: %d %s; want 403", status, body)
	}
	// Staff get each read, and the decision last (it changes the state).
	for _, e := range endpoints {
		if e.method == "POST" && strings.HasSuffix(e.path, "publish") {
			continue
		}
		if status, body := app.as(t, staffUser, e.method, e.path, e.body); status != 200 {
			t.Errorf("%s %s as staff: %d %s; want 200", e.method, e.path, status, body)
		}
	}
}

// detail is the part of an application's JSON the tests read.
type detail struct {
	Ref     string `json:"ref"`
	State   string `json:"state"`
	Actions []struct {
		Action string `json:"action"`
	} `json:"actions"`
	Documents []struct {
		Kind string `json:"kind"`
		URL  string `json:"url"`
	} `json:"documents"`
	ZipURL string `json:"zip_url"`
}

// A decision taken in the workspace is the chat's: the chat's list
// shows it, the audit log holds it, the applicant hears nothing until
// publication, and publishing from the workspace tells them.
func TestWorkspaceDecisionsShowInTheChat(t *testing.T) {
	app := startApp(t)
	ctx := context.Background()
	post := func(action, text string) (int, []byte) {
		t.Helper()
		return app.as(t, staffUser, "POST", "/app/api/applications/"+app.ref+"/"+action, map[string]string{"text": text})
	}
	before := len(app.env.Server.Messages(studentUser.ID))
	staffBefore := len(app.env.Server.Messages(staffUser.ID))
	// Opening puts it under review, as opening it in the chat does;
	// opening it again changes nothing.
	var d detail
	for range 2 {
		status, body := post("open", "")
		if status != 200 || json.Unmarshal(body, &d) != nil || d.State != "review" {
			t.Fatalf("open: %d %s; want 200 and under review", status, body)
		}
	}
	status, body := post("acc", "")
	if status != 200 || json.Unmarshal(body, &d) != nil || d.State != "accepted" {
		t.Fatalf("accept: %d %s; want 200 and accepted", status, body)
	}
	// Pressed twice: the second is refused as the chat refuses it.
	status, body = post("acc", "")
	var refusal struct{ Error, ID string }
	if status != http.StatusConflict || json.Unmarshal(body, &refusal) != nil || refusal.ID != "review.not_now" || refusal.Error == "" {
		t.Errorf("second accept: %d %s; want 409 review.not_now", status, body)
	}
	if status, body = post("int", ""); status != http.StatusConflict {
		t.Errorf("interview of an accepted application: %d %s; want 409", status, body)
	}
	if status, body = post("erase", ""); status != http.StatusBadRequest {
		t.Errorf("unknown decision: %d %s; want 400", status, body)
	}

	a, err := app.env.Records.Application(ctx, app.ref)
	if err != nil || a.State != records.AppAccepted {
		t.Fatalf("application after the workspace's accept: %+v, %v", a, err)
	}
	entries, _, err := app.env.Records.AuditPage(ctx, 0, 5)
	if err != nil || len(entries) == 0 || entries[0].Action != "review.accept" || entries[0].Actor != staffUser.ID || entries[0].Subject != app.ref {
		t.Errorf("audit log = %+v, %v; want the accept by staff on %s first", entries, err, app.ref)
	}
	r := app.env.Command(staffUser, "applications", "")
	if !listShows(r.To(staffUser.ID), app.ref, app.env.Engine.Catalog().T("en", "review.state.accepted", nil)) {
		t.Errorf("/applications after the workspace's accept = %v; want %s shown accepted", r, app.ref)
	}
	if got := len(app.env.Server.Messages(staffUser.ID)) - staffBefore; got != len(r.To(staffUser.ID)) {
		t.Errorf("staff chat got %d messages, %d of them from /applications; the workspace's decisions say nothing there", got, len(r.To(staffUser.ID)))
	}

	if status, body = post("match", ""); status != 200 {
		t.Fatalf("match: %d %s", status, body)
	}
	if got := len(app.env.Server.Messages(studentUser.ID)); got != before {
		t.Errorf("applicant got %d messages before publication; want none", got-before)
	}
	status, body = app.as(t, staffUser, "POST", "/app/api/publish", nil)
	var pub struct{ Published int }
	if status != 200 || json.Unmarshal(body, &pub) != nil || pub.Published != 1 {
		t.Fatalf("publish: %d %s; want 200 with one published", status, body)
	}
	// The result reaches the applicant through the outbox; a message to
	// her after it is delivered after it, so its arrival means the
	// result's did.
	app.env.Command(studentUser, "status", "")
	var results int
	for _, m := range app.env.Server.Messages(studentUser.ID)[before:] {
		if strings.Contains(m.Text, "Marta") {
			results++
		}
	}
	if results == 0 {
		t.Errorf("applicant's messages after publishing = %v; want the match with Marta", app.env.Server.Messages(studentUser.ID)[before:])
	}
	if _, err := app.env.Records.Mentorship(ctx, app.ref); err != nil {
		t.Errorf("mentorship after publishing from the workspace: %v", err)
	}
}

// Documents come through the bot, and the ZIP holds all five.
func TestDocumentsAreStreamedThroughTheBot(t *testing.T) {
	app := startApp(t)
	status, body := app.as(t, staffUser, "GET", "/app/api/applications/"+app.ref, nil)
	var d detail
	if status != 200 || json.Unmarshal(body, &d) != nil || len(d.Documents) != 5 {
		t.Fatalf("detail: %d %s", status, body)
	}
	token := app.env.Server.Token()
	if strings.Contains(string(body), token) {
		t.Errorf("detail holds the bot token: %s", body)
	}
	status, doc := app.as(t, staffUser, "GET", d.Documents[0].URL, nil)
	if status != 200 || !bytes.HasPrefix(doc, []byte("%PDF")) {
		t.Errorf("document %s: %d %.40q; want the PDF", d.Documents[0].URL, status, doc)
	}
	status, zipped := app.as(t, staffUser, "GET", d.ZipURL, nil)
	if status != 200 {
		t.Fatalf("ZIP: %d %s", status, zipped)
	}
	z, err := zip.NewReader(bytes.NewReader(zipped), int64(len(zipped)))
	if err != nil || len(z.File) != 5 {
		t.Fatalf("ZIP: %v, %d files; want 5", err, len(z.File))
	}
	for _, f := range z.File {
		if !strings.HasPrefix(f.Name, app.ref+"-") || strings.ContainsAny(f.Name, "/\\") {
			t.Errorf("ZIP entry %q; want %s-<kind>-<name>, no directories", f.Name, app.ref)
		}
	}
	// Each taking is in the audit log, newest first, naming the
	// applicant, so erasing her reaches these entries too.
	entries, _, err := app.env.Records.AuditPage(context.Background(), 0, 2)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{app.ref + " all", app.ref + " " + d.Documents[0].Kind}
	for i, e := range entries {
		if e.Action != "workspace.documents" || e.Actor != staffUser.ID || e.Target != studentUser.ID || e.Subject != want[i] {
			t.Errorf("audit entry %d = %+v; want staff taking %q of Ada's", i, e, want[i])
		}
	}
	if status, _ := app.as(t, staffUser, "GET", "/app/api/applications/"+app.ref+"/documents/passport", nil); status != 404 {
		t.Errorf("unknown document: %d; want 404", status)
	}
	if status, _ := app.as(t, staffUser, "GET", "/app/api/applications/A-404/documents.zip", nil); status != 404 {
		t.Errorf("ZIP of an unknown application: %d; want 404", status)
	}
}

// The page is served without authentication but with a policy that
// keeps other sites from framing it or injecting script.
func TestPageIsServedWithItsPolicy(t *testing.T) {
	app := startApp(t)
	resp, err := http.Get(app.URL())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	csp := resp.Header.Get("Content-Security-Policy")
	if resp.StatusCode != 200 || !strings.Contains(csp, "frame-ancestors") || strings.Contains(csp, "unsafe-inline") {
		t.Errorf("page: %d, CSP %q", resp.StatusCode, csp)
	}
	resp, err = http.Get(app.URL() + "ui/app.js")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("app.js: %d", resp.StatusCode)
	}
}

// listShows reports whether a button of msgs, in /applications' list,
// shows application ref in state.
func listShows(msgs []telegramtest.Message, ref, state string) bool {
	for _, m := range msgs {
		for _, row := range m.Buttons {
			for _, b := range row {
				if strings.HasPrefix(b.Text, ref+" ") && strings.HasSuffix(b.Text, " "+state) {
					return true
				}
			}
		}
	}
	return false
}

// A committee sees its university's open tickets and their history,
// never another's; the student's words are not in it (they are
// relayed, not kept).
func TestCommitteeSeesItsOpenTickets(t *testing.T) {
	app := startApp(t)
	app.env.Command(studentUser, "support", "")
	app.env.Press(studentUser, "University of Milano Bicocca")
	app.env.Press(studentUser, app.env.Engine.Catalog().T("en", "support.topic.housing", nil))
	app.env.Text(studentUser, "Where can I find a room near campus?")

	var got struct {
		Items []struct {
			ID, Topic, State, Created string
			FirstName                 string `json:"first_name"`
		}
	}
	status, body := app.as(t, bicoccaUser, "GET", "/app/api/tickets", nil)
	if status != 200 || json.Unmarshal(body, &got) != nil || len(got.Items) != 1 {
		t.Fatalf("bicocca's tickets: %d %s; want the one request", status, body)
	}
	if tk := got.Items[0]; tk.Topic != "housing" || tk.State != "open" || tk.FirstName != "Ada" || tk.Created == "" {
		t.Errorf("ticket = %+v", tk)
	}
	if strings.Contains(string(body), "room near campus") {
		t.Errorf("the tickets hold the request's text: %s", body)
	}
	for _, c := range []struct {
		who  telegramtest.User
		path string
		want int
	}{
		{palermoUser, "/app/api/tickets", 200}, // their own: none
		{palermoUser, "/app/api/tickets?university=bicocca", 403},
		{staffUser, "/app/api/tickets?university=bicocca", 200},
		{staffUser, "/app/api/tickets?university=nowhere", 400},
		{studentUser, "/app/api/tickets?university=bicocca", 403},
	} {
		if status, body := app.as(t, c.who, "GET", c.path, nil); status != c.want {
			t.Errorf("%s as %d: %d %s; want %d", c.path, c.who.ID, status, body, c.want)
		}
	}
	status, body = app.as(t, palermoUser, "GET", "/app/api/tickets", nil)
	if status != 200 || json.Unmarshal(body, &got) != nil || len(got.Items) != 0 {
		t.Errorf("palermo's own tickets: %d %s; want none", status, body)
	}
}

// The mentorships table follows a publication made in the workspace.
func TestMentorshipsOfTheEdition(t *testing.T) {
	app := startApp(t)
	for _, action := range []string{"acc", "match"} {
		if status, body := app.as(t, staffUser, "POST", "/app/api/applications/"+app.ref+"/"+action, nil); status != 200 {
			t.Fatalf("%s: %d %s", action, status, body)
		}
	}
	var got struct {
		Items []struct {
			ID, Mentee, Mentor, ECTS string
			Agreed                   bool
			Meetings, Held           int
		}
	}
	if status, body := app.as(t, staffUser, "GET", "/app/api/mentorships", nil); status != 200 || json.Unmarshal(body, &got) != nil || len(got.Items) != 0 {
		t.Fatalf("mentorships before publication: %d %s; want none", status, body)
	}
	if status, body := app.as(t, staffUser, "POST", "/app/api/publish", nil); status != 200 {
		t.Fatalf("publish: %d %s", status, body)
	}
	status, body := app.as(t, staffUser, "GET", "/app/api/mentorships", nil)
	if status != 200 || json.Unmarshal(body, &got) != nil || len(got.Items) != 1 {
		t.Fatalf("mentorships: %d %s; want one", status, body)
	}
	if m := got.Items[0]; m.ID != app.ref || !strings.HasPrefix(m.Mentee, "Ada") || !strings.HasPrefix(m.Mentor, "Marta") || m.Agreed || m.ECTS != "none" {
		t.Errorf("mentorship = %+v; want Ada with Marta, no agreement yet, no credit form", m)
	}
	var n struct {
		ByState []struct {
			ID    string
			Count int
		} `json:"by_state"`
	}
	if status, body := app.as(t, staffUser, "GET", "/app/api/numbers", nil); status != 200 || json.Unmarshal(body, &n) != nil {
		t.Fatalf("numbers: %d %s", status, body)
	}
	for _, c := range n.ByState {
		if want := map[string]int{"published": 1}[c.ID]; c.Count != want {
			t.Errorf("numbers: %d %s; want %d", c.Count, c.ID, want)
		}
	}
}
