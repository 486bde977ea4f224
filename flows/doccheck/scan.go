package doccheck

import (
	"errors"
	"strconv"
)

// The guard's view of PDF objects, as github.com/ledongthuc/pdf's lexer
// reads them: a keyword, a name (without its slash, #xx escapes
// decoded), an int64, a float64, a string, a ref, an array or a dict.
type (
	keyword string
	name    string
	ref     struct{ id, gen int64 }
	array   []any
	dict    map[name]any
	// objDef is "id gen obj <<dict>> stream", with where the stream's
	// data starts (-1 for an object that is not a stream).
	objDef struct {
		id, gen int64
		dict    dict
		data    int
	}
)

// maxNesting bounds the arrays and dictionaries inside one another the
// guard parses; the dictionaries it reads are a few levels deep.
const maxNesting = 32

var errSyntax = errors.New("malformed PDF syntax")

// scanner reads tokens and objects from data at pos, like the reader's
// lexer.
type scanner struct {
	data []byte
	pos  int
}

func isSpace(c byte) bool {
	switch c {
	case 0, '\t', '\n', '\f', '\r', ' ':
		return true
	}
	return false
}

func isDelim(c byte) bool {
	switch c {
	case '<', '>', '(', ')', '[', ']', '{', '}', '/', '%':
		return true
	}
	return false
}

// token returns the next token: a keyword (delimiters such as "<<"
// included), a name, an int64, a float64 or a string.
func (s *scanner) token() (any, error) {
	for s.pos < len(s.data) {
		if c := s.data[s.pos]; isSpace(c) {
			s.pos++
		} else if c == '%' {
			for s.pos < len(s.data) && s.data[s.pos] != '\r' && s.data[s.pos] != '\n' {
				s.pos++
			}
		} else {
			break
		}
	}
	if s.pos >= len(s.data) {
		return nil, errSyntax
	}
	c := s.data[s.pos]
	s.pos++
	switch c {
	case '<', '>':
		if s.pos < len(s.data) && s.data[s.pos] == c {
			s.pos++
			return keyword([]byte{c, c}), nil
		}
		if c == '>' {
			return nil, errSyntax
		}
		return s.skipPast('>')
	case '(':
		return s.literal()
	case '[', ']', '{', '}':
		return keyword([]byte{c}), nil
	case '/':
		return s.name()
	case ')', '%':
		return nil, errSyntax
	}
	s.pos--
	return s.word()
}

// skipPast skips a hex string up to its end.
func (s *scanner) skipPast(end byte) (any, error) {
	for s.pos < len(s.data) {
		s.pos++
		if s.data[s.pos-1] == end {
			return "", nil
		}
	}
	return nil, errSyntax
}

// literal skips a literal string, with its nested parentheses and
// escapes.
func (s *scanner) literal() (any, error) {
	for depth := 1; s.pos < len(s.data); s.pos++ {
		switch s.data[s.pos] {
		case '\\':
			s.pos++
		case '(':
			depth++
		case ')':
			if depth--; depth == 0 {
				s.pos++
				return "", nil
			}
		}
	}
	return nil, errSyntax
}

func unhex(c byte) int {
	switch {
	case '0' <= c && c <= '9':
		return int(c - '0')
	case 'a' <= c && c <= 'f':
		return int(c-'a') + 10
	case 'A' <= c && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

// name reads a name after its slash.
func (s *scanner) name() (any, error) {
	var b []byte
	for s.pos < len(s.data) && !isDelim(s.data[s.pos]) && !isSpace(s.data[s.pos]) {
		c := s.data[s.pos]
		s.pos++
		if c == '#' {
			if s.pos+2 > len(s.data) || unhex(s.data[s.pos]) < 0 || unhex(s.data[s.pos+1]) < 0 {
				return nil, errSyntax
			}
			c = byte(unhex(s.data[s.pos])<<4 | unhex(s.data[s.pos+1]))
			s.pos += 2
		}
		b = append(b, c)
	}
	return name(b), nil
}

// word reads a number or a keyword, as the reader tells them apart.
func (s *scanner) word() (any, error) {
	start := s.pos
	for s.pos < len(s.data) && !isDelim(s.data[s.pos]) && !isSpace(s.data[s.pos]) {
		s.pos++
	}
	w := string(s.data[start:s.pos])
	switch {
	case w == "true", w == "false":
		return w == "true", nil
	case isNumber(w, false):
		x, err := strconv.ParseInt(w, 10, 64)
		if err != nil {
			return nil, errSyntax
		}
		return x, nil
	case isNumber(w, true):
		x, err := strconv.ParseFloat(w, 64)
		if err != nil {
			return nil, errSyntax
		}
		return x, nil
	}
	return keyword(w), nil
}

// isNumber reports whether w is an integer, or with real a number with
// exactly one dot, in the reader's syntax.
func isNumber(w string, real bool) bool {
	if len(w) > 0 && (w[0] == '+' || w[0] == '-') {
		w = w[1:]
	}
	dots := 0
	for i := 0; i < len(w); i++ {
		switch {
		case w[i] == '.':
			dots++
		case w[i] < '0' || w[i] > '9':
			return false
		}
	}
	if real {
		return dots == 1
	}
	return len(w) > 0 && dots == 0
}

// object reads one object: a ref where the reader sees one ("1 0 R"),
// arrays and dictionaries with what they hold.
func (s *scanner) object(depth int) (any, error) {
	if depth > maxNesting {
		return nil, errSyntax
	}
	tok, err := s.token()
	if err != nil {
		return nil, err
	}
	switch tok {
	case keyword("null"):
		return nil, nil
	case keyword("<<"):
		return s.dict(depth)
	case keyword("["):
		return s.array(depth)
	}
	if _, ok := tok.(keyword); ok {
		return nil, errSyntax
	}
	if id, ok := tok.(int64); ok && int64(uint32(id)) == id {
		save := s.pos
		gen, err := s.token()
		if g, ok := gen.(int64); err == nil && ok && int64(uint16(g)) == g {
			if r, err := s.token(); err == nil && r == keyword("R") {
				return ref{id, g}, nil
			}
		}
		s.pos = save
	}
	return tok, nil
}

func (s *scanner) array(depth int) (any, error) {
	var a array
	for {
		save := s.pos
		tok, err := s.token()
		if err != nil {
			return nil, err
		}
		if tok == keyword("]") {
			return a, nil
		}
		s.pos = save
		x, err := s.object(depth + 1)
		if err != nil {
			return nil, err
		}
		a = append(a, x)
	}
}

func (s *scanner) dict(depth int) (any, error) {
	d := make(dict)
	for {
		tok, err := s.token()
		if err != nil {
			return nil, err
		}
		if tok == keyword(">>") {
			return d, nil
		}
		k, ok := tok.(name)
		if !ok {
			return nil, errSyntax
		}
		if d[k], err = s.object(depth + 1); err != nil {
			return nil, err
		}
	}
}

// objDef reads "id gen obj" and the dictionary after it, with where its
// stream's data starts when "stream" and an end of line follow.
func (s *scanner) objDef() (objDef, error) {
	def := objDef{data: -1}
	id, err1 := s.token()
	gen, err2 := s.token()
	obj, err3 := s.token()
	var ok1, ok2 bool
	def.id, ok1 = id.(int64)
	def.gen, ok2 = gen.(int64)
	if err := errors.Join(err1, err2, err3); err != nil || !ok1 || !ok2 || obj != keyword("obj") {
		return def, errSyntax
	}
	x, err := s.object(0)
	if err != nil {
		return def, err
	}
	if def.dict, ok1 = x.(dict); !ok1 {
		return def, errSyntax
	}
	save := s.pos
	if tok, err := s.token(); err != nil || tok != keyword("stream") {
		s.pos = save
		return def, nil
	}
	switch {
	case s.pos+1 < len(s.data) && s.data[s.pos] == '\r' && s.data[s.pos+1] == '\n':
		s.pos += 2
	case s.pos < len(s.data) && (s.data[s.pos] == '\r' || s.data[s.pos] == '\n'):
		s.pos++
	default:
		return def, errSyntax
	}
	def.data = s.pos
	return def, nil
}
