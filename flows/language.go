package flows

import (
	"slices"

	"github.com/mentorbot/mentorbot/flows/records"
	"github.com/mentorbot/mentorbot/locales"
)

const flowLanguage = "lang"

// registerLanguage adds /language, which lets the user choose the
// language of every message the bot sends them.
func registerLanguage(e *Engine) {
	e.command(Command{Name: "language", Scope: InPrivate, Help: "cmd.language", Run: func(t *Turn) error {
		t.StartFlow(flowLanguage, "choose")
		t.Say("language.choose", nil, languageButtons(t)...)
		return nil
	}})
	e.onButton(flowLanguage, records.RoleAnyone, InPrivate, chooseLanguage)
	e.onStep(flowStep(flowLanguage), func(t *Turn) error {
		t.Say("language.use_buttons", nil, languageButtons(t)...)
		return nil
	})
}

// languageButtons offers every language of the catalog, each named in
// itself so a user who cannot read the current language finds theirs:
// the programme's own (English, Italian) first, the others after them
// in the catalog's order, two a row.
func languageButtons(t *Turn) [][]Button {
	langs := t.e.cat.Languages()
	first := []string{locales.Default, "it"}
	slices.SortStableFunc(langs, func(a, b string) int {
		ia, ib := slices.Index(first, a), slices.Index(first, b)
		if ia < 0 {
			ia = len(first)
		}
		if ib < 0 {
			ib = len(first)
		}
		return ia - ib
	})
	var rows [][]Button
	for i, lang := range langs {
		if i%2 == 0 {
			rows = append(rows, nil)
		}
		rows[len(rows)-1] = append(rows[len(rows)-1], t.Button(t.e.cat.T(lang, "language.self", nil), "set", lang))
	}
	return rows
}

// chooseLanguage sets the language the user pressed and greets them in
// it.
func chooseLanguage(t *Turn) error {
	lang := t.Callback.Arg
	if t.Callback.Action != "set" || !t.e.cat.Supported(lang) {
		t.Notice("error.bad_button")
		return nil
	}
	// A menu of their own follows them into the new language.
	menu, err := watchMenus(t, t.Event.From.ID)
	if err != nil {
		return err
	}
	t.Profile.Lang = lang
	if err := menu(); err != nil {
		return err
	}
	t.Session.Reset()
	t.Say("language.set", nil)
	welcome(t)
	return askMentorsZone(t)
}
