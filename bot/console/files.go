package console

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/mentorbot/mentorbot/flows"
)

// Files opens the files sent with :file, whose ids are filePrefix and
// their path, for flows.Config.Files.
type Files struct{}

var _ flows.Files = Files{}

// Open opens the file fileID names on disk; the caller closes it. It
// fails for an id that is not a console file's, or a file that cannot
// be opened.
func (Files) Open(_ context.Context, fileID string) (io.ReadCloser, error) {
	path, ok := strings.CutPrefix(fileID, filePrefix)
	if !ok {
		return nil, fmt.Errorf("console: %q is not the id of a file sent from the console", fileID)
	}
	return os.Open(path)
}
