package locales

import (
	"slices"
	"testing"
	"time"
)

// TestEveryLanguageHasEveryMessage keeps the catalogs in step: a
// message added in English must be translated before it lands.
func TestEveryLanguageHasEveryMessage(t *testing.T) {
	c, err := New()
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Languages(); !slices.Contains(got, "en") || !slices.Contains(got, "it") {
		t.Fatalf("Languages() = %v; want en and it at least", got)
	}
	want, err := IDs("en")
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range c.Languages() {
		got, err := IDs(lang)
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range want {
			if !slices.Contains(got, id) {
				t.Errorf("%s lacks message %q", lang, id)
			}
		}
		for _, id := range got {
			if !slices.Contains(want, id) {
				t.Errorf("%s has message %q that English lacks", lang, id)
			}
		}
	}
}

func TestPlurals(t *testing.T) {
	c := &Catalog{}
	var err error
	if c, err = New(); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		lang  string
		count int
		want  string
	}{
		{"en", 1, "1 application"},
		{"en", 3, "3 applications"},
		{"it", 1, "1 candidatura"},
		{"it", 0, "0 candidature"},
		{"it", 2, "2 candidature"},
	}
	for _, tt := range tests {
		if got := c.Plural(tt.lang, "count.applications", tt.count, nil); got != tt.want {
			t.Errorf("Plural(%q, count.applications, %d) = %q; want %q", tt.lang, tt.count, got, tt.want)
		}
	}
}

func TestMatch(t *testing.T) {
	c, err := New()
	if err != nil {
		t.Fatal(err)
	}
	for code, want := range map[string]string{"it-IT": "it", "en": "en", "EN-gb": "en", "ar-EG": "ar", "fa-IR": "fa", "uk-UA": "uk", "fr-CA": "fr", "es-419": "es", "tr": "", "": ""} {
		if got := c.Match(code); got != want {
			t.Errorf("Match(%q) = %q; want %q", code, got, want)
		}
	}
}

func TestIDsReadsNestedAndPluralTables(t *testing.T) {
	ids, err := IDs("en")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"count.applications", "error.bad_button", "start.welcome"} {
		if !slices.Contains(ids, want) {
			t.Errorf("IDs(en) lacks %q", want)
		}
	}
	if slices.Contains(ids, "count") {
		t.Errorf("IDs(en) has %q, a table of messages, as a message", "count")
	}
}

// TestReportMissing: a message asked for in a language that lacks it
// is reported, whether the id is wrong everywhere or only missing in
// one language; one that exists is not.
func TestReportMissing(t *testing.T) {
	c, err := New()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	c.ReportMissing(func(lang, id string) { got = append(got, lang+"/"+id) })
	c.T("en", "error.bad_button", nil)
	c.Plural("it", "count.applications", 2, nil)
	if len(got) != 0 {
		t.Fatalf("ReportMissing reported %q for messages that exist", got)
	}
	if s := c.T("it", "no.such.message", nil); s != "no.such.message" {
		t.Errorf("T(it, no.such.message) = %q; want the id back", s)
	}
	c.Plural("en", "count.nothing_"+"built", 1, nil)
	want := []string{"it/no.such.message", "en/count.nothing_built"}
	if !slices.Equal(got, want) {
		t.Errorf("reported %q; want %q", got, want)
	}
}

// TestItalianCountsAgree: the count a sentence is about picks the
// plural form, not the total it is compared with ("1 incontro su 6",
// never "1 incontri su 6").
func TestItalianCountsAgree(t *testing.T) {
	c, err := New()
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		id    string
		count int
		data  map[string]any
		want  string
	}{
		{"meetings.passed", 1, map[string]any{"Total": 6}, "1 incontro su 6 svolto."},
		{"meetings.passed", 2, map[string]any{"Total": 6}, "2 incontri su 6 svolti."},
		{"agreement.got", 1, map[string]any{"Total": 6, "Next": 2}, "Ricevuto: 1 incontro su 6. Manda il prossimo (incontro 2)."},
	} {
		if got := c.Plural("it", tt.id, tt.count, tt.data); got != tt.want {
			t.Errorf("Plural(it, %s, %d) = %q; want %q", tt.id, tt.count, got, tt.want)
		}
	}
}

// TestDateFormatsReadBack: each language's date and time layouts are
// Go layouts that write a day and a time unambiguously: what they
// write parses back to the same minute.
func TestDateFormatsReadBack(t *testing.T) {
	c, err := New()
	if err != nil {
		t.Fatal(err)
	}
	// The 4th of November, so a layout that swaps day and month or
	// loses the year does not read back.
	at := time.Date(2027, time.November, 4, 18, 5, 0, 0, time.UTC)
	for _, lang := range c.Languages() {
		layout := c.T(lang, "format.date", nil) + " " + c.T(lang, "format.time", nil)
		got, err := time.Parse(layout, c.DateTime(lang, at))
		if err != nil || !got.Equal(at) {
			t.Errorf("%s: %q written with %q reads back as %v (%v)", lang, c.DateTime(lang, at), layout, got, err)
		}
	}
}
