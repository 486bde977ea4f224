package locales

import (
	"io/fs"
	"regexp"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
)

// englishLeaks are English words that have no business in an Italian
// message: a sentence left untranslated, or a word the translator
// kept. Words Italian uses as they are (mentor, staff, link, file, PDF,
// email, bot, chat) are not in it.
var englishLeaks = []string{"the", "and", "please", "your", "you", "with", "meeting", "meetings",
	"application", "applications", "request", "requests", "english", "italian", "button", "click",
	"send", "sent", "write", "yes", "cancel", "welcome", "thanks", "sorry", "from", "until"}

// nonWords are the parts of a message that are not prose: template
// actions, commands, URLs and @usernames.
var nonWords = regexp.MustCompile(`\{\{[^}]*\}\}|/[a-z_]+(?: (?:applications|questionnaire|audit|xlsx))*|https?://\S+|@\w+`)

// bilingual are the messages written in every language at once, for
// someone whose language the bot does not know yet.
var bilingual = map[string]bool{"language.choose": true}

// messages returns every message of lang's files, by id, with each
// plural form as its own entry ("id.one", "id.other").
func messages(t *testing.T, lang string) map[string]string {
	t.Helper()
	names, err := fs.Glob(files, "*."+lang+".toml")
	if err != nil {
		t.Fatal(err)
	}
	out := make(map[string]string)
	for _, name := range names {
		buf, err := fs.ReadFile(files, name)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := toml.Unmarshal(buf, &m); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for id, v := range m {
			switch v := v.(type) {
			case string:
				out[id] = v
			case map[string]any:
				for form, s := range v {
					if s, ok := s.(string); ok {
						out[id+"."+form] = s
					}
				}
			}
		}
	}
	return out
}

// TestNoEnglishInItalian fails on an Italian message holding a common
// English word.
func TestNoEnglishInItalian(t *testing.T) {
	for id, text := range messages(t, "it") {
		if bilingual[id] {
			continue
		}
		prose := strings.ToLower(nonWords.ReplaceAllString(text, " "))
		for _, w := range strings.FieldsFunc(prose, func(r rune) bool {
			return !(r >= 'a' && r <= 'z' || r == '\'' || r >= 0xC0)
		}) {
			for _, leak := range englishLeaks {
				if w == leak {
					t.Errorf("it %s holds the English word %q: %q", id, w, text)
				}
			}
		}
	}
}

// TestCountsArePlural fails on a message that prints a count without
// plural forms: go-i18n picks the form by the count only in a table.
func TestCountsArePlural(t *testing.T) {
	for _, lang := range []string{"en", "it"} {
		for id, text := range messages(t, lang) {
			if strings.Contains(text, "{{.Count}}") && !strings.Contains(id, ".one") && !strings.Contains(id, ".other") &&
				!strings.Contains(id, ".few") && !strings.Contains(id, ".many") && !strings.Contains(id, ".zero") && !strings.Contains(id, ".two") {
				t.Errorf("%s %s prints {{.Count}} but has no plural forms", lang, id)
			}
		}
	}
}
