package server

import (
	"context"
	"errors"
	"log"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// ErrServerClosed is returned by Serve after Shutdown.
var ErrServerClosed = errors.New("server: closed")

// Server accepts connections and serves each on a goroutine of its own
// while it is active (see workers and parker).
type Server struct {
	cfg     Config
	log     *accessLog
	slots   chan struct{}
	parker  *parker
	workers *workers

	mu        sync.Mutex
	listeners map[net.Listener]struct{}
	conns     map[*conn]struct{}
	closing   atomic.Bool
	active    sync.WaitGroup
}

// New returns a Server for cfg.
func New(cfg Config) *Server {
	if cfg.MaxConns <= 0 {
		cfg.MaxConns = DefaultMaxConns
	}
	if cfg.ErrorLog == nil {
		cfg.ErrorLog = log.New(os.Stderr, "ferry: ", log.LstdFlags)
	}
	s := &Server{
		cfg:       cfg,
		log:       newAccessLog(cfg.AccessLog),
		slots:     make(chan struct{}, cfg.MaxConns),
		listeners: make(map[net.Listener]struct{}),
		conns:     make(map[*conn]struct{}),
	}
	s.parker = newParker(s)
	s.workers = newWorkers()
	return s
}

// Serve accepts connections on ln until Shutdown. Each connection takes a
// slot once accepted (takeSlot): past MaxConns, the next client is held
// until one frees and the ones after it wait in the listen backlog, while
// the ones being served are unaffected.
func (s *Server) Serve(ln net.Listener) error {
	s.mu.Lock()
	if s.closing.Load() {
		s.mu.Unlock()
		ln.Close()
		return ErrServerClosed
	}
	s.listeners[ln] = struct{}{}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.listeners, ln)
		s.mu.Unlock()
	}()
	var backoff time.Duration
	for {
		nc, err := ln.Accept()
		if err != nil {
			if s.closing.Load() {
				return ErrServerClosed
			}
			var ne net.Error
			if errors.As(err, &ne) && !errors.Is(err, net.ErrClosed) {
				// Out of file descriptors and the like: wait and retry
				// rather than spin or give up. Out of descriptors, the
				// connection parked longest gives its own back, as at
				// the connection bound, and the accept is tried again
				// at once: idle clients must not lock new ones out
				// while files being served hold the rest.
				if (errors.Is(err, syscall.EMFILE) || errors.Is(err, syscall.ENFILE)) && s.parker.evictIdlest() {
					continue
				}
				backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
				s.cfg.ErrorLog.Printf("accept: %v; retrying in %v", err, backoff)
				time.Sleep(backoff)
				continue
			}
			return err
		}
		backoff = 0
		if !s.takeSlot() {
			nc.Close()
			return ErrServerClosed
		}
		c := newConn(s, nc)
		if !s.track(c) {
			nc.Close()
			<-s.slots
			return ErrServerClosed
		}
		s.workers.run(c)
	}
}

// takeSlot waits for a connection slot, and reports false if the server
// closes first. With every slot taken, it closes the connection parked
// longest to make room: an idle keep-alive client loses nothing but a
// reconnection (RFC 9112 §9.3.1 lets it retry), while otherwise a crowd of
// idle clients would lock every new one out until the idle timeout. A
// connection busy with a request is never closed for this; when every one
// is busy, the new client waits, looking again each time a connection
// could have become idle enough to be parked.
func (s *Server) takeSlot() bool {
	select {
	case s.slots <- struct{}{}:
		return true
	default:
	}
	retry := time.NewTicker(parkDelay)
	defer retry.Stop()
	for !s.closing.Load() {
		s.parker.evictIdlest()
		select {
		case s.slots <- struct{}{}:
			return true
		case <-retry.C:
		}
	}
	return false
}

func (s *Server) track(c *conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing.Load() {
		return false
	}
	s.conns[c] = struct{}{}
	s.active.Add(1)
	return true
}

func (s *Server) untrack(c *conn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
	<-s.slots
	s.active.Done()
}

// Shutdown stops accepting, closes idle connections at once, lets requests
// in flight finish until ctx is done, then closes what remains and waits
// for those handlers to return (so an interrupted upload cleans up after
// itself). It returns ctx's error when the grace period ran out.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.closing.Store(true)
	for ln := range s.listeners {
		ln.Close()
	}
	conns := make([]*conn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	s.parker.stop()
	s.workers.stop()
	for _, c := range conns {
		c.closeIfIdle()
	}

	done := make(chan struct{})
	go func() {
		s.active.Wait()
		close(done)
	}()
	select {
	case <-done:
		s.log.close()
		return nil
	case <-ctx.Done():
	}
	s.mu.Lock()
	for c := range s.conns {
		c.nc.Close()
	}
	s.mu.Unlock()
	select {
	case <-done:
	case <-time.After(forcedCloseWait):
	}
	s.log.close()
	return ctx.Err()
}

// forcedCloseWait bounds how long Shutdown waits for handlers to notice that
// their connections were closed under them.
const forcedCloseWait = 2 * time.Second

// Close stops at once: listeners and every connection are closed.
func (s *Server) Close() {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	s.Shutdown(ctx)
}
