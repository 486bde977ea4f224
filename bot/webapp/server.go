// Package webapp serves the staff and committee workspace as a
// Telegram Mini App: an html/template page with a little vanilla
// JavaScript under /app/, and a JSON API under /app/api/ that reads
// and decides through flows.Workspace, so the rules, the role checks
// and the audit log are the chat's own.
//
// Every API request carries Telegram's initData in an
// "Authorization: tma <initData>" header; there is no other session,
// no cookie and no token in any URL. A request without valid initData
// signed within the hour is a 401; a person without the role a 403.
package webapp

import (
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"html/template"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/mentorbot/mentorbot/flows"
	"github.com/mentorbot/mentorbot/flows/records"
	"github.com/mentorbot/mentorbot/locales"
)

//go:embed ui
var ui embed.FS

// Path is where the workspace is served: its page at Path, its API
// under Path+"api/".
const Path = "/app/"

// Files opens a file Telegram keeps for the bot: bot.Files, which
// downloads it through getFile so the token never reaches a browser.
type Files interface {
	Open(ctx context.Context, fileID string) (io.ReadCloser, error)
}

// Config is what a Server needs; Workspace, Token and Files are
// required.
type Config struct {
	Workspace *flows.Workspace
	// Token is the bot's token, whose initData the server takes.
	Token string
	Files Files
	// Now is the clock initData's age is checked against; time.Now
	// when nil.
	Now    func() time.Time
	Logger *slog.Logger
}

// Server is the workspace's HTTP handler. Make it with New.
type Server struct {
	cfg     Config
	page    *template.Template
	version string
	static  http.Handler
	mux     *http.ServeMux
}

// New returns the workspace's server. It fails when cfg lacks what it
// needs or the embedded page does not parse.
func New(cfg Config) (*Server, error) {
	if cfg.Workspace == nil || cfg.Token == "" || cfg.Files == nil {
		return nil, errors.New("webapp: Config needs Workspace, Token and Files")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	page, err := template.ParseFS(ui, "ui/index.html")
	if err != nil {
		return nil, err
	}
	sum := sha256.New()
	for _, name := range []string{"ui/index.html", "ui/app.js", "ui/app.css"} {
		b, err := ui.ReadFile(name)
		if err != nil {
			return nil, err
		}
		sum.Write(b)
	}
	sub, err := fs.Sub(ui, "ui")
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, page: page, version: hex.EncodeToString(sum.Sum(nil))[:12],
		static: http.StripPrefix(Path+"ui/", http.FileServerFS(sub)), mux: http.NewServeMux()}
	s.routes()
	return s, nil
}

// ServeHTTP serves the workspace; mount it at Path.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	s.mux.ServeHTTP(w, r)
}

// contentPolicy lets the page load its own script and style and
// Telegram's Mini App script, talk to its own API, and be framed by
// Telegram's web clients only.
const contentPolicy = "default-src 'self'; script-src 'self' https://telegram.org; style-src 'self'; " +
	"img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; " +
	"frame-ancestors 'self' https://web.telegram.org https://*.telegram.org"

func (s *Server) routes() {
	s.mux.HandleFunc("GET "+Path+"{$}", s.index)
	s.mux.Handle("GET "+Path+"ui/", s.assets())
	api := Path + "api/"
	s.mux.Handle("GET "+api+"me", s.auth(staffOrCommittee, s.me))
	s.mux.Handle("GET "+api+"applications", s.auth(staffOnly, s.applications))
	s.mux.Handle("GET "+api+"applications/{ref}", s.auth(staffOnly, s.application))
	s.mux.Handle("GET "+api+"applications/{ref}/documents/{kind}", s.auth(staffOnly, s.document))
	s.mux.Handle("GET "+api+"applications/{ref}/documents.zip", s.auth(staffOnly, s.documentsZip))
	s.mux.Handle("POST "+api+"applications/{ref}/{action}", s.auth(staffOnly, s.decide))
	s.mux.Handle("GET "+api+"publish", s.auth(staffOnly, s.pending))
	s.mux.Handle("POST "+api+"publish", s.auth(staffOnly, s.publish))
	s.mux.Handle("GET "+api+"mentorships", s.auth(staffOnly, s.mentorships))
	s.mux.Handle("GET "+api+"numbers", s.auth(staffOnly, s.numbers))
	s.mux.Handle("GET "+api+"tickets", s.auth(staffOrCommittee, s.tickets))
	s.mux.HandleFunc(api, func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "not found")
	})
}

// index serves the page: a shell whose texts app.js fills in from
// /app/api/me, once it knows who is looking.
func (s *Server) index(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", contentPolicy)
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-cache")
	if err := s.page.Execute(w, struct{ Version, Nonce string }{s.version, ""}); err != nil {
		s.cfg.Logger.Error("workspace page", "err", err)
	}
}

// assets serves app.js and app.css; the page names them with the
// version, so they may be cached for good.
func (s *Server) assets() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("v") == s.version {
			w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		}
		s.static.ServeHTTP(w, r)
	})
}

// access says who may call an endpoint, given who is calling.
type access func(v flows.Viewer) bool

// staffOrCommittee may open the workspace and read tickets (which
// university's, the handler checks); staffOnly may do the rest.
func staffOrCommittee(v flows.Viewer) bool { return v.Staff || v.Committee != "" }
func staffOnly(v flows.Viewer) bool        { return v.Staff }

// apiHandler is an endpoint, given the checked viewer.
type apiHandler func(w http.ResponseWriter, r *http.Request, v flows.Viewer, id InitData)

// auth checks the request's initData and the viewer's role before h:
// 401 without valid initData, 403 without the role. Roles are read
// from the records at each request, so a revoked member loses the
// workspace at once.
func (s *Server) auth(may access, h apiHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		scheme, raw, _ := strings.Cut(r.Header.Get("Authorization"), " ")
		if !strings.EqualFold(scheme, "tma") {
			raw = ""
		}
		id, err := ParseInitData(strings.TrimSpace(raw), s.cfg.Token, s.cfg.Now())
		if err != nil {
			w.Header().Set("WWW-Authenticate", "tma")
			writeError(w, http.StatusUnauthorized, s.cfg.Workspace.Catalog().T(locales.Default, "workspace.error.unauthorized", nil))
			return
		}
		v, err := s.cfg.Workspace.Viewer(r.Context(), id.User)
		if err != nil {
			s.fail(w, r, locales.Default, err)
			return
		}
		if !may(v) {
			writeError(w, http.StatusForbidden, v.T("workspace.error.forbidden", nil))
			return
		}
		h(w, r, v, id)
	})
}

// errorBody is every error's JSON: Error is the text to show, ID its
// locales id where it came from the flows.
type errorBody struct {
	Error string `json:"error"`
	ID    string `json:"id,omitempty"`
}

func writeError(w http.ResponseWriter, status int, text string) {
	writeJSON(w, status, errorBody{Error: text})
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

// fail answers, in lang, an error of the flows or the records: 404 for what is
// not there, 400 for a query the workspace does not know, 500 (logged)
// for the rest.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, lang string, err error) {
	cat := s.cfg.Workspace.Catalog()
	switch {
	case errors.Is(err, records.ErrNotFound):
		writeError(w, http.StatusNotFound, cat.T(lang, "workspace.error.not_found", nil))
	case errors.Is(err, flows.ErrBadQuery):
		writeError(w, http.StatusBadRequest, cat.T(lang, "workspace.error.bad_request", nil))
	case errors.Is(err, context.Canceled):
		// The page went away; nobody reads the answer.
	default:
		s.cfg.Logger.Error("workspace request", "method", r.Method, "path", r.URL.Path, "err", err)
		writeError(w, http.StatusInternalServerError, cat.T(lang, "workspace.error.failed", nil))
	}
}
