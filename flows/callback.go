package flows

import (
	"errors"
	"fmt"
	"strings"
)

// callbackVersion prefixes all callback data, so buttons from an older
// release of the bot can be told from forged ones.
const callbackVersion = "1"

// maxCallbackData is Telegram's limit on callback_data, in bytes.
const maxCallbackData = 64

// ErrBadCallback is returned by DecodeCallback for data the bot could
// not have produced.
var ErrBadCallback = errors.New("malformed callback data")

// Callback is what an inline button carries: which flow it belongs to,
// what it asks for, and an optional argument. Nonce ties a button to one
// run of a flow; an empty Nonce means the button is valid for as long as
// its argument is (staff actions on an application, for example).
type Callback struct {
	Flow   string
	Action string
	Nonce  string
	Arg    string
}

// Encode returns the callback data for c, "1:flow:action:nonce:arg".
// It fails when a part holds a character outside [A-Za-z0-9_.-] or the
// result is longer than Telegram allows.
func (c Callback) Encode() (string, error) {
	for _, part := range []string{c.Flow, c.Action, c.Nonce, c.Arg} {
		if !validPart(part) {
			return "", fmt.Errorf("encode callback %+v: %w", c, ErrBadCallback)
		}
	}
	if c.Flow == "" || c.Action == "" {
		return "", fmt.Errorf("encode callback %+v: %w", c, ErrBadCallback)
	}
	s := strings.Join([]string{callbackVersion, c.Flow, c.Action, c.Nonce, c.Arg}, ":")
	if len(s) > maxCallbackData {
		return "", fmt.Errorf("encode callback %+v: %d bytes: %w", c, len(s), ErrBadCallback)
	}
	return s, nil
}

// DecodeCallback parses data produced by Encode. Anything else, forged
// or from an incompatible version, gives ErrBadCallback.
func DecodeCallback(data string) (Callback, error) {
	if len(data) > maxCallbackData {
		return Callback{}, ErrBadCallback
	}
	parts := strings.Split(data, ":")
	if len(parts) != 5 || parts[0] != callbackVersion {
		return Callback{}, ErrBadCallback
	}
	for _, p := range parts[1:] {
		if !validPart(p) {
			return Callback{}, ErrBadCallback
		}
	}
	c := Callback{Flow: parts[1], Action: parts[2], Nonce: parts[3], Arg: parts[4]}
	if c.Flow == "" || c.Action == "" {
		return Callback{}, ErrBadCallback
	}
	return c, nil
}

func validPart(s string) bool {
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '_', r == '.', r == '-':
		default:
			return false
		}
	}
	return true
}
