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

	"github.com/mentorbot/mentorbot/flows/records"
)

const (
	flowInvite = "invite"
	// invitePayload prefixes the start parameter of an invite link;
	// start() routes "/start inv_<token>" to joinByInvite.
	invitePayload = "inv"
	// DefaultInviteValidity is how long an invite link works unless
	// Config.InviteValidity says otherwise.
	DefaultInviteValidity = 7 * 24 * time.Hour
	// inviteListed is how long an unused, expired invite stays in the
	// staff's list, offered for a new link.
	inviteListed = 30 * 24 * time.Hour
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

// invitePayloadOf is the start parameter of the invite's link.
func invitePayloadOf(inv records.Invite) string { return invitePayload + "_" + inv.Token }

// registerInvite adds /invite and /reinvite for staff, and the deep-link
// step that redeems an invite.
func registerInvite(e *Engine) {
	e.command(Command{Name: "invite", Role: records.RoleStaff, Scope: InPrivate, Help: "invite.cmd", Run: inviteCommand})
	e.command(Command{Name: "reinvite", Role: records.RoleStaff, Scope: InPrivate, Help: "invite.cmd_reinvite", Run: reinviteCommand})
	e.onArgument("start", invitePayload, joinByInvite)
	e.onStep(flowStep(flowInvite), func(t *Turn) error {
		t.Say("language.use_buttons", nil, languageButtons(t)...)
		return nil
	})
	e.onButton(flowInvite, records.RoleAnyone, InPrivate, inviteLanguage)
	e.personalData(flowInvite, PersonalData{Export: exportBy((*records.DB).ExportInvites), Erase: eraseBy((*records.DB).EraseInvites)})
}

// inviteState is the state of the invite flow: the invite just used,
// while its user chooses a language.
type inviteState struct {
	Invite int64 `json:"invite"`
}

// invites makes, reissues and redeems invite links.
type invites struct {
	rec    *records.DB
	roster roster
	now    func() time.Time
	// botName builds links; without it (console mode) a link is the
	// command to type.
	botName string
	// validity is how long a link works.
	validity time.Duration
}

// invitesOf is the invite service of the engine running t.
func invitesOf(t *Turn) invites {
	return invites{rec: t.rec, roster: rosterOf(t), now: t.e.now, botName: t.e.botName, validity: t.e.inviteValidity}
}

// link returns the link to hand to the invited person. Without a bot
// username (console mode) it is the command to type instead.
func (s invites) link(inv records.Invite) string {
	if s.botName == "" {
		return "/start " + invitePayloadOf(inv)
	}
	return "https://t.me/" + s.botName + "?start=" + invitePayloadOf(inv)
}

// mayGrant reports whether by may create invites for role with scope
// (a project id for mentors, a university id for committee members).
// Staff may grant all three roles.
func (s invites) mayGrant(ctx context.Context, by int64, role records.Role, scope string) (bool, error) {
	switch role {
	case records.RoleStaff:
		if scope != "" {
			return false, nil
		}
	case records.RoleMentor:
		if _, ok := s.roster.program.Project(scope); !ok {
			return false, nil
		}
	case records.RoleCommittee:
		if _, ok := s.roster.program.University(scope); !ok {
			return false, nil
		}
	default:
		return false, nil
	}
	return s.roster.has(ctx, by, by, records.RoleStaff)
}

// create makes a new invite from by for role with scope (project id
// for mentors, university id for committee members, "" for staff),
// valid for InviteValidity. ErrNotGrantable when by may not grant it.
func (s invites) create(ctx context.Context, by int64, role records.Role, scope string) (records.Invite, error) {
	ok, err := s.mayGrant(ctx, by, role, scope)
	if err != nil {
		return records.Invite{}, err
	}
	if !ok {
		return records.Invite{}, fmt.Errorf("invite %s %q by %d: %w", role, scope, by, ErrNotGrantable)
	}
	now := s.now().UTC()
	inv := records.Invite{Token: newToken(), Role: role, By: by, CreatedAt: now, ExpiresAt: now.Add(s.validity)}
	switch role {
	case records.RoleMentor:
		inv.Project = scope
	case records.RoleCommittee:
		inv.University = scope
	}
	// The token's record outlives the link, so a link opened after it
	// expired is told apart from a forged one.
	if err := s.rec.NewInvite(ctx, &inv, s.validity+inviteListed); err != nil {
		return records.Invite{}, err
	}
	return inv, nil
}

// reissue replaces invite n, unused, with a new link for the same role,
// made by by; the old link stops working. ErrNotFound when there is no
// invite n, ErrInviteUsed when it was used, ErrInviteReplaced when it
// was replaced already, ErrNotGrantable when by may not grant its role
// (the old link is then retired all the same).
func (s invites) reissue(ctx context.Context, by, n int64) (records.Invite, error) {
	old, err := s.rec.Invite(ctx, n)
	if err != nil {
		return records.Invite{}, err
	}
	if old.ReplacedBy != 0 {
		return records.Invite{}, fmt.Errorf("reissue invite %d: %w", n, ErrInviteReplaced)
	}
	// Take the old link out of use first, with the same claim as a
	// redemption: of a reissue and a redemption racing, one wins.
	claimed, err := s.rec.ClaimInvite(ctx, n)
	if err != nil {
		return records.Invite{}, err
	}
	if !claimed {
		if again, err := s.rec.Invite(ctx, n); err == nil && again.ReplacedBy != 0 {
			return records.Invite{}, fmt.Errorf("reissue invite %d: %w", n, ErrInviteReplaced)
		}
		return records.Invite{}, fmt.Errorf("reissue invite %d: %w", n, ErrInviteUsed)
	}
	inv, err := s.create(ctx, by, old.Role, old.Scope())
	if err != nil {
		return records.Invite{}, err
	}
	old.ReplacedBy = inv.N
	if err := s.rec.SaveInvite(ctx, old); err != nil {
		return records.Invite{}, err
	}
	return inv, s.rec.UnlistInvite(ctx, n)
}

// open returns the unused, unreplaced invites, newest first, forgetting
// those expired for longer than inviteListed.
func (s invites) open(ctx context.Context) ([]records.Invite, error) {
	listed, gone, err := s.rec.ListedInvites(ctx)
	if err != nil {
		return nil, err
	}
	var out []records.Invite
	for _, inv := range listed {
		if inv.UsedBy != 0 || inv.ReplacedBy != 0 || s.now().After(inv.ExpiresAt.Add(inviteListed)) {
			gone = append(gone, inv.N)
			continue
		}
		out = append(out, inv)
	}
	for _, n := range gone {
		if err := s.rec.UnlistInvite(ctx, n); err != nil {
			return nil, err
		}
	}
	slices.Reverse(out)
	return out, nil
}

// redeem registers userID with the role of the invite whose link
// carries token, once: of two people racing for one link, one wins.
// Opening one's own used link again succeeds and changes nothing. It
// returns the invite; on ErrInviteInvalid, ErrInviteExpired,
// ErrInviteUsed, ErrInviteReplaced, ErrNotGrantable and ErrOwnInvite
// nothing changed. Someone who already holds the role may use the link:
// it is how a mentor named in the programme file, who never started the
// bot, is brought in.
func (s invites) redeem(ctx context.Context, userID int64, token string) (records.Invite, error) {
	inv, err := s.lookUp(ctx, token)
	if err != nil {
		return inv, err
	}
	if inv.UsedBy == userID {
		// Opened again by the person who used it. A link is good for
		// one grant: it never gives back a role that was revoked since,
		// or handed to someone else.
		holds, err := s.stillHolds(ctx, userID, inv)
		if err != nil || !holds {
			return inv, cmpErr(err, ErrInviteUsed)
		}
		return inv, nil
	}
	if err := s.usable(ctx, userID, inv); err != nil {
		return inv, err
	}
	claimed, err := s.rec.ClaimInvite(ctx, inv.N)
	if err != nil {
		return inv, err
	}
	if !claimed {
		// Someone else won, or a reissue retired the link meanwhile.
		if again, err := s.rec.Invite(ctx, inv.N); err == nil && again.ReplacedBy != 0 {
			return again, ErrInviteReplaced
		}
		return inv, ErrInviteUsed
	}
	inv.UsedBy, inv.UsedAt = userID, s.now().UTC()
	if err := s.rec.InviteUsed(ctx, inv); err != nil {
		return inv, err
	}
	return inv, s.grant(ctx, userID, inv)
}

// stillHolds reports whether userID still holds the grant inv made.
func (s invites) stillHolds(ctx context.Context, userID int64, inv records.Invite) (bool, error) {
	switch inv.Role {
	case records.RoleMentor:
		m, err := s.roster.mentorOf(ctx, inv.Project)
		return m == userID, err
	case records.RoleCommittee:
		uni, err := s.rec.CommitteeOf(ctx, userID)
		return uni == inv.University, err
	}
	return s.rec.HasGrant(ctx, userID, inv.Role)
}

// cmpErr is err when there is one, else otherwise.
func cmpErr(err, otherwise error) error {
	if err != nil {
		return err
	}
	return otherwise
}

// lookUp returns the invite whose link carries token; ErrInviteInvalid
// when the token is malformed or no invite has it.
func (s invites) lookUp(ctx context.Context, token string) (records.Invite, error) {
	if !tokenPattern.MatchString(token) {
		return records.Invite{}, ErrInviteInvalid
	}
	inv, err := s.rec.InviteByToken(ctx, token)
	if errors.Is(err, records.ErrNotFound) {
		return records.Invite{}, ErrInviteInvalid
	}
	if err != nil {
		return records.Invite{}, fmt.Errorf("look up invite token: %w", err)
	}
	if inv.Token != token {
		return records.Invite{}, ErrInviteInvalid
	}
	return inv, nil
}

// usable returns nil when userID may use inv, which somebody else has
// not used, else why not.
func (s invites) usable(ctx context.Context, userID int64, inv records.Invite) error {
	switch {
	case inv.UsedBy != 0:
		return ErrInviteUsed
	case inv.ReplacedBy != 0:
		return ErrInviteReplaced
	case !s.now().Before(inv.ExpiresAt):
		return ErrInviteExpired
	}
	ok, err := s.mayGrant(ctx, inv.By, inv.Role, inv.Scope())
	if err != nil {
		return err
	}
	if !ok {
		return ErrNotGrantable
	}
	if inv.By == userID {
		return ErrOwnInvite
	}
	return nil
}

// grant gives userID what inv grants; doing it twice is harmless.
func (s invites) grant(ctx context.Context, userID int64, inv records.Invite) error {
	switch inv.Role {
	case records.RoleMentor:
		before, err := s.roster.mentorOf(ctx, inv.Project)
		if err != nil {
			return err
		}
		if err := s.roster.setMentor(ctx, inv.Project, userID); err != nil {
			return err
		}
		if before != 0 && before != userID {
			return s.handOverHeldIntros(ctx, inv.Project, before, userID)
		}
		return nil
	case records.RoleCommittee:
		return s.roster.setCommittee(ctx, userID, inv.University)
	}
	return s.rec.Grant(ctx, userID, inv.Role)
}

// handOverHeldIntros gives the mentorships of project whose
// introduction still waits for mentor from, who never opened the bot,
// to the mentor who joined in their place. deliverHeldIntros then
// introduces them.
func (s invites) handOverHeldIntros(ctx context.Context, project string, from, to int64) error {
	held, err := s.rec.HeldIntroductions(ctx, from)
	if err != nil {
		return err
	}
	for _, m := range held {
		if m.ProjectID != project || m.MentorID != from {
			continue
		}
		if err := s.rec.HandOverMentorship(ctx, m, from, to); err != nil {
			return err
		}
	}
	return nil
}

// describeInvite names the role an invite gives, in lang.
func describeInvite(t *Turn, lang string, inv records.Invite) string {
	switch inv.Role {
	case records.RoleMentor:
		pr, _ := t.Program().Project(inv.Project)
		return t.e.cat.T(lang, "invite.role.mentor", map[string]any{"Title": pr.TitleIn(lang), "ID": inv.Project})
	case records.RoleCommittee:
		u, _ := t.Program().University(inv.University)
		return t.e.cat.T(lang, "invite.role.committee", map[string]any{"University": u.Name})
	}
	return t.e.cat.T(lang, "invite.role.staff", nil)
}

// inviteTime renders at in the programme's time zone, the way the
// sender's language writes dates.
func inviteTime(t *Turn, at time.Time) string {
	return t.dates().dateTime(at)
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
		return createInvite(t, records.RoleStaff, "")
	case "mentor":
		var ids []string
		for _, pr := range t.Program().Projects {
			ids = append(ids, pr.ID)
		}
		if id, ok := pickID(args[1:], ids); ok {
			return createInvite(t, records.RoleMentor, id)
		}
		t.Say("invite.unknown_project", map[string]any{"Given": strings.Join(args[1:], " "), "IDs": strings.Join(ids, ", ")})
		return nil
	case "committee":
		var ids []string
		for _, u := range t.Program().Universities {
			ids = append(ids, u.ID)
		}
		if id, ok := pickID(args[1:], ids); ok {
			return createInvite(t, records.RoleCommittee, id)
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
func createInvite(t *Turn, role records.Role, scope string) error {
	inv, err := invitesOf(t).create(t.ctx, t.Event.From.ID, role, scope)
	if errors.Is(err, ErrNotGrantable) {
		t.Say("invite.refused.not_grantable", nil)
		return nil
	}
	if err != nil {
		return err
	}
	if err := audit(t, "role.invite", 0, grant{Role: inv.Role, Scope: inv.Scope()}.String()); err != nil {
		return err
	}
	showInvite(t, inv)
	return nil
}

// showInvite shows the sender the link of inv, which they made.
func showInvite(t *Turn, inv records.Invite) {
	t.Say("invite.created", map[string]any{
		"N":     inv.N,
		"Role":  describeInvite(t, t.Lang(), inv),
		"Until": inviteTime(t, inv.ExpiresAt),
		"Link":  invitesOf(t).link(inv),
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

// reissue makes a new link in place of invite n, from the sender, and
// shows it, or says why not.
func reissue(t *Turn, n int64) error {
	inv, err := invitesOf(t).reissue(t.ctx, t.Event.From.ID, n)
	switch {
	case errors.Is(err, records.ErrNotFound):
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

// inviteRefusals names the message for each way a link can be refused.
var inviteRefusals = []struct {
	err error
	id  string
}{
	{ErrInviteInvalid, "invite.refused.invalid"},
	{ErrInviteExpired, "invite.refused.expired"},
	{ErrInviteUsed, "invite.refused.used"},
	{ErrInviteReplaced, "invite.refused.replaced"},
	{ErrNotGrantable, "invite.refused.not_grantable"},
	{ErrOwnInvite, "invite.refused.own"},
}

// joinByInvite is "/start inv_<token>": it registers the sender with the
// invite's role and tells the inviter. A sender whose language we do not
// know chooses one first, and hears the rest in it.
func joinByInvite(t *Turn) error {
	_, token, _ := strings.Cut(strings.TrimSpace(t.Event.Args), "_")
	menus, err := watchInviteMenus(t, token)
	if err != nil {
		return err
	}
	inv, err := invitesOf(t).redeem(t.ctx, t.Event.From.ID, token)
	for _, r := range inviteRefusals {
		if errors.Is(err, r.err) {
			t.Session.Reset()
			t.Say(r.id, map[string]any{"Role": describeInvite(t, t.Lang(), inv)})
			return nil
		}
	}
	if err != nil {
		return err
	}
	if err := audit(t, "role.join", inv.By, grant{Role: inv.Role, Scope: inv.Scope()}.String()); err != nil {
		return err
	}
	if err := menus(); err != nil {
		return err
	}
	if inv.By != t.Event.From.ID {
		lang := t.LangOf(inv.By)
		t.SayAbout(inv.By, lang, "invite.joined_notice", map[string]any{
			"N": inv.N, "Name": t.Profile.DisplayName(), "Role": describeInvite(t, lang, inv),
		})
	}
	if t.Profile.Lang == "" {
		t.StartFlow(flowInvite, "lang")
		t.SaveState(inviteState{Invite: inv.N})
		t.Say("language.choose", nil, languageButtons(t)...)
		return nil
	}
	return welcomeInvited(t, inv)
}

// inviteLanguage is the language choice of someone who just joined
// through an invite.
func inviteLanguage(t *Turn) error {
	var st inviteState
	if err := t.LoadState(&st); err != nil {
		return err
	}
	lang := t.Callback.Arg
	if t.Callback.Action != "set" || !t.e.cat.Supported(lang) || st.Invite == 0 {
		t.Notice("error.bad_button")
		return nil
	}
	inv, err := t.rec.Invite(t.ctx, st.Invite)
	if err != nil {
		return err
	}
	menu, err := watchMenus(t, t.Event.From.ID)
	if err != nil {
		return err
	}
	t.Profile.Lang = lang
	if err := menu(); err != nil { // now in the language chosen
		return err
	}
	return welcomeInvited(t, inv)
}

// welcomeInvited tells a person who joined what they are now, and hands
// them anything that waited for them to join.
func welcomeInvited(t *Turn, inv records.Invite) error {
	t.Session.Reset()
	t.Say("invite.joined", map[string]any{
		"Name":    t.Event.From.FirstName,
		"Program": t.Program().Name,
		"Role":    describeInvite(t, t.Lang(), inv),
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
