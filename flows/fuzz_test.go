package flows_test

import (
	"testing"

	"github.com/mentorbot/mentorbot/flows"
)

// FuzzEngine feeds arbitrary events, one after another in the same
// chats, through every flow. Whatever arrives, the engine must neither
// panic nor fail, and every button it offers must carry valid data.
// Seeds live in testdata/fuzz/FuzzEngine.
func FuzzEngine(f *testing.F) {
	f.Add(uint8(flows.KindCommand), "start", "", "", false)
	f.Add(uint8(flows.KindCommand), "apply", "", "", false)
	f.Add(uint8(flows.KindText), "", "hello", "", false)
	f.Add(uint8(flows.KindButton), "", "", "1:lang:set::it", false)
	f.Add(uint8(flows.KindDocument), "", "cv.pdf", "", true)
	h := newHarness(f)
	f.Fuzz(func(t *testing.T, kind uint8, command, text, data string, asStaff bool) {
		h.tb = t
		from := user(studentA, "en")
		if asStaff {
			from = user(staffID, "it")
		}
		ev := flows.Event{Kind: flows.Kind(kind%7 + 1), From: from, Command: command, Args: text, Text: text, Data: data}
		if ev.Kind == flows.KindDocument || ev.Kind == flows.KindPhoto {
			ev.File = &flows.File{FileID: "f", FileName: text, MIMEType: data, Size: int64(len(text)) << 10}
		}
		r := h.handle(ev)
		for _, m := range r.Messages {
			for _, row := range m.Buttons {
				for _, b := range row {
					if _, err := flows.DecodeCallback(b.Data); err != nil {
						t.Fatalf("button %q has bad data %q: %v", b.Text, b.Data, err)
					}
				}
			}
		}
	})
}
