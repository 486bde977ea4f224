// Package telegramtest is a fake Telegram Bot API server for tests. It
// speaks the real HTTP contract (https://core.telegram.org/bots/api),
// so the real go-telegram/bot client can be pointed at it, records what
// the bot sent, and lets a test inject updates, fail requests on
// purpose and enforce Telegram's rate limits.
package telegramtest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"mime"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// BotID is the id of the fake bot; its token starts with it.
const BotID = 987654321

// BotUsername is the username getMe returns.
const BotUsername = "mentor_test_bot"

// DefaultTimeout bounds every Wait helper unless SetTimeout changes it.
const DefaultTimeout = 10 * time.Second

// Button is one inline keyboard button as the bot sent it.
type Button struct {
	Text   string
	Data   string // callback_data
	URL    string
	WebApp string // web_app.url: a Mini App the button opens
}

// MenuButton is the menu button of a chat (setChatMenuButton): its
// type ("commands", "web_app", "default"), and a web_app's text and
// page.
type MenuButton struct {
	Type, Text, URL string
}

// File is a document or photo, sent by the bot or by a user.
type File struct {
	FileID   string
	FileName string
	MIMEType string
	Content  []byte
	// Uploaded is true when the bot uploaded bytes, false when it sent
	// an existing file id.
	Uploaded bool
}

// Message is a message the bot sent (sendMessage, sendDocument,
// sendPhoto, copyMessage) or the latest state of one it edited.
type Message struct {
	Method    string
	ChatID    int64
	MessageID int
	// Text is the text, or the caption of a document or photo.
	Text    string
	Buttons [][]Button
	ReplyTo int
	// ThreadID is the forum topic the message went in (forum.go).
	ThreadID int
	// Entities are the message's (or caption's) entities, as sent.
	Entities []Entity
	// Document and Photo hold what was sent, with the bytes when the
	// bot uploaded them.
	Document *File
	Photo    *File
	At       time.Time
}

// Entity is a MessageEntity of a sent message: its type and where it
// lies in the text, in UTF-16 code units as Telegram counts.
type Entity struct {
	Type   string `json:"type"`
	Offset int    `json:"offset"`
	Length int    `json:"length"`
}

// entities reads entities, or caption_entities.
func (p params) entities() ([]Entity, *apiError) {
	raw := p.values["entities"]
	if raw == "" {
		raw = p.values["caption_entities"]
	}
	if raw == "" {
		return nil, nil
	}
	var es []Entity
	if err := json.Unmarshal([]byte(raw), &es); err != nil {
		return nil, &apiError{code: 400, desc: "Bad Request: can't parse entities JSON object"}
	}
	return es, nil
}

// Button returns the first button whose text contains label.
func (m Message) Button(label string) (Button, bool) {
	for _, row := range m.Buttons {
		for _, b := range row {
			if strings.Contains(b.Text, label) {
				return b, true
			}
		}
	}
	return Button{}, false
}

// Labels returns the texts of all buttons, row by row.
func (m Message) Labels() []string {
	var out []string
	for _, row := range m.Buttons {
		for _, b := range row {
			out = append(out, b.Text)
		}
	}
	return out
}

// Edit is one editMessageText call.
type Edit struct {
	ChatID    int64
	MessageID int
	Text      string
	Buttons   [][]Button
}

// CallbackAnswer is one answerCallbackQuery call.
type CallbackAnswer struct {
	ID        string
	Text      string
	ShowAlert bool
}

// Command is one entry of a setMyCommands list.
type Command struct {
	Command     string `json:"command"`
	Description string `json:"description"`
}

// Rate allows at most N requests in any interval of length Per.
// A zero Rate is unlimited.
type Rate struct {
	N   int
	Per time.Duration
}

// Limits are the sending limits Telegram applies: overall, per private
// chat and per group (negative chat id).
type Limits struct {
	Global  Rate
	Private Rate
	Group   Rate
}

// TelegramLimits are Telegram's documented limits: about 30 messages a
// second overall, one a second per chat (short bursts allowed: three
// in three seconds) and 20 a minute per group.
func TelegramLimits() Limits {
	return Limits{
		Global:  Rate{N: 30, Per: time.Second},
		Private: Rate{N: 3, Per: 3 * time.Second},
		Group:   Rate{N: 20, Per: time.Minute},
	}
}

// failure is an injected error answer.
type failure struct {
	times      int
	code       int
	desc       string
	retryAfter int
}

// Server is a fake Bot API. Its methods are safe for concurrent use;
// the Wait helpers must be called from the test's goroutine since they
// fail the test.
type Server struct {
	tb    testing.TB
	srv   *httptest.Server
	token string

	closed chan struct{}

	mu      sync.Mutex
	changed chan struct{} // closed and replaced on every change
	timeout time.Duration
	// latency is added to every call but getUpdates (SetRoundTrip).
	latency time.Duration
	now     func() time.Time

	nextUpdate  int64
	nextMessage int
	nextFile    int
	updates     []queued // not yet confirmed by getUpdates offset
	messages    []Message
	edits       []Edit
	answers     []CallbackAnswer
	queries     map[string]bool // callback query id → answered
	files       map[string]*storedFile
	calls       map[string]int
	menuButtons int
	// chatMenus are the menu buttons set for one chat.
	chatMenus map[int64]MenuButton
	// menus are the command lists by scope and language, menuCalls
	// the calls that set or deleted them (commands.go).
	menus     map[menuKey][]Command
	menuCalls []CommandsCall
	// known are the chats that wrote to the bot: the chats a
	// chat-scoped command list may be set for.
	known      map[int64]bool
	webhookURL string
	webhookKey string

	failures map[string]*failure
	// stalled methods get no answer until Release; held ones do their
	// work (a message is recorded as sent) and then get no answer.
	stalled map[string]bool
	held    map[string]bool
	release chan struct{}
	blocked map[int64]bool
	forum   forumState
	limits  *Limits
	windows map[int64][]time.Time // per chat; 0 is the global window
	tooMany int
}

type queued struct {
	id  int64
	raw json.RawMessage
}

type storedFile struct {
	File
	path string
}

// NewServer starts a fake server; it is closed when tb ends.
func NewServer(tb testing.TB) *Server {
	tb.Helper()
	s := &Server{
		tb:       tb,
		token:    fmt.Sprintf("%d:TEST-fake-token", BotID),
		closed:   make(chan struct{}),
		changed:  make(chan struct{}),
		timeout:  DefaultTimeout,
		now:      time.Now,
		queries:  make(map[string]bool),
		files:    make(map[string]*storedFile),
		calls:    make(map[string]int),
		menus:    make(map[menuKey][]Command),
		known:    make(map[int64]bool),
		failures: make(map[string]*failure),
		stalled:  make(map[string]bool),
		held:     make(map[string]bool),
		release:  make(chan struct{}),
		blocked:  make(map[int64]bool),
		windows:  make(map[int64][]time.Time),
		// Telegram's update ids are large numbers unique per bot; a
		// random start keeps two fake servers in one test (a bot and
		// its restart, say) from reusing ids on one shared Redis.
		nextUpdate: rand.Int64N(1 << 40),
	}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serveHTTP))
	tb.Cleanup(s.Close)
	return s
}

// Stall makes calls of method (lower case, e.g. "sendmessage") hang
// without effect until Release: Telegram unreachable, the message not
// sent.
func (s *Server) Stall(method string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stalled[method] = true
}

// Hold makes calls of a send method take effect (the message is
// recorded as sent) and then hang without an answer until Release:
// Telegram accepted the message, the bot never heard.
func (s *Server) Hold(method string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.held[method] = true
}

// Release ends Stall and Hold: calls waiting get a 502 and later calls
// work again.
func (s *Server) Release() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.stalled)
	clear(s.held)
	close(s.release)
	s.release = make(chan struct{})
}

// hang waits for Release, the caller giving up or the server closing,
// then answers 502 Bad Gateway.
func (s *Server) hang(ctx context.Context, release chan struct{}) (any, *apiError) {
	select {
	case <-release:
	case <-ctx.Done():
	case <-s.closed:
	}
	return nil, &apiError{code: http.StatusBadGateway, desc: "Bad Gateway"}
}

// SetRoundTrip makes every call but getUpdates take d longer, half
// before it takes effect and half after: the network to Telegram, for
// benchmarks.
func (s *Server) SetRoundTrip(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.latency = d
}

func (s *Server) roundTrip() time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.latency
}

// Close stops the server, ending any long poll. It is safe to call
// more than once.
func (s *Server) Close() {
	s.mu.Lock()
	select {
	case <-s.closed:
		s.mu.Unlock()
		return
	default:
	}
	close(s.closed)
	s.mu.Unlock()
	s.srv.Close()
}

// URL is the server's base URL, for bot.WithServerURL.
func (s *Server) URL() string { return s.srv.URL }

// Token is the bot token the server accepts.
func (s *Server) Token() string { return s.token }

// SetTimeout changes how long the Wait helpers wait before failing.
func (s *Server) SetTimeout(d time.Duration) {
	s.mu.Lock()
	s.timeout = d
	s.mu.Unlock()
}

// SetClock makes the server read time from now, for rate limits and
// message dates.
func (s *Server) SetClock(now func() time.Time) {
	s.mu.Lock()
	s.now = now
	s.mu.Unlock()
}

// EnforceLimits makes sends beyond l fail with 429 and a retry_after,
// as Telegram does. A nil l switches enforcement off.
func (s *Server) EnforceLimits(l *Limits) {
	s.mu.Lock()
	s.limits = l
	s.windows = make(map[int64][]time.Time)
	s.mu.Unlock()
}

// Fail makes the next times calls of method answer with error code
// and description (and retry_after seconds for 429).
func (s *Server) Fail(method string, times, code int, description string, retryAfter int) {
	s.mu.Lock()
	s.failures[strings.ToLower(method)] = &failure{times: times, code: code, desc: description, retryAfter: retryAfter}
	s.mu.Unlock()
}

// TooManyRequests makes the next times calls of method answer 429 with
// retry_after seconds.
func (s *Server) TooManyRequests(method string, times, retryAfter int) {
	s.Fail(method, times, http.StatusTooManyRequests,
		fmt.Sprintf("Too Many Requests: retry after %d", retryAfter), retryAfter)
}

// Block makes every send to chatID answer 403, as when the user blocked
// the bot; Unblock undoes it.
func (s *Server) Block(chatID int64) {
	s.mu.Lock()
	s.blocked[chatID] = true
	s.mu.Unlock()
}

// Unblock lets sends to chatID through again.
func (s *Server) Unblock(chatID int64) {
	s.mu.Lock()
	delete(s.blocked, chatID)
	s.mu.Unlock()
}

// TooManyCount is how many 429 answers the server gave.
func (s *Server) TooManyCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tooMany
}

// Calls is how many requests the server received for method.
func (s *Server) Calls(method string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[strings.ToLower(method)]
}

// Webhook returns the webhook URL and secret token set, if any.
func (s *Server) Webhook() (url, secret string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.webhookURL, s.webhookKey
}

// AddFile makes fileID known to getFile and downloadable.
func (s *Server) AddFile(fileID, name string, content []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.addFileLocked(File{FileID: fileID, FileName: name, Content: content})
}

func (s *Server) addFileLocked(f File) *storedFile {
	s.nextFile++
	sf := &storedFile{File: f, path: fmt.Sprintf("documents/file_%d%s", s.nextFile, ext(f.FileName))}
	s.files[f.FileID] = sf
	return sf
}

func ext(name string) string {
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		return name[i:]
	}
	return ""
}

// Messages returns what the bot sent to chatID so far, in order.
func (s *Server) Messages(chatID int64) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.messagesLocked(chatID)
}

func (s *Server) messagesLocked(chatID int64) []Message {
	var out []Message
	for _, m := range s.messages {
		if m.ChatID == chatID {
			out = append(out, m)
		}
	}
	return out
}

// AllMessages returns everything the bot sent, in order.
func (s *Server) AllMessages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.messages...)
}

// Edits returns the editMessageText calls so far.
func (s *Server) Edits() []Edit {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Edit(nil), s.edits...)
}

// WaitEdit waits for an editMessageText call that match accepts and
// returns it.
func (s *Server) WaitEdit(what string, match func(Edit) bool) Edit {
	s.tb.Helper()
	var found Edit
	s.wait(func() string { return "no edit " + what }, func() bool {
		for _, e := range s.edits {
			if match(e) {
				found = e
				return true
			}
		}
		return false
	})
	return found
}

// Answers returns the answerCallbackQuery calls so far.
func (s *Server) Answers() []CallbackAnswer {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]CallbackAnswer(nil), s.answers...)
}

// wait blocks until cond, evaluated under the lock, holds; it fails
// the test after the timeout. what describes the wait for the failure.
func (s *Server) wait(what func() string, cond func() bool) {
	s.tb.Helper()
	s.mu.Lock()
	deadline := time.NewTimer(s.timeout)
	defer deadline.Stop()
	for {
		if cond() {
			s.mu.Unlock()
			return
		}
		ch := s.changed
		s.mu.Unlock()
		select {
		case <-ch:
			s.mu.Lock()
		case <-deadline.C:
			s.mu.Lock()
			msg := what()
			s.mu.Unlock()
			s.tb.Fatalf("telegramtest: timed out: %s", msg)
			return
		}
	}
}

// WaitMessage waits for the n-th message (from 1) to chatID and returns
// it; the test fails if it does not arrive in time.
func (s *Server) WaitMessage(chatID int64, n int) Message {
	s.tb.Helper()
	return s.WaitMessages(chatID, n)[n-1]
}

// WaitMessages waits until at least n messages went to chatID and
// returns all of them.
func (s *Server) WaitMessages(chatID int64, n int) []Message {
	s.tb.Helper()
	var got []Message
	s.wait(func() string {
		return fmt.Sprintf("want %d messages to chat %d, have:%s", n, chatID, dump(s.messagesLocked(chatID)))
	}, func() bool {
		got = s.messagesLocked(chatID)
		return len(got) >= n
	})
	return got
}

// WaitAnswer waits until the callback query id was answered.
func (s *Server) WaitAnswer(id string) CallbackAnswer {
	s.tb.Helper()
	var got CallbackAnswer
	s.wait(func() string { return "no answer to callback query " + id }, func() bool {
		for _, a := range s.answers {
			if a.ID == id {
				got = a
				return true
			}
		}
		return false
	})
	return got
}

// WaitCalls waits until method was called at least n times.
func (s *Server) WaitCalls(method string, n int) {
	s.tb.Helper()
	method = strings.ToLower(method)
	s.wait(func() string { return fmt.Sprintf("want %d calls of %s, have %d", n, method, s.calls[method]) },
		func() bool { return s.calls[method] >= n })
}

// WaitWebhook waits until setWebhook has set a webhook and returns it.
// (WaitCalls counts a call when it arrives, before it took effect.)
func (s *Server) WaitWebhook() (url, secret string) {
	s.tb.Helper()
	s.wait(func() string { return "no webhook set" }, func() bool { return s.webhookURL != "" })
	return s.Webhook()
}

// WaitConfirmed waits until a getUpdates call confirmed update id, that
// is the bot asked for updates after it.
func (s *Server) WaitConfirmed(id int64) {
	s.tb.Helper()
	s.wait(func() string { return fmt.Sprintf("update %d not confirmed", id) }, func() bool {
		return len(s.updates) == 0 || s.updates[0].id > id
	})
}

// Dump renders messages for failure output.
func Dump(ms []Message) string { return dump(ms) }

func dump(ms []Message) string {
	var b strings.Builder
	for _, m := range ms {
		fmt.Fprintf(&b, "\n  #%d %s to %d: %q", m.MessageID, m.Method, m.ChatID, m.Text)
		if len(m.Buttons) > 0 {
			fmt.Fprintf(&b, " buttons %q", m.Labels())
		}
		if m.Document != nil {
			fmt.Fprintf(&b, " document %q (%d bytes)", m.Document.FileName, len(m.Document.Content))
		}
	}
	if len(ms) == 0 {
		b.WriteString(" none")
	}
	return b.String()
}

func (s *Server) notifyLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// ---- HTTP ----

type apiError struct {
	code       int
	desc       string
	retryAfter int
}

func (e *apiError) Error() string { return fmt.Sprintf("%d %s", e.code, e.desc) }

func badRequest(format string, args ...any) *apiError {
	return &apiError{code: http.StatusBadRequest, desc: "Bad Request: " + fmt.Sprintf(format, args...)}
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	path := r.URL.Path
	if rest, ok := strings.CutPrefix(path, "/file/bot"); ok {
		s.serveFile(w, rest)
		return
	}
	rest, ok := strings.CutPrefix(path, "/bot")
	if !ok {
		writeError(w, &apiError{code: http.StatusNotFound, desc: "Not Found"})
		return
	}
	token, method, ok := strings.Cut(rest, "/")
	if !ok || token != s.token {
		writeError(w, &apiError{code: http.StatusUnauthorized, desc: "Unauthorized"})
		return
	}
	method = strings.ToLower(method)
	p, err := parseParams(r)
	if err != nil {
		writeError(w, badRequest("%v", err))
		return
	}
	if d := s.roundTrip(); d > 0 && method != "getupdates" {
		select { // half before the call takes effect, half after
		case <-time.After(d / 2):
		case <-r.Context().Done():
			return
		}
		defer time.Sleep(d - d/2)
	}
	result, aerr := s.call(r.Context(), method, p)
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"ok": true, "result": result})
}

func writeError(w http.ResponseWriter, e *apiError) {
	body := map[string]any{"ok": false, "error_code": e.code, "description": e.desc}
	if e.retryAfter > 0 {
		body["parameters"] = map[string]any{"retry_after": e.retryAfter}
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(e.code)
	json.NewEncoder(w).Encode(body)
}

func (s *Server) serveFile(w http.ResponseWriter, rest string) {
	token, path, _ := strings.Cut(rest, "/")
	if token != s.token {
		http.NotFound(w, nil)
		return
	}
	s.mu.Lock()
	var content []byte
	found := false
	for _, f := range s.files {
		if f.path == path {
			content, found = f.Content, true
			break
		}
	}
	s.mu.Unlock()
	if !found {
		http.NotFound(w, nil)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Write(content)
}

// params are a request's fields, whatever its encoding: multipart
// form, urlencoded form, query string or JSON body.
type params struct {
	values map[string]string
	files  map[string]upload
}

type upload struct {
	name    string
	content []byte
}

func parseParams(r *http.Request) (params, error) {
	p := params{values: make(map[string]string), files: make(map[string]upload)}
	for k, v := range r.URL.Query() {
		p.values[k] = v[0]
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch ct {
	case "application/json":
		var m map[string]json.RawMessage
		if err := json.NewDecoder(r.Body).Decode(&m); err != nil {
			return p, fmt.Errorf("can't parse JSON: %w", err)
		}
		for k, raw := range m {
			var s string
			if json.Unmarshal(raw, &s) == nil {
				p.values[k] = s
			} else {
				p.values[k] = string(raw)
			}
		}
	case "multipart/form-data":
		if err := r.ParseMultipartForm(64 << 20); errors.Is(err, io.EOF) {
			return p, nil // no fields at all, as for getMe
		} else if err != nil {
			return p, fmt.Errorf("can't parse multipart form: %w", err)
		}
		for k, v := range r.MultipartForm.Value {
			p.values[k] = v[0]
		}
		for k, fhs := range r.MultipartForm.File {
			f, err := fhs[0].Open()
			if err != nil {
				return p, err
			}
			buf := make([]byte, fhs[0].Size)
			_, err = io.ReadFull(f, buf)
			f.Close()
			if err != nil {
				return p, err
			}
			p.files[k] = upload{name: fhs[0].Filename, content: buf}
		}
	case "application/x-www-form-urlencoded":
		if err := r.ParseForm(); err != nil {
			return p, err
		}
		for k, v := range r.PostForm {
			p.values[k] = v[0]
		}
	}
	return p, nil
}

func (p params) str(k string) string { return p.values[k] }

func (p params) int64(k string) (int64, *apiError) {
	v, ok := p.values[k]
	if !ok || v == "" {
		return 0, badRequest("%s is empty", k)
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0, badRequest("chat not found")
	}
	return n, nil
}

func (p params) optInt(k string) int {
	n, _ := strconv.Atoi(p.values[k])
	return n
}

func (p params) bool(k string) bool { b, _ := strconv.ParseBool(p.values[k]); return b }

// buttons decodes reply_markup into inline buttons.
func (p params) buttons() ([][]Button, *apiError) {
	raw := p.values["reply_markup"]
	if raw == "" {
		return nil, nil
	}
	var mk struct {
		InlineKeyboard [][]struct {
			Text         string `json:"text"`
			CallbackData string `json:"callback_data"`
			URL          string `json:"url"`
			WebApp       *struct {
				URL string `json:"url"`
			} `json:"web_app"`
		} `json:"inline_keyboard"`
	}
	if err := json.Unmarshal([]byte(raw), &mk); err != nil {
		return nil, badRequest("can't parse reply keyboard markup JSON object")
	}
	var rows [][]Button
	for _, row := range mk.InlineKeyboard {
		var out []Button
		for _, b := range row {
			if b.Text == "" {
				return nil, badRequest("text buttons are unallowed in the inline keyboard")
			}
			if len(b.CallbackData) > 64 {
				return nil, badRequest("BUTTON_DATA_INVALID")
			}
			btn := Button{Text: b.Text, Data: b.CallbackData, URL: b.URL}
			if b.WebApp != nil {
				if !strings.HasPrefix(b.WebApp.URL, "https://") {
					return nil, badRequest("BUTTON_URL_INVALID")
				}
				btn.WebApp = b.WebApp.URL
			}
			out = append(out, btn)
		}
		rows = append(rows, out)
	}
	return rows, nil
}

// replyTo reads reply_parameters, or the older reply_to_message_id.
func (p params) replyTo() int {
	if raw := p.values["reply_parameters"]; raw != "" {
		var rp struct {
			MessageID int `json:"message_id"`
		}
		if json.Unmarshal([]byte(raw), &rp) == nil {
			return rp.MessageID
		}
	}
	return p.optInt("reply_to_message_id")
}

func (s *Server) call(ctx context.Context, method string, p params) (any, *apiError) {
	s.mu.Lock()
	s.calls[method]++
	s.notifyLocked()
	if s.stalled[method] {
		release := s.release
		s.mu.Unlock()
		return s.hang(ctx, release)
	}
	if f := s.failures[method]; f != nil && f.times > 0 {
		f.times--
		if f.code == http.StatusTooManyRequests {
			s.tooMany++
		}
		s.mu.Unlock()
		return nil, &apiError{code: f.code, desc: f.desc, retryAfter: f.retryAfter}
	}
	s.mu.Unlock()

	switch method {
	case "getme":
		return s.botUser(), nil
	case "getupdates":
		return s.getUpdates(ctx, p)
	case "sendmessage", "senddocument", "sendphoto", "copymessage":
		v, err := s.send(method, p)
		s.mu.Lock()
		held, release := s.held[method], s.release
		s.mu.Unlock()
		if held && err == nil {
			return s.hang(ctx, release)
		}
		return v, err
	case "createforumtopic", "closeforumtopic":
		return s.forumCall(method, p)
	case "editmessagetext":
		return s.editMessageText(p)
	case "answercallbackquery":
		return s.answerCallbackQuery(p)
	case "getfile":
		return s.getFile(p)
	case "setmycommands":
		return s.setMyCommands(p)
	case "deletemycommands":
		return s.deleteMyCommands(p)
	case "getmycommands":
		return s.getMyCommands(p)
	case "setchatmenubutton":
		return s.setChatMenuButton(p)
	case "setwebhook":
		u := p.str("url")
		s.mu.Lock()
		defer s.mu.Unlock()
		s.webhookURL, s.webhookKey = u, p.str("secret_token")
		s.notifyLocked()
		return true, nil
	case "deletewebhook":
		s.mu.Lock()
		defer s.mu.Unlock()
		s.webhookURL, s.webhookKey = "", ""
		if p.bool("drop_pending_updates") {
			s.updates = nil
		}
		s.notifyLocked()
		return true, nil
	}
	return nil, &apiError{code: http.StatusNotFound, desc: "Not Found"}
}

func (s *Server) botUser() map[string]any {
	return map[string]any{"id": BotID, "is_bot": true, "first_name": "Mentor Test",
		"username": BotUsername, "can_join_groups": true, "supports_inline_queries": false}
}

func (s *Server) getUpdates(ctx context.Context, p params) (any, *apiError) {
	offset := int64(p.optInt("offset"))
	limit := p.optInt("limit")
	if limit <= 0 || limit > 100 {
		limit = 100
	}
	timer := time.NewTimer(time.Duration(p.optInt("timeout")) * time.Second)
	defer timer.Stop()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.webhookURL != "" {
		return nil, &apiError{code: http.StatusConflict,
			desc: "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"}
	}
	for {
		if offset > 0 {
			i := 0
			for i < len(s.updates) && s.updates[i].id < offset {
				i++
			}
			if i > 0 {
				s.updates = s.updates[i:]
				s.notifyLocked()
			}
		}
		if len(s.updates) > 0 {
			n := min(limit, len(s.updates))
			out := make([]json.RawMessage, n)
			for i := range n {
				out[i] = s.updates[i].raw
				s.knowUpdateLocked(out[i])
			}
			return out, nil
		}
		ch := s.changed
		s.mu.Unlock()
		select {
		case <-ch:
			s.mu.Lock()
		case <-timer.C:
			s.mu.Lock()
			return []json.RawMessage{}, nil
		case <-ctx.Done():
			s.mu.Lock()
			return []json.RawMessage{}, nil
		case <-s.closed:
			s.mu.Lock()
			return []json.RawMessage{}, nil
		}
	}
}

// checkSendLocked applies blocks and rate limits to a send to chatID.
func (s *Server) checkSendLocked(chatID int64) *apiError {
	if s.blocked[chatID] {
		return &apiError{code: http.StatusForbidden, desc: "Forbidden: bot was blocked by the user"}
	}
	if s.limits == nil {
		return nil
	}
	now := s.now()
	chatRate := s.limits.Private
	if chatID < 0 {
		chatRate = s.limits.Group
	}
	wait := max(s.windowWait(0, s.limits.Global, now), s.windowWait(chatID, chatRate, now))
	if wait > 0 {
		s.tooMany++
		secs := int(math.Ceil(wait.Seconds()))
		return &apiError{code: http.StatusTooManyRequests,
			desc: fmt.Sprintf("Too Many Requests: retry after %d", secs), retryAfter: secs}
	}
	s.windows[0] = append(s.windows[0], now)
	s.windows[chatID] = append(s.windows[chatID], now)
	return nil
}

// windowWait is how long until key may send again under r, pruning
// entries older than r.Per.
func (s *Server) windowWait(key int64, r Rate, now time.Time) time.Duration {
	if r.N <= 0 {
		return 0
	}
	w := s.windows[key]
	i := 0
	for i < len(w) && !w[i].After(now.Add(-r.Per)) {
		i++
	}
	w = w[i:]
	s.windows[key] = w
	if len(w) < r.N {
		return 0
	}
	return w[len(w)-r.N].Add(r.Per).Sub(now)
}

// send handles sendMessage, sendDocument, sendPhoto and copyMessage:
// it checks the request as Telegram would, applies blocks and rate
// limits, and records the message for the test.
func (s *Server) send(method string, p params) (any, *apiError) {
	chatID, aerr := p.int64("chat_id")
	if aerr != nil {
		return nil, aerr
	}
	buttons, aerr := p.buttons()
	if aerr != nil {
		return nil, aerr
	}
	entities, aerr := p.entities()
	if aerr != nil {
		return nil, aerr
	}
	m := Message{Method: method, ChatID: chatID, Buttons: buttons, ReplyTo: p.replyTo(), Entities: entities}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch method {
	case "sendmessage":
		aerr = fillText(p, &m)
	case "senddocument", "sendphoto":
		aerr = s.fillFileLocked(method, p, &m)
	case "copymessage":
		aerr = s.fillCopyLocked(p, &m)
	}
	if aerr == nil {
		aerr = s.placeLocked(p, &m)
	}
	if aerr != nil {
		return nil, aerr
	}
	if aerr := s.checkSendLocked(chatID); aerr != nil {
		return nil, aerr
	}
	s.nextMessage++
	m.MessageID = s.nextMessage
	m.At = s.now()
	s.messages = append(s.messages, m)
	s.notifyLocked()
	if method == "copymessage" {
		return map[string]any{"message_id": m.MessageID}, nil
	}
	return s.wireMessage(m), nil
}

// fillText fills m from a sendMessage request, rejecting an empty
// text or one over Telegram's 4096 characters.
func fillText(p params, m *Message) *apiError {
	m.Method = "sendMessage"
	m.Text = p.str("text")
	if strings.TrimSpace(m.Text) == "" {
		return badRequest("message text is empty")
	}
	if len([]rune(m.Text)) > 4096 {
		return badRequest("message is too long")
	}
	return nil
}

// fillFileLocked fills m from a sendDocument or sendPhoto request
// (method in lower case): the caption, at most 1024 characters, and the
// uploaded or referenced file.
func (s *Server) fillFileLocked(method string, p params, m *Message) *apiError {
	field := "document"
	m.Method = "sendDocument"
	if method == "sendphoto" {
		field, m.Method = "photo", "sendPhoto"
	}
	m.Text = p.str("caption")
	if len([]rune(m.Text)) > 1024 {
		return badRequest("message caption is too long")
	}
	f, aerr := s.inputFileLocked(p, field)
	if aerr != nil {
		return aerr
	}
	if field == "photo" {
		m.Photo = f
	} else {
		m.Document = f
	}
	return nil
}

// fillCopyLocked fills m from a copyMessage request with the text
// and files of the message copied, a placeholder text when the server
// never saw it, and the request's caption when it has one.
func (s *Server) fillCopyLocked(p params, m *Message) *apiError {
	m.Method = "copyMessage"
	from, aerr := p.int64("from_chat_id")
	if aerr != nil {
		return aerr
	}
	id := p.optInt("message_id")
	found := false
	for _, old := range s.messages {
		if old.ChatID == from && old.MessageID == id {
			m.Text, m.Document, m.Photo, found = old.Text, old.Document, old.Photo, true
		}
	}
	if !found {
		m.Text = fmt.Sprintf("(copy of message %d of chat %d)", id, from)
	}
	if c, ok := p.values["caption"]; ok {
		m.Text = c
	}
	return nil
}

// inputFileLocked reads an InputFile field: an uploaded part, or a
// file id (or "attach://name" naming a part).
func (s *Server) inputFileLocked(p params, field string) (*File, *apiError) {
	if up, ok := p.files[field]; ok {
		return s.uploadedLocked(up), nil
	}
	v := p.str(field)
	if name, ok := strings.CutPrefix(v, "attach://"); ok {
		if up, ok := p.files[name]; ok {
			return s.uploadedLocked(up), nil
		}
		return nil, badRequest("wrong HTTP URL specified")
	}
	if v == "" {
		return nil, badRequest("there is no %s in the request", field)
	}
	if sf, ok := s.files[v]; ok {
		f := sf.File
		f.Uploaded = false
		return &f, nil
	}
	return nil, badRequest("wrong file identifier/HTTP URL specified")
}

func (s *Server) uploadedLocked(up upload) *File {
	s.nextFile++
	f := File{FileID: fmt.Sprintf("upload-%d", s.nextFile), FileName: up.name, Content: up.content, Uploaded: true}
	s.addFileLocked(f)
	return &f
}

func chatType(id int64) string {
	switch {
	case id > 0:
		return "private"
	case id < -1000000000000:
		return "supergroup"
	default:
		return "group"
	}
}

func (s *Server) wireMessage(m Message) map[string]any {
	w := map[string]any{
		"message_id": m.MessageID,
		"date":       m.At.Unix(),
		"chat":       map[string]any{"id": m.ChatID, "type": chatType(m.ChatID)},
		"from":       s.botUser(),
	}
	if m.Document != nil || m.Photo != nil {
		if m.Text != "" {
			w["caption"] = m.Text
		}
	} else if m.Text != "" {
		w["text"] = m.Text
	}
	if m.Document != nil {
		w["document"] = map[string]any{"file_id": m.Document.FileID, "file_unique_id": "u" + m.Document.FileID,
			"file_name": m.Document.FileName, "file_size": len(m.Document.Content)}
	}
	if m.Photo != nil {
		w["photo"] = []any{map[string]any{"file_id": m.Photo.FileID, "file_unique_id": "u" + m.Photo.FileID,
			"width": 640, "height": 480, "file_size": len(m.Photo.Content)}}
	}
	if len(m.Buttons) > 0 {
		w["reply_markup"] = wireKeyboard(m.Buttons)
	}
	s.wireForumLocked(w, m)
	return w
}

func wireKeyboard(rows [][]Button) map[string]any {
	var kb [][]map[string]any
	for _, row := range rows {
		var r []map[string]any
		for _, b := range row {
			btn := map[string]any{"text": b.Text}
			if b.Data != "" {
				btn["callback_data"] = b.Data
			}
			if b.URL != "" {
				btn["url"] = b.URL
			}
			r = append(r, btn)
		}
		kb = append(kb, r)
	}
	return map[string]any{"inline_keyboard": kb}
}

func (s *Server) editMessageText(p params) (any, *apiError) {
	chatID, aerr := p.int64("chat_id")
	if aerr != nil {
		return nil, aerr
	}
	id := p.optInt("message_id")
	buttons, aerr := p.buttons()
	if aerr != nil {
		return nil, aerr
	}
	text := p.str("text")
	if strings.TrimSpace(text) == "" {
		return nil, badRequest("message text is empty")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range s.messages {
		m := &s.messages[i]
		if m.ChatID != chatID || m.MessageID != id {
			continue
		}
		if m.Text == text && fmt.Sprint(m.Buttons) == fmt.Sprint(buttons) {
			return nil, badRequest("message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message")
		}
		m.Text, m.Buttons = text, buttons
		s.edits = append(s.edits, Edit{ChatID: chatID, MessageID: id, Text: text, Buttons: buttons})
		s.notifyLocked()
		return s.wireMessage(*m), nil
	}
	return nil, badRequest("message to edit not found")
}

func (s *Server) answerCallbackQuery(p params) (any, *apiError) {
	id := p.str("callback_query_id")
	s.mu.Lock()
	defer s.mu.Unlock()
	answered, known := s.queries[id]
	if !known || answered {
		return nil, badRequest("query is too old and response timeout expired or query ID is invalid")
	}
	s.queries[id] = true
	s.answers = append(s.answers, CallbackAnswer{ID: id, Text: p.str("text"), ShowAlert: p.bool("show_alert")})
	s.notifyLocked()
	return true, nil
}

func (s *Server) getFile(p params) (any, *apiError) {
	id := p.str("file_id")
	s.mu.Lock()
	defer s.mu.Unlock()
	f, ok := s.files[id]
	if !ok {
		return nil, badRequest("invalid file_id")
	}
	return map[string]any{"file_id": f.FileID, "file_unique_id": "u" + f.FileID,
		"file_size": len(f.Content), "file_path": f.path}, nil
}

// setChatMenuButton records the menu button of one chat, or counts the
// default one (no chat_id).
func (s *Server) setChatMenuButton(p params) (any, *apiError) {
	var mb struct {
		Type   string `json:"type"`
		Text   string `json:"text"`
		WebApp struct {
			URL string `json:"url"`
		} `json:"web_app"`
	}
	if raw := p.str("menu_button"); raw != "" {
		if err := json.Unmarshal([]byte(raw), &mb); err != nil {
			return nil, badRequest("can't parse menu button JSON object")
		}
	}
	if mb.Type == "web_app" && (mb.Text == "" || !strings.HasPrefix(mb.WebApp.URL, "https://")) {
		return nil, badRequest("BUTTON_URL_INVALID")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.menuButtons++
	if p.str("chat_id") == "" {
		return true, nil
	}
	chat, apiErr := p.int64("chat_id")
	if apiErr != nil {
		return nil, apiErr
	}
	if s.chatMenus == nil {
		s.chatMenus = make(map[int64]MenuButton)
	}
	s.chatMenus[chat] = MenuButton{Type: mb.Type, Text: mb.Text, URL: mb.WebApp.URL}
	return true, nil
}

// ChatMenuButton returns the menu button last set for chatID; its Type
// is "" when none was.
func (s *Server) ChatMenuButton(chatID int64) MenuButton {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.chatMenus[chatID]
}
