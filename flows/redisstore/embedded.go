package redisstore

import (
	"fmt"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
)

// Embedded is a Redis-compatible server running inside the process, for
// trying the bot without installing Redis. Its data lives in memory and
// is gone when the process ends.
type Embedded struct {
	srv *miniredis.Miniredis
}

// StartEmbedded starts an embedded server on a free loopback port.
func StartEmbedded() (*Embedded, error) {
	srv := miniredis.NewMiniRedis()
	if err := srv.Start(); err != nil {
		return nil, fmt.Errorf("start embedded redis: %w", err)
	}
	return &Embedded{srv: srv}, nil
}

// Addr is the server's host:port.
func (e *Embedded) Addr() string { return e.srv.Addr() }

// Client returns a new client of the server; the caller closes it.
func (e *Embedded) Client() *redis.Client {
	return redis.NewClient(&redis.Options{Addr: e.srv.Addr(), Protocol: Protocol})
}

// Close stops the server.
func (e *Embedded) Close() { e.srv.Close() }
