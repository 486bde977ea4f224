package pdfdoc

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
)

// sfnt is a TrueType font as a PDF needs it: the metrics of its font
// descriptor, each glyph's advance, and the tables from which subset
// writes the font program.
type sfnt struct {
	name       string // PostScript name, or the file's
	unitsPerEm int
	bbox       [4]int // xMin, yMin, xMax, yMax in font units
	ascent     int
	descent    int // negative below the baseline
	capHeight  int
	advances   []uint16 // per glyph, in font units

	tables map[string][]byte // the tables subset copies or rewrites
	glyf   []byte
	loca   []uint32 // numGlyphs+1 offsets into glyf
}

// tablesKept are the tables a CIDFontType2 font program needs besides
// loca and glyf, which subset rewrites: glyphs are chosen by the PDF
// (CIDToGIDMap), so cmap, GSUB and GPOS are left out.
var tablesKept = []string{"head", "hhea", "hmtx", "maxp", "cvt ", "fpgm", "prep"}

var errFont = errors.New("not a TrueType font with glyf outlines")

// parseSFNT reads the TrueType font in b, which stays referenced.
func parseSFNT(b []byte, fileName string) (*sfnt, error) {
	if len(b) < 12 || binary.BigEndian.Uint32(b) != 0x00010000 {
		return nil, errFont
	}
	all := map[string][]byte{}
	n := int(binary.BigEndian.Uint16(b[4:]))
	for i := range n {
		rec := b[12+16*i:]
		if len(rec) < 16 {
			return nil, errFont
		}
		off, length := binary.BigEndian.Uint32(rec[8:]), binary.BigEndian.Uint32(rec[12:])
		if uint64(off)+uint64(length) > uint64(len(b)) {
			return nil, fmt.Errorf("%w: table %q out of bounds", errFont, rec[:4])
		}
		all[string(rec[:4])] = b[off : off+length]
	}
	head, hhea, maxp, hmtx, loca, glyf := all["head"], all["hhea"], all["maxp"], all["hmtx"], all["loca"], all["glyf"]
	if len(head) < 54 || len(hhea) < 36 || len(maxp) < 6 || loca == nil || glyf == nil {
		return nil, errFont
	}
	u16 := func(t []byte, at int) int { return int(binary.BigEndian.Uint16(t[at:])) }
	i16 := func(t []byte, at int) int { return int(int16(binary.BigEndian.Uint16(t[at:]))) }
	f := &sfnt{
		name:       fileName,
		unitsPerEm: u16(head, 18),
		bbox:       [4]int{i16(head, 36), i16(head, 38), i16(head, 40), i16(head, 42)},
		ascent:     i16(hhea, 4),
		descent:    i16(hhea, 6),
		tables:     map[string][]byte{},
		glyf:       glyf,
	}
	f.capHeight = f.ascent
	if os2 := all["OS/2"]; len(os2) >= 90 && u16(os2, 0) >= 2 {
		f.capHeight = i16(os2, 88)
	}
	if name := postScriptName(all["name"]); name != "" {
		f.name = name
	}
	numGlyphs, numMetrics := u16(maxp, 4), u16(hhea, 34)
	if numMetrics == 0 || numMetrics > numGlyphs || len(hmtx) < 4*numMetrics+2*(numGlyphs-numMetrics) {
		return nil, fmt.Errorf("%w: short hmtx", errFont)
	}
	f.advances = make([]uint16, numGlyphs)
	for g := range numGlyphs {
		f.advances[g] = uint16(u16(hmtx, 4*min(g, numMetrics-1)))
	}
	f.loca = make([]uint32, numGlyphs+1)
	long := i16(head, 50) == 1
	for g := range numGlyphs + 1 {
		switch {
		case long && len(loca) >= 4*(g+1):
			f.loca[g] = binary.BigEndian.Uint32(loca[4*g:])
		case !long && len(loca) >= 2*(g+1):
			f.loca[g] = 2 * uint32(u16(loca, 2*g))
		default:
			return nil, fmt.Errorf("%w: short loca", errFont)
		}
		if f.loca[g] > uint32(len(glyf)) || g > 0 && f.loca[g] < f.loca[g-1] {
			return nil, fmt.Errorf("%w: bad loca", errFont)
		}
	}
	for _, tag := range tablesKept {
		if t, ok := all[tag]; ok {
			f.tables[tag] = t
		}
	}
	return f, nil
}

// postScriptName returns name ID 6 of a name table, when it is stored
// as a Macintosh Roman or Windows UTF-16 string of ASCII letters.
func postScriptName(t []byte) string {
	if len(t) < 6 {
		return ""
	}
	count, strings := int(binary.BigEndian.Uint16(t[2:])), int(binary.BigEndian.Uint16(t[4:]))
	for i := range count {
		rec := t[6+12*i:]
		if len(rec) < 12 || binary.BigEndian.Uint16(rec[6:]) != 6 {
			continue
		}
		platform := binary.BigEndian.Uint16(rec)
		length, off := int(binary.BigEndian.Uint16(rec[8:])), int(binary.BigEndian.Uint16(rec[10:]))
		if strings+off+length > len(t) {
			continue
		}
		s := t[strings+off : strings+off+length]
		var name []byte
		for j := 0; j < len(s); j++ {
			c := s[j]
			if platform == 3 { // UTF-16BE
				if j+1 >= len(s) || c != 0 {
					name = nil
					break
				}
				j++
				c = s[j]
			}
			name = append(name, c)
		}
		if len(name) > 0 && !slices.ContainsFunc(name, func(c byte) bool { return c <= ' ' || c > '~' || c == '/' }) {
			return string(name)
		}
	}
	return ""
}

// glyph returns the outline of glyph g, empty for a glyph without one.
func (f *sfnt) glyph(g uint16) []byte {
	if int(g)+1 >= len(f.loca) {
		return nil
	}
	return f.glyf[f.loca[g]:f.loca[g+1]]
}

// Flags of a composite glyph's component (OpenType glyf table).
const (
	argsAreWords  = 0x0001
	haveScale     = 0x0008
	moreComponent = 0x0020
	haveXYScale   = 0x0040
	haveTwoByTwo  = 0x0080
)

// components returns the glyphs a composite glyph is made of, nil for
// a simple one.
func components(outline []byte) []uint16 {
	if len(outline) < 10 || int16(binary.BigEndian.Uint16(outline)) >= 0 {
		return nil
	}
	var out []uint16
	for p := 10; p+4 <= len(outline); {
		flags := binary.BigEndian.Uint16(outline[p:])
		out = append(out, binary.BigEndian.Uint16(outline[p+2:]))
		p += 4
		if flags&argsAreWords != 0 {
			p += 4
		} else {
			p += 2
		}
		switch {
		case flags&haveScale != 0:
			p += 2
		case flags&haveXYScale != 0:
			p += 4
		case flags&haveTwoByTwo != 0:
			p += 8
		}
		if flags&moreComponent == 0 {
			break
		}
	}
	return out
}

// subset returns a font program with the outlines of the glyphs in used
// and of the components they are built from; every other glyph keeps
// its number and advance but has no outline, so glyph numbers need no
// mapping and the program stays small.
func (f *sfnt) subset(used []uint16) []byte {
	keep := make([]bool, len(f.advances))
	stack := append([]uint16{0}, used...) // .notdef always
	for len(stack) > 0 {
		g := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if int(g) >= len(keep) || keep[g] {
			continue
		}
		keep[g] = true
		stack = append(stack, components(f.glyph(g))...)
	}
	var glyf []byte
	loca := make([]byte, 4*len(f.loca))
	for g := range f.advances {
		if keep[g] {
			glyf = append(glyf, f.glyph(uint16(g))...)
			for len(glyf)%4 != 0 {
				glyf = append(glyf, 0)
			}
		}
		binary.BigEndian.PutUint32(loca[4*(g+1):], uint32(len(glyf)))
	}
	tables := map[string][]byte{"glyf": glyf, "loca": loca}
	for tag, t := range f.tables {
		tables[tag] = t
	}
	head := slices.Clone(tables["head"])
	binary.BigEndian.PutUint32(head[8:], 0)  // checkSumAdjustment, set below
	binary.BigEndian.PutUint16(head[50:], 1) // long loca offsets
	tables["head"] = head
	return writeSFNT(tables)
}

// writeSFNT lays tables out as a TrueType file, with their checksums
// and head's checkSumAdjustment.
func writeSFNT(tables map[string][]byte) []byte {
	tags := make([]string, 0, len(tables))
	for tag := range tables {
		tags = append(tags, tag)
	}
	slices.Sort(tags)
	n := len(tags)
	entrySelector := 0
	for 1<<(entrySelector+1) <= n {
		entrySelector++
	}
	out := make([]byte, 12+16*n)
	binary.BigEndian.PutUint32(out, 0x00010000)
	binary.BigEndian.PutUint16(out[4:], uint16(n))
	binary.BigEndian.PutUint16(out[6:], uint16(16<<entrySelector))
	binary.BigEndian.PutUint16(out[8:], uint16(entrySelector))
	binary.BigEndian.PutUint16(out[10:], uint16(16*n-16<<entrySelector))
	headAt := 0
	for i, tag := range tags {
		t := tables[tag]
		rec := out[12+16*i:]
		copy(rec, tag)
		binary.BigEndian.PutUint32(rec[4:], checksum(t))
		binary.BigEndian.PutUint32(rec[8:], uint32(len(out)))
		binary.BigEndian.PutUint32(rec[12:], uint32(len(t)))
		if tag == "head" {
			headAt = len(out)
		}
		out = append(out, t...)
		for len(out)%4 != 0 {
			out = append(out, 0)
		}
	}
	binary.BigEndian.PutUint32(out[headAt+8:], 0xB1B0AFBA-checksum(out))
	return out
}

// checksum is the OpenType table checksum: the sum of its big-endian
// 32-bit words, the last padded with zeros.
func checksum(b []byte) uint32 {
	var sum uint32
	for i := 0; i < len(b); i += 4 {
		var w [4]byte
		copy(w[:], b[i:])
		sum += binary.BigEndian.Uint32(w[:])
	}
	return sum
}
