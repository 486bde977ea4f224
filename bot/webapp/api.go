package webapp

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/mentorbot/mentorbot/flows"
	"github.com/mentorbot/mentorbot/locales"
)

// option is one choice of a filter.
type option struct {
	ID    string `json:"id"`
	Label string `json:"label"`
}

// university is one university a viewer may see the tickets of.
type university struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// meBody is what the page needs to draw itself for the viewer.
type meBody struct {
	User struct {
		ID   int64  `json:"id"`
		Name string `json:"name"`
	} `json:"user"`
	Lang         string            `json:"lang"`
	Dir          string            `json:"dir"`
	Staff        bool              `json:"staff"`
	Committee    string            `json:"committee"`
	Edition      string            `json:"edition"`
	Labels       map[string]string `json:"labels"`
	Projects     []option          `json:"projects"`
	States       []option          `json:"states"`
	Degrees      []option          `json:"degrees"`
	Levels       []string          `json:"levels"`
	Universities []university      `json:"universities"`
}

// labelPrefixes are the catalog ids the page's texts come from.
var labelPrefixes = []string{"webapp.", "workspace.", "review.state.", "review.action."}

func (s *Server) me(w http.ResponseWriter, r *http.Request, v flows.Viewer, _ InitData) {
	ws := s.cfg.Workspace
	p := ws.Program()
	var b meBody
	b.User.ID, b.User.Name = v.ID, v.Name
	b.Lang, b.Dir, b.Staff, b.Committee, b.Edition = v.Lang, v.Dir(), v.Staff, v.Committee, ws.Edition()
	b.Labels = make(map[string]string)
	ids, err := locales.IDs(locales.Default)
	if err != nil {
		s.fail(w, r, v.Lang, err)
		return
	}
	for _, id := range ids {
		for _, prefix := range labelPrefixes {
			if strings.HasPrefix(id, prefix) {
				b.Labels[id] = v.T(id, nil)
			}
		}
	}
	b.Projects, b.States, b.Degrees, b.Levels, b.Universities = []option{}, []option{}, []option{}, flows.CertificateLevels(), []university{}
	if v.Staff {
		for _, pr := range p.Projects {
			b.Projects = append(b.Projects, option{ID: pr.ID, Label: pr.TitleIn(v.Lang)})
		}
		for _, st := range flows.ListStates() {
			b.States = append(b.States, option{ID: st, Label: v.T("review.state."+st, nil)})
		}
		for _, l := range p.Levels {
			b.Degrees = append(b.Degrees, option{ID: l.ID, Label: ws.DegreeName(v, l.ID)})
		}
	}
	for _, u := range p.Universities {
		if v.Staff || u.ID == v.Committee {
			b.Universities = append(b.Universities, university{ID: u.ID, Name: u.Name})
		}
	}
	writeJSON(w, http.StatusOK, b)
}

func (s *Server) applications(w http.ResponseWriter, r *http.Request, v flows.Viewer, _ InitData) {
	q := r.URL.Query()
	page := 1
	if p := q.Get("page"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 {
			s.fail(w, r, v.Lang, flows.ErrBadQuery)
			return
		}
		page = n
	}
	out, err := s.cfg.Workspace.Applications(r.Context(), v, flows.AppQuery{Project: q.Get("project"), State: q.Get("state"),
		Degree: q.Get("degree"), Level: q.Get("level"), Text: q.Get("q"), Sort: q.Get("sort"), Page: page})
	if err != nil {
		s.fail(w, r, v.Lang, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// detailBody is an application with the addresses of its documents.
type detailBody struct {
	flows.AppDetail
	Documents []documentBody `json:"documents"`
	ZipURL    string         `json:"zip_url"`
}

type documentBody struct {
	flows.DocRow
	URL string `json:"url"`
}

func (s *Server) application(w http.ResponseWriter, r *http.Request, v flows.Viewer, _ InitData) {
	s.writeDetail(w, r, v, r.PathValue("ref"), http.StatusOK)
}

// writeDetail answers with application ref as it is now.
func (s *Server) writeDetail(w http.ResponseWriter, r *http.Request, v flows.Viewer, ref string, status int) {
	d, err := s.cfg.Workspace.Application(r.Context(), v, ref)
	if err != nil {
		s.fail(w, r, v.Lang, err)
		return
	}
	base := Path + "api/applications/" + url.PathEscape(d.Ref) + "/documents"
	body := detailBody{AppDetail: d, Documents: []documentBody{}, ZipURL: base + ".zip"}
	for _, doc := range d.Documents {
		body.Documents = append(body.Documents, documentBody{DocRow: doc, URL: base + "/" + doc.Kind})
	}
	writeJSON(w, status, body)
}

// maxDecisionBody bounds a decision's JSON: a note of at most 1,000
// characters, quoted.
const maxDecisionBody = 16 << 10

// decide takes a decision on an application, or ("open") puts it under
// review as staff open it.
func (s *Server) decide(w http.ResponseWriter, r *http.Request, v flows.Viewer, id InitData) {
	var body struct {
		Text string `json:"text"`
	}
	if err := decodeBody(w, r, &body); err != nil {
		s.fail(w, r, v.Lang, err)
		return
	}
	ref, action := r.PathValue("ref"), r.PathValue("action")
	var out flows.Outcome
	var err error
	if action == "open" {
		out, err = s.cfg.Workspace.Open(r.Context(), id.User, ref)
	} else {
		out, err = s.cfg.Workspace.Decide(r.Context(), id.User, ref, action, body.Text)
	}
	if err != nil {
		s.fail(w, r, v.Lang, err)
		return
	}
	if !s.done(w, out) {
		return
	}
	s.writeDetail(w, r, v, ref, http.StatusOK)
}

// decodeBody reads a small JSON body into dst; an empty body leaves
// dst as it is.
func decodeBody(w http.ResponseWriter, r *http.Request, dst any) error {
	err := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxDecisionBody)).Decode(dst)
	if err != nil && !errors.Is(err, io.EOF) {
		return flows.ErrBadQuery
	}
	return nil
}

// done answers an action the flows refused, as the chat would have
// put it: 403 when the role is missing, else 409 (it does not fit the
// application as it is now). It reports whether out was done.
func (s *Server) done(w http.ResponseWriter, out flows.Outcome) bool {
	if out.Done {
		return true
	}
	status := http.StatusConflict
	if out.ID == "error.not_allowed" {
		status = http.StatusForbidden
	}
	writeJSON(w, status, errorBody{Error: out.Text, ID: out.ID})
	return false
}

func (s *Server) pending(w http.ResponseWriter, r *http.Request, v flows.Viewer, _ InitData) {
	p, err := s.cfg.Workspace.PendingResults(r.Context(), v)
	if err != nil {
		s.fail(w, r, v.Lang, err)
		return
	}
	writeJSON(w, http.StatusOK, p)
}

func (s *Server) publish(w http.ResponseWriter, r *http.Request, v flows.Viewer, id InitData) {
	before, err := s.cfg.Workspace.PendingResults(r.Context(), v)
	if err != nil {
		s.fail(w, r, v.Lang, err)
		return
	}
	out, err := s.cfg.Workspace.Publish(r.Context(), id.User)
	if err != nil {
		s.fail(w, r, v.Lang, err)
		return
	}
	if !s.done(w, out) {
		return
	}
	after, err := s.cfg.Workspace.PendingResults(r.Context(), v)
	if err != nil {
		s.fail(w, r, v.Lang, err)
		return
	}
	writeJSON(w, http.StatusOK, struct {
		Published int    `json:"published"`
		Text      string `json:"text"`
	}{before.Matched + before.Rejected - after.Matched - after.Rejected, out.Text})
}

func (s *Server) mentorships(w http.ResponseWriter, r *http.Request, v flows.Viewer, _ InitData) {
	items, err := s.cfg.Workspace.Mentorships(r.Context(), v)
	if err != nil {
		s.fail(w, r, v.Lang, err)
		return
	}
	writeJSON(w, http.StatusOK, struct {
		Items []flows.MentorshipRow `json:"items"`
	}{items})
}

func (s *Server) numbers(w http.ResponseWriter, r *http.Request, v flows.Viewer, _ InitData) {
	n, err := s.cfg.Workspace.Numbers(r.Context(), v)
	if err != nil {
		s.fail(w, r, v.Lang, err)
		return
	}
	writeJSON(w, http.StatusOK, n)
}

// tickets answers with the open tickets of a university: any for
// staff, only their own for a committee member.
func (s *Server) tickets(w http.ResponseWriter, r *http.Request, v flows.Viewer, _ InitData) {
	uni := r.URL.Query().Get("university")
	if uni == "" {
		uni = v.Committee
	}
	if !v.Staff && uni != v.Committee {
		writeError(w, http.StatusForbidden, v.T("workspace.error.forbidden", nil))
		return
	}
	items, err := s.cfg.Workspace.Tickets(r.Context(), v, uni)
	if err != nil {
		s.fail(w, r, v.Lang, err)
		return
	}
	writeJSON(w, http.StatusOK, struct {
		Items []flows.TicketRow `json:"items"`
	}{items})
}
