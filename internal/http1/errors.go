package http1

import "errors"

// ErrIncomplete reports that the buffer does not yet hold a whole request
// head: read more bytes and parse again.
var ErrIncomplete = errors.New("http1: incomplete request head")

// ErrAbortHandler, raised with panic by a handler, stops it without a
// logged stack: a response already under way is cut off where it is,
// without the ending that would pass it off as whole; one not started yet
// becomes a 500.
var ErrAbortHandler = errors.New("http1: abort handler")

// ProtocolError is a request the server must refuse. Status is the status to
// answer with; every protocol error also closes the connection, because after
// a framing error the server can no longer tell where the next request starts.
type ProtocolError struct {
	Status int
	Reason string
}

func (e *ProtocolError) Error() string { return "http1: " + e.Reason }

func badRequest(reason string) error { return &ProtocolError{Status: StatusBadRequest, Reason: reason} }
