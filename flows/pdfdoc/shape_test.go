package pdfdoc

import (
	"strings"
	"testing"
)

func TestRightToLeft(t *testing.T) {
	tests := []struct {
		name  string
		title string
		want  bool
	}{
		{"English", "Mentoring diary — meeting 2", false},
		{"Arabic", "يوميات الإرشاد — اللقاء \u20682\u2069", true},
		{"Persian", "درخواست به\u200cرسمیت\u200cشناختن واحدهای \u2068ECTS\u2069", true},
		{"digits before Arabic", "2027 — يوميات", true},
		{"Latin isolate before Arabic", "\u2068ECTS\u2069 طلب", true},
		{"Arabic isolate before English", "\u2068يوميات\u2069 diary", false},
		{"Cyrillic", "Щоденник", false},
		{"no strong character", "2027 — 1", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := rightToLeft(tt.title); got != tt.want {
				t.Errorf("rightToLeft(%q) = %v; want %v", tt.title, got, tt.want)
			}
		})
	}
}

// TestSubsetKeepsComponents checks what gopdf got wrong: a composite
// glyph (a letter with its accents as components) keeps the outlines of
// its components in the subset, and glyphs not used lose theirs.
func TestSubsetKeepsComponents(t *testing.T) {
	files, err := fonts()
	if err != nil {
		t.Fatal(err)
	}
	s := files[sans].sfnt
	var used, parts []uint16
	for _, c := range "ЇЁễǗ" {
		g, ok := files[sans].font.NominalGlyph(c)
		if !ok {
			t.Fatalf("Noto Sans has no glyph for %q", c)
		}
		used = append(used, uint16(g))
		parts = append(parts, components(s.glyph(uint16(g)))...)
	}
	if len(parts) == 0 {
		t.Fatalf("none of the glyphs %v is composite; the test needs one that is", used)
	}
	unused, _ := files[sans].font.NominalGlyph('Q')

	sub, err := parseSFNT(s.subset(used), "subset")
	if err != nil {
		t.Fatalf("parse subset: %v", err)
	}
	for _, g := range append(used, parts...) {
		if len(sub.glyph(g)) == 0 {
			t.Errorf("subset lost the outline of glyph %d", g)
		}
	}
	if len(sub.glyph(uint16(unused))) != 0 {
		t.Errorf("subset kept the outline of unused glyph %d (Q)", unused)
	}
	if len(sub.advances) != len(s.advances) {
		t.Errorf("subset has %d glyphs; want %d, numbers unchanged", len(sub.advances), len(s.advances))
	}
}

// visual is the text of a line's glyphs from left to right.
func visual(l line) string {
	var b strings.Builder
	for _, g := range l.glyphs {
		b.WriteString(g.text)
	}
	return b.String()
}

func TestLinesBidi(t *testing.T) {
	sh, err := getShaper()
	if err != nil {
		t.Fatal(err)
	}
	defer shapers.Put(sh)
	tests := []struct {
		name string
		text string
		rtl  bool
		want string // left to right, each right-to-left run reversed
	}{
		{"Latin", "Nguyễn Thị Ánh", false, "Nguyễn Thị Ánh"},
		{"Arabic name in English", "Mentor: محمد علي", false, "Mentor: يلع دمحم"},
		{"Arabic document", "المرشد علي", true, "يلع دشرملا"},
		{"number in Arabic", "اللقاء \u20682\u2069", true, "2 ءاقللا"},
		{"Latin name in Arabic", "المرشد \u2068Ζωή Π\u2069", true, "Ζωή Π دشرملا"},
		{"Persian with ZWNJ", "به\u200cرسمیت", true, "تیمسر\u200cهب"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lines := sh.lines(tt.text, false, 11, 400, tt.rtl)
			if len(lines) != 1 {
				t.Fatalf("lines(%q) made %d lines; want 1", tt.text, len(lines))
			}
			if got := visual(lines[0]); got != tt.want {
				t.Errorf("lines(%q, rtl=%v) reads %q from left to right; want %q", tt.text, tt.rtl, got, tt.want)
			}
			for i, g := range lines[0].glyphs[1:] {
				if g.x < lines[0].glyphs[i].x-0.01 && g.y == 0 && lines[0].glyphs[i].y == 0 {
					t.Errorf("glyph %d at x=%.2f left of glyph %d at %.2f", i+1, g.x, i, lines[0].glyphs[i].x)
				}
			}
		})
	}
}

func TestLinesWrapArabic(t *testing.T) {
	sh, err := getShaper()
	if err != nil {
		t.Fatal(err)
	}
	defer shapers.Put(sh)
	const width = 120
	text := strings.Repeat("محمد عبد الله ", 10) + strings.Repeat("ب", 200)
	lines := sh.lines(text, true, 11, width, true)
	if len(lines) < 4 {
		t.Errorf("lines(long Arabic) made %d lines; want at least 4", len(lines))
	}
	for i, l := range lines {
		if l.width > width+0.01 {
			t.Errorf("line %d is %.2f points wide; want at most %d", i, l.width, width)
		}
	}
}
