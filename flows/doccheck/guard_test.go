package doccheck_test

import (
	"archive/zip"
	"bytes"
	"compress/zlib"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"testing"

	"github.com/mentorbot/mentorbot/flows/doccheck"
	"github.com/mentorbot/mentorbot/flows/doccheck/doctest"
)

// row is one entry of a cross-reference stream: type, then the two
// fields (offset and generation, or object stream and index).
type row [3]int

// xrefStreamPDF builds a PDF 1.5 from the objects of direct, by number,
// and a cross-reference stream after them (/W [1 4 1], compressed)
// holding rows(offsets of direct's objects), with more added to its
// dictionary. Object 1 is the catalog.
func xrefStreamPDF(tb testing.TB, direct map[int]string, rows func(off map[int]int) []row, more string) []byte {
	tb.Helper()
	var b bytes.Buffer
	b.WriteString("%PDF-1.5\n")
	off := make(map[int]int)
	ids := slices.Sorted(maps.Keys(direct))
	for _, id := range ids {
		off[id] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", id, direct[id])
	}
	var raw bytes.Buffer
	rs := rows(off)
	for _, r := range rs {
		raw.Write([]byte{byte(r[0]), byte(r[1] >> 24), byte(r[1] >> 16), byte(r[1] >> 8), byte(r[1]), byte(r[2])})
	}
	z := deflate(tb, raw.Bytes())
	xref := b.Len()
	fmt.Fprintf(&b, "%d 0 obj\n<< /Type /XRef /Size %d /W [1 4 1] /Root 1 0 R /Filter /FlateDecode /Length %d %s >>\nstream\n",
		ids[len(ids)-1]+1, len(rs), len(z), more)
	b.Write(z)
	fmt.Fprintf(&b, "\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n", xref)
	return b.Bytes()
}

func deflate(tb testing.TB, data []byte) []byte {
	tb.Helper()
	var z bytes.Buffer
	w := zlib.NewWriter(&z)
	if _, err := w.Write(data); err != nil {
		tb.Fatal(err)
	}
	if err := w.Close(); err != nil {
		tb.Fatal(err)
	}
	return z.Bytes()
}

// objStream is an object stream holding the catalog, the page tree and
// its page as objects 1 to 3, with more added to its dictionary.
func objStream(tb testing.TB, more string) string {
	tb.Helper()
	objs := []string{"<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>"}
	var head, body bytes.Buffer
	for i, o := range objs {
		fmt.Fprintf(&head, "%d %d ", i+1, body.Len())
		body.WriteString(o + "\n")
	}
	z := deflate(tb, append(head.Bytes(), body.Bytes()...))
	return fmt.Sprintf("<< /Type /ObjStm /N 3 /First %d /Filter /FlateDecode /Length %d %s >>\nstream\n%s\nendstream",
		head.Len(), len(z), more, z)
}

// noCatalog is an object stream holding only object 9, with more
// added to its dictionary.
func noCatalog(more string) string {
	return "<< /Type /ObjStm /First 4 /Length 9 " + more + " >>\nstream\n9 0 null\nendstream"
}

// inObjStream are the rows of objects 1 to 3 in object stream 4, the
// only object of the file written directly.
func inObjStream(off map[int]int) []row {
	return []row{{0, 0, 255}, {2, 4, 0}, {2, 4, 1}, {2, 4, 2}, {1, off[4], 0}}
}

// objStreamPDF is a valid PDF whose catalog and pages are in an object
// stream, as PDF 1.5 writers make them.
func objStreamPDF(tb testing.TB) []byte {
	tb.Helper()
	return xrefStreamPDF(tb, map[int]string{4: objStream(tb, "")}, inObjStream, "")
}

// encrypted is a PDF that needs a password to open.
func encrypted(tb testing.TB) []byte {
	tb.Helper()
	pad := "<" + string(bytes.Repeat([]byte("ab"), 32)) + ">"
	pdf := doctest.BuildPDF(
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
		"<< /Filter /Standard /V 1 /R 2 /O "+pad+" /U "+pad+" /P -4 >>")
	return bytes.Replace(pdf, []byte("/Root 1 0 R >>"), []byte("/Root 1 0 R /Encrypt 4 0 R /ID [<0123456789abcdef> <0123456789abcdef>] >>"), 1)
}

// zipOf is a zip holding empty files of those names.
func zipOf(tb testing.TB, names ...string) []byte {
	tb.Helper()
	var b bytes.Buffer
	z := zip.NewWriter(&b)
	for _, n := range names {
		if _, err := z.Create(n); err != nil {
			tb.Fatal(err)
		}
	}
	if err := z.Close(); err != nil {
		tb.Fatal(err)
	}
	return b.Bytes()
}

// hostile are files built to make a PDF reader allocate without bound,
// loop for ever or recurse until the stack overflows: each of them
// ended the test process (out of memory, stack overflow) or hung it
// before the guard.
func hostile(tb testing.TB) map[string][]byte {
	tb.Helper()
	pdf := doctest.PDF()
	xref := bytes.Index(pdf, []byte("xref\n"))
	table := func(old, new string) []byte { return bytes.Replace(pdf, []byte(old), []byte(new), 1) }
	stream := func(more string, rows func(map[int]int) []row) []byte {
		return xrefStreamPDF(tb, map[int]string{4: objStream(tb, "")}, rows, more)
	}
	return map[string][]byte{
		"table starting at object 900000000":  table("xref\n0 4", "xref\n900000000 4"),
		"trailer /Prev to its own table":      table("/Root 1 0 R", fmt.Sprintf("/Root 1 0 R /Prev %d", xref)),
		"stream /Size of two billion":         stream("/Size 2000000000", inObjStream),
		"stream /Index from object 900000000": stream("/Index [900000000 5]", inObjStream),
		"empty rows for a billion objects": bytes.Replace(stream("/Index [0 1000000000]", inObjStream),
			[]byte("/W [1 4 1]"), []byte("/W [0 0 0]"), 1),
		"predictor 10^11 columns wide": stream("/DecodeParms << /Predictor 12 /Columns 100000000000 >>", inObjStream),
		"object stream inside itself": stream("", func(off map[int]int) []row {
			return []row{{0, 0, 255}, {2, 1, 0}, {2, 4, 1}, {2, 4, 2}, {1, off[4], 0}}
		}),
		// The catalog is not in the stream, so the reader reads all of
		// its 2^62 entries.
		"object stream of 2^62 objects": xrefStreamPDF(tb, map[int]string{4: noCatalog("/N 4611686018427387904")}, inObjStream, ""),
		// The catalog is not in the stream, so the reader looks for it in
		// the stream it extends, again and again.
		"object stream extending itself": xrefStreamPDF(tb, map[int]string{4: noCatalog("/N 1 /Extends 4 0 R")}, inObjStream, ""),
	}
}

func TestCheckRefusesHostilePDFs(t *testing.T) {
	for name, data := range hostile(t) {
		t.Run(name, func(t *testing.T) {
			got, err := doccheck.Check(context.Background(), bytes.NewReader(data), limit)
			if !errors.Is(err, doccheck.ErrNotDocument) {
				t.Errorf("Check(%s) = %q, %v; want an error wrapping ErrNotDocument", name, got, err)
			}
		})
	}
}
