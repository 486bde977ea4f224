package webapp

import (
	"archive/zip"
	"fmt"
	"io"
	"mime"
	"net/http"
	"path"
	"strings"

	"github.com/mentorbot/mentorbot/flows"
	"github.com/mentorbot/mentorbot/flows/records"
)

// document streams one uploaded document from Telegram to the page,
// once the audit log holds who took it:
// the bot downloads it (getFile) as it is read, so neither the token
// nor Telegram's file address reaches the browser, and nothing is kept
// on disk.
func (s *Server) document(w http.ResponseWriter, r *http.Request, v flows.Viewer, _ InitData) {
	ref, kind := r.PathValue("ref"), r.PathValue("kind")
	d, err := s.cfg.Workspace.Document(r.Context(), v, ref, kind)
	if err != nil {
		s.fail(w, r, v.Lang, err)
		return
	}
	body, err := s.cfg.Files.Open(r.Context(), d.FileID)
	if err != nil {
		s.fail(w, r, v.Lang, fmt.Errorf("download %s of %s: %w", kind, ref, err))
		return
	}
	defer body.Close()
	h := w.Header()
	h.Set("Content-Type", contentType(d))
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": fileName(ref, kind, d)}))
	if _, err := io.Copy(w, body); err != nil {
		s.cfg.Logger.Warn("workspace document cut short", "ref", ref, "kind", kind, "err", err)
	}
}

// documentsZip streams every document of an application as one ZIP,
// each downloaded from Telegram in turn. Once the first byte went out
// an error can only cut the archive short: the browser then reports a
// damaged file, and the log says why.
func (s *Server) documentsZip(w http.ResponseWriter, r *http.Request, v flows.Viewer, _ InitData) {
	ref := r.PathValue("ref")
	kinds, docs, err := s.cfg.Workspace.Documents(r.Context(), v, ref)
	if err != nil {
		s.fail(w, r, v.Lang, err)
		return
	}
	if len(kinds) == 0 {
		s.fail(w, r, v.Lang, fmt.Errorf("documents of %s: %w", ref, records.ErrNotFound))
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/zip")
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": ref + ".zip"}))
	z := zip.NewWriter(w)
	for _, kind := range kinds {
		if err := s.addToZip(r, z, ref, kind, docs[kind]); err != nil {
			s.cfg.Logger.Warn("workspace ZIP cut short", "ref", ref, "kind", kind, "err", err)
			return
		}
	}
	if err := z.Close(); err != nil {
		s.cfg.Logger.Warn("workspace ZIP cut short", "ref", ref, "err", err)
	}
}

func (s *Server) addToZip(r *http.Request, z *zip.Writer, ref, kind string, d records.Document) error {
	body, err := s.cfg.Files.Open(r.Context(), d.FileID)
	if err != nil {
		return err
	}
	defer body.Close()
	// Uploads are PDFs and office files, already compressed.
	f, err := z.CreateHeader(&zip.FileHeader{Name: fileName(ref, kind, d), Method: zip.Store})
	if err != nil {
		return err
	}
	_, err = io.Copy(f, body)
	return err
}

// fileName names a document for the person saving it: the reference
// and kind first, so the five files of an application sort together,
// then the name it was uploaded with, without any directory.
func fileName(ref, kind string, d records.Document) string {
	name := path.Base(strings.ReplaceAll(d.FileName, "\\", "/"))
	if name == "." || name == "/" || name == "" {
		name = kind
	}
	return ref + "-" + kind + "-" + name
}

// contentType is the document's type as Telegram reported it, when it
// is one of the types an application takes; anything else is served as
// bytes to save, never as something the browser would render.
func contentType(d records.Document) string {
	switch d.MIMEType {
	case "application/pdf", "application/msword",
		"application/vnd.openxmlformats-officedocument.wordprocessingml.document":
		return d.MIMEType
	}
	return "application/octet-stream"
}
