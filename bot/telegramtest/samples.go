package telegramtest

import (
	"bytes"
	"path"
	"strings"

	"github.com/mentorbot/mentorbot/flows/doccheck/doctest"
)

// maxStub is the longest content taken for a stub.
const maxStub = 32

// realFile returns what DocumentMessage stores for content sent as name.
// Tests that only need some document to upload send a stub: "%PDF" and
// at most a short label on one line ("%PDF", "%PDF-1.4 test"). The bot
// checks what it receives, so a stub is stored as a small valid file of
// the type name's extension says (PDF, DOC or DOCX). Anything else,
// such as an empty file or text named .pdf, is stored as it is, for
// tests of the check itself.
func realFile(name string, content []byte) []byte {
	if !bytes.HasPrefix(content, []byte("%PDF")) || len(content) > maxStub || bytes.ContainsAny(content, "\r\n") {
		return content
	}
	switch strings.ToLower(path.Ext(name)) {
	case ".doc":
		return doctest.DOC()
	case ".docx":
		return doctest.DOCX()
	}
	return doctest.PDF()
}
