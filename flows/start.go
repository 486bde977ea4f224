package flows

import "strings"

// registerStart adds the commands every user meets first: /start,
// /help and /cancel.
func registerStart(e *Engine) {
	e.command(Command{Name: "start", Scope: InPrivate, Help: "cmd.start", Run: start})
	e.command(Command{Name: "help", Scope: InPrivate, Help: "cmd.help", Run: help})
	e.command(Command{Name: "cancel", Scope: InPrivate, Help: "cmd.cancel", Run: cancel})
}

// start greets the user. On first contact, when Telegram did not tell
// us a language we have, it asks for one first. A deep-link payload
// (t.me/bot?start=<prefix>_...) goes to the handler registered with
// onArgument("start", prefix, h).
func start(t *Turn) error {
	// A mentor matched before they ever opened the bot gets the
	// introductions held for them (review.go), with or without payload.
	if err := deliverHeldIntros(t); err != nil {
		return err
	}
	// So does anyone an agreement or a new meeting time was proposed to
	// while the bot could not reach them.
	if err := deliverPendingProposals(t); err != nil {
		return err
	}
	if payload := strings.TrimSpace(t.Event.Args); payload != "" {
		if h, ok := t.e.arguments[argument{"start", prefixOf(payload)}]; ok {
			return h(t)
		}
	}
	if t.Profile.Lang == "" {
		t.StartFlow(flowLanguage, "choose")
		t.Say("language.choose", nil, languageButtons(t)...)
		return nil
	}
	t.Session.Reset()
	welcome(t)
	// Staff of the programme file who open the bot after it started get
	// their menu now rather than at the next start.
	if err := queueOwnMenu(t, t.Event.From.ID); err != nil {
		return err
	}
	return askMentorsZone(t)
}

// askMentorsZone asks a mentor who has not chosen a time zone for
// theirs: mentors live abroad, and every meeting time is shown to them
// in it.
func askMentorsZone(t *Turn) error {
	if t.Profile.TimeZone != "" {
		return nil
	}
	projects, err := rosterOf(t).mentorProjects(t.ctx, t.Event.From.ID)
	if err != nil || len(projects) == 0 {
		return err
	}
	askTimeZone(t)
	return nil
}

// welcome greets the user by name, with the ways to ask a committee for
// support and to offer to join one.
func welcome(t *Turn) {
	t.Say("start.welcome", map[string]any{"Name": t.Event.From.FirstName, "Program": t.Program().Name},
		append(supportStartButtons(t), volunteerStartButtons(t)...)...)
}

// prefixOf is the part of a deep-link payload before its first "_".
func prefixOf(payload string) string {
	p, _, _ := strings.Cut(payload, "_")
	return p
}

// help lists the commands the user may run here, in their private
// chat, then those their role gives them in their committee's group.
func help(t *Turn) error {
	var b strings.Builder
	b.WriteString(t.T("help.intro", nil))
	var group []string
	for _, name := range t.e.order {
		c := t.e.commands[name]
		if c.Help == "" {
			continue
		}
		ok, err := t.e.holds(t, c.Role)
		if err != nil {
			return err
		}
		switch {
		case !ok:
		case c.Scope == InGroup:
			group = append(group, "\n/"+name+" - "+t.T(c.Help, nil))
		default:
			b.WriteString("\n/" + name + " - " + t.T(c.Help, nil))
		}
	}
	if len(group) > 0 {
		b.WriteString("\n\n" + t.T("scope.help_group", nil) + strings.Join(group, ""))
	}
	t.Reply(b.String())
	return nil
}

// cancel leaves whatever flow the chat is in. Records saved by the flow
// (a draft application, an open ticket) stay.
func cancel(t *Turn) error {
	if t.Session.Flow == "" {
		t.Say("cancel.nothing", nil)
		return nil
	}
	t.Session.Reset()
	t.Say("cancel.done", nil)
	return nil
}
