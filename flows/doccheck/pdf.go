package doccheck

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ledongthuc/pdf"
)

// Bounds on the work checkPDF lets the reader do on one file.
const (
	// maxParseTime bounds the time; a real file takes milliseconds.
	maxParseTime = 5 * time.Second
	// maxPageNodes bounds the nodes of the page tree visited to find a
	// page; the first is at most a few levels down.
	maxPageNodes = 1000
	// maxTreeDepth bounds how deep the page tree is followed.
	maxTreeDepth = 64
	// eofWindow is how far from the end %%EOF is looked for: viewers
	// forgive bytes after it, which some mailers and uploaders append.
	eofWindow = 1024
	// tailSize is how much of the end the reader reads to find startxref.
	tailSize = 100
)

// errWork stops the reader when it has read too much or taken too
// long, which only a file built to make it loop does.
var errWork = errors.New("the PDF reader did too much work")

// checkPDF checks that data is a PDF whose cross-reference sections
// lead to a page, with github.com/ledongthuc/pdf, after guard made sure
// that reader can read it without taking the process down. It may
// rewrite data's first line.
func checkPDF(ctx context.Context, data []byte) (err error) {
	size, startxref, err := tail(data)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrNotDocument, err)
	}
	data = data[:size]
	sameHeader(data)
	encrypted, err := guard(data, startxref)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrNotDocument, err)
	}
	parse, cancel := context.WithTimeout(ctx, maxParseTime)
	defer cancel()
	defer func() {
		if p := recover(); p != nil {
			err = readerFailed(ctx, fmt.Errorf("%v", p))
		}
	}()
	budget := &budgetReader{r: bytes.NewReader(data), left: 64*int64(size) + 4<<20, ctx: parse}
	rd, err := pdf.NewReader(budget, int64(size))
	switch {
	case err != nil && encrypted && !errors.Is(err, errWork):
		return fmt.Errorf("%w: %v", ErrLocked, err)
	case err != nil:
		return readerFailed(ctx, err)
	case !hasPage(rd.Trailer().Key("Root").Key("Pages")):
		return fmt.Errorf("%w: no page found", ErrNotDocument)
	}
	return nil
}

// readerFailed is the error of checkPDF when the reader failed with
// err: ctx's error if ctx ended, which says nothing of the file, or
// ErrNotDocument.
func readerFailed(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("check PDF: %w", ctx.Err())
	}
	return fmt.Errorf("%w: %v", ErrNotDocument, err)
}

// tail returns where the PDF in data ends (just after its last %%EOF,
// when that is near the end) and the offset its startxref gives, found
// the way the reader finds them.
func tail(data []byte) (size int, startxref int64, err error) {
	from := max(0, len(data)-eofWindow)
	i := bytes.LastIndex(data[from:], []byte("%%EOF"))
	if i < 0 {
		return 0, 0, errors.New("no %%EOF at the end")
	}
	size = from + i + len("%%EOF")
	if size < tailSize {
		return 0, 0, errors.New("too short")
	}
	j := findLastLine(data[size-tailSize:size], "startxref")
	if j < 0 {
		return 0, 0, errors.New("no startxref")
	}
	s := &scanner{data: data[:size], pos: size - tailSize + j}
	kw, err1 := s.token()
	off, err2 := s.token()
	startxref, ok := off.(int64)
	if err := errors.Join(err1, err2); err != nil || kw != keyword("startxref") || !ok {
		return 0, 0, errors.New("no offset after startxref")
	}
	return size, startxref, nil
}

// findLastLine is the reader's: the last s in buf alone on its line,
// not at either end, or -1.
func findLastLine(buf []byte, s string) int {
	end := len(buf)
	for {
		i := bytes.LastIndex(buf[:end], []byte(s))
		if i <= 0 || i+len(s) >= len(buf) {
			return -1
		}
		if (buf[i-1] == '\n' || buf[i-1] == '\r') && (buf[i+len(s)] == '\n' || buf[i+len(s)] == '\r') {
			return i
		}
		end = i
	}
}

// sameHeader turns a header of any version ("%PDF-2.0", "%PDF-1.4 "
// with a space) into the "%PDF-1.7" and end of line the reader wants;
// only the header check reads those bytes.
func sameHeader(data []byte) {
	const want = "%PDF-1.7\n"
	if len(data) >= len(want) && isDigit(data[5]) && data[6] == '.' && isDigit(data[7]) {
		copy(data, want)
	}
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// hasPage reports whether the page tree under pages has a page, looking
// depth first through at most maxPageNodes nodes: a dictionary of
// /Type /Page, or a leaf without a /Type.
func hasPage(pages pdf.Value) bool {
	type node struct {
		v     pdf.Value
		depth int
	}
	stack := []node{{pages, 0}}
	for visits := 0; len(stack) > 0 && visits < maxPageNodes; visits++ {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		kids := n.v.Key("Kids")
		switch n.v.Key("Type").Name() {
		case "Page":
			return true
		case "":
			if n.v.Kind() == pdf.Dict && kids.IsNull() {
				return true
			}
		case "Pages":
		default:
			continue
		}
		if n.depth == maxTreeDepth {
			continue
		}
		for i := min(kids.Len(), maxPageNodes-visits) - 1; i >= 0; i-- {
			stack = append(stack, node{kids.Index(i), n.depth + 1})
		}
	}
	return false
}

// budgetReader reads from r until left bytes have been read or ctx
// ends, then panics with errWork: the reader reads through it, and
// stops at the panic, which checkPDF recovers.
type budgetReader struct {
	r    *bytes.Reader
	left int64
	ctx  context.Context
}

func (b *budgetReader) ReadAt(p []byte, off int64) (int, error) {
	b.left -= int64(len(p))
	if b.left < 0 || b.ctx.Err() != nil {
		panic(errWork)
	}
	return b.r.ReadAt(p, off)
}
