package doccheck_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"testing"
	"testing/iotest"

	"github.com/mentorbot/mentorbot/flows/doccheck"
	"github.com/mentorbot/mentorbot/flows/doccheck/doctest"
	"github.com/mentorbot/mentorbot/flows/pdfdoc"
)

const limit = 1 << 20

// rendered is a PDF as mentorbot renders its own, with embedded fonts.
func rendered(tb testing.TB) []byte {
	tb.Helper()
	b, err := pdfdoc.Render(pdfdoc.Document{Title: "Diary", Sections: []pdfdoc.Section{{Heading: "Meeting", Body: "Notes"}}})
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func TestCheckAccepts(t *testing.T) {
	withJunk := append(doctest.PDF(), "\x00\x00\r\n-- appended by a mailer --\n"...)
	v2 := bytes.Replace(doctest.PDF(), []byte("%PDF-1.4"), []byte("%PDF-2.0"), 1)
	tests := []struct {
		name string
		data []byte
		want doccheck.Format
	}{
		{"minimal PDF", doctest.PDF(), doccheck.PDF},
		{"rendered PDF", rendered(t), doccheck.PDF},
		{"PDF 2.0", v2, doccheck.PDF},
		{"bytes after %%EOF", withJunk, doccheck.PDF},
		{"PDF with an object stream", objStreamPDF(t), doccheck.PDF},
		{"DOC", doctest.DOC(), doccheck.DOC},
		{"DOCX", doctest.DOCX(), doccheck.DOCX},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := doccheck.Check(context.Background(), bytes.NewReader(tt.data), limit)
			if got != tt.want || err != nil {
				t.Errorf("Check(%s) = %q, %v; want %q", tt.name, got, err, tt.want)
			}
		})
	}
}

func TestCheckRefuses(t *testing.T) {
	pdf := doctest.PDF()
	tests := []struct {
		name string
		data []byte
		want error
	}{
		{"empty", nil, doccheck.ErrEmpty},
		{"text renamed .pdf", []byte("Curriculum vitae\nAda Lovelace\n"), doccheck.ErrNotDocument},
		{"header only", []byte("%PDF-1.4\n"), doccheck.ErrNotDocument},
		{"header and text", []byte("%PDF-1.4 test"), doccheck.ErrNotDocument},
		{"cut in half", pdf[:len(pdf)/2], doccheck.ErrNotDocument},
		{"no pages", doctest.BuildPDF("<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [] /Count 0 >>"), doccheck.ErrNotDocument},
		{"pages pointing at themselves", doctest.BuildPDF("<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [2 0 R] /Count 1 >>"), doccheck.ErrNotDocument},
		{"wrong startxref", bytes.Replace(pdf, []byte("startxref\n"), []byte("startxref\n1"), 1), doccheck.ErrNotDocument},
		{"password protected", encrypted(t), doccheck.ErrLocked},
		{"OLE header cut short", doctest.DOC()[:100], doccheck.ErrNotDocument},
		{"zip without a Word document", zipOf(t, "xl/workbook.xml"), doccheck.ErrNotDocument},
		{"zip header only", []byte("PK\x03\x04 not really"), doccheck.ErrNotDocument},
		{"PNG", []byte("\x89PNG\r\n\x1a\n"), doccheck.ErrNotDocument},
		{"too big", append(doctest.PDF(), make([]byte, limit)...), doccheck.ErrTooBig},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := doccheck.Check(context.Background(), bytes.NewReader(tt.data), limit)
			if !errors.Is(err, tt.want) || got != "" {
				t.Errorf("Check(%s) = %q, %v; want an error wrapping %v", tt.name, got, err, tt.want)
			}
		})
	}
}

func TestCheckReportsReadErrors(t *testing.T) {
	broken := errors.New("connection reset")
	r := io.MultiReader(bytes.NewReader(doctest.PDF()[:50]), iotest.ErrReader(broken))
	_, err := doccheck.Check(context.Background(), r, limit)
	if !errors.Is(err, broken) {
		t.Fatalf("Check(reader failing halfway) = %v; want it to wrap %v", err, broken)
	}
	for _, refusal := range []error{doccheck.ErrEmpty, doccheck.ErrNotDocument, doccheck.ErrTooBig, doccheck.ErrLocked} {
		if errors.Is(err, refusal) {
			t.Errorf("Check(reader failing halfway) = %v; a failed read is no refusal of the file", err)
		}
	}
}

func TestCheckEndsWithItsContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := doccheck.Check(ctx, bytes.NewReader(doctest.PDF()), limit)
	if !errors.Is(err, context.Canceled) || errors.Is(err, doccheck.ErrNotDocument) {
		t.Fatalf("Check(ended context) = %v; want context.Canceled, no refusal", err)
	}
}
