package bot

import (
	"slices"
	"strings"
	"unicode/utf16"

	"github.com/go-telegram/bot/models"

	"github.com/mentorbot/mentorbot/flows"
)

// toEvent translates an update into a flow event. It reports false for
// updates the bot does not act on: edits in groups, channel posts,
// membership changes, and commands addressed to another bot in a group.
func toEvent(u *models.Update, botName string) (flows.Event, bool) {
	if cq := u.CallbackQuery; cq != nil {
		return buttonEvent(u.ID, cq), true
	}
	if m := u.EditedMessage; m != nil && m.Chat.Type == models.ChatTypePrivate && m.From != nil {
		return flows.Event{UpdateID: u.ID, Kind: flows.KindEdited, ChatID: m.Chat.ID,
			ChatType: flows.ChatPrivate, From: user(*m.From), MessageID: m.ID}, true
	}
	m := u.Message
	if m == nil {
		return flows.Event{}, false
	}
	ev := flows.Event{
		UpdateID:  u.ID,
		ChatID:    m.Chat.ID,
		ChatType:  flows.ChatType(m.Chat.Type),
		MessageID: m.ID,
	}
	topic(&ev, m)
	if m.From != nil {
		ev.From = user(*m.From)
	}
	if m.ReplyToMessage != nil {
		ev.ReplyTo = m.ReplyToMessage.ID
	}
	switch {
	case m.Text != "":
		ev.Kind, ev.Text, ev.Styles = flows.KindText, m.Text, stylesOf(m.Text, m.Entities)
		if name, args, addressee, ok := parseCommand(m.Text); ok {
			if addressee != "" && !strings.EqualFold(addressee, botName) && ev.ChatType != flows.ChatPrivate {
				return flows.Event{}, false // /cmd@otherbot in a group
			}
			ev.Kind, ev.Command, ev.Args = flows.KindCommand, name, args
		}
	case m.Document != nil:
		d := m.Document
		ev.Kind, ev.Text = flows.KindDocument, m.Caption
		ev.File = &flows.File{FileID: d.FileID, FileName: d.FileName, MIMEType: d.MimeType, Size: d.FileSize}
	case len(m.Photo) > 0:
		p := largest(m.Photo)
		ev.Kind, ev.Text = flows.KindPhoto, m.Caption
		ev.File = &flows.File{FileID: p.FileID, MIMEType: "image/jpeg", Size: int64(p.FileSize)}
	default:
		ev.Kind, ev.Text = flows.KindOther, m.Caption
	}
	return ev, true
}

func buttonEvent(updateID int64, cq *models.CallbackQuery) flows.Event {
	ev := flows.Event{UpdateID: updateID, Kind: flows.KindButton, From: user(cq.From), Data: cq.Data,
		ChatID: cq.From.ID, ChatType: flows.ChatPrivate}
	switch {
	case cq.Message.Message != nil:
		m := cq.Message.Message
		ev.ChatID, ev.ChatType, ev.MessageID = m.Chat.ID, flows.ChatType(m.Chat.Type), m.ID
		topic(&ev, m)
	case cq.Message.InaccessibleMessage != nil:
		m := cq.Message.InaccessibleMessage
		ev.ChatID, ev.MessageID = m.Chat.ID, m.MessageID
		if m.Chat.Type != "" {
			ev.ChatType = flows.ChatType(m.Chat.Type)
		}
	}
	return ev
}

// topic copies where m is in a forum: whether its chat is one, and the
// topic (message_thread_id) it was written in.
func topic(ev *flows.Event, m *models.Message) {
	ev.Forum, ev.ThreadID, ev.TopicMessage = m.Chat.IsForum, m.MessageThreadID, m.IsTopicMessage
}

func user(u models.User) flows.User {
	return flows.User{ID: u.ID, FirstName: u.FirstName, LastName: u.LastName, Username: u.Username,
		LanguageCode: u.LanguageCode}
}

// largest returns the photo size with the most pixels.
func largest(sizes []models.PhotoSize) models.PhotoSize {
	best := sizes[0]
	for _, s := range sizes[1:] {
		if s.Width*s.Height > best.Width*best.Height ||
			s.Width*s.Height == best.Width*best.Height && s.FileSize > best.FileSize {
			best = s
		}
	}
	return best
}

// parseCommand splits "/name@bot args" into its parts. ok is false when
// text is not a command: no leading slash, or a name Telegram would not
// accept.
func parseCommand(text string) (name, args, addressee string, ok bool) {
	rest, found := strings.CutPrefix(text, "/")
	if !found {
		return "", "", "", false
	}
	head, args, _ := strings.Cut(rest, " ")
	if i := strings.IndexAny(head, "\n\t"); i >= 0 {
		head, args = head[:i], head[i+1:]+" "+args
	}
	name, addressee, _ = strings.Cut(head, "@")
	if !validCommand(name) {
		return "", "", "", false
	}
	return strings.ToLower(name), strings.TrimSpace(args), addressee, true
}

func validCommand(s string) bool {
	if len(s) < 1 || len(s) > 32 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_') {
			return false
		}
	}
	return true
}

// stylesOf turns the formatting entities of text into styles at byte
// offsets, keeping the kinds flows.StyleKinds lists; an entity that does
// not fit text is dropped.
func stylesOf(text string, entities []models.MessageEntity) []flows.Style {
	var out []flows.Style
	if len(entities) == 0 {
		return nil
	}
	// units[i] is the byte offset at which UTF-16 unit i starts.
	units := make([]int, 0, len(text)+1)
	for i, r := range text {
		for range utf16.RuneLen(r) {
			units = append(units, i)
		}
	}
	units = append(units, len(text))
	for _, e := range entities {
		if !slices.Contains(flows.StyleKinds, string(e.Type)) || e.Offset < 0 || e.Length <= 0 || e.Offset+e.Length >= len(units) {
			continue
		}
		s := flows.Style{Span: flows.Span{Start: units[e.Offset], End: units[e.Offset+e.Length]}, Kind: string(e.Type)}
		if e.Type == models.MessageEntityTypeTextLink {
			s.URL = e.URL
		}
		out = append(out, s)
	}
	return out
}
