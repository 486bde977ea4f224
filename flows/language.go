package flows

import "github.com/mentorbot/mentorbot/flows/records"

const flowLanguage = "lang"

// registerLanguage adds /language, which lets the user choose the
// language of every message the bot sends them.
func registerLanguage(e *Engine) {
	e.command(Command{Name: "language", Scope: InPrivate, Help: "cmd.language", Run: func(t *Turn) error {
		t.StartFlow(flowLanguage, "choose")
		t.Say("language.choose", nil, languageButtons(t))
		return nil
	}})
	e.onButton(flowLanguage, records.RoleAnyone, InPrivate, chooseLanguage)
	e.onStep(flowStep(flowLanguage), func(t *Turn) error {
		t.Say("language.use_buttons", nil, languageButtons(t))
		return nil
	})
}

// languageButtons offers every language of the catalog, each named in
// itself so a user who cannot read the current language finds theirs.
func languageButtons(t *Turn) []Button {
	var row []Button
	for _, lang := range t.e.cat.Languages() {
		row = append(row, t.Button(t.e.cat.T(lang, "language.self", nil), "set", lang))
	}
	return row
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
