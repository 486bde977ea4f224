package pdftext

import "testing"

func TestLogical(t *testing.T) {
	tests := []struct {
		name    string
		visual  string
		rtl     bool
		logical string
	}{
		{"Latin", "Nguyễn Thị Ánh", false, "Nguyễn Thị Ánh"},
		{"Arabic name in English", "Mentor: هللا دبع دمحم", false, "Mentor: محمد عبد الله"},
		{"Arabic line", "يلع دمحم", true, "محمد علي"},
		{"numbers in Arabic", "2027 سرام 1", true, "1 مارس 2027"},
		{"Latin name in Arabic", "Nguyễn Thị Ánh ،دشرملا قيلعت", true, "تعليق المرشد، Nguyễn Thị Ánh"},
		{"empty", "", true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := logical(tt.visual, tt.rtl); got != tt.logical {
				t.Errorf("logical(%q, rtl=%v) = %q; want %q", tt.visual, tt.rtl, got, tt.logical)
			}
		})
	}
}
