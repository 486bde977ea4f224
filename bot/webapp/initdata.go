package webapp

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mentorbot/mentorbot/flows"
)

// MaxInitDataAge is how long after Telegram signed a Mini App's
// initData the server takes it: a leaked one stops working within the
// hour.
const MaxInitDataAge = time.Hour

// The ways initData is refused. Each is a 401.
var (
	ErrNoInitData = errors.New("webapp: no initData")
	ErrForged     = errors.New("webapp: initData not signed for this bot")
	ErrExpired    = errors.New("webapp: initData too old")
	ErrNoUser     = errors.New("webapp: initData names no user")
)

// InitData is what the server takes from a valid initData.
type InitData struct {
	User     flows.User
	AuthDate time.Time
}

// webAppUser is the user field of initData, as Telegram writes it.
type webAppUser struct {
	ID           int64  `json:"id"`
	IsBot        bool   `json:"is_bot"`
	FirstName    string `json:"first_name"`
	LastName     string `json:"last_name"`
	Username     string `json:"username"`
	LanguageCode string `json:"language_code"`
}

// ParseInitData checks that raw, the query string Telegram gives a Mini
// App (Telegram.WebApp.initData), was signed for the bot with token
// and signed at most MaxInitDataAge before now, as
// core.telegram.org/bots/webapps#validating-data-received-via-the-mini-app
// describes: the hex hash field is HMAC-SHA256 of the other fields,
// sorted, as "key=value" lines, under the key HMAC-SHA256("WebAppData",
// token). The fields are compared as decoded once: the
// go-telegram/bot library's ValidateWebappRequest decodes them twice,
// so a name with "+" or "%" fails, and it checks no age.
func ParseInitData(raw, token string, now time.Time) (InitData, error) {
	if raw == "" {
		return InitData{}, ErrNoInitData
	}
	values, err := url.ParseQuery(raw)
	if err != nil {
		return InitData{}, fmt.Errorf("%w: %v", ErrForged, err)
	}
	sum, err := hex.DecodeString(values.Get("hash"))
	if err != nil || len(sum) != sha256.Size || len(values["hash"]) != 1 {
		return InitData{}, ErrForged
	}
	dcs, ok := dataCheckString(values)
	if !ok || !hmac.Equal(signature(token, dcs), sum) {
		return InitData{}, ErrForged
	}
	secs, err := strconv.ParseInt(values.Get("auth_date"), 10, 64)
	if err != nil {
		return InitData{}, fmt.Errorf("%w: auth_date %q", ErrExpired, values.Get("auth_date"))
	}
	signed := time.Unix(secs, 0)
	// A minute of clock skew is allowed the other way.
	if now.Sub(signed) > MaxInitDataAge || signed.Sub(now) > time.Minute {
		return InitData{}, fmt.Errorf("%w: signed %s", ErrExpired, signed.UTC().Format(time.RFC3339))
	}
	var u webAppUser
	if err := json.Unmarshal([]byte(values.Get("user")), &u); err != nil || u.ID <= 0 || u.IsBot {
		return InitData{}, ErrNoUser
	}
	return InitData{AuthDate: signed, User: flows.User{ID: u.ID, FirstName: u.FirstName, LastName: u.LastName,
		Username: u.Username, LanguageCode: u.LanguageCode}}, nil
}

// SignInitData returns initData for user signed for the bot with token
// at authDate, with the fields Telegram sends: what a test, or the
// console, opens the workspace with.
func SignInitData(token string, user flows.User, authDate time.Time) string {
	u, _ := json.Marshal(webAppUser{ID: user.ID, FirstName: user.FirstName, LastName: user.LastName,
		Username: user.Username, LanguageCode: user.LanguageCode})
	values := url.Values{
		"user":      {string(u)},
		"auth_date": {strconv.FormatInt(authDate.Unix(), 10)},
		"query_id":  {"AAH" + strconv.FormatInt(user.ID, 36)},
	}
	dcs, _ := dataCheckString(values)
	values.Set("hash", hex.EncodeToString(signature(token, dcs)))
	return values.Encode()
}

// dataCheckString is the text initData's hash signs: every field but
// the hash, sorted, as "key=value" lines. ok is false when a field comes
// twice, which Telegram never writes.
func dataCheckString(values url.Values) (dcs string, ok bool) {
	lines := make([]string, 0, len(values))
	for k, vs := range values {
		if k == "hash" {
			continue
		}
		if len(vs) != 1 {
			return "", false
		}
		lines = append(lines, k+"="+vs[0])
	}
	slices.Sort(lines)
	return strings.Join(lines, "\n"), true
}

// signature is the hash of dcs for the bot with token.
func signature(token, dcs string) []byte {
	secret := hmac.New(sha256.New, []byte("WebAppData"))
	secret.Write([]byte(token))
	mac := hmac.New(sha256.New, secret.Sum(nil))
	mac.Write([]byte(dcs))
	return mac.Sum(nil)
}
