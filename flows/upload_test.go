package flows_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"testing"

	"github.com/mentorbot/mentorbot/flows"
	"github.com/mentorbot/mentorbot/flows/doccheck/doctest"
)

// fakeFiles serves uploads by file id: their content, or an error.
type fakeFiles map[string]any

var _ flows.Files = fakeFiles(nil)

func (f fakeFiles) Open(_ context.Context, fileID string) (io.ReadCloser, error) {
	switch v := f[fileID].(type) {
	case []byte:
		return io.NopCloser(bytes.NewReader(v)), nil
	case error:
		return nil, v
	}
	return nil, errors.New("no such file")
}

// newHarnessFiles is newHarness with the engine reading uploads from
// files.
func newHarnessFiles(tb testing.TB, files flows.Files) *harness {
	tb.Helper()
	h := newHarness(tb)
	e, err := flows.New(flows.Config{Store: h.store, Catalog: h.engine.Catalog(), Program: h.program, Now: h.clock.Now,
		BotUsername: "mentor_test_bot", Files: files})
	if err != nil {
		tb.Fatal(err)
	}
	h.engine = e
	return h
}

// TestUploadsAreChecked: at a document step, a file whose content is
// not the document it says it is, or that cannot be downloaded, is
// refused with a message saying why, nothing is kept and the same step
// is asked again; a real one is kept. Without the check, all of them
// were taken.
func TestUploadsAreChecked(t *testing.T) {
	pdf, docx := doctest.PDF(), doctest.DOCX()
	files := fakeFiles{
		"empty":     []byte{},
		"text":      []byte("Curriculum vitae\nAda Lovelace\n"),
		"stub":      []byte("%PDF-1.4 test"),
		"docx":      docx,
		"pdf":       pdf,
		"locked":    append([]byte(nil), bytes.Replace(pdf, []byte("/Root 1 0 R >>"), []byte("/Root 1 0 R /Encrypt << /Filter /Other >> >>"), 1)...),
		"unreached": errors.New("telegram: 502 Bad Gateway"),
		"cut":       io.ErrUnexpectedEOF,
	}
	tests := []struct {
		name, fileID, fileName, mime string
		want                         string
		data                         map[string]any
	}{
		{"empty PDF", "empty", "cv.pdf", pdfMIME, "apply.upload.empty", nil},
		{"text renamed .pdf", "text", "cv.pdf", pdfMIME, "apply.upload.not_document", map[string]any{"Format": "PDF"}},
		{"PDF header and nothing else", "stub", "cv.pdf", pdfMIME, "apply.upload.not_document", map[string]any{"Format": "PDF"}},
		{"DOCX named .pdf", "docx", "cv.pdf", pdfMIME, "apply.upload.not_document", map[string]any{"Format": "PDF"}},
		{"PDF named .docx", "pdf", "cv.docx", docxMIME, "apply.upload.not_document", map[string]any{"Format": "DOCX"}},
		{"encrypted PDF", "locked", "cv.pdf", pdfMIME, "apply.upload.locked", nil},
		{"download fails", "unreached", "cv.pdf", pdfMIME, "apply.upload.unavailable", nil},
		{"download cut short", "cut", "cv.pdf", pdfMIME, "apply.upload.unavailable", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarnessFiles(t, files)
			u := user(studentA, "en")
			h.answer(u, flows.DegreeBachelor, 2, madrid, "B1")
			r := h.handle(flows.Event{Kind: flows.KindDocument, From: u,
				File: &flows.File{FileID: tt.fileID, FileName: tt.fileName, MIMEType: tt.mime, Size: 1000}})
			wantSaid(t, r, studentA, tt.want)
			if tt.data != nil {
				h.wantRendered(t, r, studentA, "en", tt.want, tt.data)
			}
			h.wantStep(t, r, u, 5)
			a, err := h.rec.ApplicationOf(context.Background(), studentA)
			if err != nil || len(a.Documents) != 0 {
				t.Errorf("after %s: documents %v, %v; want none", tt.name, a.Documents, err)
			}
		})
	}
}

// TestCheckedUploadsAreKept: real documents pass, a Word document
// whichever of .doc and .docx it is named, and the flow goes on.
func TestCheckedUploadsAreKept(t *testing.T) {
	h := newHarnessFiles(t, fakeFiles{"pdf": doctest.PDF(), "docx": doctest.DOCX(), "doc": doctest.DOC()})
	u := user(studentA, "en")
	r := h.answer(u, flows.DegreeBachelor, 2, madrid, "B1")
	for i, f := range []flows.File{
		{FileID: "pdf", FileName: "cv-it.pdf", MIMEType: pdfMIME},
		{FileID: "docx", FileName: "cv-es.doc", MIMEType: "application/msword"},
		{FileID: "doc", FileName: "letter-it.doc", MIMEType: "application/msword"},
		{FileID: "docx", FileName: "letter-es.docx", MIMEType: docxMIME},
		{FileID: "pdf", FileName: "dele-b1.pdf", MIMEType: pdfMIME},
	} {
		h.wantStep(t, r, u, 5+i)
		r = h.handle(flows.Event{Kind: flows.KindDocument, From: u, File: &f})
		wantSaid(t, r, studentA, "apply.upload.received")
	}
	wantSaid(t, r, studentA, "apply.summary")
}
