// Package server runs ferry's connections: the accept loop, the life of a
// connection, deadlines, the bound on connections and graceful shutdown. It
// is the one place where errors become status codes.
package server

import (
	"io"
	"log"
	"time"

	"ferry/internal/http1"
)

// Config is what a Server needs; cmd/ferry fills it from flags.
type Config struct {
	// Handler answers every request.
	Handler http1.Handler
	// Limits bound request heads.
	Limits http1.Limits
	// HeaderTimeout bounds the time from a request's first byte to the end
	// of its head, so a client trickling a head (slowloris) is cut off.
	HeaderTimeout time.Duration
	// BodyTimeout bounds each read of a request body, so a slow but moving
	// upload survives while a stalled one is dropped.
	BodyTimeout time.Duration
	// IdleTimeout bounds the wait for the next request on a keep-alive
	// connection.
	IdleTimeout time.Duration
	// WriteTimeout bounds each write to the client.
	WriteTimeout time.Duration
	// MaxConns bounds the connections served at once; past it, the one
	// idle longest is closed to make room, or, when none is idle, new ones
	// wait in the kernel's listen backlog.
	MaxConns int
	// AccessLog receives one line per request; nil turns the log off.
	AccessLog io.Writer
	// ErrorLog receives handler panics and accept errors.
	ErrorLog *log.Logger
}

// Defaults, documented in the README's Flags section.
const (
	DefaultHeaderTimeout = 10 * time.Second
	DefaultBodyTimeout   = 30 * time.Second
	DefaultIdleTimeout   = 60 * time.Second
	DefaultWriteTimeout  = 30 * time.Second
	// DefaultMaxConns keeps well inside a default 65536 file limit while
	// serving far more clients than one small machine needs.
	DefaultMaxConns = 16384
)

// DefaultConfig returns a Config with every default set, serving h.
func DefaultConfig(h http1.Handler) Config {
	return Config{
		Handler:       h,
		Limits:        http1.DefaultLimits,
		HeaderTimeout: DefaultHeaderTimeout,
		BodyTimeout:   DefaultBodyTimeout,
		IdleTimeout:   DefaultIdleTimeout,
		WriteTimeout:  DefaultWriteTimeout,
		MaxConns:      DefaultMaxConns,
	}
}
