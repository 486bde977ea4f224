// Package pdftext extracts the text of a PDF, so tests can check what
// a rendered document says. It wraps github.com/ledongthuc/pdf.
package pdftext

import (
	"bytes"
	"fmt"
	"io"

	"github.com/ledongthuc/pdf"
)

// Extract returns the text of every page of the PDF in doc, in reading
// order as the PDF stores it. It fails for data that is not a PDF.
func Extract(doc []byte) (text string, err error) {
	defer func() {
		// The reader panics on some malformed files.
		if p := recover(); p != nil {
			err = fmt.Errorf("extract pdf text: %v", p)
		}
	}()
	r, err := pdf.NewReader(bytes.NewReader(doc), int64(len(doc)))
	if err != nil {
		return "", fmt.Errorf("open pdf: %w", err)
	}
	rd, err := r.GetPlainText()
	if err != nil {
		return "", fmt.Errorf("extract pdf text: %w", err)
	}
	buf, err := io.ReadAll(rd)
	if err != nil {
		return "", fmt.Errorf("extract pdf text: %w", err)
	}
	return string(buf), nil
}

// Pages returns how many pages the PDF in doc has.
func Pages(doc []byte) (int, error) {
	r, err := pdf.NewReader(bytes.NewReader(doc), int64(len(doc)))
	if err != nil {
		return 0, fmt.Errorf("open pdf: %w", err)
	}
	return r.NumPage(), nil
}
