package bot

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/go-telegram/bot/models"
)

// pollTimeout is how long one getUpdates call waits for updates.
const pollTimeout = 50 * time.Second

// pollLimit bounds the updates fetched at once, and so those in memory.
const pollLimit = 100

// poll receives updates by long polling until ctx ends. It confirms an
// update to Telegram (by asking for the ones after it) only once its
// turn committed: updates in hand when the process dies are delivered
// again, and those already committed are then skipped. When a turn
// fails (Redis unreachable), polling stops at it and asks again after
// a pause, so nothing after it is confirmed either.
func (b *Bot) poll(ctx context.Context) {
	var offset int64
	pause := time.Duration(0)
	for ctx.Err() == nil {
		if pause > 0 {
			select {
			case <-ctx.Done():
				return
			case <-time.After(pause):
			}
		}
		updates, err := b.getUpdates(ctx, offset)
		if err != nil {
			if ctx.Err() == nil {
				b.log.Warn("getUpdates", "err", err)
			}
			pause = min(max(2*pause, 100*time.Millisecond), 5*time.Second)
			continue
		}
		next, ok := b.handleBatch(ctx, updates)
		if next > offset {
			offset = next
		}
		pause = 0
		if !ok {
			pause = time.Second
		}
	}
}

// handleBatch runs updates through the chat queues and waits for every turn.
// It returns the offset that confirms the updates handled before the
// first that failed, and false when one failed.
func (b *Bot) handleBatch(ctx context.Context, updates []*models.Update) (int64, bool) {
	results := make([]chan error, len(updates))
	bt := &batch{failed: make(map[int64]bool)}
	for i, u := range updates {
		results[i] = b.dispatch(ctx, u, bt)
	}
	var offset int64
	ok := true
	for i, u := range updates {
		var err error
		if results[i] == nil {
			err = errStopped
		} else {
			err = <-results[i]
		}
		if err != nil {
			ok = false
		}
		if ok {
			offset = u.ID + 1
		}
	}
	return offset, ok
}

// errStopped is the result of an update the bot took no more.
var errStopped = errors.New("bot stopping")

// getUpdates asks Telegram for the updates after offset (0: the
// oldest unconfirmed), waiting up to pollTimeout for one.
func (b *Bot) getUpdates(ctx context.Context, offset int64) ([]*models.Update, error) {
	body, err := json.Marshal(map[string]any{"offset": offset, "limit": pollLimit,
		"timeout": int(pollTimeout / time.Second)})
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, b.apiURL+"/bot"+b.cfg.Token+"/getUpdates", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := b.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("getUpdates: %w", errors.Unwrap(err))
	}
	defer resp.Body.Close()
	var out struct {
		OK          bool             `json:"ok"`
		Result      []*models.Update `json:"result"`
		Description string           `json:"description"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return nil, fmt.Errorf("getUpdates: %d: %w", resp.StatusCode, err)
	}
	if !out.OK {
		return nil, fmt.Errorf("getUpdates: %d %s", resp.StatusCode, out.Description)
	}
	return out.Result, nil
}
