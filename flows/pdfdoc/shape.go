package pdfdoc

import (
	"bytes"
	_ "embed" // the fonts below
	"fmt"
	"slices"
	"sync"
	"unicode"

	"github.com/go-text/typesetting/bidi"
	"github.com/go-text/typesetting/di"
	"github.com/go-text/typesetting/font"
	"github.com/go-text/typesetting/language"
	"github.com/go-text/typesetting/shaping"
	"golang.org/x/image/math/fixed"
)

// Noto Sans and Noto Naskh Arabic, subset by fonts/subset.sh, under
// the SIL Open Font License 1.1 (fonts/OFL.txt).
var (
	//go:embed fonts/NotoSans-Regular.ttf
	sansRegular []byte
	//go:embed fonts/NotoSans-Bold.ttf
	sansBold []byte
	//go:embed fonts/NotoNaskhArabic-Regular.ttf
	naskhRegular []byte
	//go:embed fonts/NotoNaskhArabic-Bold.ttf
	naskhBold []byte
)

// fontID is one of the embedded fonts; its number is also its
// resource name in a page (/F0 … /F3).
type fontID uint8

const (
	sans fontID = iota
	sansB
	naskh
	naskhB
	numFonts
)

// arabicScale is how much larger Arabic is set than Latin of the same
// nominal size: Naskh's letters are small beside Noto Sans's.
const arabicScale = 1.15

// scale returns the size of font f in a paragraph of the given size.
func (f fontID) scale(size float64) float64 {
	if f == naskh || f == naskhB {
		return size * arabicScale
	}
	return size
}

// fontFile is an embedded font, parsed once: for shaping and for
// writing into PDFs.
type fontFile struct {
	font *font.Font // safe for concurrent use, unlike its Faces
	sfnt *sfnt
}

var fonts = sync.OnceValues(func() ([numFonts]*fontFile, error) {
	var out [numFonts]*fontFile
	for id, file := range map[fontID]struct {
		name string
		data []byte
	}{
		sans:   {"NotoSans-Regular", sansRegular},
		sansB:  {"NotoSans-Bold", sansBold},
		naskh:  {"NotoNaskhArabic-Regular", naskhRegular},
		naskhB: {"NotoNaskhArabic-Bold", naskhBold},
	} {
		face, err := font.ParseTTF(bytes.NewReader(file.data))
		if err != nil {
			return out, fmt.Errorf("parse %s: %w", file.name, err)
		}
		s, err := parseSFNT(file.data, file.name)
		if err != nil {
			return out, fmt.Errorf("parse %s: %w", file.name, err)
		}
		out[id] = &fontFile{font: face.Font, sfnt: s}
	}
	return out, nil
})

// unitsPerEm is the size text is shaped at: glyph positions come back
// in thousandths of the font size, as PDF text space measures them.
const unitsPerEm = 1000

// placed is one glyph of a laid out line.
type placed struct {
	font fontID
	gid  uint16
	// text is what the glyph stands for, for text extraction: a
	// cluster's text goes with its first glyph, "" with the others.
	text string
	// x is from the line's left end, y up from its baseline, both in
	// points.
	x, y float64
}

// line is one laid out line: its glyphs from left to right, and its
// width in points.
type line struct {
	glyphs []placed
	width  float64
}

// shaper lays out paragraphs. It is not safe for concurrent use; Render
// takes one from shapers.
type shaper struct {
	files  [numFonts]*fontFile
	faces  [numFonts]*font.Face
	hb     shaping.HarfbuzzShaper
	seg    shaping.Segmenter
	wrap   shaping.LineWrapper
	bidi   bidi.Paragraph
	levels []bidi.Level
	outs   []shaping.Output
}

var shapers sync.Pool // of *shaper

// getShaper returns a shaper from the pool, or a new one; give it back
// with shapers.Put.
func getShaper() (*shaper, error) {
	if s, ok := shapers.Get().(*shaper); ok {
		return s, nil
	}
	files, err := fonts()
	if err != nil {
		return nil, err
	}
	s := &shaper{files: files}
	for id, f := range files {
		s.faces[id] = font.NewFace(f.font)
	}
	return s, nil
}

// fontmap picks Naskh for Arabic and Noto Sans for the rest, and Naskh
// for digits and punctuation inside Arabic text.
type fontmap struct {
	latin, arabic *font.Face
	script        language.Script
}

func (m *fontmap) SetScript(s language.Script) { m.script = s }

func (m *fontmap) ResolveFace(r rune) *font.Face {
	if m.script == language.Arabic || unicode.Is(unicode.Arabic, r) {
		if _, ok := m.arabic.NominalGlyph(r); ok {
			return m.arabic
		}
	}
	if _, ok := m.latin.NominalGlyph(r); ok {
		return m.latin
	}
	if _, ok := m.arabic.NominalGlyph(r); ok {
		return m.arabic
	}
	return m.latin
}

// lines shapes one paragraph (text without line breaks) in the regular
// or bold fonts at size points, with the given base direction, and
// wraps it to width points. An empty paragraph is one empty line.
func (s *shaper) lines(text string, bold bool, size, width float64, rtl bool) []line {
	runes := []rune(text)
	if len(runes) == 0 {
		return []line{{}}
	}
	dir, bidiDir := di.DirectionLTR, bidi.LeftToRight
	if rtl {
		dir, bidiDir = di.DirectionRTL, bidi.RightToLeft
	}
	s.setLevels(runes, bidiDir)

	latin, arabic := sans, naskh
	if bold {
		latin, arabic = sansB, naskhB
	}
	fm := &fontmap{latin: s.faces[latin], arabic: s.faces[arabic]}
	// No language: the segmenter gives each run the language of its
	// script, never one from the environment.
	inputs := s.seg.Split(shaping.Input{Text: runes, RunEnd: len(runes), Direction: dir, Size: fixed.I(unitsPerEm)}, fm)
	s.outs = s.outs[:0]
	for _, in := range inputs {
		if in.Face == fm.arabic {
			in.Size = fixed.I(unitsPerEm * arabicScale)
		}
		s.outs = append(s.outs, s.hb.Shape(in))
	}
	// Lines are cut at UAX #14 break opportunities, inside a word only
	// when it does not fit alone. Sizes are in 1/1000 of size.
	wrapped, _ := s.wrap.WrapParagraphF(shaping.WrapConfig{
		Direction:                     dir,
		DisableTrailingWhitespaceTrim: true, // done by place, after the bidi rule
	}, fixed.Int26_6(width/size*unitsPerEm*64), runes, shaping.NewSliceIterator(s.outs))
	out := make([]line, 0, len(wrapped))
	for _, l := range wrapped {
		out = append(out, s.place(runes, l, size, latin, arabic))
	}
	return out
}

// setLevels sets s.levels to the bidi embedding level of each rune.
func (s *shaper) setLevels(runes []rune, dir bidi.Direction) {
	s.levels = slices.Grow(s.levels[:0], len(runes))[:len(runes)]
	runs := s.bidi.Segment(runes, dir)
	for i := range runs.NumRuns() {
		r := runs.Run(i)
		for j := r.Start; j < r.End; j++ {
			s.levels[j] = r.Level
		}
	}
}

// place positions the glyphs of one wrapped line from left to right:
// runs in the visual order of the bidi rule L2, whitespace at the line's
// end dropped (L1).
func (s *shaper) place(runes []rune, l shaping.Line, size float64, latin, arabic fontID) line {
	if len(l) == 0 {
		return line{}
	}
	last := l[len(l)-1]
	end := last.Runes.Offset + last.Runes.Count
	for end > l[0].Runes.Offset && unicode.IsSpace(runes[end-1]) {
		end--
	}

	// L2: from the highest level to the lowest odd one, reverse every
	// sequence of runs at that level or higher.
	order := make([]int, len(l))
	var high, lowOdd bidi.Level = 0, 127
	for i, run := range l {
		order[i] = i
		lv := s.levelOf(run)
		high = max(high, lv)
		if lv%2 == 1 {
			lowOdd = min(lowOdd, lv)
		}
	}
	for lv := high; lv >= lowOdd && lv > 0; lv-- {
		for i := 0; i < len(order); {
			if s.levelOf(l[order[i]]) < lv {
				i++
				continue
			}
			j := i
			for j < len(order) && s.levelOf(l[order[j]]) >= lv {
				j++
			}
			slices.Reverse(order[i:j])
			i = j
		}
	}

	// The glyphs left to right: runs in visual order, and within a run
	// as the shaper gives them, which is visual order too. The first
	// glyph of each cluster carries the cluster's text, reversed in a
	// right-to-left run: text extraction reads right-to-left text drawn
	// left to right and reverses it, ligatures included.
	var out line
	for _, i := range order {
		r := l[i]
		id := latin
		if r.Face == s.faces[arabic] {
			id = arabic
		}
		rtl := r.Direction.Progression() == di.TowardTopLeft
		text, cluster := "", -1
		for _, g := range r.Glyphs {
			if g.TextIndex() >= end {
				continue // trailing whitespace
			}
			p := placed{font: id, gid: uint16(g.GlyphID),
				x: out.width + toPoints(g.XOffset, size), y: toPoints(g.YOffset, size)}
			out.width += toPoints(g.Advance, size)
			if g.TextIndex() != cluster {
				cluster = g.TextIndex()
				text = clusterText(runes[cluster:cluster+g.RunesCount()], rtl)
				p.text = text
			}
			if text != "" { // else a direction mark: nothing to draw
				out.glyphs = append(out.glyphs, p)
			}
		}
	}
	return out
}

// clusterText is the text of a cluster of runes without the bidi
// controls, which only steer layout; reversed if reverse is set.
func clusterText(runes []rune, reverse bool) string {
	b := make([]rune, 0, len(runes))
	for _, r := range runes {
		if !isBidiControl(r) {
			b = append(b, r)
		}
	}
	if reverse {
		slices.Reverse(b)
	}
	return string(b)
}

// levelOf returns the bidi level of a run, that of its first rune.
func (s *shaper) levelOf(run shaping.Output) bidi.Level {
	if run.Runes.Offset < len(s.levels) {
		return s.levels[run.Runes.Offset]
	}
	return 0
}

// toPoints converts a shaped distance, in 1/1000 of size, to points.
func toPoints(v fixed.Int26_6, size float64) float64 {
	return float64(v) / 64 * size / unitsPerEm
}
