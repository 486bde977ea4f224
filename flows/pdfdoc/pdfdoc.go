// Package pdfdoc renders mentorbot's documents (a diary entry, the ECTS
// credit recognition form, the agreement) as A4 PDFs in any of the
// scripts people write their names in: text is shaped with
// go-text/typesetting (Arabic and Persian joined, marks placed, Latin,
// Greek, Cyrillic and Vietnamese letters drawn whole) and laid out with
// the Unicode bidi algorithm, in embedded subsets of Noto Sans and Noto
// Naskh Arabic. Its text can be extracted again, in logical order
// (every font carries a ToUnicode map). It knows nothing about
// Telegram or the flows.
package pdfdoc

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"

	xbidi "golang.org/x/text/unicode/bidi"
	"golang.org/x/text/unicode/norm"
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
// All text is already localized. The document reads right to left when
// its Title does, that is when the Title's first letter is Arabic,
// Persian or Hebrew: text is then aligned right and labels stand on the
// right of their values.
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

// Render returns d as a PDF. The result is the caller's. It fails with
// ErrEmpty for a document without title, and otherwise only if the
// embedded fonts cannot be read.
func Render(d Document) ([]byte, error) {
	if strings.TrimSpace(d.Title) == "" {
		return nil, ErrEmpty
	}
	sh, err := getShaper()
	if err != nil {
		return nil, fmt.Errorf("render %q: %w", d.Title, err)
	}
	defer shapers.Put(sh)
	r := &renderer{file: newPDFFile(), sh: sh, rtl: rightToLeft(d.Title)}
	for id := range r.fonts {
		r.fonts[id].file = sh.files[id]
	}
	r.newPage()

	r.paragraph(true, 16, margin, contentWidth, d.Title)
	if d.Subtitle != "" {
		r.paragraph(false, 11, margin, contentWidth, d.Subtitle)
	}
	r.space(10)
	for _, f := range d.Fields {
		r.field(f)
	}
	for _, s := range d.Sections {
		r.space(12)
		r.paragraph(true, 12, margin, contentWidth, s.Heading)
		r.space(2)
		body := s.Body
		if strings.TrimSpace(body) == "" {
			body = "—"
		}
		r.paragraph(false, 11, margin, contentWidth, body)
	}
	if d.Footer != "" {
		r.space(18)
		r.paragraph(false, 8, margin, contentWidth, d.Footer)
	}
	return r.finish(d), nil
}

// renderer lays a document out page by page.
type renderer struct {
	file  *pdfFile
	fonts [numFonts]docFont
	sh    *shaper
	rtl   bool     // the document reads right to left
	pages [][]byte // content streams of the pages before this one
	page  []byte   // content stream of this page
	y     float64  // top of the next line, from the page's top
}

func (r *renderer) newPage() {
	if r.page != nil {
		r.pages = append(r.pages, r.page)
	}
	r.page = []byte{}
	r.y = margin
}

func (r *renderer) space(h float64) { r.y += h }

// lineHeight is the height of a line of text of the given size: more
// when the line has Arabic, whose letters reach higher and lower.
func lineHeight(l line, size float64) float64 {
	for _, g := range l.glyphs {
		if g.font == naskh || g.font == naskhB {
			return size * 1.6
		}
	}
	return size * 1.35
}

// lines lays text out in lines of at most width points: its
// paragraphs, each wrapped.
func (r *renderer) lines(bold bool, size, width float64, text string) []line {
	var out []line
	for _, para := range strings.Split(clean(text), "\n") {
		out = append(out, r.sh.lines(para, bold, size, width, r.rtl)...)
	}
	return out
}

// paragraph writes text wrapped to width, from x.
func (r *renderer) paragraph(bold bool, size, x, width float64, text string) {
	for _, l := range r.lines(bold, size, width, text) {
		r.row(size, cell{l, x, width})
	}
}

// field writes a bold label with its value wrapped beside it, line by
// line on common baselines: label on the left, or on the right in a
// right-to-left document.
func (r *renderer) field(f Field) {
	const size = 11
	labelX, valueX := margin, margin+labelWidth
	if r.rtl {
		labelX, valueX = pageWidth-margin-(labelWidth-8), margin
	}
	labels := r.lines(true, size, labelWidth-8, f.Label)
	values := r.lines(false, size, contentWidth-labelWidth, f.Value)
	for i := range max(len(labels), len(values)) {
		var label, value line
		if i < len(labels) {
			label = labels[i]
		}
		if i < len(values) {
			value = values[i]
		}
		r.row(size, cell{label, labelX, labelWidth - 8}, cell{value, valueX, contentWidth - labelWidth})
	}
	r.space(3)
}

// cell is a line to write in a column from x, width points wide.
type cell struct {
	line     line
	x, width float64
}

// row writes lines side by side on one baseline, aligned left or, in
// a right-to-left document, right in their columns; on a new page when
// the tallest does not fit on this one.
func (r *renderer) row(size float64, cells ...cell) {
	lh := 0.0
	for _, c := range cells {
		lh = max(lh, lineHeight(c.line, size))
	}
	if r.y+lh > bottom {
		r.newPage()
	}
	baseline := r.y + (lh-size*1.35)/2 + size*1.05
	for _, c := range cells {
		left := c.x
		if r.rtl {
			left = c.x + c.width - c.line.width
		}
		r.draw(c.line, left, baseline, size)
	}
	r.y += lh
}

// draw writes line l with its left end at left and its baseline at
// baseline (from the page's top), glyphs in logical order so that text
// extraction reads them in that order. Glyphs in sequence share one TJ
// array, with adjustments where shaping moved them from where their
// advance would put them.
func (r *renderer) draw(l line, left, baseline, size float64) {
	if len(l.glyphs) == 0 {
		return
	}
	b := append(r.page, "BT\n"...)
	font, fontSize := fontID(numFonts), 0.0
	open, hex := false, false // in a TJ array; in a string in it
	var penX, penY float64
	closeTJ := func() {
		if hex {
			b = append(b, '>')
		}
		if open {
			b = append(b, "] TJ\n"...)
		}
		open, hex = false, false
	}
	for _, g := range l.glyphs {
		f := &r.fonts[g.font]
		cid := f.cid(r.file, glyphKey{g.gid, g.text})
		x, y := left+g.x, pageHeight-baseline+g.y
		if g.font != font {
			closeTJ()
			font, fontSize = g.font, g.font.scale(size)
			b = fmt.Appendf(b, "/F%d ", font)
			b = append(num(b, fontSize), " Tf\n"...)
		}
		if open && y != penY {
			closeTJ()
		}
		if !open {
			b = append(b, "1 0 0 1 "...)
			b = append(num(b, x), ' ')
			b = append(num(b, y), " Tm\n["...)
			open = true
		} else if d := (penX - x) * 1000 / fontSize; d >= 0.001 || d <= -0.001 {
			if hex {
				b = append(b, '>')
				hex = false
			}
			b = append(num(b, d), ' ')
		}
		if !hex {
			b = append(b, '<')
			hex = true
		}
		b = fmt.Appendf(b, "%04X", cid)
		penX, penY = x+f.width(g.gid)*fontSize/1000, y
	}
	closeTJ()
	r.page = append(b, "ET\n"...)
}

// finish writes the pages, the fonts they use and the metadata, and
// returns the file.
func (r *renderer) finish(d Document) []byte {
	r.newPage()
	p := r.file
	pagesID, catalogID, resourcesID, infoID := p.alloc(), p.alloc(), p.alloc(), p.alloc()
	var kids strings.Builder
	for _, content := range r.pages {
		pageID, contentID := p.alloc(), p.alloc()
		p.stream(contentID, "", content)
		p.object(pageID, fmt.Sprintf("<</Type /Page /Parent %d 0 R /MediaBox [0 0 %s %s] /Resources %d 0 R /Contents %d 0 R>>",
			pagesID, num(nil, pageWidth), num(nil, pageHeight), resourcesID, contentID))
		fmt.Fprintf(&kids, " %d 0 R", pageID)
	}
	var fonts strings.Builder
	for id := range r.fonts {
		if f := &r.fonts[id]; f.id != 0 {
			f.write(p)
			fmt.Fprintf(&fonts, " /F%d %d 0 R", id, f.id)
		}
	}
	p.object(resourcesID, fmt.Sprintf("<</Font <<%s>>>>", fonts.String()))
	p.object(pagesID, fmt.Sprintf("<</Type /Pages /Kids [%s] /Count %d>>", kids.String(), len(r.pages)))
	prefs := ""
	if r.rtl {
		prefs = " /ViewerPreferences <</Direction /R2L>>"
	}
	p.object(catalogID, fmt.Sprintf("<</Type /Catalog /Pages %d 0 R%s>>", pagesID, prefs))
	info := "<</Title " + textString(clean(d.Title))
	if d.Author != "" {
		info += " /Author " + textString(clean(d.Author))
	}
	info += " /Creator (mentorbot) /Producer (mentorbot)"
	if !d.Created.IsZero() {
		info += " /CreationDate " + pdfDate(d.Created)
	}
	p.object(infoID, info+">>")
	return p.finish(catalogID, infoID)
}

// rightToLeft reports whether s reads right to left by the bidi rule
// P2: its first strong character, outside isolates, is right-to-left.
func rightToLeft(s string) bool {
	isolates := 0
	for _, c := range s {
		switch {
		case c >= '\u2066' && c <= '\u2068': // LRI, RLI, FSI
			isolates++
		case c == '\u2069': // PDI
			isolates = max(isolates-1, 0)
		case isolates == 0:
			p, _ := xbidi.LookupRune(c)
			switch p.Class() {
			case xbidi.L:
				return false
			case xbidi.R, xbidi.AL:
				return true
			}
		}
	}
	return false
}

// isBidiControl reports whether c is one of the characters that steer
// the bidi algorithm: marks, embeddings, overrides and isolates.
func isBidiControl(c rune) bool {
	return c == '\u061C' || c == '\u200E' || c == '\u200F' ||
		c >= '\u202A' && c <= '\u202E' || c >= '\u2066' && c <= '\u2069'
}

// clean composes s (NFC), turns tabs into spaces and drops control and
// format characters, which have no glyph, except the bidi controls and
// the zero-width joiner and non-joiner, which steer layout and shaping.
func clean(s string) string {
	s = norm.NFC.String(strings.ReplaceAll(s, "\r\n", "\n"))
	return strings.Map(func(c rune) rune {
		switch {
		case c == '\n':
			return c
		case c == '\t':
			return ' '
		case c == '\u200C', c == '\u200D', isBidiControl(c):
			return c
		case unicode.IsControl(c), unicode.Is(unicode.Cf, c):
			return -1
		}
		return c
	}, s)
}
