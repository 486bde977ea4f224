// Package doctest makes small, valid documents of the kinds mentorbot
// accepts (PDF, DOC, DOCX), for tests that upload a file and need it to
// pass flows/doccheck.
package doctest

import (
	"archive/zip"
	"bytes"
	"fmt"
	"strings"
)

// PDF returns a one-page PDF 1.4 with a classic cross-reference table
// whose offsets are right.
func PDF() []byte {
	return BuildPDF(
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
	)
}

// BuildPDF returns a PDF 1.4 whose objects, numbered from 1, are objs,
// with object 1 as the catalog, a cross-reference table with their
// offsets, the trailer and startxref. Tests build damaged variants with
// it.
func BuildPDF(objs ...string) []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	offsets := make([]int, len(objs))
	for i, o := range objs {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, xref)
	return b.Bytes()
}

// oleMagic starts every OLE2 compound file, such as a Word 97-2003
// document.
const oleMagic = "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

// DOC returns the start of a Word 97-2003 document: an OLE2 compound
// file header followed by empty sectors. It passes a check of the file's
// signature; Word would not open it.
func DOC() []byte {
	h := make([]byte, 512*3)
	copy(h, oleMagic)
	copy(h[24:], "\x3e\x00\x03\x00\xfe\xff\x09\x00") // minor and major version, byte order, sector shift
	return h
}

// DOCX returns a minimal Word 2007+ document: a zip with the content
// types and word/document.xml.
func DOCX() []byte {
	var b bytes.Buffer
	z := zip.NewWriter(&b)
	files := []struct{ name, body string }{
		{"[Content_Types].xml", `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
			`<Default Extension="xml" ContentType="application/xml"/>` +
			`<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>`},
		{"word/document.xml", `<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">` +
			`<w:body><w:p><w:r><w:t>CV</w:t></w:r></w:p></w:body></w:document>`},
	}
	for _, f := range files {
		w, err := z.Create(f.name)
		if err != nil {
			panic(err) // writing to a bytes.Buffer does not fail
		}
		if _, err := strings.NewReader(f.body).WriteTo(w); err != nil {
			panic(err)
		}
	}
	if err := z.Close(); err != nil {
		panic(err)
	}
	return b.Bytes()
}
