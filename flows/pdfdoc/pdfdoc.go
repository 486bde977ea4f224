// Package pdfdoc renders mentorbot's documents (a diary entry, the ECTS
// credit recognition form) as A4 PDFs. It embeds DejaVu Sans, so Italian
// accents and Greek, Cyrillic or Arabic names print as they were typed,
// and its text can be extracted again (every font carries a ToUnicode
// map). It knows nothing about Telegram or the flows.
package pdfdoc

import (
	_ "embed" // the fonts below
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/signintech/gopdf"
)

// DejaVu Sans, licensed under the Bitstream Vera licence with DejaVu's
// changes in the public domain; see fonts/LICENSE-DejaVu.txt.
var (
	//go:embed fonts/DejaVuSans.ttf
	regularFont []byte
	//go:embed fonts/DejaVuSans-Bold.ttf
	boldFont []byte
)

// Field is one labelled value in a document's header block, such as
// "Mentee: Zoë Ivanova".
type Field struct {
	Label string
	Value string
}

// Section is a heading followed by free text. Line breaks in Body are
// kept; long lines wrap at word boundaries.
type Section struct {
	Heading string
	Body    string
}

// Document is what Render lays out: a title, an optional subtitle, the
// header fields, then the sections in order, and a small footer line.
// All text is already localized.
type Document struct {
	Title    string
	Subtitle string
	Fields   []Field
	Sections []Section
	Footer   string

	// Author and Created go into the PDF's metadata.
	Author  string
	Created time.Time
}

// ErrEmpty is returned by Render for a document without a title.
var ErrEmpty = errors.New("pdfdoc: document has no title")

// Page geometry, in points.
const (
	pageWidth    = 595.28
	pageHeight   = 841.89
	margin       = 56.0
	contentWidth = pageWidth - 2*margin
	bottom       = pageHeight - margin
	labelWidth   = 150.0
)

// Render returns d as a PDF. The result is the caller's. It fails only
// when the PDF library does (ErrEmpty for a document without title).
func Render(d Document) ([]byte, error) {
	if strings.TrimSpace(d.Title) == "" {
		return nil, ErrEmpty
	}
	r := &renderer{}
	r.pdf.Start(gopdf.Config{PageSize: *gopdf.PageSizeA4, Unit: gopdf.UnitPT})
	r.pdf.SetInfo(gopdf.PdfInfo{Title: clean(d.Title), Author: clean(d.Author), Creator: "mentorbot", CreationDate: d.Created})
	r.pdf.SetCompressLevel(6)
	if err := r.pdf.AddTTFFontData("regular", regularFont); err != nil {
		return nil, fmt.Errorf("load regular font: %w", err)
	}
	if err := r.pdf.AddTTFFontData("bold", boldFont); err != nil {
		return nil, fmt.Errorf("load bold font: %w", err)
	}
	r.newPage()

	r.paragraph("bold", 16, margin, contentWidth, d.Title)
	if d.Subtitle != "" {
		r.paragraph("regular", 11, margin, contentWidth, d.Subtitle)
	}
	r.space(10)
	for _, f := range d.Fields {
		r.field(f)
	}
	for _, s := range d.Sections {
		r.space(12)
		r.paragraph("bold", 12, margin, contentWidth, s.Heading)
		r.space(2)
		body := s.Body
		if strings.TrimSpace(body) == "" {
			body = "—"
		}
		r.paragraph("regular", 11, margin, contentWidth, body)
	}
	if d.Footer != "" {
		r.space(18)
		r.paragraph("regular", 8, margin, contentWidth, d.Footer)
	}
	if r.err != nil {
		return nil, fmt.Errorf("render %q: %w", d.Title, r.err)
	}
	out, err := r.pdf.GetBytesPdfReturnErr()
	if err != nil {
		return nil, fmt.Errorf("write %q: %w", d.Title, err)
	}
	return out, nil
}

// renderer keeps the first error, so layout code reads straight.
type renderer struct {
	pdf  gopdf.GoPdf
	y    float64
	font string // current font family
	err  error
}

func (r *renderer) newPage() {
	r.pdf.AddPage()
	r.y = margin
}

func (r *renderer) space(h float64) { r.y += h }

func (r *renderer) setFont(family string, size float64) {
	r.font = family
	if r.err == nil {
		r.err = r.pdf.SetFont(family, "", size)
	}
}

// line writes one already wrapped line at x, moving to a new page first
// when it would not fit.
func (r *renderer) line(x float64, size float64, text string) {
	lh := size * 1.35
	if r.y+lh > bottom {
		r.newPage()
		r.setFont(r.font, size)
	}
	if r.err != nil {
		return
	}
	r.pdf.SetXY(x, r.y)
	if text != "" {
		r.err = r.pdf.Cell(&gopdf.Rect{W: pageWidth - margin - x, H: lh}, text)
	}
	r.y += lh
}

// paragraph writes text wrapped to width.
func (r *renderer) paragraph(font string, size, x, width float64, text string) {
	r.setFont(font, size)
	for _, l := range r.wrap(clean(text), width) {
		r.line(x, size, l)
	}
}

// field writes a bold label with its value wrapped beside it.
func (r *renderer) field(f Field) {
	const size = 11
	startPage, startY := r.pdf.GetNumberOfPages(), r.y
	r.paragraph("bold", size, margin, labelWidth-8, f.Label)
	labelEnd, labelPage := r.y, r.pdf.GetNumberOfPages()
	if labelPage == startPage {
		r.y = startY // value beside its label
	}
	r.paragraph("regular", size, margin+labelWidth, contentWidth-labelWidth, f.Value)
	if labelPage == r.pdf.GetNumberOfPages() && labelEnd > r.y {
		r.y = labelEnd
	}
	r.space(3)
}

// wrap splits text into lines no wider than width in the current font,
// at spaces where it can and inside a word that alone is too wide.
func (r *renderer) wrap(text string, width float64) []string {
	var out []string
	for _, para := range strings.Split(text, "\n") {
		var cur string
		for _, word := range strings.Fields(para) {
			cand := word
			if cur != "" {
				cand = cur + " " + word
			}
			if r.width(cand) <= width {
				cur = cand
				continue
			}
			if cur != "" {
				out = append(out, cur)
				cur = ""
			}
			for r.width(word) > width {
				n := r.fit(word, width)
				out = append(out, word[:n])
				word = word[n:]
			}
			cur = word
		}
		out = append(out, cur)
	}
	return out
}

// fit returns how many bytes of word, at least one rune, fit in width.
func (r *renderer) fit(word string, width float64) int {
	n := 0
	for i, c := range word {
		end := i + len(string(c))
		if n > 0 && r.width(word[:end]) > width {
			break
		}
		n = end
	}
	return n
}

func (r *renderer) width(s string) float64 {
	if r.err != nil {
		return 0
	}
	w, err := r.pdf.MeasureTextWidth(s)
	if err != nil {
		r.err = err
	}
	return w
}

// clean turns tabs into spaces and drops other control and format
// characters, which have no glyph and would print as boxes.
func clean(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.Map(func(c rune) rune {
		switch {
		case c == '\n':
			return c
		case c == '\t':
			return ' '
		case unicode.IsControl(c), unicode.Is(unicode.Cf, c):
			return -1
		}
		return c
	}, s)
}
