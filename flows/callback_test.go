package flows

import (
	"errors"
	"strings"
	"testing"
)

func TestCallbackRoundTrip(t *testing.T) {
	tests := []Callback{
		{Flow: "lang", Action: "set", Nonce: "a1b2c3", Arg: "it"},
		{Flow: "review", Action: "acc", Arg: "42"},
		{Flow: "x", Action: "y"},
	}
	for _, c := range tests {
		data, err := c.Encode()
		if err != nil {
			t.Fatalf("%+v.Encode(): %v", c, err)
		}
		got, err := DecodeCallback(data)
		if err != nil || got != c {
			t.Errorf("DecodeCallback(%q) = %+v, %v; want %+v", data, got, err, c)
		}
	}
}

func TestDecodeCallbackRejects(t *testing.T) {
	for _, data := range []string{
		"", "1", "1:lang:set:", "2:lang:set::it", "1::set::it", "1:lang:::it",
		"1:lang:set::it:extra", "1:la ng:set::it", "1:lang:set::i/t",
		"1:lang:set::" + strings.Repeat("a", 60),
	} {
		if got, err := DecodeCallback(data); !errors.Is(err, ErrBadCallback) {
			t.Errorf("DecodeCallback(%q) = %+v, %v; want ErrBadCallback", data, got, err)
		}
	}
}

func TestEncodeCallbackRejects(t *testing.T) {
	for _, c := range []Callback{
		{Flow: "", Action: "a"},
		{Flow: "f", Action: "a:b"},
		{Flow: "f", Action: "a", Arg: strings.Repeat("x", 64)},
		{Flow: "f", Action: "a", Arg: "è"},
	} {
		if data, err := c.Encode(); !errors.Is(err, ErrBadCallback) {
			t.Errorf("%+v.Encode() = %q, %v; want ErrBadCallback", c, data, err)
		}
	}
}

// FuzzDecodeCallback checks that any data either fails cleanly or
// decodes to a callback that encodes back to the same bytes.
func FuzzDecodeCallback(f *testing.F) {
	f.Add("1:lang:set:a1b2c3:it")
	f.Add("1:review:acc::42")
	f.Add("")
	f.Add("1:::::")
	f.Fuzz(func(t *testing.T, data string) {
		c, err := DecodeCallback(data)
		if err != nil {
			return
		}
		again, err := c.Encode()
		if err != nil || again != data {
			t.Fatalf("DecodeCallback(%q) = %+v, which encodes to %q, %v", data, c, again, err)
		}
	})
}
