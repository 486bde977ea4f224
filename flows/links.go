package flows

import (
	"fmt"
	"regexp"
	"strings"

	qr "github.com/piglig/go-qr"

	"github.com/mentorbot/mentorbot/flows/records"
)

// Deep links open a flow at a chosen project or university:
// t.me/<bot>?start=apply_<project> opens the application with the
// project set, support_<university> a request to that committee, and
// committee_<university> the offer to join that committee
// (volunteer.go). Telegram sends them as "/start <payload>"; start()
// routes them here by the payload's prefix. /links gives staff every
// such link, with a QR code each to print.
const (
	linkApply     = "apply"
	linkSupport   = "support"
	linkCommittee = "committee"
)

// startPayload is what Telegram lets a start parameter hold.
var startPayload = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// maxLinksText is the most characters /links puts in one message,
// Telegram's limit.
const maxLinksText = 4096

// QR codes are drawn qrScale pixels a module, with the four-module
// quiet zone the standard asks for, at error correction level M: about
// 800 pixels square for a link, sharp enough to print on a poster.
const (
	qrScale  = 20
	qrBorder = 4
)

// registerLinks adds the deep links' handlers and /links for staff.
func registerLinks(e *Engine) {
	e.onArgument("start", linkApply, applyLink)
	e.onArgument("start", linkSupport, supportLink)
	e.onArgument("start", linkCommittee, committeeLink)
	e.command(Command{Name: "links", Role: records.RoleStaff, Scope: InPrivate, Help: "links.cmd", Run: linksCommand})
}

// linkTarget is the id a deep link names, after its prefix: "madrid-ai"
// of "/start apply_madrid-ai".
func linkTarget(t *Turn) string {
	_, id, _ := strings.Cut(strings.TrimSpace(t.Event.Args), "_")
	return id
}

// shown is an id as typed, cut short for a message.
func shown(id string) string {
	if r := []rune(id); len(r) > 64 {
		return string(r[:64]) + "…"
	}
	return id
}

// applyLink is "/start apply_<project>": the application, with the
// project chosen. An unknown project is said, then /apply runs as usual.
func applyLink(t *Turn) error {
	id := linkTarget(t)
	p, ok := t.Program().Project(id)
	if !ok {
		t.Say("links.unknown_project", map[string]any{"Given": shown(id)})
		return startApplication(t, nil)
	}
	return startApplication(t, &p)
}

// supportLink is "/start support_<university>": a request to that
// university's committee. An unknown university is said, then /support
// runs as usual.
func supportLink(t *Turn) error {
	id := linkTarget(t)
	u, ok := t.Program().University(id)
	if !ok {
		t.Say("links.unknown_university", map[string]any{"Given": shown(id)})
		return beginSupport(t)
	}
	supportAt(t, u)
	return nil
}

// committeeLink is "/start committee_<university>": the offer to join
// that university's committee. An unknown university is said, then
// /volunteer runs as usual.
func committeeLink(t *Turn) error {
	id := linkTarget(t)
	u, ok := t.Program().University(id)
	if !ok {
		t.Say("links.unknown_university", map[string]any{"Given": shown(id)})
		return beginVolunteer(t)
	}
	return volunteerAt(t, u)
}

// deepLink is one link /links lists.
type deepLink struct {
	payload string
	// caption is the caption of the link's QR code, localized from
	// captionID.
	caption, captionID string
	// line is the link's line in the list, localized.
	line string
}

// deepLinks returns the programme's links in the order /links shows
// them (each project's application, then each university's support and
// committee), grouped under their headings, and the ids no link can
// carry.
func deepLinks(t *Turn) (groups [][]deepLink, unlinkable []string) {
	type target struct{ id, name string }
	var projects, unis []target
	for _, p := range t.Program().Projects {
		projects = append(projects, target{p.ID, p.TitleIn(t.Lang())})
	}
	for _, u := range t.Program().Universities {
		unis = append(unis, target{u.ID, u.Name})
	}
	for _, kind := range []struct {
		prefix, caption string
		targets         []target
	}{
		{linkApply, "links.caption_apply", projects},
		{linkSupport, "links.caption_support", unis},
		{linkCommittee, "links.caption_committee", unis},
	} {
		var group []deepLink
		for _, tg := range kind.targets {
			payload := kind.prefix + "_" + tg.id
			if !startPayload.MatchString(payload) {
				if kind.prefix != linkCommittee { // one mention per university
					unlinkable = append(unlinkable, tg.id)
				}
				continue
			}
			link := startLink(t.e.botName, payload)
			data := map[string]any{"Name": tg.name, "Link": link}
			group = append(group, deepLink{payload: payload, caption: t.T(kind.caption, data), captionID: kind.caption,
				line: t.T("links.line", data)})
		}
		groups = append(groups, group)
	}
	return groups, unlinkable
}

// startLink is the link that sends "/start payload" to the bot. Without
// a bot username (console mode) it is the command to type instead.
func startLink(botName, payload string) string {
	if botName == "" {
		return "/start " + payload
	}
	return "https://t.me/" + botName + "?start=" + payload
}

// linksCommand is /links: every deep link of the programme in a list,
// then a QR code of each as a PNG document, one message a link.
func linksCommand(t *Turn) error {
	groups, unlinkable := deepLinks(t)
	n := 0
	var lines []string
	for i, heading := range []string{"links.heading_apply", "links.heading_support", "links.heading_committee"} {
		if len(groups[i]) == 0 {
			continue
		}
		lines = append(lines, "", t.T(heading, nil))
		for _, l := range groups[i] {
			lines = append(lines, l.line)
		}
		n += len(groups[i])
	}
	if len(unlinkable) > 0 {
		lines = append(lines, "", t.T("links.unlinkable", map[string]any{"IDs": strings.Join(unlinkable, ", ")}))
	}
	if n == 0 && len(unlinkable) == 0 {
		t.Say("links.none", nil)
		return nil
	}
	head := t.Plural("links.title", n, nil)
	if t.e.botName == "" {
		head = t.T("links.no_username", nil)
	}
	for _, text := range chunkLines(append([]string{head}, lines...), maxLinksText) {
		sayBuilt(t, "links.title", text)
	}
	if t.e.botName == "" {
		return nil
	}
	for _, group := range groups {
		for _, l := range group {
			png, err := qrPNG(startLink(t.e.botName, l.payload))
			if err != nil {
				return err
			}
			t.Send(Message{ChatID: t.Event.ChatID, Text: l.caption, TextID: l.captionID,
				File: &Attachment{FileName: "qr-" + l.payload + ".png", Content: png}})
		}
	}
	return nil
}

// qrPNG draws a QR code of text as a PNG image.
func qrPNG(text string) ([]byte, error) {
	code, err := qr.EncodeText(text, qr.Medium)
	if err != nil {
		return nil, fmt.Errorf("QR code of %q: %w", text, err)
	}
	png, err := code.ToPNGBytes(qr.NewQrCodeImgConfig(qrScale, qrBorder))
	if err != nil {
		return nil, fmt.Errorf("QR code of %q as PNG: %w", text, err)
	}
	return png, nil
}

// chunkLines joins lines with newlines into texts of at most max
// characters each, cutting between lines; a single line longer than
// max is cut at max.
func chunkLines(lines []string, max int) []string {
	var out []string
	var b strings.Builder
	n := 0 // characters in b
	for _, line := range lines {
		for r := []rune(line); ; {
			piece := r[:min(len(r), max)]
			switch {
			case n == 0:
			case n+1+len(piece) <= max:
				b.WriteString("\n")
				n++
			default:
				out = append(out, b.String())
				b.Reset()
				n = 0
			}
			b.WriteString(string(piece))
			n += len(piece)
			if r = r[len(piece):]; len(r) == 0 {
				break
			}
		}
	}
	if strings.TrimSpace(b.String()) != "" {
		out = append(out, b.String())
	}
	return out
}
