package http1

// Limits bound what one request may make the server buffer. Each limit exists
// so that a client cannot make the server hold unbounded memory, and each is
// exposed as a flag by cmd/ferry.
type Limits struct {
	// MaxTargetBytes bounds the request target. 8 KiB is what RFC 9112 §3
	// recommends a server support at least, and what common servers refuse
	// beyond (414 URI Too Long).
	MaxTargetBytes int
	// MaxHeaderBytes bounds the whole request head (request line and header
	// fields). Above it the request gets 431.
	MaxHeaderBytes int
	// MaxHeaderFields bounds the number of header fields. Above it the
	// request gets 431.
	MaxHeaderFields int
}

// DefaultLimits are the limits promised by the contract (SPEC.md, Protocol).
var DefaultLimits = Limits{
	MaxTargetBytes:  8 << 10,
	MaxHeaderBytes:  64 << 10,
	MaxHeaderFields: 100,
}

// maxTrailerBytes bounds the trailer section of a chunked body. Trailers are
// read and dropped, so there is no reason to accept more than a head's worth.
const maxTrailerBytes = 16 << 10

// maxChunkLineBytes bounds one chunk-size line with its extensions, which are
// parsed and ignored: a peer sending kilobytes of them is attacking.
const maxChunkLineBytes = 4 << 10
