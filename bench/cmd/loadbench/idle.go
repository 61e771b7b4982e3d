package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// idleDialers is how many connections are opened at once: enough to be
// quick, few enough not to overflow a listen backlog.
const idleDialers = 32

// measureIdle opens n keep-alive connections to a fresh server, each making
// one request, and reports the growth of the server's RSS per connection in
// KiB. The server is started and stopped here so earlier rows' heap does
// not blur the number.
func measureIdle(e *env, kind string, r *row, n int) (sample, error) {
	s, err := start(e, kind)
	if err != nil {
		return sample{}, err
	}
	defer s.stop()
	if err := checkRow(s, r); err != nil {
		return sample{}, err
	}
	pid, err := s.rssPID()
	if err != nil {
		return sample{}, err
	}
	time.Sleep(200 * time.Millisecond)
	before, err := rssKiB(pid)
	if err != nil {
		return sample{}, err
	}
	conns, err := openIdle(s.addr, r.path, n)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	if err != nil {
		return sample{}, err
	}
	// Let the server finish whatever it does after a response (buffers
	// going back to pools) before reading its size.
	time.Sleep(time.Second)
	after, err := rssKiB(pid)
	if err != nil {
		return sample{}, err
	}
	open := stillOpen(conns)
	sm := sample{ok: true, value: float64(after-before) / float64(n), requests: n,
		rssBefore: before, rssAfter: after, note: fmt.Sprintf("RSS %d -> %d KiB", before, after)}
	if open < n {
		sm.errors = n - open
		sm.note += fmt.Sprintf(", server closed %d of %d", n-open, n)
	}
	return sm, nil
}

// openIdle dials n connections and makes one GET on each, reading the
// whole response, then leaves them idle.
func openIdle(addr, path string, n int) ([]net.Conn, error) {
	conns := make([]net.Conn, n)
	req := []byte("GET " + path + " HTTP/1.1\r\nHost: " + addr + "\r\nUser-Agent: loadbench\r\n\r\n")
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make([]error, idleDialers)
	for w := range idleDialers {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				c, err := oneRequest(addr, req)
				if err != nil {
					errs[w] = fmt.Errorf("connection %d: %w", i, err)
					return
				}
				conns[i] = c
			}
		})
	}
	wg.Wait()
	var opened []net.Conn
	for _, c := range conns {
		if c != nil {
			opened = append(opened, c)
		}
	}
	return opened, errors.Join(errs...)
}

func oneRequest(addr string, req []byte) (net.Conn, error) {
	c, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		return nil, err
	}
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.Write(req); err != nil {
		c.Close()
		return nil, err
	}
	resp, err := http.ReadResponse(bufio.NewReaderSize(c, 4096), nil)
	if err == nil {
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("status %d", resp.StatusCode)
	}
	if err == nil && resp.Close {
		err = errors.New("server closed the keep-alive connection")
	}
	if err != nil {
		c.Close()
		return nil, err
	}
	c.SetDeadline(time.Time{})
	return c, nil
}

// stillOpen counts connections the server has not closed: a read that
// times out means open, end-of-file means closed.
func stillOpen(conns []net.Conn) int {
	var open atomic.Int64
	var next atomic.Int64
	var wg sync.WaitGroup
	for range idleDialers {
		wg.Go(func() {
			var b [1]byte
			for {
				i := int(next.Add(1) - 1)
				if i >= len(conns) {
					return
				}
				c := conns[i]
				c.SetReadDeadline(time.Now().Add(5 * time.Millisecond))
				_, err := c.Read(b[:])
				var ne net.Error
				if errors.As(err, &ne) && ne.Timeout() {
					open.Add(1)
				}
			}
		})
	}
	wg.Wait()
	return int(open.Load())
}
