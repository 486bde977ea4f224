package doccheck

import (
	"bytes"
	"cmp"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
	"slices"
)

// The PDF reader trusts the numbers a file gives it: a cross-reference
// section starting at object 900000000 makes it allocate a table that
// large, a /Prev pointing at its own section makes it loop for ever, and
// an object stored in an object stream that is itself stored in that
// stream makes it recurse until the Go stack overflows. Those are not
// panics that recover can catch: they end the process. So before the
// reader sees a file, guard reads what the reader will read first (the
// cross-reference sections, at the offsets the reader uses, and the
// headers of the object streams) and refuses the file unless every
// number the reader allocates or loops by is small and no object stream
// is stored in another. Where guard cannot tell, it refuses: a real
// file from a real program passes.

// Bounds on what guard lets through.
const (
	// maxSections bounds a file's chain of cross-reference sections,
	// one per incremental update.
	maxSections = 256
	// maxColumns bounds the row width of a PNG predictor.
	maxColumns = 1 << 16
	// maxFieldWidth bounds the bytes of one field of a cross-reference
	// stream's entries.
	maxFieldWidth = 8
)

var errGuard = errors.New("PDF structure out of bounds")

// maxObjects bounds the object numbers a file of size bytes may use: a
// million, or fewer in a small file, which cannot hold as many objects.
func maxObjects(size int) int64 { return min(1<<20, int64(size)/4+1024) }

// xrefEntry is one entry of a cross-reference section: object id is at
// offset in the file (kind 1), or in object stream container (kind 2).
type xrefEntry struct {
	id        int64
	kind      int
	offset    int64
	container uint32
}

// guardState is what guard learnt from the cross-reference sections.
type guardState struct {
	data    []byte
	max     int64
	entries []xrefEntry
	// encrypted reports a /Encrypt in the newest trailer.
	encrypted bool
}

// guard checks data, a whole PDF whose startxref is at startxref, as
// described above. It reports whether the file is encrypted.
func guard(data []byte, startxref int64) (encrypted bool, err error) {
	g := &guardState{data: data, max: maxObjects(len(data))}
	if err := g.sections(startxref); err != nil {
		return false, err
	}
	return g.encrypted, g.objectStreams()
}

// sections reads the chain of cross-reference sections from the newest,
// at off, through their /Prev links.
func (g *guardState) sections(off int64) error {
	seen := make(map[int64]bool)
	stream := false
	for n := 0; ; n++ {
		if seen[off] || n == maxSections || off < 0 || off >= int64(len(g.data)) {
			return fmt.Errorf("%w: cross-reference chain at offset %d", errGuard, off)
		}
		seen[off] = true
		s := &scanner{data: g.data, pos: int(off)}
		save := s.pos
		tok, err := s.token()
		if err != nil {
			return err
		}
		var trailer dict
		if tok == keyword("xref") && (n == 0 || !stream) {
			trailer, err = g.table(s)
		} else if _, ok := tok.(int64); ok && (n == 0 || stream) {
			stream, s.pos = true, save
			trailer, err = g.stream(s)
		} else {
			return fmt.Errorf("%w: no cross-reference section at offset %d", errGuard, off)
		}
		if err != nil {
			return err
		}
		if n == 0 {
			_, g.encrypted = trailer["Encrypt"]
		}
		prev, ok := trailer["Prev"]
		if !ok {
			return nil
		}
		if off, ok = prev.(int64); !ok {
			return fmt.Errorf("%w: /Prev is not an offset", errGuard)
		}
	}
}

// table reads a classic cross-reference table after its "xref" and
// returns the trailer after it.
func (g *guardState) table(s *scanner) (dict, error) {
	for {
		tok, err := s.token()
		if err != nil {
			return nil, err
		}
		if tok == keyword("trailer") {
			break
		}
		start, ok1 := tok.(int64)
		tok, err = s.token()
		n, ok2 := tok.(int64)
		if err != nil || !ok1 || !ok2 || start < 0 || n < 0 || start+n > g.max {
			return nil, fmt.Errorf("%w: cross-reference subsection %v %v", errGuard, start, n)
		}
		for i := range n {
			off, err1 := s.token()
			gen, err2 := s.token()
			use, err3 := s.token()
			o, ok := off.(int64)
			if err := errors.Join(err1, err2, err3); err != nil || !ok {
				return nil, errSyntax
			}
			if _, ok := gen.(int64); ok && use == keyword("n") {
				g.entries = append(g.entries, xrefEntry{id: start + i, kind: 1, offset: o})
			}
		}
	}
	x, err := s.object(0)
	trailer, ok := x.(dict)
	if err != nil || !ok {
		return nil, fmt.Errorf("%w: no trailer", errGuard)
	}
	if size, ok := trailer["Size"].(int64); ok && (size < 0 || size > g.max) {
		return nil, fmt.Errorf("%w: /Size %d", errGuard, size)
	}
	return trailer, nil
}

// stream reads a cross-reference stream and returns its dictionary,
// which stands for the trailer.
func (g *guardState) stream(s *scanner) (dict, error) {
	def, err := s.objDef()
	if err != nil || def.data < 0 || def.dict["Type"] != name("XRef") {
		return nil, fmt.Errorf("%w: no cross-reference stream", errGuard)
	}
	d := def.dict
	size, ok := d["Size"].(int64)
	if !ok || size < 0 || size > g.max {
		return nil, fmt.Errorf("%w: /Size %v", errGuard, d["Size"])
	}
	w, err := fieldWidths(d["W"])
	if err != nil {
		return nil, err
	}
	index, err := g.index(d["Index"], size)
	if err != nil {
		return nil, err
	}
	rd, err := streamData(g.data, def, true)
	if err != nil {
		return nil, err
	}
	row := make([]byte, w[0]+w[1]+w[2])
	for i := 0; i < len(index); i += 2 {
		for x := index[i]; x < index[i]+index[i+1]; x++ {
			if _, err := io.ReadFull(rd, row); err != nil {
				return nil, fmt.Errorf("%w: short cross-reference stream", errGuard)
			}
			kind := decodeInt(row[:w[0]])
			if w[0] == 0 {
				kind = 1
			}
			f2 := decodeInt(row[w[0] : w[0]+w[1]])
			switch kind {
			case 1:
				g.entries = append(g.entries, xrefEntry{id: x, kind: 1, offset: int64(f2)})
			case 2:
				g.entries = append(g.entries, xrefEntry{id: x, kind: 2, container: uint32(f2)})
			}
		}
	}
	return d, nil
}

// decodeInt is the reader's: big-endian, wrapping as it does.
func decodeInt(b []byte) int {
	x := 0
	for _, c := range b {
		x = x<<8 | int(c)
	}
	return x
}

// fieldWidths checks a cross-reference stream's /W.
func fieldWidths(x any) ([3]int, error) {
	var w [3]int
	a, ok := x.(array)
	if !ok || len(a) < 3 {
		return w, fmt.Errorf("%w: /W %v", errGuard, x)
	}
	for i, v := range a {
		n, ok := v.(int64)
		if !ok || n < 0 || n > maxFieldWidth {
			return w, fmt.Errorf("%w: /W %v", errGuard, x)
		}
		if i < 3 {
			w[i] = int(n)
		} else if n != 0 {
			return w, fmt.Errorf("%w: /W %v", errGuard, x) // the reader would misread the rows
		}
	}
	return w, nil
}

// index checks a cross-reference stream's /Index (by default, 0 and
// size): pairs of first object and count, within bounds in all.
func (g *guardState) index(x any, size int64) ([]int64, error) {
	if x == nil {
		return []int64{0, size}, nil
	}
	a, ok := x.(array)
	if !ok || len(a)%2 != 0 {
		return nil, fmt.Errorf("%w: /Index %v", errGuard, x)
	}
	var out []int64
	total := int64(0)
	for i := 0; i < len(a); i += 2 {
		start, ok1 := a[i].(int64)
		n, ok2 := a[i+1].(int64)
		total += n
		if !ok1 || !ok2 || start < 0 || n < 0 || start+n > g.max || total > g.max {
			return nil, fmt.Errorf("%w: /Index %v", errGuard, x)
		}
		out = append(out, start, n)
	}
	return out, nil
}

// streamData returns the decoded data of the stream def as the reader
// decodes it, for the filters whose parameters guard can see (Flate,
// with or without the PNG Up predictor). In a cross-reference stream
// (inXref) the reader cannot resolve references yet and reads them as
// null; elsewhere guard refuses parameters given by reference.
func streamData(data []byte, def objDef, inXref bool) (io.Reader, error) {
	direct := func(x any) any {
		if _, ok := x.(ref); ok && inXref {
			return nil
		}
		return x
	}
	length, _ := direct(def.dict["Length"]).(int64)
	if length <= 0 {
		return bytes.NewReader(nil), nil
	}
	end := min(int64(len(data)), int64(def.data)+length)
	var rd io.Reader = bytes.NewReader(data[def.data:end])
	filters, params := direct(def.dict["Filter"]), direct(def.dict["DecodeParms"])
	switch f := filters.(type) {
	case nil:
		return rd, nil
	case name:
		if _, ok := params.(array); ok {
			params = nil // the reader looks its predictor up in the array, and finds none
		}
		return decoder(rd, f, params)
	case array:
		for i, x := range f {
			var p any
			if a, ok := params.(array); ok && i < len(a) {
				p = direct(a[i])
			}
			n, ok := direct(x).(name)
			if !ok {
				return nil, fmt.Errorf("%w: /Filter %v", errGuard, x)
			}
			var err error
			if rd, err = decoder(rd, n, p); err != nil {
				return nil, err
			}
		}
		return rd, nil
	}
	return nil, fmt.Errorf("%w: /Filter %v", errGuard, filters)
}

// decoder applies filter f with parameters p, which must be null or a
// dictionary whose predictor and columns are given directly.
func decoder(rd io.Reader, f name, p any) (io.Reader, error) {
	if err := checkParams(p); err != nil {
		return nil, err
	}
	if f != "FlateDecode" {
		return nil, fmt.Errorf("%w: filter %s", errGuard, f)
	}
	zr, err := zlib.NewReader(rd)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errGuard, err)
	}
	d, _ := p.(dict)
	if d["Predictor"] == nil {
		return zr, nil
	}
	columns, _ := d["Columns"].(int64)
	return &pngUp{r: zr, hist: make([]byte, 1+columns), row: make([]byte, 1+columns)}, nil
}

// checkParams refuses decode parameters the guard cannot see, or whose
// predictor is not the only one the reader knows (PNG Up, 12), or
// whose row is too wide.
func checkParams(p any) error {
	if p == nil {
		return nil
	}
	d, ok := p.(dict)
	if !ok {
		return fmt.Errorf("%w: /DecodeParms %v", errGuard, p)
	}
	pred, ok := d["Predictor"]
	if !ok || pred == nil {
		return nil
	}
	columns, ok := d["Columns"].(int64)
	if _, missing := d["Columns"]; missing && !ok {
		return fmt.Errorf("%w: /Columns %v", errGuard, d["Columns"])
	}
	if pred != int64(12) || columns < 0 || columns > maxColumns {
		return fmt.Errorf("%w: predictor %v with %v columns", errGuard, pred, columns)
	}
	return nil
}

// pngUp undoes the PNG Up predictor, row by row, as the reader does.
type pngUp struct {
	r         io.Reader
	hist, row []byte
	pend      []byte
}

func (p *pngUp) Read(b []byte) (int, error) {
	n := 0
	for len(b) > 0 {
		if len(p.pend) > 0 {
			m := copy(b, p.pend)
			n, b, p.pend = n+m, b[m:], p.pend[m:]
			continue
		}
		if _, err := io.ReadFull(p.r, p.row); err != nil {
			return n, err
		}
		if p.row[0] != 2 {
			return n, fmt.Errorf("%w: PNG predictor row", errGuard)
		}
		for i, c := range p.row {
			p.hist[i] += c
		}
		p.pend = p.hist[1:]
	}
	return n, nil
}

// objectStreams checks the object streams the entries name, and those
// they extend: none is itself stored in an object stream, and each
// declares its object count and decode parameters directly, within
// bounds.
func (g *guardState) objectStreams() error {
	var inStreams, todo []uint32
	var direct []xrefEntry // sorted by id
	for _, e := range g.entries {
		switch e.kind {
		case 1:
			direct = append(direct, e)
		case 2:
			inStreams = append(inStreams, uint32(e.id))
			todo = append(todo, e.container)
		}
	}
	slices.Sort(inStreams)
	slices.SortFunc(direct, func(a, b xrefEntry) int { return cmp.Compare(a.id, b.id) })
	done := make(map[uint32]bool)
	for len(todo) > 0 {
		c := todo[len(todo)-1]
		todo = todo[:len(todo)-1]
		if done[c] {
			continue
		}
		done[c] = true
		if _, in := slices.BinarySearch(inStreams, c); in {
			return fmt.Errorf("%w: object stream %d is inside an object stream", errGuard, c)
		}
		i, _ := slices.BinarySearchFunc(direct, int64(c), func(e xrefEntry, id int64) int { return cmp.Compare(e.id, id) })
		for ; i < len(direct) && direct[i].id == int64(c); i++ {
			ext, err := g.objectStream(direct[i].offset, c)
			if err != nil {
				return err
			}
			if ext != nil {
				todo = append(todo, uint32(ext.id))
			}
		}
	}
	return nil
}

// objectStream checks the object stream container found at off, if
// the object there is one, and returns the stream it extends, if any.
func (g *guardState) objectStream(off int64, c uint32) (*ref, error) {
	if off < 0 || off >= int64(len(g.data)) {
		return nil, nil // the reader finds nothing there
	}
	s := &scanner{data: g.data, pos: int(off)}
	def, err := s.objDef()
	if err != nil || def.id != int64(c) || def.data < 0 {
		return nil, nil // the reader refuses it before reading its header
	}
	d := def.dict
	if n, ok := d["N"]; ok {
		if n, ok := n.(int64); !ok || n > g.max {
			return nil, fmt.Errorf("%w: object stream %d holds %v objects", errGuard, c, d["N"])
		}
	}
	if p, ok := d["DecodeParms"].(array); ok {
		for _, x := range p {
			if err := checkParams(x); err != nil {
				return nil, err
			}
		}
	} else if err := checkParams(d["DecodeParms"]); err != nil {
		return nil, err
	}
	switch ext := d["Extends"].(type) {
	case ref:
		return &ext, nil
	case nil:
		return nil, nil
	}
	return nil, nil // not a stream: the reader stops there
}
