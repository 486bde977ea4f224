// Package locales holds every user-facing text of mentorbot as go-i18n
// message files, embedded into the binary, and a small Catalog to look
// them up by language.
package locales

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

//go:embed *.toml
var files embed.FS

// Default is the language used when a user has not chosen one and
// Telegram did not tell us theirs.
const Default = "en"

// Catalog looks up localized messages. It is safe for concurrent use;
// the zero value is not usable, call New.
type Catalog struct {
	bundle *i18n.Bundle
	langs  []string

	mu         sync.Mutex
	localizers map[string]*i18n.Localizer
	// missing, when set, is told of every message asked for in a
	// language that lacks it (see ReportMissing).
	missing func(lang, id string)
}

// New loads the embedded message files. It fails only when a file does
// not parse, which the tests of this package prevent.
func New() (*Catalog, error) {
	bundle := i18n.NewBundle(language.English)
	bundle.RegisterUnmarshalFunc("toml", toml.Unmarshal)
	names, err := fs.Glob(files, "*.toml")
	if err != nil {
		return nil, fmt.Errorf("list message files: %w", err)
	}
	c := &Catalog{bundle: bundle, localizers: make(map[string]*i18n.Localizer)}
	for _, name := range names {
		if _, err := bundle.LoadMessageFileFS(files, name); err != nil {
			return nil, fmt.Errorf("parse %s: %w", name, err)
		}
	}
	for _, tag := range bundle.LanguageTags() {
		c.langs = append(c.langs, tag.String())
	}
	sort.Strings(c.langs)
	return c, nil
}

// Languages returns the codes of the languages the catalog has, sorted.
func (c *Catalog) Languages() []string { return append([]string(nil), c.langs...) }

// Supported reports whether lang is one of the catalog's languages.
func (c *Catalog) Supported(lang string) bool {
	for _, l := range c.langs {
		if l == lang {
			return true
		}
	}
	return false
}

// Match returns the catalog language closest to a Telegram language_code
// such as "it-IT", or "" when none fits.
func (c *Catalog) Match(code string) string {
	base, _, _ := strings.Cut(strings.ToLower(code), "-")
	if c.Supported(base) {
		return base
	}
	return ""
}

func (c *Catalog) localizer(lang string) *i18n.Localizer {
	c.mu.Lock()
	defer c.mu.Unlock()
	l, ok := c.localizers[lang]
	if !ok {
		l = i18n.NewLocalizer(c.bundle, lang, Default)
		c.localizers[lang] = l
	}
	return l
}

// ReportMissing makes c call report for every message asked for in a
// language that lacks it, ids built at run time included. T and Plural
// still fall back to English, then to the id. Tests use it; call it
// before c is shared.
func (c *Catalog) ReportMissing(report func(lang, id string)) { c.missing = report }

// checkMissing tells c.missing when lang lacks message id.
func (c *Catalog) checkMissing(lang, id string) {
	if c.missing == nil {
		return
	}
	if _, err := i18n.NewLocalizer(c.bundle, lang).LocalizeMessage(&i18n.Message{ID: id}); err != nil {
		var notFound *i18n.MessageNotFoundErr
		if errors.As(err, &notFound) || !c.Supported(lang) {
			c.missing(lang, id)
		}
	}
}

// T returns message id in lang, filled with data. A missing message is
// a programming error caught by tests; at run time it falls back to the
// id itself so the user sees something rather than nothing.
func (c *Catalog) T(lang, id string, data map[string]any) string {
	c.checkMissing(lang, id)
	s, err := c.localizer(lang).Localize(&i18n.LocalizeConfig{MessageID: id, TemplateData: data})
	if err != nil {
		return id
	}
	return s
}

// Plural returns message id in lang in the plural form for count. The
// count is also available to the template as {{.Count}}.
func (c *Catalog) Plural(lang, id string, count int, data map[string]any) string {
	c.checkMissing(lang, id)
	d := map[string]any{"Count": count}
	for k, v := range data {
		d[k] = v
	}
	s, err := c.localizer(lang).Localize(&i18n.LocalizeConfig{MessageID: id, TemplateData: d, PluralCount: count})
	if err != nil {
		return id
	}
	return s
}

// Date writes t's day as lang writes dates everywhere: in messages,
// PDFs and as the example of what to type. The layout is the message
// format.date, a Go time layout a translator may change (the tests
// check that it reads back).
func (c *Catalog) Date(lang string, t time.Time) string {
	return t.Format(c.T(lang, "format.date", nil))
}

// Clock writes t's time of day as lang does (message format.time).
func (c *Catalog) Clock(lang string, t time.Time) string {
	return t.Format(c.T(lang, "format.time", nil))
}

// DateTime writes t's day and time as lang does: the one date-time
// format of the language.
func (c *Catalog) DateTime(lang string, t time.Time) string {
	return c.Date(lang, t) + " " + c.Clock(lang, t)
}

// IDs returns the ids of every message of lang, from all of its files
// (one file per flow: apply.en.toml, support.en.toml, ...).
func IDs(lang string) ([]string, error) {
	names, err := fs.Glob(files, "*."+lang+".toml")
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, name := range names {
		buf, err := files.ReadFile(name)
		if err != nil {
			return nil, err
		}
		var m map[string]any
		if err := toml.Unmarshal(buf, &m); err != nil {
			return nil, fmt.Errorf("parse %s: %w", name, err)
		}
		ids = appendIDs(ids, "", m)
	}
	sort.Strings(ids)
	return ids, nil
}

// pluralForms are the keys that make a TOML table one message with
// plural forms rather than a group of messages, as go-i18n reads them.
var pluralForms = map[string]bool{"zero": true, "one": true, "two": true, "few": true, "many": true, "other": true, "description": true, "hash": true}

// appendIDs adds the message ids of a parsed file: a string is one
// message, a table of plural forms is one message, any other table
// nests ids with a dot, as in [count.applications].
func appendIDs(ids []string, prefix string, m map[string]any) []string {
	for k, v := range m {
		id := k
		if prefix != "" {
			id = prefix + "." + k
		}
		sub, ok := v.(map[string]any)
		if !ok {
			ids = append(ids, id)
			continue
		}
		plural := len(sub) > 0
		for form := range sub {
			plural = plural && pluralForms[form]
		}
		if plural {
			ids = append(ids, id)
		} else {
			ids = appendIDs(ids, id, sub)
		}
	}
	return ids
}

// RightToLeft reports whether lang is written right to left: Arabic
// and Persian among the catalog's, and Hebrew, Urdu, Pashto, Sorani
// Kurdish and Yiddish should they join.
func RightToLeft(lang string) bool {
	switch lang {
	case "ar", "fa", "he", "ur", "ps", "ckb", "yi":
		return true
	}
	return false
}
