package webapp_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/mentorbot/mentorbot/bot"
	"github.com/mentorbot/mentorbot/bot/bottest"
	"github.com/mentorbot/mentorbot/bot/telegramtest"
	"github.com/mentorbot/mentorbot/bot/webapp"
	"github.com/mentorbot/mentorbot/flows"
)

// People of the workspace tests, from flows/testdata/program.toml.
var (
	staffUser   = bottest.User(100000001, "Sara", "en")
	mentorUser  = bottest.User(200000001, "Marta", "it")
	studentUser = bottest.User(300000001, "Ada", "en")
	// bicoccaUser is on the committee of bicocca, palermoUser on that
	// of palermo.
	bicoccaUser = bottest.User(400000001, "Bea", "it")
	palermoUser = bottest.User(400000003, "Pino", "it")
)

// testApp is the workspace served over HTTP by the real bot's engine,
// with the fake Telegram behind it: what the page does shows in the
// chat, and the other way round.
type testApp struct {
	env *bottest.Env
	srv *httptest.Server
	// ref is Ada's submitted application to madrid-ai, whose mentor
	// Marta opened the bot.
	ref string
}

// startApp starts the bot, has Marta open it and Ada apply, and serves
// the workspace of the bot's engine.
func startApp(tb testing.TB) *testApp {
	tb.Helper()
	env := bottest.Start(tb, bottest.WithoutLimits())
	env.Command(mentorUser, "start", "")
	ref, _ := bottest.Apply(env, studentUser)
	ws, err := flows.NewWorkspace(env.Engine)
	if err != nil {
		tb.Fatal(err)
	}
	files, err := bot.NewFiles(env.Server.Token(), env.Server.URL(), nil)
	if err != nil {
		tb.Fatal(err)
	}
	s, err := webapp.New(webapp.Config{Workspace: ws, Token: env.Server.Token(), Files: files})
	if err != nil {
		tb.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle(webapp.Path, s)
	srv := httptest.NewServer(mux)
	tb.Cleanup(srv.Close)
	return &testApp{env: env, srv: srv, ref: ref}
}

// initData is u's initData for this bot, signed now.
func (a *testApp) initData(u telegramtest.User) string {
	return webapp.SignInitData(a.env.Server.Token(), bottest.FlowsUser(u), time.Now())
}

// URL is the workspace's page.
func (a *testApp) URL() string { return a.srv.URL + webapp.Path }

// call sends method path with auth as the Authorization header ("" for
// none) and body as JSON, and returns the status and the body.
func (a *testApp) call(tb testing.TB, method, path, auth string, body any) (int, []byte) {
	tb.Helper()
	var in io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			tb.Fatal(err)
		}
		in = strings.NewReader(string(b))
	}
	req, err := http.NewRequest(method, a.srv.URL+path, in)
	if err != nil {
		tb.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := a.srv.Client().Do(req)
	if err != nil {
		tb.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatal(err)
	}
	return resp.StatusCode, out
}

// as calls method path as u.
func (a *testApp) as(tb testing.TB, u telegramtest.User, method, path string, body any) (int, []byte) {
	tb.Helper()
	return a.call(tb, method, path, "tma "+a.initData(u), body)
}
