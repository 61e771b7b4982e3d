package server

import (
	"bufio"
	"io"
	"strconv"
	"sync"
	"time"
)

// accessLog writes one line per request. Lines are buffered and flushed
// every flushInterval, so logging costs a copy under a lock rather than a
// write(2) per request.
type accessLog struct {
	mu    sync.Mutex
	w     *bufio.Writer
	timer *time.Timer
}

const accessLogFlushInterval = 100 * time.Millisecond

func newAccessLog(w io.Writer) *accessLog {
	if w == nil {
		return nil
	}
	return &accessLog{w: bufio.NewWriterSize(w, 32<<10)}
}

func (l *accessLog) write(line []byte) {
	l.mu.Lock()
	l.w.Write(line)
	if l.timer == nil {
		l.timer = time.AfterFunc(accessLogFlushInterval, l.flush)
	}
	l.mu.Unlock()
}

func (l *accessLog) flush() {
	if l == nil {
		return
	}
	l.mu.Lock()
	l.w.Flush()
	l.timer = nil
	l.mu.Unlock()
}

// logRequest logs the request just answered.
func (c *conn) logRequest(start time.Time) {
	c.logStatus(start, c.req.ProtoString(), c.resp.Status())
}

// logStatus appends "remote method target proto status bytes duration".
func (c *conn) logStatus(start time.Time, proto string, status int) {
	l := c.srv.log
	if l == nil {
		return
	}
	b := c.logLine[:0]
	b = time.Now().AppendFormat(b, "2006-01-02T15:04:05.000Z07:00")
	b = append(b, ' ')
	b = append(b, c.req.RemoteAddr...)
	b = append(b, ' ')
	b = append(b, c.req.Method...)
	b = append(b, ' ')
	if len(c.req.Target) == 0 {
		b = append(b, '-')
	}
	b = append(b, c.req.Target...)
	b = append(b, ' ')
	b = append(b, proto...)
	b = append(b, ' ')
	b = strconv.AppendInt(b, int64(status), 10)
	b = append(b, ' ')
	b = strconv.AppendInt(b, c.resp.BodyBytes(), 10)
	b = append(b, ' ')
	b = strconv.AppendFloat(b, float64(time.Since(start).Microseconds())/1000, 'f', 3, 64)
	b = append(b, "ms\n"...)
	c.logLine = b
	l.write(b)
}
