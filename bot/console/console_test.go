package console

import (
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/mentorbot/mentorbot/flows"
)

func TestMimeType(t *testing.T) {
	tests := []struct{ path, want string }{
		{"cv.pdf", "application/pdf"},
		{"/home/a/CV.PDF", "application/pdf"},
		{"notes", "application/octet-stream"},
		{"archive.unknownext", "application/octet-stream"},
	}
	for _, tt := range tests {
		if got := mimeType(tt.path); got != tt.want {
			t.Errorf("mimeType(%q) = %q; want %q", tt.path, got, tt.want)
		}
	}
}

func TestSaveFileFromTheBot(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	c := New(nil, nil, io.Discard, slog.New(slog.DiscardHandler))
	got := c.saveFile(&flows.Attachment{FileName: "../diary.pdf", Content: []byte("pdf")})
	if filepath.Dir(filepath.Dir(got)) != os.Getenv("TMPDIR") || filepath.Base(got) != "diary.pdf" {
		t.Fatalf("saveFile(../diary.pdf) = %q; want diary.pdf in a folder under %s", got, os.Getenv("TMPDIR"))
	}
	if buf, err := os.ReadFile(got); err != nil || string(buf) != "pdf" {
		t.Errorf("saved file holds %q, %v; want %q", buf, err, "pdf")
	}
	again := c.saveFile(&flows.Attachment{FileName: "diary.pdf", Content: []byte("pdf 2")})
	if again == got || filepath.Dir(again) != filepath.Dir(got) {
		t.Errorf("saveFile(diary.pdf) twice = %q, %q; want two files in one folder", got, again)
	}
	if p := c.saveFile(&flows.Attachment{FileID: filePrefix + "/home/a/cv.pdf"}); p != "/home/a/cv.pdf" {
		t.Errorf("saveFile(console file id) = %q; want the original path", p)
	}
}
