package pdfdoc

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"hash/fnv"
	"math"
	"slices"
	"strconv"
	"sync"
	"time"
	"unicode/utf16"
)

// pdfFile writes a PDF's objects and then its cross-reference table.
// Objects are numbered from 1 by alloc and may be written in any order.
type pdfFile struct {
	buf     bytes.Buffer
	offsets []int // of each object, by number-1
	zbuf    bytes.Buffer
}

func newPDFFile() *pdfFile {
	p := &pdfFile{}
	p.buf.WriteString("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
	return p
}

// alloc returns the number of a new object, to be written later.
func (p *pdfFile) alloc() int {
	p.offsets = append(p.offsets, 0)
	return len(p.offsets)
}

// object writes object id with the given body (a dictionary, an
// array…).
func (p *pdfFile) object(id int, body string) {
	p.offsets[id-1] = p.buf.Len()
	fmt.Fprintf(&p.buf, "%d 0 obj\n%s\nendobj\n", id, body)
}

// zlibs holds zlib writers for reuse: each holds a megabyte of state.
var zlibs = sync.Pool{New: func() any { return zlib.NewWriter(nil) }}

// stream writes object id as a compressed stream; dict holds the
// entries besides Length and Filter.
func (p *pdfFile) stream(id int, dict string, data []byte) {
	p.zbuf.Reset()
	z := zlibs.Get().(*zlib.Writer)
	z.Reset(&p.zbuf)
	z.Write(data) // writes to a bytes.Buffer do not fail
	z.Close()
	zlibs.Put(z)
	p.offsets[id-1] = p.buf.Len()
	fmt.Fprintf(&p.buf, "%d 0 obj\n<<%s /Length %d /Filter /FlateDecode>>\nstream\n", id, dict, p.zbuf.Len())
	p.buf.Write(p.zbuf.Bytes())
	p.buf.WriteString("\nendstream\nendobj\n")
}

// finish writes the cross-reference table and trailer and returns the
// file.
func (p *pdfFile) finish(root, info int) []byte {
	xref := p.buf.Len()
	fmt.Fprintf(&p.buf, "xref\n0 %d\n0000000000 65535 f \n", len(p.offsets)+1)
	for _, off := range p.offsets {
		fmt.Fprintf(&p.buf, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&p.buf, "trailer\n<</Size %d /Root %d 0 R /Info %d 0 R>>\nstartxref\n%d\n%%%%EOF\n",
		len(p.offsets)+1, root, info, xref)
	return p.buf.Bytes()
}

// textString is s as a PDF text string: UTF-16BE with a byte order
// mark, in hex.
func textString(s string) string {
	b := []byte("<FEFF")
	for _, u := range utf16.Encode([]rune(s)) {
		b = fmt.Appendf(b, "%04X", u)
	}
	return string(append(b, '>'))
}

// pdfDate is t as a PDF date string.
func pdfDate(t time.Time) string {
	return "(D:" + t.UTC().Format("20060102150405") + "Z)"
}

// num appends v for a content stream: at most three decimals, no
// trailing zeros.
func num(b []byte, v float64) []byte {
	v = math.Round(v*1000) / 1000
	if v == 0 {
		v = 0 // not -0
	}
	return strconv.AppendFloat(b, v, 'f', -1, 64)
}

// glyphKey is a glyph with the text it stands for. A document's use of
// a font gives each distinct pair a character code (CID) of its own, so
// the ToUnicode map can say what every occurrence means even where one
// glyph stands for different text (a space glyph for a space and for a
// zero-width non-joiner, a mark in different clusters).
type glyphKey struct {
	gid  uint16
	text string
}

// docFont is one embedded font as one document uses it.
type docFont struct {
	file *fontFile
	id   int // object number of its Type0 font dictionary, 0 if unused
	cids map[glyphKey]uint16
	keys []glyphKey // by CID-1
}

// cid returns the character code of g, allocating one.
func (f *docFont) cid(p *pdfFile, g glyphKey) uint16 {
	if c, ok := f.cids[g]; ok {
		return c
	}
	if f.id == 0 {
		f.id = p.alloc()
		f.cids = map[glyphKey]uint16{}
	}
	if len(f.keys) == math.MaxUint16 {
		return 0 // out of codes, which no real document is: .notdef
	}
	f.keys = append(f.keys, g)
	c := uint16(len(f.keys))
	f.cids[g] = c
	return c
}

// width returns glyph g's advance in thousandths of the font size.
func (f *docFont) width(gid uint16) float64 {
	s := f.file.sfnt
	if int(gid) >= len(s.advances) {
		return 0
	}
	return float64(s.advances[gid]) * 1000 / float64(s.unitsPerEm)
}

// write writes the font as a Type 0 font with Identity-H encoding over
// a CIDFontType2 font: a subset font program (glyph numbers unchanged),
// a CIDToGIDMap from the document's codes to glyphs, their widths, and
// a ToUnicode map from each code to its text.
func (f *docFont) write(p *pdfFile) {
	s := f.file.sfnt
	gids := make([]uint16, len(f.keys))
	for i, k := range f.keys {
		gids[i] = k.gid
	}
	h := fnv.New32a()
	h.Write([]byte(s.name))
	for _, g := range gids {
		h.Write([]byte{byte(g >> 8), byte(g)})
	}
	tag := make([]byte, 6)
	for i, v := 0, h.Sum32(); i < 6; i, v = i+1, v/26 {
		tag[i] = 'A' + byte(v%26)
	}
	name := string(tag) + "+" + s.name

	cidFont, descriptor, program, cidToGID, toUnicode := p.alloc(), p.alloc(), p.alloc(), p.alloc(), p.alloc()
	p.object(f.id, fmt.Sprintf("<</Type /Font /Subtype /Type0 /BaseFont /%s /Encoding /Identity-H /DescendantFonts [%d 0 R] /ToUnicode %d 0 R>>",
		name, cidFont, toUnicode))

	w := []byte("[0 [")
	w = num(w, f.width(0))
	for _, g := range gids {
		w = num(append(w, ' '), f.width(g))
	}
	w = append(w, "]]"...)
	p.object(cidFont, fmt.Sprintf("<</Type /Font /Subtype /CIDFontType2 /BaseFont /%s /CIDSystemInfo <</Registry (Adobe) /Ordering (Identity) /Supplement 0>> /FontDescriptor %d 0 R /W %s /CIDToGIDMap %d 0 R>>",
		name, descriptor, w, cidToGID))

	unit := func(v int) int { return v * 1000 / s.unitsPerEm }
	p.object(descriptor, fmt.Sprintf("<</Type /FontDescriptor /FontName /%s /Flags 4 /FontBBox [%d %d %d %d] /ItalicAngle 0 /Ascent %d /Descent %d /CapHeight %d /StemV 80 /FontFile2 %d 0 R>>",
		name, unit(s.bbox[0]), unit(s.bbox[1]), unit(s.bbox[2]), unit(s.bbox[3]), unit(s.ascent), unit(s.descent), unit(s.capHeight), program))

	prog := s.subset(gids)
	p.stream(program, fmt.Sprintf(" /Length1 %d", len(prog)), prog)

	m := make([]byte, 2*(len(gids)+1))
	for i, g := range gids {
		m[2*i+2], m[2*i+3] = byte(g>>8), byte(g)
	}
	p.stream(cidToGID, "", m)

	p.stream(toUnicode, "", f.toUnicode())
}

// toUnicode returns the ToUnicode CMap of the font's codes. A code whose
// glyph stands for no text of its own (the second glyph of a cluster)
// maps to an empty string.
func (f *docFont) toUnicode() []byte {
	var b bytes.Buffer
	b.WriteString("/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n" +
		"/CIDSystemInfo <</Registry (Adobe) /Ordering (UCS) /Supplement 0>> def\n" +
		"/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n" +
		"1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n")
	for chunk := range slices.Chunk(f.keys, 100) {
		start := int(f.cids[chunk[0]])
		fmt.Fprintf(&b, "%d beginbfchar\n", len(chunk))
		for i, k := range chunk {
			fmt.Fprintf(&b, "<%04X> <", start+i)
			for _, u := range utf16.Encode([]rune(k.text)) {
				fmt.Fprintf(&b, "%04X", u)
			}
			b.WriteString(">\n")
		}
		b.WriteString("endbfchar\n")
	}
	b.WriteString("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n")
	return b.Bytes()
}
