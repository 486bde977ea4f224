package flows

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

const (
	flowInvite = "invite"
	// invitePayload prefixes the start parameter of an invite link;
	// start() routes "/start inv_<token>" to the step "start:inv".
	invitePayload = "inv"
	// InviteValidity is how long an invite link works.
	InviteValidity = 7 * 24 * time.Hour
	// inviteListed is how long an unused, expired invite stays in the
	// staff's list, offered for a new link.
	inviteListed = 30 * 24 * time.Hour
	// inviteTokenKept is how long Redis keeps a token's record, so a
	// link opened after it expired is told apart from a forged one.
	inviteTokenKept = InviteValidity + inviteListed
	// invitesSet indexes the numbers of unused, unreplaced invites.
	invitesSet = "invites"
)

// The ways an invite link can be refused. Nothing changes when one of
// them comes back.
var (
	// ErrInviteInvalid: the token is malformed or unknown (forged,
	// mistyped, or so old it was forgotten).
	ErrInviteInvalid = errors.New("invite link not valid")
	// ErrInviteExpired: the link was not used in time.
	ErrInviteExpired = errors.New("invite link expired")
	// ErrInviteUsed: someone else already used the link.
	ErrInviteUsed = errors.New("invite link already used")
	// ErrInviteReplaced: staff made a new link in its place.
	ErrInviteReplaced = errors.New("invite link replaced by a newer one")
	// ErrNotGrantable: the inviter may not (or may no longer) grant the
	// role, or its project or university left the programme.
	ErrNotGrantable = errors.New("role not grantable by the inviter")
	// ErrOwnInvite: the inviter opened their own link; it stays unused
	// so it can still reach its addressee.
	ErrOwnInvite = errors.New("invite link opened by its inviter")
)

// tokenPattern is what newToken produces: 16 random bytes, base64url.
var tokenPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{22}$`)

// Invite is a one-time deep link (t.me/<bot>?start=inv_<token>) that
// registers whoever opens it first with a role: staff, mentor of a
// project, or committee member of a university.
type Invite struct {
	// N is the invite's number, shown to staff and used to replace it.
	N     int64  `json:"n"`
	Token string `json:"token"`
	Role  Role   `json:"role"`
	// Project is set for mentor invites, University for committee ones.
	Project    string    `json:"project,omitempty"`
	University string    `json:"university,omitempty"`
	By         int64     `json:"by"`
	CreatedAt  time.Time `json:"created_at"`
	ExpiresAt  time.Time `json:"expires_at"`
	UsedBy     int64     `json:"used_by,omitempty"`
	UsedAt     time.Time `json:"used_at,omitzero"`
	// ReplacedBy is the number of the invite made in this one's place.
	ReplacedBy int64 `json:"replaced_by,omitempty"`
}

// scope is the project or university the invite is for, or "".
func (inv Invite) scope() string { return inv.Project + inv.University }

// Payload is the start parameter of the invite's link.
func (inv Invite) Payload() string { return invitePayload + "_" + inv.Token }

func inviteKey(n int64) string           { return "invite:" + strconv.FormatInt(n, 10) }
func inviteTokenKey(token string) string { return "invite-token:" + token }
func inviteUsedKey(n int64) string       { return "invite-used:" + strconv.FormatInt(n, 10) }

// invitesOfKey indexes the invites userID made or used, for /mydata
// and /deletemydata.
func invitesOfKey(userID int64) string { return "invites-of:" + strconv.FormatInt(userID, 10) }

// erasedUser stands in an invite for a person who erased their data:
// the invite still counts as used, or as made by someone no longer
// able to grant it, but says by whom no more.
const erasedUser int64 = -1

// registerInvite adds /invite and /reinvite for staff, and the deep-link
// step that redeems an invite.
func registerInvite(e *Engine) {
	e.command(Command{Name: "invite", Role: RoleStaff, Help: "invite.cmd", Run: inviteCommand})
	e.command(Command{Name: "reinvite", Role: RoleStaff, Help: "invite.cmd_reinvite", Run: reinviteCommand})
	e.steps["start:"+invitePayload] = joinByInvite
	e.steps[flowInvite] = func(t *Turn) error {
		t.Reply(t.T("language.use_buttons", nil), languageButtons(t))
		return nil
	}
	e.buttons[flowInvite] = inviteLanguage
	e.personalData(flowInvite, PersonalData{Export: e.exportInvites, Erase: e.eraseInvites})
}

// InviteLink returns the link to hand to the invited person. Without a
// bot username (console mode) it is the command to type instead.
func (e *Engine) InviteLink(inv Invite) string {
	if e.botName == "" {
		return "/start " + inv.Payload()
	}
	return "https://t.me/" + e.botName + "?start=" + inv.Payload()
}

// mayGrant reports whether by may create invites for role with scope
// (a project id for mentors, a university id for committee members).
// Staff may grant all three roles.
func (e *Engine) mayGrant(ctx context.Context, by int64, role Role, scope string) (bool, error) {
	switch role {
	case RoleStaff:
		if scope != "" {
			return false, nil
		}
	case RoleMentor:
		if _, ok := e.program.Project(scope); !ok {
			return false, nil
		}
	case RoleCommittee:
		if _, ok := e.program.University(scope); !ok {
			return false, nil
		}
	default:
		return false, nil
	}
	return e.HasRole(ctx, by, by, RoleStaff)
}

// CreateInvite makes a new invite from by for role with scope (project
// id for mentors, university id for committee members, "" for staff),
// valid for InviteValidity. ErrNotGrantable when by may not grant it.
func (e *Engine) CreateInvite(ctx context.Context, by int64, role Role, scope string) (Invite, error) {
	ok, err := e.mayGrant(ctx, by, role, scope)
	if err != nil {
		return Invite{}, err
	}
	if !ok {
		return Invite{}, fmt.Errorf("invite %s %q by %d: %w", role, scope, by, ErrNotGrantable)
	}
	n, err := e.store.NextID(ctx, "invite")
	if err != nil {
		return Invite{}, fmt.Errorf("number invite: %w", err)
	}
	now := e.now().UTC()
	inv := Invite{N: n, Token: newToken(), Role: role, By: by, CreatedAt: now, ExpiresAt: now.Add(InviteValidity)}
	switch role {
	case RoleMentor:
		inv.Project = scope
	case RoleCommittee:
		inv.University = scope
	}
	if err := e.saveInvite(ctx, inv); err != nil {
		return Invite{}, err
	}
	if err := e.store.Put(ctx, inviteTokenKey(inv.Token), n, inviteTokenKept); err != nil {
		return Invite{}, fmt.Errorf("save invite %d token: %w", n, err)
	}
	if err := e.store.AddToSet(ctx, invitesSet, strconv.FormatInt(n, 10)); err != nil {
		return Invite{}, fmt.Errorf("index invite %d: %w", n, err)
	}
	if err := e.store.AddToSet(ctx, invitesOfKey(by), strconv.FormatInt(n, 10)); err != nil {
		return Invite{}, fmt.Errorf("index invite %d: %w", n, err)
	}
	return inv, nil
}

// ReissueInvite replaces invite n, unused, with a new link for the same
// role, made by by; the old link stops working. ErrNotFound when there
// is no invite n, ErrInviteUsed when it was used, ErrInviteReplaced
// when it was replaced already, ErrNotGrantable when by may not grant
// its role (the old link is then retired all the same).
func (e *Engine) ReissueInvite(ctx context.Context, by, n int64) (Invite, error) {
	old, err := e.invite(ctx, n)
	if err != nil {
		return Invite{}, err
	}
	if old.ReplacedBy != 0 {
		return Invite{}, fmt.Errorf("reissue invite %d: %w", n, ErrInviteReplaced)
	}
	// Take the old link out of use first, with the same claim as a
	// redemption: of a reissue and a redemption racing, one wins.
	claimed, err := e.store.Claim(ctx, inviteUsedKey(n), 0)
	if err != nil {
		return Invite{}, fmt.Errorf("retire invite %d: %w", n, err)
	}
	if !claimed {
		if again, err := e.invite(ctx, n); err == nil && again.ReplacedBy != 0 {
			return Invite{}, fmt.Errorf("reissue invite %d: %w", n, ErrInviteReplaced)
		}
		return Invite{}, fmt.Errorf("reissue invite %d: %w", n, ErrInviteUsed)
	}
	inv, err := e.CreateInvite(ctx, by, old.Role, old.scope())
	if err != nil {
		return Invite{}, err
	}
	old.ReplacedBy = inv.N
	if err := e.saveInvite(ctx, old); err != nil {
		return Invite{}, err
	}
	if err := e.store.RemoveFromSet(ctx, invitesSet, strconv.FormatInt(n, 10)); err != nil {
		return Invite{}, fmt.Errorf("unindex invite %d: %w", n, err)
	}
	return inv, nil
}

func (e *Engine) invite(ctx context.Context, n int64) (Invite, error) {
	var inv Invite
	if err := e.store.Get(ctx, inviteKey(n), &inv); err != nil {
		return Invite{}, fmt.Errorf("load invite %d: %w", n, err)
	}
	return inv, nil
}

func (e *Engine) saveInvite(ctx context.Context, inv Invite) error {
	if err := e.store.Put(ctx, inviteKey(inv.N), inv, 0); err != nil {
		return fmt.Errorf("save invite %d: %w", inv.N, err)
	}
	return nil
}

// openInvites returns the unused, unreplaced invites, newest first,
// forgetting those expired for longer than inviteListed.
func (e *Engine) openInvites(ctx context.Context) ([]Invite, error) {
	ns, err := e.idSet(ctx, invitesSet)
	if err != nil {
		return nil, err
	}
	var out []Invite
	for _, n := range ns {
		inv, err := e.invite(ctx, n)
		if err != nil && !errors.Is(err, ErrNotFound) {
			return nil, err
		}
		if err != nil || inv.UsedBy != 0 || inv.ReplacedBy != 0 || e.now().After(inv.ExpiresAt.Add(inviteListed)) {
			if err := e.store.RemoveFromSet(ctx, invitesSet, strconv.FormatInt(n, 10)); err != nil {
				return nil, fmt.Errorf("unindex invite %d: %w", n, err)
			}
			continue
		}
		out = append(out, inv)
	}
	slices.Reverse(out)
	return out, nil
}

// RedeemInvite registers userID with the role of the invite whose link
// carries token, once: of two people racing for one link, one wins.
// Opening one's own used link again succeeds and changes nothing. It
// returns the invite; on ErrInviteInvalid, ErrInviteExpired,
// ErrInviteUsed, ErrInviteReplaced, ErrNotGrantable and ErrOwnInvite
// nothing changed. Someone who already holds the role may use the link:
// it is how a mentor named in the programme file, who never started the
// bot, is brought in.
func (e *Engine) RedeemInvite(ctx context.Context, userID int64, token string) (Invite, error) {
	if !tokenPattern.MatchString(token) {
		return Invite{}, ErrInviteInvalid
	}
	var n int64
	err := e.store.Get(ctx, inviteTokenKey(token), &n)
	if errors.Is(err, ErrNotFound) {
		return Invite{}, ErrInviteInvalid
	}
	if err != nil {
		return Invite{}, fmt.Errorf("look up invite token: %w", err)
	}
	inv, err := e.invite(ctx, n)
	if errors.Is(err, ErrNotFound) {
		return Invite{}, ErrInviteInvalid
	}
	if err != nil {
		return Invite{}, err
	}
	if inv.Token != token {
		return Invite{}, ErrInviteInvalid
	}
	if inv.UsedBy == userID {
		// Opened again, or this turn is retried: register again, which
		// changes nothing.
		return inv, e.grantInvite(ctx, userID, inv)
	}
	switch {
	case inv.UsedBy != 0:
		return inv, ErrInviteUsed
	case inv.ReplacedBy != 0:
		return inv, ErrInviteReplaced
	case !e.now().Before(inv.ExpiresAt):
		return inv, ErrInviteExpired
	}
	ok, err := e.mayGrant(ctx, inv.By, inv.Role, inv.scope())
	if err != nil {
		return inv, err
	}
	if !ok {
		return inv, ErrNotGrantable
	}
	if inv.By == userID {
		return inv, ErrOwnInvite
	}
	claimed, err := e.store.Claim(ctx, inviteUsedKey(n), 0)
	if err != nil {
		return inv, fmt.Errorf("claim invite %d: %w", n, err)
	}
	if !claimed {
		// Someone else won, or a reissue retired the link meanwhile.
		if again, err := e.invite(ctx, n); err == nil && again.ReplacedBy != 0 {
			return again, ErrInviteReplaced
		}
		return inv, ErrInviteUsed
	}
	inv.UsedBy, inv.UsedAt = userID, e.now().UTC()
	if err := e.saveInvite(ctx, inv); err != nil {
		return inv, err
	}
	if err := e.store.AddToSet(ctx, invitesOfKey(userID), strconv.FormatInt(n, 10)); err != nil {
		return inv, fmt.Errorf("index invite %d: %w", n, err)
	}
	if err := e.store.RemoveFromSet(ctx, invitesSet, strconv.FormatInt(n, 10)); err != nil {
		return inv, fmt.Errorf("unindex invite %d: %w", n, err)
	}
	return inv, e.grantInvite(ctx, userID, inv)
}

// grantInvite gives userID what inv grants; doing it twice is harmless.
func (e *Engine) grantInvite(ctx context.Context, userID int64, inv Invite) error {
	switch inv.Role {
	case RoleMentor:
		before, err := e.MentorOf(ctx, inv.Project)
		if err != nil {
			return err
		}
		if err := e.SetMentor(ctx, inv.Project, userID); err != nil {
			return err
		}
		if before != 0 && before != userID {
			return e.handOverHeldIntros(ctx, inv.Project, before, userID)
		}
		return nil
	case RoleCommittee:
		return e.SetCommittee(ctx, userID, inv.University)
	}
	return e.Grant(ctx, userID, inv.Role)
}

// handOverHeldIntros gives the mentorships of project whose
// introduction still waits for mentor from, who never opened the bot,
// to the mentor who joined in their place. deliverHeldIntros then
// introduces them.
func (e *Engine) handOverHeldIntros(ctx context.Context, project string, from, to int64) error {
	ids, err := e.store.Members(ctx, heldIntroSet(from))
	if err != nil {
		return fmt.Errorf("load held introductions of %d: %w", from, err)
	}
	for _, id := range ids {
		m, err := e.Mentorship(ctx, id)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		if m.ProjectID != project || m.MentorID != from {
			continue
		}
		m.MentorID = to
		if err := e.SaveMentorship(ctx, m); err != nil {
			return err
		}
		if err := e.store.AddToSet(ctx, heldIntroSet(to), id); err != nil {
			return fmt.Errorf("hand over introduction %s: %w", id, err)
		}
		if err := e.store.RemoveFromSet(ctx, heldIntroSet(from), id); err != nil {
			return fmt.Errorf("hand over introduction %s: %w", id, err)
		}
		if err := e.store.RemoveFromSet(ctx, mentorshipOfUserKey(from), id); err != nil {
			return fmt.Errorf("hand over mentorship %s: %w", id, err)
		}
	}
	return nil
}

// describeInvite names the role an invite gives, in lang.
func (e *Engine) describeInvite(lang string, inv Invite) string {
	switch inv.Role {
	case RoleMentor:
		pr, _ := e.program.Project(inv.Project)
		return e.cat.T(lang, "invite.role.mentor", map[string]any{"Title": pr.Title, "ID": inv.Project})
	case RoleCommittee:
		u, _ := e.program.University(inv.University)
		return e.cat.T(lang, "invite.role.committee", map[string]any{"University": u.Name})
	}
	return e.cat.T(lang, "invite.role.staff", nil)
}

// formatTime renders at in the programme's time zone, the way the
// sender's language writes dates.
func (t *Turn) formatTime(at time.Time) string {
	return at.In(t.Program().Location()).Format(t.T("invite.time_layout", nil))
}

// inviteCommand handles "/invite staff", "/invite mentor <project>" and
// "/invite committee <university>".
func inviteCommand(t *Turn) error {
	args := strings.Fields(t.Event.Args)
	if len(args) == 0 {
		t.Say("invite.usage", nil)
		return nil
	}
	switch strings.ToLower(args[0]) {
	case "staff":
		if len(args) != 1 {
			t.Say("invite.usage", nil)
			return nil
		}
		return createInvite(t, RoleStaff, "")
	case "mentor":
		var ids []string
		for _, pr := range t.Program().Projects {
			ids = append(ids, pr.ID)
		}
		if id, ok := pickID(args[1:], ids); ok {
			return createInvite(t, RoleMentor, id)
		}
		t.Say("invite.unknown_project", map[string]any{"Given": strings.Join(args[1:], " "), "IDs": strings.Join(ids, ", ")})
		return nil
	case "committee":
		var ids []string
		for _, u := range t.Program().Universities {
			ids = append(ids, u.ID)
		}
		if id, ok := pickID(args[1:], ids); ok {
			return createInvite(t, RoleCommittee, id)
		}
		t.Say("invite.unknown_university", map[string]any{"Given": strings.Join(args[1:], " "), "IDs": strings.Join(ids, ", ")})
		return nil
	}
	t.Say("invite.usage", nil)
	return nil
}

// pickID returns the id of ids that the single word given names,
// ignoring case.
func pickID(given, ids []string) (string, bool) {
	if len(given) != 1 {
		return "", false
	}
	for _, id := range ids {
		if strings.EqualFold(given[0], id) {
			return id, true
		}
	}
	return "", false
}

// createInvite makes an invite from the sender and shows its link.
func createInvite(t *Turn, role Role, scope string) error {
	inv, err := t.e.CreateInvite(t.ctx, t.Event.From.ID, role, scope)
	if errors.Is(err, ErrNotGrantable) {
		t.Say("invite.refused.not_grantable", nil)
		return nil
	}
	if err != nil {
		return err
	}
	showInvite(t, inv)
	return nil
}

func showInvite(t *Turn, inv Invite) {
	t.Say("invite.created", map[string]any{
		"N":     inv.N,
		"Role":  t.e.describeInvite(t.Lang(), inv),
		"Until": t.formatTime(inv.ExpiresAt),
		"Link":  t.e.InviteLink(inv),
	})
}

// reinviteCommand handles "/reinvite <number>": a new link in place of
// an unused one, for example when it expired or went astray.
func reinviteCommand(t *Turn) error {
	n, err := strconv.ParseInt(strings.TrimPrefix(strings.TrimSpace(t.Event.Args), "#"), 10, 64)
	if err != nil || n <= 0 {
		t.Say("invite.reinvite_usage", nil)
		return nil
	}
	return reissue(t, n)
}

func reissue(t *Turn, n int64) error {
	inv, err := t.e.ReissueInvite(t.ctx, t.Event.From.ID, n)
	switch {
	case errors.Is(err, ErrNotFound):
		t.Say("invite.no_such", map[string]any{"N": n})
		return nil
	case errors.Is(err, ErrInviteUsed):
		t.Say("invite.reinvite_used", map[string]any{"N": n})
		return nil
	case errors.Is(err, ErrInviteReplaced):
		t.Say("invite.reinvite_replaced", map[string]any{"N": n})
		return nil
	case errors.Is(err, ErrNotGrantable):
		t.Say("invite.refused.not_grantable", nil)
		return nil
	case err != nil:
		return err
	}
	t.Say("invite.replaced_old", map[string]any{"Old": n})
	showInvite(t, inv)
	return nil
}

// joinByInvite is "/start inv_<token>": it registers the sender with the
// invite's role and tells the inviter. A sender whose language we do not
// know chooses one first, and hears the rest in it.
func joinByInvite(t *Turn) error {
	_, token, _ := strings.Cut(strings.TrimSpace(t.Event.Args), "_")
	inv, err := t.e.RedeemInvite(t.ctx, t.Event.From.ID, token)
	refusal := map[error]string{
		ErrInviteInvalid:  "invite.refused.invalid",
		ErrInviteExpired:  "invite.refused.expired",
		ErrInviteUsed:     "invite.refused.used",
		ErrInviteReplaced: "invite.refused.replaced",
		ErrNotGrantable:   "invite.refused.not_grantable",
		ErrOwnInvite:      "invite.refused.own",
	}
	for sentinel, id := range refusal {
		if errors.Is(err, sentinel) {
			t.Session.Reset()
			t.Say(id, map[string]any{"Role": t.e.describeInvite(t.Lang(), inv)})
			return nil
		}
	}
	if err != nil {
		return err
	}
	if inv.By != t.Event.From.ID {
		lang := t.e.LangOf(t.ctx, inv.By)
		t.Send(Message{ChatID: inv.By, Text: t.e.cat.T(lang, "invite.joined_notice", map[string]any{
			"N": inv.N, "Name": t.Profile.DisplayName(), "Role": t.e.describeInvite(lang, inv),
		})})
	}
	if t.Profile.Lang == "" {
		t.StartFlow(flowInvite, "lang")
		t.Session.Set("invite", strconv.FormatInt(inv.N, 10))
		t.Reply(t.T("language.choose", nil), languageButtons(t))
		return nil
	}
	return welcomeInvited(t, inv)
}

// inviteLanguage is the language choice of someone who just joined
// through an invite.
func inviteLanguage(t *Turn) error {
	lang := t.Callback.Arg
	n, err := strconv.ParseInt(t.Session.Get("invite"), 10, 64)
	if t.Callback.Action != "set" || !t.e.cat.Supported(lang) || err != nil {
		t.Notice("error.bad_button")
		return nil
	}
	inv, err := t.e.invite(t.ctx, n)
	if err != nil {
		return err
	}
	t.Profile.Lang = lang
	return welcomeInvited(t, inv)
}

// welcomeInvited tells a person who joined what they are now, and hands
// them anything that waited for them to join.
func welcomeInvited(t *Turn, inv Invite) error {
	t.Session.Reset()
	t.Say("invite.joined", map[string]any{
		"Name":    t.Event.From.FirstName,
		"Program": t.Program().Name,
		"Role":    t.e.describeInvite(t.Lang(), inv),
	})
	// start() delivered what waited for this person before they joined;
	// joining may have handed them more (a project's held matches).
	return deliverHeldIntros(t)
}

// newToken returns 16 random bytes in base64url: 22 characters, within
// Telegram's 64-character start parameter alphabet [A-Za-z0-9_-].
func newToken() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// inviteData is what /mydata shows of an invite someone made or used.
type inviteData struct {
	N          int64     `json:"n"`
	Role       Role      `json:"role"`
	Project    string    `json:"project,omitempty"`
	University string    `json:"university,omitempty"`
	Made       bool      `json:"made_by_you,omitempty"`
	Used       bool      `json:"used_by_you,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
	UsedAt     time.Time `json:"used_at,omitzero"`
}

// exportInvites returns the invites userID made or used, or nil.
func (e *Engine) exportInvites(ctx context.Context, userID int64) (any, error) {
	invs, err := e.invitesOf(ctx, userID)
	if err != nil || len(invs) == 0 {
		return nil, err
	}
	out := make([]inviteData, 0, len(invs))
	for _, inv := range invs {
		d := inviteData{N: inv.N, Role: inv.Role, Project: inv.Project, University: inv.University,
			Made: inv.By == userID, Used: inv.UsedBy == userID, CreatedAt: inv.CreatedAt}
		if d.Used {
			d.UsedAt = inv.UsedAt
		}
		out = append(out, d)
	}
	return out, nil
}

// eraseInvites replaces userID in the invites they made or used with
// erasedUser: a used link stays used, one they made stops working (as
// it would once they left the staff), and neither names them.
func (e *Engine) eraseInvites(ctx context.Context, userID int64) error {
	invs, err := e.invitesOf(ctx, userID)
	if err != nil {
		return err
	}
	for _, inv := range invs {
		if inv.UsedBy == userID {
			inv.UsedBy = erasedUser
		}
		if inv.By == userID {
			inv.By = erasedUser
		}
		if err := e.saveInvite(ctx, inv); err != nil {
			return err
		}
	}
	if err := e.store.Delete(ctx, invitesOfKey(userID)); err != nil {
		return fmt.Errorf("erase invites of %d: %w", userID, err)
	}
	return nil
}

// invitesOf loads the invites userID made or used, oldest first.
func (e *Engine) invitesOf(ctx context.Context, userID int64) ([]Invite, error) {
	ns, err := e.idSet(ctx, invitesOfKey(userID))
	if err != nil {
		return nil, err
	}
	var out []Invite
	for _, n := range ns {
		inv, err := e.invite(ctx, n)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if inv.By == userID || inv.UsedBy == userID {
			out = append(out, inv)
		}
	}
	return out, nil
}
