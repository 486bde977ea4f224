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
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/mentorbot/mentorbot/flows"
	"github.com/mentorbot/mentorbot/flows/records"
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
// input line is one event from the simulated person, in their private
// chat or in a committee group, and the reply is printed. It is for
// trying flows without Telegram; it keeps its state in the same store
// the bot would.
type Console struct {
	engine *flows.Engine
	in     io.Reader
	out    io.Writer
	log    *slog.Logger

	user    int64 // the simulated person
	chat    int64 // where they write: their private chat (user) or a committee group
	update  int64 // last update id
	message int   // last message id, of either side
	// people names everyone the console can act as.
	people *people
	// buttons are, per chat, the buttons of the last reply that had
	// buttons for that chat, numbered from 1 in order; earlier tells
	// that a message without buttons came to the chat since.
	buttons map[int64][]flows.Button
	earlier map[int64]bool
	// inGroup maps the number of each message the bot sent to a group
	// to that group, for :reply; request is, per group, the latest of
	// them whose replies the engine recognises (it asked to be told the
	// message's number), which a line typed in the group replies to.
	inGroup map[int]int64
	request map[int64]int
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
	c := &Console{engine: engine, in: in, out: out, log: log, user: firstUser, chat: firstUser,
		buttons: make(map[int64][]flows.Button), earlier: make(map[int64]bool),
		inGroup: make(map[int]int64), request: make(map[int64]int)}
	var program *flows.Program
	if engine != nil {
		program = engine.Program()
	}
	c.people = newPeople(program)
	c.people.person(firstUser)
	return c
}

// NewClock returns a console clock that reads start() now and runs on
// from there, as tests that fix the time want; with a nil start it
// reads the real time. :time moves it either way.
func NewClock(start func() time.Time) *Clock {
	clk := &Clock{}
	if start != nil {
		clk.set(start())
	}
	return clk
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
	c.help(ctx)
	for {
		c.write(c.prompt(ctx))
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

// consoleCommands are the console's own commands, by their word.
var consoleCommands = map[string]func(c *Console, ctx context.Context, arg string) error{
	":quit":    func(*Console, context.Context, string) error { return errQuit },
	":help":    func(c *Console, ctx context.Context, _ string) error { c.help(ctx); return nil },
	":as":      func(c *Console, ctx context.Context, arg string) error { c.switchUser(ctx, arg); return nil },
	":file":    func(c *Console, ctx context.Context, arg string) error { c.sendFile(ctx, arg); return nil },
	":time":    func(c *Console, ctx context.Context, arg string) error { c.moveTime(ctx, arg); return nil },
	":group":   func(c *Console, ctx context.Context, arg string) error { c.enterGroup(ctx, arg); return nil },
	":private": func(c *Console, ctx context.Context, _ string) error { c.leaveGroup(ctx); return nil },
	":reply":   func(c *Console, ctx context.Context, arg string) error { c.replyTo(ctx, arg); return nil },
	":say":     func(c *Console, ctx context.Context, arg string) error { c.send(ctx, arg, 0); return nil },
}

// consoleWord is the shape of a console command's word, known or not.
var consoleWord = regexp.MustCompile(`^:[a-z]+$`)

// line acts on one input line.
func (c *Console) line(ctx context.Context, line string) error {
	line = strings.TrimSpace(line)
	if line == "" {
		return nil
	}
	word, rest, _ := strings.Cut(line, " ")
	if run, ok := consoleCommands[word]; ok {
		return run(c, ctx, strings.TrimSpace(rest))
	}
	if consoleWord.MatchString(word) {
		c.say(ctx, "console.unknown_command", map[string]any{"Command": word})
		return nil
	}
	if n, err := strconv.Atoi(line); err == nil && len(c.buttons[c.chat]) > 0 {
		c.press(ctx, n, line)
		return nil
	}
	c.send(ctx, line, 0)
	return nil
}

// send sends a typed line, a command or a message, in reply to message
// replyTo, or in a group when replyTo is 0 to the group's latest
// request.
func (c *Console) send(ctx context.Context, line string, replyTo int) {
	if line == "" {
		return
	}
	ev := flows.Event{Kind: flows.KindText, Text: line, ReplyTo: replyTo}
	word, rest, _ := strings.Cut(line, " ")
	if cmd, ok := strings.CutPrefix(word, "/"); ok && cmd != "" {
		cmd, _, _ = strings.Cut(cmd, "@") // /start@bot, as in groups
		ev.Kind, ev.Command, ev.Args = flows.KindCommand, cmd, strings.TrimSpace(rest)
	}
	c.handle(ctx, ev)
}

// press presses button n of the current chat; line is what was typed.
func (c *Console) press(ctx context.Context, n int, line string) {
	bs := c.buttons[c.chat]
	if n < 1 || n > len(bs) {
		c.write(c.engine.Catalog().Plural(c.lang(ctx), "console.no_such_choice", len(bs), map[string]any{"Number": line}) + "\n")
		return
	}
	b := bs[n-1]
	if b.Data == "" {
		c.say(ctx, "console.link", map[string]any{"URL": b.URL})
		return
	}
	if c.earlier[c.chat] {
		c.say(ctx, "console.pressed", map[string]any{"Button": b.Text})
	}
	c.handle(ctx, flows.Event{Kind: flows.KindButton, Data: b.Data})
}

// Name pools for the simulated people, by role. The programme file
// knows people by Telegram user id only; the console gives each a first
// name, sent with their events and typed after :as. Accents are kept:
// :as matches names without them.
var (
	staffNames     = []string{"Sofia", "Stefano", "Serena", "Sandro"}
	mentorNames    = []string{"José", "Élodie", "Jürgen", "Siobhán", "Mateo", "Zoé", "Björn", "Aoife"}
	committeeNames = []string{"Chiara", "Carlo", "Costanza", "Cesare"}
	otherNames     = []string{"Ada", "Bruno", "Carla", "Dario", "Elena", "Fabio", "Greta", "Luca"}
)

// Roles of people the programme file names.
const (
	roleStaff     = "staff"
	roleMentor    = "mentor"
	roleCommittee = "committee"
)

// person is someone the console can act as.
type person struct {
	id   int64
	name string
	// role is how the programme file knows them, "" for anyone else;
	// of is the project of a mentor or the university of a committee
	// member.
	role, of string
}

// people are the simulated people: those the programme file names and
// those who used the console, each with a first name of their own.
type people struct {
	list  []*person // in the order :as lists them
	byID  map[int64]*person
	taken map[string]bool // folded names
}

// newPeople names the staff, the projects' mentors and the committees'
// members of program, which may be nil.
func newPeople(program *flows.Program) *people {
	ps := &people{byID: make(map[int64]*person), taken: make(map[string]bool)}
	if program == nil {
		return ps
	}
	for _, id := range program.Staff {
		ps.add(id, roleStaff, "", staffNames)
	}
	for _, p := range program.Projects {
		ps.add(p.Mentor, roleMentor, p.ID, mentorNames)
	}
	for _, u := range program.Universities {
		for _, id := range u.Members {
			ps.add(id, roleCommittee, u.ID, committeeNames)
		}
	}
	return ps
}

// add names id from pool, unless they have a name already.
func (ps *people) add(id int64, role, of string, pool []string) *person {
	if p, ok := ps.byID[id]; ok {
		return p
	}
	name := ""
	for i := 0; name == ""; i++ {
		n := pool[i%len(pool)]
		if i >= len(pool) {
			n += strconv.Itoa(i/len(pool) + 1)
		}
		if !ps.taken[fold(n)] {
			name = n
		}
	}
	p := &person{id: id, name: name, role: role, of: of}
	ps.taken[fold(name)] = true
	ps.byID[id] = p
	ps.list = append(ps.list, p)
	return p
}

// person returns user id, naming them when the console meets them first.
func (ps *people) person(id int64) *person { return ps.add(id, "", "", otherNames) }

// find returns the person called name, compared without case or accents.
func (ps *people) find(name string) (*person, bool) {
	want := fold(name)
	for _, p := range ps.list {
		if fold(p.name) == want {
			return p, true
		}
	}
	return nil, false
}

// fold is s as :as and :group compare it: trimmed, lower case, without
// accents.
func fold(s string) string { return records.Fold(strings.TrimSpace(s)) }

// describe names p with their user id and role, in the user's language.
func (c *Console) describe(ctx context.Context, p *person) string {
	data := map[string]any{"Name": p.name, "User": p.id}
	switch p.role {
	case roleStaff:
		data["Role"] = c.t(ctx, "console.role.staff", nil)
	case roleMentor:
		data["Role"] = c.t(ctx, "console.role.mentor", map[string]any{"Project": p.of})
	case roleCommittee:
		data["Role"] = c.t(ctx, "console.role.committee", map[string]any{"University": p.of})
	default:
		return c.t(ctx, "console.person", data)
	}
	return c.t(ctx, "console.person_role", data)
}

// switchUser is :as: arg, a first name or a user id, becomes the
// simulated person, in their private chat. Without arg, or with a name
// nobody has, it lists who can be chosen.
func (c *Console) switchUser(ctx context.Context, arg string) {
	var p *person
	if id, err := strconv.ParseInt(arg, 10, 64); err == nil && id > 0 {
		p = c.people.person(id)
	} else if found, ok := c.people.find(arg); ok && arg != "" {
		p = found
	}
	if p == nil {
		if arg != "" {
			c.say(ctx, "console.unknown_person", map[string]any{"Arg": arg})
		}
		c.listPeople(ctx)
		return
	}
	c.user, c.chat = p.id, p.id
	c.say(ctx, "console.as", map[string]any{"Person": c.describe(ctx, p)})
	c.printWaiting()
}

// listPeople prints who :as can choose.
func (c *Console) listPeople(ctx context.Context) {
	c.say(ctx, "console.people", nil)
	for _, p := range c.people.list {
		c.write("  " + c.describe(ctx, p) + "\n")
	}
	c.say(ctx, "console.people_more", nil)
}

// enterGroup is :group: the simulated person goes on in the committee
// group of the university arg names (by id or name). Without arg, or
// with one that names none, it lists the universities.
func (c *Console) enterGroup(ctx context.Context, arg string) {
	u, ok := c.university(arg)
	if !ok {
		if arg != "" {
			c.say(ctx, "console.unknown_group", map[string]any{"Arg": arg})
		}
		c.say(ctx, "console.groups", nil)
		for _, u := range c.engine.Program().Universities {
			c.say(ctx, "console.group_line", map[string]any{"ID": u.ID, "Name": u.Name})
		}
		return
	}
	c.chat = u.CommitteeChat
	me := c.people.person(c.user)
	c.say(ctx, "console.group", map[string]any{"Person": c.describe(ctx, me), "University": u.Name})
	c.sayMembers(ctx, u, me)
	c.printWaiting()
}

// sayMembers tells me, unless they are one, who of u's committee the
// programme file lists: only the committee is heard in its group.
func (c *Console) sayMembers(ctx context.Context, u flows.University, me *person) {
	var names []string
	for _, id := range u.Members {
		if id == me.id {
			return
		}
		names = append(names, c.people.person(id).name)
	}
	if len(names) == 0 {
		c.say(ctx, "console.group_no_members", map[string]any{"University": u.ID})
		return
	}
	c.say(ctx, "console.group_members", map[string]any{"Members": strings.Join(names, ", ")})
}

// university returns the university arg names: by id or name, compared
// without case or accents, or the one whose name alone holds arg.
func (c *Console) university(arg string) (flows.University, bool) {
	want := fold(arg)
	if want == "" {
		return flows.University{}, false
	}
	var holding []flows.University
	for _, u := range c.engine.Program().Universities {
		if fold(u.ID) == want || fold(u.Name) == want {
			return u, true
		}
		if strings.Contains(fold(u.Name), want) {
			holding = append(holding, u)
		}
	}
	if len(holding) == 1 {
		return holding[0], true
	}
	return flows.University{}, false
}

// group returns the university whose committee group the console is
// in; ok is false in a private chat.
func (c *Console) group() (flows.University, bool) {
	if c.chat == c.user {
		return flows.University{}, false
	}
	return c.engine.Program().UniversityByChat(c.chat)
}

// leaveGroup is :private: back to the simulated person's private chat.
func (c *Console) leaveGroup(ctx context.Context) {
	c.chat = c.user
	c.say(ctx, "console.private", map[string]any{"Name": c.people.person(c.user).name})
	c.printWaiting()
}

// replyTo is :reply N TEXT: TEXT sent as a reply to message N, which the
// bot sent to the current group.
func (c *Console) replyTo(ctx context.Context, arg string) {
	num, text, _ := strings.Cut(arg, " ")
	n, err := strconv.Atoi(strings.TrimPrefix(num, "#"))
	text = strings.TrimSpace(text)
	if err != nil || text == "" || c.inGroup[n] != c.chat || c.chat == c.user {
		c.say(ctx, "console.bad_reply", nil)
		return
	}
	c.send(ctx, text, n)
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

// handle runs ev from the simulated person in the current chat and
// prints the reply. In a group, a message that replies to nothing
// replies to the group's latest request.
func (c *Console) handle(ctx context.Context, ev flows.Event) {
	c.update++
	ev.UpdateID = c.update
	ev.ChatID = c.chat
	ev.ChatType = flows.ChatPrivate
	ev.From = flows.User{ID: c.user, FirstName: c.people.person(c.user).name}
	if ev.Kind != flows.KindButton {
		c.message++
		ev.MessageID = c.message
	}
	if c.chat != c.user {
		ev.ChatType = groupType(c.chat)
		if ev.ReplyTo == 0 && ev.Kind != flows.KindButton {
			ev.ReplyTo = c.request[c.chat]
		}
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

// groupType is the type Telegram gives the group chat: supergroup for
// ids of the -100… form, which committee groups have.
func groupType(chat int64) flows.ChatType {
	if chat < -1_000_000_000_000 {
		return flows.ChatSupergroup
	}
	return flows.ChatGroup
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

// show prints a reply: messages to the simulated person's chat as they
// are, others marked with whom they went to (a group's with their
// number, for :reply), each with its buttons numbered. A chat's
// buttons are replaced only by a message with buttons.
func (c *Console) show(ctx context.Context, r flows.Reply) {
	if r.Notice != "" {
		c.write("! " + r.Notice + "\n")
	}
	fresh := make(map[int64]bool) // chats this reply gave new buttons
	for _, m := range r.Messages {
		c.message++
		text := m.Text
		if m.File != nil {
			note := c.t(ctx, "console.file", map[string]any{"Path": c.saveFile(m.File)})
			text = strings.TrimSpace(text + "\n" + note)
		}
		if head := c.heading(ctx, m); head != "" {
			text = head + " " + text
		}
		c.write(text + "\n")
		c.keepButtons(m, fresh)
		if m.Ref != "" {
			if err := c.engine.Sent(ctx, m.Ref, m.ChatID, c.message); err != nil {
				c.log.Error("record sent message", "ref", m.Ref, "err", err)
			}
		}
	}
}

// heading marks message m, numbered c.message, with where it went: a
// group by its university and the message's number, any other chat but
// the current one by whose it is. It notes a group's messages for
// :reply.
func (c *Console) heading(ctx context.Context, m flows.Message) string {
	if u, ok := c.engine.Program().UniversityByChat(m.ChatID); ok {
		c.inGroup[c.message] = m.ChatID
		if m.Ref != "" {
			c.request[m.ChatID] = c.message
		}
		return c.t(ctx, "console.to_group", map[string]any{"Group": u.ID, "Message": c.message})
	}
	if m.ChatID == c.chat {
		return ""
	}
	chat := strconv.FormatInt(m.ChatID, 10)
	if p, ok := c.people.byID[m.ChatID]; ok {
		chat = p.name
	}
	return c.t(ctx, "console.to", map[string]any{"Chat": chat})
}

// keepButtons makes m's buttons, numbered after those fresh already
// holds for its chat, the ones its chat's numbers press, and prints
// them. A message without buttons leaves the chat's earlier ones.
func (c *Console) keepButtons(m flows.Message, fresh map[int64]bool) {
	if len(m.Buttons) == 0 {
		if !fresh[m.ChatID] && len(c.buttons[m.ChatID]) > 0 {
			c.earlier[m.ChatID] = true
		}
		return
	}
	if !fresh[m.ChatID] {
		fresh[m.ChatID] = true
		c.buttons[m.ChatID] = nil
		c.earlier[m.ChatID] = false
	}
	first := len(c.buttons[m.ChatID]) + 1
	for _, row := range m.Buttons {
		c.buttons[m.ChatID] = append(c.buttons[m.ChatID], row...)
	}
	c.printButtons(c.buttons[m.ChatID][first-1:], first)
}

// printWaiting prints, on entering a chat, the buttons of its last
// message when that message had them: what waits there to be pressed.
func (c *Console) printWaiting() {
	if !c.earlier[c.chat] {
		c.printButtons(c.buttons[c.chat], 1)
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

// help prints how to use the console and who and where the simulated
// person is.
func (c *Console) help(ctx context.Context) {
	c.say(ctx, "console.intro", nil)
	me := c.describe(ctx, c.people.person(c.user))
	if u, ok := c.group(); ok {
		c.say(ctx, "console.where_group", map[string]any{"Person": me, "University": u.Name})
		return
	}
	c.say(ctx, "console.where", map[string]any{"Person": me})
}

// prompt is what the console asks the next line with: who is typing,
// and in which group.
func (c *Console) prompt(ctx context.Context) string {
	name := c.people.person(c.user).name
	if u, ok := c.group(); ok {
		return c.t(ctx, "console.prompt_group", map[string]any{"Name": name, "Group": u.ID})
	}
	return c.t(ctx, "console.prompt", map[string]any{"Name": name})
}

// t localizes id for the simulated person.
func (c *Console) t(ctx context.Context, id string, data map[string]any) string {
	return c.engine.Catalog().T(c.lang(ctx), id, data)
}

// lang is the simulated person's language.
func (c *Console) lang(ctx context.Context) string { return c.engine.LangOf(ctx, c.user) }

// say prints message id for the simulated person, on a line of its own.
func (c *Console) say(ctx context.Context, id string, data map[string]any) {
	c.write(c.t(ctx, id, data) + "\n")
}

func (c *Console) write(s string) {
	// A terminal that went away is noticed when reading stdin fails.
	io.WriteString(c.out, s)
}
