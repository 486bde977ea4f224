package bot

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	tgbot "github.com/go-telegram/bot"

	"github.com/mentorbot/mentorbot/flows"
)

// MaxDownload is the most Files reads of one file: Telegram lets bots
// download files of up to 20 MB, and the apply flow takes no more. The
// reader Open returns ends after one byte more, so a larger file shows
// as too big instead of being read whole.
const MaxDownload = 20 << 20

// downloadTimeout bounds getFile and the download of one file.
const downloadTimeout = time.Minute

// Files downloads the files users send the bot, for flows.Config.Files:
// getFile gives a file's path, then one GET fetches it from the Bot API
// server. Make it with NewFiles; it is safe for concurrent use.
type Files struct {
	tg   *tgbot.Bot
	http *http.Client
}

var _ flows.Files = (*Files)(nil)

// NewFiles returns Files for the bot with token on the Bot API server at
// apiURL (Telegram's when empty), talking through client (one with a
// timeout of a minute when nil). It fails when the token is malformed.
func NewFiles(token, apiURL string, client *http.Client) (*Files, error) {
	if client == nil {
		client = &http.Client{Timeout: downloadTimeout}
	}
	opts := []tgbot.Option{tgbot.WithSkipGetMe(), tgbot.WithHTTPClient(downloadTimeout, client)}
	if apiURL != "" {
		opts = append(opts, tgbot.WithServerURL(strings.TrimSuffix(apiURL, "/")))
	}
	tg, err := tgbot.New(token, opts...)
	if err != nil {
		return nil, fmt.Errorf("create telegram client for files: %w", err)
	}
	return &Files{tg: tg, http: client}, nil
}

// Open downloads the file fileID, within a minute from the call to the
// last byte read: the caller reads and closes the result, which holds
// at most MaxDownload+1 bytes. It fails when Telegram refuses getFile or
// the download does not answer 200 OK.
func (f *Files) Open(ctx context.Context, fileID string) (io.ReadCloser, error) {
	ctx, cancel := context.WithTimeout(ctx, downloadTimeout)
	file, err := f.tg.GetFile(ctx, &tgbot.GetFileParams{FileID: fileID})
	if err == nil && file.FilePath == "" {
		err = errors.New("no file path")
	}
	if err != nil {
		cancel()
		return nil, fmt.Errorf("getFile %s: %w", fileID, withoutURL(err))
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, f.tg.FileDownloadLink(file), nil)
	if err != nil {
		cancel()
		return nil, fmt.Errorf("download %s: %w", fileID, err)
	}
	resp, err := f.http.Do(req)
	if err != nil {
		cancel()
		return nil, fmt.Errorf("download %s: %w", fileID, withoutURL(err))
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		cancel()
		return nil, fmt.Errorf("download %s: %s", fileID, resp.Status)
	}
	return &download{Reader: io.LimitReader(resp.Body, MaxDownload+1), body: resp.Body, cancel: cancel}, nil
}

// withoutURL is err without the URL of a *url.Error in it, which holds
// the bot's token: the error goes to the logs.
func withoutURL(err error) error {
	var u *url.Error
	if errors.As(err, &u) {
		return fmt.Errorf("%s: %w", u.Op, u.Err)
	}
	return err
}

// download is a file being read; Close ends its request.
type download struct {
	io.Reader
	body   io.Closer
	cancel context.CancelFunc
}

func (d *download) Close() error {
	err := d.body.Close()
	d.cancel()
	return err
}
