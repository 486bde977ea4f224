package flows

import (
	"encoding/csv"
	"fmt"
	"io"

	"github.com/xuri/excelize/v2"
)

// sheet writes an export row by row, so it never holds the whole file.
type sheet interface {
	Write(row []string) error
	// Close writes what is buffered; the file is complete after it.
	Close() error
}

// newSheet returns a sheet writing format ("csv" or "xlsx") to w.
func newSheet(format string, w io.Writer) (sheet, error) {
	switch format {
	case "csv":
		// The byte order mark makes spreadsheet programs read the file
		// as UTF-8, so accented names come out right.
		if _, err := io.WriteString(w, "\uFEFF"); err != nil {
			return nil, fmt.Errorf("write csv: %w", err)
		}
		return &csvSheet{w: csv.NewWriter(w)}, nil
	case "xlsx":
		return newXLSXSheet(w)
	}
	return nil, fmt.Errorf("no sheet format %q", format)
}

// csvSheet writes CSV. Cells that a spreadsheet would take for a
// formula get a leading apostrophe, since names and notes come from
// users.
type csvSheet struct{ w *csv.Writer }

func (s *csvSheet) Write(row []string) error {
	safe := make([]string, len(row))
	for i, cell := range row {
		if formulaLike(cell) {
			cell = "'" + cell
		}
		safe[i] = cell
	}
	if err := s.w.Write(safe); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	return nil
}

func (s *csvSheet) Close() error {
	s.w.Flush()
	if err := s.w.Error(); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	return nil
}

// xlsxSheet writes a spreadsheet through excelize's stream writer,
// which keeps rows past its buffer in a temporary file, not in memory.
// Every cell is written as a string, which a spreadsheet never runs as
// a formula, so no guard is needed.
type xlsxSheet struct {
	w    io.Writer
	f    *excelize.File
	sw   *excelize.StreamWriter
	next int
}

const xlsxSheetName = "Sheet1"

func newXLSXSheet(w io.Writer) (*xlsxSheet, error) {
	f := excelize.NewFile()
	sw, err := f.NewStreamWriter(xlsxSheetName)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("write xlsx: %w", err)
	}
	return &xlsxSheet{w: w, f: f, sw: sw, next: 1}, nil
}

func (s *xlsxSheet) Write(row []string) error {
	cells := make([]any, len(row))
	for i, c := range row {
		cells[i] = c
	}
	cell, err := excelize.CoordinatesToCellName(1, s.next)
	if err != nil {
		return err
	}
	if err := s.sw.SetRow(cell, cells); err != nil {
		return fmt.Errorf("write xlsx: %w", err)
	}
	s.next++
	return nil
}

func (s *xlsxSheet) Close() error {
	defer s.f.Close()
	if err := s.sw.Flush(); err != nil {
		return fmt.Errorf("write xlsx: %w", err)
	}
	if _, err := s.f.WriteTo(s.w); err != nil {
		return fmt.Errorf("write xlsx: %w", err)
	}
	return nil
}
