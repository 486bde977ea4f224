package bot

import (
	"context"
	"errors"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/mentorbot/mentorbot/flows"
	"github.com/mentorbot/mentorbot/locales"
)

// Command menus (see flows/menus.go for which commands each shows).
// At start the bot sets the menu of all private chats and of all
// groups, once per language of the catalog and once without a language
// for everyone else. A person's own menu, in their private chat, is an
// effect of a turn: a flows.Message with Menu set, committed to the
// durable outbox with the turn. The feeder hands it to the Outbox like
// any message, so it goes out after the chat's earlier messages, once
// the turn committed, and is retried on 429 and transient errors; the
// Outbox turns it into setMyCommands (or deleteMyCommands, for a menu
// without commands) with the chat's scope. A start also queues the own
// menu of everyone who has one (flows.Menus.Personal), for the roles of
// the programme file, which no turn grants. That costs a call per
// person with a menu of their own (the staff, some dozens) at each
// start, which is cheap, and it mends what a stored record of the menus
// sent would miss: a release that changed the commands, a person who
// changed their language, a menu Telegram lost.

// MenuSetter sets and deletes command menus; *tgbot.Bot is one.
type MenuSetter interface {
	SetMyCommands(ctx context.Context, params *tgbot.SetMyCommandsParams) (bool, error)
	DeleteMyCommands(ctx context.Context, params *tgbot.DeleteMyCommandsParams) (bool, error)
	SetChatMenuButton(ctx context.Context, params *tgbot.SetChatMenuButtonParams) (bool, error)
}

var _ MenuSetter = (*tgbot.Bot)(nil)

// registerCommands sets the menus of all private chats and all groups
// in every language, and the menu button. It reports false when the
// server refused the first menu (one that does not support
// setMyCommands): that is logged once and no other menu is set.
func (b *Bot) registerCommands(ctx context.Context) bool {
	menus := b.menus
	langs := append([]string{""}, b.engine.Catalog().Languages()...)
	for _, s := range []struct {
		scope flows.Scope
		tg    models.BotCommandScope
	}{
		{flows.InPrivate, &models.BotCommandScopeAllPrivateChats{}},
		{flows.InGroup, &models.BotCommandScopeAllGroupChats{}},
	} {
		for _, lang := range langs {
			desc := lang
			if desc == "" {
				desc = locales.Default
			}
			params := &tgbot.SetMyCommandsParams{Commands: botCommands(menus.Of(s.scope, desc)), Scope: s.tg, LanguageCode: lang}
			if _, err := b.tg.SetMyCommands(ctx, params); err != nil {
				if ctx.Err() == nil {
					b.log.Warn("setMyCommands not supported, command menus not set", "err", err)
				}
				return false
			}
		}
	}
	if _, err := b.tg.SetChatMenuButton(ctx, &tgbot.SetChatMenuButtonParams{
		MenuButton: models.MenuButtonCommands{Type: models.MenuButtonTypeCommands}}); err != nil && ctx.Err() == nil {
		b.log.Warn("setChatMenuButton not supported", "err", err)
	}
	return true
}

// queuePersonalMenus queues the own menu of everyone who has one in the
// durable outbox, for the feeder to set. Should Redis refuse, the menus
// wait for the next start or role change; that is logged.
func (b *Bot) queuePersonalMenus(ctx context.Context) {
	msgs, err := b.menus.Personal(ctx)
	if err == nil && len(msgs) > 0 {
		err = b.engine.Enqueue(ctx, msgs)
	}
	if err != nil {
		if ctx.Err() == nil {
			b.log.Warn("personal command menus not queued", "err", err)
		}
		return
	}
	b.feeder.poke()
}

// botCommands is cmds as the Bot API takes them: an empty list, never
// null, when there are none.
func botCommands(cmds []flows.MenuCommand) []models.BotCommand {
	out := make([]models.BotCommand, len(cmds))
	for i, c := range cmds {
		out[i] = models.BotCommand{Command: c.Name, Description: c.Description}
	}
	return out
}

// deliverMenu sets m.Menu as the menu of its chat, paced and retried
// like a message by deliverPart. Telegram refusing it for good for the
// chat (a person who never opened the bot: 400 "chat not found") says
// nothing about them that their messages would not: unlike a refused
// message, it is dropped with a note in the log and the flows are not
// told (they would mark the person unreachable).
func (o *Outbox) deliverMenu(ctx context.Context, chatID int64, q *chatQueue, m flows.Message) error {
	if o.cfg.Menus == nil {
		o.log.Warn("no MenuSetter, command menu dropped", "chat_id", chatID)
		return nil
	}
	_, err := o.deliverPart(ctx, chatID, q, m)
	var r *refusal
	if errors.As(err, &r) {
		o.log.Info("command menu not set: Telegram cannot reach the chat", "chat_id", chatID, "reason", r.reason)
		return nil
	}
	return err
}

// setMenu makes the API calls for the menu m carries: setMyCommands
// with its chat's scope, or deleteMyCommands for a menu without
// commands, then setChatMenuButton: the workspace for a menu with App,
// the commands otherwise, so someone who lost their role loses the
// workspace's button too. A retry repeats both, which is harmless.
func (o *Outbox) setMenu(ctx context.Context, m flows.Message) error {
	scope := &models.BotCommandScopeChat{ChatID: m.ChatID}
	var err error
	if len(m.Menu.Commands) == 0 {
		_, err = o.cfg.Menus.DeleteMyCommands(ctx, &tgbot.DeleteMyCommandsParams{Scope: scope})
	} else {
		_, err = o.cfg.Menus.SetMyCommands(ctx, &tgbot.SetMyCommandsParams{Commands: botCommands(m.Menu.Commands), Scope: scope})
	}
	if err != nil {
		return err
	}
	var button models.InputMenuButton = models.MenuButtonCommands{Type: models.MenuButtonTypeCommands}
	if app := m.Menu.App; app != nil {
		button = models.MenuButtonWebApp{Type: models.MenuButtonTypeWebApp, Text: app.Text, WebApp: models.WebAppInfo{URL: app.URL}}
	}
	_, err = o.cfg.Menus.SetChatMenuButton(ctx, &tgbot.SetChatMenuButtonParams{ChatID: m.ChatID, MenuButton: button})
	return err
}
