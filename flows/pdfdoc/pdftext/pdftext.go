// Package pdftext extracts the text of a PDF, so tests can check what
// a rendered document says. It wraps github.com/ledongthuc/pdf.
package pdftext

import (
	"bytes"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/go-text/typesetting/bidi"
	"github.com/ledongthuc/pdf"
)

// Extract returns the text of every page of the PDF in doc, one line
// per text object (BT … ET), in the order the PDF draws them. Like
// pdftotext and PDF viewers, it takes each line's glyphs to be drawn
// left to right and puts right-to-left text (Arabic, Persian) back in
// logical order with the Unicode bidi algorithm, taking the lines to be
// right-to-left paragraphs when the document says it reads right to
// left (/ViewerPreferences /Direction /R2L). It fails for data that is
// not a PDF.
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
	rtl := r.Trailer().Key("Root").Key("ViewerPreferences").Key("Direction").Name() == "R2L"
	lines := strings.Split(string(buf), "\n")
	for i, l := range lines {
		lines[i] = logical(l, rtl)
	}
	return strings.Join(lines, "\n"), nil
}

// logical returns line, which holds text in the order it is drawn from
// left to right, in logical order: the bidi algorithm's reordering (rule
// L2) undoes itself for text whose runs do not nest deeper than a
// number in right-to-left text.
func logical(line string, rtl bool) string {
	runes := []rune(line)
	dir := bidi.LeftToRight
	if rtl {
		dir = bidi.RightToLeft
	}
	var p bidi.Paragraph
	runs := p.Segment(runes, dir)
	levels := make([]bidi.Level, len(runes))
	high, lowOdd := bidi.Level(0), bidi.Level(127)
	for i := range runs.NumRuns() {
		run := runs.Run(i)
		for j := run.Start; j < run.End; j++ {
			levels[j] = run.Level
		}
		high = max(high, run.Level)
		if run.Level%2 == 1 {
			lowOdd = min(lowOdd, run.Level)
		}
	}
	for lv := high; lv >= lowOdd && lv > 0; lv-- {
		for i := 0; i < len(runes); {
			if levels[i] < lv {
				i++
				continue
			}
			j := i
			for j < len(runes) && levels[j] >= lv {
				j++
			}
			slices.Reverse(runes[i:j])
			slices.Reverse(levels[i:j])
			i = j
		}
	}
	return string(runes)
}

// Pages returns how many pages the PDF in doc has.
func Pages(doc []byte) (int, error) {
	r, err := pdf.NewReader(bytes.NewReader(doc), int64(len(doc)))
	if err != nil {
		return 0, fmt.Errorf("open pdf: %w", err)
	}
	return r.NumPage(), nil
}
