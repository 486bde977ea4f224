package flows

import (
	"strings"
	"testing"

	"github.com/mentorbot/mentorbot/flows/records"
	"github.com/mentorbot/mentorbot/locales"
)

// TestTicketHeaderNamesTheLanguageInTheGroupsLanguage: an Italian
// committee reads that the student writes in "inglese", not "English".
func TestTicketHeaderNamesTheLanguageInTheGroupsLanguage(t *testing.T) {
	cat, err := locales.New()
	if err != nil {
		t.Fatal(err)
	}
	tk := records.Ticket{ID: "7", Topic: "housing", FirstName: "Ada", Lang: "en"}
	for lang, want := range map[string]string{"it": "che scrive in inglese", "en": "who writes in English"} {
		if got := ticketHeader(cat, lang, "support.group.new", tk); !strings.Contains(got, want) {
			t.Errorf("ticketHeader(%s) = %q; want %q in it", lang, got, want)
		}
	}
}

// TestSizesFollowTheLanguage: a file size reads "23,8" in Italian and
// "23.8" in English, with Latin digits in Arabic and Persian too.
func TestSizesFollowTheLanguage(t *testing.T) {
	for lang, want := range map[string]string{"it": "23,8", "en": "23.8", "fr": "23,8", "ar": "23.8", "fa": "23.8"} {
		if got := formatDecimal(lang, 23.8); got != want {
			t.Errorf("formatDecimal(%s, 23.8) = %q; want %q", lang, got, want)
		}
	}
}
