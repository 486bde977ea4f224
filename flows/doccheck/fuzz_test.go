package doccheck_test

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/mentorbot/mentorbot/flows/doccheck"
	"github.com/mentorbot/mentorbot/flows/doccheck/doctest"
)

// FuzzCheck: whatever the bytes, Check returns (it never panics, hangs
// or takes the process down) with a format or a refusal; a reader that
// does not fail cannot give any other error.
func FuzzCheck(f *testing.F) {
	seeds := [][]byte{nil, []byte("CV\n"), []byte("%PDF-1.4 test"), doctest.PDF(), doctest.DOC(), doctest.DOCX(),
		objStreamPDF(f), encrypted(f), zipOf(f, "word/document.xml")}
	for _, data := range hostile(f) {
		seeds = append(seeds, data)
	}
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := doccheck.Check(context.Background(), bytes.NewReader(data), limit)
		switch {
		case err == nil && got == "":
			t.Fatalf("Check(%q) = no format and no error", data)
		case err != nil && !errors.Is(err, doccheck.ErrEmpty) && !errors.Is(err, doccheck.ErrNotDocument) &&
			!errors.Is(err, doccheck.ErrLocked) && !errors.Is(err, doccheck.ErrTooBig):
			t.Fatalf("Check(%q) = %v; want a format or a refusal", data, err)
		}
	})
}
