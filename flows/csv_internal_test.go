package flows

import (
	"bytes"
	"encoding/csv"
	"testing"
)

// TestCSVGuardsFormulas: every cell a spreadsheet could run as a
// formula or command comes out with a leading apostrophe, whatever
// whitespace or full-width form hides its first character; ordinary
// text is left alone.
func TestCSVGuardsFormulas(t *testing.T) {
	tests := []struct {
		cell    string
		guarded bool
	}{
		{"=1+1", true}, {"+1", true}, {"-1", true}, {"@SUM(A1)", true}, {"|cmd", true},
		{" =1+1", true}, {"\n=cmd", true}, {"\r\n@x", true}, {"\t=x", true}, {"\u00a0=x", true},
		{"＝HYPERLINK(\"x\")", true}, {"＋1", true}, {"－1", true}, {"＠SUM", true}, {"｜cmd", true},
		{"  ｜cmd", true}, {"\tplain", true},
		{"Ada", false}, {"3-2", false}, {"", false}, {"María José", false}, {"a=b", false}, {"  ", false},
	}
	for _, tt := range tests {
		buf, err := csvDocument([][]string{{tt.cell, "end"}})
		if err != nil {
			t.Fatal(err)
		}
		rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(buf, []byte("\uFEFF")))).ReadAll()
		if err != nil || len(rows) != 1 {
			t.Fatalf("csvDocument(%q) = %q, %v; want one row", tt.cell, buf, err)
		}
		got := rows[0][0]
		want := tt.cell
		if tt.guarded {
			want = "'" + tt.cell
		}
		if got != want && !(tt.cell == "\r\n@x" && got == "'\n@x") { // encoding/csv reads \r\n as \n
			t.Errorf("csvDocument(%q) cell = %q; want %q", tt.cell, got, want)
		}
	}
}
