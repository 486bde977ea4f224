// Package console is the console mode: a chat with the flows engine over
// a terminal, for trying conversations without Telegram. It is a front
// end to flows.Engine beside bot/, and keeps its state in the same store.
package console

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/mentorbot/mentorbot/flows"
)

// BotName stands in for the bot's Telegram username in console mode,
// where deep links cannot be opened anyway: give it to the engine as
// flows.Config.BotUsername.
const BotName = "mentorbot_console"

// firstUser is the simulated user a console session starts as.
const firstUser = 1

// filePrefix marks file ids of files sent from the console: the rest is
// the file's absolute path, so a file the flows send back can be shown
// by its path.
const filePrefix = "console:"

// errQuit ends the console at the user's request.
var errQuit = errors.New("quit")

// Console is an interactive chat with the engine over a terminal: each
// input line is one event from the simulated user, in their private
// chat, and the reply is printed. It is for trying flows without
// Telegram; it keeps its state in the same store the bot would.
type Console struct {
	engine *flows.Engine
	in     io.Reader
	out    io.Writer
	log    *slog.Logger

	user    int64 // the simulated user, whose private chat we are in
	update  int64 // last update id
	message int   // last message id, of either side
	// buttons are, per chat, the buttons of the last reply that wrote to
	// that chat, numbered from 1 in order.
	buttons map[int64][]flows.Button
	// dir is where files sent by the bot are written; made on first use.
	dir string
	// clock is the engine's clock, which :time moves (UseClock).
	clock *Clock
}

// New returns a console that reads the user's lines from in and writes
// the bot's replies to out, running each line through engine, which
// should have been made with BotName as its username. Unexpected errors,
// such as the engine failing or a file that cannot be saved, are logged
// to log, not returned. The caller keeps owning in and out.
func New(engine *flows.Engine, in io.Reader, out io.Writer, log *slog.Logger) *Console {
	return &Console{engine: engine, in: in, out: out, log: log, user: firstUser, buttons: make(map[int64][]flows.Button)}
}

// Run reads lines until in ends, the user types :quit or ctx ends, and
// returns nil for the first two. It returns ctx.Err() when ctx ends
// first (a read from in may then go on until in yields a line or ends)
// and a wrapped error when reading in fails. Files the bot sends are
// written to a new folder under os.TempDir, which Run leaves for the
// user. Run is called at most once per Console.
func (c *Console) Run(ctx context.Context) error {
	lines := make(chan string)
	readErr := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(c.in)
		sc.Buffer(make([]byte, 64*1024), 1<<20)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			case <-ctx.Done():
				return
			}
		}
		readErr <- sc.Err()
		close(lines)
	}()
	c.say(ctx, "console.intro", map[string]any{"User": c.user})
	for {
		c.write(c.t(ctx, "console.prompt", map[string]any{"User": c.user}))
		select {
		case <-ctx.Done():
			c.write("\n")
			return ctx.Err()
		case line, ok := <-lines:
			if !ok {
				c.write("\n")
				if err := <-readErr; err != nil {
					return fmt.Errorf("read console input: %w", err)
				}
				return nil
			}
			if err := c.line(ctx, line); errors.Is(err, errQuit) {
				return nil
			}
		}
	}
}

// line acts on one input line.
func (c *Console) line(ctx context.Context, line string) error {
	line = strings.TrimSpace(line)
	if line == "" {
		return nil
	}
	word, rest, _ := strings.Cut(line, " ")
	rest = strings.TrimSpace(rest)
	switch word {
	case ":quit":
		return errQuit
	case ":help":
		c.say(ctx, "console.intro", map[string]any{"User": c.user})
		return nil
	case ":as":
		c.switchUser(ctx, rest)
		return nil
	case ":file":
		c.sendFile(ctx, rest)
		return nil
	case ":time":
		c.moveTime(ctx, rest)
		return nil
	}
	if n, err := strconv.Atoi(line); err == nil && len(c.buttons[c.user]) > 0 {
		bs := c.buttons[c.user]
		if n < 1 || n > len(bs) {
			c.write(c.engine.Catalog().Plural(c.lang(ctx), "console.no_such_choice", len(bs), nil) + "\n")
			return nil
		}
		c.handle(ctx, flows.Event{Kind: flows.KindButton, Data: bs[n-1].Data})
		return nil
	}
	if cmd, ok := strings.CutPrefix(word, "/"); ok && cmd != "" {
		cmd, _, _ = strings.Cut(cmd, "@") // /start@bot, as in groups
		c.handle(ctx, flows.Event{Kind: flows.KindCommand, Command: cmd, Args: rest, Text: line})
		return nil
	}
	c.handle(ctx, flows.Event{Kind: flows.KindText, Text: line})
	return nil
}

// switchUser makes arg, a Telegram user id, the simulated user.
func (c *Console) switchUser(ctx context.Context, arg string) {
	id, err := strconv.ParseInt(arg, 10, 64)
	if err != nil || id <= 0 {
		c.say(ctx, "console.bad_user", map[string]any{"Arg": arg})
		return
	}
	c.user = id
	c.say(ctx, "console.as", map[string]any{"User": id})
	c.printButtons(c.buttons[id], 1)
}

// sendFile sends the file at path as a document.
func (c *Console) sendFile(ctx context.Context, path string) {
	st, err := os.Stat(path)
	if path == "" || err != nil || !st.Mode().IsRegular() {
		c.say(ctx, "console.bad_file", map[string]any{"Path": path})
		return
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		abs = path
	}
	c.handle(ctx, flows.Event{Kind: flows.KindDocument, File: &flows.File{
		FileID:   filePrefix + abs,
		FileName: filepath.Base(path),
		MIMEType: mimeType(path),
		Size:     st.Size(),
	}})
}

// mimeType guesses a file's type from its extension, as Telegram
// clients do.
func mimeType(path string) string {
	t, _, err := mime.ParseMediaType(mime.TypeByExtension(strings.ToLower(filepath.Ext(path))))
	if err != nil || t == "" {
		return "application/octet-stream"
	}
	return t
}

// handle runs ev from the simulated user in their private chat and
// prints the reply.
func (c *Console) handle(ctx context.Context, ev flows.Event) {
	c.update++
	ev.UpdateID = c.update
	ev.ChatID = c.user
	ev.ChatType = flows.ChatPrivate
	ev.From = flows.User{ID: c.user, FirstName: "User", LastName: strconv.FormatInt(c.user, 10)}
	if ev.Kind != flows.KindButton {
		c.message++
		ev.MessageID = c.message
	}
	reply, err := c.engine.Handle(ctx, ev)
	if err != nil {
		c.log.Error("handle console input", "err", err)
		c.say(ctx, "error.internal", nil)
		return
	}
	c.show(ctx, reply)
	c.runJobs(ctx, reply)
}

// runJobs runs the jobs r started at once and shows their files: the
// console has one person, and no other chat waits behind a job.
func (c *Console) runJobs(ctx context.Context, r flows.Reply) {
	for _, m := range r.Messages {
		id, ok := flows.JobOf(m.Ref)
		if !ok {
			continue
		}
		var buf bytes.Buffer
		j, res, err := c.engine.RunJob(ctx, id, &buf, nil)
		if err == nil {
			err = c.engine.FinishJob(ctx, id)
		}
		if err != nil {
			c.log.Error("run job", "id", id, "err", err)
			c.say(ctx, "error.internal", nil)
			continue
		}
		c.show(ctx, flows.Reply{Messages: []flows.Message{{ChatID: j.ChatID, Text: res.Text, TextID: res.TextID,
			File: &flows.Attachment{FileName: res.FileName, Content: buf.Bytes()}}}})
	}
}

// show prints a reply: messages to the simulated user's chat as they
// are, others marked with their chat, each with its buttons numbered.
func (c *Console) show(ctx context.Context, r flows.Reply) {
	if r.Notice != "" {
		c.write("! " + r.Notice + "\n")
	}
	written := make(map[int64]bool)
	for _, m := range r.Messages {
		if !written[m.ChatID] {
			written[m.ChatID] = true
			delete(c.buttons, m.ChatID)
		}
		c.message++
		text := m.Text
		if m.File != nil {
			note := c.t(ctx, "console.file", map[string]any{"Path": c.saveFile(m.File)})
			text = strings.TrimSpace(text + "\n" + note)
		}
		if m.ChatID != c.user {
			text = c.t(ctx, "console.to", map[string]any{"Chat": m.ChatID}) + " " + text
		}
		c.write(text + "\n")
		first := len(c.buttons[m.ChatID]) + 1
		for _, row := range m.Buttons {
			c.buttons[m.ChatID] = append(c.buttons[m.ChatID], row...)
		}
		c.printButtons(c.buttons[m.ChatID][first-1:], first)
		if m.Ref != "" {
			if err := c.engine.Sent(ctx, m.Ref, m.ChatID, c.message); err != nil {
				c.log.Error("record sent message", "ref", m.Ref, "err", err)
			}
		}
	}
}

// printButtons prints bs numbered from first, all on one line.
func (c *Console) printButtons(bs []flows.Button, first int) {
	if len(bs) == 0 {
		return
	}
	parts := make([]string, len(bs))
	for i, b := range bs {
		parts[i] = fmt.Sprintf("[%d] %s", first+i, b.Text)
	}
	c.write("  " + strings.Join(parts, "  ") + "\n")
}

// saveFile writes a file the bot sends into the console's folder and
// returns its path; a file that came from the console is shown by its
// original path.
func (c *Console) saveFile(a *flows.Attachment) string {
	if p, ok := strings.CutPrefix(a.FileID, filePrefix); ok && len(a.Content) == 0 {
		return p
	}
	if len(a.Content) == 0 {
		return a.FileID
	}
	if c.dir == "" {
		dir, err := os.MkdirTemp("", "mentorbot-console-")
		if err != nil {
			c.log.Error("make folder for files", "err", err)
			return a.FileName
		}
		c.dir = dir
	}
	name := filepath.Base(a.FileName)
	if name == "." || name == string(filepath.Separator) {
		name = "file"
	}
	for i := 1; ; i++ {
		path := filepath.Join(c.dir, name)
		if i > 1 {
			path = filepath.Join(c.dir, strconv.Itoa(i)+"-"+name)
		}
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, os.ErrExist) {
			continue
		}
		if err == nil {
			_, err = f.Write(a.Content)
			if cerr := f.Close(); err == nil {
				err = cerr
			}
		}
		if err != nil {
			c.log.Error("save file from bot", "name", a.FileName, "err", err)
			return a.FileName
		}
		return path
	}
}

// t localizes id for the simulated user.
func (c *Console) t(ctx context.Context, id string, data map[string]any) string {
	return c.engine.Catalog().T(c.lang(ctx), id, data)
}

// lang is the simulated user's language.
func (c *Console) lang(ctx context.Context) string { return c.engine.LangOf(ctx, c.user) }

// say prints message id for the simulated user, on a line of its own.
func (c *Console) say(ctx context.Context, id string, data map[string]any) {
	c.write(c.t(ctx, id, data) + "\n")
}

func (c *Console) write(s string) {
	// A terminal that went away is noticed when reading stdin fails.
	io.WriteString(c.out, s)
}
