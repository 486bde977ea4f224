// Package doccheck tells a real document from a file that only has a
// document's name: it reads an upload, at most a given size, and checks
// that it is a PDF whose cross-reference table and first page a PDF
// reader finds, a Word 97-2003 document (by its OLE2 signature) or a
// Word 2007+ document (a zip holding word/document.xml). It knows
// nothing of Telegram or the flows.
package doccheck

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
)

// Format is a kind of document Check recognises.
type Format string

// The formats Check recognises.
const (
	PDF  Format = "pdf"
	DOC  Format = "doc"  // Word 97-2003
	DOCX Format = "docx" // Word 2007 and later
)

// Why Check refuses a file. Errors Check returns wrap one of them, or
// are the reader's error when reading failed.
var (
	// ErrEmpty is a file of no bytes.
	ErrEmpty = errors.New("doccheck: empty file")
	// ErrTooBig is a file longer than the limit given to Check.
	ErrTooBig = errors.New("doccheck: file too big")
	// ErrNotDocument is a file that is none of the formats, or one that
	// is damaged: a PDF header with no readable page behind it, a zip
	// without a Word document in it.
	ErrNotDocument = errors.New("doccheck: not a document")
	// ErrLocked is an encrypted PDF the reader cannot open without a
	// password, or whose encryption it does not know.
	ErrLocked = errors.New("doccheck: encrypted PDF")
)

// Signatures the formats start with.
const (
	pdfMagic = "%PDF-"
	oleMagic = "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
	zipMagic = "PK\x03\x04"
)

// oleHeaderSize is the size of an OLE2 compound file's header, which a
// real one has in full.
const oleHeaderSize = 512

// Check reads r to its end, at most limit bytes, and returns the format
// of the document it holds. It fails with an error wrapping ErrEmpty,
// ErrTooBig, ErrNotDocument or ErrLocked for a file it refuses, with
// the error of r when reading fails, and with ctx's error when ctx ends
// while it checks a PDF. It never panics, whatever the bytes; it does
// not close r.
func Check(ctx context.Context, r io.Reader, limit int64) (Format, error) {
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	switch {
	case err != nil:
		return "", fmt.Errorf("read document: %w", err)
	case len(data) == 0:
		return "", ErrEmpty
	case int64(len(data)) > limit:
		return "", fmt.Errorf("%w: more than %d bytes", ErrTooBig, limit)
	}
	switch {
	case bytes.HasPrefix(data, []byte(pdfMagic)):
		if err := checkPDF(ctx, data); err != nil {
			return "", err
		}
		return PDF, nil
	case bytes.HasPrefix(data, []byte(oleMagic)):
		if len(data) < oleHeaderSize {
			return "", fmt.Errorf("%w: OLE2 header cut short", ErrNotDocument)
		}
		return DOC, nil
	case bytes.HasPrefix(data, []byte(zipMagic)):
		if err := checkDOCX(data); err != nil {
			return "", err
		}
		return DOCX, nil
	}
	return "", fmt.Errorf("%w: no PDF, DOC or DOCX signature", ErrNotDocument)
}

// checkDOCX checks that data is a zip holding word/document.xml.
func checkDOCX(data []byte) error {
	z, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return fmt.Errorf("%w: %v", ErrNotDocument, err)
	}
	for _, f := range z.File {
		if f.Name == "word/document.xml" {
			return nil
		}
	}
	return fmt.Errorf("%w: a zip without word/document.xml", ErrNotDocument)
}
